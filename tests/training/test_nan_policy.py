"""A NaN/Inf loss stops fit with an error naming the epoch and step, before the bad update, so the
model keeps the weights of the last finite step; TerminateOnNaN turns the error into a warning."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim
from deltanet.training import Callback, TerminateOnNaN, TrainingDivergedError
from deltanet.training.monitor import DivergingLossWarning


class PoisonedLoss:
    """Cross-entropy that turns into NaN (or inf) on its ``bad_call``-th call (from 1)."""

    def __init__(self, bad_call, value=float("nan")):
        self.calls = 0
        self.bad_call = bad_call
        self.value = value
        self.inner = losses.CrossEntropy()

    def __call__(self, a, y):
        self.calls += 1
        L = self.inner(a, y)
        return L * self.value if self.calls == self.bad_call else L


class Snapshots(Callback):
    def __init__(self):
        super().__init__()
        self.states = []

    def on_batch_end(self, step, logs=None):
        self.states.append(self.model.state_dict())


def setup():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((12, 3)), rng.integers(0, 2, 12)
    dn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    return model, X, y


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nonfinite_loss_raises_naming_epoch_and_step_and_keeps_last_finite_weights(value):
    model, X, y = setup()
    snaps = Snapshots()
    # 3 steps per epoch; the 5th loss evaluation is epoch 2, step 2.
    with pytest.raises(TrainingDivergedError, match=r"the loss became (nan|inf) at epoch 2/10, step 2/3") as info:
        dn.fit(
            model,
            X,
            y,
            PoisonedLoss(5, value),
            optim.SGD(model.parameters(), lr=0.1),
            epochs=10,
            batch_size=4,
            callbacks=[snaps],
            rng=0,
        )
    assert (info.value.epoch, info.value.step) == (2, 2)
    assert isinstance(info.value, FloatingPointError)
    assert len(snaps.states) == 4  # four finite steps were applied
    state = model.state_dict()
    for key, array in state.items():
        assert np.isfinite(array).all()
        assert np.array_equal(array, snaps.states[-1][key])  # the 5th update never happened
    assert model.parameters()[0].grad is None or np.isfinite(model.parameters()[0].grad).all()


def test_divergence_from_a_huge_learning_rate_stops_with_finite_weights():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 2)) * 10, rng.standard_normal((20, 1)) * 10
    model = nn.Linear(2, 1, dtype=np.float64, rng=0)
    # The Monitor sees the loss rise first and says why; then the loss overflows and fit stops.
    with (
        pytest.warns(DivergingLossWarning, match="learning rate is probably too high"),
        pytest.raises(TrainingDivergedError, match=r"at epoch \d+/500, step 1/1; training stopped before") as info,
    ):
        dn.fit(model, X, y, "mse", optim.SGD(model.parameters(), lr=10.0), epochs=500, batch_size=None)
    assert info.value.epoch > 1
    assert all(np.isfinite(a).all() for a in model.state_dict().values())


def test_terminate_on_nan_stops_quietly_with_a_warning():
    model, X, y = setup()
    snaps = Snapshots()
    stop = TerminateOnNaN()
    with pytest.warns(UserWarning, match=r"TerminateOnNaN: the loss became nan at epoch 2/10, step 2/3"):
        history = dn.fit(
            model,
            X,
            y,
            PoisonedLoss(5),
            optim.SGD(model.parameters(), lr=0.1),
            epochs=10,
            batch_size=4,
            callbacks=[snaps, stop],
            rng=0,
        )
    assert stop.stopped_at == (1, 1)
    assert history.epoch == [0]  # only the completed epoch is recorded
    for key, array in model.state_dict().items():
        assert np.array_equal(array, snaps.states[-1][key])


def test_training_mode_is_restored_after_divergence():
    model, X, y = setup()
    model.eval()
    with pytest.raises(TrainingDivergedError):
        dn.fit(model, X, y, PoisonedLoss(1), optim.SGD(model.parameters(), lr=0.1), epochs=1)
    assert model.training is False


def test_nonfinite_penalty_also_stops():
    model, X, y = setup()
    before = model.state_dict()
    with pytest.raises(TrainingDivergedError, match=r"the loss became nan at epoch 1/3, step 1/1"):
        dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            optim.SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=None,
            regularizer=lambda m: m.parameters()[0].sum() * float("nan"),
        )
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
