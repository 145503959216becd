r"""Loss modules of metric learning and retrieval (``nn.TripletMarginLoss``, ``nn.CosineEmbeddingLoss``,
...), with PyTorch's names, arguments and defaults; each ``forward`` calls the function of
``deltanet.functional.embedding_losses`` where the formula is written.

The losses of pairs and triplets take three tensors, ``loss(x1, x2, y)`` or
``loss(anchor, positive, negative)``, as in PyTorch. ``size_average`` and ``reduce`` (deprecated
in PyTorch) must be None: pass ``reduction=``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import embedding_losses as F
from deltanet.functional.losses import _check_reduction
from deltanet.nn.distance import PairwiseDistance
from deltanet.nn.loss import Loss, _weight_buffer


class _Margin(Loss):
    """A loss with a ``margin`` and PyTorch's deprecated ``size_average`` and ``reduce``."""

    default_margin = 0.0

    def __init__(
        self, margin: float | None = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        F.legacy(size_average, reduce, type(self).__name__)
        super().__init__(reduction=reduction)
        self.margin = check.number(self.default_margin if margin is None else margin, "margin", type(self).__name__)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, reduction={self.reduction!r}"


class MarginRankingLoss(_Margin):
    r"""Ranking hinge: $x_1$ should score above $x_2$ by ``margin`` where $y = 1$ (below where $y = -1$).

    $$
    \ell = \max(0, -y (x_1 - x_2) + \text{margin})
    $$

    Args:
        margin: the margin (default 0).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input1, input2, target: $(N,)$ or $()$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.MarginRankingLoss(margin=1.0)(dn.tensor([2.0]), dn.tensor([0.0]), dn.tensor([1.0])).item()
        0.0
    """

    def __call__(self, input1: Any, input2: Any, target: Any) -> Tensor:  # type: ignore[override]
        return self.forward(input1, input2, target)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:  # type: ignore[override]
        return F.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Margin):
    r"""Hinge embedding loss: a distance $x$ small for similar pairs ($y = 1$), above ``margin`` otherwise.

    $$
    \ell = \begin{cases} x & y = 1 \\ \max(0, \text{margin} - x) & y = -1 \end{cases}
    $$

    Args:
        margin: the margin (default 1).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.HingeEmbeddingLoss()(dn.tensor([0.25, 0.5]), dn.tensor([1, -1])).item()
        0.375
    """

    default_margin = 1.0

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Margin):
    r"""Cosine embedding loss: similar pairs ($y = 1$) should point the same way, dissimilar ones apart.

    $$
    \ell = \begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\ \max(0, \cos(x_1, x_2) - \text{margin}) & y = -1 \end{cases}
    $$

    Args:
        margin: the margin, in $[-1, 1]$ (default 0).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input1, input2: $(N, D)$ or $(D,)$.
        - target: $(N,)$ or $()$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.CosineEmbeddingLoss()(dn.tensor([[1.0, 0.0]]), dn.tensor([[1.0, 0.0]]), dn.tensor([-1])).item()
        1.0
    """

    def __call__(self, input1: Any, input2: Any, target: Any) -> Tensor:  # type: ignore[override]
        return self.forward(input1, input2, target)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:  # type: ignore[override]
        return F.cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(Loss):
    r"""Two-class logistic loss with labels $\pm 1$.

    $$
    \ell = \log(1 + e^{-y x})
    $$

    Args:
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.SoftMarginLoss()(dn.tensor([0.0]), dn.tensor([-1.0])).item(), 4)
        0.6931
    """

    target_kind = "sign"

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        F.legacy(size_average, reduce, "SoftMarginLoss")
        super().__init__(reduction=reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelMarginLoss(Loss):
    r"""Multi-label hinge loss: each class of the label set against each class outside it.

    $$
    \ell_n = \frac{1}{C} \sum_{j \in Y_n} \sum_{i \notin Y_n} \max\big(0, 1 - (x_{n, j} - x_{n, i})\big)
    $$

    Args:
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C)$ or $(C,)$; target: class indices of the same shape, padded with -1.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> loss = dn.nn.MultiLabelMarginLoss()
        >>> round(loss(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), dn.tensor([[3, 0, -1, 1]])).item(), 4)
        0.85
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        F.legacy(size_average, reduce, "MultiLabelMarginLoss")
        super().__init__(reduction=reduction)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(Loss):
    r"""Multi-label one-versus-all logistic loss, averaged over the classes.

    $$
    \ell_n = -\frac{1}{C} \sum_c w_c \big(y_{nc} \log \sigma(x_{nc}) + (1 - y_{nc}) \log \sigma(-x_{nc})\big)
    $$

    Args:
        weight: one weight per class $(C,)$, or None; a buffer, as in PyTorch.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, C)$; target: the same shape, in $\{0, 1\}$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.MultiLabelSoftMarginLoss()(dn.tensor([[0.0, 0.0]]), dn.tensor([[0, 1]])).item(), 4)
        0.6931
    """

    target_kind = "binary"
    weight: Tensor | None  # a registered buffer (declared for the type checker)

    def __init__(
        self, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        F.legacy(size_average, reduce, "MultiLabelSoftMarginLoss")
        super().__init__(reduction=reduction)
        _weight_buffer(self, "weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class TripletMarginLoss(_Margin):
    r"""Triplet loss (FaceNet): the anchor nearer the positive than the negative by ``margin``.

    $$
    \ell = \max(0, d(a, p) - d(a, n) + \text{margin}), \qquad d(x, y) = \lVert x - y + \epsilon \rVert_p
    $$

    Args:
        margin: the margin, positive (default 1).
        p: the norm's order (default 2).
        eps: added to the differences (default $10^{-6}$).
        swap: replace $d(a, n)$ by $\min(d(a, n), d(p, n))$ (Balntas et al. 2016).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - anchor, positive, negative: $(N, D)$ or $(D,)$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> a, p, n = dn.tensor([[0.0, 0.0]]), dn.tensor([[0.0, 1.0]]), dn.tensor([[3.0, 0.0]])
        >>> round(dn.nn.TripletMarginLoss(margin=3.0, eps=0.0)(a, p, n).item(), 4)
        1.0
    """

    default_margin = 1.0

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(margin, size_average, reduce, reduction)
        if self.margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.p = check.number(p, "p", "TripletMarginLoss", finite=False, low=0)
        self.eps = check.number(eps, "eps", "TripletMarginLoss")
        self.swap = check.flag(swap, "swap", "TripletMarginLoss")

    def __call__(self, anchor: Any, positive: Any, negative: Any) -> Tensor:  # type: ignore[override]
        return self.forward(anchor, positive, negative)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:  # type: ignore[override]
        return F.triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )


class TripletMarginWithDistanceLoss(Loss):
    r"""Triplet loss with any distance $d$ (the Euclidean ``pairwise_distance`` when None).

    $$
    \ell = \max(0, d(a, p) - d(a, n) + \text{margin})
    $$

    Args:
        distance_function: a function of two batches giving one distance per row, or None.
        margin: the margin, positive (default 1).
        swap: replace $d(a, n)$ by $\min(d(a, n), d(p, n))$.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - anchor, positive, negative: $(N, D)$ or $(D,)$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> loss = dn.nn.TripletMarginWithDistanceLoss(distance_function=dn.nn.PairwiseDistance(eps=0.0))
        >>> loss(dn.tensor([[0.0]]), dn.tensor([[0.5]]), dn.tensor([[2.0]])).item()
        0.0
    """

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction=_check_reduction(reduction, "TripletMarginWithDistanceLoss"))
        if distance_function is not None and not callable(distance_function):
            raise ValueError(
                f"TripletMarginWithDistanceLoss: distance_function must be callable or None, got {distance_function!r}"
            )
        self.margin = check.number(margin, "margin", "TripletMarginWithDistanceLoss")
        if self.margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, got {margin}")
        self.swap = check.flag(swap, "swap", "TripletMarginWithDistanceLoss")
        # None is PairwiseDistance(), held as a child module (PyTorch's attribute and repr)
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function

    def __call__(self, anchor: Any, positive: Any, negative: Any) -> Tensor:  # type: ignore[override]
        return self.forward(anchor, positive, negative)

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:  # type: ignore[override]
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )
