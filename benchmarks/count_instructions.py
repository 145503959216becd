"""Instructions per training step, counted by valgrind's callgrind: an A/B measure that other
processes on the machine cannot disturb.

Wall-clock time on a shared machine is noise; the number of instructions a step executes is
deterministic (with ``PYTHONHASHSEED`` fixed and one BLAS thread), and for the workloads bound by
Python overhead (W1, W2) it follows the time closely. For the BLAS-bound ones (W3-W5) it counts
the BLAS kernels too, which do not change between two trees; read the non-BLAS part with
``callgrind_annotate``.

Each measurement runs the workload twice under callgrind, with ``--steps`` and with twice as
many, and divides the difference by ``--steps``: start-up, imports and the first steps'
allocations cancel out.

    python benchmarks/count_instructions.py W1                  # hand-written step
    python benchmarks/count_instructions.py W1 --fit            # dn.fit's step (1 step per epoch)
    python benchmarks/count_instructions.py W1 --compiled       # dn.compile_step's step
    python benchmarks/count_instructions.py W1 --src /path/to/other/src   # another tree
    python benchmarks/count_instructions.py W1 --keep /tmp/w1.out         # keep the long run's profile

``--worker`` runs the steps without valgrind (what callgrind runs).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(workload: str, steps: int, fit: bool, library: str = "deltanet") -> None:
    sys.path.insert(0, str(HERE))
    from workloads import LIBRARIES, WORKLOADS, _data, deltanet_mlp

    if not fit:
        step, _ = LIBRARIES[library](workload)
        for _ in range(3):  # the first steps allocate work arrays and caches
            step()
        for _ in range(steps):
            step()
        return
    import deltanet as dn
    from deltanet import losses

    spec = WORKLOADS[workload]
    X, y = _data(spec)
    model, opt = deltanet_mlp(workload)
    common = dict(batch_size=spec["batch"], shuffle=False, monitor=False, verbose=0)
    dn.fit(model, X, y, losses.CrossEntropy(), opt, epochs=3, **common)
    dn.fit(model, X, y, losses.CrossEntropy(), opt, epochs=steps, **common)


def count(
    workload: str, steps: int, fit: bool, src: str | None, keep: str | None = None, compiled: bool = False
) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if src:
        env["PYTHONPATH"] = src
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__]
        cmd += ["--worker", workload, "--steps", str(steps)]
        cmd += (["--fit"] if fit else []) + (["--compiled"] if compiled else [])
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if run.returncode != 0:
            raise RuntimeError(run.stderr[-3000:])
        match = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
        if match is None:
            raise RuntimeError(run.stderr[-3000:])
        return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--fit", action="store_true", help="count dn.fit's step instead of the hand-written one")
    parser.add_argument("--compiled", action="store_true", help="count dn.compile_step's step instead")
    parser.add_argument("--src", help="the src folder of the tree to measure (default: PYTHONPATH as set)")
    parser.add_argument("--keep", help="write the longer run's callgrind profile here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.workload, args.steps, args.fit, "deltanet-compiled" if args.compiled else "deltanet")
        return
    short = count(args.workload, args.steps, args.fit, args.src, compiled=args.compiled)
    long = count(args.workload, 2 * args.steps, args.fit, args.src, args.keep, args.compiled)
    per_step = (long - short) / args.steps
    what = "fit" if args.fit else "compile_step" if args.compiled else "hand-written"
    print(f"{args.workload} {what}: {per_step / 1e3:.1f} k instructions/step ({args.src or 'PYTHONPATH'})")


if __name__ == "__main__":
    main()
