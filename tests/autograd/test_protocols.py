"""Casts and Python/NumPy protocols: ``float()``/``long()``/``to(dtype)``, ``item``, ``tolist``,
``float(t)``, ``format``, indexing with tensors, assignment, and NumPy meeting a tensor."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn


def test_casts_return_the_tensor_itself_when_nothing_changes():
    x = dn.ones(2)
    assert x.float() is x and x.to(dn.float32) is x and x.type(dn.float32) is x and x.type_as(dn.zeros(1)) is x
    assert x.to(dn.float32, copy=True) is not x
    assert x.to("cpu") is x and x.cpu() is x


def test_float_casts_are_recorded_integer_casts_are_not(rng):
    x = t64(rng, (3,))
    assert dn.gradcheck(lambda t: t.to(dn.float64, copy=True) * t, [x])
    w = dn.tensor([1.0, -2.0], requires_grad=True)  # float32
    (w.double() ** 2).sum().backward()
    assert w.grad.dtype == dn.float32 and w.grad.tolist() == [2.0, -4.0]  # converted back
    y = x.float()
    assert y.dtype == dn.float32 and y.requires_grad and not y.is_leaf
    for cast in (x.long(), x.int(), x.bool(), x.to(dn.int64)):
        assert not cast.requires_grad and cast.is_leaf
    assert dn.tensor([1.7, -1.7]).long().tolist() == [1, -1]  # toward zero, as in PyTorch
    assert x.double().to(dn.float32).dtype == dn.float32
    with pytest.raises(ValueError, match=r"not float16 \(half\)"):
        x.half()


def test_type_names():
    assert dn.ones(1).type() == "torch.FloatTensor" and dn.tensor([1]).type() == "torch.LongTensor"
    assert dn.ones(1).type("torch.DoubleTensor").dtype == dn.float64
    assert dn.ones(1).type(dn.int64).dtype == dn.int64


def test_item_tolist_numpy_float_int_format():
    x = dn.tensor([[2.5]])
    assert x.item() == 2.5 and float(x) == 2.5 and int(x) == 2
    assert isinstance(dn.tensor([3]).item(), int)
    assert dn.tensor([[1, 2]]).tolist() == [[1, 2]] and dn.tensor(7).tolist() == 7
    assert x.numpy() is x.array
    assert f"{dn.tensor(0.123456):.3f}" == "0.123" and format(x, ".1f") == "2.5"
    assert f"{dn.tensor(1.5)}" == "1.5"
    assert dn.tensor([1, 2, 3])[dn.tensor(1)].item() == 2
    assert [10, 20, 30][dn.tensor(2)] == 30  # __index__
    for call in (lambda t: t.item(), lambda t: float(t), lambda t: int(t)):
        with pytest.raises(ValueError, match=r"needs a tensor with exactly one element, got shape \(2,\)"):
            call(dn.ones(2))
    with pytest.raises(TypeError, match=r"format spec '.3f' needs a one-element tensor"):
        format(dn.ones(2), ".3f")
    with pytest.raises(TypeError, match=r"only integer tensors of a single element"):
        [1][dn.tensor(0.0)]
    assert dn.tensor([[1.0, 2.0]]).item(0, 1) == 2.0  # NumPy's item(index) is kept


def test_indexing_with_tensors_and_item_assignment():
    x = dn.arange(6.0).reshape(2, 3)
    assert x[dn.tensor([1, 0])].tolist() == [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]
    assert x[x > 3].tolist() == [4.0, 5.0]
    assert x[:, dn.tensor([2])].tolist() == [[2.0], [5.0]]
    x[x > 3] = 0.0
    x[0, dn.tensor([0, 2])] = dn.tensor([9.0, 8.0])
    x[1] = 7
    assert x.tolist() == [[9.0, 1.0, 8.0], [7.0, 7.0, 7.0]]
    i = dn.zeros(3, dtype=dn.int64)
    i[0] = 2.7  # converted to the tensor's dtype, as in PyTorch
    assert i.tolist() == [2, 0, 0]
    with pytest.raises(ValueError, match=r"t\[index\] = value: could not broadcast"):
        x[0] = dn.ones(2)


def test_numpy_meets_a_tensor():
    a = np.ones(3, np.float32)
    t = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = a + t  # the tensor's operator: a recorded tensor
    assert isinstance(s, dn.Tensor) and s.requires_grad
    assert isinstance(a * t, dn.Tensor) and isinstance(a @ t, dn.Tensor) and isinstance(2.0**t, dn.Tensor)
    with dn.no_grad():
        b = a.copy()
        b -= 0.5 * t  # writes into the array: PyTorch's p.data -= lr * p.grad
    assert isinstance(b, np.ndarray) and b.tolist() == [0.5, 0.0, -0.5]
    assert isinstance(np.exp(t), np.ndarray)  # other ufuncs compute on the data
    np.testing.assert_allclose(np.asarray(t.detach()), [1.0, 2.0, 3.0])


def test_repr():  # the format itself: tests/autograd/test_printing.py
    assert repr(dn.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(dn.tensor([1, 2])) == "tensor([1, 2])"  # PyTorch leaves out int64 and bool too
    assert repr(dn.tensor([True])) == "tensor([True])"
    assert repr(dn.tensor([1, 2], dtype=dn.int32)) == "tensor([1, 2], dtype=int32)"
    assert "requires_grad=True" in repr(dn.ones(1, requires_grad=True))


def test_pytorch_reads_a_tensor_through_dlpack():
    torch = pytest.importorskip("torch")
    t = dn.tensor([[1.0, 2.0], [3.0, 4.0]])
    copied, shared = torch.tensor(t), torch.from_dlpack(t)
    assert copied.dtype == torch.float32 and copied.tolist() == t.tolist()
    assert not np.shares_memory(copied.numpy(), t.array)
    assert np.shares_memory(shared.numpy(), t.array)
    assert torch.tensor(dn.tensor(3.0)).item() == 3.0 and torch.tensor(dn.tensor([1, 2])).dtype == torch.int64
