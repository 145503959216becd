"""dn.compile_step: the replayed step equals the eager four lines bit for bit, and runs them
instead wherever it cannot replay them exactly."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim


def _model(act: type = nn.Sigmoid, dtype: str = "float32", sizes: tuple = (4, 16, 3), bias: bool = True) -> nn.Module:
    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias, rng=i, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def _data(n: int = 30, features: int = 4, classes: int = 3, dtype: str = "float32") -> tuple:
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, features)).astype(dtype), rng.integers(0, classes, n)


def _eager_step(model: nn.Module, loss: object, opt: object):
    def step(x: object, y: object) -> dn.Tensor:
        opt.zero_grad()
        L = loss(model(x), y)
        L.backward()
        opt.step()
        return L

    return step


def _bytes(model: nn.Module) -> list[bytes]:
    params = list(model.parameters())
    return [p.array.tobytes() for p in params] + [None if p.grad is None else p.grad.array.tobytes() for p in params]


def _pair(make_model, make_opt, loss: object):
    eager_model, compiled_model = make_model(), make_model()
    eager = _eager_step(eager_model, loss, make_opt(eager_model))
    compiled = dn.compile_step(compiled_model, loss, make_opt(compiled_model))
    return eager, eager_model, compiled, compiled_model


OPTIMIZERS = {
    "sgd": lambda m: optim.SGD(m.parameters(), lr=0.1),
    "momentum": lambda m: optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda m: optim.Adam(m.parameters(), lr=1e-2),
}


@pytest.mark.parametrize("act", [nn.Sigmoid, nn.Tanh, nn.ReLU])
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_replayed_step_equals_the_eager_one_bit_for_bit(act, opt, dtype):
    X, y = _data(dtype=dtype)
    eager, em, compiled, cm = _pair(lambda: _model(act, dtype), OPTIMIZERS[opt], losses.CrossEntropy())
    for _ in range(6):
        le, lc = eager(X, y), compiled(X, y)
        assert compiled.why is None
        assert le.array.tobytes() == lc.array.tobytes()
    assert _bytes(em) == _bytes(cm)


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.L1Loss(), "mse", losses.HuberLoss(delta=0.5)])
def test_regression_losses_and_a_model_without_bias(loss):
    X, _ = _data()
    t = np.sin(X[:, :2]).astype(np.float32)
    eager, em, compiled, cm = _pair(
        lambda: _model(nn.Tanh, sizes=(4, 8, 8, 2), bias=False), OPTIMIZERS["momentum"], losses.get(loss)
    )
    for _ in range(4):
        assert eager(X, t).array.tobytes() == compiled(X, t).array.tobytes()
        assert compiled.why is None
    assert _bytes(em) == _bytes(cm)


def test_a_loss_of_several_nodes_takes_the_engine_for_its_delta():
    X, _ = _data()
    t = X[:, :3] * 0.5

    def loss(a: dn.Tensor, target: np.ndarray) -> dn.Tensor:
        return ((a - dn.tensor(target)) ** 2).sum() * 0.5  # the seeds' 1/2 sum of squares, by hand

    eager, em, compiled, cm = _pair(lambda: _model(nn.ReLU), OPTIMIZERS["sgd"], loss)
    for _ in range(4):
        assert eager(X, t).array.tobytes() == compiled(X, t).array.tobytes()
    assert compiled.why is None
    assert _bytes(em) == _bytes(cm)


def test_every_batch_size_is_replayed_and_a_scheduler_is_followed():
    X, y = _data(n=50)
    models = [_model(), _model()]
    opts = [optim.SGD(m.parameters(), lr=0.5) for m in models]
    schedulers = [optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5) for o in opts]
    eager, em = _eager_step(models[0], losses.CrossEntropy(), opts[0]), models[0]
    compiled, cm = dn.compile_step(models[1], losses.CrossEntropy(), opts[1]), models[1]
    for start in (0, 32, 0, 32):  # batches of 32 and 18
        xb, yb = X[start : start + 32], y[start : start + 32]
        assert eager(xb, yb).array.tobytes() == compiled(xb, yb).array.tobytes()
        for s in schedulers:
            s.step()
    assert opts[1].param_groups[0]["lr"] == 0.5 / 16
    assert compiled.why is None  # both batch sizes replayed, from the one plan
    assert _bytes(em) == _bytes(cm)


def test_changes_to_the_model_are_seen_before_the_next_step():
    X, y = _data()
    eager, em, compiled, cm = _pair(lambda: _model(sizes=(4, 8, 8, 3)), OPTIMIZERS["sgd"], losses.CrossEntropy())
    for model in (em, cm):
        model[0].weight.requires_grad_(False)  # frozen after the plan was made
    for _ in range(3):
        assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is None and cm[0].weight.grad is None
    for model in (em, cm):
        model.append(nn.ReLU())  # a layer added
    for _ in range(2):
        assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is None
    assert _bytes(em) == _bytes(cm)
    for model in (em, cm):
        model.double()  # a new dtype: the float32 input is now eager's business
    assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert "dtype" in compiled.why


def test_hooks_and_unsupported_layers_run_the_eager_step():
    X, y = _data()
    seen = []
    eager, em, compiled, cm = _pair(lambda: _model(), OPTIMIZERS["sgd"], losses.CrossEntropy())
    cm[1].register_forward_hook(lambda module, args, out: seen.append(out.shape))
    em[1].register_forward_hook(lambda module, args, out: None)
    assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is not None and seen == [(30, 16)]

    dropout = dn.compile_step(
        nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5)), "cross_entropy", optim.SGD([nn.Parameter(np.ones(1))], lr=0.1)
    )
    assert "Dropout" in dropout._unsupported
    model = _model()
    hooked = dn.compile_step(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    handle = model[0].weight.register_hook(lambda g: g)
    hooked(X, y)
    assert "hook" in hooked.why
    handle.remove()


def test_no_grad_raises_as_the_eager_step_does():
    X, y = _data()
    step = dn.compile_step(_model(), "cross_entropy", optim.SGD(_model().parameters(), lr=0.1))
    with dn.no_grad(), pytest.raises(RuntimeError):
        step(X, y)
    assert "disabled" in step.why


def test_targets_are_checked_as_the_loss_checks_them():
    X, y = _data()
    model = _model()
    before = [p.array.copy() for p in model.parameters()]
    step = dn.compile_step(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 3\)"):
        step(X, np.full(30, 3))
    assert step.why is None  # the replay ran, and the loss refused before any update
    assert all(np.array_equal(b, p.array) for b, p in zip(before, model.parameters(), strict=True))


def test_reference_mode_runs_every_step_eagerly(monkeypatch):
    from deltanet import backend

    monkeypatch.setattr(backend, "REFERENCE", True)
    X, y = _data()
    step = dn.compile_step(_model(), "cross_entropy", optim.SGD(_model().parameters(), lr=0.1))
    step(X, y)
    assert "DELTANET_REFERENCE" in step.why


def test_bad_arguments_are_refused_by_name():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        dn.compile_step(lambda x: x, "mse", opt)
    with pytest.raises(TypeError, match="optimizer must be an optimizer"):
        dn.compile_step(model, "mse", object())
    with pytest.raises(ValueError, match="unknown loss"):
        dn.compile_step(model, "no_such_loss", opt)
    closure = dn.compile_step(model, "mse", optim.LBFGS(model.parameters()))
    assert "closure" in closure._unsupported


def test_pytorchs_compile_returns_the_model_itself():
    model = _model()
    assert dn.compile(model) is model
    assert dn.compile(model, mode="max-autotune", fullgraph=True, dynamic=False, backend="inductor") is model

    @dn.compile
    def double(x: dn.Tensor) -> dn.Tensor:
        return x * 2

    assert double(dn.tensor([1.5])).tolist() == [3.0]
    assert dn.compile(disable=True)(double) is double
    with pytest.raises(TypeError, match="unexpected keyword argument 'modee'"):
        dn.compile(model, modee="default")
    with pytest.raises(TypeError, match="expected a module or a function, got int"):
        dn.compile(3)


@pytest.mark.parametrize(
    "loss",
    [
        nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], label_smoothing=0.1),
        nn.CrossEntropyLoss(ignore_index=1, reduction="sum"),
        nn.MSELoss(reduction="sum"),
    ],
    ids=["weighted-smoothed", "ignored-sum", "mse-sum"],
)
def test_the_losses_called_directly_keep_every_option(loss):
    X, y = _data(n=40)
    t = np.eye(3, dtype=np.float32)[y] if isinstance(loss, nn.MSELoss) else y
    eager, em, compiled, cm = _pair(lambda: _model(nn.ReLU), OPTIMIZERS["adam"], loss)
    for _ in range(4):
        assert eager(X, t).array.tobytes() == compiled(X, t).array.tobytes()
        assert compiled.why is None
    assert _bytes(em) == _bytes(cm)


def test_a_loss_with_reduction_none_raises_as_backward_does():
    X, y = _data()
    model = _model()
    step = dn.compile_step(model, nn.CrossEntropyLoss(reduction="none"), optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(RuntimeError, match="scalar"):
        step(X, y)


def test_the_two_halves_are_the_step_without_its_update():
    X, y = _data()
    eager, em, compiled, cm = _pair(lambda: _model(nn.Tanh), OPTIMIZERS["adam"], losses.CrossEntropy())
    for _ in range(3):
        outputs = em(dn.tensor(X)).array
        le = eager(X, y)
        L, a = compiled.feed_forward(X, y)
        assert all(p.grad is None for p in cm.parameters())  # zeroed, and nothing handed over yet
        assert a.tobytes() == outputs.tobytes() and compiled.why is None
        compiled.backpropagate()
        compiled.optimizer.step()
        assert le.array.tobytes() == L.array.tobytes()
    assert _bytes(em) == _bytes(cm)
    with pytest.raises(RuntimeError, match="call feed_forward first"):
        compiled.backpropagate()  # each feed_forward is finished once
    compiled.feed_forward(X, y)
    with dn.no_grad(), pytest.raises(RuntimeError):
        compiled(X, y)  # an eager step in between forgets the replayed half
    with pytest.raises(RuntimeError, match="call feed_forward first"):
        compiled.backpropagate()


def test_frozen_first_layers_and_removed_hooks_are_replayed():
    X, y = _data()
    eager, em, compiled, cm = _pair(lambda: _model(sizes=(4, 8, 8, 3)), OPTIMIZERS["momentum"], losses.CrossEntropy())
    for model in (em, cm):
        model[0].requires_grad_(False)  # the whole first layer: nothing before layer 2 needs a delta
    for _ in range(2):
        assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is None and cm[0].weight.grad is None and cm[0].bias.grad is None
    handle = cm[3].register_forward_hook(lambda module, args, out: None)
    compiled(X, y), eager(X, y)
    assert "hook" in compiled.why
    handle.remove()  # leaves an empty hook table behind: no hook
    assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is None
    assert _bytes(em) == _bytes(cm)


def test_a_forward_set_on_the_instance_is_called_eagerly():
    X, y = _data()
    model = _model()
    step = dn.compile_step(model, "cross_entropy", optim.SGD(model.parameters(), lr=0.1))
    step(X, y)
    assert step.why is None
    calls = []
    model[1].forward = lambda x: calls.append(1) or x.sigmoid()
    step(X, y)
    assert "forward of its own" in step.why and calls == [1]
    del model[1].forward
    step(X, y)
    assert step.why is None and calls == [1]


def test_a_parameter_replaced_is_read_again():
    X, y = _data()
    eager, em, compiled, cm = _pair(lambda: _model(nn.ReLU), OPTIMIZERS["sgd"], losses.CrossEntropy())
    assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    for model in (em, cm):  # a new Parameter object (this optimizer does not hold it: it only gets a gradient)
        model[2].weight = nn.Parameter(np.full((3, 16), 0.25, dtype=np.float32))
    for _ in range(2):
        assert eager(X, y).array.tobytes() == compiled(X, y).array.tobytes()
    assert compiled.why is None and cm[2].weight.grad is not None
    assert _bytes(em) == _bytes(cm)
