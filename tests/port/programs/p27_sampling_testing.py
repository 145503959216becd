"""Monte-Carlo dropout uncertainty, a sampled mixture, noise injection and reproducible randomness.

The idioms: Monte-Carlo dropout written by hand, a keep-mask `torch.bernoulli(torch.full_like(h,
1 - p))` scaled by `1 / (1 - p)` and `T` stochastic forward passes stacked with `torch.stack`, whose
`.mean(0)` and `.std(0)` give the prediction and its uncertainty (Gal and Ghahramani's MC dropout as
the blog posts and Kaggle notebooks write it); a Gaussian mixture sampled with
`torch.multinomial(weights, n, replacement=True)`, the components indexing `means[comp]` and
`torch.normal(means[comp], stds[comp])` (d2l's sampling chapter, the PyTorch docs), counted with
`torch.bincount(..., minlength=)`; Gaussian noise injection `x + torch.normal(0.0, sigma,
size=x.shape)` (data augmentation); the reproducibility habits of PyTorch's "Reproducibility"
notes: `torch.get_rng_state()` / `torch.set_rng_state(state)` around an evaluation,
`torch.random.fork_rng()` so that a block's draws leave the rest of the stream alone,
`torch.Generator().manual_seed(7)` passed as `generator=`, `torch.initial_seed()`, `torch.seed()`;
`tensor.bernoulli_(p)` and `torch.empty(n).exponential_()` in place; and every check written with
`torch.testing.assert_close` (its message read on a failure), as PyTorch's own test suite does.

The two libraries' generators differ, so what is returned never depends on a draw: draws are
compared with draws of the same library, and only near-certain statistics (thousands of samples,
bounds of many standard errors) are reported, as booleans.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


class MCDropoutNet(nn.Module):
    def __init__(self, p=0.3):
        super().__init__()
        self.fc1 = nn.Linear(4, 32)
        self.fc2 = nn.Linear(32, 3)
        self.p = p

    def forward(self, x, mc=False):
        h = torch.relu(self.fc1(x))
        if mc:
            mask = torch.bernoulli(torch.full_like(h, 1 - self.p))
            h = h * mask / (1 - self.p)
        return self.fc2(h)


def build_model():
    return MCDropoutNet()


def mc_predict(model, x, samples):
    with torch.no_grad():
        probs = torch.stack([F.softmax(model(x, mc=True), dim=1) for _ in range(samples)])
    return probs.mean(0), probs.std(0)


def run(model, workdir=None):
    rng = np.random.default_rng(27)
    features = rng.normal(size=(64, 4)).astype(np.float32)
    labels = (features[:, 0] + features[:, 1] > 0).astype(np.int64) + (features[:, 2] > 1)
    x, y = torch.tensor(features), torch.tensor(labels)
    results = {}

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):  # deterministic training: no dropout
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    results["final loss"] = loss.item()

    # Reproducibility: the same generator state gives the same Monte-Carlo estimate.
    torch.manual_seed(123)
    results["initial seed"] = torch.initial_seed()
    state = torch.get_rng_state()
    results["state is 1-D uint8"] = state.dtype == torch.uint8 and state.dim() == 1
    mean_a, std_a = mc_predict(model, x, 8)
    torch.set_rng_state(state)
    mean_b, std_b = mc_predict(model, x, 8)
    assert_close(mean_a, mean_b)
    assert_close(std_a, std_b)
    results["mc rows sum to 1"] = torch.allclose(mean_a.sum(dim=1), torch.ones(64))
    results["mc std is non-negative"] = bool((std_a >= 0).all())
    results["mc std is not all zero"] = bool(std_a.max() > 0)

    # fork_rng: what is drawn inside the block leaves the stream after it unchanged.
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    with torch.random.fork_rng():
        torch.rand(100)
        torch.randn(7)
    assert_close(torch.rand(3), expected)

    # A generator of its own replays its draws.
    g = torch.Generator().manual_seed(7)
    first = torch.randn(4, generator=g)
    g.manual_seed(7)
    assert_close(torch.randn(4, generator=g), first)

    # With p = 0 the Monte-Carlo passes are the deterministic one.
    model.p = 0.0
    with torch.no_grad():
        deterministic = F.softmax(model(x), dim=1)
    mc_mean, mc_std = mc_predict(model, x, 3)
    assert_close(mc_mean, deterministic)
    assert_close(mc_std, torch.zeros_like(mc_std))
    results["p=0 probabilities"] = deterministic[:3].tolist()

    # A Gaussian mixture: components from multinomial, values from normal.
    weights = torch.tensor([0.2, 0.5, 0.3])
    means, stds = torch.tensor([-4.0, 0.0, 4.0]), torch.tensor([0.5, 1.0, 0.5])
    comp = torch.multinomial(weights, 20000, replacement=True)
    results["component dtype is int64"] = comp.dtype == torch.int64
    freq = torch.bincount(comp, minlength=3).float() / comp.numel()
    results["component frequencies"] = bool((freq - weights).abs().max() < 0.03)
    samples = torch.normal(means[comp], stds[comp])
    results["mixture mean"] = abs(samples.mean().item() - (weights * means).sum().item()) < 0.15
    results["without replacement"] = sorted(torch.multinomial(weights, 3).tolist())
    results["one-hot rows"] = torch.multinomial(torch.eye(3), 2, replacement=True).tolist()

    # Gaussian noise injection.
    noise = torch.normal(0.0, 0.1, size=(10000,))
    results["noise std"] = abs(noise.std().item() - 0.1) < 0.01
    results["noisy shape"] = list((x + torch.normal(0.0, 0.1, size=x.shape)).shape)
    assert_close(torch.normal(x[:2], torch.zeros(2, 4)), x[:2])

    # In-place draws.
    coins = torch.empty(10000).bernoulli_(0.25)
    results["bernoulli_ values"] = sorted(set(coins.tolist()))
    results["bernoulli_ rate"] = abs(coins.mean().item() - 0.25) < 0.03
    waits = torch.empty(10000).exponential_(2.0)
    results["exponential_ mean"] = abs(waits.mean().item() - 0.5) < 0.05
    results["seed is an int"] = isinstance(torch.seed(), int)

    # assert_close's message, as a failing test shows it.
    try:
        assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]))
    except AssertionError as error:
        results["assert_close message"] = str(error).splitlines()[2:4]
    return results
