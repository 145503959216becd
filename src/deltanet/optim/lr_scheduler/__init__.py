r"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: ``opt.step()`` then ``sched.step()``.

A scheduler writes ``group["lr"]`` of its optimizer's param groups, and the optimizer reads it at
its next step. Each schedule gives PyTorch's sequence of rates to the last bit (the chainable
forms are kept), and ``state_dict()`` holds JSON-able values only.

| schedule | step it | rate |
|---|---|---|
| ``StepLR`` | per epoch | times $\gamma$ every ``step_size`` epochs |
| ``MultiStepLR`` | per epoch | times $\gamma$ at each milestone |
| ``ExponentialLR`` | per epoch | times $\gamma$ every epoch |
| ``LambdaLR`` | per epoch | $\eta_0 \lambda(e)$ |
| ``LinearLR`` | per epoch (or step) | a straight line between two multiples of $\eta_0$ (a warm-up) |
| ``SequentialLR`` | as its schedules | one schedule after another, switching at milestones |
| ``CosineAnnealingLR`` | per epoch (or step) | half a cosine down to ``eta_min`` in ``T_max`` |
| ``CosineAnnealingWarmRestarts`` | per epoch (or fraction) | the cosine restarted every $T_i$ epochs |
| ``OneCycleLR`` | per batch | up to ``max_lr`` and down to far below, momentum the other way |
| ``ReduceLROnPlateau`` | per epoch, ``step(metric)`` | times ``factor`` when the metric stalls |
| ``MultiplicativeLR`` | per epoch | the last rate times $\lambda(e)$ |
| ``ConstantLR`` | per epoch | times a factor until ``total_iters``, then the full rate |
| ``PolynomialLR`` | per epoch (or step) | $\eta_0 (1 - e/T)^p$, down to 0 |
| ``CyclicLR`` | per batch | a triangle wave between two rates, momentum the other way |
| ``ChainedScheduler`` | as its schedules | every schedule at every step, their factors multiplied |

Examples:
    >>> import numpy as np, deltanet as dn
    >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=0.1)
    >>> sched = dn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.05]
"""

from deltanet.optim.lr_scheduler.base import LRScheduler, _LRScheduler  # noqa: F401  (PyTorch keeps the old name too)
from deltanet.optim.lr_scheduler.chained import ChainedScheduler
from deltanet.optim.lr_scheduler.constant import ConstantLR
from deltanet.optim.lr_scheduler.cosine import CosineAnnealingLR
from deltanet.optim.lr_scheduler.cyclic import CyclicLR
from deltanet.optim.lr_scheduler.decay import ExponentialLR, MultiStepLR, StepLR
from deltanet.optim.lr_scheduler.lambda_lr import LambdaLR, MultiplicativeLR
from deltanet.optim.lr_scheduler.linear import LinearLR
from deltanet.optim.lr_scheduler.one_cycle import OneCycleLR
from deltanet.optim.lr_scheduler.plateau import ReduceLROnPlateau
from deltanet.optim.lr_scheduler.polynomial import PolynomialLR
from deltanet.optim.lr_scheduler.sequential import SequentialLR
from deltanet.optim.lr_scheduler.warm_restarts import CosineAnnealingWarmRestarts

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
