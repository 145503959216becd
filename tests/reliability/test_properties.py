"""Property-based tests (hypothesis): laws that must hold for every shape and value drawn.

- broadcasting: ``a + b``, ``a * b``, ``a - b`` equal NumPy's, and their gradients equal the
  cotangent summed back onto each input (computed here by scattering with ``np.bincount``, not
  by the library's ``unbroadcast``);
- reductions ``sum``, ``mean``, ``max`` over any set of axes, with or without ``keepdims``;
- convolution and transposed convolution are adjoint: ⟨conv(x), u⟩ = ⟨x, conv_transpose(u)⟩;
- softmax rows are probabilities summing to 1, even for logits of ±1e4;
- cross-entropy equals −log softmax(z)[target].
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import deltanet as dn
import deltanet.functional as F

# Derandomized (the same examples on every run, so a failure reproduces) and no example database
# written into the repository.
QUICK = settings(max_examples=40, deadline=None, derandomize=True, database=None)
seeds = st.integers(0, 2**32 - 1)


def scatter_sum(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Σ of ``values`` (broadcast shape) over the output positions that each input element feeds."""
    index = np.broadcast_to(np.arange(int(np.prod(shape))).reshape(shape), values.shape)
    total = np.bincount(index.ravel(), weights=values.ravel(), minlength=int(np.prod(shape)))
    return total.reshape(shape)


# -- broadcasting ----------------------------------------------------------------------------
@QUICK
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
    op=st.sampled_from(["add", "mul", "sub"]),
    seed=seeds,
)
def test_broadcasting_and_its_gradients_match_numpy(shapes, op, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a_np, b_np = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = dn.tensor(a_np, requires_grad=True), dn.tensor(b_np, requires_grad=True)
    out = {"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b}[op]()
    expected = {"add": np.add, "mul": np.multiply, "sub": np.subtract}[op](a_np, b_np)
    assert out.shape == out_shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-15, atol=0)

    r = rng.standard_normal(out_shape)
    (out * dn.tensor(r)).sum().backward()
    da = {"add": r, "sub": r, "mul": r * b_np}[op]
    db = {"add": r, "sub": -r, "mul": r * a_np}[op]
    np.testing.assert_allclose(a.grad, scatter_sum(np.broadcast_to(da, out_shape), sa), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad, scatter_sum(np.broadcast_to(db, out_shape), sb), rtol=1e-12, atol=1e-12)
    assert a.grad.shape == sa and b.grad.shape == sb


@QUICK
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3), seed=seeds)
def test_broadcasting_keeps_float32(shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb) = shapes.input_shapes
    a = dn.tensor(rng.standard_normal(sa).astype(np.float32), requires_grad=True)
    b = dn.tensor(rng.standard_normal(sb).astype(np.float32), requires_grad=True)
    out = (a * b - a + 0.5 * b) / 2.0
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == b.grad.dtype == np.float32


# -- reductions over any axes ----------------------------------------------------------------
@st.composite
def array_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ndim = len(shape)
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    negative = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    axes = tuple(a - ndim if neg else a for a, neg in zip(chosen, negative, strict=True))
    form = draw(st.sampled_from(["none", "tuple", "int"] if len(axes) == 1 else ["none", "tuple"]))
    axis = None if form == "none" or not axes else (axes[0] if form == "int" else axes)
    return shape, axis, draw(st.booleans()), draw(seeds)


@QUICK
@given(case=array_and_axes(), reduction=st.sampled_from(["sum", "mean", "max"]))
def test_reductions_over_any_axes(case, reduction):
    shape, axis, keepdims, seed = case
    rng = np.random.default_rng(seed)
    # Distinct values: the maximum of every slice is unique, so its gradient is defined.
    x_np = rng.permutation(int(np.prod(shape))).reshape(shape) + rng.uniform(0, 0.5, shape)
    x = dn.tensor(x_np, requires_grad=True)
    out = getattr(x, reduction)(axis=axis, keepdims=keepdims)
    expected = getattr(np, reduction)(x_np, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)

    r = rng.standard_normal(out.shape)
    (out * dn.tensor(r)).sum().backward()
    r_full = (
        r
        if keepdims
        else np.expand_dims(
            r, tuple(range(len(shape))) if axis is None else tuple(a % len(shape) for a in np.atleast_1d(axis))
        )
    )
    r_b = np.broadcast_to(r_full, shape)
    if reduction == "sum":
        expected_grad = r_b
    elif reduction == "mean":
        expected_grad = r_b * (np.size(expected) / x_np.size)
    else:
        expected_grad = np.where(x_np == np.broadcast_to(np.max(x_np, axis=axis, keepdims=True), shape), r_b, 0)
    np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-12, atol=1e-15)


