r"""Losses on embeddings and scores that compare pairs or triplets: the margin losses of metric
learning and retrieval (Siamese and triplet networks), with PyTorch's names, arguments and defaults.

A Siamese network maps two images to vectors; these losses pull matching pairs together and push
the others apart by a margin $m$:

| loss | one term |
|---|---|
| ``margin_ranking_loss`` | $\max(0, -y (x_1 - x_2) + m)$ |
| ``hinge_embedding_loss`` | $x$ if $y = 1$, $\max(0, m - x)$ if $y = -1$ |
| ``soft_margin_loss`` | $\log(1 + e^{-y x})$ |
| ``multilabel_soft_margin_loss`` | $-\frac1C \sum_c y_c \log \sigma(x_c) + (1 - y_c) \log \sigma(-x_c)$ |
| ``cosine_embedding_loss`` | $1 - \cos(x_1, x_2)$ if $y = 1$, $\max(0, \cos(x_1, x_2) - m)$ if $y = -1$ |
| ``triplet_margin_loss`` | $\max(0, d(a, p) - d(a, n) + m)$ |

They are written with deltanet's differentiable primitives (``clamp``, ``where``, ``norm``,
``softplus``), so each gradient is that of verified pieces, PyTorch's rule at the kinks included
(``clamp`` passes the gradient at the bound). ``reduction`` is "mean" (default), "sum" or "none";
``size_average`` and ``reduce`` (deprecated in PyTorch) must be None.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, clamp, minimum, where
from deltanet.functional.activations import softplus
from deltanet.functional.distance import pairwise_distance
from deltanet.functional.losses import _as_tensor, _check_finite, _check_reduction
from deltanet.functional.smooth_activations import logsigmoid

#: PyTorch's floor on the squared norms of ``cosine_embedding_loss`` (its ``EPSILON``).
COSINE_EPS = 1e-12


def legacy(size_average: Any, reduce: Any, owner: str) -> None:
    """Refuse PyTorch's deprecated ``size_average`` and ``reduce`` (use ``reduction``)."""
    if size_average is not None or reduce is not None:
        raise ValueError(
            f"{owner}: size_average and reduce are deprecated in PyTorch and not supported; "
            f"use reduction='mean', 'sum' or 'none'"
        )


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """The terms as they are ("none"), their sum or their mean."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def float_input(x: Any, name: str, owner: str) -> Tensor:
    """A floating-point tensor (an integer one would compute the loss in integers)."""
    x = _as_tensor(x, owner, name)
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: {name} must be floating-point (float32 or float64), got dtype {x.dtype}")
    return x


def target_like(target: Any, like: Tensor, owner: str, what: str = "target") -> Tensor:
    """The target (or ``what``) in the input's dtype (integer labels -1/1 give float32 terms for
    float32 inputs, as in PyTorch), finite; a floating-point one that requires a gradient is kept."""
    y = _as_tensor(target, owner, what)
    if y.dtype.kind not in "fiub":
        raise ValueError(f"{owner}: {what} must be numeric, got dtype {y.dtype}")
    if what == "target":
        _check_finite(y.array, owner)  # the message of every loss
    elif y.dtype.kind == "f" and not np.isfinite(y.array).all():
        bad = int(y.array.size - np.isfinite(y.array).sum())
        raise ValueError(f"{owner}: {what} contains NaN or Inf ({bad} of {y.array.size} values); it must be finite")
    if y.dtype.kind == "f" and y.requires_grad:
        return y
    return y if y.dtype == like.dtype else Tensor._make(y.array.astype(like.dtype))


def _same_ndim(owner: str, **tensors: Tensor) -> None:
    if len({t.ndim for t in tensors.values()}) > 1:
        shapes = ", ".join(f"{name} {tuple(t.shape)}" for name, t in tensors.items())
        raise ValueError(f"{owner}: the inputs must have the same number of axes, got {shapes}")


def margin_ranking_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Ranking hinge: $x_1$ should score above $x_2$ by ``margin`` where $y = 1$, below where $y = -1$.

    $$
    \ell = \max\big(0, -y (x_1 - x_2) + \text{margin}\big)
    $$

    Args:
        input1: scores $x_1$.
        input2: scores $x_2$, the same number of axes (broadcast).
        target: $y$, 1 or -1 per pair.
        margin: the margin (default 0).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - input1, input2, target: $(N,)$ or $()$, the same number of axes.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.margin_ranking_loss(dn.tensor([1.0, 0.0]), dn.tensor([0.0, 1.0]), dn.tensor([1.0, 1.0])).item()
        0.5
    """
    owner = "margin_ranking_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    margin = check.number(margin, "margin", owner)
    x1, x2 = float_input(input1, "input1", owner), float_input(input2, "input2", owner)
    y = target_like(target, x1, owner)
    _same_ndim(owner, input1=x1, input2=x2, target=y)
    return reduce_loss(clamp(-y * (x1 - x2) + margin, min=0.0), reduction)


