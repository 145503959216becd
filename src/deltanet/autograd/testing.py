r"""PyTorch's ``torch.testing``: ``assert_close`` and ``make_tensor``, as ``deltanet.testing``.

``assert_close`` passes where $|a - e| \le \text{atol} + \text{rtol} \cdot |e|$ for every element,
with PyTorch's default tolerances by dtype (float32: rtol $1.3 \cdot 10^{-6}$, atol $10^{-5}$;
float64: both $10^{-7}$; integers and bools: equal) and PyTorch's messages: the number of
mismatched elements, and the greatest absolute and relative differences with their indices.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.factories import tensor
from deltanet.autograd.tensor import Tensor, leaf

#: PyTorch's default (rtol, atol) per dtype; dtypes not listed (integers, bool) compare exactly.
DEFAULT_TOLERANCES = {np.dtype(np.float32): (1.3e-6, 1e-5), np.dtype(np.float64): (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    """A failed comparison; ``path`` is the item where it happened (``[1]['a']``), set by the
    innermost ``_compare`` it passes through."""

    path: str | None = None


def _tolerances(dtypes: Sequence[np.dtype]) -> tuple[float, float]:
    pairs = [DEFAULT_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _is_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.ndarray)


def _compare_arrays(a: np.ndarray, e: np.ndarray, rtol: Any, atol: Any, equal_nan: bool, scalar: bool) -> None:
    if rtol is None:
        rtol, atol = _tolerances((a.dtype, e.dtype))
    floats = [d for d in (a.dtype, e.dtype) if d.kind == "f"]
    # PyTorch's promotion: an integer meets a float in the float's dtype (NumPy's would be float64)
    common = np.result_type(*floats) if floats else np.result_type(a, e)
    if common.kind in "biu":  # differences of integers and bools: in float32, as PyTorch's default dtype
        af, ef = a.astype(np.float32), e.astype(np.float32)
    else:
        af, ef = a.astype(common), e.astype(common)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(af - ef)
        ok = (af == ef) | (abs_diff <= atol + rtol * np.abs(ef))
        if equal_nan:
            ok |= np.isnan(af) & np.isnan(ef)
        if ok.all():
            return
        rel_diff = abs_diff / np.abs(ef)
    exact = not rtol and not atol
    verdict = "equal" if exact else "close"
    if scalar:  # as PyTorch: the differences of the two Python numbers
        got, want = a.item(), e.item()
        diff = abs(got - want)
        relative = diff / abs(want) if want else (math.inf if diff else math.nan)
        lines = [
            f"Scalars are not {verdict}!",
            "",
            f"Expected {want!r} but got {got!r}.",
            f"Absolute difference: {diff!r}" + ("" if exact else f" (up to {atol!r} allowed)"),
            f"Relative difference: {relative!r}" + ("" if exact else f" (up to {rtol!r} allowed)"),
        ]
        raise _Mismatch("\n".join(lines))
    bad, total = int((~ok).sum()), ok.size
    lines = [
        f"Tensor-likes are not {verdict}!",
        "",
        f"Mismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)",
        _greatest("absolute", abs_diff, common, "" if exact else f" (up to {atol!r} allowed)"),
        _greatest("relative", rel_diff, np.dtype(np.float64), "" if exact else f" (up to {rtol!r} allowed)"),
    ]
    raise _Mismatch("\n".join(lines))


def _number(value: np.ndarray, dtype: np.dtype) -> str:
    """A difference as PyTorch prints it: an int for integer data, else the float."""
    return repr(int(value.item())) if dtype.kind in "biu" else repr(float(value.item()))


def _greatest(kind: str, diff: np.ndarray, dtype: np.dtype, allowed: str) -> str:
    flat = diff.ravel()
    nans = np.flatnonzero(np.isnan(flat))
    at = int(nans[0]) if nans.size else int(np.argmax(flat))
    index = tuple(int(i) for i in np.unravel_index(at, diff.shape))
    shown = _number(flat[at], dtype if kind == "absolute" else np.dtype(float))
    return f"Greatest {kind} difference: {shown} at index {index}{allowed}"


def _compare(actual: Any, expected: Any, path: str, options: dict[str, Any]) -> None:
    try:
        _compare_items(actual, expected, path, options)
    except _Mismatch as mismatch:
        if mismatch.path is None:
            mismatch.path = path
        raise


def _compare_items(actual: Any, expected: Any, path: str, options: dict[str, Any]) -> None:
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            raise _Mismatch(
                "The keys of the mappings do not match:\n"
                + (f"Missing keys in the actual mapping: {sorted(missing, key=repr)}\n" if missing else "")
                + (f"Additional keys in the actual mapping: {sorted(extra, key=repr)}" if extra else "")
            )
        for key in expected:
            _compare(actual[key], expected[key], f"{path}[{key!r}]", options)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, f"{path}[{i}]", options)
        return
    if _is_number(actual) and _is_number(expected):
        if options["check_dtype"] and type(actual) is not type(expected):
            raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
        a, e = np.asarray(actual), np.asarray(expected)
        if a.dtype.kind == "i" or e.dtype.kind == "i":  # Python ints: int64, floats: float64
            a, e = a.astype(np.result_type(a, np.int64)), e.astype(np.result_type(e, np.int64))
        _compare_arrays(a, e, options["rtol"], options["atol"], options["equal_nan"], scalar=True)
        return
    both_tensors = isinstance(actual, Tensor) and isinstance(expected, Tensor)
    both_arrays = isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)
    if not (both_tensors or both_arrays):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")
    a = np.asarray(actual.array if both_tensors else actual)
    e = np.asarray(expected.array if both_tensors else expected)
    if a.shape != e.shape:
        raise _Mismatch(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if options["check_dtype"] and a.dtype != e.dtype:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    _compare_arrays(a, e, options["rtol"], options["atol"], options["equal_nan"], scalar=a.ndim == 0)


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: Any = None,
    atol: Any = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    r"""Raise an ``AssertionError`` unless ``actual`` and ``expected`` are close: equal shapes (and
    dtypes), and $|a - e| \le \text{atol} + \text{rtol} \cdot |e|$ for every element.

    Tensors are compared with tensors, NumPy arrays with arrays, Python numbers with numbers, and
    lists, tuples and dicts of them item by item (the message then names the item). The default
    tolerances are PyTorch's for the dtype: float32 rtol 1.3e-6 and atol 1e-5, float64 both 1e-7,
    integers and bools exactly; two dtypes (``check_dtype=False``) take the larger tolerances.
    NaN equals NaN only with ``equal_nan``.

    Args:
        actual: the values computed.
        expected: the values expected.
        allow_subclasses: accepted for PyTorch's signature (a ``Parameter`` is a tensor).
        rtol: the relative tolerance; give it with ``atol``, or neither.
        atol: the absolute tolerance; give it with ``rtol``, or neither.
        equal_nan: count two NaNs as equal.
        check_device: accepted for PyTorch's signature (every tensor is on the CPU).
        check_dtype: require equal dtypes (and for numbers, equal types).
        check_layout: accepted for PyTorch's signature (every tensor is strided).
        check_stride: accepted for PyTorch's signature (strides are not compared).
        msg: the message instead of the generated one, or a function from the generated one to it.

    Raises:
        AssertionError: the values, shapes, dtypes, lengths or keys differ.
        TypeError: the two inputs are of kinds that cannot be compared (a tensor and an array).
        ValueError: only one of ``rtol`` and ``atol`` given.

    Examples:
        >>> import deltanet as dn
        >>> dn.testing.assert_close(dn.tensor([1.0, 2.0]), dn.tensor([1.0, 2.0 + 1e-6]))
        >>> try:
        ...     dn.testing.assert_close(dn.tensor([1.0, 2.0, 3.0]), dn.tensor([1.0, 2.5, 3.0]))
        ... except AssertionError as error:
        ...     print(error)
        Tensor-likes are not close!
        <BLANKLINE>
        Mismatched elements: 1 / 3 (33.3%)
        Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
        Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    if rtol is not None:
        rtol = check.number(rtol, "rtol", "assert_close", low=0)
        atol = check.number(atol, "atol", "assert_close", low=0)
    for name, value in (
        ("allow_subclasses", allow_subclasses),
        ("equal_nan", equal_nan),
        ("check_device", check_device),
        ("check_dtype", check_dtype),
        ("check_layout", check_layout),
        ("check_stride", check_stride),
    ):
        check.flag(value, name, "assert_close")
    options = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan, "check_dtype": check_dtype}
    try:
        _compare(actual, expected, "", options)
    except _Mismatch as mismatch:
        text, path = str(mismatch), mismatch.path
        if path:
            text += f"\n\nThe failure occurred for item {path}"
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        raise AssertionError(text) from None


