"""The port programs with ``WORLD_SIZE = 2`` (a DDP script) run as written with PyTorch, as two
``gloo`` processes with torchrun's environment, and after ``rename_imports`` with deltanet under
``mpiexec -n 2``; each rank's results must agree to the program's ``TOLERANCE``."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from tests.distributed.launch import run
from tests.port.test_port import assert_results_match, load, rename_imports

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "port_ddp_runner.py"
PROGRAMS = Path(__file__).resolve().parents[1] / "port" / "programs"
DISTRIBUTED = [p for p in sorted(PROGRAMS.glob("p*.py")) if "\nWORLD_SIZE = 2\n" in p.read_text(encoding="utf-8")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_torch(program: Path, weights: Path, out: Path) -> None:
    port = str(_free_port())
    env = dict(os.environ, WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1")
    processes = [
        subprocess.Popen(
            [sys.executable, str(RUNNER), "torch", str(program), str(weights), str(out)],
            env={**env, "RANK": str(r), "LOCAL_RANK": str(r)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for r in range(2)
    ]
    for p in processes:
        output, _ = p.communicate(timeout=120)
        assert p.returncode == 0, output


@pytest.mark.parametrize("program", DISTRIBUTED, ids=[p.stem for p in DISTRIBUTED])
def test_ddp_program_on_two_ranks_matches_pytorch(program, tmp_path):
    pytest.importorskip("torch")
    weights = tmp_path / "weights.npz"
    _run_torch(program, weights, tmp_path)
    done = run(str(RUNNER), "deltanet", str(program), str(weights), str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    tolerance = load(program, rename_imports(program.read_text(encoding="utf-8")), "port_ddp_tolerance").TOLERANCE
    for rank in range(2):
        ours = json.loads((tmp_path / f"deltanet_{rank}.json").read_text())
        theirs = json.loads((tmp_path / f"torch_{rank}.json").read_text())
        assert_results_match(ours, theirs, tolerance["rtol"], tolerance["atol"])


def test_there_is_a_ddp_program():
    assert DISTRIBUTED, "tests/port/programs should hold a program with WORLD_SIZE = 2"
