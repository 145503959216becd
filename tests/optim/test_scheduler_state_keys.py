"""A scheduler's ``state_dict`` has PyTorch's keys, private ones included (``_step_count``,
``_is_initial``, ``_get_lr_called_within_step``, ``_last_lr``), and PyTorch's dict loads back."""

from __future__ import annotations

import pytest

import deltanet as dn

SCHEDULES = [
    ("StepLR", {"step_size": 2}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("LinearLR", {"start_factor": 0.5, "total_iters": 4}),
    ("PolynomialLR", {"total_iters": 4}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 10}),
]


def _stepped(lib, name, kwargs, n=3):
    w = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.9)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    for _ in range(n):
        opt.step()
        sched.step()
    return opt, sched


def test_private_keys_are_there():
    _, sched = _stepped(dn, "StepLR", {"step_size": 2})
    state = sched.state_dict()
    assert state["_is_initial"] is False and state["_get_lr_called_within_step"] is False
    assert state["_step_count"] == 4 and state["last_epoch"] == 3


def test_warm_restarts_keeps_an_integer_position():
    _, sched = _stepped(dn, "CosineAnnealingWarmRestarts", {"T_0": 2})
    assert type(sched.state_dict()["T_cur"]) is int


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES)
def test_same_state_as_torch_and_torch_state_loads(name, kwargs):
    torch = pytest.importorskip("torch")
    t_opt, t_sched = _stepped(torch, name, kwargs)
    _, d_sched = _stepped(dn, name, kwargs)
    ours, theirs = d_sched.state_dict(), t_sched.state_dict()
    assert sorted(ours) == sorted(theirs)
    for key in ("last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step"):
        assert ours[key] == theirs[key], key
    assert ours["_last_lr"] == pytest.approx(theirs["_last_lr"])
    rates = []
    for lib in (torch, dn):  # both load PyTorch's state into a fresh optimizer and schedule
        opt, sched = _stepped(lib, name, kwargs, n=0)
        sched.load_state_dict(theirs)
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr())
    assert rates[1] == pytest.approx(rates[0])
