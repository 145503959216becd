"""``mpiexec -n 2 deltanet train CONFIG``: data-parallel training from the command line; rank 0
alone prints and fills the run folder, which equals a one-process run's to rounding; a job that
ended early continues with ``mpiexec -n 2 deltanet train --resume RUN`` (the Slurm script of
docs/distributed.md)."""

import csv
import shutil
from pathlib import Path

import numpy as np
from tests.distributed.launch import run

from deltanet.cli import main

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "iris_mlp.toml"


def deltanet_command() -> list[str]:
    import sys

    return [sys.executable, "-m", "deltanet"]


def history(folder: Path) -> dict[str, np.ndarray]:
    with open(folder / "history.csv") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def test_train_under_mpiexec_equals_one_process(tmp_path):
    config = tmp_path / "iris.toml"
    shutil.copy(CONFIG, config)
    done = run(
        "", command=[*deltanet_command(), "train", str(config), "--epochs", "3", "--run-dir", str(tmp_path / "two")]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Epoch 3/3") == 1 and done.stdout.count("run folder:") == 1, done.stdout
    for name in ("report.html", "model.dnet", "metrics.json", "manifest.json"):  # written by rank 0
        assert (tmp_path / "two" / name).is_file(), name
    assert main(["train", str(config), "--epochs", "3", "--run-dir", str(tmp_path / "one"), "--quiet"]) == 0
    two, one = history(tmp_path / "two"), history(tmp_path / "one")
    assert sorted(two) == sorted(one)
    for key in one:
        np.testing.assert_allclose(two[key], one[key], rtol=1e-4, atol=1e-6, err_msg=key)  # float32


def test_a_config_error_ends_every_rank_with_one_line(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text(CONFIG.read_text().replace("epochs = 200", "epochs = -1"))
    done = run("", command=[*deltanet_command(), "train", str(config), "--run-dir", str(tmp_path / "run")], timeout=60)
    assert done.returncode != 0
    assert "deltanet: error:" in done.stderr and "epochs" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_job_that_ended_early_resumes_under_mpiexec(tmp_path):
    config = tmp_path / "iris.toml"
    shutil.copy(CONFIG, config)
    run_dir = tmp_path / "run"
    ended = run("mpi_cli_interrupt.py", str(config), str(run_dir), timeout=60)
    assert ended.returncode != 0 and "rank 0 of 2 failed" in ended.stderr and "the job ends here" in ended.stderr
    assert (run_dir / "checkpoints" / "last.dnet").is_file() and not (run_dir / "model.dnet").exists()
    done = run("", command=[*deltanet_command(), "train", "--resume", str(run_dir)])
    assert done.returncode == 0, done.stdout + done.stderr
    # rank 0 alone speaks; the run goes on with the epoch after its last checkpoint
    assert done.stdout.count(f"resuming {run_dir}") == 1, done.stdout
    assert "Epoch 2/5" not in done.stdout and done.stdout.count("Epoch 3/5") == 1, done.stdout
    assert (run_dir / "model.dnet").is_file() and not (run_dir / "checkpoints").exists()
    assert main(["train", str(config), "--epochs", "5", "--run-dir", str(tmp_path / "one"), "--quiet"]) == 0
    resumed, one = history(run_dir), history(tmp_path / "one")
    assert sorted(resumed) == sorted(one) and len(one["epoch"]) == 5
    for key in one:
        np.testing.assert_allclose(resumed[key], one[key], rtol=1e-4, atol=1e-6, err_msg=key)  # float32
