r"""Where the dynamic batch axis is in each traced value, so that attention's transposes and reshapes export.

With ``dynamic_batch`` the input's axis 0 is the batch, of any size $N$ at inference. A value's
batch is described by ``(axis, inner)``: the axis whose size holds the factor $N$, and the product
of the factors finer than $N$ in that axis (1 unless a reshape merged the batch with a finer axis:
attention's $(L, N, E) \to (L, N h, d)$ has the batch in axis 1 with ``inner`` $= h$); ``None``
for a value without a batch (a constant). The rules here follow the batch through each
Function and refuse an operation that would tie the graph to the traced $N$:

- a transpose moves it; a reshape finds it again, since the stride of $N$ in the flattened
  values, ``inner`` times the sizes of the later axes, is the same before and after (the
  converter writes $-1$ for that axis);
- elementwise operations keep it where broadcasting aligns it; a matrix product keeps it in a
  row or column, and refuses to sum over it; reductions and slices refuse to touch it, an int
  index takes one sample (``x[-1]``: a Slice counted from the end); ``cat`` along it of pieces
  that all hold it gives $k N$ rows (a later reshape finds $N$ by its stride), a constant piece is refused;
- the other operations (convolutions, pooling, padding, ...) need it in axis 0, undivided.

The trace runs with $N \ge 2$, where the axis holding the factor $N$ is the only one that can.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.autograd import inplace, ops, reductions, rounding, shapes, sorting
from deltanet.functional import activations, piecewise_activations, smooth_activations
from deltanet.functional.activations import LogSoftmax, Softmax
from deltanet.functional.linear import Linear

Batch = tuple[int, int] | None
FIRST: Batch = (0, 1)


class Refused(ValueError):
    """The operation would tie the graph to the traced batch size."""


def refuse(axis: int, what: str) -> Refused:
    return Refused(
        f"{what} changes axis {axis}, which the export keeps as the dynamic batch axis; export with "
        f"dynamic_batch=False to fix the batch size"
    )


def _ndim(value: Any) -> int:
    return int(np.ndim(value.array if hasattr(value, "array") else value))


def aligned(operands: list[tuple[int, Batch]], out_ndim: int, what: str) -> Batch:
    """The batch of an elementwise result: each operand's (ndim, batch) aligned to the right."""
    found: set[tuple[int, int]] = set()
    for ndim, batch in operands:
        if batch is not None:
            found.add((batch[0] + out_ndim - ndim, batch[1]))
    if len(found) > 1:
        raise Refused(f"{what} combines values whose batch axes are not aligned ({sorted(found)})")
    return found.pop() if found else None


