"""What a converter of ``deltanet.onnx.functions`` receives (``Call``), and what it raises when a
Function, as it was called, has no conversion (``Unconvertible``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Call(NamedTuple):
    """One recorded application of a Function: what its converter needs."""

    inputs: tuple  # the Function's positional inputs (tensors, or constants)
    names: list[str]  # their value names in the graph
    options: dict[str, Any]  # its keyword options
    out: Any  # its output tensor (for shapes)
    dst: str  # the value name of its output
    hint: str  # a prefix for the names of constants and intermediate values
    dynamic_batch: bool  # whether axis 0 is the batch, of any size at inference
    name_of: Callable[[Any, str], str] | None = None  # the value name of another tensor or array (a Where's condition)
    batch: tuple = ()  # where each input holds the dynamic batch (deltanet.onnx.batch_axis), None without
    out_batch: Any = None  # where the output holds it


class Unconvertible(ValueError):
    """The Function, as it was called, has no conversion; the exporter names where it ran."""


#: A Slice's end that is past the end of any axis.
END = int(np.iinfo(np.int64).max)


def int64(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def check_batch(call: Call, keeps: bool, what: str) -> None:
    """Refuse an operation that changes the batch axis while that axis is dynamic."""
    if call.dynamic_batch and not keeps:
        raise Unconvertible(
            f"{what} changes axis 0, which the export keeps as the dynamic batch axis; export with "
            f"dynamic_batch=False to fix the batch size"
        )
