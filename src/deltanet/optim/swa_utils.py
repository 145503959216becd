r"""``torch.optim.swa_utils``: averaged weights (SWA and EMA), their learning rate, their BatchNorm statistics.

Stochastic Weight Averaging (Izmailov et al. 2018) keeps the mean of the weights visited late in
training; an exponential moving average (EMA, Polyak averaging with exponential weights) keeps
$W^{EMA}_{t+1} = \text{decay} \cdot W^{EMA}_t + (1 - \text{decay}) \cdot W_{t+1}$, as medical
segmentation models often do for their evaluation weights. ``AveragedModel`` holds a copy of the
model and updates it from the trained one with ``update_parameters``; ``SWALR`` anneals the
learning rate to a constant; ``update_bn`` recomputes BatchNorm's running statistics for the
averaged weights. The arithmetic is PyTorch's on the CPU, dtype for dtype (float32 stays
float32, the EMA is PyTorch's ``lerp``), so the averaged weights agree with PyTorch's.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    >>> model = dn.nn.Linear(2, 1)
    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    >>> ema.update_parameters(model)
    >>> int(ema.n_averaged), list(ema.state_dict())
    (1, ['n_averaged', 'module.weight', 'module.bias'])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, no_grad, tensor
from deltanet.backend import check_device, int64
from deltanet.nn.batchnorm import _BatchNorm
from deltanet.nn.module import Module
from deltanet.optim.lr_scheduler.base import LRScheduler
from deltanet.optim.optimizer import Optimizer

MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]
AvgFn = Callable[[Tensor, Tensor, Any], Any]


def _array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _count(n: Any) -> int:
    return int(n.item()) if isinstance(n, Tensor) else int(n)


def _lerp_(a: np.ndarray, b: np.ndarray, weight: float) -> None:
    """``a`` moved in place toward ``b`` by ``weight``, with PyTorch's two formulas for ``lerp``."""
    w = a.dtype.type(weight)
    if abs(w) < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (a.dtype.type(1) - w)


def _check_decay(decay: Any) -> float:
    if not check.is_number(decay) or not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")
    return float(decay)


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    r"""The in-place EMA update of a list of averaged tensors, for ``AveragedModel(multi_avg_fn=...)``.

    $$
    W^{EMA} \leftarrow \text{decay} \cdot W^{EMA} + (1 - \text{decay}) \cdot W
    $$

    computed as PyTorch's ``lerp`` with weight $1 - \text{decay}$ for floating tensors (integer
    buffers: the formula above, truncated back to integers).

    Args:
        decay: the decay rate, in [0, 1].

    Raises:
        ValueError: a decay outside [0, 1].

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import get_ema_multi_avg_fn
        >>> ema, w = dn.zeros(2), dn.ones(2)
        >>> get_ema_multi_avg_fn(0.75)([ema], [w], 1)
        >>> ema.tolist()
        [0.25, 0.25]
    """
    decay = _check_decay(decay)

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _: Any) -> None:
        for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
            a, b = _array(p_ema), _array(p_model)
            if np.issubdtype(a.dtype, np.floating):
                _lerp_(a, b.astype(a.dtype, copy=False), 1 - decay)
            else:  # PyTorch: p_ema.copy_(p_ema * decay + p_model * (1 - decay)), in the default float32
                f = np.float32
                a[...] = a.astype(f) * f(decay) + b.astype(f) * f(1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    r"""The in-place equal-weight (SWA) update of a list of averaged tensors.

    $$
    W^{SWA} \leftarrow W^{SWA} + \frac{W - W^{SWA}}{n + 1}
    $$

    with $n$ the number of models averaged so far (PyTorch's ``lerp`` with weight $1/(n+1)$).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import get_swa_multi_avg_fn
        >>> avg, w = dn.zeros(2), dn.ones(2)
        >>> get_swa_multi_avg_fn()([avg], [w], 3)
        >>> avg.tolist()
        [0.25, 0.25]
    """

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor], num_averaged: Any) -> None:
        n = _count(num_averaged)
        for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
            a, b = _array(p_avg), _array(p_model)
            if np.issubdtype(a.dtype, np.floating):
                _lerp_(a, b.astype(a.dtype, copy=False), float(np.float32(1) / np.float32(n + 1)))
            else:
                a[...] = a + (b - a) / np.float32(n + 1)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    r"""The EMA of one tensor, for ``AveragedModel(avg_fn=...)``: returns the new average.

    $$
    W^{EMA}_{new} = \text{decay} \cdot W^{EMA} + (1 - \text{decay}) \cdot W
    $$

    Args:
        decay: the decay rate, in [0, 1].

    Raises:
        ValueError: a decay outside [0, 1].

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.75)(dn.zeros(2), dn.ones(2), 1).tolist()
        [0.25, 0.25]
    """
    decay = _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    r"""The equal-weight average of one tensor: returns $W^{SWA} + (W - W^{SWA}) / (n + 1)$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(dn.zeros(2), dn.ones(2), 1).tolist()
        [0.5, 0.5]
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        a, b = _array(averaged_param), _array(current_param)
        n = _count(num_averaged)
        # PyTorch divides by the integer tensor n + 1: float tensors keep their dtype, integer ones
        # give the default float32.
        dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float32)
        return Tensor._make(a + (b - a).astype(dtype, copy=False) / dtype.type(n + 1))

    return swa_update


class AveragedModel(Module):
    r"""A copy of a model whose weights are the running average (SWA) or EMA of the model's.

    ``update_parameters(model)`` copies the model's weights the first time and averages them in
    afterwards: with ``multi_avg_fn`` (in place, one call per dtype, as PyTorch's groups), with
    ``avg_fn`` (one tensor at a time), or by default the equal-weight mean
    $W^{SWA} \leftarrow W^{SWA} + (W - W^{SWA}) / (n + 1)$. With ``use_buffers=True`` the buffers
    (BatchNorm's statistics) are averaged too; otherwise they are copied from the model.

    Args:
        model: the model to average (deep-copied).
        device: accepted for PyTorch's signature; only the CPU (or None).
        avg_fn: ``f(averaged, current, n_averaged) -> new averaged`` for one tensor.
        multi_avg_fn: ``f(averaged_list, current_list, n_averaged)``, updating in place.
        use_buffers: average the buffers too.

    Shape:
        - Input: what ``model`` takes.
        - Output: what ``model`` returns.

    Raises:
        AssertionError: both ``avg_fn`` and ``multi_avg_fn`` given (PyTorch's error).
        RuntimeError: a GPU device.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import AveragedModel
        >>> model = dn.nn.Linear(1, 1, bias=False)
        >>> swa = AveragedModel(model)
        >>> for w in (1.0, 2.0, 6.0):
        ...     _ = model.weight.array.fill(w)
        ...     swa.update_parameters(model)
        >>> swa.module.weight.item()
        3.0
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got {type(model).__name__}")
        check_device(device)
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", tensor(0, dtype=int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = check.flag(use_buffers, "use_buffers", "AveragedModel")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module, own: bool) -> list[Tensor]:
        if self.use_buffers:
            return [*model.parameters(), *model.buffers()]
        return list(self.parameters() if own else model.parameters())

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current weights into this copy (the first call copies them).

        Args:
            model: the model being trained (the same architecture as the copy).
        """
        mine = self._tensors(self.module, own=True)
        theirs = self._tensors(model, own=False)
        pairs = list(zip(mine, theirs))  # as PyTorch: zip(strict=False)
        n = int(self.n_averaged.item())
        if n == 0:
            for p_avg, p_model in pairs:
                p_avg.array[...] = p_model.array
        else:
            self._average(pairs, n)
        if not self.use_buffers:  # keep the buffers in step with the trained model
            for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_swa.array[...] = b_model.array
        self.n_averaged.array[...] = n + 1

    def _average(self, pairs: list[tuple[Tensor, Tensor]], n: int) -> None:
        n_averaged = tensor(n, dtype=int64)
        if self.avg_fn is not None:
            for p_avg, p_model in pairs:
                p_avg.array[...] = _array(self.avg_fn(p_avg.detach(), p_model.detach(), n_averaged))
            return
        multi_avg_fn = self.multi_avg_fn
        if multi_avg_fn is None:  # PyTorch on the CPU: the one-tensor SWA mean
            avg = get_swa_avg_fn()
            for p_avg, p_model in pairs:
                p_avg.array[...] = _array(avg(p_avg, p_model, n_averaged))
            return
        groups: dict[np.dtype, tuple[list[Tensor], list[Tensor]]] = {}
        for p_avg, p_model in pairs:  # PyTorch calls multi_avg_fn once per dtype
            mine, theirs = groups.setdefault(p_avg.array.dtype, ([], []))
            mine.append(p_avg.detach())
            theirs.append(Tensor._make(p_model.array.astype(p_avg.array.dtype, copy=False)))
        for mine, theirs in groups.values():
            multi_avg_fn(mine, theirs, n_averaged)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    r"""Recompute every BatchNorm layer's running statistics with one pass over ``loader``.

    Each BatchNorm layer's statistics are reset and then averaged over all batches with equal
    weights (momentum None, a cumulative average); the model runs in training mode and is left
    in the mode it was in.

    Args:
        loader: batches: tensors, or lists/tuples whose first element is the input.
        model: the model (often an ``AveragedModel``).
        device: accepted for PyTorch's signature; only the CPU (or None).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.optim.swa_utils import update_bn
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 2), dn.nn.BatchNorm1d(2))
        >>> update_bn([dn.ones(4, 2), dn.zeros(4, 2)], model)
        >>> model[1].num_batches_tracked.item()
        2
    """
    check_device(device)
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


def _cosine_anneal(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2


def _linear_anneal(t: float) -> float:
    return t


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to a constant ``swa_lr`` over ``anneal_epochs`` epochs.

    With $t = \min(1, \text{step} / \text{anneal\_epochs})$ and $\alpha(t) = (1 - \cos \pi t)/2$
    (``"cos"``) or $t$ (``"linear"``), the rate is $\alpha\, \eta_{swa} + (1 - \alpha)\, \eta_0$,
    where $\eta_0$ is the rate the annealing started from; after ``anneal_epochs`` it is
    $\eta_{swa}$. PyTorch's chainable formula, so the rates agree to the last bit.

    Args:
        optimizer: the optimizer whose rates it sets.
        swa_lr: the final rate, one number or one per param group.
        anneal_epochs: the length of the annealing (>= 0).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        last_epoch: index of the last epoch (-1 starts afresh).

    Raises:
        ValueError: a bad strategy, epoch count or number of rates.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> opt = dn.optim.SGD([dn.nn.Parameter(np.zeros(1))], lr=1.0)
        >>> sched = dn.optim.swa_utils.SWALR(opt, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
        >>> for _ in range(3):
        ...     opt.step(); sched.step()
        ...     print(sched.get_last_lr())
        [0.75]
        [0.5]
        [0.5]
    """

    _state_keys = ("anneal_epochs", "_anneal_strategy")

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: Any,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        groups = getattr(optimizer, "param_groups", None)
        if groups is None:
            raise ValueError(f"SWALR: expected a deltanet Optimizer, got {type(optimizer).__name__}")
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(
                    f"swa_lr must have the same length as optimizer.param_groups. "
                    f"optimizer.param_groups has {len(groups)} values, swa_lr has {len(swa_lr)}."
                )
            swa_lrs = list(swa_lr)
        else:
            swa_lrs = [swa_lr] * len(groups)
        for value, group in zip(swa_lrs, groups, strict=True):
            group["swa_lr"] = check.number(value, "swa_lr", "SWALR", low=0)
        self._anneal_strategy = check.one_of(anneal_strategy, "anneal_strategy", ("cos", "linear"), "SWALR")
        if not check.is_integer(anneal_epochs) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = int(anneal_epochs)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return _cosine_anneal(t) if self._anneal_strategy == "cos" else _linear_anneal(t)

    @staticmethod
    def _initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        """The rates of this step: back out the starting rate, then step toward ``swa_lr``."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self._anneal(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs, strict=True)]
