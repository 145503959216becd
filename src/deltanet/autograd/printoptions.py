"""``set_printoptions``: how tensors print, as PyTorch's ``torch.set_printoptions``.

The options are deltanet's own (NumPy's global ones are left alone): ``repr(tensor)`` passes them to
``numpy.array2string``. Left unset, a tensor prints as NumPy prints its array (8 significant
digits where PyTorch shows 4); ``profile="default"`` goes back to that.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from deltanet import _checks as check

_options: dict[str, Any] = {}

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"threshold": sys.maxsize},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    r"""Set how tensors print: digits after the point, when to summarise with ``...``, line width,
    and scientific notation, as PyTorch's ``torch.set_printoptions`` (only the options given change).

    Args:
        precision: digits after the decimal point.
        threshold: tensors with more elements than this print summarised (``math.inf``: never).
        edgeitems: items printed at each end of a summarised axis.
        linewidth: characters per line.
        profile: ``"default"`` (deltanet's: NumPy's printing), ``"short"`` or ``"full"``, applied first.
        sci_mode: True forces scientific notation, False suppresses it, None decides per tensor.

    Raises:
        ValueError: a negative count, an unknown profile, or a sci_mode that is not True/False/None.

    Examples:
        >>> import deltanet as dn
        >>> dn.set_printoptions(precision=2)
        >>> dn.tensor([1.23456, 2.0])
        tensor([1.23, 2.  ])
        >>> dn.set_printoptions(profile="default")
    """
    owner = "set_printoptions"
    if profile is not None:
        check.one_of(profile, "profile", tuple(_PROFILES), owner)
        _options.clear()
        _options.update(_PROFILES[profile])
    if precision is not None:
        _options["precision"] = check.integer(precision, "precision", owner, low=0)
    if threshold is not None:
        limit = check.number(threshold, "threshold", owner, low=0, finite=False)
        _options["threshold"] = sys.maxsize if math.isinf(limit) else int(limit)
    if edgeitems is not None:
        _options["edgeitems"] = check.integer(edgeitems, "edgeitems", owner, low=0)
    if linewidth is not None:
        _options["linewidth"] = check.integer(linewidth, "linewidth", owner, low=1)
    if sci_mode is not None:
        _options["sci_mode"] = check.flag(sci_mode, "sci_mode", owner)
    elif profile is not None:
        _options.pop("sci_mode", None)


def array2string_options() -> dict[str, Any]:
    """The keyword arguments of ``numpy.array2string`` that the options set (empty by default)."""
    if not _options:
        return {}
    options = {k: v for k, v in _options.items() if k not in ("sci_mode", "linewidth")}
    if "linewidth" in _options:
        options["max_line_width"] = _options["linewidth"]
    sci = _options.get("sci_mode")
    if sci is False:
        options["suppress_small"] = True
    elif sci is True:
        digits = _options.get("precision", 4)
        options["formatter"] = {"float_kind": lambda v: f"{v:.{digits}e}"}
    return options
