r"""``clamp_min`` and ``clamp_max``, PyTorch's one-sided clamps: ``clamp(x, min=m)`` and
``clamp(x, max=m)`` under the names PyTorch code calls (``x.clamp_min(eps)`` in normalisations).

They are ``elementwise.clamp`` itself, with its gradient (1 inside the range, bounds included),
its dtypes and its bounds (a number or a tensor).
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd.elementwise import clamp
from deltanet.autograd.tensor import Tensor


def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""$\max(x, \text{min})$, elementwise: values below ``min`` become ``min``.

    Args:
        input: a tensor.
        min: the lower bound, a number or a tensor (broadcast).

    Examples:
        >>> import deltanet as dn
        >>> dn.tensor([0.0, 3.0]).clamp_min(1e-3).tolist()
        [0.0010000000474974513, 3.0]
    """
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""$\min(x, \text{max})$, elementwise: values above ``max`` become ``max``.

    Args:
        input: a tensor.
        max: the upper bound, a number or a tensor (broadcast).

    Examples:
        >>> import deltanet as dn
        >>> dn.clamp_max(dn.tensor([0.5, 3.0]), 1.0).tolist()
        [0.5, 1.0]
    """
    return clamp(input, max=max)


__all__ = ["clamp_max", "clamp_min"]
