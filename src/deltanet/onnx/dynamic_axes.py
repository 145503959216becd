r"""``export``'s ``dynamic_axes``: which axes of the input (and outputs) have a symbolic size, and the
check that keeps the graph exact for every size of them.

``dynamic_axes`` is PyTorch's: a dict from the input's or an output's name to ``{axis: name}``, or
to a list of axes (named ``{key}_dynamic_axes_1``, ``_2``, ... as PyTorch names them). The input's
axis 0 is the *batch*, which ``deltanet.onnx.batch_axis`` follows through reshapes and transposes;
each other dynamic axis of the input is a *size* axis (a sequence's length, an image's height).

How a size axis stays exact. The converters write sizes into the graph only where an operation
needs them (a ``Reshape``'s target, a ``Slice``'s bounds, a resampling matrix), and write them so
that they do not depend on an axis that keeps its place: ``0`` copies an axis in a ``Reshape``,
``-1`` infers one, a slice keeps its bounds as written (``x[:, -1]``, ``x[..., 4:-4]``), ``Resize``
repeats by an integer factor. So the model is traced a second time with each size axis doubled
(``grown``), and ``same_at_sizes`` compares the two graphs: the same operators, attributes and
constants, or the operation whose constant or attribute holds the size is refused by name, since
the graph would hold that size fixed. The outputs of the second trace show which output axes follow
the input's (``output_dims``). ``export`` then verifies the graph in onnxruntime at a third size
of every dynamic axis (``deltanet.onnx.verification.same_outputs``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.onnx import verification
from deltanet.onnx.converters import ExportError


def parse(dynamic_axes: Any) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` as ``{name: {axis: axis name}}`` (the axes are checked by ``input_axes`` and
    ``output_dims``).

    Raises:
        ExportError: a value is not a dict or list of int axes, or an axis repeats.
    """
    if not isinstance(dynamic_axes, dict):
        raise ExportError(
            f"export: dynamic_axes must be a dict from an input or output name to {{axis: name}} or a list "
            f"of axes, got {type(dynamic_axes).__name__}"
        )
    parsed: dict[str, dict[int, str]] = {}
    for key, value in dynamic_axes.items():
        if isinstance(value, (list, tuple)):
            value = {axis: f"{key}_dynamic_axes_{i + 1}" for i, axis in enumerate(value)}
        if not isinstance(value, dict) or not all(check.is_integer(a) for a in value):
            raise ExportError(
                f"export: dynamic_axes[{key!r}] must be {{axis: name}} or a list of int axes, got {value!r}"
            )
        axes = {int(a): str(n) for a, n in value.items()}
        if len(axes) != len(value):
            raise ExportError(f"export: dynamic_axes[{key!r}] names an axis twice: {value!r}")
        parsed[str(key)] = axes
    return parsed


def input_axes(parsed: dict[str, dict[int, str]], input_name: str, ndim: int) -> dict[int, str]:
    """The input's dynamic axes, each in ``[0, ndim)``."""
    axes = {}
    for axis, name in parsed.get(input_name, {}).items():
        if not -ndim <= axis < ndim:
            raise ExportError(f"export: dynamic_axes[{input_name!r}] names axis {axis}, but the input has {ndim} axes")
        axes[axis % ndim] = name
    return axes


def grown(shape: tuple[int, ...], axis: int, factor: int = 2) -> tuple[int, ...]:
    """``shape`` with ``axis`` ``factor`` times larger (a multiple keeps the sizes a network divides by)."""
    return tuple(n * factor if i == axis else n for i, n in enumerate(shape))


def same_at_sizes(graph: Any, other: Any, axis: int, name: str, sizes: tuple[int, int]) -> None:
    """Refuse a graph that holds the size of the input's dynamic ``axis`` as a constant.

    ``graph`` was traced with the axis of size ``sizes[0]``, ``other`` with ``sizes[1]``; a graph
    exact for every size is the same for both.

    Raises:
        ExportError: naming the operator (and the constant, whose name begins with the place in the
            model where it was made) that differs.
    """
    fix = (
        "export with dynamic_batch=False or leave axis 0 out of dynamic_axes"
        if axis == 0
        else "leave that axis out of dynamic_axes"
    )
    why = (
        f"so the graph would hold the size of the input's axis {axis} ({name!r}) fixed; {fix}, or compute "
        f"the size-dependent part with operations that keep it (see deltanet.onnx.dynamic_axes)"
    )
    difference = verification.first_difference(graph, other)
    if difference is None:
        return
    if difference.kind == "operators":
        raise ExportError(
            f"export: the model's forward runs other operations for another size of the input's axis {axis} "
            f"({difference.first} for size {sizes[0]}, {difference.second} for size {sizes[1]}), {why}"
        )
    if difference.kind == "attribute":
        raise ExportError(
            f"export: the attribute {difference.name!r} of {difference.node} depends on the size of the input's "
            f"axis {axis} ({name!r}) in the trace, {why}"
        )
    raise ExportError(
        f"export: the constant '{difference.name}' (read by {difference.node}) is {_show(difference.first)} for "
        f"size {sizes[0]} of the input's axis {axis} and {_show(difference.second)} for size {sizes[1]}, {why}"
    )


def _show(a: np.ndarray) -> str:
    return str(a.tolist()) if a.size <= 8 else f"an array of shape {a.shape}"


def output_dims(
    base: list[tuple[int, ...]],
    changed: list[tuple[str, tuple[int, int], list[tuple[int, ...]]]],
    names: list[str],
    given: dict[str, dict[int, str]],
) -> list[list[Any]]:
    """Each output's dims: an int, or the symbolic name of the input axes that change it (``"2*N"``
    where it is a whole multiple of one input axis in both traces: the batch concatenated with itself).

    Args:
        base: the outputs' shapes for the traced input.
        changed: for each dynamic axis of the input, its name, its two traced sizes, and the outputs'
            shapes with that axis grown.
        names: the outputs' names (``given`` may name their axes: PyTorch's ``dynamic_axes`` for an output).
        given: the parsed ``dynamic_axes``.

    Raises:
        ExportError: ``given`` names an axis that an output does not have.
    """
    dims_all = []
    for i, (shape, out_name) in enumerate(zip(base, names)):
        dims: list[Any] = list(shape)
        for axis in range(len(shape)):
            followed = [
                (name, sizes, shapes[i][axis]) for name, sizes, shapes in changed if shapes[i][axis] != shape[axis]
            ]
            if followed:
                dims[axis] = "*".join(name for name, _, _ in followed)
            if len(followed) == 1:
                name, (before, after), grown_size = followed[0]
                k = shape[axis] // before
                if k > 1 and shape[axis] == k * before and grown_size == k * after:
                    dims[axis] = f"{k}*{name}"
        for axis, axis_name in given.get(out_name, {}).items():
            if not -len(shape) <= axis < len(shape):
                raise ExportError(
                    f"export: dynamic_axes[{out_name!r}] names axis {axis}, but that output has {len(shape)} axes"
                )
            dims[axis % len(shape)] = axis_name
        dims_all.append(dims)
    return dims_all
