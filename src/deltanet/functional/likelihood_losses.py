r"""Negative log-likelihood losses of regression with a noise model: Poisson counts and Gaussian
values with a predicted variance, with PyTorch's names, arguments and defaults.

| loss | one term |
|---|---|
| ``poisson_nll_loss`` | $e^{x} - y x$ (log-rate $x$) or $x - y \log(x + \epsilon)$ (rate $x$) |
| ``gaussian_nll_loss`` | $\frac12 \big(\log \sigma^2 + (x - y)^2 / \sigma^2\big)$ |

Written with deltanet's differentiable primitives, so each gradient is that of verified pieces.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, clamp, where
from deltanet.functional.embedding_losses import float_input, legacy, reduce_loss, target_like
from deltanet.functional.losses import _check_reduction


def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: Any = None,
    eps: float = 1e-8,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    r"""Poisson negative log-likelihood of counts $y$ given a predicted rate (or log-rate) $x$.

    $$
    \ell = e^{x} - y x \ \ (\texttt{log\_input}), \qquad \ell = x - y \log(x + \epsilon) \ \ \text{otherwise}
    $$

    The constant $\log(y!)$ is left out unless ``full``, which adds Stirling's approximation
    $y \log y - y + \frac12 \log(2 \pi y)$ where $y > 1$ (as PyTorch).

    Args:
        input: $x$, the log-rate (``log_input=True``) or the rate.
        target: the counts $y \ge 0$, the input's shape (broadcast).
        log_input: whether ``input`` is the log of the rate (default True).
        full: add the Stirling term.
        size_average: deprecated in PyTorch; must be None.
        eps: keeps $\log(x + \epsilon)$ finite at $x = 0$ when ``log_input=False`` (default $10^{-8}$).
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean", "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.poisson_nll_loss(dn.tensor([0.0]), dn.tensor([2.0])).item()
        1.0
    """
    owner = "poisson_nll_loss"
    legacy(size_average, reduce, owner)
    reduction = _check_reduction(reduction, owner)
    log_input = check.flag(log_input, "log_input", owner)
    full = check.flag(full, "full", owner)
    eps = check.number(eps, "eps", owner)
    x = float_input(input, "input", owner)
    y = target_like(target, x, owner)
    if x.shape != y.shape:
        raise ValueError(f"{owner}: input shape {x.shape} and target shape {y.shape} must match")
    # e^x beyond the float range is inf, and log of a negative rate NaN, as in PyTorch, without
    # NumPy's warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        y1 = clamp(y, min=1.0)  # the logs are taken only where y > 1; elsewhere the term is 0
        stirling = y * y1.log() - y + 0.5 * (2 * math.pi * y1).log()
        loss = loss + where((y > 1).array, stirling, Tensor._make(x.array.dtype.type(0)))
    return reduce_loss(loss, reduction)


def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    r"""Gaussian negative log-likelihood of $y$ under a predicted mean $x$ and variance $\sigma^2$.

    $$
    \ell = \frac12 \left(\log \max(\sigma^2, \epsilon) + \frac{(x - y)^2}{\max(\sigma^2, \epsilon)}\right)
    \ (+ \tfrac12 \log 2\pi \text{ with } \texttt{full})
    $$

    As in PyTorch, the variance is clamped at $\epsilon$ for the value only: the gradient with
    respect to ``var`` flows as if it were not clamped.

    Args:
        input: the predicted mean $x$.
        target: the observed $y$, the input's shape.
        var: $\sigma^2 \ge 0$: the input's shape (one per value); the input's shape with one axis
            of size 1 or the last axis left out (shared); or a number.
        full: add the constant $\frac12 \log 2\pi$.
        eps: the floor on the variance (default $10^{-6}$).
        reduction: "mean", "sum" or "none".

    Shape:
        - input: $(N, *)$; target: the input's shape.
        - var: as ``Args`` says.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Raises:
        ValueError: ``var`` has a negative entry or a shape that does not fit the input.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.gaussian_nll_loss(dn.tensor([1.0]), dn.tensor([3.0]), dn.tensor([1.0])).item()
        2.0
    """
    owner = "gaussian_nll_loss"
    reduction = _check_reduction(reduction, owner)
    full = check.flag(full, "full", owner)
    eps = check.number(eps, "eps", owner)
    x = float_input(input, "input", owner)
    y = target_like(target, x, owner)
    if check.is_number(var):
        if var < 0:
            raise ValueError(f"{owner}: var has negative entry/entries, got {var}")
        v = Tensor._make(np.full(x.shape, max(var, eps), dtype=x.dtype))  # a constant: clamped at once
    else:
        v = as_tensor(var, owner=owner)
        if (v.array < 0).any():
            raise ValueError(f"{owner}: var has negative entry/entries")
        # PyTorch's clamp under no_grad, in var's own float dtype (integers: the input's): a
        # constant offset, so the gradient passes unchanged
        if v.dtype.kind != "f":
            v = target_like(v, x, owner, "var")
        if (v.array < eps).any():
            v = v + Tensor._make(np.maximum(v.array, v.dtype.type(eps)) - v.array)
        v = target_like(v, x, owner, "var")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.unsqueeze(-1)
        elif not (v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape, strict=True) if a != b) == 1):
            raise ValueError(
                f"{owner}: var is of incorrect size {v.shape} for an input {x.shape}: give the input's "
                f"shape, the input's shape with one axis of size 1, or the input's shape without its last axis"
            )
    loss = 0.5 * (v.log() + (x - y) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)
