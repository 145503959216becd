r"""``Bilinear``: a layer of bilinear forms $y_k = x_1^\top W_k x_2 + b_k$ between two inputs (the
relation module of metric learning, bilinear pooling), with PyTorch's arguments and parameters."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.distance import bilinear
from deltanet.nn.module import Module, Parameter, call_named


class Bilinear(Module):
    r"""A bilinear layer: each output feature is a bilinear form of the two inputs plus a bias.

    $$
    y_{nk} = x_{1,n}^\top W_k \, x_{2,n} + b_k = \sum_{i, j} x_{1, ni} W_{kij} x_{2, nj} + b_k
    $$

    Args:
        in1_features: $H_1$, the size of the first input's last axis.
        in2_features: $H_2$, the size of the second input's last axis.
        out_features: $K$, the number of outputs.
        bias: whether to learn $b$.
        rng: seed or ``numpy.random.Generator`` for the initial values; PyTorch's draw: $W$ and $b$
            uniform in $\pm 1 / \sqrt{H_1}$.
        dtype: float32 (default) or float64.

    Shape:
        - input1: $(*, H_1)$; input2: $(*, H_2)$, the same leading axes.
        - output: $(*, K)$.
        - weight: $(K, H_1, H_2)$; bias: $(K,)$, as in PyTorch.

    Examples:
        >>> import deltanet as dn
        >>> layer = dn.nn.Bilinear(2, 3, 4, rng=0)
        >>> layer.weight.shape, layer(dn.ones(5, 2), dn.ones(5, 3)).shape
        ((4, 2, 3), (5, 4))
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = check.integer(in1_features, "in1_features", "Bilinear", low=1)
        self.in2_features = check.integer(in2_features, "in2_features", "Bilinear", low=1)
        self.out_features = check.integer(out_features, "out_features", "Bilinear", low=1)
        check.flag(bias, "bias", "Bilinear")
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, "Bilinear")
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters(rng)

    def reset_parameters(self, rng: Any = None) -> None:
        """Draw new initial values, uniform in $\\pm 1 / \\sqrt{H_1}$ (PyTorch's)."""
        generator = backend.get_rng(rng)
        bound = 1.0 / math.sqrt(self.in1_features)
        self.weight.array[...] = generator.uniform(-bound, bound, self.weight.shape)
        if self.bias is not None:
            self.bias.array[...] = generator.uniform(-bound, bound, self.bias.shape)

    def forward(self, input1: Any, input2: Any) -> Tensor:
        return call_named(self, bilinear, input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
