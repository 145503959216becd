r"""``RMSNorm`` (Zhang & Sennrich 2019), as ``torch.nn.RMSNorm``: layer normalization without the centring."""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.normalization import _normalized_shape
from deltanet.functional.rms_norm import rms_norm
from deltanet.nn.module import Module, Parameter, call_named


class RMSNorm(Module):
    r"""Root-mean-square normalization over the last axes, with a learned scale $\gamma$.

    $$
    y = \frac{x}{\sqrt{\frac{1}{n} \sum_i x_i^2 + \epsilon}} \odot \gamma
    $$

    The mean is over the trailing axes of shape ``normalized_shape`` ($n$ values) of every sample;
    the same in training and evaluation (LLaMA's and T5's normalization).

    Args:
        normalized_shape: the sizes of the trailing axes to normalize over (an int or a tuple).
        eps: $\epsilon \ge 0$; None (PyTorch's default) takes ``finfo(dtype).eps`` of the input.
        elementwise_affine: learn $\gamma$ (``weight``, ones, of shape ``normalized_shape``).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(*, \text{normalized\_shape})$.
        - output: the input's shape.
        - weight: ``normalized_shape``.

    Examples:
        >>> import deltanet as dn
        >>> norm = dn.nn.RMSNorm(2)
        >>> norm(dn.tensor([[3.0, 4.0]])).array.astype(float).round(4).tolist()
        [[0.8485, 1.1314]]
        >>> norm
        RMSNorm((2,), eps=None, elementwise_affine=True)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        self.normalized_shape = _normalized_shape(normalized_shape, owner)
        self.eps = None if eps is None else check.number(eps, "eps", owner, low=0)
        self.elementwise_affine = check.flag(elementwise_affine, "elementwise_affine", owner)
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, owner)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if self.elementwise_affine else None

    def reset_parameters(self) -> None:
        r"""$\gamma = 1$."""
        if self.weight is not None:
            self.weight.array[...] = 1

    def forward(self, x: Tensor) -> Tensor:
        return call_named(self, rms_norm, x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
