"""Pooling: forward against NumPy references, gradcheck in float64, PyTorch parity of outputs and
input gradients, ties and NaN, layouts, dtypes and the errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F
from deltanet.functional.conv import batch_innermost

# (input shape, options)
POOL_CASES = {
    "2d_k2": ((2, 3, 4, 6), dict(kernel_size=2)),
    "2d_overlap_pad": ((2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    "2d_mixed": ((1, 2, 5, 7), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1))),
    "2d_stride1": ((1, 2, 4, 4), dict(kernel_size=2, stride=1)),
    "1d": ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    "1d_k2": ((2, 2, 8), dict(kernel_size=2)),
    "3d": ((1, 2, 4, 4, 6), dict(kernel_size=2)),
    "3d_pad": ((1, 2, 5, 4, 5), dict(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=(1, 1, 0))),
}


def _op(kind, shape):
    return getattr(F, f"{kind}_pool{len(shape) - 2}d")


def _distinct(rng, shape):
    # Values at least 1e-3 apart: central differences with eps 1e-6 never swap a maximum.
    values = rng.permutation(np.prod(shape)).reshape(shape) * 1e-3 + rng.uniform(0, 1e-4, shape)
    return dn.tensor(values, requires_grad=True)


def numpy_pool(x, kernel, stride, padding, reduce, pad_value, count_include_pad=True):
    """Reference: loop over output positions."""
    dims = x.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding), constant_values=pad_value)
    real = np.pad(np.ones(x.shape), ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    out_size = tuple((n + 2 * p - k) // s + 1 for n, p, k, s in zip(x.shape[2:], padding, kernel, stride, strict=True))
    out = np.zeros(x.shape[:2] + out_size)
    for pos in np.ndindex(*out_size):
        window = (slice(None), slice(None)) + tuple(
            slice(i * s, i * s + k) for i, s, k in zip(pos, stride, kernel, strict=True)
        )
        block = xp[window].reshape(x.shape[:2] + (-1,))
        if reduce == "max":
            out[(slice(None), slice(None)) + pos] = block.max(-1)
        else:
            n = np.prod(kernel) if count_include_pad else real[window].reshape(x.shape[:2] + (-1,)).sum(-1)
            out[(slice(None), slice(None)) + pos] = block.sum(-1) / n
    assert dims == len(kernel)
    return out


def _norm(options, dims):
    k = options["kernel_size"]
    k = (k,) * dims if isinstance(k, int) else k
    s = options.get("stride", k)
    s = (s,) * dims if isinstance(s, int) else s
    p = options.get("padding", 0)
    p = (p,) * dims if isinstance(p, int) else p
    return k, s, p


@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_max_pool_forward_and_gradcheck(rng, name):
    shape, options = POOL_CASES[name]
    x = _distinct(rng, shape)
    fn = _op("max", shape)
    k, s, p = _norm(options, len(shape) - 2)
    np.testing.assert_array_equal(fn(x, **options).array, numpy_pool(x.array, k, s, p, "max", -np.inf))
    assert dn.gradcheck(lambda t: fn(t, **options), [x])


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_avg_pool_forward_and_gradcheck(rng, name, count_include_pad):
    shape, options = POOL_CASES[name]
    x = t64(rng, shape)
    fn = _op("avg", shape)
    k, s, p = _norm(options, len(shape) - 2)
    expected = numpy_pool(x.array, k, s, p, "avg", 0.0, count_include_pad)
    got = fn(x, count_include_pad=count_include_pad, **options)
    np.testing.assert_allclose(got.array, expected, rtol=1e-12, atol=1e-15)
    assert dn.gradcheck(lambda t: fn(t, count_include_pad=count_include_pad, **options), [x])


@pytest.mark.parametrize("name", sorted(POOL_CASES))
def test_pooling_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    shape, options = POOL_CASES[name]
    dims = len(shape) - 2
    for kind, extra in [("max", {}), ("avg", dict(count_include_pad=True)), ("avg", dict(count_include_pad=False))]:
        data = np.round(rng.standard_normal(shape), 1)  # rounded: ties, which go to the first maximum
        x = dn.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        a = getattr(F, f"{kind}_pool{dims}d")(x, **options, **extra)
        ta = getattr(torch.nn.functional, f"{kind}_pool{dims}d")(tx, **options, **extra)
        np.testing.assert_allclose(a.array, ta.detach().numpy(), rtol=1e-8, atol=1e-8)
        r = rng.standard_normal(a.shape)
        (a * dn.tensor(r)).sum().backward()
        (ta * torch.tensor(r)).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-8)


def test_max_pool_ties_route_to_the_first_maximum():
    x = dn.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool_propagates_nan():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, 1, 1] = np.nan
    a = F.max_pool2d(dn.tensor(x), 2).array
    assert np.isnan(a[0, 0, 0, 0]) and a[0, 0, 0, 1] == 0.0


def test_max_pool_padding_never_wins():
    x = dn.tensor(-np.ones((1, 1, 3, 3)) * 5)
    assert (F.max_pool2d(x, 3, stride=1, padding=1).array == -5).all()


@pytest.mark.parametrize(
    "shape, out",
    [
        ((2, 3, 6, 8), (3, 4)),
        ((1, 2, 7, 5), (3, 2)),
        ((1, 2, 5, 5), 1),
        ((1, 2, 4, 6), (None, 4)),
        ((1, 1, 3, 3), (5, 4)),
    ],
)
def test_adaptive_avg_pool2d(rng, shape, out):
    x = t64(rng, shape)
    a = F.adaptive_avg_pool2d(x, out)
    # Reference: PyTorch's index formula, element by element.
    size = (
        (out, out)
        if isinstance(out, int)
        else tuple(n if o is None else o for o, n in zip(out, shape[2:], strict=True))
    )
    expected = np.zeros(shape[:2] + size)
    for i in range(size[0]):
        for j in range(size[1]):
            h0, h1 = (i * shape[2]) // size[0], -(-(i + 1) * shape[2] // size[0])
            w0, w1 = (j * shape[3]) // size[1], -(-(j + 1) * shape[3] // size[1])
            expected[:, :, i, j] = x.array[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    np.testing.assert_allclose(a.array, expected, rtol=1e-12)
    assert dn.gradcheck(lambda t: F.adaptive_avg_pool2d(t, out), [x])


def test_adaptive_avg_pool_1d_3d_and_torch(rng):
    torch = pytest.importorskip("torch")
    for shape, out in [((2, 3, 7), 3), ((2, 3, 6, 5), (4, 3)), ((1, 2, 5, 4, 6), (2, 3, 4))]:
        dims = len(shape) - 2
        x = t64(rng, shape)
        tx = torch.tensor(x.array, requires_grad=True)
        a = getattr(F, f"adaptive_avg_pool{dims}d")(x, out)
        ta = getattr(torch.nn.functional, f"adaptive_avg_pool{dims}d")(tx, out)
        np.testing.assert_allclose(a.array, ta.detach().numpy(), rtol=1e-8, atol=1e-10)
        r = rng.standard_normal(a.shape)
        (a * dn.tensor(r)).sum().backward()
        (ta * torch.tensor(r)).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
        assert dn.gradcheck(lambda t, dims=dims, out=out: getattr(F, f"adaptive_avg_pool{dims}d")(t, out), [x])


def test_global_avg_pool(rng):
    x = t64(rng, (2, 3, 4, 5))
    a = F.global_avg_pool(x)
    np.testing.assert_allclose(a.array, x.array.mean(axis=(2, 3)))
    np.testing.assert_allclose(a.array, F.adaptive_avg_pool2d(x, 1).array[:, :, 0, 0])
    assert dn.gradcheck(F.global_avg_pool, [t64(rng, (2, 2, 3))])


@pytest.mark.parametrize("fn", [F.max_pool2d, F.avg_pool2d])
def test_float32_kept_and_layout_kept(rng, fn):
    x = dn.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    a = fn(x, 2)
    a.sum().backward()
    assert a.dtype == x.grad.dtype == np.float32
    # A batch-innermost input (a convolution's output) gives a batch-innermost output.
    inner = dn.tensor(np.ascontiguousarray(x.array.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2))
    b = fn(inner, 2)
    assert batch_innermost(b.array)
    np.testing.assert_array_equal(b.array, a.array)


@pytest.mark.parametrize("fn", [F.max_pool2d, F.avg_pool2d])
def test_non_contiguous_input_same_result(rng, fn):
    big = rng.standard_normal((2, 3, 12, 10))
    view = big[:, :, ::2, :]
    x1, x2 = dn.as_tensor(view).requires_grad_(), dn.tensor(view.copy(), requires_grad=True)
    a1, a2 = fn(x1, 3, 2, 1), fn(x2, 3, 2, 1)
    np.testing.assert_array_equal(a1.array, a2.array)
    a1.sum().backward()
    a2.sum().backward()
    np.testing.assert_array_equal(x1.grad, x2.grad)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: F.max_pool2d(dn.tensor(np.zeros((8, 8))), 2),
            r"max_pool2d expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(8, 8\)",
        ),
        (
            lambda: F.avg_pool1d(dn.tensor(np.zeros((3, 8, 8, 2))), 2),
            r"avg_pool1d expects a 3-D input \(N, C, L\) .*, got shape \(3, 8, 8, 2\)",
        ),
        (
            lambda: F.max_pool2d(dn.tensor(np.zeros((1, 1, 8, 8))), 2, padding=2),
            r"max_pool2d: padding should be at most half of the kernel "
            r"size .*got padding \(2, 2\) for kernel_size \(2, 2\)",
        ),
        (
            lambda: F.avg_pool2d(dn.tensor(np.zeros((1, 1, 2, 2))), 3),
            r"avg_pool2d: the kernel \(3, 3\) is larger than the padded input \(2, 2\)",
        ),
        (
            lambda: F.max_pool3d(dn.tensor(np.zeros((1, 1, 4, 4, 4))), (2, 2)),
            r"max_pool3d: kernel_size must be an int or a tuple of 3 ints, got \(2, 2\)",
        ),
        (
            lambda: F.max_pool2d(dn.tensor(np.zeros((1, 1, 4, 4))), 2, stride=0),
            r"max_pool2d: stride must be >= 1, got 0",
        ),
        (
            lambda: F.adaptive_avg_pool2d(dn.tensor(np.zeros((1, 1, 4, 4))), (2, 2, 2)),
            r"adaptive_avg_pool2d: output_size must be an int or a tuple of 2 ints or None, got \(2, 2, 2\)",
        ),
        (
            lambda: F.adaptive_avg_pool2d(dn.tensor(np.zeros((1, 1, 4, 4))), 0),
            r"adaptive_avg_pool2d: output_size must be >= 1, got \(0, 0\)",
        ),
        (
            lambda: F.global_avg_pool(dn.tensor(np.zeros((2, 3)))),
            r"global_avg_pool expects an input \(N, C, \*spatial\) with at least 3 axes, got shape \(2, 3\)",
        ),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("fn", [F.max_pool2d, F.avg_pool2d])
@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 2, 1)])
def test_gradient_comes_back_in_the_input_memory_order(rng, fn, kernel, stride, padding):
    # After a Flatten, delta arrives in (N, C, H, W) order while the pooling's input came out of a
    # convolution batch-innermost: the gradient takes the input's order (the activation's backward
    # before it then multiplies arrays of one order), with the same values.
    data = rng.standard_normal((3, 2, 8, 8))
    inner = dn.as_tensor(np.ascontiguousarray(data.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)).requires_grad_()
    plain = dn.as_tensor(data.copy()).requires_grad_()
    r = rng.standard_normal(fn(plain, kernel, stride, padding).shape)
    for x in (inner, plain):
        (fn(x, kernel, stride, padding).flatten(1) * dn.tensor(r.reshape(3, -1))).sum().backward()
    assert batch_innermost(inner.grad.array) and not batch_innermost(plain.grad.array)
    np.testing.assert_array_equal(inner.grad.array, plain.grad.array)
