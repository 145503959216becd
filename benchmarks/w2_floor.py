"""The NumPy floor of W2: the MNIST-sized MLP's training step as bare NumPy calls, timed beside
deltanet's.

W2 (784-256-128-10 ReLU MLP, batch 128, cross-entropy, SGD with momentum 0.9, float32) is bound
by its matrix products: five GEMMs of the backward pass (the input's gradient is never computed)
and three of the forward pass, all in NumPy's BLAS. This script writes the step as the NumPy
calls it needs, no more (no graph, no checks, no modules), and times it in the same process as
deltanet's step from ``workloads.py``: the gap between the two is all that deltanet's autograd,
modules, loss checks and optimizer cost on top of the BLAS. Beating PyTorch by more than that
ratio needs faster products than NumPy's BLAS gives.

    python benchmarks/w2_floor.py            # unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first
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
    """W2's step as bare NumPy (forward, softmax cross-entropy, backward, momentum SGD) from the
    initial weights of deltanet's W2 model; it returns the loss before the update, as deltanet's would."""
    spec = WORKLOADS["W2"]
    X, y = _data(spec)
    n, rows = len(y), np.arange(len(y))
    model, _ = deltanet_mlp("W2")  # Linear, ReLU, Linear, ReLU, Linear
    W = [model[i].weight.array.copy() for i in (0, 2, 4)]
    b = [model[i].bias.array.copy() for i in (0, 2, 4)]
    velocity = [np.zeros_like(p) for p in W + b]
    eta, mu = np.float32(spec["lr"]), np.float32(spec["momentum"])

    def step() -> float:
        a = [X]
        for i in range(3):  # z = a W^T + b, a = max(0, z) (not after the last layer)
            z = a[-1] @ W[i].T
            z += b[i]
            a.append(np.maximum(0, z) if i < 2 else z)
        s = a[3] - a[3].max(axis=1, keepdims=True)
        e = np.exp(s)
        total = e.sum(axis=1)
        loss = float((np.log(total) - s[rows, y]).mean())
        delta = e / total[:, None]  # delta3 = (softmax - onehot) / n
        delta[rows, y] -= 1
        delta *= 1 / n
        grads_W, grads_b = [None] * 3, [None] * 3
        for i in (2, 1, 0):
            grads_W[i] = delta.T @ a[i]  # dL/dW = delta^T a, dL/db = sum of delta
            grads_b[i] = delta.sum(axis=0)
            if i:  # delta_{i} = (delta W) * [a > 0]; not for the input
                delta = delta @ W[i]
                delta *= a[i] > 0
        for p, v, g in zip(W + b, velocity, grads_W + grads_b, strict=True):  # v <- mu v + g, p <- p - eta v
            v *= mu
            v += g
            p -= eta * v
        return loss

    return step


def main() -> None:
    deltanet_step, _ = LIBRARIES["deltanet"]("W2")
    rounds: dict[str, list[float]] = {"bare NumPy": [], "deltanet": []}
    for _ in range(3):  # alternate, so that the machine's noise falls on both
        rounds["bare NumPy"].append(time_step(bare_step(), seconds=2.0))
        rounds["deltanet"].append(time_step(deltanet_step, seconds=2.0))
    for name, times in rounds.items():
        print(f"W2 {name:11s} {min(times) * 1e6:7.1f} µs/step (best of {len(times)} rounds)")


if __name__ == "__main__":
    main()
