"""dn.fit replays steps 1-3 through CompiledStep wherever it can: the same history, weights and
optimizer state as the eager fit, bit for bit; the eager steps wherever it cannot; and the NaN
policy unchanged (the loss checked before backpropagation, the gradients before the update)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import deltanet as dn
from deltanet import backend, losses, nn, optim
from deltanet.training import Callback, TrainingDivergedError
from deltanet.training.compiled import CompiledStep
from deltanet.training.step import Step

fit_module = importlib.import_module("deltanet.training.fit")  # deltanet.training.fit is the function
step_module = importlib.import_module("deltanet.training.step")


class Spy:
    """The ``Step`` that fit builds, and how many steps its replay ran to the end of step 3."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.steps: list[Step] = []
        self.replayed = 0
        spy = self

        class SpiedStep(Step):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                spy.steps.append(self)

        backpropagate = CompiledStep.backpropagate

        def counted(replay: CompiledStep) -> None:
            spy.replayed += 1
            backpropagate(replay)

        monkeypatch.setattr(fit_module, "Step", SpiedStep)
        monkeypatch.setattr(CompiledStep, "backpropagate", counted)

    @property
    def why(self) -> str | None:
        replay = self.steps[-1].replay
        return "no CompiledStep" if replay is None else replay.why


def eager(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Make the following fits eager: with ``DELTANET_REFERENCE=1`` (which also switches cross-entropy's
    fast formula for its general one, whose gradients differ in the last bits), or with ``Step``'s
    replay taken away (fit's eager path and nothing else changed)."""
    if how == "reference":
        monkeypatch.setattr(backend, "REFERENCE", True)
    else:
        monkeypatch.setattr(step_module, "CompiledStep", lambda *args: None)


def make_model(act: type, dtype: str) -> nn.Module:
    return nn.Sequential(
        nn.Linear(4, 8, rng=0, dtype=dtype), act(), nn.Linear(8, 6, rng=1, dtype=dtype), act(),
        nn.Linear(6, 3, rng=2, dtype=dtype),
    )  # fmt: skip


def data(dtype: str, n: int = 23) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 4)).astype(dtype)
    labels = rng.integers(0, 3, n)
    return X, labels, np.sin(X[:, :3] + X[:, 3:]).astype(dtype)


def run(make, opt_factory, loss, X, y, epochs=3, batch_size=8, **options):
    """One fit (23 samples in batches of 8: a last batch of 7; shuffled): what it leaves behind."""
    model = make()
    opt = opt_factory(model.parameters())
    options = {"shuffle": True, "rng": 0, "monitor": False, **options}
    history = dn.fit(model, X, y, loss, opt, epochs=epochs, batch_size=batch_size, **options)
    return model, opt, history


def state_bytes(model: nn.Module, opt: optim.Optimizer) -> list:
    """Weights, gradients and optimizer state, as bytes (bit for bit)."""
    params = list(model.parameters())
    found: list = [p.array.tobytes() for p in params]
    found += [None if p.grad is None else p.grad.array.tobytes() for p in params]
    for key, state in sorted(opt.state_dict()["state"].items()):
        for name, value in sorted(state.items()):
            found.append((key, name, value.tobytes() if isinstance(value, np.ndarray) else value))
    return found


OPTIMIZERS = {
    "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: optim.Adam(p, lr=1e-2),
}
LOSSES = {  # the loss, the targets it takes, and how to run the eager fit that it must equal
    "ce": (losses.CrossEntropy, "labels", "no_replay"),
    "ce-smoothed": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), "labels", "reference"),
    "ce-ignore": (lambda: nn.CrossEntropyLoss(ignore_index=1), "labels", "reference"),
    "mse": (nn.MSELoss, "values", "reference"),
}


