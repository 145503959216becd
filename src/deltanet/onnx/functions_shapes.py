r"""ONNX conversions of the Functions that move values between axes: ``reshape``, ``transpose``,
indexing and slicing, ``expand``, ``repeat``, ``cat``, ``stack`` and ``flip``
(``deltanet.onnx.functions.FUNCTIONS`` lists them).

Each writes its sizes so that they hold for any size of an axis that the operation keeps: a
``Reshape`` copies the leading axes it keeps with 0 and infers the batch's with -1 (or reads it from
the graph's input), a ``Slice`` keeps its bounds as written (``x[:, -1]``, ``x[..., 4:-4]``), an
``Expand`` writes 1 where a size is kept, a flip is a ``Slice`` of step -1 from the end; so the
input's batch and its other dynamic axes (``deltanet.onnx.dynamic_axes``) stay dynamic.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import shapes
from deltanet.onnx.calls import END, Call, Unconvertible
from deltanet.onnx.calls import int64 as _int64


def reshape(g: Any, call: Call) -> None:
    x, out = call.inputs[0], call.out
    target = list(out.shape)
    # 0 copies the input's size of an axis: the leading axes that a reshape keeps (attention's (N, T, E)
    # to (N, T, h, d)) stay dynamic, the batch's and a sequence's.
    kept = 0
    while kept < min(x.ndim, out.ndim) and x.shape[kept] == out.shape[kept] and out.shape[kept] != 0:
        kept += 1
    target[:kept] = [0] * kept
    batch = call.out_batch[0] if call.out_batch is not None and call.out_batch[0] >= kept else None
    if (
        batch is not None
        and getattr(g, "sizes", False)
        and out.ndim > kept + 1
        and out.shape[batch] == g.batch_size * call.out_batch[1]
    ):
        # The batch split from a merged axis ((L N, E) to (L, N, E)) while other axes may be dynamic: the
        # batch's size read from the graph's input, the trailing axes that the reshape keeps read from x
        # ((N h, L, S) to (N, h, L, S)), and -1 for the first other axis.
        tail = 0
        while tail < min(x.ndim, out.ndim - batch - 1) and x.shape[-1 - tail] == out.shape[-1 - tail]:
            tail += 1
        free = [axis for axis in range(kept, out.ndim - tail) if axis != batch]
        if free:
            target[free[0]] = -1
        pieces = [g.constant(f"{call.hint}.shape_before", _int64(target[:batch]))]
        pieces.append(_live_batch(g, call.hint, call.out_batch[1]))
        pieces.append(g.constant(f"{call.hint}.shape_after", _int64(target[batch + 1 : out.ndim - tail])))
        if tail:
            x_shape, kept_tail = g.fresh(f"{call.hint}.x_shape"), g.fresh(f"{call.hint}.x_tail")
            g.node("Shape", [call.names[0]], [x_shape])
            g.node(
                "Gather", [x_shape, g.constant(f"{call.hint}.tail", _int64(range(x.ndim - tail, x.ndim)))], [kept_tail]
            )
            pieces.append(kept_tail)
        shape = g.fresh(f"{call.hint}.shape")
        g.node("Concat", pieces, [shape], axis=0)
        g.node("Reshape", [call.names[0], shape], [call.dst])
        return
    if batch is not None:
        target[batch] = -1  # the axis that holds the batch (batch_axis.reshape)
    elif out.ndim == kept + 1 and 0 not in out.shape:
        target[kept] = -1  # the one axis after the kept ones: (N, C, H, W) to (N, C, H W)
    g.node("Reshape", [call.names[0], g.constant(f"{call.hint}.shape", _int64(target))], [call.dst])


def _live_batch(g: Any, hint: str, inner: int) -> str:
    """A 1-D int64 value of the graph input's batch size (its axis 0) times ``inner``."""
    shape, size = g.fresh(f"{hint}.input_shape"), g.fresh(f"{hint}.batch_size")
    g.node("Shape", [g.input_name], [shape])
    g.node("Gather", [shape, g.constant(f"{hint}.batch_axis", _int64([0]))], [size])
    if inner == 1:
        return size
    times = g.fresh(f"{hint}.batch_times_inner")
    g.node("Mul", [size, g.constant(f"{hint}.inner", _int64([inner]))], [times])
    return times


def transpose(g: Any, call: Call) -> None:
    ndim = call.inputs[0].ndim
    axes = call.options.get("axes")
    perm = list(range(ndim))[::-1] if axes is None else [int(a) % ndim for a in axes]
    g.node("Transpose", [call.names[0]], [call.dst], perm=perm)


