"""Data-parallel scaling of ``fit`` over MPI: measured on this machine, and modelled for a cluster.

Measured (``python benchmarks/mpi_scaling.py``): workloads W2 (784-256-128-10 MLP, batch 128) and
W3 (LeNet-5, batch 64) of ``workloads.py``, trained by ``fit`` on random data with the same
global batch in three ways: 1 process x 1 BLAS thread, 1 process x 2 BLAS threads, and
``mpiexec -n 2`` ranks x 1 BLAS thread each. It prints samples per second and the efficiency
of each 2-core way against twice the 1-core speed. Run it on a quiet machine: the numbers are
meaningless while other work shares the cores.

Modelled (``python benchmarks/mpi_scaling.py --model``): the compute per sample of LeNet-5, a
2-D U-Net and a 3-D U-Net is measured here (1 thread), and the step time on p ranks of a
cluster is predicted as compute of the rank's share plus a ring all-reduce of the gradients,

    T_step(p) = (B / p) * t_sample + 2 (p - 1) * alpha + 2 (p - 1) / p * S / beta

(B the global batch, S the gradient bytes, beta the bandwidth, alpha the per-message latency),
with no overlap of communication and computation (what deltanet does: one all-reduce after the
backward pass) and with ideal overlap (the all-reduce hidden behind the backward pass, as
bucketed all-reduce in PyTorch's DDP does: T = max(T_compute, T_forward + T_allreduce)).

``--worker NAME`` is the training run itself (started by the driver).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# W2 and W3 as workloads.py defines them; steps per timed epoch.
SPECS = {"W2": {"batch": 128, "steps": 40}, "W3": {"batch": 64, "steps": 20}}


def _build(name: str):
    from workloads import CNN_WORKLOADS, WORKLOADS

    import deltanet as dn

    rng = np.random.default_rng(0)
    if name == "W2":
        spec = WORKLOADS["W2"]
        model = dn.models.mlp(list(spec["sizes"]), activation="relu", rng=0)
        n = SPECS[name]["batch"] * SPECS[name]["steps"]
        X = rng.standard_normal((n, spec["sizes"][0])).astype(np.float32)
        y = rng.integers(0, spec["sizes"][-1], n)
    else:
        spec = CNN_WORKLOADS["W3"]
        model = dn.models.lenet5(rng=0)
        n = SPECS[name]["batch"] * SPECS[name]["steps"]
        X = rng.standard_normal((n, *spec["input"])).astype(np.float32)
        y = rng.integers(0, spec["classes"], n)
    opt = dn.optim.SGD(model.parameters(), lr=spec["lr"], momentum=spec["momentum"])
    return model, opt, X, y


def worker(name: str, epochs: int) -> None:
    """Train ``name`` for 1 + ``epochs`` epochs; rank 0 prints the samples per second of the timed ones."""
    import deltanet as dn

    world = dn.distributed.init() if dn.distributed.launched_size() > 1 else None
    model, opt, X, y = _build(name)
    kwargs = dict(batch_size=SPECS[name]["batch"], verbose=0, monitor=False, rng=0)
    dn.fit(model, X, y, "cross_entropy", opt, epochs=1, **kwargs)  # warm-up
    dn.distributed.barrier()
    began = time.perf_counter()
    dn.fit(model, X, y, "cross_entropy", opt, epochs=epochs, **kwargs)
    seconds = time.perf_counter() - began
    if world is None or world.is_root:
        print(json.dumps({"samples_per_second": epochs * len(X) / seconds}))


def _run(name: str, ranks: int, threads: int, epochs: int) -> float:
    env = dict(
        os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads)
    )
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--epochs", str(epochs)]
    if ranks > 1:
        mpiexec = Path(sys.executable).parent / "mpiexec"
        command = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(ranks), *command]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=600).stdout
    return float(json.loads(out.strip().splitlines()[-1])["samples_per_second"])


def measure(names: list[str], epochs: int) -> None:
    print("workload  1x1 samples/s  1x2 (threads) samples/s  eff.  2x1 (ranks) samples/s  eff.")
    for name in names:
        one = _run(name, 1, 1, epochs)
        threads = _run(name, 1, 2, epochs)
        ranks = _run(name, 2, 1, epochs)
        print(
            f"{name:8}  {one:13.0f}  {threads:23.0f}  {threads / (2 * one):4.0%}  "
            f"{ranks:21.0f}  {ranks / (2 * one):4.0%}"
        )


# -- the model for a cluster -----------------------------------------------------------------------
def _per_sample(model, shape: tuple[int, ...], batch: int, loss: str, repeats: int = 3) -> float:
    """Seconds of one training step per sample (forward, backward, update), the best of ``repeats``."""
    import deltanet as dn

    rng = np.random.default_rng(0)
    X = dn.tensor(rng.standard_normal((batch, *shape)).astype(np.float32))
    out = model(X)
    target = dn.tensor(rng.random(out.shape).astype(np.float32) < 0.5) if loss == "bce" else None
    opt = dn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    best = np.inf
    for _ in range(repeats + 1):
        began = time.perf_counter()
        opt.zero_grad()
        out = model(X)
        L = dn.losses.BCEWithLogitsLoss()(out, target.float()) if loss == "bce" else (out * out).mean()
        L.backward()
        opt.step()
        best = min(best, time.perf_counter() - began)
    return best / batch


def predict(names_shapes: list[tuple[str, object, tuple[int, ...], int, int]]) -> None:
    networks = {"10 Gb/s Ethernet": (10e9 / 8, 30e-6), "100 Gb/s InfiniBand": (100e9 / 8, 2e-6)}
    for name, model, shape, batch, global_batch in names_shapes:
        t = _per_sample(model, shape, batch, "bce" if "U-Net" in name else "mse")
        S = 4 * sum(p.size for p in model.parameters())  # float32 gradients
        print(
            f"\n{name}: {S / 4:,.0f} parameters ({S / 1e6:.2f} MB of gradients), {t * 1e3:.2f} ms per sample "
            f"(1 thread, this machine), global batch {global_batch}"
        )
        print("  network               p   compute/step  all-reduce  efficiency  speedup  (with overlap)")
        for network, (beta, alpha) in networks.items():
            for p in (8, 16, 32, 64):
                compute = global_batch / p * t
                allreduce = 2 * (p - 1) * alpha + 2 * (p - 1) / p * S / beta
                plain = compute / (compute + allreduce)
                overlap = compute / max(compute, compute / 3 + allreduce)
                print(
                    f"  {network:20} {p:3}  {compute * 1e3:10.2f} ms  {allreduce * 1e3:7.2f} ms  {plain:9.0%}  "
                    f"{p * plain:7.1f}  ({p * overlap:.1f})"
                )


def model_table() -> None:
    import deltanet as dn

    predict(
        [
            ("LeNet-5 (1x28x28)", dn.models.lenet5(rng=0), (1, 28, 28), 64, 512),
            ("2-D U-Net (depth 2, width 16, 1x64x64)", dn.models.unet(1, 1, 2, 16, 2, rng=0), (1, 64, 64), 8, 64),
            (
                "3-D U-Net (depth 2, width 16, 1x32x32x32)",
                dn.models.unet(1, 1, 2, 16, 3, rng=0),
                (1, 32, 32, 32),
                2,
                64,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=sorted(SPECS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model", action="store_true", help="the cluster model instead of the measurement")
    parser.add_argument("--workloads", nargs="+", default=sorted(SPECS))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.epochs)
    elif args.model:
        model_table()
    else:
        measure(args.workloads, args.epochs)


if __name__ == "__main__":
    main()
