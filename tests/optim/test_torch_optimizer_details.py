"""Optimizer details found by differential testing against PyTorch (hunt7): the state an optimizer
keeps before its first step, per-group options that PyTorch reads or ignores, resuming from
PyTorch's state dict."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn


def _quadratic_steps(opt, params, targets, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = sum(((p - t) ** 2).sum() for p, t in zip(params, targets, strict=True))
        loss.backward()
        opt.step()


# -- Adagrad: the accumulator starts from the constructor's value, for every group -----------------
def test_adagrad_state_exists_before_the_first_step():
    w = dn.nn.Parameter(np.array([1.0, 2.0]))
    opt = dn.optim.Adagrad([w], initial_accumulator_value=0.5)
    state = opt.state_dict()["state"]
    assert list(state) == [0]
    assert state[0]["step"] == 0
    np.testing.assert_array_equal(state[0]["sum"], [0.5, 0.5])


def test_adagrad_ignores_a_groups_own_initial_accumulator_value():
    # s = 0 (the constructor's value) + g^2 = 4; W = 1 - 0.1 * 2 / 2 = 0.9 (a group's 1.0 would give
    # s = 5 and W = 1 - 0.2 / sqrt(5))
    a = dn.nn.Parameter(np.array([1.0]))
    b = dn.nn.Parameter(np.array([1.0]))
    opt = dn.optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 1.0}], lr=0.1)
    c = dn.nn.Parameter(np.array([1.0]))
    opt.add_param_group({"params": [c], "initial_accumulator_value": 3.0})
    for p in (a, b, c):
        p.grad = np.array([2.0])
    opt.step()
    for p in (a, b, c):
        np.testing.assert_allclose(p.data, [0.9])
        np.testing.assert_allclose(opt.state[p]["sum"], [4.0])
    assert opt.param_groups[1]["initial_accumulator_value"] == 1.0


def test_adagrad_groups_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(3), rng.standard_normal(2)]
    targets = [rng.standard_normal(3), rng.standard_normal(2)]
    results = []
    for lib in (torch, dn):
        ps = [lib.nn.Parameter(lib.tensor(a)) for a in init]
        opt = lib.optim.Adagrad(
            [{"params": ps[:1], "lr_decay": 0.1}, {"params": ps[1:], "initial_accumulator_value": 1.0}],
            lr=0.3,
            initial_accumulator_value=0.2,
        )
        before = opt.state_dict()["state"]
        _quadratic_steps(opt, ps, [lib.tensor(t) for t in targets], 5)
        results.append(([p.detach().numpy().copy() for p in ps], before))
    for a, b in zip(results[0][0], results[1][0], strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    assert sorted(results[0][1]) == sorted(results[1][1]) == [0, 1]


# -- frozen parameters and empty groups are accepted, as PyTorch's ---------------------------------
def test_a_frozen_parameter_is_skipped_until_it_requires_grad():
    a = dn.nn.Parameter(np.array([1.0, 2.0]))
    b = dn.nn.Parameter(np.array([3.0]))
    b.requires_grad_(False)
    opt = dn.optim.SGD([{"params": [a, b]}, {"params": [], "weight_decay": 0.0}], lr=0.5)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 0]
    a.grad = np.array([1.0, 1.0])
    opt.step()
    np.testing.assert_array_equal(a.data, [0.5, 1.5])
    np.testing.assert_array_equal(b.data, [3.0])
    b.requires_grad_(True)
    b.grad = np.array([2.0])
    opt.step()
    np.testing.assert_array_equal(b.data, [2.0])
    assert opt.state_dict()["param_groups"][1]["params"] == []


def test_a_non_leaf_is_still_refused():
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="is not a leaf"):
        dn.optim.SGD([x * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        dn.optim.SGD([], lr=0.1)


@pytest.mark.parametrize(
    "name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]
)
def test_frozen_then_unfrozen_matches_torch(name):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        a = lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=lib.float64))
        b = lib.nn.Parameter(lib.tensor([3.0, -1.0], dtype=lib.float64))
        b.requires_grad_(False)
        opt = getattr(lib.optim, name)([{"params": [a, b]}, {"params": []}], lr=0.1)
        for i in range(4):
            if i == 2:
                b.requires_grad_(True)
            opt.zero_grad()
            loss = (a**2).sum() + (b**3).sum() * 0.1 + a[0] * b[1]
            loss.backward()
            opt.step()
        results.append(([a.detach().numpy().copy(), b.detach().numpy().copy()], sorted(opt.state_dict()["state"])))
    for x, y in zip(results[0][0], results[1][0], strict=True):
        np.testing.assert_allclose(y, x, rtol=1e-12)
    assert results[0][1] == results[1][1]


# -- a subclass written for PyTorch: self.state[p] starts as an empty dict ---------------------------
def _lion(lib):
    class Lion(lib.optim.Optimizer):
        def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
            super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                    state = self.state[p]
                    if len(state) == 0:
                        state["exp_avg"] = lib.zeros_like(p)
                    exp_avg = state["exp_avg"]
                    beta1, beta2 = group["betas"]
                    update = exp_avg * beta1 + p.grad * (1 - beta1)
                    p.add_(update.sign_(), alpha=-group["lr"])
                    exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)

    return Lion


def test_state_of_a_parameter_without_state_is_an_empty_dict():
    w = dn.nn.Parameter(np.array([1.0, -2.0]))
    opt = _lion(dn)([w], lr=0.1)
    assert opt.state[w] == {}
    for _ in range(2):
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    # sign steps of 0.1: 1 -> 0.9 -> 0.8, -2 -> -1.9 -> -1.8
    np.testing.assert_allclose(w.data, [0.8, -1.8])
    assert opt.state_dict()["state"][0]["exp_avg"].shape == (2,)


def test_a_subclass_written_for_torch_matches_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        a = lib.nn.Parameter(lib.tensor([1.0, 2.0, -3.0], dtype=lib.float64))
        opt = _lion(lib)([a], lr=0.1, weight_decay=0.1)
        for _ in range(5):
            opt.zero_grad()
            ((a - 0.5) ** 2).sum().backward()
            opt.step()
        results.append(a.detach().numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


# -- load_state_dict: the state is keyed by the ids in the saved groups' "params" ------------------
def test_load_state_dict_maps_saved_ids_in_group_order():
    a, b = dn.nn.Parameter(np.zeros(2)), dn.nn.Parameter(np.zeros(1))
    opt = dn.optim.SGD([a, b], lr=0.1, momentum=0.9)
    sd = {
        "state": {7: {"momentum_buffer": np.array([1.0, 2.0])}, 3: {"momentum_buffer": np.array([5.0])}},
        "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [7, 3]}],
    }
    opt.load_state_dict(sd)
    np.testing.assert_array_equal(opt.state[a]["momentum_buffer"], [1.0, 2.0])
    np.testing.assert_array_equal(opt.state[b]["momentum_buffer"], [5.0])
    assert sorted(opt.state_dict()["state"]) == [0, 1]


def test_reduce_lr_on_plateau_has_mode_worse():
    w = dn.nn.Parameter(np.zeros(1))
    opt = dn.optim.SGD([w], lr=0.1)
    assert dn.optim.lr_scheduler.ReduceLROnPlateau(opt).mode_worse == np.inf
    assert dn.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max").mode_worse == -np.inf


@pytest.mark.parametrize("name", ["SparseAdam", "Muon"])
def test_torch_optimizers_not_here_say_why(name):
    with pytest.raises(AttributeError, match=rf"deltanet.optim has no {name} \(torch.optim.{name}\): "):
        getattr(dn.optim, name)
    assert not hasattr(dn.optim, name)
    with pytest.raises(AttributeError, match="has no attribute 'Bogus'"):
        dn.optim.Bogus  # noqa: B018


def test_zero_defaults_are_ints_as_in_torch():
    # PyTorch's defaults are the int 0: repr(optimizer) and the state dict print "0", not "0.0".
    w = dn.nn.Parameter(np.zeros(1))
    group = dn.optim.SGD([w], lr=0.1).param_groups[0]
    assert [repr(group[k]) for k in ("momentum", "dampening", "weight_decay")] == ["0", "0", "0"]
    assert "    momentum: 0\n" in repr(dn.optim.SGD([w], lr=0.1))
    assert repr(dn.optim.Adagrad([w]).param_groups[0]["initial_accumulator_value"]) == "0"


def test_default_values_and_types_match_torch():
    torch = pytest.importorskip("torch")
    import inspect

    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"]:
        theirs = inspect.signature(getattr(torch.optim, name)).parameters
        ours = inspect.signature(getattr(dn.optim, name)).parameters
        for key, p in theirs.items():
            if p.default is not inspect.Parameter.empty:
                assert repr(ours[key].default) == repr(p.default), (name, key)
    theirs = inspect.signature(torch.optim.lr_scheduler.ReduceLROnPlateau).parameters["min_lr"].default
    assert repr(inspect.signature(dn.optim.lr_scheduler.ReduceLROnPlateau).parameters["min_lr"].default) == repr(theirs)


def test_zero_grad_keeps_the_gradient_tensor_as_torch():
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (torch, dn):
        a = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([a], lr=0.1)
        (a * 2).sum().backward()
        g = a.grad
        opt.zero_grad(set_to_none=False)
        first = (g.tolist(), g is a.grad)
        (a * 3).sum().backward()
        seen.append((first, g.tolist(), a.grad.tolist()))
    assert seen[0] == seen[1] == (([0.0, 0.0], True), [3.0, 3.0], [3.0, 3.0])


def test_repr_separates_groups_with_a_blank_line():
    a, b = dn.nn.Parameter(np.zeros(1)), dn.nn.Parameter(np.zeros(1))
    text = repr(dn.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n    dampening: 0\n")
    assert "    weight_decay: 0\n\nParameter Group 1\n" in text and text.endswith("    weight_decay: 0\n)")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    texts = []
    for lib in (torch, dn):
        p, q = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
        texts.append(repr(lib.optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5, "betas": (0.5, 0.6)}], lr=0.1)))
    assert texts[0] == texts[1]
