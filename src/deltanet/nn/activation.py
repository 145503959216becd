"""Activation layers: each ``forward`` calls the function of the same name in
``deltanet.functional.activations``, where the formula and the derivative are written.

``inplace=True`` overwrites the input with the output and returns it, as PyTorch's layers do:
the change is recorded by autograd (``deltanet.autograd.inplace.overwrite_with``), so the
gradient flows through the activation to the old value, and a leaf that requires grad cannot be
overwritten. Hyperparameters are plain attributes read at every call.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, as_tensor
from deltanet.autograd.inplace import overwrite_with
from deltanet.functional import activations as F
from deltanet.nn.functional_inplace import elu_, leaky_relu_, relu_
from deltanet.nn.module import Module, Parameter, call_named


def _softmax_axis(layer: Module, dim: int | None, z: Any) -> int:
    """``dim``, or PyTorch's implicit choice when it is None (with PyTorch's warning where it is
    not the last axis, the one a reader would guess)."""
    if dim is not None:
        return dim
    ndim = np.ndim(z.array if isinstance(z, Tensor) else z)
    axis = F.implicit_softmax_dim(ndim)
    if ndim >= 3:
        warnings.warn(
            f"{type(layer).__name__}(dim=None) on a {ndim}-D input takes axis {axis}, PyTorch's implicit "
            f"choice; pass dim= to say which axis holds the classes",
            UserWarning,
            stacklevel=4,  # the line that called the layer
        )
    return axis


class Step(Module):
    r"""Heaviside step, the perceptron's unit: $a = 1$ where $z \ge 0$, else 0; not trainable by backpropagation.

    Its backward raises a ``RuntimeError`` (see ``deltanet.functional.step``).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Step()(dn.tensor([-1.0, 0.0, 3.0])).array.tolist()
        [0.0, 1.0, 1.0]
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.step, z)


class Sigmoid(Module):
    r"""Logistic sigmoid layer, $a = \sigma(z)$, with outputs in $(0, 1)$.

    $$
    a = \frac{1}{1 + e^{-z}}, \qquad a' = a (1 - a)
    $$

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Sigmoid()(dn.tensor([0.0])).item()
        0.5
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.sigmoid, z)


class Tanh(Module):
    r"""Hyperbolic tangent layer, with outputs in $(-1, 1)$.

    $$
    a = \tanh z, \qquad a' = 1 - a^2
    $$

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.Tanh()(dn.tensor([1.0])).item(), 4)
        0.7616
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.tanh, z)


