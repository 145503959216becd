r"""Padding layers with PyTorch's names: ``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``,
``ReplicationPad2d`` and their 1-D and 3-D versions.

Each is one call to ``deltanet.functional.pad`` with the layer's ``padding`` (in PyTorch's order:
the last axis first, its left then its right amount) and mode. Along an axis of size $n$ padded by
$p$ before, output position $i \in [-p, n + p')$ reads the input at $i$ itself inside, and outside
a constant $c$ (``ConstantPad``, ``ZeroPad`` with $c = 0$), the mirror image $|i|$ or
$2(n - 1) - i$ without repeating the edge (``ReflectionPad``, the CycleGAN and pix2pix generators'
padding), or the nearest edge $\min(\max(i, 0), n - 1)$ (``ReplicationPad``). The gradient of each
input element is the sum of $\delta$ over the output positions that read it.
"""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.padding import pad
from deltanet.nn.module import Module, call_named


class _PadNd(Module):
    """The shared part: ``padding`` as a tuple of $2d$ ints, the mode, and the input's rank."""

    _dims = 0
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        name, n = type(self).__name__, 2 * self._dims
        if check.is_integer(padding):
            padding = (int(padding),) * n
        if not isinstance(padding, (tuple, list)) or len(padding) != n or not all(check.is_integer(p) for p in padding):
            raise check.fail(name, "padding", f"an int or a tuple of {n} ints", padding)
        self.padding = tuple(int(p) for p in padding)

    def _value(self) -> float | None:
        return None

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else call_named(self, Tensor._make, x)
        ranks = (self._dims + 1, self._dims + 2)
        if self._mode != "constant" and x.ndim not in ranks:
            raise ValueError(
                f"{type(self).__name__}: expected an input with {ranks[0]} or {ranks[1]} axes "
                f"(unbatched or batched), got shape {x.shape}"
            )
        return call_named(self, pad, x, self.padding, self._mode, self._value())

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = float(check.number(value, "value", type(self).__name__))

    def _value(self) -> float | None:
        return self.value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    r"""Pad the last axis with the constant $c$ (``value``).

    Args:
        padding: an int (both sides) or (left, right).
        value: the constant $c$.

    Shape:
        - input: $(*, L)$.
        - output: $(*, L + p_{left} + p_{right})$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ConstantPad1d((1, 2), 9.0)(dn.tensor([[1.0, 2.0]])).tolist()
        [[9.0, 1.0, 2.0, 9.0, 9.0]]
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    r"""Pad the last two axes with the constant $c$ (``value``).

    Args:
        padding: an int (all four sides) or (left, right, top, bottom).
        value: the constant $c$.

    Shape:
        - input: $(*, H, W)$.
        - output: $(*, H + p_{top} + p_{bottom}, W + p_{left} + p_{right})$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ConstantPad2d((1, 0, 0, 1), -1.0)(dn.tensor([[[1.0, 2.0]]])).tolist()
        [[[-1.0, 1.0, 2.0], [-1.0, -1.0, -1.0]]]
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    r"""Pad the last three axes with the constant $c$ (``value``).

    Args:
        padding: an int (all six sides) or (left, right, top, bottom, front, back).
        value: the constant $c$.

    Shape:
        - input: $(*, D, H, W)$.
        - output: $(*, D + p_{front} + p_{back}, H + p_{top} + p_{bottom}, W + p_{left} + p_{right})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.ConstantPad3d(1, 0.5)(dn.tensor(np.zeros((1, 1, 2, 2, 2)))).shape
        (1, 1, 4, 4, 4)
    """

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    r"""Pad the last axis with zeros: ``ConstantPad1d`` with $c = 0$.

    Args:
        padding: an int (both sides) or (left, right).

    Shape:
        - input: $(*, L)$.
        - output: $(*, L + p_{left} + p_{right})$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ZeroPad1d(1)(dn.tensor([[1.0, 2.0]])).tolist()
        [[0.0, 1.0, 2.0, 0.0]]
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    r"""Pad the last two axes with zeros: ``ConstantPad2d`` with $c = 0$.

    Args:
        padding: an int (all four sides) or (left, right, top, bottom).

    Shape:
        - input: $(*, H, W)$.
        - output: $(*, H + p_{top} + p_{bottom}, W + p_{left} + p_{right})$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ZeroPad2d((0, 1, 1, 0))(dn.tensor([[[1.0, 2.0]]])).tolist()
        [[[0.0, 0.0, 0.0], [1.0, 2.0, 0.0]]]
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    r"""Pad the last three axes with zeros: ``ConstantPad3d`` with $c = 0$.

    Args:
        padding: an int (all six sides) or (left, right, top, bottom, front, back).

    Shape:
        - input: $(*, D, H, W)$.
        - output: $(*, D + p_{front} + p_{back}, H + p_{top} + p_{bottom}, W + p_{left} + p_{right})$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.ZeroPad3d((1, 1, 0, 0, 0, 0))(dn.tensor(np.ones((1, 1, 1, 1, 1)))).array.ravel().tolist()
        [0.0, 1.0, 0.0]
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    r"""Pad the last axis with its mirror image, the edge not repeated: $x_{-i} = x_i$.

    Args:
        padding: an int (both sides) or (left, right), each smaller than the axis.

    Shape:
        - input: $(C, L)$ or $(N, C, L)$.
        - output: the same with $L + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReflectionPad1d(2)(dn.tensor([[1.0, 2.0, 3.0]])).tolist()
        [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    r"""Pad the last two axes with their mirror image, the edge not repeated: $x_{-i} = x_i$.

    Args:
        padding: an int (all four sides) or (left, right, top, bottom), each smaller than its axis.

    Shape:
        - input: $(C, H, W)$ or $(N, C, H, W)$.
        - output: the same with $H + p_{top} + p_{bottom}$ and $W + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReflectionPad2d((1, 1, 0, 0))(dn.tensor([[[1.0, 2.0]]])).tolist()
        [[[2.0, 1.0, 2.0, 1.0]]]
    """

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    r"""Pad the last three axes with their mirror image, the edge not repeated: $x_{-i} = x_i$.

    Args:
        padding: an int (all six sides) or (left, right, top, bottom, front, back).

    Shape:
        - input: $(C, D, H, W)$ or $(N, C, D, H, W)$.
        - output: the same, each of $D, H, W$ grown by its two amounts.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.ReflectionPad3d(1)(dn.tensor(np.zeros((1, 1, 2, 2, 2)))).shape
        (1, 1, 4, 4, 4)
    """

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    r"""Pad the last axis by repeating its edge values: $x_{-i} = x_0$, $x_{n - 1 + i} = x_{n - 1}$.

    Args:
        padding: an int (both sides) or (left, right).

    Shape:
        - input: $(C, L)$ or $(N, C, L)$.
        - output: the same with $L + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReplicationPad1d((2, 1))(dn.tensor([[1.0, 2.0]])).tolist()
        [[1.0, 1.0, 1.0, 2.0, 2.0]]
    """

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    r"""Pad the last two axes by repeating their edge values (the nearest edge pixel).

    Args:
        padding: an int (all four sides) or (left, right, top, bottom).

    Shape:
        - input: $(C, H, W)$ or $(N, C, H, W)$.
        - output: the same with $H + p_{top} + p_{bottom}$ and $W + p_{left} + p_{right}$.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.ReplicationPad2d((1, 0, 0, 1))(dn.tensor([[[1.0, 2.0]]])).tolist()
        [[[1.0, 1.0, 2.0], [1.0, 1.0, 2.0]]]
    """

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    r"""Pad the last three axes by repeating their edge values (the nearest edge voxel).

    Args:
        padding: an int (all six sides) or (left, right, top, bottom, front, back).

    Shape:
        - input: $(C, D, H, W)$ or $(N, C, D, H, W)$.
        - output: the same, each of $D, H, W$ grown by its two amounts.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.ReplicationPad3d(1)(dn.tensor(np.ones((1, 1, 1, 1, 1)))).array.sum().item()
        27.0
    """

    _dims, _mode = 3, "replicate"


__all__ = [
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]
