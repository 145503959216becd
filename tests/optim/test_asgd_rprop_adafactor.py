"""ASGD, Rprop and Adafactor: PyTorch's update rules, state and state_dict over 20 steps.

The 3-5-2 MLP of conftest.py in float64, weights and every state entry compared with
``torch.optim`` after every step. ASGD's ``eta`` and ``mu`` are rounded to float32 as PyTorch's
0-d state tensors (of its default dtype) hold them, so the iterates agree to the last bits.
"""

import inspect

import numpy as np
import pytest

import deltanet as dn
from deltanet import optim

CASES = [
    ("ASGD", dict(lr=0.05, lambd=0.05, alpha=0.6, t0=3)),
    ("ASGD", dict(lr=0.02, t0=0, weight_decay=0.2, maximize=True)),
    ("Rprop", dict(lr=0.03)),
    ("Rprop", dict(lr=0.05, etas=(0.4, 1.3), step_sizes=(1e-2, 0.06), maximize=True)),
    ("Adafactor", dict(lr=0.05)),
    ("Adafactor", dict(lr=0.2, beta2_decay=-0.6, eps=(1e-4, 1e-2), d=1.2, weight_decay=0.05)),
    ("Adafactor", dict(lr=0.05, maximize=True)),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{sorted(k)}" for n, k in CASES])
def test_twenty_steps_match_torch(problem, name, kwargs):
    torch = pytest.importorskip("torch")
    prob = problem(np.float64, seed=4)
    params = prob.params()
    t_params, t_loss_step = prob.torch_copy(torch)
    opt = getattr(optim, name)(params, **kwargs)
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    for step in range(1, 21):
        prob.loss_step()
        t_loss_step()
        opt.step()
        t_opt.step()
        for p, t in zip(params[:-1], t_params[:-1], strict=True):
            np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"step {step}")
            t_state = t_opt.state[t]
            assert sorted(opt.state[p]) == sorted(t_state)
            assert opt.state[p]["step"] == step == int(t_state["step"])
            for key, value in t_state.items():
                np.testing.assert_allclose(opt.state[p][key], value.numpy(), rtol=1e-12, atol=1e-14, err_msg=key)
    assert params[-1] not in opt.state  # never had a gradient


def test_adafactor_factors_the_last_two_axes_and_keeps_vectors_whole():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shapes = [(2, 3, 4), (5,), ()]
    init = [rng.standard_normal(s) for s in shapes]
    params = [dn.nn.Parameter(a.copy()) for a in init]
    t_params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in init]
    opt, t_opt = optim.Adafactor(params, lr=0.1), torch.optim.Adafactor(t_params, lr=0.1)
    for _ in range(5):
        grads = [rng.standard_normal(s) for s in shapes]
        for p, t, g in zip(params, t_params, grads, strict=True):
            p.grad, t.grad = g, torch.from_numpy(g)
        opt.step()
        t_opt.step()
    for p, t in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p.array, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert opt.state[params[0]]["row_var"].shape == (2, 3, 1) and opt.state[params[0]]["col_var"].shape == (2, 1, 4)
    assert sorted(opt.state[params[1]]) == sorted(opt.state[params[2]]) == ["step", "variance"]
    # A state dict with these shapes loads back; a wrong shape is named.
    sd = opt.state_dict()
    fresh = optim.Adafactor(params)
    fresh.load_state_dict(sd)
    np.testing.assert_array_equal(fresh.state[params[0]]["col_var"], opt.state[params[0]]["col_var"])
    sd["state"][0]["row_var"] = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"state 'row_var' of parameter 0 has shape \(2, 3, 4\), expected \(2, 3, 1\)"):
        fresh.load_state_dict(sd)


def test_rprop_waits_one_step_after_a_sign_flip():
    w = dn.nn.Parameter(np.array([1.0]))
    opt = optim.Rprop([w], lr=0.5)
    path = []
    for _ in range(4):
        w.grad = 2 * w.array  # E = w²: the first step of 0.5 and then 0.6 jumps over the minimum at 0
        opt.step()
        path.append((float(w.array[0]), float(opt.state[w]["step_size"][0])))
    assert path[:3] == [(0.5, 0.5), (pytest.approx(-0.1), 0.6), (pytest.approx(-0.1), 0.3)]  # flip: halved, waits
    assert path[3] == (pytest.approx(0.2), 0.3)  # then a step of the new size (the last gradient was zeroed)


def test_asgd_averages_from_t0():
    w = dn.nn.Parameter(np.array([4.0]))
    opt = optim.ASGD([w], lr=0.25, lambd=0.0, t0=2)
    iterates = []
    for _ in range(5):
        w.grad = 2 * w.array
        opt.step()
        iterates.append(float(w.array[0]))
    # mu = 1 / max(1, t - t0) after step t, used by step t + 1: the average is the iterate itself
    # up to step t0 + 2 and averages the iterates from there (as PyTorch)
    assert opt.state[w]["ax"][0] == pytest.approx(np.mean(iterates[3:]))
    assert opt.state[w]["eta"] == np.float32(0.25) and opt.state[w]["mu"] == np.float32(1 / 3)


def test_signatures_and_defaults_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("ASGD", "Rprop", "Adafactor"):
        ours, theirs = inspect.signature(getattr(optim, name)), inspect.signature(getattr(torch.optim, name))
        assert [(p.name, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.kind) for p in theirs.parameters.values()
        ]
        assert {k: p.default for k, p in ours.parameters.items()} == {
            k: p.default for k, p in theirs.parameters.items()
        }


def test_errors():
    w = dn.nn.Parameter(np.zeros(2))
    cases = [
        (lambda: optim.ASGD([w], lr=-0.1), r"ASGD: lr must be a number >= 0, got -0\.1"),
        (lambda: optim.ASGD([w], weight_decay=-1), r"ASGD: weight_decay must be a number >= 0, got -1"),
        (lambda: optim.ASGD([w], differentiable=True), r"ASGD: differentiable=True is not supported"),
        (lambda: optim.Rprop([w], etas=(1.0, 1.2)), r"Rprop: etas\[0\] must be a number in \(0, 1\), got 1\.0"),
        (lambda: optim.Rprop([w], etas=(0.5, 1.0)), r"Rprop: etas\[1\] must be a number > 1, got 1\.0"),
        (lambda: optim.Rprop([w], etas=0.5), r"Rprop: etas must be a pair of numbers, got 0\.5"),
        (lambda: optim.Rprop([w], step_sizes=(-1, 50)), r"Rprop: step_sizes\[0\] must be a number >= 0, got -1"),
        (lambda: optim.Adafactor([w], beta2_decay=0.5), r"Adafactor: beta2_decay must be a number <= 0, got 0\.5"),
        (lambda: optim.Adafactor([w], d=0.5), r"Adafactor: d must be a number >= 1, got 0\.5"),
        (lambda: optim.Adafactor([w], eps=(None, -1.0)), r"Adafactor: eps\[1\] must be a number >= 0, got -1\.0"),
        (lambda: optim.Adafactor([w], eps=1e-3), r"Adafactor: eps must be a pair \(eps1 or None, eps2\), got 0\.001"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.raises(TypeError, match=r"capturable"):
        optim.Adafactor([w], capturable=True)  # not an option of torch's Adafactor either
