"""Convolutions and transposed convolutions: a naive NumPy loop reference, gradcheck in float64 for
every option, PyTorch parity of outputs and of every gradient, adjointness, layouts, dtypes and
the shape errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F
from deltanet import backend
from deltanet.functional import conv as conv_module

# (input shape, weight shape, options): small enough for gradcheck, covering every option.
CONV_CASES = {
    "2d_basic": ((2, 2, 5, 5), (3, 2, 3, 3), {}),
    "2d_stride_pad": ((2, 2, 6, 5), (3, 2, 3, 3), dict(stride=2, padding=1)),
    "2d_mixed": ((1, 2, 7, 6), (2, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))),
    "2d_dilated": ((1, 2, 7, 7), (2, 2, 3, 3), dict(dilation=2, padding=1)),
    "2d_same_odd": ((2, 2, 5, 4), (3, 2, 3, 3), dict(padding="same")),
    "2d_same_even": ((1, 2, 5, 6), (2, 2, 4, 2), dict(padding="same")),
    "2d_same_dilated": ((1, 2, 6, 5), (2, 2, 2, 3), dict(padding="same", dilation=(3, 2))),
    "2d_valid": ((1, 2, 5, 5), (2, 2, 2, 3), dict(padding="valid")),
    "2d_groups": ((2, 4, 5, 5), (6, 2, 3, 3), dict(groups=2, padding=1)),
    "2d_depthwise": ((1, 3, 5, 5), (3, 1, 3, 3), dict(groups=3, stride=2)),
    "2d_no_bias": ((2, 2, 4, 4), (3, 2, 2, 2), dict(bias=False)),
    "2d_1x1": ((2, 3, 3, 3), (2, 3, 1, 1), {}),
    "2d_1x1_padded_groups": ((2, 4, 3, 3), (4, 2, 1, 1), dict(padding=1, groups=2)),  # columns: a view
    "1d_1x1_strided": ((2, 2, 7), (3, 2, 1), dict(stride=2)),  # columns: a copy
    "2d_1x1_from_one_channel": ((2, 1, 3, 3), (3, 1, 1, 1), {}),  # an inner size of 1 forward
    "2d_1x1_head": ((2, 3, 4, 4), (1, 3, 1, 1), {}),  # an inner size of 1 for dL/dx
    "1d_stride_pad": ((2, 2, 9), (3, 2, 3), dict(stride=2, padding=1)),
    "1d_same_dilated": ((2, 2, 8), (2, 2, 3), dict(padding="same", dilation=2)),
    "1d_groups": ((1, 4, 7), (4, 2, 2), dict(groups=2, dilation=2)),
    "3d_basic": ((1, 2, 4, 3, 4), (2, 2, 2, 2, 2), {}),
    "3d_mixed": ((1, 2, 4, 5, 4), (4, 1, 2, 3, 2), dict(stride=(1, 2, 1), padding=1, groups=2)),
    "3d_same": ((1, 1, 3, 4, 3), (2, 1, 3, 3, 3), dict(padding="same")),
}

# (input shape, weight shape (in, out/groups, *k), options)
TRANSPOSE_CASES = {
    "2d_unet": ((2, 3, 3, 3), (3, 2, 2, 2), dict(stride=2)),
    "2d_stride_pad_outpad": ((1, 2, 3, 4), (2, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    "2d_mixed": (
        (1, 4, 3, 2),
        (4, 1, 3, 2),
        dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2)),
    ),
    "2d_outpad_below_dilation": ((1, 2, 3, 3), (2, 2, 2, 2), dict(dilation=2, output_padding=1)),
    "2d_no_bias": ((2, 2, 3, 3), (2, 3, 3, 3), dict(bias=False, padding=1)),
    "1d": ((2, 2, 4), (2, 3, 4), dict(stride=3, padding=1, output_padding=2)),
    "3d": ((1, 2, 2, 2, 3), (2, 2, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
}


def _dims(shape):
    return len(shape) - 2


def _conv_fn(x_shape, kwargs):
    return getattr(F, f"conv{_dims(x_shape)}d")


def _transpose_fn(x_shape):
    return getattr(F, f"conv_transpose{_dims(x_shape)}d")


def _inputs(rng, x_shape, w_shape, kwargs, transposed=False):
    kwargs = dict(kwargs)
    has_bias = kwargs.pop("bias", True)
    out = w_shape[1] * kwargs.get("groups", 1) if transposed else w_shape[0]
    x, W = t64(rng, x_shape), t64(rng, w_shape)
    b = t64(rng, (out,)) if has_bias else None
    return x, W, b, kwargs


def naive_conv2d(x, W, b, stride, padding, dilation, groups):
    """The definition, one output value at a time."""
    (sh, sw), (dh, dw) = stride, dilation
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n_out, c_per_group, kh, kw = W.shape
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    z = np.zeros((x.shape[0], n_out, ho, wo))
    per_group = n_out // groups
    for n in range(x.shape[0]):
        for o in range(n_out):
            g = o // per_group
            for i in range(ho):
                for j in range(wo):
                    patch = xp[
                        n,
                        g * c_per_group : (g + 1) * c_per_group,
                        i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                        j * sw : j * sw + dw * (kw - 1) + 1 : dw,
                    ]
                    z[n, o, i, j] = np.sum(patch * W[o]) + (b[o] if b is not None else 0.0)
    return z


def _pairs(padding, kernel, dilation):
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return [(t // 2, t - t // 2) for t in totals]
    if padding == "valid":
        return [(0, 0), (0, 0)]
    p = (padding, padding) if isinstance(padding, int) else padding
    return [(q, q) for q in p]


@pytest.mark.parametrize("name", [n for n in CONV_CASES if n.startswith("2d")])
def test_conv2d_matches_naive_loops(rng, name):
    x_shape, w_shape, kwargs = CONV_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs)

    def two(v):
        return (v, v) if isinstance(v, int) else v

    stride, dilation = two(kw.get("stride", 1)), two(kw.get("dilation", 1))
    pads = _pairs(kw.get("padding", 0), w_shape[2:], dilation)
    expected = naive_conv2d(
        x.array, W.array, None if b is None else b.array, stride, pads, dilation, kw.get("groups", 1)
    )
    z = F.conv2d(x, W, b, **kw)
    np.testing.assert_allclose(z.array, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("small_gemm", [None, 40])  # 40: every thin product in pieces (add_weight_grad, _gemm)
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_gradcheck(rng, monkeypatch, name, small_gemm):
    if small_gemm is not None:
        monkeypatch.setattr(conv_module, "SMALL_GEMM", small_gemm)
    x_shape, w_shape, kwargs = CONV_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs)
    fn = _conv_fn(x_shape, kw)
    inputs = [x, W] if b is None else [x, W, b]
    assert dn.gradcheck(lambda *t: fn(*t, **kw) if len(t) == 3 else fn(t[0], t[1], None, **kw), inputs)


@pytest.mark.parametrize("small_gemm", [None, 40])  # 40: every thin product in pieces (add_weight_grad, _gemm)
@pytest.mark.parametrize("name", sorted(TRANSPOSE_CASES))
def test_conv_transpose_gradcheck(rng, monkeypatch, name, small_gemm):
    if small_gemm is not None:
        monkeypatch.setattr(conv_module, "SMALL_GEMM", small_gemm)
    x_shape, w_shape, kwargs = TRANSPOSE_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs, transposed=True)
    fn = _transpose_fn(x_shape)
    inputs = [x, W] if b is None else [x, W, b]
    assert dn.gradcheck(lambda *t: fn(*t, **kw) if len(t) == 3 else fn(t[0], t[1], None, **kw), inputs)


def _torch_parity(torch, fn, tfn, x, W, b, kw, rng):
    z = fn(x, W, b, **kw)
    tx, tW = torch.tensor(x.array, requires_grad=True), torch.tensor(W.array, requires_grad=True)
    tb = None if b is None else torch.tensor(b.array, requires_grad=True)
    tz = tfn(tx, tW, tb, **kw)
    assert z.shape == tuple(tz.shape)
    np.testing.assert_allclose(z.array, tz.detach().numpy(), rtol=1e-8, atol=1e-8)
    r = rng.standard_normal(z.shape)
    (z * dn.tensor(r)).sum().backward()
    (tz * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(W.grad, tW.grad.numpy(), rtol=1e-8, atol=1e-8)
    if b is not None:
        np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-8, atol=1e-8)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("chunk_bytes", [None, 1])  # 1: one output row per im2col chunk
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_matches_torch(rng, monkeypatch, name, chunk_bytes):
    torch = pytest.importorskip("torch")
    if chunk_bytes is not None:
        monkeypatch.setattr(conv_module, "CHUNK_BYTES", chunk_bytes)
    x_shape, w_shape, kwargs = CONV_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs)
    tfn = getattr(torch.nn.functional, f"conv{_dims(x_shape)}d")
    _torch_parity(torch, _conv_fn(x_shape, kw), tfn, x, W, b, kw, rng)


@pytest.mark.parametrize("chunk_bytes", [None, 1])
@pytest.mark.parametrize("name", sorted(TRANSPOSE_CASES))
def test_conv_transpose_matches_torch(rng, monkeypatch, name, chunk_bytes):
    torch = pytest.importorskip("torch")
    if chunk_bytes is not None:
        monkeypatch.setattr(conv_module, "CHUNK_BYTES", chunk_bytes)
    x_shape, w_shape, kwargs = TRANSPOSE_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs, transposed=True)
    tfn = getattr(torch.nn.functional, f"conv_transpose{_dims(x_shape)}d")
    _torch_parity(torch, _transpose_fn(x_shape), tfn, x, W, b, kw, rng)


def test_larger_conv_matches_torch_in_several_chunks(rng, monkeypatch):
    # A LeNet-like layer with the chunk size shrunk so im2col runs in chunks of several rows.
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 6 * 25 * 10 * 4 * 8 * 3)
    x, W, b, _ = _inputs(rng, (4, 6, 14, 14), (16, 6, 5, 5), {})
    _torch_parity(torch, F.conv2d, torch.nn.functional.conv2d, x, W, b, dict(padding=1), rng)


def _geometry_of(z):
    """The Geometry that the convolution which made tensor ``z`` used."""
    return z._ctx.geometry


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("force", [True, False])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_both_input_gradient_paths_match_torch(rng, monkeypatch, name, force):
    # dL/dx has two implementations (GEMM + col2im, or im2col + GEMM of the flipped kernel for
    # stride 1); gathers_input_grad picks one by the channel counts. Force each one on every case
    # where it applies, so that neither is tested only on the shapes the rule happens to pick.
    torch = pytest.importorskip("torch")
    x_shape, w_shape, kwargs = CONV_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs)
    rule = conv_module.gathers_input_grad
    no_channels = np.zeros((0, 1))  # a weight that never widens: the rule then checks only the geometry
    if force and not rule(_geometry_of(_conv_fn(x_shape, kw)(x, W, b, **kw)), no_channels):
        pytest.skip("stride > 1 or padding beyond d(k - 1): only col2im applies")
    monkeypatch.setattr(conv_module, "gathers_input_grad", lambda g, W: force and rule(g, no_channels))
    tfn = getattr(torch.nn.functional, f"conv{_dims(x_shape)}d")
    _torch_parity(torch, _conv_fn(x_shape, kw), tfn, x, W, b, kw, rng)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_gradients_match_torch_when_delta_is_batch_innermost(rng, name):
    # With L = sum(z^2)/2, delta = z keeps the convolution's (C, *spatial, N) memory order, the
    # order a real network's gradients have; the bias gradient then takes its matrix-vector path.
    torch = pytest.importorskip("torch")
    x_shape, w_shape, kwargs = CONV_CASES[name]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs)
    z = _conv_fn(x_shape, kw)(x, W, b, **kw)
    assert conv_module.to_internal(z.array).flags.c_contiguous  # (with N = 1 both orders are the same)
    (z * z).sum().backward()
    tx, tW = torch.tensor(x.array, requires_grad=True), torch.tensor(W.array, requires_grad=True)
    tb = None if b is None else torch.tensor(b.array, requires_grad=True)
    tz = getattr(torch.nn.functional, f"conv{_dims(x_shape)}d")(tx, tW, tb, **kw)
    (tz * tz).sum().backward()
    for ours, theirs in ((x, tx), (W, tW), (b, tb)):
        if ours is not None:
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-8, atol=1e-8)


def test_bias_grad_is_the_sum_over_batch_and_positions(rng):
    internal = rng.standard_normal((3, 4, 5, 2))  # (C, H, W, N)
    for delta in (conv_module.to_public(internal), np.ascontiguousarray(conv_module.to_public(internal))):
        np.testing.assert_allclose(conv_module.bias_grad(delta), delta.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_input_gradient_path_rule():
    g = conv_module.Geometry((8, 8), (8, 8), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert conv_module.gathers_input_grad(g, np.zeros((16, 32, 3, 3)))  # narrows: im2col + GEMM
    assert conv_module.gathers_input_grad(g, np.zeros((16, 16, 3, 3)))
    assert not conv_module.gathers_input_grad(g, np.zeros((32, 16, 3, 3)))  # widens: col2im
    strided = g._replace(stride=(2, 1), out_size=(4, 8))
    assert not conv_module.gathers_input_grad(strided, np.zeros((16, 32, 3, 3)))
    wide_pad = g._replace(padding=((3, 3), (1, 1)), out_size=(12, 8))
    assert not conv_module.gathers_input_grad(wide_pad, np.zeros((16, 32, 3, 3)))


@pytest.mark.parametrize(
    "x_shape, w_shape, kw",
    [
        ((2, 2, 7, 6), (3, 2, 3, 3), dict(stride=2, padding=1)),
        ((1, 4, 8, 7), (6, 2, 3, 2), dict(stride=(3, 2), padding=(1, 0), dilation=(1, 2), groups=2)),
        ((2, 3, 10), (2, 3, 4), dict(stride=3, padding=2)),
        ((1, 2, 5, 6, 5), (2, 2, 3, 2, 3), dict(stride=2, padding=1)),
    ],
)
def test_adjoint_of_conv_is_conv_transpose(rng, x_shape, w_shape, kw):
    # <conv(x), y> = <x, conv_transpose(y)> for the same weight: the transpose is exact.
    x, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    dims = _dims(x_shape)
    z = getattr(F, f"conv{dims}d")(dn.tensor(x), dn.tensor(W), **kw).array
    y = rng.standard_normal(z.shape)
    s = kw["stride"] if isinstance(kw["stride"], tuple) else (kw["stride"],) * dims
    p = kw["padding"] if isinstance(kw["padding"], tuple) else (kw["padding"],) * dims
    d = kw.get("dilation", (1,) * dims)
    # output_padding recovers the input size among those that give z's size.
    extra = tuple(
        (n + 2 * q - dd * (k - 1) - 1) % ss for n, q, dd, k, ss in zip(x_shape[2:], p, d, w_shape[2:], s, strict=True)
    )
    xt = getattr(F, f"conv_transpose{dims}d")(dn.tensor(y), dn.tensor(W), output_padding=extra, **kw).array
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.sum(z * y), np.sum(x * xt), rtol=1e-12)


def test_float32_kept(rng):
    x = dn.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    W = dn.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = dn.tensor(np.zeros(4, np.float32), requires_grad=True)
    for z in (F.conv2d(x, W, b, padding=1), F.conv_transpose2d(F.conv2d(x, W, b), W, None)):
        assert z.dtype == np.float32
        for t in (x, W, b):
            t.grad = None
        z.sum().backward()
        assert x.grad.dtype == W.grad.dtype == np.float32


def test_float32_close_to_float64(rng):
    x, W = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((4, 3, 3, 3))
    z64 = F.conv2d(dn.tensor(x), dn.tensor(W), stride=2, padding=1).array
    z32 = F.conv2d(dn.tensor(x.astype(np.float32)), dn.tensor(W.astype(np.float32)), stride=2, padding=1).array
    np.testing.assert_allclose(z32, z64, rtol=1e-4, atol=1e-5)


def test_non_contiguous_and_batch_innermost_inputs_give_the_same_result(rng):
    W = dn.tensor(rng.standard_normal((3, 2, 3, 3)))
    big = rng.standard_normal((2, 2, 10, 12))
    strided = big[:, :, ::2, 1::2]  # a non-contiguous view
    assert not strided.flags.c_contiguous
    expected = F.conv2d(dn.tensor(strided.copy()), W, padding=1).array
    np.testing.assert_array_equal(F.conv2d(dn.as_tensor(strided), W, padding=1).array, expected)
    # The memory order convolutions return: (C, H, W, N) viewed as (N, C, H, W).
    innermost = np.ascontiguousarray(strided.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    np.testing.assert_array_equal(F.conv2d(dn.tensor(innermost), W, padding=1).array, expected)
    # Gradients do not depend on the input's layout either.
    grads = []
    for arr in (strided.copy(), strided, innermost):
        x = dn.as_tensor(arr).requires_grad_()  # shares arr: strided stays strided
        (F.conv2d(x, W, padding=1) ** 2).sum().backward()
        grads.append(x.grad)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-13)
    np.testing.assert_allclose(grads[2], grads[0], rtol=1e-13)


def test_output_is_a_batch_innermost_view_that_the_next_conv_reads_without_copy(rng):
    x = dn.tensor(rng.standard_normal((4, 2, 6, 6)).astype(np.float32))
    W = dn.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32))
    z = F.conv2d(x, W, padding=1)
    assert conv_module.batch_innermost(z.array)
    assert conv_module.to_internal(z.array).flags.c_contiguous
    assert conv_module.batch_innermost(F.relu(z).array)  # elementwise ops keep the order


def test_first_layer_computes_no_input_gradient(rng):
    x = dn.tensor(rng.standard_normal((2, 1, 6, 6)))  # data: requires_grad=False
    W = dn.tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True)
    F.conv2d(x, W).sum().backward()
    assert x.grad is None and W.grad.shape == (2, 1, 3, 3)
    np.testing.assert_allclose(W.grad[0, 0], W.grad[1, 0])  # sum of windows, the same for both


# col2im; the flipped-kernel input gradient; a 1x1 kernel read as a view; an inner size of 1
@pytest.mark.parametrize("w_shape", [(3, 2, 3, 3), (2, 2, 3, 3), (2, 2, 1, 1), (1, 4, 1, 1)])
def test_empty_batch(rng, w_shape):
    x = dn.tensor(np.zeros((0, w_shape[1], 5, 5)), requires_grad=True)
    W = dn.tensor(rng.standard_normal(w_shape), requires_grad=True)
    b = dn.tensor(np.ones(w_shape[0]), requires_grad=True)
    z = F.conv2d(x, W, b, padding=w_shape[2] // 2)
    assert z.shape == (0, w_shape[0], 5, 5)
    z.sum().backward()
    assert x.grad.shape == (0, w_shape[1], 5, 5)
    np.testing.assert_array_equal(W.grad, 0.0)
    np.testing.assert_array_equal(b.grad, 0.0)


def test_same_padding_keeps_size(rng):
    for k in (1, 2, 3, 4, 5):
        z = F.conv2d(dn.tensor(rng.standard_normal((1, 1, 7, 6))), dn.tensor(np.ones((1, 1, k, k))), padding="same")
        assert z.shape == (1, 1, 7, 6)


# -- errors ------------------------------------------------------------------------------------
def _x(shape):
    return dn.tensor(np.zeros(shape))


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: F.conv2d(_x((28, 28)), _x((6, 1, 5, 5))),
            r"conv2d expects a 4-D input \(N, C, H, W\) \(or 3-D \(C, H, W\), one sample\), got shape \(28, 28\)",
        ),
        (
            lambda: F.conv1d(_x((2, 3, 4, 4)), _x((6, 3, 3))),
            r"conv1d expects a 3-D input \(N, C, L\) \(or 2-D \(C, L\), one sample\), got shape \(2, 3, 4, 4\)",
        ),
        (
            lambda: F.conv3d(_x((3, 4, 4)), _x((6, 3, 3, 3, 3))),
            r"conv3d expects a 5-D input \(N, C, D, H, W\) \(or 4-D \(C, D, H, W\), one sample\), "
            r"got shape \(3, 4, 4\)",
        ),
        (
            lambda: F.conv2d(_x((2, 4, 8, 8)), _x((6, 3, 3, 3))),
            r"conv2d: a weight of shape \(6, 3, 3, 3\) .* expects an input with 3 channels, got shape \(2, 4, 8, 8\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 4, 4)), _x((6, 3, 5, 5))),
            r"conv2d: the kernel \(5, 5\) .* is larger than the padded input \(4, 4\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 4, 4)), _x((6, 3, 3, 3)), dilation=2),
            r"extent \(5, 5\) with dilation \(2, 2\)\) is larger than the padded input",
        ),
        (
            lambda: F.conv2d(_x((2, 6, 8, 8)), _x((6, 2, 3, 3)), groups=4),
            r"conv2d: groups=4 must divide the input channels, got input shape \(2, 6, 8, 8\)",
        ),
        (
            lambda: F.conv2d(_x((2, 6, 8, 8)), _x((5, 2, 3, 3)), groups=3),
            r"conv2d: groups=3 must divide the output channels, got a weight of shape \(5, 2, 3, 3\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3))),
            r"conv2d expects a weight of shape \(out_channels, in_channels/groups, kH, kW\), got shape \(6, 3, 3\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), _x((5,))),
            r"conv2d: expected a bias of shape \(6,\), got shape \(5,\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), stride=2, padding="same"),
            r"padding='same' needs stride 1 .*got stride \(2, 2\)",
        ),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), padding="full"),
            r"conv2d: padding must be an int, a tuple, 'same' or 'valid', got 'full'",
        ),
        (lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), stride=0), r"conv2d: stride must be >= 1, got 0"),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), padding=(1, 2, 3)),
            r"conv2d: padding must be an int or a tuple of 2 ints, got \(1, 2, 3\)",
        ),
        (lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), padding=-1), r"conv2d: padding must be >= 0, got -1"),
        (
            lambda: F.conv2d(_x((2, 3, 8, 8)), _x((6, 3, 3, 3)), groups=0),
            r"conv2d: groups must be a positive int, got 0",
        ),
        (
            lambda: F.conv_transpose2d(_x((2, 3, 4, 4)), _x((3, 2, 3, 3)), stride=2, output_padding=2),
            r"conv_transpose2d: output_padding must be smaller than either stride or dilation .*"
            r"got output_padding \(2, 2\), stride \(2, 2\), dilation \(1, 1\)",
        ),
        (
            lambda: F.conv_transpose2d(_x((2, 3, 4, 4)), _x((3, 2, 3, 3)), output_padding=1),
            r"output_padding must be smaller than either stride or dilation",
        ),
        (
            lambda: F.conv_transpose2d(_x((2, 4, 4, 4)), _x((3, 2, 3, 3))),
            r"conv_transpose2d: a weight of shape \(3, 2, 3, 3\) .* "
            r"expects an input with 3 channels, got shape \(2, 4, 4, 4\)",
        ),
        (
            lambda: F.conv_transpose2d(_x((3, 4)), _x((3, 2, 3, 3))),
            r"conv_transpose2d expects a 4-D input \(N, C, H, W\) .*, got shape \(3, 4\)",
        ),
        (
            lambda: F.conv_transpose2d(_x((2, 3, 1, 1)), _x((3, 2, 1, 1)), padding=1),
            r"conv_transpose2d: the output would have size \(-1, -1\)",
        ),
        (
            lambda: F.conv_transpose2d(_x((2, 3, 4, 4)), _x((3, 2, 3, 3)), _x((3,))),
            r"conv_transpose2d: expected a bias of shape \(2,\), got shape \(3,\)",
        ),
    ],
)
def test_shape_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- the weight gradient's two fast paths (add_weight_grad) ------------------------------------------
@pytest.mark.parametrize(
    "groups, out, K, P, pieces",
    [(1, 6, 25, 50_176, True), (2, 3, 9, 40_001, True), (1, 16, 9, 32_771, True), (1, 16, 288, 3_001, False)],
)
def test_weight_gradient_fast_paths_equal_the_product_as_written(rng, monkeypatch, groups, out, K, P, pieces):
    # Real thin layers (LeNet's first convolution: 6 x 25) cut into pieces, with a remainder of
    # positions left over after the equal pieces (P = 40,001 and 32,771 are prime to the piece
    # counts); a wider layer (the U-Net's 16 x 288) computed as the transposed product.
    delta = rng.standard_normal((groups, out, P))
    cols = rng.standard_normal((groups, K, P))
    assert (conv_module._pieces(out, K, P) >= 2) == pieces
    gW = np.ones((groups, out, K))
    conv_module.add_weight_grad(gW, delta, cols)
    np.testing.assert_allclose(gW, 1 + delta @ cols.transpose(0, 2, 1), rtol=1e-12, atol=1e-9)
    monkeypatch.setattr(backend, "REFERENCE", True)  # DELTANET_REFERENCE=1: the product as written
    plain = np.ones((groups, out, K))
    conv_module.add_weight_grad(plain, delta, cols)
    np.testing.assert_array_equal(plain, 1 + delta @ cols.transpose(0, 2, 1))
    np.testing.assert_allclose(gW, plain, rtol=1e-12, atol=1e-9)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", sorted(CONV_CASES) + sorted(f"transpose:{n}" for n in TRANSPOSE_CASES))
def test_weight_gradient_in_pieces_matches_torch(rng, monkeypatch, name):
    # SMALL_GEMM shrunk so that every test layer is cut into pieces (several per chunk).
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(conv_module, "SMALL_GEMM", 40)
    transposed = name.startswith("transpose:")
    x_shape, w_shape, kwargs = (TRANSPOSE_CASES if transposed else CONV_CASES)[name.removeprefix("transpose:")]
    x, W, b, kw = _inputs(rng, x_shape, w_shape, kwargs, transposed=transposed)
    kind = "conv_transpose" if transposed else "conv"
    tfn = getattr(torch.nn.functional, f"{kind}{_dims(x_shape)}d")
    ours = _transpose_fn(x_shape) if transposed else _conv_fn(x_shape, kw)
    _torch_parity(torch, ours, tfn, x, W, b, kw, rng)


@pytest.mark.parametrize("M, K, P", [(6, 25, 14_336), (16, 9, 32_771), (16, 288, 3_001), (1, 16, 5_000)])
def test_gemm_in_pieces_equals_the_product_as_written(rng, monkeypatch, M, K, P):
    # A thin first layer's forward product (6 x 25) runs in pieces of P, with a short last piece;
    # wider ones as one product; an inner size of 1 as a broadcast multiply.
    A, B = rng.standard_normal((1, M, K)), rng.standard_normal((1, K, P))
    for out in (None, np.empty((1, M, P))):
        np.testing.assert_allclose(conv_module._gemm(A, B, out=out), A @ B, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(backend, "REFERENCE", True)
    np.testing.assert_array_equal(conv_module._gemm(A, B), np.matmul(A, B) if K > 1 else A * B)
