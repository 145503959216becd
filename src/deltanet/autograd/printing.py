r"""How a tensor prints: PyTorch's format, so that a printed tensor reads as it does in PyTorch's
tutorials (``tensor([0.3000, 0.6000])``), and ``set_printoptions`` to change it.

The rules are PyTorch's. One format serves every element of a tensor, chosen from its finite
nonzero values $v$:

- all whole numbers: ``1.``, ``-3.`` (``int mode``);
- else ``precision`` digits after the point (``0.3000``);
- scientific notation (``1.0000e-05``) when $\max |v| / \min |v| > 1000$, $\max |v| > 10^8$
  or $\min |v| < 10^{-4}$ (or as ``sci_mode`` says);

then every element is padded to the widest. A tensor of more than ``threshold`` elements prints
only ``edgeitems`` rows and columns at each end of each axis, with ``...`` between; rows wrap at
``linewidth`` characters. The suffixes: the dtype unless it is the default float dtype, int64 or
bool (NumPy's name: ``dtype=float64``), then ``grad_fn=<Mul>`` (deltanet's names are its
Functions' class names) or ``requires_grad=True``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet import _checks as check


@dataclasses.dataclass
class PrintOptions:
    """The options ``set_printoptions`` sets (PyTorch's defaults)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = PrintOptions()

#: ``set_printoptions(profile=...)``: PyTorch's three presets.
PROFILES: dict[str, dict[str, Any]] = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    r"""Set how tensors print, as ``torch.set_printoptions`` (for every tensor, from now on).

    Args:
        precision: digits after the point (default 4).
        threshold: more elements than this print summarized, with ``...`` (default 1000).
        edgeitems: elements shown at each end of each axis when summarized (default 3).
        linewidth: characters per line before a row wraps (default 80).
        profile: ``"default"``, ``"short"`` (2 digits, 2 edge items) or ``"full"`` (never
            summarized); the other arguments given override it.
        sci_mode: True or False forces scientific notation on or off; None (the default, and
            what every call without it sets again, as in PyTorch) chooses it from the values.

    Raises:
        ValueError: an unknown profile, or an option of the wrong type.

    Examples:
        >>> import deltanet as dn
        >>> dn.set_printoptions(precision=2)
        >>> dn.tensor([1.12345])
        tensor([1.12])
        >>> dn.set_printoptions(threshold=5)
        >>> dn.arange(10)
        tensor([0, 1, 2,  ..., 7, 8, 9])
        >>> dn.set_printoptions(profile="default")
        >>> dn.tensor([1.12345]), dn.arange(10)
        (tensor([1.1235]), tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    """
    owner = "set_printoptions"
    changes: dict[str, Any] = {}
    if profile is not None:
        changes.update(PROFILES[check.one_of(profile, "profile", tuple(PROFILES), owner)])
    if precision is not None:
        changes["precision"] = check.integer(precision, "precision", owner, low=0)
    if threshold is not None:
        changes["threshold"] = check.number(threshold, "threshold", owner, low=0, finite=False)
    if edgeitems is not None:
        changes["edgeitems"] = check.integer(edgeitems, "edgeitems", owner, low=0)
    if linewidth is not None:
        changes["linewidth"] = check.integer(linewidth, "linewidth", owner, low=1)
    if sci_mode is not None:
        check.flag(sci_mode, "sci_mode", owner)
    for name, value in changes.items():
        setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    r"""The print options, as a dict that ``set_printoptions(**options)`` takes back.

    Examples:
        >>> import deltanet as dn
        >>> dn.get_printoptions()["precision"]
        4
    """
    return dataclasses.asdict(OPTIONS)


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    r"""Print options for the ``with`` block only (the arguments of ``set_printoptions``).

    Examples:
        >>> import deltanet as dn
        >>> with dn.printoptions(precision=1):
        ...     print(dn.tensor([0.25, 1.5]))
        tensor([0.2, 1.5])
        >>> dn.tensor([0.25])
        tensor([0.2500])
    """
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Format:
    """The one format of every element of a tensor (see the module docstring)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind in "fc"
        self.whole, self.scientific, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max([len(str(v)) for v in flat.tolist()], default=1)
            return
        v = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if v.size == 0:
            return
        magnitude = np.abs(v)
        low, high = float(magnitude.min()), float(magnitude.max())
        self.whole = bool((v == np.ceil(v)).all())
        sci = OPTIONS.sci_mode
        self.scientific = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4 if sci is None else sci
        p = OPTIONS.precision
        if self.scientific:
            self.width = max(len(f"{x:.{p}e}") for x in v.tolist())
        elif self.whole:
            self.width = max(len(f"{x:.0f}") + 1 for x in v.tolist())  # + 1 for the point: "3."
        else:
            self.width = max(len(f"{x:.{p}f}") for x in v.tolist())

    def __call__(self, x: Any) -> str:
        if not self.floating:
            text = str(x)
        elif self.scientific:
            text = f"{x:{self.width}.{OPTIONS.precision}e}"
        elif self.whole:
            text = f"{x:.0f}" + ("" if math.isinf(x) or math.isnan(x) else ".")
        else:
            text = f"{x:.{OPTIONS.precision}f}"
        return text.rjust(self.width)


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows: ``edgeitems`` at each end of each axis."""
    k = OPTIONS.edgeitems
    for axis, n in enumerate(values.shape):
        if n > 2 * k:
            values = np.concatenate([values.take(range(k), axis), values.take(range(n - k, n), axis)], axis)
    return values


def _rows(values: np.ndarray, indent: int, summarize: bool, fmt: _Format) -> str:
    """The nested brackets of ``values`` (``indent``: the column of the first bracket)."""
    k = OPTIONS.edgeitems
    if values.ndim == 0:
        return fmt(values.item())
    n = values.shape[0]
    cut = summarize and n > 2 * k
    if values.ndim == 1:
        if summarize and k == 0:
            items = ["..."]
        elif cut:
            items = [fmt(x) for x in values[:k].tolist()] + [" ..."] + [fmt(x) for x in values[n - k :].tolist()]
        else:
            items = [fmt(x) for x in values.tolist()]
        per_line = max(1, (OPTIONS.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    shown = [*range(k), -1, *range(n - k, n)] if cut else range(n)
    parts = ["..." if i == -1 else _rows(values[i], indent + 1, summarize, fmt) for i in shown]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(values: np.ndarray, default_dtype: np.dtype, grad_fn: Any, requires_grad: bool) -> str:
    r"""``repr`` of a tensor with these values, in PyTorch's format (see the module docstring).

    Args:
        values: the tensor's array.
        default_dtype: the float dtype that needs no ``dtype=`` suffix.
        grad_fn: the Function that made the tensor, or None.
        requires_grad: whether it requires a gradient.

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.printing import tensor_repr
        >>> print(tensor_repr(np.array([[1e-5, 1.0], [2.5, 3.0]]), np.dtype("float32"), None, False))
        tensor([[1.0000e-05, 1.0000e+00],
                [2.5000e+00, 3.0000e+00]], dtype=float64)
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    plain = values.dtype in (default_dtype, np.dtype(np.int64), np.dtype(np.bool_))
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if values.dtype != default_dtype:
            suffixes.append(f"dtype={values.dtype}")
    else:
        summarize = values.size > OPTIONS.threshold
        if OPTIONS.edgeitems == 0:
            suffixes.append(f"size={tuple(values.shape)}")
        if not plain:
            suffixes.append(f"dtype={values.dtype}")
        fmt = _Format(_summarized(values) if summarize else values)
        body = _rows(values, indent, summarize, fmt)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn.name()}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = prefix + body
    line = len(text) - text.rfind("\n") + 1  # PyTorch's count of the last line
    for suffix in suffixes:
        if line + len(suffix) + 2 > OPTIONS.linewidth:
            text += ",\n" + " " * indent + suffix
            line = indent + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"


__all__ = ["get_printoptions", "printoptions", "set_printoptions"]
