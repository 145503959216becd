"""Learning-rate schedules give PyTorch's sequence of rates, and their state is JSON-able."""

import json

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import lr_scheduler

torch = pytest.importorskip("torch")


def _pair(lrs=(0.1, 0.02)):
    """The same two-group SGD in deltanet and in torch."""
    ours = dn.optim.SGD([{"params": [dn.nn.Parameter(np.zeros(2))], "lr": lr} for lr in lrs], lr=1.0)
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs], lr=1.0)
    return ours, theirs


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[7, 1], gamma=0.1)),
    ("ExponentialLR", dict(gamma=0.93)),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_epoch_schedules_match_torch(name, kwargs):
    ours, theirs = _pair()
    sched = getattr(lr_scheduler, name)(ours, **kwargs)
    t_sched = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    for epoch in range(15):
        assert sched.get_last_lr() == t_sched.get_last_lr(), epoch
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
        theirs.step()  # keeps torch from warning about the call order
        sched.step()
        t_sched.step()
    assert [g["initial_lr"] for g in ours.param_groups] == [0.1, 0.02]


PLATEAU = [
    dict(),
    dict(mode="min", factor=0.5, patience=2, threshold=0.01),
    dict(mode="min", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
    dict(mode="max", factor=0.2, patience=0, min_lr=[0.01, 0.001]),
    dict(mode="max", factor=0.5, patience=1, threshold_mode="abs", threshold=0.1, min_lr=0.004, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_on_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1.0, 0.5, 5), 0.5 + 0.05 * rng.standard_normal(30)])
    ours, theirs = _pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, **kwargs)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    changes = 0
    for epoch, metric in enumerate(metrics):
        before = sched.get_last_lr()
        sched.step(float(metric))
        t_sched.step(float(metric))
        assert sched.get_last_lr() == t_sched.get_last_lr(), epoch
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
        assert sched.num_bad_epochs == t_sched.num_bad_epochs
        changes += sched.get_last_lr() != before
    assert changes > 0


def test_reduce_on_plateau_accepts_a_loss_tensor():
    ours, _ = _pair()
    sched = lr_scheduler.ReduceLROnPlateau(ours, patience=0)
    sched.step(dn.tensor(1.0))
    sched.step(dn.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.002])


@pytest.mark.parametrize("name, kwargs", SCHEDULES + [("ReduceLROnPlateau", dict(patience=1, cooldown=1))])
def test_state_dict_is_json_and_resumes(name, kwargs):
    def run(sched, opt, epochs, start):
        lrs = []
        for e in range(start, start + epochs):
            if name == "ReduceLROnPlateau":
                sched.step(1.0 / (1 + e % 4))
            else:
                sched.step()
            lrs.append(sched.get_last_lr())
        return lrs

    ours, _ = _pair()
    sched = getattr(lr_scheduler, name)(ours, **kwargs)
    run(sched, ours, 4, 0)
    text = json.dumps({"opt": _json_groups(ours), "sched": sched.state_dict()}, allow_nan=False)
    expected = run(sched, ours, 8, 4)

    resumed, _ = _pair()
    saved = json.loads(text)
    for group, lr_values in zip(resumed.param_groups, saved["opt"], strict=True):
        group.update(lr_values)
    other = getattr(lr_scheduler, name)(resumed, **kwargs)
    other.load_state_dict(saved["sched"])
    assert run(other, resumed, 8, 4) == expected


def _json_groups(opt):
    return [{k: v for k, v in g.items() if k in ("lr", "initial_lr")} for g in opt.param_groups]


def test_resume_with_last_epoch_needs_initial_lr():
    ours, _ = _pair()
    with pytest.raises(ValueError, match=r"resuming with last_epoch=3 needs 'initial_lr' in param group 0"):
        lr_scheduler.StepLR(ours, step_size=2, last_epoch=3)


def test_bad_arguments_raise():
    ours, _ = _pair()
    cases = [
        (lambda: lr_scheduler.StepLR(ours, step_size=0), r"StepLR: step_size must be a positive integer, got 0"),
        (lambda: lr_scheduler.StepLR(ours, step_size=2.5), r"step_size must be a positive integer, got 2\.5"),
        (lambda: lr_scheduler.StepLR(ours, step_size=2, gamma=-0.1), r"StepLR: gamma must be a number >= 0, got -0\.1"),
        (lambda: lr_scheduler.ExponentialLR(ours, gamma=0), r"ExponentialLR: gamma must be a number > 0, got 0"),
        (
            lambda: lr_scheduler.MultiStepLR(ours, milestones=[3, -1]),
            r"milestones must be non-negative integers, got \[3, -1\]",
        ),
        (lambda: lr_scheduler.MultiStepLR(ours, milestones=4), r"milestones must be a list of epochs, got 4"),
        (lambda: lr_scheduler.StepLR("sgd", step_size=2), r"StepLR: expected a deltanet Optimizer, got str"),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, mode="lowest"), r"mode must be 'min' or 'max', got 'lowest'"),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, factor=1.0), r"factor must be a number in \[0, 1\), got 1\.0"),
        (
            lambda: lr_scheduler.ReduceLROnPlateau(ours, threshold_mode="pct"),
            r"threshold_mode must be 'rel' or 'abs', got 'pct'",
        ),
        (lambda: lr_scheduler.ReduceLROnPlateau(ours, patience=-1), r"patience must be a non-negative integer, got -1"),
        (
            lambda: lr_scheduler.ReduceLROnPlateau(ours, min_lr=[0.1]),
            r"min_lr has 1 values, expected one per param group \(2\)",
        ),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    sched = lr_scheduler.StepLR(ours, step_size=2)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['optimizer'\]"):
        sched.load_state_dict({"optimizer": 1})


def test_scheduled_lr_drives_the_optimizer():
    p = dn.nn.Parameter(np.zeros(1))
    opt = dn.optim.SGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = np.ones(1)
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.data, [-(1.0 + 0.5 + 0.25)])


@pytest.mark.parametrize("name, kwargs", SCHEDULES)
def test_resuming_with_last_epoch_matches_torch(name, kwargs):
    ours, theirs = _pair()
    for group in ours.param_groups + theirs.param_groups:
        group["initial_lr"] = group["lr"] * 2
    sched = getattr(lr_scheduler, name)(ours, last_epoch=4, **kwargs)
    t_sched = getattr(torch.optim.lr_scheduler, name)(theirs, last_epoch=4, **kwargs)
    for epoch in range(8):
        assert sched.get_last_lr() == t_sched.get_last_lr(), epoch
        assert sched.last_epoch == t_sched.last_epoch
        theirs.step()
        sched.step()
        t_sched.step()
