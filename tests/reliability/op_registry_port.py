"""The registry entries of PyTorch names ported later (``as_strided``, ``pdist``, ``embedding_bag``,
``ctc_loss``), imported by ``op_registry.py``, whose conventions they follow.

``as_strided`` reads its input's storage, so its call makes the input contiguous first: the
registry's non-contiguous layouts then give the same values, as its tests require.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
from tests.reliability.op_registry import E, OpInfo, S, normal, register

import deltanet as dn

strided_mod = importlib.import_module("deltanet.autograd.strided")
pdist_mod = importlib.import_module("deltanet.functional.pdist")


def ref_as_strided(x, size, stride, storage_offset=None):
    flat = np.ascontiguousarray(x).reshape(-1)
    start = 0 if storage_offset is None else storage_offset
    return np.lib.stride_tricks.as_strided(flat[start:], size, tuple(s * flat.itemsize for s in stride)).copy()


def ref_pdist(x, p=2.0):
    rows = []
    for i in range(x.shape[0]):
        for j in range(i + 1, x.shape[0]):
            u = np.abs(x[i] - x[j])
            if p == 0:
                rows.append(float(np.count_nonzero(u)))
            elif math.isinf(p):
                rows.append(u.max(initial=0.0))
            else:
                rows.append((u**p).sum() ** (1 / p))
    return np.array(rows, dtype=x.dtype)


register(
    OpInfo(
        strided_mod.AsStrided,
        lambda x, size, stride, storage_offset=None: dn.as_strided(x.contiguous(), size, stride, storage_offset),
        ref_as_strided,
        lambda rng: [
            S("overlapping windows", normal(rng, 6), (3, 3), (1, 1)),
            S("transposed", normal(rng, 2, 3), (3, 2), (1, 3)),
            S("repeated rows, offset", normal(rng, 4, 2), (3, 2), (0, 1), 2),
            S("0-d", normal(rng, 5), (), (), 4),
            S("empty", normal(rng, 3), (0, 2), (1, 1)),
        ],
        [
            E("negative stride", RuntimeError, r"as_strided: Negative strides", np.ones(3), (2,), (-1,)),
            E(
                "too far",
                RuntimeError,
                r"requiring a storage size of 56 are out of bounds for storage of size 24",
                np.ones(3),
                (4,),
                (2,),
            ),
            E("lengths", RuntimeError, r"mismatch in length of strides and shape", np.ones(3), (2, 1), (1,)),
            E("size not a tuple", TypeError, r"as_strided: size must be a tuple of ints, got 2", np.ones(3), 2, (1,)),
        ],
    )
)
register(
    OpInfo(
        pdist_mod.PairwiseDistances,
        lambda x, p=2.0: dn.pdist(x, p),
        ref_pdist,
        lambda rng: [
            S("euclidean", normal(rng, 5, 3)),
            S("p 1", normal(rng, 4, 2), p=1.0),
            S("p 3", normal(rng, 4, 3), p=3.0),
            S("p 1.5", normal(rng, 3, 4), p=1.5),
            S("p inf", normal(rng, 4, 3), p=math.inf),
            S("p 0", normal(rng, 3, 2), p=0.0),
            S("one row", normal(rng, 1, 3)),
            S("no columns", normal(rng, 3, 0)),
        ],
        [
            E("3-D", RuntimeError, r"pdist only supports 2D tensors, got: 3D", np.ones((2, 2, 2))),
            E("negative p", RuntimeError, r"pdist only supports non-negative p values", np.ones((3, 2)), -1.0),
            E("integers", RuntimeError, r"pdist only supports floating-point dtypes", np.ones((3, 2), dtype=np.int64)),
        ],
    )
)


emb_bag_mod = importlib.import_module("deltanet.functional.embedding_bag")


def ref_embedding_bag(W, idx, offsets=None, weights=None, mode="mean", padding_idx=None):
    """A loop over the bags (PyTorch's choices: padding left out, empty bags zero, the first maximum)."""
    if idx.ndim == 2:
        bags = [list(row) for row in idx]
        wbags = [list(row) for row in weights] if weights is not None else None
    else:
        ends = list(offsets[1:]) + [idx.size]
        bags = [list(idx[s:e]) for s, e in zip(offsets, ends, strict=True)]
        wbags = [list(weights[s:e]) for s, e in zip(offsets, ends, strict=True)] if weights is not None else None
    out = np.zeros((len(bags), W.shape[1]), dtype=W.dtype)
    for b, bag in enumerate(bags):
        keep = [k for k, i in enumerate(bag) if i != padding_idx]
        if not keep:
            continue
        rows = np.stack([W[bag[k]] * (wbags[b][k] if wbags is not None else 1.0) for k in keep])
        out[b] = {"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[mode]
    return out


register(
    OpInfo(
        emb_bag_mod.EmbeddingBag,
        lambda W, idx, offsets=None, weights=None, **kw: dn.nn.functional.embedding_bag(
            idx, W, offsets, per_sample_weights=weights, **kw
        ),
        ref_embedding_bag,
        lambda rng: [
            S("mean, offsets", normal(rng, 6, 3), np.array([0, 2, 5, 5, 1]), np.array([0, 2, 2])),
            S("sum, 2-D bags", normal(rng, 5, 2), np.array([[0, 4, 4], [3, 1, 0]]), mode="sum"),
            S("max, padding", normal(rng, 6, 3), np.array([[0, 2, 5], [2, 2, 1]]), mode="max", padding_idx=2),
            S(
                "sum, weights, padding",
                normal(rng, 5, 3),
                np.array([1, 0, 3, 4]),
                np.array([0, 1]),
                normal(rng, 4),
                mode="sum",
                padding_idx=0,
            ),
        ],
        [
            E("float indices", RuntimeError, r"embedding_bag: indices must be integers", np.ones((4, 2)), np.ones(3)),
            E("no offsets", ValueError, r"offsets has to be a 1D Tensor but got None", np.ones((4, 2)), np.array([1])),
            E(
                "offsets[0]",
                RuntimeError,
                r"offsets\[0\] has to be 0",
                np.ones((4, 2)),
                np.array([1, 2]),
                np.array([1]),
            ),
            E("mode", ValueError, r"embedding_bag: mode must be one of", np.ones((4, 2)), np.array([[1]]), mode="min"),
        ],
    )
)


ctc_mod = importlib.import_module("deltanet.functional.ctc_loss")


def ref_ctc_of_logits(z, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """CTC of ``log_softmax(z)``: one sample at a time, the alpha recursion state by state in log space."""
    batched = z.ndim == 3
    x = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
    x = x if batched else x[:, None]
    starts = np.cumsum(target_lengths) - target_lengths
    losses = []
    for n in range(x.shape[1]):
        s_n = int(target_lengths[n])
        label = targets[n, :s_n] if targets.ndim == 2 else targets[starts[n] : starts[n] + s_n]
        extended = [blank]
        for k in label:
            extended += [int(k), blank]
        alpha = np.full(len(extended), -np.inf)
        for t in range(int(input_lengths[n])):
            previous, alpha = alpha, np.full(len(extended), -np.inf)
            for s, k in enumerate(extended):
                if t == 0:
                    terms = [0.0] if s < 2 else []
                else:
                    terms = [previous[s]]
                    if s >= 1:
                        terms.append(previous[s - 1])
                    if s >= 2 and extended[s - 2] != k:
                        terms.append(previous[s - 2])
                alpha[s] = np.logaddexp.reduce(terms + [-np.inf]) + x[t, n, k]
        log_p = np.logaddexp.reduce(alpha[-2:]) if input_lengths[n] > 0 else (0.0 if s_n == 0 else -np.inf)
        losses.append(-log_p)
    loss = np.array(losses, dtype=z.dtype)
    if zero_infinity:
        loss[loss == np.inf] = 0
    if reduction == "mean":
        return np.mean(loss / np.maximum(target_lengths, 1))
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss[0]


register(
    OpInfo(
        ctc_mod.CTCNegativeLogLikelihood,
        # through log_softmax: PyTorch's gradient is the true one for the logits z (the class's docstring)
        lambda z, *args, **kw: dn.nn.functional.ctc_loss(dn.nn.functional.log_softmax(z, -1), *args, **kw),
        ref_ctc_of_logits,
        lambda rng: [
            S("padded, mean", normal(rng, 6, 3, 4), np.array([[1, 1, 2], [3, 2, 0], [2, 0, 0]]), (6, 5, 3), (3, 2, 1)),
            S(
                "concatenated, sum, blank 2",
                normal(rng, 5, 2, 3),
                np.array([1, 0, 1, 1]),
                np.array([5, 4]),
                np.array([3, 1]),
                blank=2,
                reduction="sum",
            ),
            S("empty target, none", normal(rng, 4, 2, 3), np.array([[1, 2], [0, 0]]), (4, 2), (2, 0), reduction="none"),
            S(
                "impossible, zero_infinity",
                normal(rng, 4, 2, 3),
                np.array([[1, 1], [2, 1]]),
                (3, 4),
                (2, 2),
                reduction="none",
                zero_infinity=True,
            ),
            S("unbatched", normal(rng, 5, 3), np.array([2, 1]), (5,), (2,)),
        ],
        [
            E(
                "blank",
                RuntimeError,
                r"ctc_loss: blank must be in label range \[0, 3\), got 3",
                np.ones((2, 1, 3)),
                np.array([[1]]),
                (2,),
                (1,),
                blank=3,
            ),
            E(
                "label is the blank",
                ValueError,
                r"ctc_loss: targets must be class indices in \[0, 3\) other than the blank \(0\), got 0",
                np.ones((2, 1, 3)),
                np.array([[0]]),
                (2,),
                (1,),
            ),
            E(
                "lengths",
                RuntimeError,
                r"ctc_loss: target_lengths must be of size batch_size \(1\), got 2 lengths",
                np.ones((2, 1, 3)),
                np.array([[1]]),
                (2,),
                (1, 1),
            ),
        ],
    )
)


view_scatter_mod = importlib.import_module("deltanet.autograd.view_scatter")
angles_mod = importlib.import_module("deltanet.autograd.angles")


def ref_diagonal_scatter(x, src, offset=0):
    z = x.copy()
    i = np.arange(src.shape[-1]) + max(0, -offset)
    z[..., i, i + offset] = src
    return z


register(
    OpInfo(
        view_scatter_mod.ViewScatter,
        lambda x, src, **kw: dn.diagonal_scatter(x, src, **kw),
        ref_diagonal_scatter,
        lambda rng: [
            S("main", normal(rng, 3, 4), normal(rng, 3)),
            S("below", normal(rng, 3, 4), normal(rng, 2), offset=-1),
            S("empty", normal(rng, 2, 2), normal(rng, 0), offset=3),
        ],
        [E("src of another shape", RuntimeError, r"src size = \[2\], slice size = \[3\]", np.ones((3, 4)), np.ones(2))],
    )
)
register(
    OpInfo(
        angles_mod.Angle,
        dn.angle,
        lambda x: np.where(np.isnan(x), x, np.where(x < 0, np.pi, 0.0)).astype(x.dtype),
        lambda rng: [
            S("2-D", normal(rng, 2, 3) + 0.5),
            S("signed zeros, NaN, infinities", np.array([0.0, -0.0, np.nan, -np.inf, np.inf])),
            S("empty", normal(rng, 0)),
        ],
        [E("string data", ValueError, r"numeric data.*got dtype <U", np.array(["a"]))],
    )
)
