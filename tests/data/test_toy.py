"""The seeds' own data sets: the decks' numbers, exactly."""

import numpy as np
import pytest

from deltanet import data


def test_tumor_tables_are_the_decks():
    t = data.tumor_survival()
    assert t.X.dtype == np.float64
    assert t.X.ravel().tolist() == [0.5, 2.3, 2.9] and t.y.ravel().tolist() == [3.2, 1.9, 1.0]
    full = data.tumor_temperature()
    assert full.X.tolist() == [[0.5, 37.6], [2.3, 39.1], [2.9, 36.2], [2.8, 22.0], [2.1, 23.0]]
    assert full.y.ravel().tolist() == [3.2, 1.9, 1.0, 0.0, 0.0]
    alive = data.tumor_temperature(dead_patients=False)
    assert alive.X.shape == (3, 2) and alive.X[:, 0].tolist() == t.X.ravel().tolist()


def test_cats_dogs_table():
    table = data.cats_dogs_outputs()
    assert table["classes"] == ["dog", "cat"]
    np.testing.assert_array_equal(table["targets"].argmax(1), table["labels"])
    for net in ("NN1", "NN2"):
        np.testing.assert_allclose(table[net].sum(axis=1), 1.0)
        assert (table[net].argmax(1) == table["labels"]).tolist() == [True, True, False]


def test_mirror_symmetry_vectors():
    d = data.mirror_symmetry()
    assert d.X.shape == (64, 6) and len({tuple(r) for r in d.X}) == 64
    symmetric = d.X[d.y[:, 0] == 1]
    assert len(symmetric) == 8
    assert all((r == r[::-1]).all() for r in symmetric)
    assert not any((r == r[::-1]).all() for r in d.X[d.y[:, 0] == 0])
    assert int(data.mirror_symmetry(4).y.sum()) == 4
    with pytest.raises(ValueError, match="n_bits must be an even integer from 2 to 20, got 5"):
        data.mirror_symmetry(5)


@pytest.mark.parametrize("gate, truth", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0])])
def test_logic_gates(gate, truth):
    d = data.logic_gate(gate)
    assert d.y.tolist() == truth
    assert d.y.tolist() == [
        int(f(a, b))
        for a, b in d.X.astype(int)
        for f in [{"and": lambda p, q: p & q, "or": lambda p, q: p | q, "xor": lambda p, q: p ^ q}[gate]]
    ]
    with pytest.raises(ValueError, match="name must be one of"):
        data.logic_gate("maybe")


def test_sinusoid_is_bishops():
    clean = data.sinusoid(noise=0.0)
    np.testing.assert_allclose(clean.X[:, 0], np.linspace(0, 1, 10))
    np.testing.assert_allclose(clean.y[:, 0], np.sin(2 * np.pi * clean.X[:, 0]))
    noisy_a, noisy_b = data.sinusoid(rng=3), data.sinusoid(rng=3)
    np.testing.assert_array_equal(noisy_a.y, noisy_b.y)
    residual = noisy_a.y[:, 0] - clean.y[:, 0]
    assert 0.05 < residual.std() < 0.6  # noise of standard deviation 0.3
    big = data.sinusoid(n=20000, rng=0).y[:, 0] - np.sin(2 * np.pi * np.linspace(0, 1, 20000))
    assert abs(big.std() - 0.3) < 0.01


@pytest.mark.parametrize("name", ["square", "sine", "abs", "step"])
def test_universal_approximation(name):
    d = data.universal_approximation(name, rng=1)
    x = d.X[:, 0]
    assert d.X.shape == (50, 1) and (np.diff(x) >= 0).all() and (-1 < x).all() and (x < 1).all()
    expected = {"square": x**2, "sine": np.sin(np.pi * x), "abs": np.abs(x), "step": (x >= 0) * 1.0}[name]
    np.testing.assert_allclose(d.y[:, 0], expected)
