"""What ``fit``'s progress bar and Monitor cost on W2 (784-256-128-10 ReLU MLP, batch 128).

Trains the same model on the same synthetic data with ``verbose=0, monitor=False`` and with
``verbose=1, monitor=True``, alternating, and prints the median time per epoch of each and their
ratio. The issue's bar: the second may be at most 5 % slower.

    python benchmarks/fit_overhead.py [--epochs 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=7680)
    args = parser.parse_args()

    import deltanet as dn
    from deltanet import nn, optim

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.samples, 784)).astype(np.float32)
    y = rng.integers(0, 10, args.samples)
    times: dict[str, list[float]] = {"plain": [], "bar+monitor": []}
    for _ in range(args.rounds):
        for name, verbose, monitor in (("plain", 0, False), ("bar+monitor", 1, True)):
            model = nn.Sequential(
                nn.Linear(784, 256, rng=0), nn.ReLU(), nn.Linear(256, 128, rng=1), nn.ReLU(), nn.Linear(128, 10, rng=2)
            )
            opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            start = time.perf_counter()
            dn.fit(
                model,
                X,
                y,
                "cross_entropy",
                opt,
                epochs=args.epochs,
                batch_size=128,
                verbose=verbose,
                monitor=monitor,
                rng=0,
            )
            times[name].append((time.perf_counter() - start) / args.epochs)
    plain = statistics.median(times["plain"])
    full = statistics.median(times["bar+monitor"])
    print(f"plain fit:               {plain * 1e3:8.1f} ms/epoch")
    print(f"progress bar + Monitor:  {full * 1e3:8.1f} ms/epoch")
    print(f"overhead:                {100 * (full / plain - 1):+8.2f} %")


if __name__ == "__main__":
    main()
