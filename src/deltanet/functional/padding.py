r"""``pad``: add values around the last axes of a tensor, as ``torch.nn.functional.pad``.

The padding is given as in PyTorch, last axis first: ``(left, right)`` pads the last axis,
``(left, right, top, bottom)`` the last two, and so on. Every output position along a padded
axis reads one input position (or the constant), so along each axis the op is a gather with a
table ``source`` of input indices, $-1$ marking the constant:

| mode | ``source`` for the positions before the input ($i = 1, \dots$ from the edge) |
|---|---|
| constant | $-1$ (the value) |
| reflect | $i$ (the edge is not repeated: ``3 2 | 1 2 3 4``... reads ``2 1 | 0 1 2``) |
| replicate | $0$ (the edge value) |
| circular | $n - i$ (wraps around) |

and symmetrically after it. A negative amount crops instead (constant mode, as in PyTorch).
The backward pass sends each output's $\delta$ back to the input position it read, adding up
where several read the same one (the edges in replicate mode, the reflected rows):

$$
\frac{\partial L}{\partial x_j} = \sum_{i \,:\, \text{source}(i) = j} \delta_i
$$
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor

MODES = ("constant", "reflect", "replicate", "circular")


def _source(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Input index read by each output position along one axis (-1: the constant)."""
    i = np.arange(-before, n + after)
    if mode == "constant":
        return np.where((i >= 0) & (i < n), i, -1)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    if period == 0:
        return np.zeros_like(i)
    j = np.abs(i) % period
    return np.where(j < n, j, period - j)


class Pad(Function):
    r"""Gather along each padded axis by its ``source`` table; backward adds $\delta$ back (module docstring)."""

    def forward(self, x: np.ndarray, sources: tuple, value: float) -> np.ndarray:
        self.sources, self.shape = sources, x.shape
        a = x
        for axis, source in sources:
            a = np.take(a, np.maximum(source, 0), axis=axis)
            constant = source < 0
            if constant.any():
                index = [slice(None)] * a.ndim
                index[axis] = constant
                a[tuple(index)] = value
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        g = delta
        for axis, source in reversed(self.sources):
            n = self.shape[axis]
            read = source >= 0
            moved = np.moveaxis(g, axis, 0)
            out = np.zeros((n,) + moved.shape[1:], dtype=delta.dtype)
            np.add.at(out, source[read], moved[read])
            g = np.moveaxis(out, 0, axis)
        return g


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    r"""Pad the last axes of ``input``, PyTorch's pad-tuple order: last axis first.

    $$
    \text{out}_i = \begin{cases} x_{\text{source}(i)} & \text{source}(i) \ge 0 \\ c & \text{otherwise} \end{cases},
    \qquad
    \frac{\partial L}{\partial x_j} = \sum_{i \,:\, \text{source}(i) = j} \delta_i
    $$

    where ``source`` maps each output position to the input position it copies (see the module
    docstring for the four modes) and $c$ is ``value``.

    Args:
        input: the tensor to pad.
        pad: $(p_{\text{left}}, p_{\text{right}})$ for the last axis, then the pair for the axis
            before it, and so on (an even number of ints, at most two per axis). In constant
            mode a negative amount crops.
        mode: "constant" (default), "reflect" (mirror without repeating the edge), "replicate"
            (repeat the edge) or "circular" (wrap around).
        value: the fill value of constant mode (default 0); the other modes take none.

    Raises:
        ValueError: an odd-length or too long ``pad``, an unknown mode, a value with a mode that
            takes none, a reflect pad not smaller than the axis, or a non-constant pad of a rank
            PyTorch does not pad (2 to 5 axes; 1, 2 or 3 padded axes, one or two axes before them).

    Shape:
        - input: $(*, S_1, \dots, S_k)$ with $k$ = ``len(pad) // 2``.
        - output: $(*, S_1 + p_1, \dots, S_k + p_k)$, $p_j$ the sum of the pair for axis $j$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([[[0.0, 1.0, 2.0]]]))
        >>> dn.functional.pad(x, (2, 1)).array.tolist()
        [[[0.0, 0.0, 0.0, 1.0, 2.0, 0.0]]]
        >>> dn.functional.pad(x, (2, 1), mode="reflect").array.tolist()
        [[[2.0, 1.0, 0.0, 1.0, 2.0, 1.0]]]
        >>> dn.functional.pad(x, (2, 1), mode="replicate").array.tolist()
        [[[0.0, 0.0, 0.0, 1.0, 2.0, 2.0]]]
    """
    owner = "pad"
    x = input if isinstance(input, Tensor) else Tensor._make(input)
    check.one_of(mode, "mode", MODES, owner)
    amounts = _amounts(pad, x.ndim, owner)
    if mode == "constant":
        fill = 0.0 if value is None else _fill(value)
    else:
        if value is not None and value != 0:
            raise ValueError(f"{owner}: mode {mode!r} takes no value (it copies input values), got value={value!r}")
        fill = 0.0
        _check_non_constant(x, amounts, mode, owner)
    sources = []
    for k, (before, after) in enumerate(amounts):
        axis = x.ndim - 1 - k
        n = x.shape[axis]
        if n + before + after < 0:
            raise ValueError(f"{owner}: padding {(before, after)} of axis {axis} (size {n}) gives a negative size")
        if before or after:
            sources.append((axis, _source(n, before, after, mode)))
    return Pad.apply(x, sources=tuple(sources), value=fill)


def _fill(value: Any) -> float:
    """A constant for a float tensor: any real number, NaN and the infinities included (as PyTorch)."""
    if not check.is_number(value):
        raise check.fail("pad", "value", "a number", value)
    return float(value)


def _amounts(pad: Any, ndim: int, owner: str) -> list[tuple[int, int]]:
    try:
        values = [check.integer(p, "pad", owner) for p in pad]
    except TypeError:
        raise check.fail(owner, "pad", "a tuple of ints (left, right, ...), last axis first", pad) from None
    if len(values) % 2:
        raise check.fail(owner, "pad", "an even number of ints (a pair per axis, last axis first)", pad)
    if len(values) // 2 > ndim:
        raise ValueError(
            f"{owner}: pad {tuple(values)} has {len(values) // 2} pairs, more than the {ndim} axes of the input"
        )
    return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def _check_non_constant(x: Tensor, amounts: list[tuple[int, int]], mode: str, owner: str) -> None:
    k = len(amounts)
    if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
        raise ValueError(
            f"{owner}: mode {mode!r} pads the last 1, 2 or 3 axes of an input with one or two axes "
            f"before them (as PyTorch), got {k} padded axes for an input of shape {x.shape}"
        )
    for j, (before, after) in enumerate(amounts):
        n = x.shape[x.ndim - 1 - j]
        if min(before, after) < 0:
            raise ValueError(f"{owner}: mode {mode!r} cannot crop: got negative padding {(before, after)}")
        if n == 0 and (before or after):
            raise ValueError(f"{owner}: mode {mode!r} cannot pad an empty axis of the input of shape {x.shape}")
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(
                f"{owner}: reflect padding must be smaller than the axis it pads, got padding "
                f"{(before, after)} for an axis of size {n} (input shape {x.shape})"
            )
        if mode == "circular" and max(before, after) > n:
            raise ValueError(
                f"{owner}: circular padding of {(before, after)} would wrap around an axis of size {n} more than once"
            )


__all__ = ["pad"]
