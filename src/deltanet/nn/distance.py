"""Distance layers of Siamese and triplet networks: ``CosineSimilarity`` and ``PairwiseDistance``,
with PyTorch's arguments, attributes and reprs; each ``forward`` calls the functional form.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.distance import pairwise_distance
from deltanet.nn.functional import cosine_similarity
from deltanet.nn.module import Module, call_named


class CosineSimilarity(Module):
    r"""Cosine of the angle between matching vectors of two batches, along ``dim``.

    $$
    \cos(x_1, x_2) = \frac{x_1 \cdot x_2}{\max(\lVert x_1 \rVert \, \lVert x_2 \rVert, \epsilon)}
    $$

    Args:
        dim: the axis of the vectors (default 1).
        eps: the smallest divisor (default $10^{-8}$).

    Shape:
        - x1: $(*_1, D, *_2)$; x2: broadcastable to it.
        - output: $(*_1, *_2)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.CosineSimilarity()(dn.tensor([[1.0, 0.0]]), dn.tensor([[2.0, 0.0]])).tolist()
        [1.0]
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", "CosineSimilarity")
        self.eps = check.number(eps, "eps", "CosineSimilarity", low=0.0)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return call_named(self, cosine_similarity, x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    r"""The $p$-norm distance between matching rows of two batches (``pairwise_distance``).

    $$
    d(x_1, x_2) = \lVert x_1 - x_2 + \epsilon \rVert_p
    $$

    Args:
        p: the norm's order (default 2); stored as ``norm``, PyTorch's attribute.
        eps: added to every difference (default $10^{-6}$).
        keepdim: keep the last axis with size 1.

    Shape:
        - x1, x2: $(N, D)$ or $(D,)$.
        - output: $(N,)$ or $()$; with ``keepdim``, a last axis of size 1.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.PairwiseDistance(eps=0.0)(dn.tensor([[3.0, 4.0]]), dn.tensor([[0.0, 0.0]])).tolist()
        [5.0]
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = check.number(p, "p", "PairwiseDistance", finite=False, low=0)
        self.eps = check.number(eps, "eps", "PairwiseDistance")
        self.keepdim = check.flag(keepdim, "keepdim", "PairwiseDistance")

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return call_named(self, pairwise_distance, x1, x2, self.norm, self.eps, self.keepdim)
