"""Two ranks with half the global batch each equal one process with the whole batch, in float64
over 20 steps: SGD with momentum, Adam, SyncBatchNorm, dropout (against a one-process simulation
of the two ranks' mask streams); per-rank BatchNorm differs, as documented."""

import json

import pytest
from tests.distributed.launch import run


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi") / "equivalence.json"
    done = run("mpi_equivalence.py", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


# mlp-sgd-weighted: CrossEntropy(weight=..., ignore_index=-1), a mean over the kept labels' weights.
SCENARIOS = ["mlp-sgd", "mlp-adam", "syncbn-sgd", "syncbn-adam", "mlp-sgd-sum", "syncbn-adam-sum", "mlp-sgd-weighted"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_two_ranks_equal_one_process(results, scenario):
    found = results[scenario]
    assert found["weights"] < 1e-10, found
    assert found["curves"] < 1e-10, found  # loss, accuracy, val_loss, val_accuracy, penalty
    assert found["ranks_curves"] == 0.0  # every rank logs the same numbers


def test_dropout_follows_each_ranks_own_stream(results):
    assert results["dropout-sgd"]["weights"] < 1e-10
    assert results["dropout-sgd"]["masks_differ"]


def test_per_rank_batch_norm_is_not_the_whole_batch(results):
    found = results["bn-sgd"]
    assert found["weights"] > 1e-6  # each rank normalizes its own share
    assert found["ranks_curves"] == 0.0


def test_one_allreduce_per_step(results):
    assert results["allreduces"]["calls"] == results["allreduces"]["steps"]


def test_a_sweep_spreads_its_runs_and_every_rank_gets_the_table(results):
    found = results["sweep"]
    assert found["ranks_equal"] and found["rows"] == 4
    assert found["difference"] < 1e-12
    assert found["curves"]


def test_the_monitors_statistics_are_those_of_one_process(results):
    found = results["monitor"]
    assert found["rows"] == 4 * 3  # every epoch, each of the three layers
    assert found["difference"] < 1e-10  # gradient and weight norms, activation statistics
    assert found["ranks_equal"] and found["events_equal"]
