"""Pooling's ``ceil_mode``, ``divisor_override`` and integer max pooling: PyTorch parity of outputs
and input gradients over many geometries, gradcheck in float64, the layers, and the errors."""

import itertools

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
import deltanet.nn.functional as NF
from deltanet import nn

# (spatial size, kernel, stride, padding): last windows that fit, overhang the padding, or would start in it.
GEOMETRIES = [(5, 2, 2, 0), (6, 3, 2, 1), (7, 3, 2, 1), (5, 3, 3, 1), (7, 2, 3, 1), (4, 3, 1, 0), (6, 2, 4, 1)]


def _distinct(rng, shape):
    # Values 1e-3 apart: central differences never swap a maximum.
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 1e-3


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_ceil_mode_and_divisors_match_torch(dims):
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    rng = np.random.default_rng(dims)
    for n, k, s, p in GEOMETRIES:
        x = rng.standard_normal((2, 2) + (n,) * dims)
        cases = [("max", {})] + [
            ("avg", dict(count_include_pad=c, **({} if d is None else {"divisor_override": d})))
            for c, d in itertools.product((True, False), (None, 3) if dims > 1 else (None,))
        ]
        for kind, options in cases:
            for ceil in (False, True):
                xt = torch.tensor(x, requires_grad=True)
                xd = dn.tensor(x, requires_grad=True)
                a = getattr(TF, f"{kind}_pool{dims}d")(xt, k, s, p, ceil_mode=ceil, **options)
                b = getattr(NF, f"{kind}_pool{dims}d")(xd, k, s, p, ceil_mode=ceil, **options)
                g = rng.standard_normal(a.shape)
                a.backward(torch.tensor(g))
                b.backward(g)
                where = f"{kind}{dims}d n={n} k={k} s={s} p={p} ceil={ceil} {options}"
                assert b.shape == tuple(a.shape), where
                np.testing.assert_allclose(b.data, a.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=where)
                np.testing.assert_allclose(xd.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=where)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
        lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False, ceil_mode=True),
        lambda x: F.avg_pool2d(x, 2, divisor_override=3),
        lambda x: F.max_pool1d(x.reshape(2, 2, 42), 4, 4, ceil_mode=True),
    ],
)
def test_gradcheck(call):
    x = dn.tensor(_distinct(np.random.default_rng(0), (2, 2, 6, 7)), requires_grad=True)
    assert dn.gradcheck(call, [x])


def test_float32_kept():
    x = dn.tensor(np.ones((1, 1, 5, 5), np.float32), requires_grad=True)
    a = F.avg_pool2d(x, 2, ceil_mode=True)
    a.sum().backward()
    assert a.dtype == x.grad.dtype == np.float32
    assert a.data.tolist() == [[[[1.0] * 3] * 3]]


def test_integer_max_pool_is_exact_and_keeps_the_dtype():
    torch = pytest.importorskip("torch")
    x = np.array([2**62 + 1, 2**62, -5, 7, 3, -(2**63)], dtype=np.int64).reshape(1, 1, 6)
    x2 = np.arange(-20, 30).reshape(1, 2, 5, 5)
    for padding, ceil in itertools.product((0, 1), (False, True)):
        a = F.max_pool2d(x2, 3, 2, padding, ceil_mode=ceil)
        expected = torch.nn.functional.max_pool2d(torch.tensor(x2), 3, 2, padding, ceil_mode=ceil).numpy()
        assert a.dtype == np.int64
        np.testing.assert_array_equal(a.data, expected)
    assert F.max_pool1d(x, 2).data.ravel().tolist() == [2**62 + 1, 7, 3]  # float64 would round these


def test_layers_take_the_options_and_print_like_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((1, 2, 7, 7))
    for layer in (
        "MaxPool2d(3, 2, ceil_mode=True)",
        "AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)",
        "AvgPool2d(2, divisor_override=3)",
        "AvgPool1d(3, 2, ceil_mode=True)",
        "MaxPool3d((1, 2, 2), ceil_mode=True)",
    ):
        ours, theirs = eval(f"nn.{layer}"), eval(f"torch.nn.{layer}")
        assert repr(ours) == repr(theirs)
        xin = x[:, :, 0] if "1d" in layer else x[:, :, None] if "3d" in layer else x
        np.testing.assert_allclose(ours(dn.tensor(xin)).data, theirs(torch.tensor(xin)).numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: F.max_pool2d(x, 2, ceil_mode=1), r"max_pool2d: ceil_mode must be True or False, got 1"),
        (lambda x: F.avg_pool2d(x, 2, ceil_mode="yes"), r"avg_pool2d: ceil_mode must be True or False"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), r"avg_pool2d: divisor_override must be a nonzero int"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=1.5), r"avg_pool2d: divisor_override must be an integer"),
        (lambda x: nn.AvgPool2d(2, divisor_override=0), r"AvgPool2d: divisor_override must be a nonzero int"),
        (lambda x: nn.MaxPool2d(2, ceil_mode="no"), r"MaxPool2d: ceil_mode must be True or False"),
    ],
)
def test_bad_options_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(dn.tensor(np.ones((1, 1, 4, 4))))


def test_onnx_export_keeps_ceil_mode_and_refuses_divisor_override(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    x = np.random.default_rng(2).standard_normal((1, 2, 7, 8)).astype(np.float32)
    for layer in (nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(3, 2, 1, ceil_mode=True)):
        path = str(tmp_path / "pool.onnx")
        dn.onnx.export(layer, path, x.shape)
        session = ort.InferenceSession(path)
        y = session.run(None, {session.get_inputs()[0].name: x})[0]
        np.testing.assert_allclose(y, layer(dn.tensor(x)).data, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"divisor_override has no ONNX AveragePool equivalent"):
        dn.onnx.export(nn.AvgPool2d(2, divisor_override=3), str(tmp_path / "d.onnx"), x.shape)


def test_integer_average_pooling_truncates_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for dims in (1, 2, 3):
        x = rng.integers(-50, 50, (2, 2) + (7,) * dims)
        for ceil, include, divisor in itertools.product((False, True), (True, False), (None, -3)):
            options = {} if divisor is None or dims == 1 else {"divisor_override": divisor}
            a = getattr(torch.nn.functional, f"avg_pool{dims}d")(torch.tensor(x), 3, 2, 1, ceil, include, **options)
            b = getattr(NF, f"avg_pool{dims}d")(x, 3, 2, 1, ceil, include, **options)
            assert b.dtype == np.int64
            np.testing.assert_array_equal(b.data, a.numpy())
    with pytest.raises(ValueError, match=r"avg_pool2d: expected a floating-point or int64 input .* got int32"):
        F.avg_pool2d(np.ones((1, 1, 4, 4), np.int32), 2)