#: The tolerances of the deprecated ``assert_allclose`` (PyTorch's older, looser table).
ALLCLOSE_TOLERANCES = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-5, 1e-8)}


def assert_allclose(
    actual: Any, expected: Any, rtol: Any = None, atol: Any = None, equal_nan: bool = True, msg: str = ""
) -> None:
    r"""PyTorch's deprecated ``assert_allclose``: $|a - e| \le \text{atol} + \text{rtol} \cdot |e|$ with
    the older tolerances (float32: $10^{-4}$ and $10^{-5}$; float64: $10^{-5}$ and $10^{-8}$), NaN
    equal to NaN, dtypes not compared, and data that is not a tensor converted first (``expected``
    to ``actual``'s dtype). It warns with a ``FutureWarning``, as PyTorch: use ``assert_close``.

    Args:
        actual: the values computed (a tensor or array-like data).
        expected: the values expected (a tensor or array-like data).
        rtol: the relative tolerance (with ``atol``, or neither).
        atol: the absolute tolerance (with ``rtol``, or neither).
        equal_nan: count two NaNs as equal.
        msg: the message instead of the generated one ("" keeps it).

    Examples:
        >>> import warnings, deltanet as dn
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     dn.testing.assert_allclose(dn.tensor([1.0]), [1.00001])
    """
    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
        "Please use `torch.testing.assert_close()` instead.",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [ALLCLOSE_TOLERANCES.get(np.dtype(t.dtype), (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


def make_tensor(
    *shape: Any,
    dtype: Any,
    device: Any = None,
    low: Any = None,
    high: Any = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    r"""A tensor of random values for tests, uniform on $[\text{low}, \text{high})$ (floats: $[-9, 9)$
    by default; integers: $[-9, 10)$, uint8 $[0, 10)$; bools: True or False), from deltanet's default
    generator.

    Args:
        shape: the shape, as ``make_tensor(2, 3, ...)`` or ``make_tensor((2, 3), ...)``.
        dtype: the dtype (required, as in PyTorch).
        device: only ``"cpu"`` (or None).
        low: the smallest value (included).
        high: the bound (excluded for integers; floats may reach it only by rounding).
        requires_grad: whether the tensor requires grad (float dtypes).
        noncontiguous: give a tensor that is a strided view (every other element of a larger one).
        exclude_zero: replace zeros (by the dtype's smallest normal number, or 1 for integers).
        memory_format: must be None (every tensor is row-major).

    Raises:
        ValueError: ``low`` not below ``high``, a dtype deltanet cannot hold, or a memory format.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.testing.make_tensor(2, 3, dtype=dn.float64, low=0, high=1)
        >>> x.shape, x.dtype, bool(((x >= 0) & (x <= 1)).all())
        ((2, 3), dtype('float64'), True)
    """
    backend.check_device(device)
    if memory_format is not None:
        raise ValueError(
            f"make_tensor: memory_format must be None (deltanet's tensors are row-major), got {memory_format!r}"
        )
    kind = backend.resolve_dtype(dtype, "make_tensor")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    size = tuple(check.integer(n, "shape", "make_tensor", low=0) for n in shape)
    rng = backend.get_rng()
    values: np.ndarray
    if kind.kind == "b":
        values = rng.random(size) < 0.5
    elif kind.kind == "f":
        lo = -9.0 if low is None else check.number(low, "low", "make_tensor")
        hi = 9.0 if high is None else check.number(high, "high", "make_tensor")
        if lo > hi:
            raise ValueError(f"make_tensor: low must not be above high, got low={lo}, high={hi}")
        values = rng.uniform(lo, hi, size) if lo < hi else np.full(size, lo)
    else:
        lo = (0 if kind.kind == "u" else -9) if low is None else math.ceil(check.number(low, "low", "make_tensor"))
        hi = 10 if high is None else math.ceil(check.number(high, "high", "make_tensor"))
        if lo >= hi:
            raise ValueError(f"make_tensor: low must be below high for integers, got low={lo}, high={hi}")
        values = rng.integers(lo, hi, size)
    values = np.asarray(values).astype(kind)
    if check.flag(exclude_zero, "exclude_zero", "make_tensor"):
        values[values == 0] = np.finfo(kind).tiny if kind.kind == "f" else 1
    if check.flag(noncontiguous, "noncontiguous", "make_tensor") and values.size > 1:
        wide = np.repeat(values[..., None], 2, axis=-1)
        values = wide[..., 0]
    result = leaf(values)
    if check.flag(requires_grad, "requires_grad", "make_tensor"):
        if kind.kind != "f":
            raise ValueError(f"make_tensor: only floating-point tensors can require gradients, got dtype {kind}")
        result.requires_grad_(True)
    return result


__all__ = ["assert_allclose", "assert_close", "make_tensor"]
