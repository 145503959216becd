r"""Integer indices as vectors: ``embedding`` (a learned lookup table) and ``one_hot``.

An embedding is a linear layer applied to a one-hot input: row $i$ of the table $W$ is
$\mathrm{onehot}(i) \, W$, so the lookup gives the same output without building the one-hot
matrix, and the backward pass adds each output's $\delta$ to the row it read:

$$
a_n = W_{i_n}, \qquad
\frac{\partial L}{\partial W_k} = \sum_{n \,:\, i_n = k} \delta_n
$$

(the rows that no index reads get no gradient). This is the "distributed encoding" of the
seeds' family-trees network, whose first layer turns each of 24 people into 6 learned numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, no_grad


class Embedding(Function):
    r"""$a = W[i]$; $\partial L / \partial W$ adds $\delta$ into the rows read (zero for ``padding_idx``)."""

    def forward(
        self, W: np.ndarray, indices: np.ndarray, padding_idx: int | None, scale_grad_by_freq: bool
    ) -> np.ndarray:
        self.indices, self.rows = indices, W.shape[0]
        self.padding_idx, self.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return W[indices]

    def backward(self, delta: np.ndarray) -> np.ndarray:
        flat = self.indices.reshape(-1)
        d = delta.reshape(flat.size, delta.shape[-1])  # the size in full: -1 fails for no index
        if self.scale_grad_by_freq:  # each row's gradient divided by how often the batch reads it
            counts = np.bincount(flat, minlength=self.rows)
            d = d / counts[flat][:, None].astype(delta.dtype)
        grad = np.zeros((self.rows, d.shape[1]), dtype=delta.dtype)
        np.add.at(grad, flat, d)
        if self.padding_idx is not None:
            grad[self.padding_idx] = 0  # the padding vector stays as it is
        return grad


def _indices(value: Any, owner: str) -> np.ndarray:
    data = np.asarray(value.array if isinstance(value, Tensor) else value)
    if data.dtype.kind not in "iu":
        raise ValueError(f"{owner}: expected integer indices, got dtype {data.dtype}")
    return data.astype(np.int64, copy=False)


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    r"""Look up rows of ``weight`` by integer index, as ``torch.nn.functional.embedding``.

    $$
    a_{n} = W_{i_n}, \qquad
    \frac{\partial L}{\partial W_k} = \sum_{n \,:\, i_n = k} \delta_n
    $$

    Args:
        input: integer indices of any shape, each in $[0, V)$ for $V$ rows.
        weight: the table $W$ of shape $(V, D)$.
        padding_idx: a row whose gradient is always 0 (it stays the padding vector); negative
            counts from the end.
        max_norm: if given, each row read whose ``norm_type``-norm exceeds it is rescaled in place
            to that norm before the lookup (as in PyTorch; it changes ``weight``).
        norm_type: the $p$ of the $p$-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by the number of times the batch reads it.
        sparse: sparse gradients are not supported; must be False.

    Raises:
        ValueError: non-integer indices, an index outside $[0, V)$, a bad ``padding_idx``, or
            ``sparse=True``.

    Shape:
        - input: $(*)$, integers.
        - weight: $(V, D)$.
        - output: $(*, D)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> W = dn.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
        >>> dn.functional.embedding(dn.tensor([[2, 0]]), W).data.tolist()
        [[[4.0, 5.0], [0.0, 1.0]]]
    """
    owner = "embedding"
    W = weight if isinstance(weight, Tensor) else Tensor._make(weight)
    if W.ndim != 2:
        raise ValueError(
            f"{owner}: weight must be a table of shape (num_embeddings, embedding_dim), got shape {W.shape}"
        )
    rows = W.shape[0]
    indices = _indices(input, owner)
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices[(indices < 0) | (indices >= rows)].flat[0]
        raise ValueError(f"{owner}: indices must be in [0, {rows}) for a table of {rows} rows, got {int(bad)}")
    padding_idx = _padding_idx(padding_idx, rows, owner)
    if check.flag(sparse, "sparse", owner):
        raise ValueError(
            f"{owner}: sparse gradients are not supported (deltanet has dense arrays only); use sparse=False"
        )
    if max_norm is not None:
        renorm_(
            W,
            indices,
            check.number(max_norm, "max_norm", owner, low=0),
            check.number(norm_type, "norm_type", owner, finite=False),
        )
    return Embedding.apply(
        W,
        indices=indices,
        padding_idx=padding_idx,
        scale_grad_by_freq=check.flag(scale_grad_by_freq, "scale_grad_by_freq", owner),
    )


def _padding_idx(padding_idx: Any, rows: int, owner: str) -> int | None:
    if padding_idx is None:
        return None
    index = check.integer(padding_idx, "padding_idx", owner, low=-rows, high=rows - 1)
    return index % rows


def renorm_(W: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    r"""Rescale, in place, the rows of $W$ read by ``indices`` whose $p$-norm exceeds ``max_norm``.

    Each such row becomes $W_k \cdot \text{max\_norm} / (\lVert W_k \rVert_p + 10^{-7})$, as in PyTorch.
    """
    rows = np.unique(indices)
    with no_grad():
        norms = np.linalg.norm(W.array[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        W.array[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(W.dtype)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    r"""One-hot encoding of class indices, as ``torch.nn.functional.one_hot``: int64, no gradient.

    $$
    \text{out}_{\dots, k} = [\, y_{\dots} = k \,], \qquad k = 0, \dots, C - 1
    $$

    Args:
        tensor: integer class indices of any shape, each in $[0, C)$.
        num_classes: $C$; -1 (default) takes one more than the largest index.

    Raises:
        ValueError: non-integer data, a negative index or one $\ge C$, or an empty input with
            ``num_classes=-1`` (there is no largest index to infer $C$ from).

    Shape:
        - input: $(*)$.
        - output: $(*, C)$, int64.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.one_hot(dn.tensor([0, 2, 1])).array.tolist()
        [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    """
    owner = "one_hot"
    labels = _indices(tensor, owner)
    classes = check.integer(num_classes, "num_classes", owner, low=-1)
    if classes == -1:
        if labels.size == 0:
            raise ValueError(f"{owner}: cannot infer num_classes from an empty tensor; give num_classes")
        classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise ValueError(f"{owner}: class values must be non-negative, got {int(labels.min())}")
    if labels.size and labels.max() >= classes:
        raise ValueError(f"{owner}: class values must be smaller than num_classes={classes}, got {int(labels.max())}")
    return Tensor._make((labels[..., None] == np.arange(classes)).astype(np.int64))


__all__ = ["embedding", "one_hot"]
