r"""Loss modules: ``loss_fn = losses.CrossEntropy(); loss = loss_fn(model(x), y); loss.backward()``.

Each module holds its hyperparameters (checked in ``__init__``) and its ``forward(input, target)``
calls the function of ``deltanet.functional.losses``, where the formula and the delta are
written. The losses PyTorch has live in ``deltanet.nn`` under PyTorch's names
(``nn.CrossEntropyLoss``, ``nn.MSELoss``, ...) and are re-exported here, the same classes
(``losses.CrossEntropy`` is ``nn.CrossEntropyLoss``); this module adds the ones PyTorch lacks
(log-cosh, hinge, Dice) and ``get``. Targets may be Tensors or NumPy arrays; float targets are
used in the input's dtype, so float32 stays float32.

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

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import dice as _dice
from deltanet.functional import losses as F
from deltanet.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)

# deltanet's own names for two of PyTorch's losses: the same classes.
CrossEntropy = CrossEntropyLoss
MAELoss = L1Loss


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
    "smooth_l1": SmoothL1Loss,
    "smooth_l1_loss": SmoothL1Loss,
    "kl_div": KLDivLoss,
    "kl_divergence": KLDivLoss,
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
        CrossEntropyLoss(reduction='mean')
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
    "KLDivLoss",
    "L1Loss",
    "LogCoshLoss",
    "Loss",
    "MAELoss",
    "MSELoss",
    "MultiMarginLoss",
    "NLLLoss",
    "SmoothL1Loss",
    "get",
]


# -- segmentation losses (Dice and generalized Wasserstein Dice) --------------------------------


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
        self.smooth = check.number(smooth, "smooth", owner, low=0)
        self.from_logits = check.flag(from_logits, "from_logits", owner)
        self.include_background = check.flag(include_background, "include_background", owner)
        self.batch = check.flag(batch, "batch", owner)

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

    dist_matrix: Tensor  # a registered buffer (declared for the type checker)

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
        self.background = check.integer(background, "background", owner, low=0, high=classes - 1)
        self.smooth = check.number(smooth, "smooth", owner, low=0)
        self.from_logits = check.flag(from_logits, "from_logits", owner)
        raw = dist_matrix.array if isinstance(dist_matrix, Tensor) else dist_matrix
        self.register_buffer("dist_matrix", Tensor._make(np.array(raw, dtype=np.float64)))

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

# -- metric-learning, likelihood and CTC losses (PyTorch's, re-exported; those of 3-4 inputs are not in get) --
from deltanet.nn.ctc_loss import CTCLoss  # noqa: E402
from deltanet.nn.embedding_loss import (  # noqa: E402 - grouped with the section they belong to
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from deltanet.nn.likelihood_loss import GaussianNLLLoss, PoissonNLLLoss  # noqa: E402

__all__ += [
    "CTCLoss",
    "CosineEmbeddingLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]
