"""backend: dtype policy, fast small reductions, and the malloc setting."""

import subprocess
import sys

import numpy as np
import pytest

from deltanet import backend


@pytest.mark.parametrize("shape", [(150, 3), (7, 1), (1, 9), (0, 4), (5, 0)])
def test_small_reductions_equal_numpys(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(backend.sum_rows(a), a.sum(axis=1), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(backend.sum_columns(a), a.sum(axis=0), rtol=1e-6, atol=1e-6)
    if a.shape[1]:
        np.testing.assert_array_equal(backend.max_rows(a), a.max(axis=1))
    assert backend.sum_rows(a).dtype == np.float32


def _with_specials(shape, dtype, seed=0):
    z = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = z.reshape(-1)
    flat[::7], flat[::11], flat[::13], flat[::17] = -0.0, np.nan, -np.inf, np.inf
    return z


ROW = backend.ZERO_ROW


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3,), (ROW,), (ROW + 3,), (2, 3 * ROW + 7), (16, 64, 64, 8)])
@pytest.mark.parametrize("layout", ["C", "batch-innermost", "strided"])
def test_maximum_zero_equals_numpys_maximum_bit_for_bit(shape, dtype, layout):
    z = _with_specials(shape, dtype)
    if layout == "batch-innermost":  # as a convolution returns it: a transposed view of dense memory
        z = np.ascontiguousarray(np.moveaxis(z, 0, -1)).transpose((z.ndim - 1,) + tuple(range(z.ndim - 1)))
    elif layout == "strided":
        z = z[..., ::2]
    # 0 first: NumPy returns the first operand on a tie, so -0.0 stays -0.0 (PyTorch's relu)
    a, expected = backend.maximum_zero(z), np.maximum(0, z)
    assert a.shape == expected.shape and a.dtype == expected.dtype
    negative_zero = (z == 0) & np.signbit(z)
    assert np.signbit(a[negative_zero]).all()
    assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(expected).tobytes()  # NaN, -0.0 and all
    assert a.strides == np.empty_like(z).strides  # the input's memory order is kept


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int64, np.uint8])
def test_maximum_zero_of_other_dtypes_is_numpys_maximum(dtype):
    z = (np.arange(2 * ROW) % 5 - 2).astype(dtype)  # bool: np.maximum(z, 0) is int64, as before
    a, expected = backend.maximum_zero(z), np.maximum(z, 0)
    assert a.dtype == expected.dtype and np.array_equal(a, expected)


def test_maximum_zero_takes_the_row_path_and_its_zeros_stay_read_only(monkeypatch):
    z = _with_specials((4, ROW), np.float32)
    calls = []
    real = np.maximum

    def spy(*args, **kwargs):
        calls.append(np.shape(args[0]))  # the zeros come first
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "maximum", spy)
    backend.maximum_zero(z)
    assert calls == [(ROW,)]  # one call against the row of zeros, none against the scalar
    calls.clear()
    monkeypatch.setattr(backend, "REFERENCE", True)
    backend.maximum_zero(z)
    assert calls == [()]  # DELTANET_REFERENCE=1: np.maximum(z, 0) itself
    assert not backend.zeros_vector(ROW, np.float32).flags.writeable


def test_ones_vector_is_cached_and_read_only():
    v = backend.ones_vector(5, np.float64)
    assert v is backend.ones_vector(5, np.float64)
    with pytest.raises(ValueError):
        v[0] = 2


_SPY_ON_MALLOPT = """
import ctypes
calls = []
class Libc:
    def mallopt(self, param, value):
        calls.append((param, value))
        return 1
real = ctypes.CDLL
ctypes.CDLL = lambda name, *a, **k: Libc() if name == "libc.so.6" else real(name, *a, **k)
import deltanet, deltanet.nn, deltanet.training
print(calls)
print(deltanet.backend.keep_freed_memory(), calls)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_import_leaves_the_allocator_alone_and_keep_freed_memory_is_an_explicit_call():
    run = subprocess.run([sys.executable, "-c", _SPY_ON_MALLOPT], capture_output=True, text=True, check=True)
    on_import, explicit = run.stdout.strip().splitlines()
    assert on_import == "[]"  # import deltanet changes no process-wide setting
    assert explicit == "True [(-3, 33554432), (-1, 1073741824)]"  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD


def test_dtype_names_are_numpy_dtypes():
    assert backend.float32 == np.float32 and backend.float64 == np.float64 and backend.int64 == np.int64
    assert backend.bool_ == np.bool_ and backend.uint8 == np.uint8 and backend.INDEX_DTYPE == np.int64


def test_resolve_dtype():
    assert backend.resolve_dtype("float64") == np.float64
    assert backend.resolve_dtype(backend.int32) == np.int32
    with pytest.raises(ValueError, match=r"zeros: dtype must be a NumPy dtype such as dn.float32.*got 'bogus'"):
        backend.resolve_dtype("bogus", "zeros")
    with pytest.raises(ValueError, match=r"float32 or float64, got float16"):
        backend.resolve_dtype("float16")
    with pytest.raises(ValueError, match=r"numeric data"):
        backend.resolve_dtype("U3")


def test_devices():
    assert backend.CPU == backend.device("cpu") and backend.device("cuda:2").index == 2
    backend.check_device(None)
    backend.check_device("cpu")
    backend.check_device(backend.device("cpu", 0))
    with pytest.raises(RuntimeError, match=r"deltanet has no GPU backend.*device 'cuda:0'"):
        backend.check_device("cuda:0")
    with pytest.raises(ValueError, match=r"device must be a string such as 'cpu'"):
        backend.check_device(3.5)
    assert backend.cuda.is_available() is False and backend.cuda.device_count() == 0
