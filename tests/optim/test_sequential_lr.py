"""``SequentialLR`` (with ``LinearLR`` warm-ups): PyTorch's sequence of rates, its state, bad input refused."""

import json

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import lr_scheduler


def _opt(lib, lrs=(0.1, 0.02)):
    if lib is dn:
        params = [[dn.nn.Parameter(np.zeros(2))] for _ in lrs]
    else:
        params = [[lib.nn.Parameter(lib.zeros(2, dtype=lib.float64))] for _ in lrs]
    return lib.optim.SGD([{"params": p, "lr": lr} for p, lr in zip(params, lrs, strict=True)], lr=1.0, momentum=0.9)


SEQUENCES = [
    (lambda m, o: [m.LinearLR(o, start_factor=0.1, total_iters=3), m.CosineAnnealingLR(o, T_max=6)], [3]),
    (lambda m, o: [m.ExponentialLR(o, gamma=0.9), m.StepLR(o, step_size=2, gamma=0.5)], [4]),
    (
        lambda m, o: [
            m.LinearLR(o, start_factor=0.5, total_iters=2),
            m.MultiStepLR(o, [2, 4]),
            m.ExponentialLR(o, 0.8),
        ],
        [2, 6],
    ),
    (lambda m, o: [m.LambdaLR(o, lambda e: 1 / (1 + e)), m.LinearLR(o, 1.0, 0.2, 4)], [0]),
]


def _pair(make, milestones):
    torch = pytest.importorskip("torch")
    built = []
    for lib, module in ((dn, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = _opt(lib)
        built.append((opt, module.SequentialLR(opt, make(module, opt), milestones=milestones)))
    return built


@pytest.mark.parametrize("make, milestones", SEQUENCES)
def test_sequences_match_torch(make, milestones):
    (ours, sched), (theirs, t_sched) = _pair(make, milestones)
    for step in range(14):
        assert sched.get_last_lr() == t_sched.get_last_lr(), step
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups], step
        ours.step()
        theirs.step()
        sched.step()
        t_sched.step()
        assert sched.last_epoch == t_sched.last_epoch


def test_state_dict_is_json_and_resumes():
    def build():
        opt = _opt(dn)
        warmup = lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=3)
        return opt, lr_scheduler.SequentialLR(opt, [warmup, lr_scheduler.CosineAnnealingLR(opt, T_max=5)], [3])

    def run(opt, sched, steps):
        lrs = []
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs

    opt, sched = build()
    run(opt, sched, 2)
    text = json.dumps({"lrs": [g["lr"] for g in opt.param_groups], "sched": sched.state_dict()})
    expected = run(opt, sched, 6)
    other_opt, other = build()
    saved = json.loads(text)
    for group, lr in zip(other_opt.param_groups, saved["lrs"], strict=True):
        group["lr"] = lr
    other.load_state_dict(saved["sched"])
    assert run(other_opt, other, 6) == expected


def test_bad_arguments_raise():
    opt, other = _opt(dn), _opt(dn)
    step = lr_scheduler.StepLR(opt, 2)
    with pytest.raises(ValueError, match=r"SequentialLR: expects at least one scheduler"):
        lr_scheduler.SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match=r"one milestone fewer than schedulers, got 1 schedulers and 1 milestones"):
        lr_scheduler.SequentialLR(opt, [step], [2])
    with pytest.raises(ValueError, match=r"schedulers\[0\] belongs to another optimizer"):
        lr_scheduler.SequentialLR(other, [step], [])
    with pytest.raises(ValueError, match=r"schedulers\[1\] is a ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [step, lr_scheduler.ReduceLROnPlateau(opt)], [2])
    with pytest.raises(TypeError, match=r"schedulers\[0\] is a str, not a scheduler"):
        lr_scheduler.SequentialLR(opt, ["warmup"], [])
    with pytest.raises(ValueError, match=r"start_factor"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match=r"end_factor"):
        lr_scheduler.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match=r"total_iters"):
        lr_scheduler.LinearLR(opt, total_iters=None)
