"""What the writer accepts as data: deltanet Tensors, NumPy arrays, Python numbers and lists.

PyTorch's ``SummaryWriter`` takes a ``torch.Tensor`` (detached, copied to the CPU), a NumPy array
or a Python number; here a deltanet ``Tensor`` takes the torch Tensor's place. Anything else is
refused with the argument's name, so that a wrong argument order (``add_scalar(step, loss)``)
fails where it is made.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor


def as_array(value: Any, name: str, owner: str) -> np.ndarray:
    r"""``value`` as a NumPy array, without its autograd history.

    Args:
        value: a deltanet ``Tensor``, a NumPy array or number, a Python number or bool, or a
            (nested) list of numbers.
        name: the argument's name, for the message.
        owner: the method that takes it, for the message.

    Returns:
        The values as an array (a Tensor's own array: callers must not write to it).

    Raises:
        TypeError: a string, None, a dict, or an object that is not numeric data.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.utils.tensorboard.arrays import as_array
        >>> as_array(dn.tensor([1.0, 2.0], requires_grad=True), "values", "add_histogram")
        array([1., 2.], dtype=float32)
    """
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, (str, bytes)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array
    raise TypeError(
        f"{owner}: {name} must be a deltanet Tensor, a NumPy array or a number, "
        f"got {type(value).__name__} {value!r:.60}"
    )


def as_scalar(value: Any, name: str, owner: str) -> float:
    r"""The one real number that ``value`` holds, as a Python float.

    Args:
        value: a number, or a Tensor or array of exactly one element (any number of dimensions).
        name: the argument's name, for the message.
        owner: the method that takes it, for the message.

    Returns:
        ``float`` of the element.

    Raises:
        TypeError: not numeric data, or a complex number.
        ValueError: more or fewer than one element (log ``x.mean()`` or each element by name).

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.arrays import as_scalar
        >>> as_scalar(np.array([[0.25]]), "scalar_value", "add_scalar")
        0.25
    """
    array = as_array(value, name, owner)
    if array.size != 1:
        raise ValueError(
            f"{owner}: {name} must hold exactly one number (a scalar such as loss.item() or x.mean()), "
            f"got an array of shape {tuple(array.shape)}"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {name} must be a real number, got dtype {array.dtype}")
    return float(array.reshape(()))


def as_step(value: Any, name: str, owner: str) -> int | None:
    r"""A global step as an ``int``: an integer, an integral float, or a one-element integer Tensor.

    A fractional step (``epoch + i / len(loader)``) is refused: TensorBoard's steps are integers,
    and PyTorch's ``int(step)`` would put several points silently on one step.

    Args:
        value: the step, or None (the event then carries no step: TensorBoard shows 0).
        name: the argument's name, for the message.
        owner: the method that takes it, for the message.

    Returns:
        The step, or None.

    Raises:
        ValueError: a fractional or non-finite number, a bool, or not a number.

    Examples:
        >>> from deltanet.utils.tensorboard.arrays import as_step
        >>> as_step(3.0, "global_step", "add_scalar")
        3
    """
    if value is None:
        return None
    if isinstance(value, (Tensor, np.ndarray)) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.array.reshape(()).item() if isinstance(value, Tensor) else value.reshape(()).item()
    if check.is_integer(value):
        return int(value)
    if check.is_number(value) and float(value).is_integer():
        return int(value)
    raise check.fail(owner, name, "an integer step (TensorBoard's steps are whole numbers)", value)
