r"""Loss modules: ``loss_fn = losses.CrossEntropy(); loss = loss_fn(model(x), y); loss.backward()``.

Each module holds its hyperparameters (checked in ``__init__``) and its ``forward(input, target)``
calls the function of ``deltanet.functional.losses``, where the formula and the delta are
written. Targets may be Tensors or NumPy arrays; float targets are used in the input's dtype, so
float32 stays float32.

**The loss must be differentiable; accuracy is a metric, not a loss.** The classification error
$1 - (TP + TN)/N$ counts the argmax decisions that are wrong. It is piecewise constant in the
weights: a small change of a weight moves no decision across a class boundary, so the error does
not change and its gradient is zero almost everywhere (and undefined where a decision flips).
Backpropagation would receive $\delta = 0$ and learn nothing. In the seeds' cats-and-dogs table
the two networks have the same error, 1/3, yet NN1 is clearly better: cross-entropy (0.38 vs
1.06) and MSE (0.25 vs 0.71) see how confident and how wrong each prediction is. Train on a loss,
report accuracy with ``deltanet.metrics``. *Do not use accuracy as a loss function!*

**Which output activation goes with which loss** (seeds 000, 003, 004):

| task | output activation | loss |
|---|---|---|
| regression | identity | ``MSELoss``, ``L1Loss``, ``HuberLoss``, ``LogCoshLoss`` |
| binary classification | sigmoid | ``BCEWithLogitsLoss`` on the logits (sigmoid fused), or ``BCELoss`` on $\sigma(z)$ |
| $K$-class classification | softmax | ``CrossEntropy`` on the logits (softmax fused): no ``Softmax`` layer before it |
| margin classifiers (SVM) | identity | ``HingeLoss`` ($\pm 1$ labels), ``MultiMarginLoss`` (class indices) |

**When is $\delta = a - y$?** The error signal at the output units, $\delta = \partial L / \partial z$,
is the prediction minus the target exactly for the *canonical pairs*, where the activation's
derivative cancels the loss's: softmax + cross-entropy ($\delta = \mathrm{softmax}(z) - y$),
sigmoid + binary cross-entropy ($\delta = \sigma(z) - y$), and identity + half the squared error
($\delta = a - y$, the seeds' $\frac{1}{2}(y - \hat y)^2$). With the "mean" reduction every
$\delta$ is divided by $N$, and ``MSELoss`` (PyTorch's, without the $\frac{1}{2}$) gives
$\delta = 2(a - y)/N$. Other pairs add a factor: sigmoid + squared error gives
$\delta = (a - y)\, a (1 - a)$, which vanishes when the unit saturates, one reason classifiers use
cross-entropy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional import losses as F
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
        >>> dn.losses.MSELoss(reduction="sum")
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


def _weight_buffer(module: Loss, name: str, weight: Any) -> None:
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
        if w.ndim > 1 or w.dtype.kind not in "fiu" or not np.isfinite(w).all():
            raise ValueError(
                f"{type(module).__name__}: {name} must be a finite number or a 1-D array of "
                f"them (one per class), got {weight!r}"
            )
        weight = w.astype(np.float64) if w.dtype.kind != "f" else w.copy()
    module.register_buffer(name, weight)


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
        >>> dn.losses.MSELoss()(dn.tensor([1.0, 2.0]), [0.0, 0.0]).item()
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
        >>> dn.losses.L1Loss()(dn.tensor([1.0, -3.0]), [0.0, 0.0]).item()
        2.0
    """

    target_kind = "regression"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


MAELoss = L1Loss


