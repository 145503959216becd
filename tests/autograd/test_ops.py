"""Every primitive of the autograd layer: forward against NumPy, backward by gradcheck (float64),
on several shapes including broadcasting, size-1 and empty axes."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

BINARY_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((1,), (5,)),
    ((), (2, 3)),
    ((0, 3), (3,)),
]


@pytest.mark.parametrize("sx, sy", BINARY_SHAPES)
@pytest.mark.parametrize(
    "op, ref",
    [
        (lambda a, b: a + b, np.add),
        (lambda a, b: a - b, np.subtract),
        (lambda a, b: a * b, np.multiply),
        (lambda a, b: a / b, np.divide),
    ],
    ids=["add", "sub", "mul", "div"],
)
def test_binary_ops_broadcast(rng, sx, sy, op, ref):
    x = t64(rng, sx)
    y = t64(rng, sy, positive=True)
    out = op(x, y)
    np.testing.assert_allclose(out.array, ref(x.array, y.array))
    assert dn.gradcheck(op, [x, y])


@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 1), (0,)])
@pytest.mark.parametrize(
    "fn, ref, positive",
    [
        (lambda a: -a, np.negative, False),
        (lambda a: a.exp(), np.exp, False),
        (lambda a: a.log(), np.log, True),
        (lambda a: a.tanh(), np.tanh, False),
        (lambda a: a.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), False),
        (lambda a: a**3, lambda v: v**3, False),
        (lambda a: a**0.5, np.sqrt, True),
        (lambda a: a**-1, lambda v: 1 / v, True),
    ],
    ids=["neg", "exp", "log", "tanh", "sigmoid", "cube", "sqrt", "reciprocal"],
)
def test_unary_ops(rng, shape, fn, ref, positive):
    x = t64(rng, shape, positive=positive)
    np.testing.assert_allclose(fn(x).array, ref(x.array), rtol=1e-12)
    assert dn.gradcheck(fn, [x])


def test_relu_forward_and_gradient(rng):
    x = t64(rng, (4, 5))
    x.array[np.abs(x.array) < 1e-3] = 0.5  # keep away from the kink
    np.testing.assert_array_equal(x.relu().array, np.maximum(x.array, 0))
    assert dn.gradcheck(lambda a: a.relu(), [x])


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float32, np.float64), (np.float64, np.float64)])
def test_relu_backward_is_the_select_of_delta_bit_for_bit(dtypes):
    from deltanet.autograd.ops import ReLU

    rng = np.random.default_rng(0)
    z = rng.standard_normal((16, 64, 8)).astype(dtypes[0])
    z.reshape(-1)[::9] = 0.0
    delta = rng.standard_normal(z.shape).astype(dtypes[1])
    delta.reshape(-1)[::5], delta.reshape(-1)[::7] = -0.0, np.nan
    fn = ReLU()
    a = fn.forward(z)
    g = fn.backward(delta)
    expected = np.where(a > 0, delta, np.zeros((), np.result_type(*dtypes))).astype(np.result_type(*dtypes))
    assert g.dtype == expected.dtype
    # delta itself where a > 0 (NaN and -0.0 kept), +0.0 where a = 0 even for a NaN delta: PyTorch's
    # select, where the plain product delta * [a > 0] gave NaN (NaN * 0)
    assert g.tobytes() == expected.tobytes()
    assert np.isnan(delta[a == 0]).any() and not np.isnan(g[a == 0]).any()


def test_tensor_exponent(rng):
    a = t64(rng, (3,), positive=True)
    b = t64(rng, (3,))
    np.testing.assert_allclose((a**b).array, a.array**b.array)
    assert dn.gradcheck(lambda u, v: u**v, [a, b])
    assert dn.gradcheck(lambda v: 2.0**v, [b])


@pytest.mark.parametrize(
    "sx, sy",
    [
        ((3, 4), (4, 2)),
        ((4,), (4, 2)),
        ((3, 4), (4,)),
        ((4,), (4,)),
        ((2, 3, 4), (4, 5)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((0, 4), (4, 2)),
    ],
)
def test_matmul(rng, sx, sy):
    x, y = t64(rng, sx), t64(rng, sy)
    np.testing.assert_allclose((x @ y).array, x.array @ y.array)
    assert dn.gradcheck(lambda a, b: a @ b, [x, y])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(rng, axis, keepdims):
    x = t64(rng, (2, 3, 4))
    for name in ("sum", "mean", "max"):
        got = getattr(x, name)(axis=axis, keepdims=keepdims)
        want = getattr(np, name if name != "max" else "amax")(x.array, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(got.array, want)
        assert dn.gradcheck(lambda a, n=name: getattr(a, n)(axis=axis, keepdims=keepdims), [x])


def test_max_ties_share_the_gradient():
    x = dn.tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def test_max_of_empty_raises():
    with pytest.raises(ValueError, match="empty"):
        dn.tensor(np.zeros((0, 3))).max()


def test_sum_of_empty(rng):
    x = t64(rng, (0, 3))
    assert x.sum().item() == 0.0
    assert dn.gradcheck(lambda a: a.sum(axis=0), [x])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.reshape(4, 6),
        lambda a: a.reshape((-1,)),
        lambda a: a.flatten(1),
        lambda a: a.T,
        lambda a: a.transpose(0, 2),
        lambda a: a.transpose((1, 2, 0)),
        lambda a: a[1],
        lambda a: a[:, 1:3],
        lambda a: a[..., ::2],
        lambda a: a[np.array([0, 1, 0])],  # repeated index: gradients add up
        lambda a: a[a.array > 0],
        lambda a: a[:, None],
    ],
    ids=[
        "reshape",
        "reshape-1",
        "flatten",
        "T",
        "transpose-ij",
        "transpose-perm",
        "int",
        "slice",
        "step",
        "fancy-repeat",
        "mask",
        "newaxis",
    ],
)
def test_shape_ops(rng, fn):
    x = t64(rng, (2, 3, 4))
    assert dn.gradcheck(fn, [x])


def test_shape_ops_forward(rng):
    x = t64(rng, (2, 3, 4))
    np.testing.assert_array_equal(x.reshape(4, 6).array, x.array.reshape(4, 6))
    np.testing.assert_array_equal(x.T.array, x.array.T)
    np.testing.assert_array_equal(x.transpose(0, 2).array, np.swapaxes(x.array, 0, 2))
    np.testing.assert_array_equal(x[np.array([0, 1, 0])].array, x.array[[0, 1, 0]])


def test_reshape_error_names_shapes():
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\).*\(4,\)"):
        dn.tensor(np.zeros((2, 3))).reshape(4)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_and_stack(rng, axis):
    a, b, c = t64(rng, (2, 3)), t64(rng, (2, 3)), t64(rng, (2, 3))
    np.testing.assert_array_equal(dn.cat([a, b, c], axis=axis).array, np.concatenate([a.array, b.array, c.array], axis))
    np.testing.assert_array_equal(dn.stack([a, b, c], axis=axis).array, np.stack([a.array, b.array, c.array], axis))
    assert dn.gradcheck(lambda *t: dn.cat(t, axis=axis), [a, b, c])
    assert dn.gradcheck(lambda *t: dn.stack(t, axis=axis), [a, b, c])


def test_cat_uneven_sizes(rng):
    a, b = t64(rng, (2, 3)), t64(rng, (2, 5))
    assert dn.cat([a, b], axis=1).shape == (2, 8)
    assert dn.gradcheck(lambda u, v: dn.cat([u, v], axis=1), [a, b])


def test_cat_stack_errors():
    with pytest.raises(ValueError, match="at least one tensor"):
        dn.cat([])
    with pytest.raises(ValueError, match="equal sizes on the other axes"):
        dn.cat([dn.tensor(np.zeros((2, 3))), dn.tensor(np.zeros((3, 3)))], axis=1)
    with pytest.raises(ValueError, match="equal shape"):
        dn.stack([dn.tensor(np.zeros(2)), dn.tensor(np.zeros(3))])
    with pytest.raises(ValueError, match="out of range"):
        dn.cat([dn.tensor(np.zeros(2))], axis=1)


@pytest.mark.parametrize(
    "fn",
    [lambda a, b: a * b + a, lambda a, b: (a @ b.T).tanh().sum(axis=1), lambda a, b: (a - b).max(axis=0)],
)
def test_float32_is_kept(rng, fn):
    a = dn.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    b = dn.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    out = fn(a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_scalars_take_the_tensor_dtype():
    x = dn.tensor([1.0, 2.0])
    assert (x * 0.5).dtype == np.float32
    assert (2 - x).dtype == np.float32
    assert (x / np.float64(3)).dtype == np.float32


def test_non_contiguous_input_gives_the_same_result(rng):
    base = rng.standard_normal((6, 8))
    strided = base[::2, ::2]
    assert not strided.flags.c_contiguous
    for fn in (lambda a: (a * a).sum(axis=0), lambda a: a.sigmoid() @ a.T, lambda a: a.max(axis=1)):
        a = dn.as_tensor(strided).requires_grad_()  # shares: stays strided (dn.tensor copies)
        b = dn.tensor(np.ascontiguousarray(strided), requires_grad=True)
        np.testing.assert_array_equal(fn(a).array, fn(b).array)
        fn(a).sum().backward()
        fn(b).sum().backward()
        np.testing.assert_array_equal(a.grad, b.grad)


def test_sigmoid_is_stable_at_extremes():
    x = dn.tensor(np.array([-1e4, -40.0, 0.0, 40.0, 1e4]), requires_grad=True)
    a = x.sigmoid()
    assert np.all(np.isfinite(a.array))
    np.testing.assert_allclose(a.array[1], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-12)
    a.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_float16_and_strings_are_refused():
    with pytest.raises(ValueError, match="float32 or float64, got float16"):
        dn.tensor(np.zeros(3, dtype=np.float16))
    with pytest.raises(ValueError, match="numeric data"):
        dn.tensor(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="numeric data"):
        dn.tensor(np.array([1 + 2j]))
    with pytest.raises(ValueError, match="floating-point"):
        dn.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_sigmoid_divides_as_numpys_reciprocal_bit_for_bit(dtype):
    """stable_sigmoid computes 1 / (1 + e^-z) with np.divide(1, .) (NumPy's vector loop), not
    np.reciprocal: both are the correctly rounded quotient, so the bytes must be the same."""
    from deltanet.autograd.ops import stable_sigmoid

    z = np.random.default_rng(0).standard_normal(50_000).astype(dtype) * 40
    z[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, -1000.0]
    with np.errstate(over="ignore"):
        expected = np.reciprocal(1 + np.exp(-z))
    assert stable_sigmoid(z).tobytes() == expected.tobytes()
