"""Rosenblatt's rule converges on separable data and cycles on XOR (uses nn.Step)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.data import logic_gate
from deltanet.examples import perceptron


@pytest.fixture(scope="module")
def result():
    return perceptron.run(verbose=0)


@pytest.mark.parametrize("name", ["AND", "OR", "iris setosa vs versicolor (petal length, width)"])
def test_converges_on_separable_data(result, name):
    r = result[name]
    assert r["converged"] and r["mistakes"][-1] == 0 and r["accuracy"] == 1.0
    assert r["cycle"] is None


def test_and_separating_line(result):
    gate = logic_gate("and", dtype=np.float64)
    w, b = result["AND"]["weights"], result["AND"]["bias"]
    assert ((gate.X @ w + b >= 0).astype(int) == gate.y).all()


def test_cycles_on_xor(result):
    r = result["XOR"]
    assert not r["converged"] and all(m > 0 for m in r["mistakes"])
    first, length = r["cycle"]
    assert length >= 1 and r["accuracy"] < 1.0
    # replay: the state at the start of epoch first + length equals that of epoch `first`
    again = perceptron.train_perceptron(logic_gate("xor").X, logic_gate("xor").y, max_epochs=first + length + 5)
    assert again["cycle"] == r["cycle"]


def test_no_line_separates_xor_at_all():
    # a brute-force check of the claim: no w, b on a grid classifies all four points
    gate = logic_gate("xor", dtype=np.float64)
    grid = np.linspace(-2, 2, 21)
    for w1 in grid:
        for w2 in grid:
            for b in grid:
                assert not (((gate.X @ [w1, w2] + b) >= 0).astype(int) == gate.y).all()


def test_the_unit_is_a_step():
    model = perceptron.build_perceptron(2)
    assert isinstance(model[1], dn.nn.Step)
    model[0].weight.data[...] = [[1.0, 1.0]]
    model[0].bias.data[...] = -1.5
    assert model(dn.tensor(logic_gate("and").X.astype(np.float64))).data[:, 0].tolist() == [0, 0, 0, 1]
