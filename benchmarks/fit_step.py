"""Time per optimizer step of ``fit`` itself on W1 and W2, for comparing two versions of deltanet.

``benchmarks/run.py`` times a hand-written step; this times ``dn.fit`` (no Monitor, no progress
output), so that it includes what the training loop adds to the four steps: batching, the NaN
policy's checks, callbacks and bookkeeping. Run it with two source trees alternating, e.g.

    PYTHONPATH=/path/to/old/src python benchmarks/fit_step.py --workload W1
    PYTHONPATH=src python benchmarks/fit_step.py --workload W1

It prints the median over rounds of the time per step, in µs. ``--policy-cost`` measures what the
NaN policy costs instead (issue 13's budget: about 2 %): in one process, rounds alternate between
fit as it is and fit with ``Step``'s gradient check and large-step guard switched off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=("W1", "W2"), default="W1")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="about how long each round trains")
    parser.add_argument("--policy-cost", action="store_true", help="alternate rounds with the NaN policy on and off")
    args = parser.parse_args()

    from workloads import WORKLOADS, _data, deltanet_mlp

    import deltanet as dn
    from deltanet import losses

    spec = WORKLOADS[args.workload]
    X, y = _data(spec)
    n_steps = -(-len(X) // spec["batch"])

    def run(epochs: int) -> float:
        model, opt = deltanet_mlp(args.workload)
        start = time.perf_counter()
        dn.fit(
            model,
            X,
            y,
            losses.CrossEntropy(),
            opt,
            epochs=epochs,
            batch_size=spec["batch"],
            shuffle=False,
            monitor=False,
            verbose=0,
        )
        return (time.perf_counter() - start) / (epochs * n_steps)

    run(3)  # warm up: the first fit imports the training layer (~0.1 s), which would skew the calibration
    # Calibrate: each round trains about --seconds, so fit's fixed cost (~0.4 ms) is amortized alike.
    per_step = run(20)
    epochs = max(3, int(args.seconds / (per_step * n_steps)))
    if not args.policy_cost:
        times = [run(epochs) for _ in range(args.rounds)]
        print(f"{args.workload} fit: {statistics.median(times) * 1e6:.1f} µs/step (median of {args.rounds})")
        return

    from deltanet.training.step import Step

    policy = (Step._check_gradients, Step._large_hyperparameters)
    off = (lambda self, objective: None, lambda self: False)
    on_times, off_times = [], []
    for _ in range(args.rounds):
        Step._check_gradients, Step._large_hyperparameters = policy  # type: ignore[method-assign]
        on_times.append(run(epochs))
        Step._check_gradients, Step._large_hyperparameters = off  # type: ignore[method-assign]
        off_times.append(run(epochs))
    Step._check_gradients, Step._large_hyperparameters = policy  # type: ignore[method-assign]
    on, no = statistics.median(on_times), statistics.median(off_times)
    print(
        f"{args.workload} fit: {on * 1e6:.1f} µs/step with the NaN policy, {no * 1e6:.1f} without "
        f"(median of {args.rounds}): {100 * (on / no - 1):+.1f} %"
    )


if __name__ == "__main__":
    main()
