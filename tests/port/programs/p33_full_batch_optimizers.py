"""Full-batch training with the optimizers of scientific PyTorch code: L-BFGS, Rprop, ASGD, Adafactor.

The idioms: `torch.optim.LBFGS(model.parameters(), lr=1, max_iter=20, history_size=50,
line_search_fn="strong_wolfe")` with a closure that zeroes the gradients, computes the loss,
calls `backward()` and returns the loss (the physics-informed-network and curve-fitting recipe,
after an Adam warm-up), `optimizer.state[...]["func_evals"]` and `["n_iter"]` read back, and
`lbfgs.state_dict()`; a float64 model (`model.double()`, as such code does for L-BFGS);
`torch.optim.Rprop` for full-batch training, `torch.optim.ASGD(t0=...)` with its averaged
weights `optimizer.state[p]["ax"]` swapped in for evaluation, and `torch.optim.Adafactor` (PyTorch
2.5+), each on a `copy.deepcopy` of the model.
"""

import copy

import numpy as np
import torch
from torch import nn

TOLERANCE = {"rtol": 1e-6, "atol": 1e-9}


def build_model():
    return nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1)).double()


def run(model, workdir):
    rng = np.random.default_rng(0)
    x = torch.tensor(np.linspace(-2, 2, 64).reshape(-1, 1))
    y = torch.sin(2 * x) + 0.05 * torch.tensor(rng.normal(size=(64, 1)))
    loss_fn = nn.MSELoss()
    results = {}

    def train(net, optimizer, steps):
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    # Adam warm-up, then L-BFGS with the strong-Wolfe line search.
    adam = torch.optim.Adam(model.parameters(), lr=1e-2)
    results["adam"] = train(model, adam, 30)[::10]
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=5, history_size=50, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    starts = [lbfgs.step(closure).item() for _ in range(3)]
    state = lbfgs.state[next(iter(model.parameters()))]
    results["lbfgs"] = {
        "starting_losses": starts,
        "final": loss_fn(model(x), y).item(),
        "func_evals": state["func_evals"],
        "n_iter": state["n_iter"],
        "history": len(state["old_dirs"]),
        "groups": sorted(lbfgs.state_dict()["param_groups"][0]),
    }

    # The other full-batch optimizers, each from a copy of the warmed-up model.
    for name, make in {
        "rprop": lambda p: torch.optim.Rprop(p, lr=0.01),
        "asgd": lambda p: torch.optim.ASGD(p, lr=0.05, t0=5),
        "adafactor": lambda p: torch.optim.Adafactor(p, lr=0.01),
    }.items():
        net = copy.deepcopy(model)
        optimizer = make(net.parameters())
        results[name] = {"losses": train(net, optimizer, 12)[::3], "keys": sorted(optimizer.state[net[0].weight])}
        if name == "asgd":  # evaluate with the averaged weights
            with torch.no_grad():
                for p in net.parameters():
                    p.copy_(optimizer.state[p]["ax"])
            results[name]["averaged"] = loss_fn(net(x), y).item()
    return results
