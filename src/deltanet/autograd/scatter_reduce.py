r"""``scatter_reduce``: combine the values of ``src`` into ``input`` at the positions ``index`` names
along ``dim``, by sum, product, mean, maximum or minimum, with PyTorch's arguments and gradients.

For ``dim=0`` of 2-D tensors, each $z_{kj}$ is the reduction of $\{x_{kj}\}$ (when ``include_self``)
and of every $\text{src}_{ij}$ with $\text{index}_{ij} = k$; positions no index names keep $x$.

The gradients are PyTorch's (``scatter_reduce_backward``): ``"sum"`` passes $\delta$ (gathered back
for ``src``); ``"mean"`` divides it by the number of values averaged; ``"amax"``/``"amin"`` share
it equally among the values equal to the result; ``"prod"`` gives each value the product of the
others, computed without dividing by a zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd.function import Function
from deltanet.autograd.scattering import scatter_arguments
from deltanet.autograd.shapes import positions_along
from deltanet.autograd.tensor import Tensor

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce: str, dtype: np.dtype) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def reduce_into(
    x: np.ndarray, src: np.ndarray, pos: tuple, reduce: str, include_self: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` with ``src`` reduced in at ``pos``, and how many values each position averaged."""
    z = x.copy()
    scattered = np.zeros(x.shape, bool)
    scattered[pos] = True
    if not include_self:
        z[pos] = _identity(reduce, x.dtype)
    _UFUNC[reduce].at(z, pos, src)
    count = np.where(scattered & (not include_self), 0, 1).astype(np.int64)
    np.add.at(count, pos, 1)
    count[~scattered] = 1
    if reduce == "mean":
        count = np.maximum(count, 1)
        z = z / count.astype(z.dtype) if z.dtype.kind == "f" else z // count
    return z.astype(x.dtype, copy=False), count


class ScatterReduce(Function):
    r"""$z$ = ``x`` with ``src`` reduced in at ``index`` along ``dim``; see the module docstring for
    each reduction's $\partial L / \partial x$ and $\partial L / \partial \text{src}$."""

    def forward(
        self, x: np.ndarray, src: np.ndarray, index: np.ndarray, dim: int, reduce: str, include_self: bool
    ) -> np.ndarray:
        self.pos = positions_along(index, dim)
        self.used = tuple(slice(0, n) for n in index.shape)
        self.src_shape, self.reduce, self.include_self = src.shape, reduce, include_self
        values = src[self.used]
        z, self.count = reduce_into(x, values, self.pos, reduce, include_self)
        self.save_for_backward(x, values, z)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        x, src, z = self.saved_tensors
        pos, reduce = self.pos, self.reduce
        if reduce == "sum":
            gx, gs = delta, delta[pos]
        elif reduce == "mean":
            g = delta / self.count.astype(delta.dtype)
            gx, gs = g, g[pos]
        elif reduce in ("amax", "amin"):
            value = z[pos]
            x_is, src_is = (x == z), (src == value)
            n = x_is.astype(delta.dtype)
            np.add.at(n, pos, src_is.astype(delta.dtype))
            with np.errstate(divide="ignore", invalid="ignore"):
                shared = delta / n
            gx, gs = x_is * shared, src_is * shared[pos]
        else:
            gx, gs = self._prod_grads(x, src, z, delta)
        if not self.include_self:
            gx = gx.copy()
            gx[pos] = 0
        full = np.zeros(self.src_shape, delta.dtype)
        full[self.used] = gs
        return gx, full

    def _prod_grads(self, x: np.ndarray, src: np.ndarray, z: np.ndarray, delta: np.ndarray) -> tuple:
        """PyTorch's rule: the product of the others, from products with the zeros masked to 1."""
        pos, keep = self.pos, self.include_self
        masked_x = np.where(x == 0, 1, x)
        gx = delta * reduce_into(masked_x, src, pos, "prod", keep)[0] / masked_x
        src_zero = src == 0
        zeros = np.zeros(x.shape, delta.dtype)
        np.add.at(zeros, pos, src_zero.astype(delta.dtype))
        single = src_zero & (zeros[pos] == 1)
        without = reduce_into(x, np.where(single, 1, src), pos, "prod", keep)[0]
        gs = np.where(single, (delta * without)[pos], (delta * z)[pos] / np.where(src_zero, 1, src))
        return gx, gs


def scatter_reduce(input: Any, dim: Any, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    r"""A copy of ``input`` with the values of ``src`` reduced in at the positions ``index`` names along
    ``dim`` (for ``dim=0`` of 2-D tensors: $z_{kj} = \mathrm{reduce}(\{x_{kj}\} \cup \{\text{src}_{ij}
    : \text{index}_{ij} = k\})$), as PyTorch's ``scatter_reduce``.

    Integer tensors average with floor division, as in PyTorch.

    Args:
        input: the tensor reduced into.
        dim: the axis along which ``index`` points.
        index: an int64 tensor of ``input``'s rank, no larger than ``src`` on any axis.
        src: a tensor of ``input``'s dtype.
        reduce: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
        include_self: whether ``input``'s own values at the scattered positions take part.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(3)
        >>> index = dn.tensor([0, 1, 0, 1, 2])
        >>> src = dn.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
        >>> x.scatter_reduce(0, index, src, reduce="amax", include_self=False).tolist()
        [3.0, 4.0, 5.0]
        >>> dn.scatter_reduce(dn.ones(3), 0, index, src, "mean").tolist()
        [1.6666666269302368, 2.3333332538604736, 3.0]
    """
    check.one_of(reduce, "reduce", REDUCTIONS, "scatter_reduce")
    check.flag(include_self, "include_self", "scatter_reduce")
    if not isinstance(src, (Tensor, np.ndarray)):
        raise TypeError(f"scatter_reduce: src must be a tensor, got {type(src).__name__} (use scatter for a number)")
    x, s, options = scatter_arguments(input, dim, index, src, "scatter_reduce")
    if not s.ndim and x.ndim:
        raise ValueError(f"scatter_reduce: src must have index's rank ({x.ndim}), got a 0-d tensor")
    return ScatterReduce.apply(x, s, reduce=reduce, include_self=bool(include_self), **options)
