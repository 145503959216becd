"""A failure on one rank ends the whole job, quickly and with that rank's error; nothing hangs.
What a distributed fit refuses, every rank refuses alike; ``fit(distributed=True)`` alone starts it."""

import pytest
from tests.distributed.launch import run


def test_an_error_on_one_rank_aborts_every_rank():
    done = run("mpi_failure.py", "raise", timeout=60)
    assert done.returncode != 0
    assert "rank 1 of 2 failed" in done.stderr
    assert "ValueError: a callback failed on rank 1 only" in done.stderr
    assert "finished" not in done.stdout


def test_an_uncaught_error_outside_fit_aborts_every_rank():
    done = run("mpi_failure.py", "uncaught", timeout=60)
    assert done.returncode != 0
    assert "uncaught RuntimeError on rank 1 of 2" in done.stderr
    assert "rank 1 gave up before training" in done.stderr


def test_a_killed_rank_ends_the_job():
    done = run("mpi_failure.py", "kill", timeout=60)
    assert done.returncode != 0
    assert "finished" not in done.stdout


@pytest.mark.parametrize("mode", ["nan"])
def test_a_nan_on_one_rank_stops_every_rank_at_the_same_step(mode):
    done = run("mpi_failure.py", mode, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = sorted(line for line in done.stdout.splitlines() if "diverged" in line)
    assert lines == ["rank 0: diverged at epoch 1, step 7", "rank 1: diverged at epoch 1, step 7"], done.stdout


def test_what_a_distributed_fit_refuses_every_rank_refuses_alike():
    done = run("mpi_setup.py", "refused", timeout=60)
    assert done.returncode == 0, done.stderr
    for rank in (0, 1):
        lines = [line for line in done.stdout.splitlines() if line.startswith(f"rank {rank}: ")]
        assert len(lines) == 4, done.stdout
        assert "the ranks were given different data; give every rank the whole training set" in lines[0]
        assert "LBFGS evaluates the loss several times per step" in lines[1]
        assert "batch_size=1 gives each step 1 sample, fewer than the 2 ranks" in lines[2]
        assert lines[3] == f"rank {rank}: went on"


def test_check_weights_names_a_weight_that_differs_and_ends_the_job():
    done = run("mpi_setup.py", "weights", timeout=60)
    assert done.returncode != 0
    assert "the ranks hold different values of weight before step 3" in done.stderr, done.stderr
    assert "finished" not in done.stdout


def test_distributed_true_alone_starts_mpi_and_trains_data_parallel():
    done = run("mpi_setup.py", "flag", timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()) == ["rank 0: size 2, equal True", "rank 1: size 2, equal True"]
