"""Running a script of this folder under ``mpiexec -n W``, with a timeout, for the MPI tests.

The tests skip when mpi4py or ``mpiexec`` is missing (``pip install "deltanet[mpi]"`` installs
both). Each rank gets one BLAS thread: W ranks share the machine's cores.

``DELTANET_MPIEXEC`` runs them with another launcher, to test a system MPI (with an mpi4py built
against it): ``DELTANET_MPIEXEC="mpirun --oversubscribe" python -m pytest tests/distributed``.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


def mpiexec() -> list[str]:
    """``$DELTANET_MPIEXEC``, else the ``mpiexec`` beside this Python (the mpich wheel's), else the one
    on the PATH; skip without one."""
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip('mpi4py is not installed (pip install "deltanet[mpi]")')
    if os.environ.get("DELTANET_MPIEXEC"):
        return shlex.split(os.environ["DELTANET_MPIEXEC"])
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install mpich, or load an MPI)")
    return [found]


def run(script: str, *args: str, ranks: int = 2, timeout: float = 90, command: list[str] | None = None):
    """``mpiexec -n ranks python script args`` (or ``command``); the CompletedProcess.

    A run that outlives ``timeout`` fails the test (a hang is the failure these tests look for).
    """
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    # Unbuffered, print writes a line's text and its newline apart, and mpiexec may put another
    # rank's line between the two ("rank 1: ...rank 0: ...\n\n"); buffered, print(flush=True)
    # is one write of the whole line.
    env.pop("PYTHONUNBUFFERED", None)
    launcher = mpiexec()
    argv = [*launcher, "-n", str(ranks)]
    argv += command if command is not None else [sys.executable, str(HERE / script), *args]
    # A session of its own, so that a hung job is ended whole (mpiexec and every rank it started).
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"mpiexec {' '.join(argv[len(launcher) + 2 :])} hung for {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
