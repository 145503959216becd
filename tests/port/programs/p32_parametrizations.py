"""A GAN-style discriminator with spectral normalisation, a weight-normed classifier head and a custom
parametrization, trained a few steps, then saved and reloaded through its state_dict.

The idioms: `torch.nn.utils.parametrizations.spectral_norm` on every convolution and linear layer of
a discriminator (SN-GAN, Miyato et al. 2018; the DCGAN-with-spectral-norm discriminators of
`pytorch-gan-collections`/`mimicry`), the hinge loss `F.relu(1 - d_real).mean() + F.relu(1 +
d_fake).mean()` with `nn.LeakyReLU(0.1)`; `torch.nn.utils.parametrizations.weight_norm` on a
classifier head (weight-normalised heads of semi-supervised and few-shot repositories) and its
`parametrizations.weight.original0`/`original1` (g and v); the PyTorch "Parametrizations tutorial"'s
`Symmetric` module registered with `parametrize.register_parametrization(layer, "weight",
Symmetric())`, `parametrize.is_parametrized`, `with parametrize.cached():`, and
`parametrize.remove_parametrizations(layer, "weight")` (`leave_parametrized`); the older
`torch.nn.utils.weight_norm`/`remove_weight_norm` of WaveNet/HiFi-GAN vocoders (`weight_g`,
`weight_v`); `model.eval()` freezing the power iteration (its `_u` is unchanged in evaluation);
`type(layer).__name__` ("ParametrizedConv2d"); `torch.save(model.state_dict())` and
`load_state_dict` into a freshly built model, its keys `parametrizations.weight.original` and
`parametrizations.weight.0._u`; `torch.linalg.matrix_norm(W, 2)` of the normalised weight.
"""

import os

import numpy as np
import torch
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            spectral_norm(nn.Conv2d(1, 4, 3, stride=2, padding=1)),
            nn.LeakyReLU(0.1),
            spectral_norm(nn.Conv2d(4, 8, 3, stride=2, padding=1)),
            nn.LeakyReLU(0.1),
        )
        self.critic = spectral_norm(nn.Linear(8 * 2 * 2, 1), n_power_iterations=2)
        self.mix = nn.Linear(8 * 2 * 2, 8 * 2 * 2, bias=False)
        parametrize.register_parametrization(self.mix, "weight", Symmetric())
        self.head = weight_norm(nn.Linear(8 * 2 * 2, 3), dim=0)

    def forward(self, x):
        h = self.features(x).flatten(1)
        h = h + 0.1 * self.mix(h)
        return self.critic(h).squeeze(1), self.head(h)


def build_model():
    return Discriminator()


def run(model, workdir):
    rng = np.random.default_rng(32)
    real = torch.tensor(rng.normal(loc=0.5, size=(8, 1, 8, 8)).astype(np.float32))
    fake = torch.tensor(rng.normal(loc=-0.5, size=(8, 1, 8, 8)).astype(np.float32))
    labels = torch.tensor(rng.integers(0, 3, size=8))

    names = [name for name, _ in model.named_parameters()]
    keys = list(model.state_dict().keys())
    kinds = [type(m).__name__ for m in (model.features[0], model.critic, model.mix, model.head)]
    symmetric = torch.allclose(model.mix.weight, model.mix.weight.T)
    sigma = torch.linalg.matrix_norm(model.critic.weight.detach(), 2).item()

    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.0, 0.9))
    losses = []
    for step in range(4):
        model.train()
        optimizer.zero_grad()
        d_real, logits = model(real)
        d_fake, _ = model(fake)
        loss = F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean() + F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    u = model.critic.parametrizations.weight[0]._u
    u_trained = u.clone()

    model.eval()
    with torch.no_grad(), parametrize.cached():
        d_eval, logits_eval = model(real)
        same_weight = model.mix.weight is model.mix.weight
    u_frozen = torch.equal(u, u_trained)
    g = model.head.parametrizations.weight.original0
    v = model.head.parametrizations.weight.original1
    head_norms = (v.norm(dim=1, keepdim=True) / g).flatten().tolist()

    path = os.path.join(workdir, "discriminator.pt")
    torch.save(model.state_dict(), path)
    restored = Discriminator()
    restored.load_state_dict(torch.load(path, weights_only=True))
    restored.eval()
    with torch.no_grad():
        d_restored, _ = restored(real)

    parametrize.remove_parametrizations(restored.mix, "weight")
    parametrize.remove_parametrizations(restored.head, "weight", leave_parametrized=True)
    plain = [
        type(restored.mix).__name__,
        parametrize.is_parametrized(restored.mix),
        parametrize.is_parametrized(restored),
    ]
    with torch.no_grad():
        _, logits_plain = restored(real)

    vocoder = nn.Conv1d(2, 3, 3)
    with torch.no_grad():
        vocoder.weight.copy_(torch.tensor(rng.normal(size=(3, 2, 3)).astype(np.float32)))
        vocoder.bias.zero_()
    vocoder = torch.nn.utils.weight_norm(vocoder)
    old_keys = list(vocoder.state_dict().keys())
    wave = torch.tensor(rng.normal(size=(1, 2, 6)).astype(np.float32))
    out_hooked = vocoder(wave)
    torch.nn.utils.remove_weight_norm(vocoder)
    out_plain = vocoder(wave)

    return {
        "names": names,
        "keys": keys,
        "kinds": kinds,
        "symmetric": symmetric,
        "sigma": sigma,
        "losses": losses,
        "u_frozen_in_eval": u_frozen,
        "same_cached_weight": same_weight,
        "d_eval": d_eval.tolist(),
        "logits_eval": logits_eval[:2].tolist(),
        "head_norms": head_norms,
        "restored_equal": torch.allclose(d_restored, d_eval),
        "plain": plain,
        "logits_plain": logits_plain[:2].tolist(),
        "old_keys": old_keys,
        "vocoder": [out_hooked.sum().item(), out_plain.sum().item()],
        "repr": repr(model.critic).splitlines(),
    }
