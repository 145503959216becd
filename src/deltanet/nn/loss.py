r"""Loss modules with PyTorch's names, arguments and defaults: ``nn.CrossEntropyLoss``, ``nn.MSELoss``, ...

Each module holds its hyperparameters (checked in ``__init__``, read again at every call, so a
changed attribute takes effect) and its ``forward(input, target)`` calls the function of
``deltanet.functional`` where the formula and the delta are written. Class weights are buffers
(``state_dict`` keys ``weight`` and ``pos_weight``, as in PyTorch).

They live in ``nn`` because ``torch.nn`` holds them; ``deltanet.losses`` re-exports every one of
them beside deltanet's own (``losses.CrossEntropy`` is ``nn.CrossEntropyLoss``), and adds the
losses PyTorch does not have (log-cosh, hinge, Dice) and ``losses.get``.

The arguments PyTorch deprecated (``size_average``, ``reduce``) are not taken: pass
``reduction=``. Arguments after the ones PyTorch users pass by position (``weight``, and
``HuberLoss``'s ``reduction, delta``) are keyword-only, so a misplaced positional value is a
``TypeError``, never a silent misreading.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import losses as F
from deltanet.functional.kl_div import check_reduction, kl_div
from deltanet.nn.module import Module


class Loss(Module):
    """Base class of the loss modules: holds and checks ``reduction`` ("mean", "sum" or "none").

    A subclass writes ``forward(input, target)``; calling the module calls it.

    Args:
        reduction: "mean" (default) divides the sum of the per-term losses by their number, "sum"
            adds them, "none" returns them all.

    Shape:
        - input, target: as the subclass says.
        - output: a scalar, or one loss per term with ``reduction="none"``.

    Raises:
        ValueError: ``reduction`` is not one of the three.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.MSELoss(reduction="sum")
        MSELoss(reduction='sum')
    """

    #: What the targets hold, for code that checks or explains them (fit's input checks, the command
    #: line): "class_index" (class indices or probability rows), "binary" (numbers in [0, 1]),
    #: "sign" (labels -1/+1, 0 read as -1), "regression" (numbers), "segmentation" (label maps, or
    #: one-hot/probability maps; one output channel is a binary mask) or "other" (the default).
    target_kind = "other"

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._check_reduction(reduction, type(self).__name__)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, input: Tensor, target: Any) -> Tensor:
        return self.forward(input, target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def _weight_buffer(module: Loss, name: str, weight: Any, any_shape: bool = False) -> None:
    """Register ``weight`` as a float64 buffer Tensor: 0-D or 1-D (one per class), or with ``any_shape``
    any shape that the loss broadcasts to its input (the binary cross-entropies, as PyTorch's:
    a ``pos_weight`` of shape $(C, 1, 1)$ weighs the channels of an $(N, C, H, W)$ mask)."""
    if weight is not None:
        w = np.asarray(weight.array if isinstance(weight, Tensor) else weight)
        if (w.ndim > 1 and not any_shape) or w.dtype.kind not in "fiu" or not np.isfinite(w).all():
            shapes = (
                "an array of them that broadcasts to the input" if any_shape else "a 1-D array of them (one per class)"
            )
            raise ValueError(f"{type(module).__name__}: {name} must be a finite number or {shapes}, got {weight!r}")
        # float64 whatever was given (the losses cast it to the input's dtype), a Tensor as PyTorch's
        weight = Tensor._make(w.astype(np.float64))
    module.register_buffer(name, weight)


def _ignore_index(value: Any, owner: str) -> int:
    return check.integer(value, "ignore_index", owner)


class MSELoss(Loss):
    r"""Mean squared error over all $N$ elements, as PyTorch's ``MSELoss``.

    $$
    L = \frac{1}{N} \sum_{i=1}^{N} (a_i - y_i)^2, \qquad
    \delta_i = \frac{\partial L}{\partial a_i} = \frac{2 (a_i - y_i)}{N}
    $$

    The seeds' classification table sums over the classes and averages over the rows; that is
    $C$ times this (twice it for two classes): ``MSELoss(reduction="sum")(p, y) / len(y)``.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.MSELoss()(dn.tensor([1.0, 2.0]), [0.0, 0.0]).item()
        2.5
    """

    target_kind = "regression"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(Loss):
    r"""Mean absolute error (MAE): robust to outliers, with a gradient of constant size.

    $$
    L = \frac{1}{N} \sum_{i=1}^{N} \lvert a_i - y_i \rvert, \qquad \delta_i = \frac{\mathrm{sign}(a_i - y_i)}{N}
    $$

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.L1Loss()(dn.tensor([1.0, -3.0]), [0.0, 0.0]).item()
        2.0
    """

    target_kind = "regression"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(Loss):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    With $d = a - y$ and the threshold $\delta_H$ (``delta``, not the error signal $\delta$):

    $$
    \ell(d) = \begin{cases} \frac{1}{2} d^2 & \lvert d \rvert < \delta_H \\
    \delta_H \left(\lvert d \rvert - \frac{1}{2} \delta_H\right) & \text{otherwise} \end{cases},
    \qquad \frac{\partial \ell}{\partial a} = \mathrm{clip}(d, -\delta_H, \delta_H)
    $$

    Args:
        reduction: "mean" (default), "sum" or "none" (PyTorch's order: reduction first).
        delta: the threshold $\delta_H > 0$ where the quadratic part turns linear (default 1.0).

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.HuberLoss(delta=1.0)(dn.tensor([0.5, 3.0]), [0.0, 0.0]).item()
        1.3125
    """

    target_kind = "regression"

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = F._check_huber_delta(delta, "HuberLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class SmoothL1Loss(Loss):
    r"""Smooth L1 loss (PyTorch's ``SmoothL1Loss``): quadratic below $\beta$, absolute error above.

    With $d = a - y$:

    $$
    \ell(d) = \begin{cases} \frac{1}{2} d^2 / \beta & \lvert d \rvert < \beta \\
    \lvert d \rvert - \frac{1}{2} \beta & \text{otherwise} \end{cases},
    \qquad \frac{\partial \ell}{\partial a} = \mathrm{clip}(d / \beta, -1, 1)
    $$

    ``HuberLoss(delta=b)`` is $b$ times ``SmoothL1Loss(beta=b)``.

    Args:
        reduction: "mean" (default), "sum" or "none".
        beta: $\beta \ge 0$ (default 1.0); 0 gives the L1 loss.

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.SmoothL1Loss(beta=2.0)(dn.tensor([1.0, 3.0]), [0.0, 0.0]).item()
        1.125
    """

    target_kind = "regression"

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.beta = check.number(beta, "beta", "SmoothL1Loss", low=0)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, reduction={self.reduction!r}"


class CrossEntropyLoss(Loss):
    r"""Softmax cross-entropy from logits, with the log-softmax fused in (stable for any logits).

    For sample $n$ with logits $z_n$, target $t_n$ (one-hot from a class index, or probabilities)
    and class weights $w_k$ (all 1 by default):

    $$
    \ell_n = -\sum_{k=1}^{C} w_k\, t_{nk} \log \mathrm{softmax}(z_n)_k, \qquad
    t_n = (1 - \varepsilon)\, y_n + \varepsilon / C
    $$

    With one-hot targets, no weights and $\varepsilon = 0$ the error signal is
    $\delta_n = \partial \ell_n / \partial z_n = \mathrm{softmax}(z_n) - y_n$. The "mean" divides
    by $N$, or by $\sum_n w_{y_n}$ over the targets that are not ignored with class weights and
    index targets. Do not put a ``Softmax`` layer before it. ``deltanet.losses.CrossEntropy`` is
    this class.

    Targets equal to ``ignore_index`` add nothing, to the loss nor to the mean's count, and
    receive no gradient; if every target of a batch is ignored, the "mean" is $0/0$, NaN, with a
    zero gradient (as in PyTorch).

    Args:
        weight: optional rescaling $w$ per class, shape $(C,)$ (a buffer).
        ignore_index: a class-index target to skip (default ``-100``); it may lie outside
            $[0, C)$, e.g. the label of unlabelled pixels.
        reduction: "mean" (default), "sum" or "none".
        label_smoothing: $\varepsilon \in [0, 1]$; the target becomes $(1 - \varepsilon)\, y + \varepsilon / C$.

    Shape:
        - input: $(N, C)$ or $(N, C, d_1, \dots)$, the logits $z$.
        - target: class indices $(N,)$ or $(N, d_1, \dots)$, or class probabilities of the
          input's shape.
        - output: a scalar; $(N,)$ or $(N, d_1, \dots)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> loss_fn = dn.nn.CrossEntropyLoss()
        >>> round(loss_fn(dn.tensor([[2.0, 0.0, 0.0]]), [0]).item(), 4)
        0.2395
        >>> dn.nn.CrossEntropyLoss(ignore_index=255).ignore_index
        255
    """

    target_kind = "class_index"

    weight: Tensor | None  # a registered buffer (declared for the type checker)

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction=reduction)
        self.ignore_index = _ignore_index(ignore_index, type(self).__name__)
        self.label_smoothing = F._check_label_smoothing(label_smoothing, type(self).__name__)
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
            weight=self.weight,
            ignore_index=self.ignore_index,
        )

    def extra_repr(self) -> str:
        extra = f", label_smoothing={self.label_smoothing}" if self.label_smoothing else ""
        extra += f", ignore_index={self.ignore_index}" if self.ignore_index != -100 else ""
        return f"reduction={self.reduction!r}{extra}"


