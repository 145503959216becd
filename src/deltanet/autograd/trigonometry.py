r"""The trigonometric and hyperbolic functions beside ``sin``, ``cos`` and ``tanh``, with PyTorch's
names and aliases: ``tan``, ``atan`` (``arctan``), ``asin`` (``arcsin``), ``acos`` (``arccos``),
``sinh``, ``cosh``, ``asinh`` (``arcsinh``), ``acosh`` (``arccosh``), ``atanh`` (``arctanh``), and
``exp2`` ($2^x$). They appear in hand-written losses (``log(cosh(x))``, the CIoU box loss's
``atan(w / h)``), in angle conversions and in transforms of intensities (``asinh``).

One ``Function``, ``Elementary``, computes each from its NumPy ufunc, with its derivative from the
input $x$ or the output $a$ (PyTorch's formulas):

$$
\tan' = 1 + a^2, \quad \operatorname{atan}' = \frac{1}{1 + x^2}, \quad
\operatorname{asin}' = \frac{1}{\sqrt{1 - x^2}}, \quad \operatorname{acos}' = \frac{-1}{\sqrt{1 - x^2}},
\quad \sinh' = \cosh, \quad \cosh' = \sinh,
$$

$$
\operatorname{asinh}' = \frac{1}{\sqrt{x^2 + 1}}, \quad \operatorname{acosh}' = \frac{1}{\sqrt{x^2 - 1}},
\quad \operatorname{atanh}' = \frac{1}{1 - x^2}, \quad (2^x)' = a \ln 2.
$$

Outside a function's domain the result is NaN (and at a pole $\pm\infty$) without a warning, as
PyTorch's; integers are computed in float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd.elementwise import _floating
from deltanet.autograd.function import Function
from deltanet.autograd.tensor import Tensor

_LN2 = math.log(2.0)

# name -> (the function, its derivative from the input x and the output a)
_RULES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "tan": (np.tan, lambda x, a: 1 + a * a),
    "atan": (np.arctan, lambda x, a: 1 / (1 + x * x)),
    "asin": (np.arcsin, lambda x, a: 1 / np.sqrt(1 - x * x)),
    "acos": (np.arccos, lambda x, a: -1 / np.sqrt(1 - x * x)),
    "sinh": (np.sinh, lambda x, a: np.cosh(x)),
    "cosh": (np.cosh, lambda x, a: np.sinh(x)),
    "asinh": (np.arcsinh, lambda x, a: 1 / np.sqrt(x * x + 1)),
    "acosh": (np.arccosh, lambda x, a: 1 / np.sqrt(x * x - 1)),
    "atanh": (np.arctanh, lambda x, a: 1 / (1 - x * x)),
    "exp2": (np.exp2, lambda x, a: a * _LN2),
}


class Elementary(Function):
    r"""$a = f(x)$ for one of the functions of this module (``name``); $\partial a / \partial x = f'(x)$
    from the table of derivatives in the module docstring."""

    def forward(self, x: np.ndarray, name: str) -> np.ndarray:
        self.which = name
        with np.errstate(all="ignore"):  # NaN outside the domain, inf at a pole or on overflow, as PyTorch
            a = _RULES[name][0](x)
        self.save_for_backward(x, a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        x, a = self.saved_tensors
        with np.errstate(all="ignore"):
            return delta * _RULES[self.which][1](x, a).astype(a.dtype, copy=False)


def _function(name: str, formula: str, example: str, result: str) -> Callable[[Any], Tensor]:
    def elementary(input: Any) -> Tensor:
        return Elementary.apply(_floating(input), name=name)

    elementary.__name__ = elementary.__qualname__ = name
    elementary.__module__ = __name__
    elementary.__doc__ = rf"""{formula}, elementwise (see the module docstring for its derivative).

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.{name}(dn.tensor({example}, dtype="float64")).tolist()
        {result}
    """
    return elementary


tan = _function("tan", r"$\tan x$", "[0.0, 0.7853981633974483]", "[0.0, 0.9999999999999999]")
atan = _function("atan", r"$\arctan x$, in $(-\pi/2, \pi/2)$", "[0.0, 1.0]", "[0.0, 0.7853981633974483]")
asin = _function("asin", r"$\arcsin x$, NaN outside $[-1, 1]$", "[0.0, 1.0]", "[0.0, 1.5707963267948966]")
acos = _function("acos", r"$\arccos x$, NaN outside $[-1, 1]$", "[1.0, 0.0]", "[0.0, 1.5707963267948966]")
sinh = _function("sinh", r"$\sinh x = (e^x - e^{-x}) / 2$", "[0.0, 1.0]", "[0.0, 1.1752011936438014]")
cosh = _function("cosh", r"$\cosh x = (e^x + e^{-x}) / 2$", "[0.0, 1.0]", "[1.0, 1.5430806348152437]")
asinh = _function(
    "asinh", r"$\operatorname{asinh} x = \ln(x + \sqrt{x^2 + 1})$", "[0.0, 1.0]", "[0.0, 0.881373587019543]"
)
acosh = _function("acosh", r"$\operatorname{acosh} x$, NaN below 1", "[1.0, 2.0]", "[0.0, 1.3169578969248168]")
atanh = _function(
    "atanh", r"$\operatorname{atanh} x$, $\pm\infty$ at $\pm 1$", "[0.0, 0.5]", "[0.0, 0.5493061443340549]"
)
exp2 = _function("exp2", r"$2^x$", "[3.0, -1.0]", "[8.0, 0.5]")
arctan, arcsin, arccos, arcsinh, arccosh, arctanh = atan, asin, acos, asinh, acosh, atanh  # PyTorch's aliases

__all__ = [
    "Elementary", "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asin",
    "asinh", "atan", "atanh", "cosh", "exp2", "sinh", "tan",
]  # fmt: skip
