r"""``torch.nn.utils.convert_conv2d_weight_memory_format`` and ``..._conv3d_...``: the weights of
every convolution in a model laid out in a memory format, as PyTorch's.

A memory format (``dn.channels_last``) changes only the order in which a tensor's values lie in
memory, never the values; PyTorch uses it to pick faster GPU kernels. deltanet's convolutions
compute the same values from any layout, so the results are unchanged; the weights' strides become
PyTorch's (``Conv2d(3, 8, 3)``'s weight in ``dn.channels_last``: ``stride() == (27, 1, 9, 3)``).
As PyTorch's, each ``Conv2d``/``ConvTranspose2d`` (``Conv3d``/``ConvTranspose3d``) weight gets a
new array in the format (the ``Parameter`` stays the same object, as with ``weight.data = ...``),
and the format is checked only where such a layer is found: not a memory format raises TypeError,
``dn.preserve_format`` or a format of another rank RuntimeError.

Importable by PyTorch's path: ``from deltanet.nn.utils.memory_format import ...``.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd.memory_formats import check_format, laid_out, preserve_format
from deltanet.nn.conv import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d
from deltanet.nn.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module: Module, memory_format: Any, kinds: tuple[type, ...], owner: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{owner}: expected a Module, got {type(module).__name__}")
    for m in module.modules():
        if isinstance(m, kinds):
            fmt = check_format(memory_format, owner)
            if fmt is preserve_format:
                raise RuntimeError(f"{owner}: unsupported memory format preserve_format (PyTorch's resize_ refuses it)")
            weight: Any = getattr(m, "weight")  # noqa: B009 - every convolution has one
            weight.array = laid_out(weight.array, fmt, owner)
    return module


def convert_conv2d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    r"""Lay out the weight of every ``Conv2d`` and ``ConvTranspose2d`` in ``module`` (itself
    included) in ``memory_format``; the values, and so the results, stay the same.

    Args:
        module: the model.
        memory_format: ``dn.channels_last`` or ``dn.contiguous_format``.

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` is not a ``Module``, or (where a convolution is found)
            ``memory_format`` is not a memory format.
        RuntimeError: ``dn.preserve_format``, or ``dn.channels_last_3d`` for a 4-D weight.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.Sequential(dn.nn.Conv2d(3, 8, 3))
        >>> dn.nn.utils.convert_conv2d_weight_memory_format(m, dn.channels_last) is m
        True
        >>> m[0].weight.stride()
        (27, 1, 9, 3)
    """
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d), "convert_conv2d_weight_memory_format")


def convert_conv3d_weight_memory_format(module: Module, memory_format: Any) -> Module:
    r"""Lay out the weight of every ``Conv3d`` and ``ConvTranspose3d`` in ``module`` (itself
    included) in ``memory_format``, as ``convert_conv2d_weight_memory_format`` does in 2-D.

    Args:
        module: the model.
        memory_format: ``dn.channels_last_3d`` or ``dn.contiguous_format``.

    Returns:
        ``module``.

    Raises:
        TypeError: ``module`` is not a ``Module``, or (where a convolution is found)
            ``memory_format`` is not a memory format.
        RuntimeError: ``dn.preserve_format``, or ``dn.channels_last`` for a 5-D weight.

    Examples:
        >>> import deltanet as dn
        >>> m = dn.nn.Conv3d(1, 2, 3)
        >>> dn.nn.utils.convert_conv3d_weight_memory_format(m, dn.channels_last_3d).weight.stride()
        (27, 1, 9, 3, 1)
    """
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d), "convert_conv3d_weight_memory_format")