class NLLLoss(Loss):
    r"""Negative log-likelihood of class indices, for log-probabilities (after ``LogSoftmax``).

    For log-probabilities $x_n$ and class index $y_n$:

    $$
    \ell_n = -w_{y_n}\, x_{n, y_n}
    $$

    The "mean" divides by $\sum_n w_{y_n}$ over the targets that are not ignored (NaN when all
    are). ``NLLLoss`` after ``LogSoftmax(dim=1)`` equals ``CrossEntropyLoss`` on the logits; train
    with that fused loss.

    Args:
        weight: optional rescaling $w$ per class, shape $(C,)$.
        ignore_index: targets equal to it add nothing (default ``-100``).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C)$ or $(N, C, d_1, \dots)$, log-probabilities.
        - target: class indices $(N,)$ or $(N, d_1, \dots)$.
        - output: a scalar; $(N,)$ or $(N, d_1, \dots)$ with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> round(dn.nn.NLLLoss()(dn.tensor(np.log([[0.9, 0.1]])), [0]).item(), 4)
        0.1054
    """

    target_kind = "class_index"

    weight: Tensor | None  # a registered buffer (declared for the type checker)

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.ignore_index = _ignore_index(ignore_index, type(self).__name__)
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, reduction=self.reduction, weight=self.weight, ignore_index=self.ignore_index)

    def extra_repr(self) -> str:
        extra = f", ignore_index={self.ignore_index}" if self.ignore_index != -100 else ""
        return f"reduction={self.reduction!r}{extra}"


