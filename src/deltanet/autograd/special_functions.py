r"""``dn.special``: PyTorch's ``torch.special`` namespace, under its names, for code that writes
``torch.special.expit(x)``, ``torch.special.xlogy(p, p)`` or ``torch.special.gammaln(a)``.

Most names are deltanet's functions themselves (``expit`` is ``sigmoid``, ``gammaln`` is
``lgamma``, ``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``, ...). Two are new here:
``entr``, the entropy term $-x \ln x$ (0 at 0, $-\infty$ for $x < 0$), a ``Function`` with PyTorch's
derivative $-(1 + \ln x)$, and ``ndtr``, the standard normal CDF $\Phi(x) = \frac{1}{2}
\operatorname{erfc}(-x / \sqrt{2})$. A name of ``torch.special`` deltanet does not have raises an
``AttributeError`` that lists the ones it has.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet.autograd.angles import sinc
from deltanet.autograd.bessel import i0
from deltanet.autograd.elementwise import _floating, sigmoid
from deltanet.autograd.function import Function
from deltanet.autograd.gamma import digamma, lgamma, mvlgamma, polygamma
from deltanet.autograd.logarithms import expm1, log1p
from deltanet.autograd.logodds import logit, xlogy
from deltanet.autograd.reductions import log_softmax, logsumexp, softmax
from deltanet.autograd.rounding import round
from deltanet.autograd.special import erf, erfc, erfinv
from deltanet.autograd.tensor import Tensor
from deltanet.autograd.trigonometry import exp2


class Entr(Function):
    r"""$a = -x \ln x$ for $x > 0$, 0 at $x = 0$, $-\infty$ for $x < 0$; $\partial a / \partial x =
    -(1 + \ln x)$, as PyTorch's."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = -x * np.log(x)
        a = np.where(x == 0, 0, a)
        return np.where(x < 0, -np.inf, a).astype(x.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return delta * -(1 + np.log(x))


def entr(input: Any) -> Tensor:
    r"""The entropy term $-x \ln x$, elementwise: 0 at $x = 0$ and $-\infty$ for $x < 0$, as PyTorch's.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> p = dn.tensor([0.5, 0.5, 0.0])
        >>> dn.special.entr(p).sum().item()  # the entropy in nats
        0.6931471824645996
    """
    return Entr.apply(_floating(input))


def ndtr(input: Any) -> Tensor:
    r"""The standard normal CDF $\Phi(x) = \frac{1}{2} \operatorname{erfc}(-x / \sqrt{2})$, elementwise.

    Args:
        input: a tensor (integers are computed in float32, as PyTorch).

    Examples:
        >>> import deltanet as dn
        >>> dn.special.ndtr(dn.tensor([0.0, 1.0], dtype="float64")).tolist()
        [0.5, 0.841344746068543]
    """
    return 0.5 * erfc(_floating(input) * -math.sqrt(0.5))


expit = sigmoid
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma

__all__ = [
    "Entr", "digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "log1p",
    "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "polygamma", "psi", "round", "sinc", "softmax",
    "xlogy",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    raise AttributeError(
        f"deltanet.special has no {name!r} (PyTorch's torch.special has more); "
        f"the functions it has: {', '.join(n for n in __all__ if n != 'Entr')}"
    )
