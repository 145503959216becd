"""A NaN/Inf loss stops fit with an error naming the epoch and step, before the bad update, so the
model keeps the weights of the last finite step; TerminateOnNaN turns the error into a warning."""

import copy

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
        self.states.append(copy.deepcopy(self.model.state_dict()))  # state_dict() shares memory


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
    before = copy.deepcopy(model.state_dict())
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


# -- issue 13: a finite loss whose gradients (and so whose update) are not finite -------------------
def rmse(a, y):
    """The root of the mean squared error: at an exact fit its gradient is 0/0 = NaN."""
    return (((a - y) ** 2).mean()) ** 0.5


def two_step_rmse_run(optimizer_factory, tmp_path=None, epochs=2):
    """Step 1 (x=1, y=5) is an ordinary step (from w=2 to w=2.5 with SGD and lr=0.5); step 2
    (x=0, y=0) then fits exactly, whatever w: a finite loss 0 with a NaN gradient."""
    model = nn.Linear(1, 1, bias=False, dtype=np.float64)
    model.weight.data[...] = 2.0
    opt = optimizer_factory(model.parameters())
    snaps = Snapshots()
    callbacks = [snaps]
    if tmp_path is not None:
        callbacks.append(dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=1))
    X, y = np.array([[1.0], [0.0]]), np.array([[5.0], [0.0]])
    with pytest.raises(TrainingDivergedError, match=r"the gradient of 'weight' became nan at epoch 1/2, step 2/2"):
        dn.fit(model, X, y, rmse, opt, epochs=epochs, batch_size=1, shuffle=False, callbacks=callbacks)
    return model, opt, snaps


def test_a_nan_gradient_under_a_finite_loss_is_not_applied():
    model, _, snaps = two_step_rmse_run(lambda p: optim.SGD(p, lr=0.5))
    assert len(snaps.states) == 1
    assert model.weight.data[0, 0] == 2.5  # the weights of step 1
    assert all(p.grad is None for p in model.parameters())  # nor left for a later optimizer.step()


@pytest.mark.parametrize(
    "factory",
    [lambda p: optim.SGD(p, lr=0.5, momentum=0.9), lambda p: optim.Adam(p, lr=0.5)],
    ids=["momentum", "adam"],
)
def test_the_optimizer_state_is_not_polluted_either(factory):
    model, opt, snaps = two_step_rmse_run(factory)
    state = opt.state_dict()["state"]
    assert state and all(np.isfinite(v).all() for s in state.values() for v in s.values() if isinstance(v, np.ndarray))
    for key, value in snaps.states[-1].items():
        assert np.array_equal(model.state_dict()[key], value)
    assert all(s.get("step", 1) == 1 for s in state.values())  # Adam counted one step, not two


def test_every_checkpoint_holds_the_last_good_weights(tmp_path):
    model, _, _ = two_step_rmse_run(lambda p: optim.SGD(p, lr=0.5, momentum=0.9), tmp_path)
    saved = dn.io.load_checkpoint(tmp_path / "last.dnet")
    for key, value in model.state_dict().items():
        assert np.isfinite(saved.model.state_dict()[key]).all()
        assert np.array_equal(saved.model.state_dict()[key], value)
    assert all(np.isfinite(v).all() for s in saved.optimizer_state["state"].values() for v in s.values())


def test_an_overflowing_backward_pass_stops_with_finite_weights():
    """float32, huge inputs: the loss (1e38) is finite, the gradient 2 (a - y) x = 2e40 is not."""
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 0.01
    X, y = np.array([[1e21]], dtype=np.float32), np.array([[0.0]], dtype=np.float32)
    with pytest.raises(
        TrainingDivergedError, match=r"the gradient of 'weight' became inf at epoch 1/1, step 1/1"
    ) as info:
        dn.fit(model, X, y, "mse", optim.SGD(model.parameters(), lr=1e3), epochs=1, monitor=False)
    assert np.isfinite(info.value.loss)
    assert model.weight.data[0, 0] == np.float32(0.01)


def test_a_gradient_whose_square_overflows_is_refused():
    """g = 2e20 is finite in float32, but Adam's g**2 overflows: on main the second moment became
    inf and the weight froze silently; the step is refused instead."""
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 1.0
    X, y = np.array([[1e10]], dtype=np.float32), np.array([[0.0]], dtype=np.float32)
    opt = optim.Adam(model.parameters(), lr=0.1)
    with pytest.raises(TrainingDivergedError, match=r"the gradient of 'weight' became too large for float32"):
        dn.fit(model, X, y, "mse", opt, epochs=1, monitor=False)
    assert model.weight.data[0, 0] == 1.0 and opt.state_dict()["state"] == {}


