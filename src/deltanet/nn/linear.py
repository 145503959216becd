r"""Fully connected layers: ``Linear`` ($z = x W^\top + b$), ``Flatten``, ``Unflatten`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend, init
from deltanet.autograd import Tensor, as_tensor
from deltanet.functional.linear import linear
from deltanet.nn.module import Module, Parameter, call_named


class Linear(Module):
    r"""A layer of artificial neurons, each a weighted sum of all the inputs plus a bias.

    $$
    z = x W^\top + b, \qquad z_{nj} = \sum_i x_{ni} W_{ji} + b_j
    $$

    Args:
        in_features: inputs per sample.
        out_features: neurons (outputs per sample).
        bias: whether to learn $b$.
        init: weight initializer, a name from ``deltanet.init`` ("glorot_uniform", "he_normal",
            ...) or a function ``f(tensor, rng=)``; the bias then starts at 0. The default is
            PyTorch's: $W$ and $b$ uniform in $\pm 1/\sqrt{\text{in\_features}}$.
        rng: seed or ``numpy.random.Generator`` for the initial values.
        dtype: float32 (default) or float64.

    Shape:
        - input: $(N, *, H_{in})$ with $H_{in}$ = in_features.
        - output: $(N, *, H_{out})$ with $H_{out}$ = out_features.
        - weight: $(H_{out}, H_{in})$; bias: $(H_{out})$, as in PyTorch.

    Examples:
        >>> import deltanet as dn
        >>> layer = dn.nn.Linear(4, 3, init="glorot_uniform", rng=0)
        >>> layer.weight.shape, layer.bias.shape
        ((3, 4), (3,))
        >>> layer(dn.tensor([[1.0, 2.0, 3.0, 4.0]])).shape
        (1, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: Any = None,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = check.integer(in_features, "in_features", "Linear", low=1)
        self.out_features = check.integer(out_features, "out_features", "Linear", low=1)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, "Linear")
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.init = init
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        """Draw new initial values (see ``init`` in the class docstring)."""
        generator = backend.get_rng(rng)
        bound = 1.0 / math.sqrt(self.in_features)
        if self.init is None:
            # PyTorch's default: kaiming_uniform(a=sqrt(5)) on W reduces to U(+-1/sqrt(fan_in)).
            self.weight.array[...] = generator.uniform(-bound, bound, self.weight.shape)
            if self.bias is not None:
                self.bias.array[...] = generator.uniform(-bound, bound, self.bias.shape)
        else:
            init.get(self.init, owner=type(self).__name__)(self.weight, rng=generator)
            init.check_finite(self.weight, owner=type(self).__name__)
            if self.bias is not None:
                init.zeros(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, linear, x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    r"""Merge the axes from ``start_dim`` to ``end_dim`` into one, e.g. $(N, C, H, W) \to (N, C \cdot H \cdot W)$.

    PyTorch's defaults: ``start_dim=1`` keeps the batch axis, ``end_dim=-1`` merges up to the
    last. An axis outside the input's rank is an error, as in PyTorch (a 2-D input has axes
    $-2, \dots, 1$).

    Args:
        start_dim: the first axis to merge (default 1).
        end_dim: the last axis to merge (default -1, the last), not before ``start_dim``.

    Shape:
        - input: $(*, S_{\text{start}}, \dots, S_{\text{end}}, *)$.
        - output: $(*, \prod_{i=\text{start}}^{\text{end}} S_i, *)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Flatten()(dn.tensor(np.zeros((2, 3, 4)))).shape
        (2, 12)
        >>> dn.nn.Flatten(0, 1)(dn.tensor(np.zeros((2, 3, 4)))).shape
        (6, 4)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check.axis(start_dim, "start_dim", "Flatten")
        self.end_dim = check.axis(end_dim, "end_dim", "Flatten")

    def forward(self, x: Tensor) -> Tensor:
        x = call_named(self, as_tensor, x)
        rank = max(x.ndim, 1)  # a 0-D tensor flattens like a 1-D one, as in PyTorch
        start, end = self.start_dim, self.end_dim
        for name, axis in (("start_dim", start), ("end_dim", end)):
            if not -rank <= axis < rank:
                raise ValueError(
                    f"{self!r}: {name}={axis} is out of range for an input of shape {x.shape} "
                    f"(axes {-rank} to {rank - 1})"
                )
        start, end = start % rank, end % rank
        if start > end:
            raise ValueError(f"{self!r}: start_dim comes after end_dim for an input of shape {x.shape}")
        shape = x.shape if x.ndim else (1,)
        merged = math.prod(shape[start : end + 1])  # in full: -1 cannot be inferred next to an empty axis
        return x.reshape(shape[:start] + (merged,) + shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    r"""Split axis ``dim`` into the axes ``unflattened_size``: the inverse of ``Flatten``.

    $$
    (*, S, *) \to (*, s_1, \dots, s_k, *), \qquad \prod_j s_j = S
    $$

    One size may be -1 (inferred), as in PyTorch.

    Args:
        dim: the axis to split.
        unflattened_size: the new sizes, a tuple of ints.

    Shape:
        - input: $(*, S, *)$.
        - output: $(*, s_1, \dots, s_k, *)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Unflatten(1, (2, 5))(dn.tensor(np.zeros((3, 10)))).shape
        (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", "Unflatten")
        sizes = unflattened_size if isinstance(unflattened_size, (tuple, list)) else ()
        if not sizes or not all(check.is_integer(s) and s >= -1 for s in sizes) or list(sizes).count(-1) > 1:
            raise check.fail("Unflatten", "unflattened_size", "a tuple of sizes (at most one -1)", unflattened_size)
        self.unflattened_size = tuple(int(s) for s in sizes)

    def forward(self, x: Tensor) -> Tensor:
        x = call_named(self, as_tensor, x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"{self!r}: expected an input with an axis dim={self.dim}, got shape {x.shape}")
        axis = self.dim % x.ndim
        sizes = list(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes and known:
            sizes[sizes.index(-1)] = x.shape[axis] // known
        if math.prod(sizes) != x.shape[axis]:
            raise ValueError(
                f"{self!r}: sizes {self.unflattened_size} do not multiply to the size {x.shape[axis]} of "
                f"axis {self.dim} of the input of shape {x.shape}"
            )
        return x.reshape(x.shape[:axis] + tuple(sizes) + x.shape[axis + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Return the input unchanged: the linear output unit of a regression network.

    Args:
        *args: accepted and ignored, as PyTorch's (a stand-in for a layer's arguments).
        **kwargs: accepted and ignored, likewise.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, -2.0])
        >>> dn.nn.Identity()(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x
