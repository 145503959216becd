r"""Fully connected layers: ``Linear`` ($z = x W^\top + b$), ``Flatten`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import backend, init
from deltanet.autograd import Tensor
from deltanet.functional.linear import linear
from deltanet.nn.module import Module, Parameter


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
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = np.dtype(dtype or backend.DEFAULT_DTYPE)
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
            self.weight.data[...] = generator.uniform(-bound, bound, self.weight.shape)
            if self.bias is not None:
                self.bias.data[...] = generator.uniform(-bound, bound, self.bias.shape)
        else:
            init.get(self.init, owner=type(self).__name__)(self.weight, rng=generator)
            if self.bias is not None:
                init.zeros(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        try:
            return linear(x, self.weight, self.bias)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    r"""Flatten every axis from ``start_dim`` on into one, e.g. $(N, C, H, W) \to (N, C \cdot H \cdot W)$.

    Args:
        start_dim: the first axis to merge (default 1, which keeps the batch axis).

    Shape:
        - input: $(N, *)$.
        - output: $(N, \prod *)$ for ``start_dim=1``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Flatten()(dn.tensor(np.zeros((2, 3, 4)))).shape
        (2, 12)
    """

    def __init__(self, start_dim: int = 1) -> None:
        super().__init__()
        if isinstance(start_dim, bool) or not isinstance(start_dim, (int, np.integer)):
            raise ValueError(f"Flatten: start_dim must be an int (an axis), got {start_dim!r}")
        self.start_dim = int(start_dim)

    def forward(self, x: Tensor) -> Tensor:
        try:
            return (x if isinstance(x, Tensor) else Tensor(x)).flatten(self.start_dim)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}"


class Identity(Module):
    """Return the input unchanged: the linear output unit of a regression network.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, -2.0])
        >>> dn.nn.Identity()(x) is x
        True
    """

    def forward(self, x: Tensor) -> Tensor:
        return x
