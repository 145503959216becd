r"""``torch.nn.utils.convert_conv2d_weight_memory_format`` and ``..._conv3d_...``: in deltanet they
return the module as it is.

A memory format (``dn.channels_last``) changes only the order in which a tensor's values lie in
memory, never the values; PyTorch uses it to pick faster GPU kernels. deltanet's convolutions
compute the same values from any layout, so these two leave the weights where they are: the
results are PyTorch's either way, but the weights' strides are not (PyTorch lays them out in the
format). ``module.to(memory_format=dn.channels_last)`` lays out every 4-D parameter, as PyTorch's.

Importable by PyTorch's path: ``from deltanet.nn.utils.memory_format import ...``.
"""

from __future__ import annotations

from typing import Any

from deltanet.nn.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def convert_conv2d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    r"""Return ``module`` unchanged: the memory format of its ``Conv2d``/``ConvTranspose2d``
    weights is a layout, not a value (see the module docstring for the strides).

    Args:
        module: the model.
        memory_format: PyTorch's target layout (any value; it changes nothing here).

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` is not a ``Module``.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.Sequential(dn.nn.Conv2d(3, 8, 3))
        >>> dn.nn.utils.convert_conv2d_weight_memory_format(m, "channels_last") is m
        True
    """
    if not isinstance(module, Module):
        raise TypeError(f"convert_conv2d_weight_memory_format: expected a Module, got {type(module).__name__}")
    return module


def convert_conv3d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    r"""Return ``module`` unchanged, as ``convert_conv2d_weight_memory_format`` does for
    ``Conv3d``/``ConvTranspose3d`` weights.

    Args:
        module: the model.
        memory_format: PyTorch's target layout (any value; it changes nothing here).

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` is not a ``Module``.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.Conv3d(1, 2, 3)
        >>> dn.nn.utils.convert_conv3d_weight_memory_format(m, "channels_last_3d") is m
        True
    """
    if not isinstance(module, Module):
        raise TypeError(f"convert_conv3d_weight_memory_format: expected a Module, got {type(module).__name__}")
    return module
