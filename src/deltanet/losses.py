"""Loss modules: ``loss_fn = losses.CrossEntropy(); loss = loss_fn(model(x), y); loss.backward()``.

Each module holds its hyperparameters (checked in ``__init__``) and its ``forward(input, target)``
calls the function of :mod:`deltanet.functional.losses`, where the formula and the delta are
written. Targets may be Tensors or NumPy arrays; float targets are used in the input's dtype, so
float32 stays float32.

**The loss must be differentiable; accuracy is a metric, not a loss.** The classification error
1 − (TP + TN)/N counts the argmax decisions that are wrong. It is piecewise constant in the
weights: a small change of a weight moves no decision across a class boundary, so the error does
not change and its gradient is zero almost everywhere (and undefined where a decision flips).
Backpropagation would receive δ = 0 and learn nothing. In the seeds' cats-and-dogs table the two
networks have the same error, 1/3, yet NN1 is clearly better: cross-entropy (0.38 vs 1.06) and
MSE (0.25 vs 0.71) see how confident and how wrong each prediction is. Train on a loss, report
accuracy with :mod:`deltanet.metrics`. *Do not use accuracy as a loss function!*

**Which output activation goes with which loss** (seeds 000, 003, 004):

=========================  ====================  =======================================
task                       output activation     loss
=========================  ====================  =======================================
regression                 identity              ``MSELoss``, ``L1Loss``, ``HuberLoss``,
                                                 ``LogCoshLoss``
binary classification      sigmoid               ``BCEWithLogitsLoss`` on the logits
                                                 (sigmoid fused), or ``BCELoss`` on σ(z)
K-class classification     softmax               ``CrossEntropy`` on the logits (softmax
                                                 fused): no ``Softmax`` layer before it
margin classifiers (SVM)   identity              ``HingeLoss`` (±1 labels),
                                                 ``MultiMarginLoss`` (class indices)
=========================  ====================  =======================================

**When is δ = a − y?** The error signal at the output units, δ = ∂L/∂z, is the prediction minus
the target exactly for the *canonical pairs*, where the activation's derivative cancels the
loss's: softmax + cross-entropy (δ = softmax(z) − y), sigmoid + binary cross-entropy
(δ = σ(z) − y), and identity + ½ squared error (δ = a − y, the seeds' ½(y − ŷ)²). With the
"mean" reduction every δ is divided by N, and ``MSELoss`` (PyTorch's, without the ½) gives
δ = 2(a − y)/N. Other pairs add a factor: sigmoid + squared error gives δ = (a − y) a(1 − a),
which vanishes when the unit saturates, one reason classifiers use cross-entropy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.functional import losses as F
from deltanet.nn.module import Module


class Loss(Module):
    """Base class of the loss modules: holds and checks ``reduction`` ("mean", "sum" or "none").

    Example:
        >>> import deltanet as dn
        >>> dn.losses.MSELoss(reduction="sum")
        MSELoss(reduction='sum')
    """

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
    """Mean squared error: L = (1/N) Σ (a − y)² over all N elements (PyTorch's MSELoss).

    The seeds' classification table sums over the classes and averages over the rows; that is
    C times this (twice it for two classes): ``MSELoss(reduction="sum")(p, y) / len(y)``.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> dn.losses.MSELoss()(dn.tensor([1.0, 2.0]), [0.0, 0.0]).item()
        2.5
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(Loss):
    """Mean absolute error (MAE): L = (1/N) Σ |a − y|; robust to outliers, constant gradient.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> dn.losses.L1Loss()(dn.tensor([1.0, -3.0]), [0.0, 0.0]).item()
        2.0
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


MAELoss = L1Loss


class HuberLoss(Loss):
    """Huber loss: ½ d² for |d| < delta, else delta·(|d| − ½ delta), with d = a − y.

    Args:
        delta: where the quadratic part turns linear, > 0 (default 1.0).
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> dn.losses.HuberLoss(delta=1.0)(dn.tensor([0.5, 3.0]), [0.0, 0.0]).item()
        1.3125
    """

    def __init__(self, *, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.delta = F._check_huber_delta(delta, "HuberLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class LogCoshLoss(Loss):
    """Log-cosh loss: L = (1/N) Σ log cosh(a − y); ≈ d²/2 near 0, ≈ |d| − log 2 far away.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> round(dn.losses.LogCoshLoss()(dn.tensor([1.0]), [0.0]).item(), 4)
        0.4338
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.log_cosh_loss(input, target, reduction=self.reduction)


class CrossEntropy(Loss):
    """Softmax cross-entropy from logits (log-softmax fused and stable); δ = softmax(z) − y.

    Args:
        weight: optional rescaling per class, shape (C,).
        ignore_index: class-index targets equal to it add nothing (default −100).
        label_smoothing: ε in [0, 1]; the target becomes (1 − ε) y + ε/C.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input (N, C) or (N, C, d1, ...); target class indices (N,) or (N, d1, ...), or class
        probabilities of the input's shape.

    Example:
        >>> import deltanet as dn
        >>> loss_fn = dn.losses.CrossEntropy()
        >>> round(loss_fn(dn.tensor([[2.0, 0.0, 0.0]]), [0]).item(), 4)
        0.2395
    """

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
    """Negative log-likelihood of class indices, for log-probabilities (after ``LogSoftmax``).

    Args:
        weight: optional rescaling per class, shape (C,).
        ignore_index: targets equal to it add nothing (default −100).
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import numpy as np, deltanet as dn
        >>> round(dn.losses.NLLLoss()(dn.tensor(np.log([[0.9, 0.1]])), [0]).item(), 4)
        0.1054
    """

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
    """Binary cross-entropy of probabilities p ∈ [0, 1] (after a sigmoid); logs clamped at −100.

    Args:
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> round(dn.losses.BCELoss()(dn.tensor([0.9, 0.2]), [1.0, 0.0]).item(), 4)
        0.1643
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(Loss):
    """Sigmoid + binary cross-entropy from logits, fused and stable; δ = σ(z) − y.

    Args:
        pos_weight: optional weight of positive examples, one per class of the last axis.
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> round(dn.losses.BCEWithLogitsLoss()(dn.tensor([0.0]), [1.0]).item(), 4)
        0.6931
    """

    pos_weight: np.ndarray | None  # a registered buffer (declared for the type checker)

    def __init__(self, *, pos_weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        _weight_buffer(self, "pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction, pos_weight=self.pos_weight)


class HingeLoss(Loss):
    """Binary hinge loss max(0, 1 − t f) on raw scores f, labels t ∈ {−1, +1} (0 is read as −1).

    Args:
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> round(dn.losses.HingeLoss()(dn.tensor([2.0, 0.5, 0.5]), [1, 1, -1]).item(), 4)
        0.6667
    """

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.hinge_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(Loss):
    """Multi-class hinge loss, as torch.nn.MultiMarginLoss: Σ_{i≠y} max(0, margin − x_y + x_i)^p / C.

    Args:
        p: 1 (default) or 2.
        margin: default 1.0.
        weight: optional rescaling per class, shape (C,).
        reduction: "mean" (default), "sum" or "none".

    Example:
        >>> import deltanet as dn
        >>> round(dn.losses.MultiMarginLoss()(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 4)
        0.325
    """

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

    Example:
        >>> import deltanet as dn
        >>> dn.losses.get("cross_entropy")
        CrossEntropy(reduction='mean')
        >>> dn.losses.get("BCE-with-logits")
        BCEWithLogitsLoss(reduction='mean')
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
    """Soft Dice loss 1 − (2|P∩G| + s)/(|P| + |G| + s), per image and class, then averaged.

    One output channel is binary segmentation (sigmoid of the logits); C ≥ 2 channels are
    classes (softmax over axis 1, integer label maps become one-hot). The formula, the per-image
    convention and the target forms are in :func:`deltanet.functional.dice_loss`.

    Args:
        smooth: s ≥ 0 (default 1).
        from_logits: the input holds logits (default) rather than probabilities.
        include_background: with C ≥ 2, False leaves class 0 out of the mean.
        batch: one Dice per class over the whole batch instead of one per image and class.
        reduction: "mean" (default), "sum" or "none" (shape (N, C)).

    Shape:
        input (N, C, *spatial); target a label map (N, *spatial) or the input's shape.

    Example:
        >>> import numpy as np, deltanet as dn
        >>> loss_fn = dn.losses.DiceLoss(smooth=0.0, from_logits=False)
        >>> p = dn.tensor(np.array([[[[0.9, 0.8], [0.1, 0.0]]]]))     # (1, 1, 2, 2)
        >>> round(loss_fn(p, np.array([[[1, 1], [0, 0]]])).item(), 4)
        0.1053
    """

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
    """Generalized Wasserstein Dice loss (Fidon et al. 2017) with a class-distance matrix M.

    L = 1 − (2TP + s)/(2TP + Σ_i W_i + s) per image, with W_i = Σ_k M[g_i, k] p_ik the
    Wasserstein distance between pixel i's predicted class distribution and its label and
    TP = Σ_i α_{g_i}(1 − W_i), α_l = M[background, l]; see
    :func:`deltanet.functional.generalized_wasserstein_dice_loss`. Confusing two close classes
    (small M) costs less than confusing far ones: a tumour core labelled as its edema is less
    wrong than as background.

    Args:
        dist_matrix: M, C × C nested lists or an array: distances ≥ 0 with a zero diagonal
            (divided by its largest entry).
        smooth: s ≥ 0 (default 1e-5).
        from_logits: the input holds logits (default) rather than probabilities.
        background: the index of the background class (default 0).
        reduction: "mean" (default) over images, "sum" or "none" (shape (N,)).

    Shape:
        input (N, C, *spatial); target a label map (N, *spatial) of integers in [0, C).

    Example:
        >>> import numpy as np, deltanet as dn
        >>> loss_fn = dn.losses.GeneralizedWassersteinDiceLoss([[0, 1], [1, 0]], smooth=0.0)
        >>> z = dn.tensor(np.zeros((1, 2, 4)))            # p = 0.5 everywhere
        >>> round(loss_fn(z, np.array([[1, 1, 0, 0]])).item(), 4)   # 1 − 2·1/(2·1 + 2)
        0.5
    """

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
