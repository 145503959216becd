r"""Collation: a list of samples becomes one batch, with the structure of one sample.

``default_collate`` is PyTorch's (``torch.utils.data.default_collate``) with deltanet Tensors:

| each sample's field | the batch's field |
|---|---|
| a Tensor or NumPy array of shape $s$ | a Tensor of shape $(B, s)$, the same dtype (promoted as ``torch.stack``) |
| a NumPy scalar | a Tensor of shape $(B,)$, its dtype |
| a Python ``float`` | a float64 Tensor (as PyTorch) |
| a Python ``int`` / ``bool`` | an int64 / bool Tensor |
| a ``str`` or ``bytes`` | the samples' values as they are |
| a dict, a named tuple | the same keys / type, each field collated |
| a tuple or list | a **list** of the collated positions (as PyTorch) |

``collate_arrays`` does the same with NumPy arrays at the leaves and keeps tuples as tuples: the
batches of deltanet's own ``deltanet.data.DataLoader``. ``default_convert`` turns the arrays in
one sample into Tensors without stacking (``DataLoader(batch_size=None)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.autograd.dtypes import promote_types

_KINDS = "fiub"  # the dtypes a Tensor holds


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch of Tensors, keeping the samples' structure (PyTorch's rules).

    Args:
        batch: the samples of one batch (at least one), all with the same structure.

    Returns:
        The batch: Tensors where the samples hold arrays, Tensors or numbers (see the module's
        table), inside the samples' dicts and sequences.

    Raises:
        TypeError: a field that cannot be stacked (None, an object, an array of strings).
        ValueError: fields of different shapes, or sequences or dicts that differ between samples.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.data import default_collate
        >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 0)])
        >>> x.shape, x.dtype, y.array.tolist(), y.dtype
        ((2, 3), dtype('float32'), [1, 0], dtype('int64'))
    """
    return _collate(batch, "default_collate", as_tensor=True)