class HuberLoss(Loss):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    With $d = a - y$ and the threshold $\delta_H$ (``delta``, not the error signal $\delta$):

    $$
    \ell(d) = \begin{cases} \frac{1}{2} d^2 & \lvert d \rvert < \delta_H \\
    \delta_H \left(\lvert d \rvert - \frac{1}{2} \delta_H\right) & \text{otherwise} \end{cases},
    \qquad \frac{\partial \ell}{\partial a} = \mathrm{clip}(d, -\delta_H, \delta_H)
    $$

    Args:
        delta: the threshold $\delta_H > 0$ where the quadratic part turns linear (default 1.0).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.losses.HuberLoss(delta=1.0)(dn.tensor([0.5, 3.0]), [0.0, 0.0]).item()
        1.3125
    """

    target_kind = "regression"

    def __init__(self, *, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.delta = F._check_huber_delta(delta, "HuberLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class LogCoshLoss(Loss):
    r"""Log-cosh loss: like $\frac{1}{2} d^2$ near 0 and like $\lvert d \rvert - \log 2$ far away.

    $$
    L = \frac{1}{N} \sum_{i=1}^{N} \log \cosh(a_i - y_i), \qquad \delta_i = \frac{\tanh(a_i - y_i)}{N}
    $$

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.losses.LogCoshLoss()(dn.tensor([1.0]), [0.0]).item(), 4)
        0.4338
    """

    target_kind = "regression"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.log_cosh_loss(input, target, reduction=self.reduction)


class CrossEntropy(Loss):
    r"""Softmax cross-entropy from logits, with the log-softmax fused in (stable for any logits).

    For sample $n$ with logits $z_n$, target $t_n$ (one-hot from a class index, or probabilities)
    and class weights $w_k$ (all 1 by default):

    $$
    \ell_n = -\sum_{k=1}^{C} w_k\, t_{nk} \log \mathrm{softmax}(z_n)_k, \qquad
    t_n = (1 - \varepsilon)\, y_n + \varepsilon / C
    $$

    With one-hot targets, no weights and $\varepsilon = 0$ the error signal is
    $\delta_n = \partial \ell_n / \partial z_n = \mathrm{softmax}(z_n) - y_n$. The "mean" divides
    by $N$, or by $\sum_n w_{y_n}$ with class weights and index targets. Do not put a ``Softmax``
    layer before it.

    Args:
        weight: optional rescaling $w$ per class, shape $(C,)$.
        ignore_index: class-index targets equal to it add nothing, not even to the count of the
            mean (default ``-100``).
        label_smoothing: $\varepsilon \in [0, 1]$; the target becomes $(1 - \varepsilon)\, y + \varepsilon / C$.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C)$ or $(N, C, d_1, \dots)$, the logits $z$.
        - target: class indices $(N,)$ or $(N, d_1, \dots)$, or class probabilities of the
          input's shape.
        - output: a scalar; $(N,)$ or $(N, d_1, \dots)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> loss_fn = dn.losses.CrossEntropy()
        >>> round(loss_fn(dn.tensor([[2.0, 0.0, 0.0]]), [0]).item(), 4)
        0.2395
    """

    target_kind = "class_index"

    weight: np.ndarray | None  # a registered buffer (declared for the type checker)

    def __init__(
        self, *, weight: Any = None, ignore_index: int = -100, label_smoothing: float = 0.0, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction=reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise ValueError(f"CrossEntropy: ignore_index must be an integer, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)
        self.label_smoothing = F._check_label_smoothing(label_smoothing, "CrossEntropy")
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
        return f"reduction={self.reduction!r}{extra}"


CrossEntropyLoss = CrossEntropy


class NLLLoss(Loss):
    r"""Negative log-likelihood of class indices, for log-probabilities (after ``LogSoftmax``).

    For log-probabilities $x_n$ and class index $y_n$:

    $$
    \ell_n = -w_{y_n}\, x_{n, y_n}
    $$

    The "mean" divides by $\sum_n w_{y_n}$. ``NLLLoss`` after ``LogSoftmax`` equals
    ``CrossEntropy`` on the logits; train with that fused loss.

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
        >>> round(dn.losses.NLLLoss()(dn.tensor(np.log([[0.9, 0.1]])), [0]).item(), 4)
        0.1054
    """

    target_kind = "class_index"

    weight: np.ndarray | None  # a registered buffer (declared for the type checker)

    def __init__(self, *, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise ValueError(f"NLLLoss: ignore_index must be an integer, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, reduction=self.reduction, weight=self.weight, ignore_index=self.ignore_index)


class BCELoss(Loss):
    r"""Binary cross-entropy of probabilities $p \in [0, 1]$ (after a sigmoid).

    $$
    \ell = -\left[ y \log p + (1 - y) \log(1 - p) \right]
    $$

    Each log is clamped at $-100$, as in PyTorch, so $p = 0$ or $p = 1$ gives a finite loss. On
    logits, ``BCEWithLogitsLoss`` is more accurate.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.losses.BCELoss()(dn.tensor([0.9, 0.2]), [1.0, 0.0]).item(), 4)
        0.1643
    """

    target_kind = "binary"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(Loss):
    r"""Sigmoid and binary cross-entropy from logits, fused and stable for any logit.

    With the weight $w_+$ of the positive examples (``pos_weight``, 1 by default):

    $$
    \ell = -\left[ w_+\, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z)) \right], \qquad
    \delta = \frac{\partial \ell}{\partial z} = \sigma(z) - y \quad (w_+ = 1)
    $$

    Args:
        pos_weight: optional weight $w_+$ of the positive examples, one per class of the last axis.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.losses.BCEWithLogitsLoss()(dn.tensor([0.0]), [1.0]).item(), 4)
        0.6931
    """

    target_kind = "binary"

    pos_weight: np.ndarray | None  # a registered buffer (declared for the type checker)

    def __init__(self, *, pos_weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        _weight_buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction, pos_weight=self.pos_weight)


class HingeLoss(Loss):
    r"""Binary hinge loss on raw scores $f$, with labels $t \in \{-1, +1\}$ (0 is read as $-1$).

    $$
    \ell = \max(0,\ 1 - t f), \qquad \frac{\partial \ell}{\partial f} = -t \ \text{ where } 1 - t f > 0, \text{ else } 0
    $$

    Args:
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.losses.HingeLoss()(dn.tensor([2.0, 0.5, 0.5]), [1, 1, -1]).item(), 4)
        0.6667
    """

    target_kind = "sign"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.hinge_loss(input, target, reduction=self.reduction)


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
        >>> round(dn.losses.MultiMarginLoss()(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 4)
        0.325
    """

    target_kind = "class_index"

    weight: np.ndarray | None  # a registered buffer (declared for the type checker)

    def __init__(self, *, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.p, self.margin = F._check_margin_options(p, margin, "MultiMarginLoss")
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        return f"p={self.p}, margin={self.margin}, reduction={self.reduction!r}"


_NAMES: dict[str, type[Loss]] = {
    "mse": MSELoss,
    "mse_loss": MSELoss,
    "mean_squared_error": MSELoss,
    "l2": MSELoss,
    "l1": L1Loss,
    "l1_loss": L1Loss,
    "mae": L1Loss,
    "mean_absolute_error": L1Loss,
    "huber": HuberLoss,
    "huber_loss": HuberLoss,
    "log_cosh": LogCoshLoss,
    "logcosh": LogCoshLoss,
    "log_cosh_loss": LogCoshLoss,
    "cross_entropy": CrossEntropy,
    "crossentropy": CrossEntropy,
    "categorical_crossentropy": CrossEntropy,
    "ce": CrossEntropy,
    "nll": NLLLoss,
    "nll_loss": NLLLoss,
    "bce": BCELoss,
    "binary_cross_entropy": BCELoss,
    "binary_crossentropy": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "binary_cross_entropy_with_logits": BCEWithLogitsLoss,
    "hinge": HingeLoss,
    "hinge_loss": HingeLoss,
    "multi_margin": MultiMarginLoss,
    "multi_margin_loss": MultiMarginLoss,
}
_METRICS = {"accuracy", "acc", "classification_error", "error_rate", "error"}


def get(name_or_loss: Any) -> Any:
    """Resolve a loss given by name ("mse", "cross_entropy", "bce_with_logits", ...) to a module.

    A loss module is returned as it is, a loss class is instantiated with its defaults, and any
    other callable ``f(input, target)`` is returned as it is.

    Args:
        name_or_loss: a name (case, "-" and spaces do not matter), a ``Loss``, a ``Loss``
            subclass or a callable.

    Returns:
        A loss module, or the callable given.

    Raises:
        ValueError: an unknown name, the name of a metric ("accuracy"), or something that is not
            callable.

    Examples:
        >>> import deltanet as dn
        >>> dn.losses.get("cross_entropy")
        CrossEntropy(reduction='mean')
        >>> dn.losses.get("BCE-with-logits")
        BCEWithLogitsLoss(reduction='mean')
        >>> dn.losses.get("accuracy")
        Traceback (most recent call last):
        ...
        ValueError: 'accuracy' is a metric, not a loss: ...
    """
    if isinstance(name_or_loss, str):
        key = name_or_loss.strip().lower().replace("-", "_").replace(" ", "_")
        if key in _NAMES:
            return _NAMES[key]()
        if key in _METRICS:
            raise ValueError(
                f"{name_or_loss!r} is a metric, not a loss: its gradient is zero almost everywhere, "
                f"so backpropagation cannot learn from it; train with 'cross_entropy' (or 'bce') "
                f"and report {name_or_loss!r} as a metric"
            )
        raise ValueError(f"unknown loss {name_or_loss!r}; known names: {', '.join(sorted(_NAMES))}")
    if isinstance(name_or_loss, type) and issubclass(name_or_loss, Loss):
        return name_or_loss()
    if callable(name_or_loss):
        return name_or_loss
    raise ValueError(
        f"a loss must be a name, a loss module or a callable f(input, target), got "
        f"{type(name_or_loss).__name__} {name_or_loss!r}"
    )


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropy",
    "CrossEntropyLoss",
    "HingeLoss",
    "HuberLoss",
    "L1Loss",
    "LogCoshLoss",
    "Loss",
    "MAELoss",
    "MSELoss",
    "MultiMarginLoss",
    "NLLLoss",
    "get",
]


