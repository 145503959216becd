"""torch.FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor, ByteTensor: PyTorch's legacy rules."""

import numpy as np
import pytest

import deltanet as dn

NAMES = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "args",
    [([1, 0, 2],), ([[1.7, -2.5], [0.0, 3.0]],), (np.array([0.5, 2.0]),), (2, 3), (dn.Size([4]),), (), (0,)],
    ids=["ints", "floats", "array", "sizes", "Size", "nothing", "zero"],
)
def test_dtype_shape_and_values_as_torch(name, args):
    torch = pytest.importorskip("torch")
    if name == "ByteTensor" and args and np.min(np.asarray(args[0])) < 0:
        args = (np.abs(np.asarray(args[0])).tolist(),)
    t_args = tuple(torch.Size(a) if isinstance(a, dn.Size) else a for a in args)
    ours, theirs = getattr(dn, name)(*args), getattr(torch, name)(*t_args)
    assert ours.dtype == theirs.numpy().dtype and tuple(ours.shape) == tuple(theirs.shape)
    if args and not all(isinstance(a, int) for a in args) and not isinstance(args[0], dn.Size):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())  # sizes give uninitialised values


def test_isinstance_type_and_same_dtype_tensor():
    t = dn.tensor([1.0, 2.0])
    assert isinstance(t, dn.FloatTensor) and not isinstance(t, dn.LongTensor) and not isinstance(1.0, dn.FloatTensor)
    assert dn.FloatTensor(t) is t
    assert t.type(dn.LongTensor).dtype == np.int64 and t.type() == "torch.FloatTensor"
    x = dn.FloatTensor([1.0, 2.0]).requires_grad_()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: dn.FloatTensor(dn.tensor([1.0], dtype=dn.float64)),
            r"FloatTensor: expected a tensor of dtype float32, got dtype float64",
        ),
        (
            lambda: dn.FloatTensor([1], [2]),
            r"FloatTensor: expected sizes \(ints\) or one data argument, got 2 arguments",
        ),
        (lambda: dn.LongTensor("a"), r"LongTensor: data must be a sequence or an array, got str"),
        (lambda: dn.FloatTensor(2.5), r"FloatTensor: data must be a sequence or an array, got float \(2.5\)"),
        (lambda: dn.FloatTensor([object()]), r"FloatTensor: data must hold numbers"),
    ],
)
def test_bad_input_is_refused_as_torch(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_integer_overflow_is_refused_as_torch():
    with pytest.raises(RuntimeError, match=r"ByteTensor: value cannot be converted to type uint8 without overflow"):
        dn.ByteTensor([-1, 2])
    with pytest.raises(RuntimeError, match=r"IntTensor: value cannot be converted to type int32 without overflow"):
        dn.IntTensor([2**40])


def test_device_other_than_cpu_is_refused():
    with pytest.raises(RuntimeError, match="cuda"):
        dn.FloatTensor([1.0], device="cuda")


def test_tensor_new_takes_the_tensors_dtype_as_torch():
    torch = pytest.importorskip("torch")
    for dtype, t_dtype in ((np.float32, torch.float32), (np.int64, torch.int64), (np.float64, torch.float64)):
        ours, theirs = dn.tensor(np.zeros(1, dtype)), torch.zeros(1, dtype=t_dtype)
        assert ours.new([1.9, 2.0]).tolist() == theirs.new([1.9, 2.0]).tolist()
        assert ours.new(2, 3).dtype == theirs.new(2, 3).numpy().dtype and ours.new(2, 3).shape == (2, 3)
        assert ours.new().shape == (0,)
    with pytest.raises(TypeError, match=r"Tensor.new: expected sizes \(ints\) or one data argument"):
        dn.tensor([1.0]).new([1], [2])