def get_item(g: Any, call: Call) -> None:
    r"""``x[index]`` with ints, slices of positive step, ``None`` and ``...``: Slice, Squeeze, Unsqueeze."""
    x = call.inputs[0]
    parts = call.options["index"]
    parts = parts if isinstance(parts, tuple) else (parts,)
    if not shapes.is_basic_index(parts):
        raise Unconvertible("indexing with a tensor, list or mask has no conversion here (only ints and slices)")
    if any(p is Ellipsis for p in parts):
        at = parts.index(Ellipsis)
        used = sum(p is not None for p in parts) - 1
        parts = parts[:at] + (slice(None),) * (x.ndim - used) + parts[at + 1 :]
    cuts: list[tuple[int, int, int, int]] = []  # (start, end, axis, step) of each Slice
    dropped: list[int] = []
    inserted: list[int] = []
    axis = out_axis = 0
    for part in parts:
        if part is None:
            inserted.append(out_axis)
            out_axis += 1
            continue
        if isinstance(part, slice):
            step = 1 if part.step is None else int(part.step)
            if step < 1:
                raise Unconvertible(f"a slice of step {step} has no conversion here (only positive steps)")
            # The bounds as written (None: the ends), which ONNX's Slice reads as Python does for any
            # size of the axis: x[..., 4:-4] stays exact when the axis is dynamic.
            if not (part.start in (None, 0) and part.stop is None and step == 1):
                start = 0 if part.start is None else int(part.start)
                stop = END if part.stop is None else int(part.stop)
                cuts.append((start, stop, axis, step))
            out_axis += 1
        else:  # an int counted from its end of the axis: x[:, -1] is the last step of a sequence of any length
            i = int(part)
            if not -x.shape[axis] <= i < x.shape[axis]:
                raise Unconvertible(f"the index {i} is out of range for an axis of size {x.shape[axis]}")
            cuts.append((i, i + 1 if i != -1 else END, axis, 1))
            dropped.append(axis)
        axis += 1
    current = call.names[0]
    for op, done in (("Slice", cuts), ("Squeeze", dropped), ("Unsqueeze", inserted)):
        if not done:
            continue
        if op == "Slice":
            columns = [_int64(column) for column in zip(*cuts)]
            names = [g.constant(f"{call.hint}.{k}", v) for k, v in zip(("starts", "ends", "axes", "steps"), columns)]
        else:
            names = [g.constant(f"{call.hint}.{op.lower()}_axes", _int64(done))]
        result = g.fresh(f"{call.hint}.{op.lower()}")
        g.node(op, [current, *names], [result])
        current = result
    g.node("Identity", [current], [call.dst])


def expand(g: Any, call: Call) -> None:
    """Expand to the output's shape, with 1 on the axes that keep their size (so axis 0 stays dynamic)."""
    x, out = call.inputs[0], call.out
    lead = out.ndim - x.ndim
    target = [n if i < lead or x.shape[i - lead] != n else 1 for i, n in enumerate(out.shape)]
    g.node("Expand", [call.names[0], g.constant(f"{call.hint}.shape", _int64(target))], [call.dst])


def repeat(g: Any, call: Call) -> None:
    """Tile by ``repeats`` (the input given leading axes of size 1 first when there are more repeats than axes)."""
    x, repeats = call.inputs[0], tuple(call.options["repeats"])
    lead = len(repeats) - x.ndim
    current = call.names[0]
    if lead > 0:
        current = g.fresh(f"{call.hint}.unsqueezed")
        g.node("Unsqueeze", [call.names[0], g.constant(f"{call.hint}.lead", _int64(range(lead)))], [current])
    g.node("Tile", [current, g.constant(f"{call.hint}.repeats", _int64(repeats))], [call.dst])


def concatenate(g: Any, call: Call) -> None:
    g.node("Concat", call.names, [call.dst], axis=int(call.options["axis"]))


def stack(g: Any, call: Call) -> None:
    axis = int(call.options.get("axis", 0)) % call.out.ndim
    where = g.constant(f"{call.hint}.axis", _int64([axis]))
    expanded = []
    for name in call.names:
        one = g.fresh(f"{call.hint}.unsqueezed")
        g.node("Unsqueeze", [name, where], [one])
        expanded.append(one)
    g.node("Concat", expanded, [call.dst], axis=axis)


def flip(g: Any, call: Call) -> None:
    """``x.flip(dims)``: a Slice of step -1 from the end along each axis, for any size of the axes."""
    axes = [int(a) for a in call.options["axes"]]
    if not axes:
        g.node("Identity", call.names, [call.dst])
        return
    columns = ([-1] * len(axes), [-END - 1] * len(axes), axes, [-1] * len(axes))
    names = [g.constant(f"{call.hint}.{k}", _int64(v)) for k, v in zip(("starts", "ends", "axes", "steps"), columns)]
    g.node("Slice", [call.names[0], *names], [call.dst])
