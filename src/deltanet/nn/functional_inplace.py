r"""The in-place activations of ``torch.nn.functional`` (``F.relu_``, ``F.elu_``, ``F.hardtanh_``,
...): each computes the activation of its input and writes it into the input
(``deltanet.autograd.inplace.overwrite_with``, the machinery of ``copy_`` and the ``*_`` tensor
methods), which autograd records: the gradient flows through the activation to the old value,
and a function that saved the old value raises "modified by an inplace operation" at
``backward()``, as in PyTorch. Each returns the input itself. The ``inplace=True`` of
``F.relu``, ``F.elu``, ``nn.ReLU``, ``nn.Dropout``, ... goes the same way.

As in PyTorch, the input must be a tensor, and a leaf that requires a gradient (or a view of
one) cannot be overwritten outside ``no_grad``; call them on an intermediate result
(``F.relu_(conv(x))``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.autograd.inplace import negative_slope_refusal, overwrite_with
from deltanet.functional import activations as _act
from deltanet.functional import piecewise_activations as _pw
from deltanet.functional import smooth_activations as _sm


def _overwrite(
    input: Any, compute: Callable[[Tensor], Tensor], owner: str, saves_result: bool = True, refused: Any = None
) -> Tensor:
    if not isinstance(input, Tensor):
        raise check.fail(owner, "input", "a Tensor (it is overwritten in place)", type(input).__name__)
    return overwrite_with(input, compute, owner, saves_result, refused)


def relu_(input: Tensor) -> Tensor:
    r"""In place: $z \leftarrow \max(0, z)$; returns ``input``.

    Args:
        input: the tensor to overwrite.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.relu_(dn.tensor([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    if not isinstance(input, Tensor):
        raise check.fail("relu_", "input", "a Tensor (it is overwritten in place)", type(input).__name__)
    return input.relu_()


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    r"""In place: $z \leftarrow$ ``elu(z, alpha)`` ($z$, or $\alpha (e^z - 1)$ for $z \le 0$); returns ``input``.

    Args:
        input: the tensor to overwrite.
        alpha: $\alpha$.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.elu_(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """
    return _overwrite(input, lambda z: _act.elu(z, alpha), "elu_", refused=negative_slope_refusal(alpha, "elu"))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""In place: $z \leftarrow$ ``leaky_relu(z, negative_slope)``; returns ``input``.

    Args:
        input: the tensor to overwrite.
        negative_slope: the slope for $z \le 0$.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.leaky_relu_(dn.tensor([-2.0, 1.0]), 0.5).tolist()
        [-1.0, 1.0]
    """
    refused = negative_slope_refusal(negative_slope, "leakyReLu")
    return _overwrite(input, lambda z: _act.leaky_relu(z, negative_slope), "leaky_relu_", refused=refused)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    r"""In place: $z \leftarrow \min(\max(z, \text{min\_val}), \text{max\_val})$; returns ``input``.

    Args:
        input: the tensor to overwrite.
        min_val: the lower end.
        max_val: the upper end.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.hardtanh_(dn.tensor([-3.0, 0.5])).tolist()
        [-1.0, 0.5]
    """
    return _overwrite(input, lambda z: _pw.hardtanh(z, min_val, max_val), "hardtanh_", saves_result=False)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    r"""In place: $z \leftarrow z$ where $z > \text{threshold}$, else ``value``; returns ``input``.

    Args:
        input: the tensor to overwrite.
        threshold: the cut.
        value: the replacement.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.threshold_(dn.tensor([0.0, 2.0]), 1.0, -1.0).tolist()
        [-1.0, 2.0]
    """
    return _overwrite(input, lambda z: _pw.threshold(z, threshold, value), "threshold_", saves_result=False)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    r"""In place: $z \leftarrow$ ``rrelu(z, lower, upper, training)``; returns ``input``.

    Args:
        input: the tensor to overwrite.
        lower: the smallest slope.
        upper: the largest slope.
        training: draw random slopes (True) or use their mean.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> F.rrelu_(dn.tensor([-2.0, 1.0]), 0.1, 0.3).tolist()
        [-0.4000000059604645, 1.0]
    """
    refused = None if training else negative_slope_refusal((lower + upper) / 2, "leakyReLu")
    return _overwrite(input, lambda z: _pw.rrelu(z, lower, upper, training), "rrelu_", refused=refused)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    r"""In place: $z \leftarrow$ ``celu(z, alpha)``; returns ``input``.

    Args:
        input: the tensor to overwrite.
        alpha: $\alpha \ne 0$.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.celu_(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """
    return _overwrite(input, lambda z: _sm.celu(z, alpha), "celu_", refused=negative_slope_refusal(alpha, "elu"))


def selu_(input: Tensor) -> Tensor:
    r"""In place: $z \leftarrow$ ``selu(z)``; returns ``input``.

    Args:
        input: the tensor to overwrite.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> round(F.selu_(dn.tensor([1.0])).item(), 4)
        1.0507
    """
    return _overwrite(input, _sm.selu, "selu_")