def hinge_embedding_loss(
    input: Any,
    target: Any,
    margin: float = 1.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Hinge embedding loss: a distance $x$ small for similar pairs ($y = 1$), above ``margin`` otherwise.

    $$
    \ell = \begin{cases} x & y = 1 \\ \max(0, \text{margin} - x) & y = -1 \end{cases}
    $$

    As in PyTorch, a label that is neither 1 nor -1 adds both terms.

    Args:
        input: $x$, typically a distance (any shape).
        target: $y$, 1 or -1, the input's shape (broadcast).
        margin: the margin (default 1).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.hinge_embedding_loss(dn.tensor([0.25, 0.5]), dn.tensor([1, -1])).item()
        0.375
    """
    owner = "hinge_embedding_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    margin = check.number(margin, "margin", owner)
    x = float_input(input, "input", owner)
    y = target_like(target, x, owner)
    if x.shape != y.shape:
        raise ValueError(f"{owner}: input shape {x.shape} and target shape {y.shape} must match")
    zero = Tensor._make(x.array.dtype.type(0))
    loss = where((y != 1).array, clamp(margin - x, min=0.0), zero) + where((y != -1).array, x, zero)
    return reduce_loss(loss, reduction)


def soft_margin_loss(
    input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Two-class logistic loss with labels $\pm 1$, computed without overflow.

    $$
    \ell = \log\left(1 + e^{-y x}\right)
    $$

    Args:
        input: scores $x$.
        target: $y$, 1 or -1, the input's shape.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.soft_margin_loss(dn.tensor([0.0]), dn.tensor([1.0])).item(), 4)
        0.6931
    """
    owner = "soft_margin_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    x = float_input(input, "input", owner)
    y = target_like(target, x, owner)
    if x.shape != y.shape:
        raise ValueError(f"{owner}: input shape {x.shape} and target shape {y.shape} must match")
    return reduce_loss(softplus(-y * x, 1.0, math.inf), reduction)


def multilabel_soft_margin_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Multi-label one-versus-all logistic loss: a binary cross-entropy per class, averaged over the $C$ classes.

    $$
    \ell_n = -\frac{1}{C} \sum_{c} w_c \Big(y_{nc} \log \sigma(x_{nc}) + (1 - y_{nc}) \log \sigma(-x_{nc})\Big)
    $$

    Args:
        input: scores $(N, C)$.
        target: labels in $\{0, 1\}$ (or probabilities), the input's shape.
        weight: $w$, one per class $(C,)$, or None.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (over the samples), "sum" or "none".

    Shape:
        - input: $(N, C)$ or $(C,)$.
        - target: the input's shape.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.multilabel_soft_margin_loss(dn.tensor([[0.0, 0.0]]), dn.tensor([[1.0, 0.0]])).item(), 4)
        0.6931
    """
    owner = "multilabel_soft_margin_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    x = float_input(input, "input", owner)
    y = target_like(target, x, owner)
    if x.ndim == 0 or x.shape != y.shape:
        raise ValueError(f"{owner}: input (N, C) and target must have the same shape, got {x.shape} and {y.shape}")
    loss = -(y * logsigmoid(x) + (1 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * target_like(weight, x, owner, "weight")
    loss = loss.sum(-1) / x.shape[-1]
    return reduce_loss(loss, reduction)


def cosine_embedding_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0.0,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Cosine embedding loss: similar pairs ($y = 1$) should point the same way, dissimilar ones ($y = -1$) apart.

    $$
    \ell = \begin{cases} 1 - \cos(x_1, x_2) & y = 1 \\ \max(0, \cos(x_1, x_2) - \text{margin}) & y = -1 \end{cases}
    $$

    $$
    \cos(x_1, x_2) = \frac{x_1 \cdot x_2}{\sqrt{(\lVert x_1 \rVert^2 + \epsilon)(\lVert x_2 \rVert^2 + \epsilon)}}
    $$

    with PyTorch's $\epsilon = 10^{-12}$. A label that is neither 1 nor -1 contributes 0.

    Args:
        input1: $x_1$, one vector per row.
        input2: $x_2$, the same shape.
        target: $y$, 1 or -1 per row.
        margin: the margin, in $[-1, 1]$ (0 to 0.5 suggested; default 0).
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - input1, input2: $(N, D)$ or $(D,)$.
        - target: $(N,)$ or $()$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> x1, x2 = dn.tensor([[1.0, 0.0]]), dn.tensor([[0.0, 1.0]])
        >>> F.cosine_embedding_loss(x1, x2, dn.tensor([1])).item()
        1.0
    """
    owner = "cosine_embedding_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    margin = check.number(margin, "margin", owner)
    x1, x2 = float_input(input1, "input1", owner), float_input(input2, "input2", owner)
    y = target_like(target, x1, owner)
    if y.ndim > 1 or x1.ndim != y.ndim + 1 or x2.ndim != x1.ndim:
        raise ValueError(
            f"{owner}: expected input1 and input2 of shape (N, D) with a target (N,), or (D,) with a "
            f"0-D target, got {x1.shape}, {x2.shape} and {y.shape}"
        )
    axis = y.ndim
    dot = (x1 * x2).sum(axis)
    cos = dot / ((x1 * x1).sum(axis) + COSINE_EPS).mul((x2 * x2).sum(axis) + COSINE_EPS).sqrt()
    zero = Tensor._make(cos.array.dtype.type(0))
    loss = where((y == 1).array, 1 - cos, zero) + where((y == -1).array, clamp(cos - margin, min=0.0), zero)
    return reduce_loss(loss, reduction)


def _triplet_inputs(anchor: Any, positive: Any, negative: Any, owner: str) -> tuple[Tensor, Tensor, Tensor]:
    a = float_input(anchor, "anchor", owner)
    p = float_input(positive, "positive", owner)
    n = float_input(negative, "negative", owner)
    _same_ndim(owner, anchor=a, positive=p, negative=n)
    return a, p, n


def _triplet(
    a: Tensor, p: Tensor, n: Tensor, distance: Callable[[Tensor, Tensor], Tensor], margin: float, swap: bool
) -> Tensor:
    d_pos, d_neg = distance(a, p), distance(a, n)
    if swap:  # the distance swap of Balntas et al. 2016: the harder of the two negatives' distances
        d_neg = minimum(d_neg, distance(p, n))
    return clamp(margin + d_pos - d_neg, min=0.0)


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Triplet loss (FaceNet, Schroff et al. 2015): the anchor nearer the positive than the negative by ``margin``.

    $$
    \ell = \max\big(0, \ d(a, p) - d(a, n) + \text{margin}\big), \qquad d(x, y) = \lVert x - y + \epsilon \rVert_p
    $$

    With ``swap`` (Balntas et al. 2016), $d(a, n)$ is replaced by $\min(d(a, n), d(p, n))$.

    Args:
        anchor: $a$, one embedding per row.
        positive: $p$, the same class as the anchor.
        negative: $n$, another class.
        margin: the margin, positive (default 1).
        p: the norm's order of the distance (default 2).
        eps: added to the differences, as ``pairwise_distance`` (default $10^{-6}$).
        swap: use the distance swap.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - anchor, positive, negative: $(N, D)$ or $(D,)$, the same number of axes.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> a, p, n = dn.tensor([[0.0, 0.0]]), dn.tensor([[0.0, 1.0]]), dn.tensor([[3.0, 0.0]])
        >>> round(F.triplet_margin_loss(a, p, n, margin=3.0, eps=0.0).item(), 4)
        1.0
    """
    owner = "triplet_margin_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    margin = check.number(margin, "margin", owner)
    if margin <= 0:
        raise ValueError(f"{owner}: margin must be greater than 0, got {margin}")
    p = check.number(p, "p", owner, finite=False, low=0)
    eps = check.number(eps, "eps", owner)
    swap = check.flag(swap, "swap", owner)
    a, pos, neg = _triplet_inputs(anchor, positive, negative, owner)

    def distance(x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, p, eps)

    return reduce_loss(_triplet(a, pos, neg, distance, margin, swap), reduction)


def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    r"""Triplet loss with any distance $d$, for example $1 - \cos$ (``pairwise_distance`` when None).

    $$
    \ell = \max\big(0, \ d(a, p) - d(a, n) + \text{margin}\big)
    $$

    Args:
        anchor: $a$, one embedding per row.
        positive: $p$, the same class as the anchor.
        negative: $n$, another class.
        distance_function: a function of two batches that returns one non-negative distance per
            row (differentiable for training); None is the Euclidean ``pairwise_distance``.
        margin: the margin, positive (default 1).
        swap: replace $d(a, n)$ by $\min(d(a, n), d(p, n))$.
        reduction: "mean", "sum" or "none".

    Shape:
        - anchor, positive, negative: $(N, D)$ or $(D,)$, the same number of axes.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> a, p, n = dn.tensor([[1.0, 0.0]]), dn.tensor([[1.0, 0.1]]), dn.tensor([[0.0, 1.0]])
        >>> cosine = lambda x, y: 1 - F.cosine_similarity(x, y)
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine).item() > 0
        True
    """
    owner = "triplet_margin_with_distance_loss"
    reduction = _check_reduction(reduction, owner)
    margin = check.number(margin, "margin", owner)
    if margin <= 0:
        raise ValueError(f"{owner}: margin must be greater than 0, got {margin}")
    swap = check.flag(swap, "swap", owner)
    if distance_function is not None and not callable(distance_function):
        raise ValueError(f"{owner}: distance_function must be callable or None, got {distance_function!r}")
    a, pos, neg = _triplet_inputs(anchor, positive, negative, owner)
    distance = distance_function if distance_function is not None else pairwise_distance
    return reduce_loss(_triplet(a, pos, neg, distance, margin, swap), reduction)


def multilabel_margin_loss(
    input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Multi-label hinge loss: every class of the sample's label set against every class outside it.

    $$
    \ell_n = \frac{1}{C} \sum_{j \in Y_n} \sum_{i \notin Y_n} \max\big(0, 1 - (x_{n, j} - x_{n, i})\big)
    $$

    $Y_n$ is read from row $n$ of ``target`` as PyTorch reads it: the class indices up to the first
    $-1$ (the rest of the row is ignored; an index listed twice counts twice). The gradient at a
    margin of exactly 0 is 0, as PyTorch's.

    Args:
        input: scores $x$, $(N, C)$ or $(C,)$.
        target: class indices of the input's shape, padded with -1 after the label set.
        size_average: deprecated in PyTorch; must be None.
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (over the samples), "sum" or "none".

    Raises:
        ValueError: a target of another shape or not of integers, an index outside $[0, C)$ before
            the first -1, or a negative index other than -1.

    Shape:
        - input: $(N, C)$ or $(C,)$.
        - target: the input's shape.
        - output: a scalar; $(N,)$ (or a scalar for one sample) with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> x = dn.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> round(F.multilabel_margin_loss(x, dn.tensor([[3, 0, -1, 1]])).item(), 4)
        0.85
    """
    owner = "multilabel_margin_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    x = float_input(input, "input", owner)
    t = _as_tensor(target, owner, "target").array
    if x.ndim not in (1, 2) or t.shape != x.shape:
        raise ValueError(
            f"{owner}: input (N, C) or (C,) and target must have the same shape, got {x.shape} and {t.shape}"
        )
    if t.dtype.kind not in "iu":
        raise ValueError(f"{owner}: target must hold integer class indices (padded with -1), got dtype {t.dtype}")
    one_sample = x.ndim == 1
    if one_sample:
        x, t = x.unsqueeze(0), t[None]
    classes = x.shape[1]
    listed = ~np.logical_or.accumulate(t < 0, axis=1)  # the indices before the first negative one
    first_negative = (t < 0) & np.concatenate([np.ones_like(listed[:, :1]), listed[:, :-1]], axis=1)
    if (t[listed] >= classes).any() or (t[first_negative] != -1).any():
        raise ValueError(f"{owner}: target indices must be in [0, {classes}) before the first -1, got {t.tolist()}")
    rows = np.arange(t.shape[0])[:, None]
    in_set = np.zeros(x.shape, dtype=bool)
    in_set[np.broadcast_to(rows, t.shape)[listed], t[listed]] = True
    x_set = x.gather(1, Tensor._make(np.where(listed, t, 0).astype(np.int64)))  # x at each listed class
    margins = (1 - x_set.unsqueeze(2) + x.unsqueeze(1)).relu()  # (N, listed j, class i)
    pairs = listed[:, :, None] & ~in_set[:, None, :]
    loss = (margins * Tensor._make(pairs.astype(x.dtype))).sum((1, 2)) / classes
    if one_sample and reduction == "none":
        loss = loss.squeeze(0)
    return reduce_loss(loss, reduction)