def reshape(x_shape: tuple, out_shape: tuple, batch: Batch, n: int) -> Batch:
    """The batch of ``x`` reshaped: the output axis that holds the factor N at the same stride."""
    if batch is None:
        return None
    axis, inner = batch
    if axis == 0 and inner == 1 and out_shape[:1] == x_shape[:1]:
        return FIRST
    stride = inner * math.prod(x_shape[axis + 1 :])
    for j in range(len(out_shape)):
        later = math.prod(out_shape[j + 1 :])
        if stride % later == 0 and (math.prod(out_shape[j:]) % (stride * n)) == 0:
            return (j, stride // later)
    raise refuse(axis, f"a reshape from {x_shape} to {out_shape}")


def get_item(x_shape: tuple, parts: tuple, batch: Batch) -> Batch:
    """The batch of ``x[parts]`` (ints, slices, None, ...): a slice must leave it whole; an int takes
    one sample of it (``x[0]``, ``x[-1]``, counted from that end), and the axis goes."""
    if batch is None:
        return None
    if any(p is Ellipsis for p in parts):
        at = parts.index(Ellipsis)
        used = sum(p is not None for p in parts) - 1
        parts = parts[:at] + (slice(None),) * (len(x_shape) - used) + parts[at + 1 :]
    parts = parts + (slice(None),) * (len(x_shape) - sum(p is not None for p in parts))
    axis = out_axis = 0
    found: Batch = None
    for part in parts:
        if part is None:
            out_axis += 1
            continue
        if axis == batch[0]:
            if not isinstance(part, slice):
                if batch[1] != 1:
                    raise refuse(axis, f"the index {part} of an axis that merges the batch with another")
                return None  # x[0], x[-1]: one sample (or step) of any number, counted from an end
            if part.indices(x_shape[axis]) != (0, x_shape[axis], 1):
                raise refuse(axis, f"the slice {part} of the batch axis")
            found = (out_axis, batch[1])
        out_axis += isinstance(part, slice)
        axis += 1
    return found


def matmul(a_ndim: int, b_ndim: int, a: Batch, b: Batch, out_ndim: int) -> Batch:
    """The batch of ``A @ B``: in A's rows, B's columns or the broadcast leading axes, never summed over."""
    found: set[tuple[int, int]] = set()
    for ndim, batch, summed in ((a_ndim, a, a_ndim - 1), (b_ndim, b, b_ndim - 2)):
        if batch is None:
            continue
        if ndim < 2 or batch[0] == summed:
            raise refuse(batch[0], "a matrix product that sums over the batch axis")
        found.add((batch[0] + out_ndim - ndim, batch[1]))
    if len(found) > 1:
        raise Refused(f"a matrix product of two values with their batch axes in different places ({sorted(found)})")
    return found.pop() if found else None


def reduced(batch: Batch, axes: list[int], keepdims: bool, what: str) -> Batch:
    if batch is None:
        return None
    if batch[0] in axes:
        raise refuse(batch[0], f"{what} over the batch axis")
    return batch if keepdims else (batch[0] - sum(a < batch[0] for a in axes), batch[1])


ELEMENTWISE = {
    ops.Add,
    ops.Mul,
    ops.Div,
    ops.Neg,
    ops.ReLU,
    ops.Sigmoid,
    ops.Tanh,
    ops.Exp,
    ops.Log,
    ops.Sqrt,
    ops.Abs,
    ops.Maximum,
    ops.Minimum,
    ops.Pow,
    ops.Clamp,
    ops.Cast,
    ops.Where,
    rounding.Rounded,
    Softmax,  # along another axis than the batch's, or along it: Softmax is the same for any size
    LogSoftmax,
    activations.LeakyReLU,
    activations.ELU,
    activations.SiLU,
    activations.Softplus,
    activations.GELU,
    piecewise_activations.Hardtanh,
    piecewise_activations.Hardsigmoid,
    piecewise_activations.Hardswish,
    smooth_activations.CELU,
    smooth_activations.SELU,
    smooth_activations.Mish,
    smooth_activations.LogSigmoid,
}


#: Layers whose conversion holds for the batch in any axis (it keeps the axes, or maps the last one only).
SHAPE_KEEPING = (
    nn.Linear,
    nn.LayerNorm,
    nn.RMSNorm,
    nn.Identity,
    nn.Dropout,
    nn.ReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.SiLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.Softplus,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Mish,
    nn.Hardtanh,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.CELU,
    nn.SELU,
)


def layer_output(module: Any, x: Any, batch: Batch, out_ndim: int) -> Batch:
    """The batch of a layer's output: where it was for the layers that keep the axes; the others need it in axis 0."""
    if batch is None or batch == FIRST:
        return batch if out_ndim else None
    if (
        not isinstance(module, SHAPE_KEEPING)
        or out_ndim != x.ndim
        or (isinstance(module, (nn.Linear, nn.LayerNorm, nn.RMSNorm)) and batch[0] == x.ndim - 1)
    ):
        raise refuse(batch[0], f"the layer {type(module).__name__}, which needs the batch in axis 0,")
    return batch


def output(cls: type, inputs: tuple, options: dict[str, Any], out: Any, batches: tuple, n: int) -> Batch:
    """The batch of the output of ``cls`` applied to ``inputs`` (each with its batch in ``batches``).

    Raises:
        Refused: the operation changes the batch axis, or needs it where it is not.
    """
    x: Any = inputs[0] if inputs else None
    b = batches[0] if batches else None
    name = getattr(cls, "__name__", "operation")
    if all(batch is None for batch in batches):
        return None
    if cls in ELEMENTWISE:
        operands = [(_ndim(t), batch) for t, batch in zip(inputs, batches)]
        if cls is ops.Where:
            operands.append((_ndim(options["condition"]), batches[-1] if len(batches) > len(inputs) else None))
        return aligned(operands, out.ndim, f"the operation {name}")
    if cls is sorting.CumSum:  # a running sum along its axis, the batch's or another
        if b is not None and b[0] == int(options["axis"]) % x.ndim:
            raise refuse(b[0], "a running sum along the batch axis")
        return b
    if cls is inplace.Overwrite or cls is sorting.Flip:  # x.copy_(src): x's batch; a flip keeps every axis
        return b
    if cls is shapes.Transpose:
        axes = options.get("axes")
        perm = list(range(x.ndim))[::-1] if axes is None else [int(a) % x.ndim for a in axes]
        return None if b is None else (perm.index(b[0]), b[1])
    if cls is shapes.Reshape:
        return reshape(tuple(x.shape), tuple(out.shape), b, n)
    if cls is shapes.GetItem:
        parts = options["index"]
        return get_item(tuple(x.shape), parts if isinstance(parts, tuple) else (parts,), b)
    if cls is ops.MatMul:
        return matmul(_ndim(inputs[0]), _ndim(inputs[1]), batches[0], batches[1], out.ndim)
    if cls is Linear:
        if b is not None and b[0] == x.ndim - 1:
            raise refuse(b[0], "a linear map of the batch axis")
        return b
    if cls in (reductions.Sum, reductions.Max, reductions.ExtremeAlong):
        axis = options.get("axis")
        axes = list(range(x.ndim)) if axis is None else [int(a) % x.ndim for a in np.atleast_1d(axis)]
        keep = cls is reductions.ExtremeAlong or bool(options.get("keepdims", False))  # ExtremeAlong keeps its axis
        return reduced(b, axes, keep, "a sum" if cls is reductions.Sum else "a maximum")
    if cls in (shapes.Cat, shapes.Stack):
        axis = int(options.get("axis", 0)) % out.ndim
        found = aligned([(_ndim(t), batch) for t, batch in zip(inputs, batches)], x.ndim, f"the operation {name}")
        if found is None:
            return None
        if cls is shapes.Cat:
            # Along the batch axis: k pieces that each hold the batch there give k N rows, which the
            # graph's Concat computes for any N; a piece without the batch (a constant) would add rows
            # of a fixed count, and a later reshape could no longer find N.
            if axis == found[0] and any(batch is None for batch in batches):
                raise refuse(axis, "concatenating a constant along the batch axis")
            return found
        return (found[0] + 1, found[1]) if axis <= found[0] else found
    if cls in (shapes.Expand, shapes.Repeat):
        lead = out.ndim - x.ndim
        if b is None:
            return None
        kept = x.shape[b[0]] == out.shape[b[0] + lead] if cls is shapes.Expand else options["repeats"][b[0] + lead] == 1
        if not kept:
            raise refuse(b[0], f"{'expanding' if cls is shapes.Expand else 'repeating'} {x.shape} to {out.shape}")
        return (b[0] + lead, b[1])
    # Convolutions, pooling, padding, resampling, PReLU, batch norm: the batch in axis 0, undivided.
    for batch in batches:
        if batch is not None and batch != FIRST:
            raise refuse(batch[0], f"the operation {name}, which needs the batch in axis 0,")
    return FIRST if out.ndim else None
