"""Dropout on an overfitting network: lower test loss; the identity at test time."""

import pytest

pytest.importorskip("sklearn")

import deltanet as dn  # noqa: E402
from deltanet.examples import dropout  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return dropout.run(quick=True, verbose=0)


def test_dropout_lowers_the_test_loss_and_the_gap(result):
    without, with_ = result["without"], result["with"]
    assert without["train_accuracy"] == 1.0  # the 300 digits are fitted
    assert with_["test_loss"] < without["test_loss"]
    assert with_["test_loss"] - with_["train_loss"] < without["test_loss"] - without["train_loss"]


def test_dropout_is_off_at_test_time(result):
    assert result["with"]["deterministic"]
    model = dropout.build(0.5)
    assert [type(m).__name__ for m in model].count("Dropout") == 2
    model.eval()
    assert all(not m.training for m in model.modules())
    assert isinstance(model[2], dn.nn.Dropout)
