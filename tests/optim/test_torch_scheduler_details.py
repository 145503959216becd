"""LR scheduler details found by differential testing against PyTorch (hunt7): a subclass written
for PyTorch (its attributes in the state dict, ``_LRScheduler``, ``_get_closed_form_lr``) and the
warning of ``get_lr()`` called outside ``step()``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deltanet as dn


def _warmup(lib):
    class Warmup(lib.optim.lr_scheduler._LRScheduler):
        def __init__(self, optimizer, warm, last_epoch=-1):
            self.warm = warm
            self.seen = []
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            self.seen.append(self.last_epoch)
            return [b * min(1.0, (self.last_epoch + 1) / self.warm) for b in self.base_lrs]

    return Warmup


def _sgd(lib):
    return lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1)


def test_a_users_subclass_saves_its_own_attributes():
    opt = _sgd(dn)
    sched = _warmup(dn)(opt, warm=5)
    assert isinstance(sched, dn.optim.lr_scheduler.LRScheduler)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert state["warm"] == 5 and state["seen"] == [0, 1, 2, 3]
    np.testing.assert_allclose(sched.get_last_lr(), [0.1 * 4 / 5])
    again = _warmup(dn)(_sgd(dn), warm=9)
    again.load_state_dict(state)
    assert again.warm == 5 and again.seen == [0, 1, 2, 3] and again.last_epoch == 3
    with pytest.raises(ValueError, match="unknown key"):
        dn.optim.lr_scheduler.StepLR(_sgd(dn), 2).load_state_dict(
            {**dn.optim.lr_scheduler.StepLR(_sgd(dn), 2).state_dict(), "warm": 1}
        )


def test_closed_form_of_a_subclass_is_used_by_step_epoch():
    class Halving(dn.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return [0.5**self.last_epoch for _ in self.optimizer.param_groups]

        def _get_closed_form_lr(self):
            return [7.0 for _ in self.optimizer.param_groups]

    opt = _sgd(dn)
    sched = Halving(opt)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(3)
    assert opt.param_groups[0]["lr"] == 7.0


def test_get_lr_outside_step_warns_for_builtin_schedules_only():
    opt = _sgd(dn)
    sched = dn.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()  # get_lr inside step: no warning
        _warmup(dn)(opt, warm=3).get_lr()  # a user's get_lr: no warning, as PyTorch
        chain = dn.optim.lr_scheduler.SequentialLR(
            opt, [dn.optim.lr_scheduler.StepLR(opt, 2), dn.optim.lr_scheduler.ExponentialLR(opt, 0.5)], milestones=[1]
        )
        opt.step()
        chain.step()


def test_subclass_matches_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        opt = _sgd(lib)
        sched = _warmup(lib)(opt, warm=5)
        lrs = []
        for _ in range(4):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        state = sched.state_dict()
        results.append((lrs, {k: state[k] for k in ("warm", "seen", "last_epoch", "_step_count")}))
    assert results[0] == results[1]
    with pytest.warns(UserWarning, match="get_last_lr"):
        torch.optim.lr_scheduler.StepLR(_sgd(torch), 2).get_lr()
