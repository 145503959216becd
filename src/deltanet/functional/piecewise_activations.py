r"""Piecewise-linear activations: the hard (clipped) units of mobile networks and the shrinkage
functions of sparse coding, each with PyTorch's name, arguments and kinks.

Each forward keeps the slope $h'(z)$ it used (0, 1 or a constant per element), and backward is
$\delta \odot h'(z)$. At a kink the slope is PyTorch's: the side where the gradient is 0 includes
the kink (``hardtanh`` passes no gradient at $z = \text{min\_val}$, ``threshold`` none at
$z = \text{threshold}$).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Function, Tensor
from deltanet.autograd.inplace import negative_slope_refusal, overwrite_with
from deltanet.autograd.ops import gated
from deltanet.functional.activations import _as_float


class Hardtanh(Function):
    r"""$a = \min(\max(z, \text{lo}), \text{hi})$; $a' = 1$ strictly inside $(\text{lo}, \text{hi})$, else 0."""

    def forward(self, z: np.ndarray, min_val: float, max_val: float) -> np.ndarray:
        # PyTorch's test: no gradient where z <= min_val or z >= max_val (a NaN passes it on)
        self.save_for_backward(~((z <= min_val) | (z >= max_val)))
        return np.clip(z, min_val, max_val)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (inside,) = self.saved_tensors
        return gated(delta, inside)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Hard tanh: the input clipped to $[\text{min\_val}, \text{max\_val}]$, a cheap $\tanh$.

    $$
    a = \min(\max(z, \text{min\_val}), \text{max\_val}), \qquad a' = [\text{min\_val} < z < \text{max\_val}]
    $$

    Args:
        input: the pre-activation $z$ (floating-point).
        min_val: the lower end (default -1).
        max_val: the upper end (default 1), not below ``min_val``.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.hardtanh(dn.tensor([-2.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    min_val = check.number(min_val, "min_val", "hardtanh")
    max_val = check.number(max_val, "max_val", "hardtanh")
    if check.flag(inplace, "inplace", "hardtanh"):
        return overwrite_with(input, lambda z: hardtanh(z, min_val, max_val), "hardtanh_")
    if max_val < min_val:
        raise ValueError(f"hardtanh: max_val must be at least min_val, got min_val={min_val}, max_val={max_val}")
    return Hardtanh.apply(_as_float(input, "hardtanh"), min_val=min_val, max_val=max_val)


def relu6(input: Any, inplace: bool = False) -> Tensor:
    r"""ReLU capped at 6 (MobileNet): ``hardtanh(z, 0, 6)``.

    $$
    a = \min(\max(0, z), 6), \qquad a' = [0 < z < 6]
    $$

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.relu6(dn.tensor([-1.0, 3.0, 8.0])).tolist()
        [0.0, 3.0, 6.0]
    """
    if check.flag(inplace, "inplace", "relu6"):
        return overwrite_with(input, relu6, "relu6_")
    return Hardtanh.apply(_as_float(input, "relu6"), min_val=0.0, max_val=6.0)


class Hardsigmoid(Function):
    r"""$a = \min(\max(0, z + 3), 6) / 6$; $a' = 1/6$ for $-3 < z < 3$, else 0."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.save_for_backward(((z > -3) & (z < 3)).astype(z.dtype) / 6)
        return np.clip(z + 3, 0, 6) / 6

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return gated(delta, slope)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    r"""Hard sigmoid (MobileNetV3): a piecewise-linear sigmoid, 0 below -3 and 1 above 3.

    $$
    a = \frac{\min(\max(0, z + 3), 6)}{6}, \qquad a' = \tfrac16 [-3 < z < 3]
    $$

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.hardsigmoid(dn.tensor([-4.0, 0.0, 4.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    if check.flag(inplace, "inplace", "hardsigmoid"):
        return overwrite_with(input, hardsigmoid, "hardsigmoid_")
    return Hardsigmoid.apply(_as_float(input, "hardsigmoid"))


class Hardswish(Function):
    r"""$a = z \min(\max(0, z + 3), 6) / 6$; $a' = 0$ up to -3, $z/3 + 1/2$ between, 1 from 3 on."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        slope = np.where(z <= -3, 0, np.where(z < 3, z / 3 + 0.5, 1)).astype(z.dtype, copy=False)
        self.save_for_backward(slope)
        with np.errstate(invalid="ignore"):  # -inf * 0: NaN, as in PyTorch, without a warning
            return z * np.clip(z + 3, 0, 6) / 6

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (slope,) = self.saved_tensors
        return gated(delta, slope)


def hardswish(input: Any, inplace: bool = False) -> Tensor:
    r"""Hard swish (MobileNetV3): the input times its hard sigmoid.

    $$
    a = z \, \frac{\min(\max(0, z + 3), 6)}{6}, \qquad
    a' = \begin{cases} 0 & z \le -3 \\ z / 3 + 1/2 & -3 < z < 3 \\ 1 & z \ge 3 \end{cases}
    $$

    Args:
        input: the pre-activation $z$.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.hardswish(dn.tensor([-4.0, 0.0, 4.0])).tolist()
        [-0.0, 0.0, 4.0]
    """
    if check.flag(inplace, "inplace", "hardswish"):
        return overwrite_with(input, hardswish, "hardswish_")
    return Hardswish.apply(_as_float(input, "hardswish"))


class Shrink(Function):
    r"""Soft or hard shrinkage by $\lambda$: $a' = 1$ where $|z| > \lambda$, else 0."""

    def forward(self, z: np.ndarray, lambd: float, soft: bool) -> np.ndarray:
        inside = (z >= -lambd) & (z <= lambd)  # PyTorch's test, so a NaN stays NaN with slope 1
        self.save_for_backward(~inside)
        if not soft:
            return np.where(inside, 0, z).astype(z.dtype, copy=False)
        # a 0 with z's sign inside, as PyTorch's z * 0: a negative value shrinks to -0.0
        return np.where(inside, np.copysign(0, z), z - np.copysign(lambd, z)).astype(z.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (outside,) = self.saved_tensors
        return gated(delta, outside)


def _lambd(lambd: Any, owner: str) -> float:
    return check.number(lambd, "lambd", owner, low=0)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    r"""Hard shrinkage: values within $\lambda$ of 0 become 0, the others pass unchanged.

    $$
    a = \begin{cases} z & |z| > \lambda \\ 0 & |z| \le \lambda \end{cases}
    $$

    Args:
        input: the pre-activation $z$.
        lambd: $\lambda \ge 0$ (default 0.5; PyTorch's spelling, ``lambda`` being a Python word).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.hardshrink(dn.tensor([-1.0, 0.25, 2.0])).tolist()
        [-1.0, 0.0, 2.0]
    """
    return Shrink.apply(_as_float(input, "hardshrink"), lambd=_lambd(lambd, "hardshrink"), soft=False)


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    r"""Soft shrinkage (the proximal step of the L1 penalty): move every value $\lambda$ towards 0, stopping at 0.

    $$
    a = \begin{cases} z - \lambda & z > \lambda \\ z + \lambda & z < -\lambda \\ 0 & \text{otherwise} \end{cases}
    $$

    Args:
        input: the pre-activation $z$.
        lambd: $\lambda \ge 0$ (default 0.5).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.softshrink(dn.tensor([-1.0, 0.25, 2.0])).tolist()
        [-0.5, 0.0, 1.5]
    """
    return Shrink.apply(_as_float(input, "softshrink"), lambd=_lambd(lambd, "softshrink"), soft=True)


class Threshold(Function):
    r"""$a = z$ where $z > \text{threshold}$, else ``value``; $a' = [z > \text{threshold}]$."""

    def forward(self, z: np.ndarray, threshold: float, value: float) -> np.ndarray:
        above = ~(z <= threshold)  # PyTorch's test, so a NaN passes through
        self.save_for_backward(above)
        return np.where(above, z, value).astype(z.dtype, copy=False)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (above,) = self.saved_tensors
        return gated(delta, above)


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    r"""Keep the values above ``threshold``, replace the others by ``value``.

    $$
    a = \begin{cases} z & z > \text{threshold} \\ \text{value} & z \le \text{threshold} \end{cases}
    $$

    Args:
        input: the pre-activation $z$.
        threshold: the cut (required, as in PyTorch).
        value: what replaces the values at or below it (required).
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.threshold(dn.tensor([-1.0, 0.5, 2.0]), 1.0, 0.0).tolist()
        [0.0, 0.0, 2.0]
    """
    threshold = check.number(threshold, "threshold", "threshold", finite=False)
    value = check.number(value, "value", "threshold", finite=False)
    if check.flag(inplace, "inplace", "threshold"):
        return overwrite_with(
            input, lambda z: Threshold.apply(_as_float(z, "threshold"), threshold=threshold, value=value), "threshold_"
        )
    return Threshold.apply(_as_float(input, "threshold"), threshold=threshold, value=value)


class RReLU(Function):
    r"""$a = z$ for $z > 0$, else $r z$ with the slopes $r$ given; $a' = 1$ or $r$."""

    def forward(self, z: np.ndarray, slope: np.ndarray | float) -> np.ndarray:
        scale = np.where(z > 0, 1, slope).astype(z.dtype, copy=False)
        self.save_for_backward(scale)
        return z * scale

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (scale,) = self.saved_tensors
        return gated(delta, scale)


def rrelu(
    input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    r"""Randomized leaky ReLU (Xu et al. 2015): in training each negative value gets its own random slope.

    $$
    a = \begin{cases} z & z > 0 \\ r z & z \le 0 \end{cases}, \qquad
    r \sim U(\text{lower}, \text{upper}) \text{ (training)}, \quad r = (\text{lower} + \text{upper}) / 2 \text{ (eval)}
    $$

    The slopes are drawn from deltanet's default generator (``deltanet.manual_seed``), so the
    values differ from PyTorch's draws in training; in evaluation the two agree.

    Args:
        input: the pre-activation $z$.
        lower: the smallest slope (default 1/8).
        upper: the largest slope (default 1/3), not below ``lower``.
        training: draw random slopes (True) or use their mean (False, the default).
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.functional.rrelu(dn.tensor([-3.0, 2.0]), 0.1, 0.3).tolist()
        [-0.6000000238418579, 2.0]
    """
    lower = check.number(lower, "lower", "rrelu")
    upper = check.number(upper, "upper", "rrelu")
    training = check.flag(training, "training", "rrelu")
    if check.flag(inplace, "inplace", "rrelu"):
        refused = None if training else negative_slope_refusal((lower + upper) / 2, "leakyReLu")
        return overwrite_with(input, lambda z: rrelu(z, lower, upper, training), "rrelu_", True, refused)
    if upper < lower:
        raise ValueError(f"rrelu: upper must be at least lower, got lower={lower}, upper={upper}")
    z = _as_float(input, "rrelu")
    slope: np.ndarray | float = (lower + upper) / 2
    if training:
        slope = backend.get_rng(None).uniform(lower, upper, z.shape)
    return RReLU.apply(z, slope=slope)