def collate_arrays(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch of NumPy arrays, keeping the samples' structure (tuples stay tuples).

    The rules of ``default_collate`` with NumPy arrays in place of Tensors (arrays of strings are
    stacked too).

    Args:
        batch: the samples of one batch (at least one), all with the same structure.

    Returns:
        The batch, with NumPy arrays at the leaves.

    Raises:
        TypeError: a field that cannot be stacked (None, an object).
        ValueError: fields of different shapes, or sequences or dicts that differ between samples.

    Examples:
        >>> import numpy as np
        >>> from deltanet.data import collate_arrays
        >>> x, y = collate_arrays([(np.zeros(2), 3), (np.ones(2), 4)])
        >>> x.shape, y
        ((2, 2), array([3, 4]))
    """
    return _collate(batch, "collate_arrays", as_tensor=False)


def default_convert(data: Any) -> Any:
    """Turn the NumPy arrays and scalars in one sample into Tensors, without stacking (PyTorch's ``default_convert``).

    Args:
        data: one sample: an array, a number, or dicts and sequences of them.

    Returns:
        The same structure with Tensors for numeric arrays and NumPy scalars (tuples become lists,
        as in PyTorch); Python numbers, strings and Tensors stay as they are.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.data import default_convert
        >>> converted = default_convert((np.zeros(2), 1, "a"))
        >>> type(converted).__name__, type(converted[0]).__name__, converted[1:]
        ('list', 'Tensor', [1, 'a'])
    """
    if isinstance(data, np.ndarray | np.generic):
        return Tensor._make(np.asarray(data)) if data.dtype.kind in _KINDS else data
    if isinstance(data, Mapping):
        return _same_mapping(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return [default_convert(d) for d in data]
    return data


def _collate(batch: Sequence[Any], owner: str, as_tensor: bool) -> Any:
    if len(batch) == 0:
        raise ValueError(f"{owner}: expected at least one sample, got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor | np.ndarray):
        arrays = [b.array if isinstance(b, Tensor) else np.asarray(b) for b in batch]
        _check_shapes(owner, arrays)
        return _leaf(np.stack(arrays, dtype=_common_dtype(arrays, as_tensor)), owner, as_tensor)
    if isinstance(elem, np.generic):
        return _leaf(np.array(batch, dtype=_common_dtype(batch, as_tensor)), owner, as_tensor)
    if isinstance(elem, float):
        return _leaf(np.array(batch, dtype=np.float64), owner, as_tensor)
    if isinstance(elem, int):  # bool too
        # Tensor._make(list) follows PyTorch's torch.tensor(list): ints int64, bools bool, a float among them float32.
        return Tensor._make(list(batch)) if as_tensor else np.asarray(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, Mapping):
        keys = list(elem)
        for i, sample in enumerate(batch):
            if not isinstance(sample, Mapping) or set(sample) != set(keys):
                raise ValueError(f"{owner}: sample {i} has keys {_keys(sample)}, sample 0 has {sorted(map(str, keys))}")
        return _same_mapping(elem, {key: _collate([d[key] for d in batch], owner, as_tensor) for key in keys})
    if isinstance(elem, Sequence):
        size = len(elem)
        for i, sample in enumerate(batch):
            if not isinstance(sample, Sequence) or len(sample) != size:
                got = f"{len(sample)} fields" if isinstance(sample, Sequence) else f"a {type(sample).__name__}"
                raise ValueError(f"{owner}: sample {i} has {got}, sample 0 has {size}; every sample needs the same")
        columns = [_collate(column, owner, as_tensor) for column in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*columns)
        if isinstance(elem, tuple) and not as_tensor:
            return tuple(columns)
        return columns
    raise TypeError(f"{owner}: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}")


def _leaf(array: np.ndarray, owner: str, as_tensor: bool) -> Any:
    if not as_tensor:
        return array
    if array.dtype.kind not in _KINDS:
        raise TypeError(
            f"{owner}: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {array.dtype}"
        )
    return Tensor._make(array)


def _common_dtype(arrays: Sequence[Any], as_tensor: bool) -> np.dtype | None:
    """The batch's dtype where the samples' dtypes differ: PyTorch's promotion (``torch.stack``)
    for Tensors, NumPy's (None) for NumPy batches.

    NumPy's rule would turn an int64 sample beside a float32 one into float64; PyTorch's
    ``stack`` gives float32.
    """
    dtypes = {_scalar_dtype(a) for a in arrays}
    if not as_tensor or any(d.kind not in _KINDS for d in dtypes):
        return None
    dtype, *others = dtypes
    for other in others:
        dtype = promote_types(dtype, other)
    return dtype


def _scalar_dtype(value: Any) -> np.dtype:
    """A sample's dtype for the batch's promotion: its own, or PyTorch's for a Python number among
    NumPy scalars (bool, int64, float32 the default float, complex64), as ``torch.as_tensor(list)``."""
    if hasattr(value, "dtype"):
        return np.dtype(value.dtype)
    for kind, dtype in ((bool, np.bool_), (int, np.int64), (float, np.float32), (complex, np.complex64)):
        if isinstance(value, kind):
            return np.dtype(dtype)
    return np.asarray(value).dtype


def _check_shapes(owner: str, arrays: list[np.ndarray]) -> None:
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise ValueError(
                f"{owner}: sample {i} has shape {a.shape}, sample 0 has {shape}; samples stacked into one "
                f"batch need equal shapes (resize or pad them, or pass a collate_fn)"
            )


def _same_mapping(elem: Mapping[Any, Any], values: dict[Any, Any]) -> Any:
    """The collated dict as the samples' own mapping type where it can be built from a dict."""
    try:
        return type(elem)(values)  # type: ignore[call-arg]
    except TypeError:
        return values


def _keys(sample: Any) -> Any:
    return sorted(map(str, sample)) if isinstance(sample, Mapping) else f"none (a {type(sample).__name__})"
