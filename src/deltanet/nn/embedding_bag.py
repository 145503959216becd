r"""``EmbeddingBag``: the sum, mean or maximum of bags of looked-up vectors, as
``torch.nn.EmbeddingBag`` (a bag-of-words text classifier's first layer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.embedding import _padding_idx
from deltanet.functional.embedding_bag import embedding_bag
from deltanet.nn.embedding import pretrained
from deltanet.nn.module import Module, Parameter, call_named


class EmbeddingBag(Module):
    r"""A table of ``num_embeddings`` vectors whose bags are reduced: $a_b = \sum_{j \in b} w_j W_{i_j}$
    (``"sum"``), their mean (``"mean"``, the default) or their maximum per feature (``"max"``).

    $W$ starts from $\mathcal{N}(0, 1)$, with the row ``padding_idx`` (if given) set to zeros; that
    index is left out of every bag. See ``deltanet.nn.functional.embedding_bag``.

    Args:
        num_embeddings: $V$, the number of rows.
        embedding_dim: $D$, the size of each vector.
        max_norm: if given, each row read whose norm exceeds it is rescaled in place to that norm.
        norm_type: the $p$ of the $p$-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: must be False (see ``embedding_bag``).
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: sparse gradients are not supported; must be False.
        include_last_offset: ``offsets`` ends with the input's length.
        padding_idx: an index left out of every bag; negative counts from the end.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(B, N)$, or $(n,)$ with ``offsets`` $(B,)$.
        - output: $(B, D)$.

    Examples:
        >>> import deltanet as dn
        >>> bag = dn.nn.EmbeddingBag(10, 3, mode="sum", rng=0)
        >>> bag(dn.tensor([1, 2, 4, 5, 4]), dn.tensor([0, 2])).shape
        (2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_embeddings = check.integer(num_embeddings, "num_embeddings", owner, low=1)
        self.embedding_dim = check.integer(embedding_dim, "embedding_dim", owner, low=1)
        self.max_norm = check.optional_number(max_norm, "max_norm", owner, low=0)
        self.norm_type = check.number(norm_type, "norm_type", owner, finite=False)  # inf: the largest |w|
        self.scale_grad_by_freq = check.flag(scale_grad_by_freq, "scale_grad_by_freq", owner)
        if self.scale_grad_by_freq:
            raise ValueError(f"{owner}: scale_grad_by_freq=True is not supported (see embedding_bag); got True")
        self.mode = check.one_of(mode, "mode", ("sum", "mean", "max"), owner)
        if check.flag(sparse, "sparse", owner):
            raise ValueError(f"{owner}: sparse gradients are not supported (deltanet has dense arrays only)")
        self.sparse = False
        self.include_last_offset = check.flag(include_last_offset, "include_last_offset", owner)
        self.padding_idx = _padding_idx(padding_idx, self.num_embeddings, owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        r"""Draw $W$ from $\mathcal{N}(0, 1)$ and zero the padding row."""
        self.weight.array[...] = backend.get_rng(rng).standard_normal(self.weight.shape)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An ``EmbeddingBag`` holding a copy of ``embeddings``, frozen by default (as in PyTorch).

        Args:
            embeddings: a $(V, D)$ float array or tensor.
            freeze: the table does not learn (``requires_grad=False``).
            max_norm: as for the constructor.
            norm_type: as for the constructor.
            scale_grad_by_freq: as for the constructor.
            mode: as for the constructor.
            sparse: as for the constructor (must be False).
            include_last_offset: as for the constructor.
            padding_idx: as for the constructor (the row keeps its given values).

        Returns:
            The new layer.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> bag = dn.nn.EmbeddingBag.from_pretrained(np.eye(3), mode="sum")
            >>> bag(dn.tensor([[0, 2]])).tolist()
            [[1.0, 0.0, 1.0]]
        """
        return pretrained(
            cls,
            embeddings,
            freeze,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return call_named(
            self,
            embedding_bag,
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


__all__ = ["EmbeddingBag"]
