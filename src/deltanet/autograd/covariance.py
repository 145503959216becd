r"""Covariance and correlation matrices, with PyTorch's names and conventions: ``cov`` and ``corrcoef``.

The rows of ``input`` are the variables and its columns the observations (``numpy.cov``'s
default), so an image's channels are compared with ``cov(x.reshape(C, -1))``. Both are written
with the primitives (sums, products, a matrix product), so they are differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.elementwise import _tensor, clamp, sqrt
from deltanet.autograd.reductions import sum as _sum
from deltanet.autograd.shapes import reshape
from deltanet.autograd.tensor import Tensor, leaf


def _weights(weights: Any, n: int, name: str, integer: bool) -> np.ndarray | None:
    if weights is None:
        return None
    w = _tensor(weights).array
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"cov: {name} must be 1-D with one weight per observation ({n}), got shape {w.shape}")
    if integer and w.dtype.kind not in "iu":
        raise ValueError(f"cov: fweights must be integers, got dtype {w.dtype}")
    if (w < 0).any():
        raise ValueError(f"cov: {name} must be non-negative, got the value {w.min()}")
    return w


def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    r"""The covariance matrix of the variables in the rows of ``input`` (observations in the columns):
    $C = \frac{1}{\sum w - c'} (X - \bar X) \operatorname{diag}(w) (X - \bar X)^\top$ with weighted
    means $\bar X$, $w = $ ``fweights`` $\cdot$ ``aweights`` (1 when not given) and
    $c' = c \sum (w \cdot a) / \sum w$ with ``aweights`` $a$ ($c' = c$ without them), as PyTorch.

    Args:
        input: a 1-D (one variable) or 2-D floating-point tensor.
        correction: $c$: 1 for the unbiased estimate, 0 for the maximum-likelihood one.
        fweights: None, or integer frequency weights, one per observation.
        aweights: None, or float importance weights, one per observation.

    Returns:
        A 0-d tensor for one variable, else a (variables, variables) matrix.

    Examples:
        >>> import deltanet as dn
        >>> c = dn.cov(dn.tensor([[1.0, 2.0, 4.0], [2.0, 1.0, 0.0]]))
        >>> [[round(v, 4) for v in row] for row in c.tolist()]
        [[2.3333, -1.5], [-1.5, 1.0]]
    """
    x = _tensor(input)
    if x.ndim > 2:
        raise ValueError(f"cov: input must be 1-D or 2-D (variables by observations), got shape {x.shape}")
    if x.array.dtype.kind != "f":
        raise ValueError(f"cov() needs a floating-point tensor, got dtype {x.dtype}")
    c = check.integer(correction, "correction", "cov", low=0)
    rows = reshape(x, 1, -1) if x.ndim < 2 else x
    n = rows.shape[1]
    fw = _weights(fweights, n, "fweights", integer=True)
    aw = _weights(aweights, n, "aweights", integer=False)
    w = np.ones(n) if fw is None and aw is None else (1 if fw is None else fw) * (1 if aw is None else aw)
    w = np.asarray(w, dtype=x.array.dtype)
    total = w.sum()
    wt = leaf(w)
    mean = _sum(rows * wt, dim=1, keepdim=True) * (1.0 / total if total else float("nan"))
    centred = rows - mean
    dof = total - (c * (w * aw).sum() / total if aw is not None and total else c)
    if not dof > 0:
        raise ValueError(
            f"cov: the degrees of freedom are {dof:g} (the weight total {total:g} minus the correction): "
            f"give more observations or a smaller correction"
        )
    out = centred @ (centred * wt).T / leaf(np.asarray(dof, dtype=x.array.dtype))  # PyTorch's order
    return reshape(out, ()) if x.ndim < 2 else out


def corrcoef(input: Any) -> Tensor:
    r"""Pearson correlation coefficients of the variables in the rows of ``input``:
    $R_{ij} = C_{ij} / \sqrt{C_{ii} C_{jj}}$, clipped to $[-1, 1]$ (as PyTorch).

    Args:
        input: a 1-D or 2-D floating-point tensor (variables in rows).

    Examples:
        >>> import deltanet as dn
        >>> r = dn.corrcoef(dn.tensor([[1.0, 2.0, 4.0], [2.0, 1.0, 0.0]]))
        >>> round(r[0, 1].item(), 4)
        -0.982
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = sqrt(c.diagonal())
    return clamp(c / d[:, None] / d[None, :], -1.0, 1.0)
