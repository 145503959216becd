"""Layers of the smooth activations CELU, SELU, Mish, log-sigmoid, softsign and tanhshrink: each
``forward`` calls the function of the same name in ``deltanet.functional.smooth_activations``.

``inplace=True`` overwrites the input with the output and returns it, as in PyTorch. Reprs are
PyTorch's.
"""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import smooth_activations as F
from deltanet.nn.module import Module, call_named
from deltanet.nn.piecewise_activation import as_given


class CELU(Module):
    r"""Continuously differentiable ELU layer.

    $$
    a = \max(0, z) + \min\big(0, \alpha (e^{z / \alpha} - 1)\big)
    $$

    Args:
        alpha: $\alpha \ne 0$ (default 1.0).
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.CELU()(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = as_given(alpha, check.number(alpha, "alpha", "CELU"))
        if self.alpha == 0:
            raise ValueError("CELU: alpha must not be 0 (the formula divides by it), got 0")
        self.inplace = check.flag(inplace, "inplace", "CELU")

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.celu, z, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class _InplaceOnly(Module):
    """A layer without hyperparameters but PyTorch's ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SELU(_InplaceOnly):
    r"""Scaled ELU layer (self-normalizing networks), with fixed $\alpha = 1.6733$ and $\lambda = 1.0507$.

    $$
    a = \lambda \big(\max(0, z) + \min(0, \alpha (e^{z} - 1))\big)
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.SELU()(dn.tensor([1.0])).item(), 4)
        1.0507
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.selu, z, self.inplace)


class Mish(_InplaceOnly):
    r"""Mish layer: the input times the tanh of its softplus.

    $$
    a = z \tanh\big(\log(1 + e^{z})\big)
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.Mish()(dn.tensor([1.0])).item(), 4)
        0.8651
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.mish, z, self.inplace)


class LogSigmoid(Module):
    r"""Log-sigmoid layer, computed without overflow.

    $$
    a = \log \sigma(z) = -\log(1 + e^{-z})
    $$

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.LogSigmoid()(dn.tensor([0.0])).item(), 4)
        -0.6931
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.logsigmoid, z)


class Softsign(Module):
    r"""Softsign layer, with outputs in $(-1, 1)$.

    $$
    a = \frac{z}{1 + |z|}
    $$

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Softsign()(dn.tensor([1.0])).tolist()
        [0.5]
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.softsign, z)


class Tanhshrink(Module):
    r"""Tanhshrink layer: the input minus its tanh.

    $$
    a = z - \tanh z
    $$

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.Tanhshrink()(dn.tensor([1.0])).item(), 4)
        0.2384
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.tanhshrink, z)
