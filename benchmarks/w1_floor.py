"""The NumPy floor of W1: the tiny MLP's training step as bare NumPy calls, timed beside deltanet's.

W1 (a 4-16-3 sigmoid MLP, cross-entropy, full batch of 150, plain SGD) is bound by the cost of
each call, not by arithmetic. This script writes the same step as the NumPy calls it needs, no
more (preallocated arrays, no graph, no checks), and times it in the same process as deltanet's
step from ``workloads.py``: the gap between the two is all that deltanet's autograd, modules,
loss checks and optimizer can still give back.

    python benchmarks/w1_floor.py            # unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import time_step  # noqa: E402
from workloads import LIBRARIES, WORKLOADS, _data, deltanet_mlp  # noqa: E402


def bare_step() -> Callable[[], float]:
    """W1's step as bare NumPy (forward, softmax cross-entropy, backward, SGD) from the initial
    weights of deltanet's W1 model; it returns the loss before the update, as deltanet's would."""
    spec = WORKLOADS["W1"]
    X, y = _data(spec)
    n = len(y)
    model, _ = deltanet_mlp("W1")  # Linear, Sigmoid, Linear
    first, second = model[0], model[2]
    W1, b1 = first.weight.array.copy(), first.bias.array.copy()
    W2, b2 = second.weight.array.copy(), second.bias.array.copy()
    z1, a1, d1, h = (np.empty((n, 16), np.float32) for _ in range(4))
    z2 = np.empty((n, 3), np.float32)
    gW1, gW2, gb1, gb2 = np.empty_like(W1), np.empty_like(W2), np.empty_like(b1), np.empty_like(b2)
    ones, rows = np.ones(n, np.float32), np.arange(n)
    eta = np.float32(spec["lr"])

    def step() -> float:
        np.matmul(X, W1.T, out=z1)  # z1 = x W1^T + b1
        np.add(z1, b1, out=z1)
        np.negative(z1, out=a1)  # a1 = 1 / (1 + e^-z1)
        np.exp(a1, out=a1)
        np.add(a1, 1, out=a1)
        np.reciprocal(a1, out=a1)
        np.matmul(a1, W2.T, out=z2)  # z2 = a1 W2^T + b2
        np.add(z2, b2, out=z2)
        zt = z2.T  # classes by samples: reductions over the short axis
        s = zt - zt.max(axis=0)
        e = np.exp(s)
        total = e.sum(axis=0)
        loss = float((np.log(total) - s[y, rows]).mean())
        p = e / total  # delta2 = (softmax - onehot) / n, as (classes, samples)
        p[y, rows] -= 1
        p *= 1 / n
        np.matmul(p, a1, out=gW2)
        np.matmul(p, ones, out=gb2)
        np.matmul(p.T, W2, out=d1)  # delta1 = (delta2 W2) * a1 (1 - a1)
        np.subtract(1, a1, out=h)
        np.multiply(h, a1, out=h)
        np.multiply(d1, h, out=d1)
        np.matmul(d1.T, X, out=gW1)
        np.matmul(ones, d1, out=gb1)
        for P, G in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):  # W <- W - eta g
            np.multiply(G, eta, out=G)
            np.subtract(P, G, out=P)
        return loss

    return step


def main() -> None:
    deltanet_step, _ = LIBRARIES["deltanet"]("W1")
    rounds = {"bare NumPy": [], "deltanet": []}
    for _ in range(3):  # alternate, so that the machine's noise falls on both
        rounds["bare NumPy"].append(time_step(bare_step(), seconds=1.0))
        rounds["deltanet"].append(time_step(deltanet_step, seconds=1.0))
    for name, times in rounds.items():
        print(f"W1 {name:11s} {min(times) * 1e6:7.1f} µs/step (best of {len(times)} rounds)")


if __name__ == "__main__":
    main()
