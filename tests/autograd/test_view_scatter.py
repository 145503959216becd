"""select_scatter, slice_scatter, diagonal_scatter and angle: PyTorch's values, dtypes, errors and
gradients."""

import math

import numpy as np
import pytest

import deltanet as dn

# (function name, input shape, src shape, arguments): each case writes src into a view of a copy
CASES = [
    ("select_scatter", (3, 4), (4,), (0, 1)),
    ("select_scatter", (3, 4), (3,), (-1, -2)),
    ("slice_scatter", (3, 4), (3, 2), (1, None, None, 2)),
    ("slice_scatter", (3, 4), (1, 4), (0, 1, 2)),
    ("slice_scatter", (3, 4), (3, 2), (1, -2)),
    ("diagonal_scatter", (3, 4), (3,), ()),
    ("diagonal_scatter", (3, 4), (2,), (-1,)),
    ("diagonal_scatter", (2, 3, 4), (4, 2), (1, 0, 1)),
]


def _numpy_reference(name, x, src, args):
    z = x.copy()
    if name == "select_scatter":
        dim, index = args
        np.moveaxis(z, dim, 0)[index] = src
    elif name == "slice_scatter":
        dim, start, end, step = args + (0, None, None, 1)[len(args) :]
        np.moveaxis(z, dim, 0)[start:end:step] = np.moveaxis(src, dim, 0)
    else:
        offset, dim1, dim2 = args + (0, 0, 1)[len(args) :]
        rows = np.moveaxis(z, (dim1, dim2), (-2, -1))
        n = np.diagonal(rows, offset, -2, -1).shape[-1]
        i = np.arange(n) + max(0, -offset)
        rows[..., i, i + offset] = src
    return z


@pytest.mark.parametrize(("name", "shape", "src_shape", "args"), CASES)
def test_matches_numpy_and_gradcheck(rng, name, shape, src_shape, args):
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    out = getattr(dn, name)(dn.tensor(x), dn.tensor(src), *args)
    np.testing.assert_array_equal(out.numpy(), _numpy_reference(name, x, src, args))
    a, b = dn.tensor(x, requires_grad=True), dn.tensor(src, requires_grad=True)
    assert dn.gradcheck(lambda p, q: getattr(dn, name)(p, q, *args), (a, b))


@pytest.mark.parametrize(("name", "shape", "src_shape", "args"), CASES)
def test_matches_pytorch_with_gradients(rng, name, shape, src_shape, args):
    torch = pytest.importorskip("torch")
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    w = np.cos(np.arange(x.size, dtype=np.float64)).reshape(shape)
    results = []
    for lib in (dn, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        out = getattr(a, name)(b, *args)
        (out * lib.tensor(w)).sum().backward()
        results.append([out.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_src_is_cast_to_the_input_dtype_and_its_gradient_to_its_own():
    x = dn.zeros(3, 4, requires_grad=True)
    src = dn.ones(4, dtype="float64", requires_grad=True)
    out = dn.select_scatter(x, src, 0, 1)
    out.sum().backward()
    assert (out.dtype, x.grad.dtype, src.grad.dtype) == (dn.float32, dn.float32, dn.float64)
    assert dn.slice_scatter(dn.zeros(3, dtype="int64"), dn.tensor([1.7]), 0, 1, 2).tolist() == [0, 1, 0]


# each call is made with deltanet and with torch: the same exception and message
ERRORS = [
    (
        lambda lib: lib.select_scatter(lib.zeros(3, 4), lib.ones(3), 0, 1),
        RuntimeError,
        r"src size = \[3\], slice size = \[4\]",
    ),
    (lambda lib: lib.select_scatter(lib.zeros(3, 4), lib.ones(1), 0, 1), RuntimeError, "equal to the slice of self"),
    (
        lambda lib: lib.select_scatter(lib.zeros(3, 4), lib.ones(4), 0, 3),
        IndexError,
        r"select\(\): index 3 out of range",
    ),
    (lambda lib: lib.select_scatter(lib.zeros(3, 4), 1.0, 0, 1), TypeError, "'src' .* must be Tensor, not float"),
    (lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 2), 1, 1), RuntimeError, r"slice size = \[3, 3\]"),
    (lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 2), 1, step=0), RuntimeError, "step must be positive"),
    (lambda lib: lib.slice_scatter(lib.zeros(3, 4), lib.ones(3, 2), 1, step=-1), RuntimeError, "step must be positive"),
    (lambda lib: lib.diagonal_scatter(lib.zeros(3, 4), lib.ones(2)), RuntimeError, r"slice size = \[3\]"),
    (lambda lib: lib.diagonal_scatter(lib.zeros(3, 4), lib.ones(3), 0, 0, 0), RuntimeError, "cannot be identical 0, 0"),
]


@pytest.mark.parametrize(("call", "error", "match"), ERRORS)
def test_errors_are_pytorchs(call, error, match):
    with pytest.raises(error, match=match):
        call(dn)


@pytest.mark.parametrize(("call", "error", "match"), ERRORS)
def test_pytorch_raises_the_same(call, error, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=match):
        call(torch)


def test_angle_of_real_numbers():
    x = dn.tensor([-2.0, 0.0, -0.0, 3.0, math.nan, -math.inf], dtype="float64", requires_grad=True)
    z = dn.angle(x)
    np.testing.assert_array_equal(z.detach().numpy(), [math.pi, 0, 0, 0, math.nan, math.pi])
    z.sum().backward()
    assert x.grad.tolist() == [0.0] * 6
    assert dn.angle(dn.tensor([-1, 2])).dtype == dn.float32
    assert dn.gradcheck(dn.angle, (dn.tensor([-1.5, 2.0], dtype="float64", requires_grad=True),))


def test_angle_matches_pytorch():
    torch = pytest.importorskip("torch")
    values = [-2.0, 0.0, -0.0, 3.0, math.nan, -math.inf, math.inf]
    for data, dtype in ((values, None), ([-1, 0, 2], None), ([True, False], None)):
        ours, theirs = dn.tensor(data, dtype=dtype).angle(), torch.tensor(data, dtype=dtype).angle()
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype).rsplit(".", 1)[-1] == str(theirs.dtype).rsplit(".", 1)[-1]
