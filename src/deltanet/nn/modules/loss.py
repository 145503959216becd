r"""``torch.nn.modules.loss``: the loss modules, and ``_Loss`` and ``_WeightedLoss`` to subclass.

A custom loss written for PyTorch subclasses ``_Loss`` (or ``_WeightedLoss`` for class weights)
and reads ``self.reduction`` in its ``forward``; here both are deltanet's ``Loss`` with PyTorch's
constructor, whose deprecated ``size_average`` and ``reduce`` must be None.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.nn.modules.loss import _Loss
    >>> class L1(_Loss):
    ...     def forward(self, input, target):
    ...         d = (input - target).abs()
    ...         return d.mean() if self.reduction == "mean" else d.sum()
    >>> L1(reduction="sum")(dn.tensor([1.0, 2.0]), dn.tensor([0.0, 0.0])).item()
    3.0
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.nn.ctc_loss import CTCLoss
from deltanet.nn.embedding_loss import (
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from deltanet.nn.likelihood_loss import GaussianNLLLoss, PoissonNLLLoss
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


def _no_legacy(owner: str, size_average: Any, reduce: Any) -> None:
    if size_average is not None or reduce is not None:
        raise ValueError(
            f"{owner}: size_average and reduce are deprecated in PyTorch and not supported, got "
            f"size_average={size_average!r}, reduce={reduce!r}; pass reduction='mean', 'sum' or 'none'"
        )


class _Loss(Loss):
    """PyTorch's base of the loss modules: ``reduction`` kept as ``self.reduction``.

    Args:
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none", for the subclass's ``forward`` to apply.
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        _no_legacy(type(self).__name__, size_average, reduce)
        super().__init__(reduction=reduction)

    def extra_repr(self) -> str:
        return ""  # PyTorch's losses of this kind print as ``MyLoss()``


class _WeightedLoss(_Loss):
    """``_Loss`` with a ``weight`` buffer (one weight per class, or None), as PyTorch's.

    Args:
        weight: a Tensor or array of weights, or None; kept as the buffer ``weight``.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".
    """

    def __init__(
        self, weight: Any = None, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight if weight is None or isinstance(weight, Tensor) else Tensor._make(weight))


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CTCLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "_Loss",
    "_WeightedLoss",
]