class BCELoss(Loss):
    r"""Binary cross-entropy of probabilities $p \in [0, 1]$ (after a sigmoid).

    $$
    \ell = -w \left[ y \log p + (1 - y) \log(1 - p) \right]
    $$

    Each log is clamped at $-100$, as in PyTorch, so $p = 0$ or $p = 1$ gives a finite loss. On
    logits, ``BCEWithLogitsLoss`` is more accurate.

    Args:
        weight: optional rescaling $w$ of each term, broadcast to the input's shape (a buffer).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.BCELoss()(dn.tensor([0.9, 0.2]), [1.0, 0.0]).item(), 4)
        0.1643
    """

    target_kind = "binary"

    weight: Tensor | None  # a registered buffer (declared for the type checker)

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        _weight_buffer(self, "weight", weight, any_shape=True)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, reduction=self.reduction, weight=self.weight)


class BCEWithLogitsLoss(Loss):
    r"""Sigmoid and binary cross-entropy from logits, fused and stable for any logit.

    With the weight $w_+$ of the positive examples (``pos_weight``, 1 by default) and the
    rescaling $w$ of each term (``weight``, 1 by default):

    $$
    \ell = -w \left[ w_+\, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z)) \right], \qquad
    \delta = \frac{\partial \ell}{\partial z} = \sigma(z) - y \quad (w = w_+ = 1)
    $$

    Args:
        weight: optional rescaling of each term, broadcast to the input's shape (a buffer).
        reduction: "mean" (default), "sum" or "none".
        pos_weight: optional weight $w_+$ of the positive examples: one number, one per class of
            the last axis, or any shape that broadcasts to the input's (a buffer).

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.BCEWithLogitsLoss()(dn.tensor([0.0]), [1.0]).item(), 4)
        0.6931
    """

    target_kind = "binary"

    weight: Tensor | None  # registered buffers (declared for the type checker)
    pos_weight: Tensor | None

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction=reduction)
        _weight_buffer(self, "weight", weight, any_shape=True)
        _weight_buffer(self, "pos_weight", pos_weight, any_shape=True)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, reduction=self.reduction, pos_weight=self.pos_weight, weight=self.weight
        )


