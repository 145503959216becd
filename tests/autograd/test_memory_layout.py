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


def test_diagonal_is_a_view_and_diag_a_copy_as_in_pytorch():
    x = dn.zeros(3, 3)
    x.diagonal().fill_(1.0)  # writes into x (it wrote into a copy: silently nothing)
    dn.diagonal(x, 1).fill_(2.0)
    assert x.tolist() == [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0], [0.0, 0.0, 1.0]]
    dn.diag(x).fill_(5.0)  # diag of a matrix is a copy, as PyTorch's
    assert x.sum().item() == 7.0
    batch = dn.tensor(np.arange(18.0).reshape(2, 3, 3), requires_grad=True)
    d = dn.diagonal(batch, 0, 1, 2)
    assert d.tolist() == [[0.0, 4.0, 8.0], [9.0, 13.0, 17.0]]
    d.sum().backward()
    assert batch.grad.data[1].tolist() == np.eye(3).tolist()
    rng = np.random.default_rng(0)
    for offset, a, b in ((0, 0, 1), (-1, 2, 0), (2, 1, 2), (5, 0, 1)):
        assert dn.gradcheck(
            lambda t, o=offset, a=a, b=b: dn.diagonal(t, o, a, b),
            [dn.tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)],
        )


def test_diagonal_against_pytorch():
    torch = pytest.importorskip("torch")
    values = np.arange(24.0).reshape(2, 3, 4)
    for offset, a, b in ((0, 0, 1), (1, 1, 2), (-2, 2, 1), (3, 1, 2)):
        ours, theirs = dn.diagonal(dn.tensor(values), offset, a, b), torch.diagonal(torch.tensor(values), offset, a, b)
        assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()


def test_select_is_a_view():
    x = dn.arange(6).reshape(2, 3)
    assert x.select(1, -1).tolist() == [2, 5] and dn.select(x, 0, 1).tolist() == [3, 4, 5]
    x.select(0, 0).fill_(9)
    assert x[0].tolist() == [9, 9, 9]
    with pytest.raises(IndexError, match=r"select: index 3 is out of range for axis 1 of size 3"):
        x.select(1, 3)


def test_in_place_shape_methods_keep_the_tensor():
    a = dn.zeros(2, 3)
    row = a[0]
    assert a.t_() is a and a.shape == (3, 2)
    a.transpose_(0, 1).unsqueeze_(0)
    assert a.shape == (1, 2, 3)
    a.squeeze_()
    a[0, 0] = 5.0
    assert row[0].item() == 5.0  # the same memory
    b = dn.arange(6.0)
    assert b.resize_(2, 3).shape == (2, 3) and b.resize_(4).tolist() == [0.0, 1.0, 2.0, 3.0]
    w = dn.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"a leaf Variable that requires grad is being used in an in-place operation"
    ):
        w.unsqueeze_(0)
    with pytest.raises(RuntimeError, match=r"unsqueeze_: deltanet changes the shape of a tensor that requires grad"):
        (w * 2).unsqueeze_(0)


def test_resize_as_takes_the_template_shape_as_pytorch():
    """The buffers of pre-0.4 programs: ``input.resize_as_(real_cpu).copy_(real_cpu)``."""
    buffer = dn.FloatTensor(4, 1, 2, 2)
    real = dn.arange(12.0).reshape(3, 1, 2, 2)
    assert buffer.resize_as_(real).copy_(real) is buffer
    assert buffer.shape == (3, 1, 2, 2) and buffer.tolist() == real.tolist()
    with pytest.raises(TypeError, match=r"argument 'the_template' must be Tensor, not list"):
        buffer.resize_as_([1, 2])
    with pytest.raises(RuntimeError, match="requires grad"):
        dn.ones(2, requires_grad=True).resize_as_(dn.ones(3))
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(4, 1, 2, 2).resize_as_(torch.arange(12.0).reshape(3, 1, 2, 2))
    assert tuple(theirs.shape) == buffer.shape
    with pytest.raises(TypeError, match=r"argument 'the_template' \(position 1\) must be Tensor, not list"):
        torch.zeros(2).resize_as_([1, 2])


def test_floor_division_and_remainder_in_place_write_into_the_tensor():
    a = dn.tensor([5, 7, -7])
    view = a[1:]
    a //= 2
    assert a.tolist() == [2, 3, -4] and view.tolist() == [3, -4]  # Python fell back to a new tensor before
    f = dn.tensor([5.5, 7.0, -7.0])
    f %= 3
    assert f.tolist() == [2.5, 1.0, 2.0]
    g = dn.tensor([3.0, -3.0])
    g.div_(2, rounding_mode="floor")
    assert g.tolist() == [1.0, -2.0]
    h = dn.tensor([3.0, -3.0])
    assert h.div_(2, rounding_mode="trunc").tolist() == [1.0, -1.0]