# -- convolution adjointness ------------------------------------------------------------------
@st.composite
def conv_geometry(draw):
    dims = draw(st.integers(1, 2))
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, (k - 1) * d)) for k, d in zip(kernel, dilation, strict=True))
    # An input at least as large as the dilated kernel after padding.
    size = tuple(
        max(1, (k - 1) * d + 1 - 2 * p) + draw(st.integers(0, 4))
        for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    batch = draw(st.integers(1, 2))
    return dims, batch, c_in, c_out, groups, kernel, stride, padding, dilation, size, draw(seeds)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(geometry=conv_geometry())
def test_conv_and_conv_transpose_are_adjoint(geometry):
    dims, batch, c_in, c_out, groups, kernel, stride, padding, dilation, size, seed = geometry
    rng = np.random.default_rng(seed)
    conv = {1: F.conv1d, 2: F.conv2d}[dims]
    conv_t = {1: F.conv_transpose1d, 2: F.conv_transpose2d}[dims]
    x = rng.standard_normal((batch, c_in) + size)
    W = rng.standard_normal((c_out, c_in // groups) + kernel)
    z = conv(dn.tensor(x), dn.tensor(W), stride=stride, padding=padding, dilation=dilation, groups=groups)
    u = rng.standard_normal(z.shape)
    # output_padding picks, among the input sizes that conv maps to z's size, the one of x.
    extra = tuple(
        n - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for n, o, s, p, d, k in zip(size, z.shape[2:], stride, padding, dilation, kernel, strict=True)
    )
    assert all(0 <= e < s for e, s in zip(extra, stride, strict=True))
    back = conv_t(
        dn.tensor(u),
        dn.tensor(W),
        stride=stride,
        padding=padding,
        output_padding=extra,
        dilation=dilation,
        groups=groups,
    )
    assert back.shape == x.shape
    lhs, rhs = np.vdot(z.data, u), np.vdot(x, back.data)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


# -- softmax and cross-entropy ------------------------------------------------------------------
@st.composite
def logits(draw, max_scale=1e4):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0, max_scale]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(seeds))
    return (scale * rng.standard_normal((n, c))).astype(dtype), rng


@QUICK
@given(case=logits())
def test_softmax_rows_are_probabilities(case):
    z, _ = case
    s = F.softmax(dn.tensor(z), axis=1).data
    assert s.dtype == z.dtype
    assert np.isfinite(s).all() and (s >= 0).all() and (s <= 1).all()
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=0, atol=10 * np.finfo(z.dtype).eps * z.shape[1])
    # The largest logit of a row has the largest probability.
    assert (s[np.arange(len(z)), z.argmax(axis=1)] == s.max(axis=1)).all()


@QUICK
@given(case=logits(max_scale=30.0))
def test_cross_entropy_is_minus_log_softmax_at_the_target(case):
    z, rng = case
    z = z.astype(np.float64)
    y = rng.integers(0, z.shape[1], len(z))
    loss = F.cross_entropy(dn.tensor(z), y, reduction="none").data
    s = F.softmax(dn.tensor(z), axis=1).data
    np.testing.assert_allclose(loss, -np.log(s[np.arange(len(z)), y]), rtol=1e-10, atol=1e-12)
    log_s = F.log_softmax(dn.tensor(z), axis=1).data
    np.testing.assert_allclose(loss, -log_s[np.arange(len(z)), y], rtol=1e-12, atol=1e-13)
    mean = F.cross_entropy(dn.tensor(z), y).item()
    np.testing.assert_allclose(mean, loss.mean(), rtol=1e-12)


@QUICK
@given(case=logits())
def test_cross_entropy_of_large_logits_is_log_sum_exp(case):
    z, rng = case
    y = rng.integers(0, z.shape[1], len(z))
    t = dn.tensor(z, requires_grad=True)
    loss = F.cross_entropy(t, y, reduction="sum")
    zz = z.astype(np.float64)
    m = zz.max(axis=1)
    expected = (m + np.log(np.exp(zz - m[:, None]).sum(axis=1)) - zz[np.arange(len(z)), y]).sum()
    np.testing.assert_allclose(
        loss.item(),
        expected,
        rtol=1e-5 if z.dtype == np.float32 else 1e-12,
        atol=1e-3 if z.dtype == np.float32 else 1e-9,
    )
    loss.backward()
    # δ = softmax(z) − onehot(y): each row sums to 0, entries in [−1, 1].
    assert np.isfinite(t.grad).all() and np.abs(t.grad).max() <= 1 + 1e-6
    np.testing.assert_allclose(t.grad.sum(axis=1), 0.0, atol=1e-5)
