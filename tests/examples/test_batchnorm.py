"""Batch normalization lets deep sigmoid and (default-initialized) ReLU networks learn."""

import pytest

pytest.importorskip("sklearn")

from deltanet.examples import batchnorm  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return batchnorm.run(quick=True, verbose=0)


@pytest.mark.parametrize("network", ["sigmoid", "ReLU"])
def test_with_batchnorm_learns_without_it_does_not(result, network):
    assert result[(network, "without")]["final"] < 0.2  # chance is 0.1
    assert result[(network, "with")]["final"] > 0.6


def test_evaluation_uses_running_statistics(result):
    assert all(r["consistent"] for key, r in result.items() if isinstance(key, tuple))
