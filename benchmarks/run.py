"""Side-by-side benchmark: deltanet against PyTorch (CPU, 2 threads) and scikit-learn.

Each (library, workload) pair runs in its own fresh process, because the thread pools of NumPy's
BLAS and PyTorch fight when they share one; the libraries alternate over several rounds, and each
process reports the median time per training step over several timing windows. The result is
the ratio of times, so the noise of a shared machine largely cancels. Two ratios are printed: of
the medians over rounds, and of the best rounds. Noise on a shared machine only ever adds time,
and it can hit one library's rounds and not the other's (a LeNet-5 round of torch took 3.1 ms
and 4.9 ms minutes apart); when the two ratios disagree, the best-round one is the fairer.

    python benchmarks/run.py                   # W1 and W2, deltanet vs torch vs sklearn
    python benchmarks/run.py --workloads W1 --rounds 5
    python benchmarks/run.py --workloads W1 W2 --libraries deltanet deltanet-compiled torch

The library ``deltanet-compiled`` is the same step through ``dn.compile_step`` (the MLP workloads).

By default the harness removes OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE from the workers'
environment (some machines set them to work around old OpenBLAS builds; they force a slower
kernel on a current NumPy); pass --keep-env to leave them.

deltanet does not change the process's allocator by itself; ``--malloc`` says whose worker
processes get glibc's "keep freed memory" settings (``deltanet.backend.keep_freed_memory``, here
through glibc's environment variables): ``deltanet`` (the default: what a program that trains CNNs
with deltanet asks for, PyTorch as it comes), ``all`` or ``none``.

    python benchmarks/run.py --workloads W1 W2 W3 W4 W5 --rounds 5

``--baseline SRC`` also times deltanet from another source tree (the ``src`` folder of another
checkout, e.g. a ``git worktree`` of main) as the library ``baseline``, in the same alternating
rounds: its ratio is this tree's speed-up over it.

    git worktree add /tmp/main main
    python benchmarks/run.py --workloads W3 W5 --rounds 5 --libraries deltanet --baseline /tmp/main/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def time_step(step: Callable[[], object], seconds: float) -> float:
    """Median seconds per ``step()`` over 5 timing windows of about seconds/5 each."""
    for _ in range(5):  # warm up: allocations, BLAS thread start-up, caches
        step()
    # Calibrate a window of ~seconds/5, then time 5 windows and keep the median.
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - start > seconds / 25 or n > 1_000_000:
            break
        n *= 2
    per_window = max(1, int(n * (seconds / 5) / max(time.perf_counter() - start, 1e-9)))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_window):
            step()
        times.append((time.perf_counter() - start) / per_window)
    return statistics.median(times)


def worker(library: str, workload: str, seconds: float) -> dict:
    sys.path.insert(0, str(HERE))
    from workloads import LIBRARIES

    step, samples = LIBRARIES["deltanet" if library == "baseline" else library](workload)
    t0 = time.perf_counter()
    step_s = time_step(step, seconds)
    return {
        "library": library,
        "workload": workload,
        "step_s": step_s,
        "samples": samples,
        "total_s": time.perf_counter() - t0,
        "source": sys.modules["deltanet"].__file__ if "deltanet" in sys.modules else None,
    }


#: glibc's environment variables for what ``deltanet.backend.keep_freed_memory`` sets with mallopt.
KEEP_FREED_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def run_in_process(
    library: str, workload: str, seconds: float, keep_env: bool, malloc: str = "deltanet", baseline: str | None = None
) -> dict:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2")
    if malloc == "all" or malloc == library or (malloc == "deltanet" and library == "baseline"):
        env.update(KEEP_FREED_MEMORY)
    if library == "baseline":
        assert baseline is not None, "--baseline SRC names the other tree"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [baseline, env.get("PYTHONPATH")]))
    if not keep_env:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run(
        [sys.executable, __file__, "--worker", library, workload, str(seconds)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{library} {workload} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if library == "baseline" and not str(result["source"]).startswith(str(Path(baseline or "").resolve())):
        raise RuntimeError(f"--baseline {baseline}: the worker imported deltanet from {result['source']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", nargs="+", default=["W1", "W2"])
    parser.add_argument("--libraries", nargs="+", default=["deltanet", "torch", "sklearn"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="timed seconds per process")
    parser.add_argument("--keep-env", action="store_true")
    parser.add_argument(
        "--malloc",
        choices=["deltanet", "all", "none"],
        default="deltanet",
        help="whose processes keep freed memory (glibc settings; see the module docstring)",
    )
    parser.add_argument(
        "--baseline", metavar="SRC", help="also time deltanet from this source tree (another checkout's src folder)"
    )
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        lib, wl, secs = args.worker
        print(json.dumps(worker(lib, wl, float(secs))))
        return

    if args.baseline and not (Path(args.baseline) / "deltanet" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no deltanet package there (give the src folder of a checkout)")
    sys.path.insert(0, str(HERE))
    from workloads import supports

    results: dict[tuple[str, str], list[float]] = {}
    samples: dict[str, int] = {}
    for workload in args.workloads:
        libraries = [lib for lib in args.libraries if supports(lib, workload)]
        if args.baseline:
            libraries.append("baseline")
        for r in range(args.rounds):
            order = libraries if r % 2 == 0 else list(reversed(libraries))
            for lib in order:
                res = run_in_process(lib, workload, args.seconds, args.keep_env, args.malloc, args.baseline)
                results.setdefault((workload, lib), []).append(res["step_s"])
                samples[workload] = res["samples"]
                print(f"  round {r + 1} {workload} {lib:9s} {res['step_s'] * 1e6:10.1f} µs/step", flush=True)
    print()
    header = f"{'workload':9s}{'library':10s}{'µs/step':>12s}{'best µs':>10s}{'samples/s':>12s}"
    print(header + f"{'speed-up (median)':>19s}{'(best)':>8s}")
    for workload in args.workloads:
        ours = results.get((workload, "deltanet"))
        for lib in args.libraries + ["baseline"]:
            if (workload, lib) not in results:
                continue
            times = results[(workload, lib)]
            t, best = statistics.median(times), min(times)
            ratios = ""
            if ours and lib != "deltanet":
                ratios = f"{t / statistics.median(ours):18.2f}x{best / min(ours):7.2f}x"
            print(f"{workload:9s}{lib:10s}{t * 1e6:12.1f}{best * 1e6:10.1f}{samples[workload] / t:12.0f}{ratios}")
    for workload in args.workloads:  # dn.compile_step's step, against PyTorch's
        compiled, torch = results.get((workload, "deltanet-compiled")), results.get((workload, "torch"))
        if compiled and torch:
            median, best = statistics.median(torch) / statistics.median(compiled), min(torch) / min(compiled)
            print(f"{workload}: torch / deltanet-compiled {median:.2f}x (medians), {best:.2f}x (best)")


if __name__ == "__main__":
    main()