@pytest.mark.parametrize("act", [nn.Sigmoid, nn.Tanh, nn.ReLU], ids=["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_replays_and_equals_the_eager_fit_bit_for_bit(monkeypatch, act, loss, opt, dtype):
    make_loss, targets, eager_by = LOSSES[loss]
    X, labels, values = data(dtype)
    y = labels if targets == "labels" else values
    metrics = ["accuracy"] if targets == "labels" else None
    arguments = (lambda: make_model(act, dtype), OPTIMIZERS[opt], make_loss(), X, y)
    spy = Spy(monkeypatch)
    model, optimizer, history = run(*arguments, metrics=metrics, validation_data=(X[:9], y[:9]))
    assert spy.replayed == 9 and spy.why is None  # 3 epochs of 3 steps, every one replayed
    eager(monkeypatch, eager_by)
    eager_model, eager_optimizer, eager_history = run(*arguments, metrics=metrics, validation_data=(X[:9], y[:9]))
    assert spy.replayed == 9 and spy.why is not None  # none more
    assert history.history == eager_history.history
    assert state_bytes(model, optimizer) == state_bytes(eager_model, eager_optimizer)


def test_the_default_monitor_and_per_step_callbacks_keep_the_replay(monkeypatch):
    """fit as the README calls it: the Monitor (its probes run between steps, on their own pass)
    and a callback at every batch; the losses it sees are the eager ones."""
    X, labels, _ = data("float32", n=40)

    class Losses(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[float] = []

        def on_batch_end(self, step, logs=None):
            self.seen.append(logs["loss"])

    spy = Spy(monkeypatch)
    seen = Losses()
    model, opt, history = run(lambda: make_model(nn.Sigmoid, "float32"), OPTIMIZERS["adam"], "cross_entropy", X,
                              labels, epochs=4, callbacks=[seen], monitor=True)  # fmt: skip
    assert spy.replayed == 20 and spy.why is None
    eager(monkeypatch, "no_replay")
    eager_seen = Losses()
    eager_model, eager_opt, eager_history = run(lambda: make_model(nn.Sigmoid, "float32"), OPTIMIZERS["adam"],
                                                "cross_entropy", X, labels, epochs=4, callbacks=[eager_seen],
                                                monitor=True)  # fmt: skip
    assert seen.seen == eager_seen.seen and history.history == eager_history.history
    assert state_bytes(model, opt) == state_bytes(eager_model, eager_opt)


class Freeze(Callback):
    """Freezes the first layer for epoch 2, unfreezes it for epoch 3, and hooks the last layer
    for epoch 4 (a hook the replay cannot call: those steps run eagerly)."""

    def __init__(self) -> None:
        super().__init__()
        self.hooked = 0

    def on_epoch_begin(self, epoch, logs=None):
        if epoch in (1, 2):
            self.model[0].weight.requires_grad_(epoch == 2)
            self.model[0].bias.requires_grad_(epoch == 2)
        if epoch == 3:
            self.handle = self.model[4].register_forward_hook(lambda module, args, out: self.count())
        if epoch == 4:
            self.handle.remove()

    def count(self) -> None:
        self.hooked += 1


def test_a_model_changed_between_epochs_is_planned_again(monkeypatch):
    X, labels, _ = data("float64")
    arguments = (lambda: make_model(nn.Tanh, "float64"), OPTIMIZERS["momentum"], "cross_entropy", X, labels)
    spy = Spy(monkeypatch)
    frozen = Freeze()
    model, opt, history = run(*arguments, epochs=5, callbacks=[frozen])
    assert frozen.hooked == 3  # the hooked epoch's steps ran eagerly, through the hook
    assert spy.replayed == 12 and spy.why is None  # the four other epochs, frozen or not, replayed
    eager(monkeypatch, "no_replay")
    eager_frozen = Freeze()
    eager_model, eager_opt, eager_history = run(*arguments, epochs=5, callbacks=[eager_frozen])
    assert eager_frozen.hooked == 3 and spy.replayed == 12
    assert history.history == eager_history.history
    assert state_bytes(model, opt) == state_bytes(eager_model, eager_opt)


def hand_written(model, opt, loss, X, y, epochs, penalty=None):
    """The four steps, full batch, as the seeds write them: what fit must equal."""
    x, t = dn.tensor(X), dn.tensor(y)
    for _ in range(epochs):
        opt.zero_grad()
        L = loss(model(x), t)
        if penalty is not None:
            L = L + penalty(model)
        L.backward()
        opt.step()


def test_what_the_replay_cannot_take_trains_eagerly_and_correctly(monkeypatch):
    X, labels, _ = data("float64")
    spy = Spy(monkeypatch)
    make = lambda: make_model(nn.ReLU, "float64")  # noqa: E731
    sgd = lambda p: optim.SGD(p, lr=0.1, momentum=0.5)  # noqa: E731

    penalty = dn.regularizers.L2(1e-2)
    model, opt, _ = run(make, sgd, "cross_entropy", X, labels, epochs=4, batch_size=None, regularizer=penalty)
    assert spy.why == "no CompiledStep"
    by_hand = make()
    hand_written(by_hand, sgd(by_hand.parameters()), losses.CrossEntropy(), X, labels, 4, penalty)
    assert state_bytes(model, opt)[:6] == state_bytes(by_hand, optim.SGD(by_hand.parameters(), lr=0.1))[:6]

    hooked = make()
    calls: list[int] = []
    hooked[1].register_forward_hook(lambda module, args, out: calls.append(1))
    model, opt, _ = run(lambda: hooked, sgd, "cross_entropy", X, labels, epochs=4, batch_size=None)
    assert "hook" in spy.why and len(calls) >= 4  # each step (and fit's first look at the outputs)
    by_hand = make()
    hand_written(by_hand, sgd(by_hand.parameters()), losses.CrossEntropy(), X, labels, 4)
    assert state_bytes(model, opt)[:6] == state_bytes(by_hand, optim.SGD(by_hand.parameters(), lr=0.1))[:6]

    with_dropout = lambda: nn.Sequential(nn.Linear(4, 16, rng=0, dtype="float64"), nn.Dropout(0.2, rng=0),  # noqa: E731
                                         nn.Tanh(), nn.Linear(16, 3, rng=1, dtype="float64"))  # fmt: skip
    _, _, history = run(with_dropout, OPTIMIZERS["adam"], "cross_entropy", X, labels, epochs=30)
    assert "Dropout" in spy.why
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]

    _, _, history = run(make, lambda p: optim.LBFGS(p), "cross_entropy", X, labels, epochs=3, batch_size=None)
    assert spy.why == "no CompiledStep"
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    assert spy.replayed == 0


# -- the NaN policy, through the replay and eagerly: the same error, the same weights and state ---------------
def parts(model: nn.Module, opt: optim.Optimizer) -> tuple:
    """(weights, gradients, optimizer state), each as bytes."""
    found = state_bytes(model, opt)
    n = len(list(model.parameters()))
    return tuple(found[:n]), tuple(found[n : 2 * n]), tuple(found[2 * n :])


def diverging_run(case: str):
    """A fit that diverges at epoch 1, step 2 of 3 (after one good step, which gave the optimizer a state)."""
    if case == "nan-loss":  # logits of +-inf: the cross-entropy is NaN; no gradient computed yet
        X = np.array([[0.1, 0.2], [1e30, -1e30], [0.3, 0.1]], dtype=np.float32)
        y, loss, opt = np.array([0, 1, 1]), "cross_entropy", lambda p: optim.Adam(p, lr=0.1)
        weight = np.diag([1e10, 1e10])
    elif case == "inf-gradient":  # float32: the loss 1e38 is finite, its gradient 2 (a - y) x = 2e40 is not
        X, y = np.array([[0.0], [1e21], [1.0]], dtype=np.float32), np.zeros((3, 1), dtype=np.float32)
        loss, opt, weight = "mse", lambda p: optim.SGD(p, lr=0.1, momentum=0.9), 0.01
    else:  # finite gradients, but lr * gradient overflows the weight: the large-learning-rate guard
        X, y = np.array([[0.0], [100.0], [2.0]], dtype=np.float32), np.array([[1.0], [0.0], [1.0]], dtype=np.float32)
        loss, opt, weight = "l1", lambda p: optim.SGD(p, lr=1e37, momentum=0.5), 0.5  # step 2: 1e37 * 100
    model = nn.Sequential(nn.Linear(X.shape[1], 2 if y.ndim == 1 else 1, bias=False))
    model[0].weight.array[...] = weight
    optimizer = opt(model.parameters())
    snapshots = []

    class Snapshot(Callback):
        def on_batch_end(self, step, logs=None):
            snapshots.append(parts(model, optimizer))

    with pytest.raises(TrainingDivergedError) as info:
        dn.fit(model, X, y, loss, optimizer, epochs=2, batch_size=1, shuffle=False, monitor=False,
               callbacks=[Snapshot()])  # fmt: skip
    error = info.value
    return (str(error), error.epoch, error.step, repr(error.loss)), parts(model, optimizer), snapshots  # nan != nan


@pytest.mark.parametrize("case", ["nan-loss", "inf-gradient", "large-lr"])
def test_the_nan_policy_holds_through_the_replay(monkeypatch, case):
    spy = Spy(monkeypatch)
    error, (weights, grads, state), snapshots = diverging_run(case)
    replayed = 1 if case == "nan-loss" else 2  # the failing step too, unless its loss was refused first
    assert spy.why is None and spy.replayed == replayed
    message, epoch, step, loss = error
    expected = {"nan-loss": "the loss became nan", "inf-gradient": "the gradient of '0.weight' became inf",
                "large-lr": "the update overflowed '0.weight'"}  # fmt: skip
    assert message.startswith(expected[case]) and "at epoch 1/2, step 2/3" in message
    assert (epoch, step) == (1, 2) and (loss == "nan" if case == "nan-loss" else np.isfinite(float(loss)))
    assert all(g is None for g in grads)  # no gradient left behind for a later optimizer.step()
    assert len(snapshots) == 1 and snapshots[0][0] == weights and snapshots[0][2] == state  # step 1's
    assert state  # step 1 gave the optimizer a state, which the failed step left as it was
    eager(monkeypatch, "no_replay")
    assert diverging_run(case) == (error, (weights, grads, state), snapshots)
    assert spy.why == "no CompiledStep" and spy.replayed == replayed
