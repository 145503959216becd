"""Rounding, counting and rearranging functions: PyTorch's values, dtypes and gradients."""

import math

import numpy as np
import pytest

import deltanet as dn

DATA = np.array([[0.5, -1.5, 2.5, 3.7], [-0.2, 1.49, -2.5, 0.0], [4.0, -3.3, 1.0, 2.0]])


def _same(ours, theirs):
    torch = pytest.importorskip("torch")
    if isinstance(theirs, tuple | list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
        return
    if isinstance(theirs, torch.Tensor):
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    else:
        assert ours == theirs


CALLS = [
    lambda t, x: t.floor(x),
    lambda t, x: t.ceil(x),
    lambda t, x: t.trunc(x),
    lambda t, x: t.round(x),
    lambda t, x: x.round(decimals=1),
    lambda t, x: t.sign(x),
    lambda t, x: (x.abs() + 1).rsqrt(),
    lambda t, x: t.reciprocal(x + 5),
    lambda t, x: t.floor(x.long()),
    lambda t, x: t.sign(x.long()),
    lambda t, x: t.rsqrt(x.long().abs() + 1),
    lambda t, x: t.hstack([x, x[:, :1]]),
    lambda t, x: t.hstack([x[0], x[1]]),
    lambda t, x: t.vstack([x[0], x]),
    lambda t, x: t.concat([x, x], dim=1),
    lambda t, x: t.concatenate([x, x]),
    lambda t, x: x.reshape(12).unflatten(0, (2, -1)),
    lambda t, x: x.unflatten(-1, (2, 2)),
    lambda t, x: t.repeat_interleave(x, 2),
    lambda t, x: x.repeat_interleave(t.tensor([1, 0, 2]), dim=0),
    lambda t, x: x.repeat_interleave(3, dim=1),
    lambda t, x: x.narrow(1, 1, 2),
    lambda t, x: x.narrow(0, -2, 2),
    lambda t, x: x.swapaxes(0, 1),
    lambda t, x: t.roll(x, 1),
    lambda t, x: t.roll(x, (1, -1), (0, 1)),
    lambda t, x: x.roll(2, dims=1),
    lambda t, x: t.masked_select(x, x > 0),
    lambda t, x: x.masked_select(t.tensor([True, False, True, False])),
    lambda t, x: x.diagonal(),
    lambda t, x: x.diagonal(1),
    lambda t, x: x.diagonal(-1),
    lambda t, x: x.reshape(2, 2, 3).diagonal(0, 1, 2),
    lambda t, x: x.reshape(3, 2, 2).diagonal(offset=1, dim1=-1, dim2=0),
    lambda t, x: t.diag(x),
    lambda t, x: t.diag(x, -1),
    lambda t, x: t.diag(x[0]),
    lambda t, x: t.diag(x[0], 2),
    lambda t, x: t.trace(x[:, :3]),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_matches_pytorch_with_gradients(index):
    torch = pytest.importorskip("torch")
    call = CALLS[index]
    x, xt = dn.tensor(DATA, requires_grad=True), torch.tensor(DATA, requires_grad=True)
    ours, theirs = call(dn, x), call(torch, xt)
    _same(ours, theirs)
    if theirs.requires_grad:
        weights = np.cos(np.arange(theirs.numel())).reshape(tuple(theirs.shape))
        (ours * dn.tensor(weights)).sum().backward()
        (theirs * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(x.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-12)
    f32 = call(dn, dn.tensor(DATA.astype(np.float32)))
    assert f32.dtype == (dn.float32 if theirs.dtype.is_floating_point else dn.int64)


@pytest.mark.parametrize("index", [11, 13, 17, 19, 22, 25, 28, 31, 33, 36, 38])
def test_gradcheck(index):
    data = DATA + 0.01 * np.arange(12).reshape(3, 4)
    assert dn.gradcheck(lambda x: CALLS[index](dn, x), (dn.tensor(data, requires_grad=True),))


def test_counting_matches_pytorch():
    torch = pytest.importorskip("torch")
    values = np.array([3, 1, 3, 0, 1, 3])
    weights = np.array([0.5, 1.0, 2.0, 0.0, 1.5, 1.0], dtype=np.float32)
    for lib in (dn, torch):
        x = lib.tensor(values)
        results = [
            lib.bincount(x),
            x.bincount(minlength=6),
            lib.bincount(x, weights=lib.tensor(weights)),
            lib.unique(x),
            lib.unique(x, return_inverse=True, return_counts=True),
            lib.unique(lib.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True),
            x.float().unique(),
            lib.is_tensor(x),
            lib.is_tensor(values),
        ]
        if lib is dn:
            ours = results
    _same(ours, results)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"bincount: input must be a 1-D tensor of non-negative integers"):
        dn.bincount(dn.tensor([0.5]))
    with pytest.raises(ValueError, match=r"bincount: input must hold non-negative integers, got the value -1"):
        dn.bincount(dn.tensor([-1, 2]))
    with pytest.raises(ValueError, match=r"bincount: weights must be 1-D with the length of input"):
        dn.bincount(dn.tensor([0, 1]), weights=dn.ones(3))
    with pytest.raises(ValueError, match=r"repeat_interleave: repeats must be an integer or one integer per element"):
        dn.repeat_interleave(dn.ones(3), dn.tensor([1, 2]), dim=0)
    with pytest.raises(ValueError, match=r"repeats must be non-negative"):
        dn.repeat_interleave(dn.ones(3), -1)
    with pytest.raises(ValueError, match=r"length"):
        dn.ones(3).narrow(0, 2, 2)
    with pytest.raises(ValueError, match=r"roll: shifts and dims must have the same length"):
        dn.roll(dn.ones(2, 2), (1, 1), 0)
    with pytest.raises(ValueError, match=r"masked_select: mask must be a bool tensor"):
        dn.masked_select(dn.ones(2), dn.ones(2))
    with pytest.raises(ValueError, match=r"diagonal: dim1 and dim2 must differ"):
        dn.ones(2, 2).diagonal(0, 1, 1)
    with pytest.raises(ValueError, match=r"diag: input must be 1-D or 2-D"):
        dn.diag(dn.ones(2, 2, 2))
    with pytest.raises(ValueError, match=r"trace: expects a 2-D tensor"):
        dn.trace(dn.ones(3))
    with pytest.raises(ValueError, match=r"decimals"):
        dn.round(dn.ones(2), decimals=math.pi)
