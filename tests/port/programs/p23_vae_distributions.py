"""A VAE and uncertainty heads written with `torch.distributions`, as researchers write them.

The idioms of VAEs that keep their posterior as a distribution object (Pyro/PyTorch VAE
tutorials, `pytorch-lightning-bolts`' VAE, d2l): the encoder's `(mu, log_var)`,
`q = torch.distributions.Normal(mu, torch.exp(0.5 * log_var))`, the prior
`Normal(torch.zeros_like(mu), torch.ones_like(std))`, the KL term
`torch.distributions.kl_divergence(q, p).sum(-1)`, the likelihood
`Bernoulli(logits=decoder(z)).log_prob(x).sum(-1)`, the ELBO as `(log_px - kl).mean()` with
`loss = -elbo`, `q.mean` / `q.stddev` / `q.variance`, `q.entropy()`; the latent code as
`q.loc + q.scale * eps` with `eps` from NumPy (what `q.rsample()` computes; the two libraries'
generators draw different noise); the Probabilistic U-Net's (`stefanknegt/Probabilistic-Unet-Pytorch`)
`Independent(Normal(loc=mu, scale=torch.exp(log_sigma)), 1)` posterior and prior with
`from torch.distributions import kl` and `kl.kl_divergence(posterior, prior)`, and its Gaussian
likelihood `Independent(Normal(recon, 1.0), 1).log_prob(x)`; a classifier head as
`Categorical(logits=...)` (`log_prob`, `entropy()` as the predictive uncertainty, `probs`,
`sample()` whose shape and range are checked, `.mode`), REINFORCE's
`-(dist.log_prob(actions) * returns).mean()` with actions from NumPy; a Gaussian mixture's
`MultivariateNormal(loc, covariance_matrix=...)` responsibilities with `torch.logsumexp`; evidential
deep learning's (Sensoy et al. 2018, used for segmentation uncertainty) `alpha = F.softplus(logits) + 1`,
`Dirichlet(alpha)` with its `mean`, the uncertainty `K / alpha.sum(-1)` and the regulariser
`kl_divergence(Dirichlet(alpha), Dirichlet(torch.ones_like(alpha)))`, a `Beta` calibration
posterior's `log_prob`, `mean` and `variance`; the batch and event shapes of each (`list(d.batch_shape)`).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Bernoulli, Beta, Categorical, Dirichlet, Independent, MultivariateNormal, Normal, kl

TOLERANCE = {"rtol": 2e-3, "atol": 1e-4}
N_IN, N_HIDDEN, N_LATENT, CLASSES = 16, 12, 2, 3


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(N_IN, N_HIDDEN), nn.ReLU())
        self.fc_mu = nn.Linear(N_HIDDEN, N_LATENT)
        self.fc_var = nn.Linear(N_HIDDEN, N_LATENT)
        self.decoder = nn.Sequential(nn.Linear(N_LATENT, N_HIDDEN), nn.ReLU(), nn.Linear(N_HIDDEN, N_IN))

    def forward(self, x, eps):
        h = self.encoder(x)
        mu, log_var = self.fc_mu(h), self.fc_var(h)
        std = torch.exp(0.5 * log_var)
        q = torch.distributions.Normal(mu, std)
        p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std))
        z = q.loc + q.scale * eps  # q.rsample() with the noise given
        return self.decoder(z), q, p


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N_LATENT, 8), nn.Tanh(), nn.Linear(8, CLASSES))

    def forward(self, z):
        return self.net(z)


class Models(nn.Module):
    def __init__(self):
        super().__init__()
        self.vae = VAE()
        self.head = Head()


def build_model():
    return Models()


def make_images(n, rng):
    x = np.zeros((n, N_IN), dtype=np.float32)
    labels = rng.integers(0, CLASSES, size=n)
    for i, c in enumerate(labels):
        x[i, c * 4 : c * 4 + 6] = 1.0
    flips = rng.random(size=x.shape) < 0.05
    return torch.from_numpy(np.where(flips, 1 - x, x).astype(np.float32)), torch.from_numpy(labels)


def train_vae(model, x, rng):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    log = []
    for step in range(6):
        eps = torch.from_numpy(rng.standard_normal((x.size(0), N_LATENT)).astype(np.float32))
        optimizer.zero_grad()
        logits, q, p = model(x, eps)
        log_px = torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(-1)
        kl_term = torch.distributions.kl_divergence(q, p).sum(-1)
        elbo = (log_px - kl_term).mean()
        loss = -elbo
        loss.backward()
        optimizer.step()
        log.append([loss.item(), kl_term.mean().item()])
    with torch.no_grad():
        logits, q, p = model(x, torch.zeros(x.size(0), N_LATENT))
        gaussian = Independent(Normal(torch.sigmoid(logits), 1.0), 1)
        return {
            "log": log,
            "q_mean": q.mean[:2].tolist(),
            "q_stddev": q.stddev[:2].tolist(),
            "q_variance": q.variance.sum().item(),
            "q_entropy": q.entropy().sum(-1)[:3].tolist(),
            "shapes": [
                list(q.batch_shape),
                list(q.event_shape),
                list(gaussian.batch_shape),
                list(gaussian.event_shape),
            ],
            "gaussian_log_px": gaussian.log_prob(x)[:3].tolist(),
            "has_rsample": [q.has_rsample, Bernoulli(logits=logits).has_rsample],
        }


def prob_unet_kl(model, x):
    # The posterior and prior of the Probabilistic U-Net: diagonal Gaussians over the latent vector.
    with torch.no_grad():
        h = model.encoder(x)
        mu, log_sigma = model.fc_mu(h), model.fc_var(h)
    posterior = Independent(Normal(loc=mu, scale=torch.exp(log_sigma)), 1)
    prior = Independent(Normal(loc=torch.zeros_like(mu), scale=torch.ones_like(mu)), 1)
    kl_div = kl.kl_divergence(posterior, prior)
    return {
        "kl": kl_div[:4].tolist(),
        "kl_mean": torch.mean(kl_div).item(),
        "log_prob_at_mean": posterior.log_prob(posterior.mean)[:3].tolist(),
        "batch_event": [list(posterior.batch_shape), list(posterior.event_shape)],
    }


def classify(model, vae, x, labels, rng):
    with torch.no_grad():
        codes = vae.fc_mu(vae.encoder(x))
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-2)
    for step in range(5):
        optimizer.zero_grad()
        dist = Categorical(logits=model(codes))
        loss = -dist.log_prob(labels).mean()
        loss.backward()
        optimizer.step()
    # REINFORCE with actions and returns from NumPy.
    actions = torch.from_numpy(rng.integers(0, CLASSES, size=x.size(0)))
    returns = torch.from_numpy(rng.normal(size=x.size(0)).astype(np.float32))
    dist = Categorical(logits=model(codes))
    policy_loss = -(dist.log_prob(actions) * returns).mean()
    policy_loss.backward()
    with torch.no_grad():
        dist = Categorical(logits=model(codes))
        probs_dist = Categorical(probs=F.softmax(model(codes), dim=-1))
        draws = dist.sample((5,))
        return {
            "loss": loss.item(),
            "policy_loss": policy_loss.item(),
            "grad_norm": torch.norm(model.net[0].weight.grad).item(),
            "entropy": dist.entropy()[:4].tolist(),
            "mean_entropy": probs_dist.entropy().mean().item(),
            "probs_row": dist.probs[0].tolist(),
            "mode_acc": (dist.mode == labels).float().mean().item(),
            "draws": [list(draws.shape), draws.dtype == torch.int64, bool(((draws >= 0) & (draws < CLASSES)).all())],
            "log_prob_both": [dist.log_prob(labels).sum().item(), probs_dist.log_prob(labels).sum().item()],
        }


def mixture_responsibilities(rng):
    points = torch.from_numpy(rng.normal(size=(6, 2)).astype(np.float32))
    locs = torch.tensor([[0.0, 0.0], [1.5, -1.0]])
    covs = torch.stack([torch.eye(2), torch.tensor([[1.0, 0.3], [0.3, 0.5]])])
    weights = torch.tensor([0.4, 0.6])
    components = MultivariateNormal(locs, covariance_matrix=covs)
    log_p = components.log_prob(points.unsqueeze(1)) + torch.log(weights)
    resp = torch.exp(log_p - torch.logsumexp(log_p, dim=1, keepdim=True))
    return {
        "log_likelihood": torch.logsumexp(log_p, dim=1).sum().item(),
        "responsibilities": resp[:3].tolist(),
        "entropy": components.entropy().tolist(),
        "shapes": [list(components.batch_shape), list(components.event_shape)],
    }


def evidential(model, vae, x, labels):
    with torch.no_grad():
        codes = vae.fc_mu(vae.encoder(x))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    log = []
    for step in range(4):
        optimizer.zero_grad()
        alpha = F.softplus(model(codes)) + 1
        dist = Dirichlet(alpha)
        target = F.one_hot(labels, CLASSES).float()
        nll = (target * (torch.digamma(alpha.sum(-1, keepdim=True)) - torch.digamma(alpha))).sum(-1).mean()
        reg = torch.distributions.kl_divergence(dist, Dirichlet(torch.ones_like(alpha))).mean()
        loss = nll + 0.1 * reg
        loss.backward()
        optimizer.step()
        log.append([loss.item(), reg.item()])
    with torch.no_grad():
        alpha = F.softplus(model(codes)) + 1
        dist = Dirichlet(alpha)
        calibration = Beta(torch.tensor([2.0, 5.0]), torch.tensor([3.0, 1.5]))
        return {
            "log": log,
            "mean": dist.mean[:2].tolist(),
            "uncertainty": (CLASSES / alpha.sum(-1))[:4].tolist(),
            "entropy": dist.entropy()[:3].tolist(),
            "log_prob_at_mean": dist.log_prob(dist.mean)[:3].tolist(),
            "beta": [
                calibration.log_prob(torch.tensor([0.3, 0.8])).tolist(),
                calibration.mean.tolist(),
                calibration.variance.tolist(),
            ],
            "shapes": [list(dist.batch_shape), list(dist.event_shape)],
        }


def run(model, workdir=None):
    rng = np.random.default_rng(23)
    x, labels = make_images(24, rng)
    return {
        "vae": train_vae(model.vae, x, rng),
        "prob_unet": prob_unet_kl(model.vae, x),
        "head": classify(model.head, model.vae, x, labels, rng),
        "mixture": mixture_responsibilities(rng),
        "evidential": evidential(model.head, model.vae, x, labels),
    }
