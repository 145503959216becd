r"""``embedding_bag``: the sum, mean or maximum of each bag of looked-up rows, as PyTorch's
``torch.nn.functional.embedding_bag``, without building the rows of every index.

A bag $b$ is a run of indices $i_j$ (a row of a 2-D input, or the indices between two
``offsets`` of a 1-D input); with per-sample weights $w_j$ (``mode="sum"`` only):

$$
a_b^{\text{sum}} = \sum_{j \in b} w_j W_{i_j}, \qquad
a_b^{\text{mean}} = \frac{1}{|b|} \sum_{j \in b} W_{i_j}, \qquad
a_{b, d}^{\max} = \max_{j \in b} W_{i_j, d}
$$

Indices equal to ``padding_idx`` are left out of their bag (and of $|b|$); an empty bag gives
zeros. The gradient adds $\delta_b$ (times $w_j$, or divided by $|b|$) into the rows read; for
the maximum, only the first row that reaches it receives it, as in PyTorch; $\partial L / \partial
w_j = \delta_b \cdot W_{i_j}$.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.functional.embedding import _padding_idx, renorm_


class EmbeddingBag(Function):
    r"""$a_b = \sum_{j \in b} w_j W_{i_j}$ (or the mean, or the maximum per feature); see the module."""

    def forward(self, W: np.ndarray, *weights: np.ndarray, **options: Any) -> np.ndarray:
        idx, bag, bags, mode = options["idx"], options["bag"], options["bags"], options["mode"]
        keep = options["keep"]
        self.idx, self.bag, self.mode, self.keep, self.rows = idx, bag, mode, keep, W.shape[0]
        out = np.zeros((bags, W.shape[1]), dtype=W.dtype)
        rows = W[idx[keep]]
        if mode == "max":
            kept = np.flatnonzero(keep)
            out[:] = -np.inf
            np.maximum.at(out, bag[kept], rows)
            # the first position of each bag that reaches its maximum, per feature (PyTorch's choice)
            positions = np.where(rows == out[bag[kept]], kept[:, None], idx.size)
            first = np.full(out.shape, idx.size, dtype=np.int64)
            np.minimum.at(first, bag[kept], positions)
            self.first = first
            out[first == idx.size] = 0  # empty bags
            return out
        self.save_for_backward(*((W, weights[0]) if weights else ()))  # W only for the weights' gradient
        if weights:
            rows = rows * weights[0][keep][:, None]
        np.add.at(out, bag[keep], rows)
        if mode == "mean":
            self.count = np.bincount(bag[keep], minlength=bags).astype(W.dtype)
            out /= np.maximum(self.count, 1)[:, None]
        return out

    def backward(self, delta: np.ndarray) -> tuple[np.ndarray | None, ...]:
        idx, bag, keep = self.idx, self.bag, self.keep
        grad = np.zeros((self.rows, delta.shape[1]), dtype=delta.dtype)
        if self.mode == "max":
            b, d = np.nonzero(self.first < idx.size)
            np.add.at(grad, (idx[self.first[b, d]], d), delta[b, d])
            return (grad,)
        per_index = delta[bag[keep]]
        if self.mode == "mean":
            per_index = per_index / self.count[bag[keep]][:, None]
        weights = self.saved_tensors[1] if len(self.saved_tensors) == 2 else None
        if weights is not None:
            per_index = per_index * weights[keep][:, None]
        np.add.at(grad, idx[keep], per_index)
        if weights is None:
            return (grad,)
        W = self.saved_tensors[0]
        grad_w = np.zeros(idx.size, dtype=delta.dtype)
        if self.needs_input_grad[1]:
            grad_w[keep] = np.einsum("jd,jd->j", W[idx[keep]], delta[bag[keep]])
        return grad, grad_w


def _bags(input: Tensor, offsets: Any, include_last_offset: bool, owner: str) -> tuple[np.ndarray, np.ndarray, int]:
    """The indices (flat), the bag of each, and the number of bags."""
    idx = input.array
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{owner}: if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                f"fixed length sequences. However, found offsets of type {type(offsets).__name__}"
            )
        bags, length = idx.shape
        return idx.reshape(-1).astype(np.int64), np.repeat(np.arange(bags), length), bags
    if idx.ndim != 1:
        raise ValueError(f"{owner}: input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError(f"{owner}: offsets has to be a 1D Tensor but got None")
    starts = np.asarray(offsets.array if isinstance(offsets, Tensor) else offsets)
    if starts.ndim != 1:
        raise ValueError(f"{owner}: offsets has to be a 1D Tensor, got shape {starts.shape}")
    if starts.dtype.kind not in "iu":
        raise RuntimeError(f"{owner}: offsets must be integers (int64 or int32), got dtype {starts.dtype}")
    n = idx.size
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            f"{owner}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
            f"position 0. However, got {int(starts[0])}"
        )
    if starts.size and starts[-1] > n:
        raise RuntimeError(
            f"{owner}: offsets[-1] can not be greater than input's length {n} but got offsets[-1] of {int(starts[-1])}"
        )
    if np.any(np.diff(starts) < 0):
        raise RuntimeError(f"{owner}: offsets must be non-decreasing, got {starts.tolist()}")
    if include_last_offset:
        if starts.size == 0 or starts[-1] != n:
            raise ValueError(
                f"{owner}: with include_last_offset=True the last offset must be the input's length {n}, got "
                f"{starts.tolist()} (PyTorch then divides a mean by the wrong count; deltanet refuses it)"
            )
        starts = starts[:-1]
    bag = np.searchsorted(starts, np.arange(n), side="right") - 1
    return idx.astype(np.int64), bag, starts.size


def embedding_bag(
    input: Any,
    weight: Tensor,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Any = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    r"""The sum, mean or maximum of each bag of rows of ``weight``, as
    ``torch.nn.functional.embedding_bag``.

    $$
    a_b^{\text{sum}} = \sum_{j \in b} w_j W_{i_j}, \qquad
    a_b^{\text{mean}} = \frac{1}{|b|} \sum_{j \in b} W_{i_j}, \qquad
    a_{b, d}^{\max} = \max_{j \in b} W_{i_j, d}
    $$

    Args:
        input: integer indices: $(B, N)$, $B$ bags of $N$ each, or $(n,)$ cut into bags by ``offsets``.
        weight: the table $W$ of shape $(V, D)$.
        offsets: for a 1-D input, where each bag starts (starting with 0, non-decreasing).
        max_norm: if given, each row read whose ``norm_type``-norm exceeds it is rescaled in place.
        norm_type: the $p$ of the $p$-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: must be False (PyTorch's CPU scaling does not divide by the frequencies;
            refused with ``NotImplementedError``).
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
        sparse: sparse gradients are not supported; must be False.
        per_sample_weights: weights $w_j$ of ``input``'s shape, ``mode="sum"`` only.
        include_last_offset: ``offsets`` ends with the input's length ($B + 1$ entries).
        padding_idx: an index left out of every bag (its row gets no gradient).

    Returns:
        A tensor $(B, D)$ of ``weight``'s dtype.

    Raises:
        ValueError: bad shapes, ``offsets`` with a 2-D input or missing with a 1-D one, a bad
            ``mode``, ``per_sample_weights`` outside ``"sum"`` (``NotImplementedError``, as PyTorch).
        RuntimeError: indices outside $[0, V)$, offsets that do not start at 0 or pass the end.

    Shape:
        input $(B, N)$ or $(n,)$ with offsets $(B,)$; output $(B, D)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> W = dn.tensor(np.arange(8.0).reshape(4, 2))
        >>> dn.nn.functional.embedding_bag(dn.tensor([0, 1, 3]), W, dn.tensor([0, 2]), mode="sum").tolist()
        [[2.0, 4.0], [6.0, 7.0]]
    """
    owner = "embedding_bag"
    W = as_tensor(weight, owner=owner)
    if W.ndim != 2:
        raise ValueError(f"{owner}: weight has to be a 2D Tensor, but got Tensor of dimension {W.ndim}")
    if W.dtype.kind != "f":
        raise RuntimeError(f"{owner}: weight must be floating-point (float32 or float64), got dtype {W.dtype}")
    x = as_tensor(input, owner=owner)
    if x.dtype.kind not in "iu":
        raise RuntimeError(f"{owner}: indices must be integers (int64 or int32), got dtype {x.dtype}")
    mode = check.one_of(mode, "mode", ("sum", "mean", "max"), owner)
    if check.flag(sparse, "sparse", owner):
        raise ValueError(
            f"{owner}: sparse gradients are not supported (deltanet has dense arrays only); use sparse=False"
        )
    if check.flag(scale_grad_by_freq, "scale_grad_by_freq", owner):
        if mode == "max":
            raise ValueError(f"{owner}: max mode does not support scaling the gradient by the frequency")
        raise NotImplementedError(
            f"{owner}: scale_grad_by_freq=True is not supported: PyTorch 2.13's CPU embedding_bag divides the "
            f"gradient by counts that are not each index's frequency (embedding_bag([2, 1, 1, 3, 3, 3]) gives "
            f"index 2 half its gradient and index 3 three times it), so deltanet refuses rather than differ"
        )
    idx, bag, bags = _bags(x, offsets, check.flag(include_last_offset, "include_last_offset", owner), owner)
    rows = W.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        j = int(np.flatnonzero((idx < 0) | (idx >= rows))[0])
        raise RuntimeError(
            f"{owner}: Index {j} of input takes value {int(idx[j])} which is not in the valid range [0, {rows})"
        )
    if padding_idx is not None:
        check.integer(padding_idx, "padding_idx", owner)
        if not -rows <= padding_idx < rows:
            raise RuntimeError(
                f"{owner}: padding_idx must be within the number of embeddings, {-rows} through {rows - 1}, "
                f"but got {padding_idx}"
            )
    pad = _padding_idx(padding_idx, rows, owner)
    keep = idx != pad if pad is not None else np.ones(idx.size, dtype=bool)
    if max_norm is not None:
        renorm_(
            W,
            idx,
            check.number(max_norm, "max_norm", owner, low=0),
            check.number(norm_type, "norm_type", owner, finite=False),
        )
    options = dict(idx=idx, bag=bag, bags=bags, mode=mode, keep=keep)
    if per_sample_weights is None:
        return EmbeddingBag.apply(W, **options)
    if mode != "sum":
        raise NotImplementedError(
            f"{owner}: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}')"
        )
    w = as_tensor(per_sample_weights, owner=owner)
    if w.shape != x.shape:
        raise ValueError(
            f"{owner}: If per_sample_weights ({w.shape}) is not None, then it must have the same shape as the "
            f"input ({x.shape})"
        )
    if w.dtype != W.dtype:
        raise RuntimeError(f"{owner}: per_sample_weights must have weight's dtype {W.dtype}, got {w.dtype}")
    return EmbeddingBag.apply(W, w.reshape(-1), **options)


__all__ = ["embedding_bag"]