# -- segmentation losses (Dice and generalized Wasserstein Dice) --------------------------------
from deltanet.functional import dice as _dice  # noqa: E402


class DiceLoss(Loss):
    r"""Soft Dice loss of a segmentation, one Dice per image and class, then averaged.

    With the predicted probabilities $p$, the one-hot target $g$ and the pixels $i$ of image $n$:

    $$
    D_{nc} = \frac{2 \sum_i p_{nci}\, g_{nci} + s}{\sum_i p_{nci} + \sum_i g_{nci} + s}, \qquad
    L = 1 - \frac{1}{N C} \sum_{n, c} D_{nc}
    $$

    One output channel is binary segmentation ($p = \sigma(z)$ of the logits); $C \ge 2$ channels
    are classes ($p$ the softmax over axis 1; integer label maps become one-hot). The per-image
    convention and the target forms are in ``deltanet.functional.dice_loss``.

    Args:
        smooth: $s \ge 0$, added to numerator and denominator (default 1).
        from_logits: the input holds logits (default) rather than probabilities.
        include_background: with $C \ge 2$, False leaves class 0 out of the mean.
        batch: one Dice per class over the whole batch instead of one per image and class.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C, *)$, with 1 to 3 spatial axes $*$.
        - target: a label map $(N, *)$, or one-hot / probabilities of the input's shape.
        - output: a scalar; $(N, C)$ with ``reduction="none"`` ($(C,)$ with ``batch=True``).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> loss_fn = dn.losses.DiceLoss(smooth=0.0, from_logits=False)
        >>> p = dn.tensor(np.array([[[[0.9, 0.8], [0.1, 0.0]]]]))     # (1, 1, 2, 2)
        >>> round(loss_fn(p, np.array([[[1, 1], [0, 0]]])).item(), 4)
        0.1053
    """

    target_kind = "segmentation"

    def __init__(
        self,
        smooth: float = 1.0,
        *,
        from_logits: bool = True,
        include_background: bool = True,
        batch: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        owner = "DiceLoss"
        self.smooth = _dice._check_smooth(smooth, owner)
        self.from_logits = _dice._check_flag(from_logits, "from_logits", owner)
        self.include_background = _dice._check_flag(include_background, "include_background", owner)
        self.batch = _dice._check_flag(batch, "batch", owner)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return _dice.dice_loss(
            input,
            target,
            smooth=self.smooth,
            from_logits=self.from_logits,
            include_background=self.include_background,
            batch=self.batch,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        extra = "" if self.from_logits else ", from_logits=False"
        extra += "" if self.include_background else ", include_background=False"
        extra += ", batch=True" if self.batch else ""
        return f"smooth={self.smooth}{extra}, reduction={self.reduction!r}"


class GeneralizedWassersteinDiceLoss(Loss):
    r"""Generalized Wasserstein Dice loss (Fidon et al. 2017) with a class-distance matrix $M$.

    Per image, with $p_i$ the predicted class distribution of pixel $i$, $g_i$ its label and $b$
    the background class:

    $$
    W_i = \sum_k M_{g_i k}\, p_{ik}, \qquad TP = \sum_i \alpha_{g_i} (1 - W_i), \quad \alpha_l = M_{b l},
    \qquad L = 1 - \frac{2\, TP + s}{2\, TP + \sum_i W_i + s}
    $$

    $W_i$ is the Wasserstein distance between pixel $i$'s prediction and its label; see
    ``deltanet.functional.generalized_wasserstein_dice_loss``. Confusing two close classes (small
    $M$) costs less than confusing far ones: a tumour core labelled as its edema is less wrong
    than as background.

    Args:
        dist_matrix: $M$, $C \times C$ nested lists or an array: distances $\ge 0$ with a zero
            diagonal (divided by its largest entry).
        smooth: $s \ge 0$ (default 1e-5).
        from_logits: the input holds logits (default) rather than probabilities.
        background: the index $b$ of the background class (default 0).
        reduction: "mean" (default) over images, "sum" or "none".

    Shape:
        - input: $(N, C, *)$, $C \ge 2$, with 1 to 3 spatial axes $*$.
        - target: a label map $(N, *)$ of integers in $[0, C)$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> loss_fn = dn.losses.GeneralizedWassersteinDiceLoss([[0, 1], [1, 0]], smooth=0.0)
        >>> z = dn.tensor(np.zeros((1, 2, 4)))            # p = 0.5 everywhere
        >>> round(loss_fn(z, np.array([[1, 1, 0, 0]])).item(), 4)   # 1 − 2·1/(2·1 + 2)
        0.5
    """

    target_kind = "class_index"

    dist_matrix: np.ndarray  # a registered buffer (declared for the type checker)

    def __init__(
        self,
        dist_matrix: Any,
        *,
        smooth: float = 1e-5,
        from_logits: bool = True,
        background: int = 0,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=reduction)
        owner = "GeneralizedWassersteinDiceLoss"
        matrix = _dice.check_dist_matrix(dist_matrix, owner)
        classes = matrix.shape[0]
        if (
            isinstance(background, bool)
            or not isinstance(background, (int, np.integer))
            or not (0 <= background < classes)
        ):
            raise ValueError(f"{owner}: background must be a class index in [0, {classes}), got {background!r}")
        self.smooth = _dice._check_smooth(smooth, owner)
        self.from_logits = _dice._check_flag(from_logits, "from_logits", owner)
        self.background = int(background)
        raw = dist_matrix.data if isinstance(dist_matrix, Tensor) else dist_matrix
        self.register_buffer("dist_matrix", np.array(raw, dtype=np.float64))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return _dice.generalized_wasserstein_dice_loss(
            input,
            target,
            self.dist_matrix,
            smooth=self.smooth,
            from_logits=self.from_logits,
            background=self.background,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return (
            f"classes={self.dist_matrix.shape[0]}, smooth={self.smooth}, "
            f"background={self.background}, reduction={self.reduction!r}"
        )


_NAMES.update({"dice": DiceLoss, "dice_loss": DiceLoss, "soft_dice": DiceLoss})
__all__ += ["DiceLoss", "GeneralizedWassersteinDiceLoss"]
