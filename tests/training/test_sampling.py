"""On-line learning "cycling through the data either in sequence or by selecting at random with
replacement" ([Suk 2015]): ``fit(shuffle=False | True | "with_replacement")``, each against a NumPy
reference, seeded, and resumed bit for bit."""

import numpy as np
import pytest
from tests.training._callbacks import CrashAfter, Interrupted

import deltanet as dn
from deltanet import losses, nn, optim
from deltanet.io import CheckpointError
from deltanet.training.state import draw_order

RNG = np.random.default_rng(3)
X, Y = RNG.standard_normal((7, 2)), RNG.standard_normal((7, 1))


def reference_sgd(W, b, lr, batch_size, epochs, seed, shuffle):
    """Gradient descent on the mean squared error, the epoch's order drawn as fit documents it."""
    gen = np.random.default_rng(seed)
    n = len(X)
    for _ in range(epochs):
        if shuffle == "with_replacement":
            order = gen.integers(0, n, size=n)
        elif shuffle and batch_size < n:
            order = gen.permutation(n)
        else:
            order = np.arange(n)
        for start in range(0, n, batch_size):
            xb, yb = X[order[start : start + batch_size]], Y[order[start : start + batch_size]]
            delta = (xb @ W.T + b - yb) * (2.0 / yb.size)
            W, b = W - lr * delta.T @ xb, b - lr * delta.sum(axis=0)
    return W, b


@pytest.mark.parametrize("shuffle", [False, True, "with_replacement"])
@pytest.mark.parametrize("batch_size", [1, 3, None])
def test_each_sampling_matches_a_numpy_reference(shuffle, batch_size):
    model = nn.Linear(2, 1, dtype=np.float64, rng=1)
    W0, b0 = model.weight.array.copy(), model.bias.array.copy()
    opt = optim.SGD(model.parameters(), lr=0.05)
    dn.fit(model, X, Y, losses.MSELoss(), opt, epochs=4, batch_size=batch_size, shuffle=shuffle, rng=11)
    W, b = reference_sgd(W0, b0, 0.05, batch_size or len(X), 4, 11, shuffle)
    np.testing.assert_allclose(model.weight.array, W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.bias.array, b, rtol=1e-12, atol=1e-14)


def test_with_replacement_is_not_a_permutation():
    """The reference test above could not tell the two apart if the draws had no repeats."""
    order = draw_order(np.random.default_rng(11), len(X), replacement=True)
    assert len(order) == len(X) and len(set(order.tolist())) < len(X)
    assert sorted(draw_order(np.random.default_rng(11), len(X), replacement=False)) == list(range(len(X)))
    # for large N an epoch misses about 1/e of the samples
    big = draw_order(np.random.default_rng(0), 100_000, replacement=True)
    assert 1 - len(np.unique(big)) / 100_000 == pytest.approx(np.exp(-1), abs=0.005)


def _fit(model, opt, shuffle="with_replacement", **kwargs):
    return dn.fit(model, X, Y, "mse", opt, epochs=3, batch_size=2, shuffle=shuffle, rng=5, metrics=["mae"], **kwargs)


def _make(seed=0):
    dn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 4, dtype=np.float64), nn.Tanh(), nn.Linear(4, 1, dtype=np.float64))
    return model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


@pytest.mark.parametrize("crash_after", [2, 4, 6])  # in the middle of epoch 1, at its end, in epoch 2
def test_with_replacement_resumes_bit_for_bit(crash_after, tmp_path):
    model, opt = _make()
    history = _fit(model, opt)
    interrupted, opt1 = _make()
    with pytest.raises(Interrupted):
        _fit(
            interrupted,
            opt1,
            callbacks=[
                CrashAfter(crash_after),
                dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1, monitor="loss"),
            ],
        )
    resumed, opt2 = _make(seed=9)
    resumed_history = _fit(resumed, opt2, resume_from=tmp_path / "last.dnet")
    for key, value in model.state_dict().items():
        assert resumed.state_dict()[key].numpy().tobytes() == value.numpy().tobytes(), key
    assert resumed_history.history == history.history


def test_resume_refuses_another_sampling(tmp_path):
    model, opt = _make()
    with pytest.raises(Interrupted):
        _fit(
            model,
            opt,
            callbacks=[CrashAfter(2), dn.callbacks.ModelCheckpoint(tmp_path, every_n_steps=1, monitor="loss")],
        )
    other, other_opt = _make()
    with pytest.raises(CheckpointError, match=r"training.shuffle is 'with_replacement', but this fit has True"):
        _fit(other, other_opt, shuffle=True, resume_from=tmp_path / "last.dnet")


def test_the_run_folder_records_the_sampling(tmp_path):
    import json

    model, opt = _make()
    _fit(model, opt, run_dir=tmp_path / "run")
    assert json.loads((tmp_path / "run" / "config.json").read_text())["shuffle"] == "with_replacement"


@pytest.mark.parametrize("bad", ["yes", "with replacement", 1, None])
def test_other_values_are_refused(bad):
    model, opt = _make()
    with pytest.raises(ValueError, match=r"fit: shuffle must be True, False or 'with_replacement', got "):
        _fit(model, opt, shuffle=bad)