class KLDivLoss(Loss):
    r"""Kullback-Leibler divergence of a target distribution $p$ from the model's, for log-probabilities $x$.

    $$
    \ell_i = p_i \left(\log p_i - x_i\right), \qquad \frac{\partial \ell_i}{\partial x_i} = -p_i
    $$

    The input holds log-probabilities (after ``LogSoftmax``), the target probabilities (or
    log-probabilities with ``log_target=True``). ``reduction="batchmean"`` is the divergence per
    sample; the default "mean" divides by the number of elements, as PyTorch's default (which
    warns about it, and so does this loss).

    Args:
        reduction: "mean" (default), "batchmean", "sum" or "none".
        log_target: the target holds $\log p$.

    Shape:
        - input: $(*)$, the batch on axis 0.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> loss_fn = dn.nn.KLDivLoss(reduction="batchmean")
        >>> round(loss_fn(dn.tensor(np.log([[0.5, 0.5]])), [[0.9, 0.1]]).item(), 4)
        0.3681
    """

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        Module.__init__(self)
        self.reduction = check_reduction(reduction, "KLDivLoss")
        self.log_target = check.flag(log_target, "log_target", "KLDivLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" + (", log_target=True" if self.log_target else "")


class MultiMarginLoss(Loss):
    r"""Multi-class hinge loss on raw scores $x$, as PyTorch's ``MultiMarginLoss``.

    For sample $n$ of class $y_n$, with the margin $m$ and $C$ classes:

    $$
    \ell_n = \frac{w_{y_n}}{C} \sum_{i \ne y_n} \max(0,\ m - x_{n, y_n} + x_{n, i})^p
    $$

    Args:
        p: the exponent $p$: 1 (default) or 2.
        margin: the margin $m$ (default 1.0).
        weight: optional rescaling $w$ per class, shape $(C,)$.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C)$, the scores $x$.
        - target: class indices $(N,)$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.MultiMarginLoss()(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 4)
        0.325
    """

    target_kind = "class_index"

    weight: Tensor | None  # a registered buffer (declared for the type checker)

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.p, self.margin = F._check_margin_options(p, margin, "MultiMarginLoss")
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        return f"p={self.p}, margin={self.margin}, reduction={self.reduction!r}"


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "Loss",
    "MSELoss",
    "MultiMarginLoss",
    "NLLLoss",
    "SmoothL1Loss",
]
