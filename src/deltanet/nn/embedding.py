r"""``Embedding``: a learned table of vectors looked up by integer index, as ``torch.nn.Embedding``.

Equivalent to a bias-free ``Linear`` layer applied to one-hot inputs, without building them (see
``deltanet.functional.embedding``): the seeds' family-trees network learns such a distributed
encoding of each person in its first layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.embedding import _padding_idx, embedding
from deltanet.nn.module import Module, Parameter, call_named


class Embedding(Module):
    r"""A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``: $a = W_i$ for index $i$.

    $$
    a_n = W_{i_n}, \qquad \frac{\partial L}{\partial W_k} = \sum_{n \,:\, i_n = k} \delta_n
    $$

    $W$ starts from $\mathcal{N}(0, 1)$ (PyTorch's default) with the row ``padding_idx``, if
    given, set to zeros; that row never receives a gradient.

    Args:
        num_embeddings: $V$, the number of rows (the vocabulary size).
        embedding_dim: $D$, the size of each vector.
        padding_idx: a row kept at its value (zeros unless changed); negative counts from the end.
        max_norm: if given, each row read whose norm exceeds it is rescaled in place to that norm.
        norm_type: the $p$ of the $p$-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by how often the batch reads it.
        sparse: sparse gradients are not supported; must be False.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(*)$, integer indices in $[0, V)$.
        - output: $(*, D)$.
        - weight: $(V, D)$.

    Examples:
        >>> import deltanet as dn
        >>> emb = dn.nn.Embedding(10, 3, padding_idx=0, rng=0)
        >>> emb(dn.tensor([[1, 0, 4]])).shape
        (1, 3, 3)
        >>> emb.weight.array[0].tolist()
        [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_embeddings = check.integer(num_embeddings, "num_embeddings", owner, low=1)
        self.embedding_dim = check.integer(embedding_dim, "embedding_dim", owner, low=1)
        self.padding_idx = _padding_idx(padding_idx, self.num_embeddings, owner)
        self.max_norm = check.optional_number(max_norm, "max_norm", owner, low=0)
        self.norm_type = check.number(norm_type, "norm_type", owner, finite=False)  # inf: the largest |w|
        self.scale_grad_by_freq = check.flag(scale_grad_by_freq, "scale_grad_by_freq", owner)
        if check.flag(sparse, "sparse", owner):
            raise ValueError(f"{owner}: sparse gradients are not supported (deltanet has dense arrays only)")
        self.sparse = False
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
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An ``Embedding`` holding a copy of ``embeddings``, frozen by default (as in PyTorch).

        Args:
            embeddings: a $(V, D)$ array or tensor.
            freeze: the table does not learn (``requires_grad=False``).
            padding_idx: as for the constructor (the row keeps its given values).
            max_norm: as for the constructor.
            norm_type: as for the constructor.
            scale_grad_by_freq: as for the constructor.
            sparse: as for the constructor (must be False).

        Returns:
            The new layer.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> emb = dn.nn.Embedding.from_pretrained(np.eye(3))
            >>> emb(dn.tensor([2])).array.tolist(), emb.weight.requires_grad
            ([[0.0, 0.0, 1.0]], False)
        """
        return pretrained(
            cls,
            embeddings,
            freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )

    def forward(self, x: Any) -> Tensor:
        return call_named(
            self,
            embedding,
            x,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s


__all__ = ["Embedding"]


def pretrained(cls: Any, embeddings: Any, freeze: Any, **options: Any) -> Any:
    """A ``cls`` layer (``Embedding``, ``EmbeddingBag``) holding a copy of the $(V, D)$ table
    ``embeddings``, its weight frozen unless ``freeze`` is False: their ``from_pretrained``."""
    owner = f"{cls.__name__}.from_pretrained"
    table = np.asarray(embeddings.array if isinstance(embeddings, Tensor) else embeddings)
    if table.ndim != 2 or table.dtype.kind != "f":
        raise ValueError(
            f"{owner}: embeddings must be a 2-D float array (num_embeddings, "
            f"embedding_dim), got dtype {table.dtype} and shape {table.shape}"
        )
    layer = cls(table.shape[0], table.shape[1], rng=0, dtype=table.dtype, **options)
    layer.weight.array[...] = table
    layer.weight.requires_grad = not check.flag(freeze, "freeze", owner)
    return layer
