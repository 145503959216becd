"""PyTorch's memory formats: ``contiguous``/``to``/``is_contiguous`` with ``memory_format`` and
``Module.to(memory_format=...)`` lay the values out in that order (honest strides); the values
and gradients stay the same."""

import copy

import numpy as np
import pytest

import deltanet as dn


def _x():
    return dn.tensor(np.arange(120, dtype=np.float64).reshape(2, 3, 4, 5), requires_grad=True)


def test_channels_last_strides_and_values():
    x = _x()
    y = x.contiguous(memory_format=dn.channels_last)
    assert y.stride() == (60, 1, 15, 3)
    assert y.is_contiguous(memory_format=dn.channels_last) and not y.is_contiguous()
    np.testing.assert_array_equal(y.array, x.array)
    (y * dn.tensor(np.arange(120.0).reshape(2, 3, 4, 5))).sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.arange(120.0).reshape(2, 3, 4, 5))
    assert y.contiguous(memory_format=dn.channels_last) is y
    assert y.contiguous().is_contiguous() and y.contiguous().stride() == (60, 20, 5, 1)


def test_to_and_channels_last_3d():
    x = _x()
    assert x.to(memory_format=dn.channels_last).stride() == (60, 1, 15, 3)
    assert x.to(dn.float32, memory_format=dn.channels_last).dtype == dn.float32
    v = dn.zeros(2, 3, 4, 5, 6).contiguous(memory_format=dn.channels_last_3d)
    assert v.stride() == (360, 1, 90, 18, 3)
    assert x.contiguous(memory_format=dn.preserve_format) is x


def test_size_one_axes_do_not_count():
    assert dn.zeros(1, 3, 1, 1).is_contiguous(memory_format=dn.channels_last)
    assert not dn.zeros(3, 4).is_contiguous(memory_format=dn.channels_last)


def test_errors():
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        dn.zeros(3, 4).contiguous(memory_format=dn.channels_last)
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        _x().to(memory_format=dn.channels_last_3d)
    with pytest.raises(TypeError, match="must be a memory format"):
        _x().contiguous(memory_format="channels_last")


def test_module_to_lays_out_4d_parameters():
    m = dn.nn.Conv2d(3, 4, 3)
    weight = m.weight
    x = dn.randn(2, 3, 6, 6)
    before = m(x).array.copy()
    assert m.to(memory_format=dn.channels_last) is m
    assert m.weight is weight and m.weight.stride() == (27, 1, 9, 3) and m.bias.stride() == (1,)
    np.testing.assert_allclose(m(x.contiguous(memory_format=dn.channels_last)).array, before, rtol=1e-6)


def test_formats_are_singletons():
    assert copy.deepcopy(dn.channels_last) is dn.channels_last
    assert repr(dn.contiguous_format) == "deltanet.contiguous_format"


@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last"])
def test_strides_match_torch(fmt):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 4, 5)
    for t, d in (
        (torch.zeros(shape), dn.zeros(*shape)),
        (torch.zeros(shape).permute(0, 2, 3, 1), dn.zeros(*shape).permute(0, 2, 3, 1)),
    ):
        tf, df = getattr(torch, fmt), getattr(dn, fmt)
        assert d.is_contiguous(memory_format=df) == t.is_contiguous(memory_format=tf)
        if t.dim() == 4:
            assert d.contiguous(memory_format=df).stride() == t.contiguous(memory_format=tf).stride()
            assert d.to(memory_format=df).stride() == t.to(memory_format=tf).stride()
    tm, dm = torch.nn.Conv2d(3, 4, 3), dn.nn.Conv2d(3, 4, 3)
    tm.to(memory_format=getattr(torch, fmt))
    dm.to(memory_format=getattr(dn, fmt))
    assert dm.weight.stride() == tm.weight.stride() and dm.bias.stride() == tm.bias.stride()


def test_clone_and_like_take_memory_format():
    x = dn.randn(2, 3, 4, 5)
    assert x.clone(memory_format=dn.channels_last).stride() == (60, 1, 15, 3)
    assert dn.empty_like(x, memory_format=dn.channels_last).stride() == (60, 1, 15, 3)
    permuted = x.permute(0, 2, 3, 1)
    kept = dn.zeros_like(permuted, memory_format=dn.preserve_format)
    assert kept.stride() == permuted.stride() and not kept.array.any()
    np.testing.assert_array_equal(permuted.clone(memory_format=dn.preserve_format).array, permuted.array)
    assert dn.full_like(x, 2.0, memory_format=dn.contiguous_format).is_contiguous()
    with pytest.raises(TypeError, match="must be a memory format"):
        dn.ones_like(x, memory_format="channels_last")


@pytest.mark.parametrize(
    "expression",
    [
        "x.clone(memory_format=F.channels_last)",
        "L.empty_like(x, memory_format=F.channels_last)",
        "L.zeros_like(x.permute(0, 2, 3, 1), memory_format=F.preserve_format)",
        "x.permute(3, 1, 0, 2).clone(memory_format=F.preserve_format)",
        "L.ones_like(x.contiguous(memory_format=F.channels_last), memory_format=F.preserve_format)",
    ],
)
def test_clone_and_like_strides_match_torch(expression):
    torch = pytest.importorskip("torch")
    ours = eval(expression, {"x": dn.zeros(2, 3, 4, 5), "F": dn, "L": dn})
    theirs = eval(expression, {"x": torch.zeros(2, 3, 4, 5), "F": torch, "L": torch})
    assert ours.stride() == theirs.stride()
