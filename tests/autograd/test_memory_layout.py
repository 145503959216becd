"""PyTorch's questions about memory: ``stride``, ``storage_offset``, ``data_ptr``; the integer
conversions ``short``, ``char``, ``byte``; the shift operators and the reflected bitwise ones."""

import numpy as np
import pytest

import deltanet as dn


def test_stride_and_storage_offset_of_views():
    x = dn.arange(12).reshape(3, 4)
    assert x.stride() == (4, 1) and x.T.stride() == (1, 4) and x[:, ::2].stride() == (4, 2)
    assert x.stride(0) == 4 and x.stride(-1) == 1
    assert x.storage_offset() == 0 and x[1:, 2:].storage_offset() == 6 and x[2].storage_offset() == 8
    assert x.expand(2, 3, 4).stride() == (0, 4, 1)
    assert dn.tensor(3.0).stride() == ()
    with pytest.raises(IndexError, match=r"stride\(dim\): dim must be an integer in \[-2, 2\), got 2"):
        x.stride(2)


def test_data_ptr_tells_shared_memory():
    x = dn.zeros(2, 3)
    assert x.data_ptr() == x[0].data_ptr() == x.view(6).data_ptr()
    assert x.data_ptr() != x.clone().data_ptr()
    assert x[1].data_ptr() - x.data_ptr() == 3 * x.element_size()


def test_layout_against_pytorch():
    torch = pytest.importorskip("torch")
    for make in (lambda t: t.arange(24).reshape(2, 3, 4), lambda t: t.arange(24).reshape(2, 3, 4).transpose(0, 2)):
        for index in ((slice(None), 1), (1, slice(1, None)), (Ellipsis, slice(None, None, 2))):
            ours, theirs = make(dn)[index], make(torch)[index]
            assert ours.stride() == theirs.stride() and ours.storage_offset() == theirs.storage_offset()


def test_integer_conversions():
    x = dn.tensor([1.7, -2.5, 300.0])
    assert x.short().dtype == dn.int16 and x.short().tolist() == [1, -2, 300]
    assert x.char().dtype == dn.int8 and x[:2].char().tolist() == [1, -2]
    assert dn.tensor([0.0, 255.0]).byte().dtype == dn.uint8


def test_shifts_as_in_pytorch():
    i = dn.tensor([[3, -7, 2], [5, 0, -4]])
    assert (i << 1).tolist() == [[6, -14, 4], [10, 0, -8]]
    assert (i >> 1).tolist() == [[1, -4, 1], [2, 0, -2]]  # arithmetic: the sign stays
    assert (1 << dn.tensor([1, 2])).tolist() == [2, 4] and (16 >> dn.tensor([1, 2])).tolist() == [8, 4]
    assert dn.bitwise_left_shift(i, 2).equal(i << 2) and i.bitwise_right_shift(1).equal(i >> 1)
    assert (dn.tensor([1], dtype=dn.int32) << 2).dtype == dn.int32
    with pytest.raises(TypeError, match=r"bitwise_left_shift: needs integer tensors, got dtype float32"):
        dn.tensor([1.0]) << 1
    assert (dn.tensor([True]) << 1).tolist() == [2]  # a bool meets an int as int64, as in PyTorch
    with pytest.raises(TypeError, match=r"needs integer tensors, got dtype bool"):
        dn.tensor([True]) << dn.tensor([True])


def test_in_place_shifts_change_the_memory_views_see():
    a = dn.tensor([1, 2, 3])
    view = a[1:]
    a <<= 1
    assert a.tolist() == [2, 4, 6] and view.tolist() == [4, 6]
    view >>= 1
    assert a.tolist() == [2, 2, 3]


def test_reflected_bitwise_operators():
    b = dn.tensor([True, False])
    assert (True & b).tolist() == [True, False] and (False | b).tolist() == [True, False]
    assert (3 ^ dn.tensor([1, 2])).tolist() == [2, 1] and (np.int64(6) & dn.tensor([3])).tolist() == [2]
    with pytest.raises(TypeError, match=r"& needs integer or bool tensors"):
        1.5 & dn.tensor([1])


def test_shifts_against_pytorch():
    torch = pytest.importorskip("torch")
    values, bits = [[3, -7, 2], [5, 0, -4]], [1, 2, 3]
    for op in ("__lshift__", "__rshift__"):
        ours = getattr(dn.tensor(values), op)(dn.tensor(bits))
        theirs = getattr(torch.tensor(values), op)(torch.tensor(bits))
        np.testing.assert_array_equal(ours.data, theirs.numpy())
