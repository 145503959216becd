"""Optimizer hooks (step, state_dict, load_state_dict), as PyTorch's (missing before hunt7)."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn


def _run(lib):
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0], dtype=lib.float64))
    opt = lib.optim.SGD([w], lr=0.5, momentum=0.5)
    log = []

    def pre(o, args, kwargs):
        log.append(("pre", o is opt, len(args), args[0] is opt, sorted(kwargs)))

    def post(o, args, kwargs):
        log.append(("post", [round(float(v), 6) for v in w.detach().numpy()]))

    def sd_post(o, sd):
        sd = dict(sd)
        sd["extra"] = 1
        return sd

    def load_pre(o, sd):
        log.append(("load_pre", sorted(sd)))
        return {k: v for k, v in sd.items() if k != "extra"}

    h_pre = opt.register_step_pre_hook(pre)
    opt.register_step_post_hook(post)
    opt.register_state_dict_pre_hook(lambda o: log.append(("sd_pre",)))
    opt.register_state_dict_post_hook(sd_post)
    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load_post",)))
    for i in range(3):
        if i == 2:
            h_pre.remove()
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    opt.step(closure=None)
    sd = opt.state_dict()
    log.append(("keys", sorted(sd)))
    opt.load_state_dict(sd)
    return log


def test_hooks_run_in_order():
    log = _run(dn)
    assert log[0] == ("pre", True, 1, True, [])
    assert log[1] == ("post", [0.0, 0.0])
    assert [entry[0] for entry in log[2:]] == ["pre", "post", "post", "post", "sd_pre", "keys", "load_pre", "load_post"]
    assert log[-3] == ("keys", ["extra", "param_groups", "state"])


def test_a_pre_hook_may_replace_the_arguments():
    w = dn.nn.Parameter(np.array([3.0]))
    opt = dn.optim.SGD([w], lr=0.1)
    calls = []

    def closure():
        calls.append(1)
        return 5.0

    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    w.grad = np.array([1.0])
    assert opt.step() == 5.0 and calls == [1]
    np.testing.assert_allclose(w.data, [2.9])
    opt.register_step_pre_hook(lambda o, args, kwargs: 3)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple \(new_args, new_kwargs\), got 3"):
        opt.step()


def test_an_optimizer_without_hooks_keeps_the_class_step():
    opt = dn.optim.Adam([dn.nn.Parameter(np.zeros(1))])
    assert "step" not in vars(opt)
    opt.register_state_dict_pre_hook(lambda o: None)
    assert "step" not in vars(opt)


def test_matches_torch():
    torch = pytest.importorskip("torch")
    assert _run(dn) == _run(torch)


def test_a_deep_copy_steps_its_own_parameters_behind_its_own_hooks():
    import copy

    w = dn.nn.Parameter(np.array([1.0]))
    opt = dn.optim.SGD([w], lr=0.5, momentum=0.9)
    seen = []
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append(o))
    w.grad = np.array([1.0])
    opt.step()
    twin = copy.deepcopy(opt)
    copied = twin.param_groups[0]["params"][0]
    assert copied is not w and copied.grad is None  # as PyTorch's: a deep copy has no gradient
    copied.grad = dn.tensor([1.0], dtype=dn.float64)
    twin.step()
    assert seen == [opt, twin]
    np.testing.assert_allclose(w.array, [0.5])  # the original moved once
    np.testing.assert_allclose(copied.array, [0.5 - 0.5 * 1.9])  # with the copied momentum