class ReLU(Module):
    r"""Rectified linear unit layer.

    $$
    a = \max(0, z), \qquad a' = [z > 0]
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReLU()(dn.tensor([-1.0, 2.0])).array.tolist()
        [0.0, 2.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)

    def forward(self, z: Tensor) -> Tensor:
        if self.inplace:
            return call_named(self, relu_, z)
        return call_named(self, F.relu, z)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    r"""Leaky ReLU layer: a small slope for negative inputs, so that a unit that is off still passes a gradient.

    $$
    a = \max(z, \text{negative\_slope} \cdot z)
    $$

    Args:
        negative_slope: slope for $z < 0$, in $[0, 1]$ (default 0.01, as PyTorch).
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.LeakyReLU(0.5)(dn.tensor([-2.0, 3.0])).array.tolist()
        [-1.0, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = check.number(negative_slope, "negative_slope", "LeakyReLU", low=0, high=1)
        self.inplace = check.flag(inplace, "inplace", "LeakyReLU")

    def forward(self, z: Tensor) -> Tensor:
        if self.inplace:
            return call_named(self, leaky_relu_, z, self.negative_slope)
        return call_named(self, F.leaky_relu, z, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    r"""Parametric ReLU (He et al. 2015): a leaky ReLU whose slope $\alpha$ is a learned parameter.

    $$
    a = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}
    $$

    The parameter ``weight`` holds $\alpha$: one value shared by all inputs, or one per channel
    (axis 1).

    Args:
        num_parameters: 1 (one $\alpha$ shared) or the number of channels $C$ (axis 1).
        init: the initial $\alpha$ (0.25, as PyTorch).
        dtype: float32 (default) or float64.

    Shape:
        - input: $(*)$ with one parameter; $(N, C, *)$ with ``num_parameters`` = $C$.
        - output: the input's shape.
        - weight: $(\text{num\_parameters},)$.

    Examples:
        >>> import deltanet as dn
        >>> layer = dn.nn.PReLU()
        >>> layer.weight.array.tolist()
        [0.25]
        >>> layer(dn.tensor([-2.0, 3.0])).array.tolist()
        [-0.5, 3.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = check.integer(num_parameters, "num_parameters", "PReLU", low=1)
        init = check.number(init, "init", "PReLU")
        dtype = backend.resolve_dtype(dtype or backend.DEFAULT_DTYPE, "PReLU")
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.prelu, z, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    r"""Exponential linear unit layer: smooth, with negative outputs down to $-\alpha$.

    $$
    a = \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}
    $$

    Args:
        alpha: $\alpha \ge 0$ (default 1.0).
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.ELU()(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = check.number(alpha, "alpha", "ELU", low=0)
        self.inplace = check.flag(inplace, "inplace", "ELU")

    def forward(self, z: Tensor) -> Tensor:
        if self.inplace:
            return call_named(self, elu_, z, self.alpha)
        return call_named(self, F.elu, z, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SiLU(Module):
    r"""Swish (SiLU) layer: the input times its sigmoid; ``Swish`` is the same class.

    $$
    a = z \, \sigma(z) = \frac{z}{1 + e^{-z}}
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.SiLU()(dn.tensor([1.0])).item(), 4)
        0.7311
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)

    def forward(self, z: Tensor) -> Tensor:
        if self.inplace:
            return call_named(self, overwrite_with, z, F.silu, "silu_")
        return call_named(self, F.silu, z)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


Swish = SiLU


class Softplus(Module):
    r"""Softplus layer, a smooth ReLU.

    $$
    a = \frac{1}{\beta} \log\left(1 + e^{\beta z}\right)
    $$

    taken as $a = z$ where $\beta z$ exceeds ``threshold``, as in PyTorch.

    Args:
        beta: $\beta > 0$, the sharpness (default 1).
        threshold: above this value of $\beta z$ the layer is linear (default 20).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.Softplus()(dn.tensor([0.0])).item(), 4)
        0.6931
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = check.number(beta, "beta", "Softplus", low=0, low_open=True)
        # an infinite threshold has a meaning (never linear, or always), as in PyTorch
        self.threshold = check.number(threshold, "threshold", "Softplus", finite=False)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.softplus, z, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    r"""Softmax along ``dim``: class probabilities that sum to 1.

    $$
    s_i = \frac{e^{z_i}}{\sum_k e^{z_k}}
    $$

    Do not put it before ``losses.CrossEntropy``, which takes logits and applies a stable
    log-softmax itself.

    Args:
        dim: the axis that holds the classes. None (PyTorch's default) takes PyTorch's implicit
            choice: the last axis of a 1-D or 2-D input, axis 0 of a 3-D one and axis 1 of a 4-D
            or larger one (with a warning for those).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape, summing to 1 along ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Softmax(dim=1)(dn.tensor([[1.0, 1.0, 1.0, 1.0]])).array.tolist()
        [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", type(self).__name__, none=True)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.softmax, z, axis=_softmax_axis(self, self.dim, z))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    r"""Logarithm of the softmax along ``dim``, computed stably with log-sum-exp.

    $$
    \log s_i = z_i - \log \sum_k e^{z_k}
    $$

    Args:
        dim: the axis that holds the classes; None (PyTorch's default) takes PyTorch's implicit
            choice, as ``Softmax`` does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.LogSoftmax()(dn.tensor([[0.0, 0.0]])).item(0), 4)
        -0.6931
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", type(self).__name__, none=True)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.log_softmax, z, axis=_softmax_axis(self, self.dim, z))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    r"""Gaussian error linear unit layer: the input weighted by its standard normal CDF $\Phi$.

    $$
    a = z \, \Phi(z) = \frac{z}{2} \left(1 + \mathrm{erf}\big(z / \sqrt{2}\big)\right)
    $$

    or, with ``approximate="tanh"``, $\frac{z}{2} \big(1 + \tanh(\sqrt{2/\pi}\,(z + 0.044715 z^3))\big)$
    (see ``deltanet.functional.gelu``).

    Args:
        approximate: "none" (default, exact) or "tanh".

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.GELU()(dn.tensor([1.0])).item(), 4)
        0.8413
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check.one_of(approximate, "approximate", ("none", "tanh"), "GELU")

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.gelu, z, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmin(Module):
    r"""Softmin along ``dim``: the softmax of $-z$, weights that favour the smallest values.

    $$
    s_i = \frac{e^{-z_i}}{\sum_k e^{-z_k}}
    $$

    Args:
        dim: the axis to normalize; None (PyTorch's default) takes PyTorch's implicit choice, as
            ``Softmax`` does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape, summing to 1 along ``dim``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Softmin(dim=1)(dn.tensor([[2.0, 2.0]])).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", type(self).__name__, none=True)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.softmin, z, axis=_softmax_axis(self, self.dim, z))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    r"""Softmax over the channels at every pixel: axis -3 of a $(N, C, H, W)$ or $(C, H, W)$ input.

    $$
    s_{c h w} = \frac{e^{z_{c h w}}}{\sum_k e^{z_{k h w}}}
    $$

    Shape:
        - input: $(N, C, H, W)$ or $(C, H, W)$.
        - output: the same shape, summing to 1 over $C$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.Softmax2d()(dn.tensor(np.zeros((1, 2, 1, 1)))).tolist()
        [[[[0.5]], [[0.5]]]]
    """

    def forward(self, z: Tensor) -> Tensor:
        z = call_named(self, as_tensor, z)
        ndim = z.ndim
        if ndim not in (3, 4):
            raise ValueError(f"{self!r}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got {ndim}-D")
        return call_named(self, F.softmax, z, axis=-3)


class GLU(Module):
    r"""Gated linear unit layer: the first half of ``dim`` gated by the sigmoid of the second.

    $$
    a = z_{[:h]} \odot \sigma(z_{[h:]})
    $$

    Args:
        dim: the axis that is halved (default -1).

    Shape:
        - input: $(*_1, 2h, *_2)$.
        - output: $(*_1, h, *_2)$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.GLU()(dn.tensor([[3.0, 0.0]])).tolist()
        [[1.5]]
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check.axis(dim, "dim", type(self).__name__)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.glu, z, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
