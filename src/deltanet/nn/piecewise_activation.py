"""Layers of the piecewise-linear activations (hard tanh, ReLU6, hard sigmoid and swish, the
shrinkages, threshold, randomized leaky ReLU): each ``forward`` calls the function of the same name
in ``deltanet.functional.piecewise_activations``, where the formula and its slope are written.

``inplace=True`` overwrites the input with the output and returns it, as in PyTorch (see
``deltanet.autograd.inplace.overwrite_with``). Reprs are PyTorch's.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import piecewise_activations as F
from deltanet.nn.module import Module, call_named


def _inplace_repr(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


def as_given(value: Any, checked: float) -> float:
    """The checked number, kept an int when an int was given: PyTorch's reprs show ``Threshold(threshold=0.1,
    value=20)`` for ``value=20``, and so does a model printed here."""
    return int(value) if check.is_integer(value) else checked


class Hardtanh(Module):
    r"""Hard tanh layer: the input clipped to $[\text{min\_val}, \text{max\_val}]$.

    $$
    a = \min(\max(z, \text{min\_val}), \text{max\_val})
    $$

    Args:
        min_val: the lower end (default -1).
        max_val: the upper end (default 1).
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Hardtanh(-2.0, 2.0)(dn.tensor([-3.0, 1.0])).tolist()
        [-2.0, 1.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        owner = type(self).__name__
        self.min_val = as_given(min_val, check.number(min_val, "min_val", owner))
        self.max_val = as_given(max_val, check.number(max_val, "max_val", owner))
        if self.max_val < self.min_val:
            raise ValueError(f"{owner}: max_val must be at least min_val, got min_val={min_val}, max_val={max_val}")
        self.inplace = check.flag(inplace, "inplace", owner)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.hardtanh, z, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self.inplace)


class ReLU6(Hardtanh):
    r"""ReLU capped at 6 (MobileNet): ``Hardtanh(0, 6)``.

    $$
    a = \min(\max(0, z), 6)
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReLU6()(dn.tensor([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    r"""Hard sigmoid layer (MobileNetV3): 0 below -3, 1 above 3, linear between.

    $$
    a = \min(\max(0, z + 3), 6) / 6
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Hardsigmoid()(dn.tensor([0.0])).tolist()
        [0.5]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.hardsigmoid, z, self.inplace)


class Hardswish(Module):
    r"""Hard swish layer (MobileNetV3): the input times its hard sigmoid.

    $$
    a = z \min(\max(0, z + 3), 6) / 6
    $$

    Args:
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Hardswish()(dn.tensor([1.0])).item()
        0.6666666865348816
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check.flag(inplace, "inplace", type(self).__name__)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.hardswish, z, self.inplace)


class Hardshrink(Module):
    r"""Hard shrinkage layer: values within $\lambda$ of 0 become 0.

    $$
    a = z \, [|z| > \lambda]
    $$

    Args:
        lambd: $\lambda \ge 0$ (default 0.5).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Hardshrink()(dn.tensor([0.25, -1.0])).tolist()
        [0.0, -1.0]
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = as_given(lambd, check.number(lambd, "lambd", type(self).__name__, low=0))

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.hardshrink, z, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    r"""Soft shrinkage layer: every value moves $\lambda$ towards 0, stopping at 0.

    $$
    a = \mathrm{sign}(z) \max(|z| - \lambda, 0)
    $$

    Args:
        lambd: $\lambda \ge 0$ (default 0.5).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Softshrink()(dn.tensor([0.25, -1.0])).tolist()
        [0.0, -0.5]
    """

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.softshrink, z, self.lambd)


class Threshold(Module):
    r"""Threshold layer: values above ``threshold`` pass, the others become ``value``.

    $$
    a = \begin{cases} z & z > \text{threshold} \\ \text{value} & \text{otherwise} \end{cases}
    $$

    Args:
        threshold: the cut.
        value: the replacement.
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Threshold(0.1, 20.0)(dn.tensor([0.0, 1.0])).tolist()
        [20.0, 1.0]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        owner = type(self).__name__
        self.threshold = as_given(threshold, check.number(threshold, "threshold", owner, finite=False))
        self.value = as_given(value, check.number(value, "value", owner, finite=False))
        self.inplace = check.flag(inplace, "inplace", owner)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.threshold, z, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace_repr(self.inplace)


class RReLU(Module):
    r"""Randomized leaky ReLU layer: random negative slopes in training, their mean in evaluation.

    $$
    a = \begin{cases} z & z > 0 \\ r z & z \le 0 \end{cases}, \qquad r \sim U(\text{lower}, \text{upper})
    $$

    The slopes are drawn from deltanet's generator (``deltanet.manual_seed``), not PyTorch's.

    Args:
        lower: the smallest slope (default 1/8).
        upper: the largest slope (default 1/3).
        inplace: overwrite the input with the output and return it, as PyTorch does.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.RReLU(0.1, 0.3).eval()(dn.tensor([-1.0, 1.0])).tolist()
        [-0.20000000298023224, 1.0]
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        owner = type(self).__name__
        self.lower = as_given(lower, check.number(lower, "lower", owner))
        self.upper = as_given(upper, check.number(upper, "upper", owner))
        if self.upper < self.lower:
            raise ValueError(f"{owner}: upper must be at least lower, got lower={lower}, upper={upper}")
        self.inplace = check.flag(inplace, "inplace", owner)

    def forward(self, z: Tensor) -> Tensor:
        return call_named(self, F.rrelu, z, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self.inplace)
