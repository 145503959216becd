"""Fit a third-order polynomial to sin(x) with tensors and autograd, updating by hand.

The idioms of PyTorch's "Learning PyTorch with Examples" tutorial: `torch.linspace`, tensor
arithmetic with `**` and `.pow()`, `loss.item()`, `loss.backward()`, and the manual update
`a -= learning_rate * a.grad` inside `torch.no_grad()`, then `a.grad = None` (and `.zero_()`).
"""

import math

import numpy as np
import torch

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}


def run(model=None, workdir=None):
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    rng = np.random.default_rng(0)
    a, b, c, d = (torch.tensor(rng.standard_normal(), dtype=dtype, requires_grad=True) for _ in range(4))

    learning_rate = 1e-6
    losses = []
    for t in range(300):
        y_pred = a + b * x + c * x**2 + d * x.pow(3)
        loss = (y_pred - y).pow(2).sum()
        if t % 50 == 49:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad.zero_()
            d.grad.zero_()
    result = f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3"
    return {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()], "text": result}
