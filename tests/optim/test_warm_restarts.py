"""``CosineAnnealingWarmRestarts``: PyTorch's rates for whole and fractional epochs, bad input refused.
(Whole-epoch stepping, state and resuming are in ``test_lr_scheduler.py``'s shared suite.)"""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet.optim import lr_scheduler


def _pair(**kwargs):
    torch = pytest.importorskip("torch")
    ours = dn.optim.SGD([dn.nn.Parameter(np.zeros(2))], lr=0.1)
    theirs = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))], lr=0.1)
    return (
        (ours, lr_scheduler.CosineAnnealingWarmRestarts(ours, **kwargs)),
        (theirs, torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, **kwargs)),
    )


@pytest.mark.parametrize("kwargs", [dict(T_0=3), dict(T_0=2, T_mult=2, eta_min=0.01)])
def test_fractional_epochs_match_torch(kwargs):
    (ours, sched), (theirs, t_sched) = _pair(**kwargs)
    iters = 4
    for epoch in range(8):
        for i in range(iters):
            ours.step()
            theirs.step()
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # not deprecated here, as in PyTorch
                sched.step(epoch + i / iters)
            t_sched.step(epoch + i / iters)
            assert sched.get_last_lr() == t_sched.get_last_lr(), (epoch, i)
            assert (sched.last_epoch, sched.T_cur, sched.T_i) == (t_sched.last_epoch, t_sched.T_cur, t_sched.T_i)
    for epoch in [20, 3, 0]:
        sched.step(epoch)
        t_sched.step(epoch)
        assert sched.get_last_lr() == t_sched.get_last_lr()


def test_bad_arguments_raise():
    opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=r"T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match=r"T_mult"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match=r"eta_min"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="0")
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match=r"epoch"):
        sched.step(-1)
