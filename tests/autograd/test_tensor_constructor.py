"""``dn.Tensor(...)``: PyTorch's legacy constructor ``torch.Tensor(...)`` (data to the default float
dtype, sizes to an uninitialised tensor, a tensor to an alias), and deltanet's own ``Tensor._make``."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import backend
from deltanet.autograd.tensor import Tensor

DATA = [
    "[1, 2]",
    "[[1, 2], [3, 4]]",
    "[True, False]",
    "(1.5, 2)",
    "[]",
    "[[]]",
    "range(3)",
    "np.array([1, 2])",
    "np.array([1.0, 2.0])",
    "np.array([1.0, 2.0], dtype=np.float32)",
    "np.array([True, False])",
    "np.array([1, 2], dtype=np.uint8)",
    "np.array(2.5)",
    "np.array(True)",
    "np.array([[1, 2]]).T",
    "np.empty((0, 3))",
    "[2**70]",
    "[np.float64(1.5), 2]",
]


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("expression", DATA)
def test_data_takes_the_default_float_dtype_as_torch(expression, default):
    torch = pytest.importorskip("torch")
    with backend.default_dtype(getattr(dn, default)):
        ours = dn.Tensor(eval(expression))
    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        theirs = torch.Tensor(eval(expression))
    finally:
        torch.set_default_dtype(before)
    assert ours.dtype == theirs.numpy().dtype == np.dtype(default)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.is_leaf and not ours.requires_grad


@pytest.mark.parametrize(
    "args", [(2, 3), (0,), (4,), (), (np.int64(2), 3), (np.array(3),), (2, True)], ids=lambda a: repr(a)
)
def test_sizes_give_an_uninitialised_tensor_as_torch(args):
    torch = pytest.importorskip("torch")
    ours, theirs = dn.Tensor(*args), torch.Tensor(*args)
    assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
    assert dn.Tensor(dn.Size([2, 3])).shape == (2, 3) == tuple(torch.Tensor(torch.Size([2, 3])).shape)
    assert dn.Tensor(size=(2, 3)).shape == (2, 3) and dn.Tensor(data=[1, 2]).tolist() == [1.0, 2.0]


def test_without_torch_the_rules_hold():
    assert dn.Tensor([1, 2]).dtype == dn.float32 and dn.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert dn.Tensor(np.array([1, 2])).dtype == dn.float32
    assert dn.Tensor().shape == (0,) and dn.Tensor().dtype == dn.float32
    assert dn.Tensor(2, 3).shape == (2, 3) and dn.Tensor(2, 3).dtype == dn.float32
    with backend.default_dtype(dn.float64):
        assert dn.Tensor([1, 2]).dtype == dn.float64 and dn.Tensor(2).dtype == dn.float64


def test_an_array_of_the_default_dtype_is_shared_another_copied():
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    t = dn.Tensor(a[::2])
    a[0] = 7.0
    assert t.tolist() == [7.0, 3.0]
    b = np.array([1.0, 2.0])
    u = dn.Tensor(b)
    b[0] = 7.0
    assert u.tolist() == [1.0, 2.0] and u.dtype == dn.float32


def test_a_tensor_gives_an_alias_with_its_dtype_memory_and_graph():
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    y = dn.Tensor(x)
    assert y is not x and y.requires_grad and y.grad_fn is not None and y.data_ptr() == x.data_ptr()
    (y * dn.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    i = dn.tensor([1, 2])
    j = dn.Tensor(i)
    assert j.dtype == dn.int64 and type(j) is Tensor and not j.requires_grad
    with dn.no_grad():
        j[0] = 5
    assert i.tolist() == [5, 2]
    p = dn.nn.Parameter([1.0])
    assert type(dn.Tensor(p)) is Tensor


def test_a_tensor_alias_as_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((dn.tensor([True]), torch.tensor([True])), (dn.tensor([1.0], dtype=dn.float64), None)):
        theirs = theirs if theirs is not None else torch.tensor([1.0], dtype=torch.float64)
        assert dn.Tensor(ours).dtype == torch.Tensor(theirs).numpy().dtype


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: dn.Tensor([1.0], requires_grad=True),
            TypeError,
            r"Tensor: unexpected keyword argument 'requires_grad'",
        ),
        (lambda: dn.Tensor([1.0], dtype=dn.float64), TypeError, r"unexpected keyword argument 'dtype'.*dn.tensor"),
        (lambda: dn.Tensor(2.5), TypeError, r"Tensor: data must be a sequence or an array, got float \(2.5\)"),
        (lambda: dn.Tensor(True), TypeError, r"Tensor: data must be a sequence or an array, got bool"),
        (lambda: dn.Tensor(np.float32(2.0)), TypeError, r"data must be a sequence or an array, got float32"),
        (lambda: dn.Tensor("ab"), TypeError, r"Tensor: data must be a sequence or an array, got str"),
        (lambda: dn.Tensor({1, 2}), TypeError, r"Tensor: data must be a sequence or an array, got set"),
        (lambda: dn.Tensor(x for x in [1]), TypeError, r"Tensor: data must be a sequence or an array, got generator"),
        (lambda: dn.Tensor([1], [2]), TypeError, r"Tensor: expected sizes \(ints\) or one data argument, got 2"),
        (lambda: dn.Tensor(2.0, 3), TypeError, r"Tensor: expected sizes \(ints\) or one data argument"),
        (lambda: dn.Tensor(np.array(["a"])), TypeError, r"Tensor: data must hold numbers, got a NumPy array"),
        (lambda: dn.Tensor([[1, 2], [3]]), ValueError, r"Tensor: data must be a rectangular nest of numbers"),
        (lambda: dn.Tensor(2, -1), RuntimeError, r"Trying to create tensor with negative dimension -1: \[2, -1\]"),
        (lambda: dn.Tensor(dn.tensor([1.0]), device="cpu"), RuntimeError, r"Tensor\(tensor, device=device\)"),
        (lambda: dn.Tensor([1.0], device="cuda"), RuntimeError, r"cuda"),
    ],
)
def test_bad_arguments_are_refused_as_torch(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_torch_refuses_the_same_arguments():
    torch = pytest.importorskip("torch")
    for call in (
        lambda: torch.Tensor([1.0], requires_grad=True),
        lambda: torch.Tensor(2.5),
        lambda: torch.Tensor(True),
        lambda: torch.Tensor("ab"),
        lambda: torch.Tensor({1, 2}),
        lambda: torch.Tensor([1], [2]),
    ):
        with pytest.raises(TypeError):
            call()
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.Tensor(2, -1)


def test_complex_arrays_lose_their_imaginary_part_with_torchs_warning():
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        assert dn.Tensor(np.array([1 + 2j])).tolist() == [1.0]


def test_the_internal_converter_keeps_deltanets_rule():
    a = np.array([1, 2])
    assert Tensor._make([1, 2]).dtype == dn.int64 and Tensor._make(a).array is a
    assert Tensor._make([0.5], requires_grad=True).requires_grad
    assert Tensor._make([1, 2], dtype=dn.float64).dtype == dn.float64


def test_typed_constructors_share_an_array_of_their_dtype_as_torch():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = dn.FloatTensor(a)
    a[0] = 7.0
    assert t.tolist() == [7.0, 2.0]
    assert dn.LongTensor(np.array(3)).shape == (3,)  # a 0-d integer array is a size, as in PyTorch