def test_closure_optimizers_check_the_gradient_at_the_starting_point():
    model = nn.Linear(1, 1, bias=False, dtype=np.float64)
    model.weight.data[...] = 2.0
    X, y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])  # an exact fit at the start: 0/0
    with pytest.raises(TrainingDivergedError, match=r"the gradient of 'weight' became nan at epoch 1/1, step 1/1"):
        dn.fit(model, X, y, rmse, optim.LBFGS(model.parameters()), epochs=1, batch_size=None, monitor=False)
    assert model.weight.data[0, 0] == 2.0


class WildClosureOptimizer(optim.SGD):
    """A closure optimizer whose step writes NaN into the weights."""

    requires_closure = True

    def step(self, closure=None):
        loss = closure()
        for p in self.param_groups[0]["params"]:
            p.data[...] = np.nan
        return loss


def test_closure_optimizers_are_put_back_when_their_step_ends_non_finite():
    model, X, y = setup()
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(TrainingDivergedError, match=r"a weight became non-finite in the step at epoch 1/1, step 1/1"):
        dn.fit(model, X, y, "cross_entropy", WildClosureOptimizer(model.parameters(), lr=0.1), batch_size=None)
    for key, value in model.state_dict().items():
        assert np.array_equal(value, before[key])


def test_terminate_on_nan_also_covers_gradients():
    stop = TerminateOnNaN()
    model = nn.Linear(1, 1, bias=False, dtype=np.float64)
    model.weight.data[...] = 2.0
    X, y = np.array([[1.0], [0.0]]), np.array([[5.0], [0.0]])
    with pytest.warns(UserWarning, match=r"TerminateOnNaN: the gradient of 'weight' became nan"):
        history = dn.fit(model, X, y, rmse, optim.SGD(model.parameters(), lr=0.5), epochs=3, batch_size=1,
                         shuffle=False, callbacks=[stop])  # fmt: skip
    assert stop.stopped_at == (0, 1) and history.epoch == []
    assert model.weight.data[0, 0] == 2.5


@pytest.mark.parametrize(
    "factory",
    [
        lambda p: optim.SGD(p, lr=1e39),
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e39),
        lambda p: optim.Adam(p, lr=1e39),
    ],
    ids=["lr", "weight_decay", "adam"],
)
def test_an_update_that_overflows_finite_gradients_is_put_back(factory, tmp_path):
    """Finite loss, finite gradients, but a learning rate (or weight decay) so large that the update
    itself overflows the weights: on main they became inf and the error still claimed the last
    good step's weights; now the update is undone, with the optimizer state."""
    model = nn.Linear(1, 1)
    model.weight.data[...], model.bias.data[...] = 0.5, 0.25
    opt = factory(model.parameters())
    X, y = np.array([[1.0], [2.0]], dtype=np.float32), np.array([[0.0], [1.0]], dtype=np.float32)
    checkpoint = dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss", every_n_steps=1)
    with pytest.raises(TrainingDivergedError, match=r"the update overflowed 'weight' .* at epoch 1/3, step 1/2"):
        dn.fit(model, X, y, "l1", opt, epochs=3, batch_size=1, shuffle=False, monitor=False, callbacks=[checkpoint])
    assert (model.weight.data[0, 0], model.bias.data[0]) == (0.5, 0.25)
    assert opt.state_dict()["state"] == {} and all(p.grad is None for p in model.parameters())


def test_large_hyperparameters_that_stay_finite_train_as_without_the_guard():
    """Above the guard's threshold a step whose update stays finite is applied as usual: the same
    weights and momentum as the four steps written out by hand."""
    from deltanet.training.step import GUARDED_ABOVE

    X, y = np.array([[1e-3], [2e-3]]), np.array([[0.0], [1e-3]])

    def model_and_opt():
        model = nn.Linear(1, 1, dtype=np.float64, rng=0)
        return model, optim.SGD(model.parameters(), lr=10 * GUARDED_ABOVE, momentum=0.5)

    model, opt = model_and_opt()
    dn.fit(model, X, y, "mse", opt, epochs=3, batch_size=1, shuffle=False, monitor=False)
    by_hand, hand_opt = model_and_opt()
    for _ in range(3):
        for i in range(2):
            hand_opt.zero_grad()
            losses.MSELoss()(by_hand(dn.tensor(X[i : i + 1])), dn.tensor(y[i : i + 1])).backward()
            hand_opt.step()
    for key, value in by_hand.state_dict().items():
        assert np.array_equal(model.state_dict()[key], value) and np.isfinite(value).all()
    assert model.weight.data[0, 0] != nn.Linear(1, 1, dtype=np.float64, rng=0).weight.data[0, 0]
