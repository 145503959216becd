"""What ``Module.to(...)`` was asked for: a device, a dtype, or both, in PyTorch's spellings.

``model.to("cpu")``, ``model.to(dn.float64)``, ``model.to(device)``, ``model.to(other_tensor)``,
``model.to("cpu", np.float64)``, ``model.to(device="cpu", dtype=...)`` all work; the device must
be the CPU (deltanet has no GPU backend) and the dtype a floating type deltanet computes in (a
model's parameters stay floating point: ``model.to("int64")`` is refused).

TODO(tensor helper): switch to the shared device/dtype parser that ``deltanet.autograd`` will
provide (``Tensor.to`` parses the same arguments); this local one keeps ``Module.to`` working
until then.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor

# Device type names of PyTorch: a string among these is a device, any other string a dtype name.
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "mtia", "privateuseone")


def _device_type(value: Any) -> str | None:
    """The device type ("cpu", "cuda", ...) that ``value`` names, or None if it names none."""
    if isinstance(value, str):
        kind = value.split(":", 1)[0].strip().lower()
        return kind if kind in DEVICE_TYPES else None
    device_type = getattr(value, "type", None)  # dn.device / torch.device objects
    return device_type if isinstance(device_type, str) else None


def check_device(value: Any, owner: str) -> None:
    """Accept the CPU; refuse another device with a RuntimeError, anything else with a ValueError."""
    kind = _device_type(value)
    if kind is None:
        raise ValueError(f"{owner}: expected a device such as 'cpu', got {value!r}")
    if kind != "cpu":
        raise RuntimeError(
            f"{owner}: deltanet computes on the CPU with NumPy and has no {kind!r} backend; "
            f"use 'cpu' (or leave the device out)"
        )


def floating_dtype(value: Any, owner: str) -> np.dtype:
    """``value`` as a NumPy dtype that deltanet computes in (float32 or float64), or ValueError."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise ValueError(f"{owner}: expected a dtype such as float64, got {value!r}") from None
    if dtype.kind != "f":
        raise ValueError(
            f"{owner}: a model's parameters must stay floating point (float32 or float64), got {dtype.name}"
        )
    backend.check_dtype(dtype)
    return dtype


def parse_to_args(*args: Any, owner: str = "Module.to", **kwargs: Any) -> np.dtype | None:
    """The dtype that ``to(*args, **kwargs)`` asks for (None: keep it), after checking the device.

    Args:
        *args: a device, a dtype, a tensor (its dtype), or a device then a dtype.
        owner: the name for the messages.
        **kwargs: ``device=``, ``dtype=``, and ``non_blocking=``/``copy=``/``memory_format=``
            (accepted and ignored: there is nothing to copy between devices).

    Returns:
        The floating dtype asked for, or None.

    Raises:
        ValueError: an argument that is no device or dtype, a non-floating dtype, float16.
        RuntimeError: a device other than the CPU.

    Examples:
        >>> import numpy as np
        >>> from deltanet.nn.conversion import parse_to_args
        >>> parse_to_args("cpu", np.float64)
        dtype('float64')
        >>> parse_to_args("cpu") is None
        True
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"{owner}() got unexpected keyword arguments {sorted(unknown)}")
    if len(args) > 2:
        raise TypeError(f"{owner}() takes a device and/or a dtype, got {len(args)} positional arguments")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for value in args:
        if isinstance(value, Tensor):
            dtype = value.dtype
        elif _device_type(value) is not None:
            device = value
        elif isinstance(value, bool):
            raise ValueError(f"{owner}: expected a device or a dtype, got {value!r}")
        else:
            dtype = value
    if device is not None:
        check_device(device, owner)
    return None if dtype is None else floating_dtype(dtype, owner)
