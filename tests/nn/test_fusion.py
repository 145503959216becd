"""torch.nn.utils.fusion (conv/linear + batch norm folded for inference), skip_init and the
memory-format conversions: PyTorch's weights, dtypes, requires_grad and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn.utils import fusion


def _bn(rng, cls, n, dtype=np.float64):
    bn = cls(n, dtype=dtype).eval()
    bn.weight.data[...] = rng.normal(size=n)
    bn.bias.data[...] = rng.normal(size=n)
    bn.running_mean.data[...] = rng.normal(size=n)
    bn.running_var.data[...] = rng.random(n) + 0.5
    return bn


@pytest.mark.parametrize(
    ("make", "bn_cls", "shape", "transpose"),
    [
        (lambda: dn.nn.Conv2d(3, 4, 3, dtype=np.float64), dn.nn.BatchNorm2d, (2, 3, 6, 6), False),
        (lambda: dn.nn.Conv1d(3, 4, 3, bias=False, dtype=np.float64), dn.nn.BatchNorm1d, (2, 3, 7), False),
        (lambda: dn.nn.Conv3d(2, 4, 2, dtype=np.float64), dn.nn.BatchNorm3d, (1, 2, 4, 4, 4), False),
        (lambda: dn.nn.ConvTranspose2d(3, 4, 3, dtype=np.float64), dn.nn.BatchNorm2d, (2, 3, 5, 5), True),
    ],
)
def test_fused_conv_computes_bn_of_conv(make, bn_cls, shape, transpose):
    rng = np.random.default_rng(0)
    conv, bn = make().eval(), _bn(rng, bn_cls, 4)
    fused = fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    x = dn.tensor(rng.normal(size=shape))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert fused is not conv and fused.weight is not conv.weight
    assert fused.bias.requires_grad == (conv.bias is not None)


def test_fused_linear_computes_bn_of_linear_and_one_feature_broadcasts():
    rng = np.random.default_rng(1)
    linear = dn.nn.Linear(5, 3, dtype=np.float64).eval()
    for n in (3, 1):
        bn = _bn(rng, dn.nn.BatchNorm1d, n)
        x = dn.tensor(rng.normal(size=(4, 5)))
        expected = bn(linear(x)) if n == 3 else bn(linear(x).reshape(-1, 1)).reshape(4, 3)
        np.testing.assert_allclose(
            fusion.fuse_linear_bn_eval(linear, bn)(x).detach().numpy(), expected.detach().numpy(), rtol=1e-10
        )


def test_fusion_errors_are_pytorchs():
    conv, bn = dn.nn.Conv2d(1, 2, 3), dn.nn.BatchNorm2d(2)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fusion.fuse_conv_bn_eval(conv, bn)
    with pytest.raises(AssertionError, match=r"linear.out_features=2 and bn.num_features=3"):
        fusion.fuse_linear_bn_eval(dn.nn.Linear(2, 2).eval(), dn.nn.BatchNorm1d(3).eval())
    no_stats = dn.nn.BatchNorm2d(2, track_running_stats=False).eval()
    with pytest.raises(AssertionError, match="bn.running_mean and bn.running_var must not be None"):
        fusion.fuse_conv_bn_eval(conv.eval(), no_stats)


def _rtol(dtype):
    return 2e-6 if dtype == np.float32 else 1e-14


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    tfusion = pytest.importorskip("torch.nn.utils.fusion")
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        w, b = rng.normal(size=(4, 3, 3, 3)).astype(dtype), rng.normal(size=4).astype(dtype)
        stats = [rng.normal(size=4), rng.random(4) + 0.5, rng.normal(size=4), rng.normal(size=4)]
        stats = [s.astype(dtype) for s in stats]
        for bias in (b, None):
            theirs = tfusion.fuse_conv_bn_weights(
                torch.from_numpy(w).requires_grad_(),
                None if bias is None else torch.from_numpy(bias),
                *(torch.from_numpy(s) for s in stats[:2]),
                1e-5,
                *(torch.from_numpy(s) for s in stats[2:]),
            )
            ours = fusion.fuse_conv_bn_weights(
                dn.nn.Parameter(w), None if bias is None else dn.tensor(bias), *stats[:2], 1e-5, *stats[2:]
            )
            for mine, their in zip(ours, theirs, strict=True):
                assert mine.dtype == dtype and mine.requires_grad == their.requires_grad
                np.testing.assert_allclose(mine.detach().numpy(), their.detach().numpy(), rtol=_rtol(dtype))
        lw = rng.normal(size=(4, 6)).astype(dtype)
        theirs = tfusion.fuse_linear_bn_weights(
            torch.from_numpy(lw),
            torch.from_numpy(b),
            *(torch.from_numpy(s) for s in stats[:2]),
            1e-3,
            *(torch.from_numpy(s) for s in stats[2:]),
        )
        ours = fusion.fuse_linear_bn_weights(dn.tensor(lw), dn.tensor(b), *stats[:2], 1e-3, *stats[2:])
        for mine, their in zip(ours, theirs, strict=True):
            assert mine.dtype == their.detach().numpy().dtype and mine.requires_grad == their.requires_grad
            np.testing.assert_allclose(mine.detach().numpy(), their.detach().numpy(), rtol=_rtol(dtype))


def test_skip_init_leaves_the_generator_and_refuses_non_modules():
    dn.manual_seed(5)
    expected = dn.rand(3).tolist()
    dn.manual_seed(5)
    layer = dn.nn.utils.skip_init(dn.nn.Linear, 4, 2, bias=False, device="cpu")
    assert layer.weight.shape == (2, 4) and layer.bias is None
    assert dn.rand(3).tolist() == expected
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        dn.nn.utils.skip_init(int)
    with pytest.raises(RuntimeError):
        dn.nn.utils.skip_init(dn.nn.Linear, 4, 2, device="cuda")


def test_memory_format_conversion_lays_out_the_conv_weights():
    rng = np.random.default_rng(0)
    m = dn.nn.Sequential(dn.nn.Conv2d(3, 4, 3), dn.nn.ReLU(), dn.nn.ConvTranspose2d(4, 2, 2), dn.nn.Conv3d(2, 2, 1))
    x = dn.tensor(rng.normal(size=(2, 3, 6, 6)).astype(np.float32))
    before = [p.detach().numpy().copy() for p in m.parameters()]
    expected = m[:3](x).detach().numpy()
    weight = m[0].weight
    assert dn.nn.utils.convert_conv2d_weight_memory_format(m, dn.channels_last) is m
    assert m[0].weight is weight and m[0].weight.stride() == (27, 1, 9, 3)
    assert m[2].weight.stride() == (8, 1, 4, 2) and m[3].weight.is_contiguous()  # (4, 2, 2, 2); Conv3d untouched
    assert dn.nn.utils.convert_conv3d_weight_memory_format(m, dn.channels_last_3d) is m
    assert m[3].weight.is_contiguous(memory_format=dn.channels_last_3d)
    assert all(np.array_equal(a, p.detach().numpy()) for a, p in zip(before, m.parameters(), strict=True))
    np.testing.assert_array_equal(m[:3](x).detach().numpy(), expected)
    dn.nn.utils.convert_conv2d_weight_memory_format(m, dn.contiguous_format)
    assert m[0].weight.is_contiguous()
    with pytest.raises(TypeError, match="expected a Module"):
        dn.nn.utils.convert_conv2d_weight_memory_format(3, None)
    with pytest.raises(TypeError, match="must be a memory format"):
        dn.nn.utils.convert_conv2d_weight_memory_format(m, "channels_last")
    with pytest.raises(RuntimeError, match="preserve_format"):
        dn.nn.utils.convert_conv3d_weight_memory_format(m, dn.preserve_format)
    with pytest.raises(RuntimeError, match="required rank 4"):
        dn.nn.utils.convert_conv3d_weight_memory_format(m, dn.channels_last)
    linear = dn.nn.Linear(2, 2)  # no convolution: the format is not looked at, as in PyTorch
    assert dn.nn.utils.convert_conv2d_weight_memory_format(linear, "anything") is linear


def test_memory_format_conversion_matches_pytorch_strides():
    torch = pytest.importorskip("torch")
    strides = []
    for lib in (torch, dn):
        m = lib.nn.Sequential(
            lib.nn.Conv2d(3, 8, 3), lib.nn.ConvTranspose2d(8, 4, 2), lib.nn.Conv3d(1, 2, 3), lib.nn.Conv2d(1, 5, 1)
        )
        lib.nn.utils.convert_conv2d_weight_memory_format(m, lib.channels_last)
        lib.nn.utils.convert_conv3d_weight_memory_format(m, lib.channels_last_3d)
        strides.append([p.stride() for p in m.parameters()])
    assert strides[0] == strides[1]


def test_a_fused_layer_without_bias_saves_and_loads(tmp_path):
    rng = np.random.default_rng(3)
    conv = dn.nn.Conv2d(2, 4, 3, bias=False, dtype=np.float64).eval()
    linear = dn.nn.Linear(3, 4, bias=False, dtype=np.float64).eval()
    for layer, x in ((conv, rng.normal(size=(1, 2, 5, 5))), (linear, rng.normal(size=(2, 3)))):
        bn = _bn(rng, dn.nn.BatchNorm2d if layer is conv else dn.nn.BatchNorm1d, 4)
        fused = fusion.fuse_conv_bn_eval(layer, bn) if layer is conv else fusion.fuse_linear_bn_eval(layer, bn)
        dn.save(fused, tmp_path / "fused.dnet")
        back = dn.load(tmp_path / "fused.dnet")
        np.testing.assert_array_equal(back(dn.tensor(x)).detach().numpy(), fused(dn.tensor(x)).detach().numpy())
        assert layer.bias is None and layer.get_config()["bias"] is False
