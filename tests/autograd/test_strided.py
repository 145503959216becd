"""as_strided (a view of the storage, PyTorch's gradient), msort and masked_scatter: forward against
NumPy, float64 gradcheck, and outputs and gradients equal to PyTorch's."""

import numpy as np
import pytest

import deltanet as dn

GEOMETRIES = [
    ((3, 3), (1, 1), None),
    ((2, 3), (3, 1), None),
    ((3, 2), (1, 3), None),
    ((2, 2), (0, 1), 2),
    ((), (), 5),
    ((0, 2), (1, 1), None),
]


@pytest.mark.parametrize(("size", "stride", "offset"), GEOMETRIES)
def test_as_strided_reads_the_storage_as_numpy(size, stride, offset):
    a = np.arange(6.0)
    expected = np.lib.stride_tricks.as_strided(a[offset or 0 :], size, tuple(8 * s for s in stride))
    np.testing.assert_array_equal(dn.as_strided(dn.tensor(a), size, stride, offset).detach().numpy(), expected)


@pytest.mark.parametrize(("size", "stride", "offset"), GEOMETRIES)
def test_as_strided_gradcheck(size, stride, offset):
    x = dn.tensor(np.random.default_rng(0).standard_normal(6), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.as_strided(t, size, stride, offset), (x,))
    y = dn.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert dn.gradcheck(lambda t: t.as_strided((2, 2), (1, 2)), (y,))


def test_as_strided_is_a_view_sharing_memory_and_version():
    x = dn.arange(6.0)
    v = x.as_strided((2, 2), (2, 1), 1)
    x[1] = 10.0
    assert v.tolist() == [[10.0, 2.0], [3.0, 4.0]]
    assert x[2:].as_strided((2,), (1,), 0).tolist() == [0.0, 10.0]  # offsets count in the storage
    assert x[2:].as_strided((2,), (1,)).tolist() == [2.0, 3.0]  # by default, where the input starts


def _torch_pair(torch, make_ours, make_theirs, data, weights):
    x = dn.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    ours, theirs = make_ours(x), make_theirs(t)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (ours * dn.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), t.grad.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "view",
    [
        lambda m, x: m.as_strided(x, (3, 3), (1, 1)),
        lambda m, x: m.as_strided(x[2:], (3,), (1,), 0),  # storage outside the input gets no gradient
        lambda m, x: m.as_strided(x[1:4], (2,), (2,)),
        lambda m, x: m.as_strided(x[:2].expand(3, 2), (2, 2), (0, 1)),  # an overlapping input: shares
        lambda m, x: m.as_strided(x.reshape(2, 3).t(), (2, 2), (1, 2)),
    ],
)
def test_as_strided_values_and_gradients_equal_torchs(view):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal(6)
    probe = view(torch, torch.tensor(data))
    weights = np.random.default_rng(3).standard_normal(tuple(probe.shape))
    _torch_pair(torch, lambda x: view(dn, x), lambda t: view(torch, t), data, weights)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (((2,), (-1,)), RuntimeError, r"as_strided: Negative strides are not supported at the moment"),
        (((4,), (2,)), RuntimeError, r"requiring a storage size of 56 are out of bounds for storage of size 48"),
        (((2,), (1,), 5), RuntimeError, r"storage offset 5, and itemsize 8"),
        (((2,), (1,), -1), RuntimeError, r"as_strided: invalid storage offset -1"),
        (((2, 2), (1,)), RuntimeError, r"mismatch in length of strides and shape"),
        ((2, 1), TypeError, r"as_strided: size must be a tuple of ints, got 2"),
        (((2,), (1.5,)), TypeError, r"as_strided: stride must be a tuple of ints"),
    ],
)
def test_as_strided_refuses_bad_geometries_as_torch(args, error, match):
    with pytest.raises(error, match=match):
        dn.as_strided(dn.arange(6.0, dtype=dn.float64), *args)


def test_msort_sorts_the_first_axis_as_torch():
    data = np.array([[3.0, 1.0, np.nan], [1.0, 2.0, 0.5], [2.0, -1.0, 4.0]])
    np.testing.assert_array_equal(dn.msort(dn.tensor(data)).detach().numpy(), np.sort(data, axis=0))
    assert dn.tensor([2, 1]).msort().tolist() == [1, 2] and dn.msort(dn.tensor(3.0)).item() == 3.0
    x = dn.tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True)
    assert dn.gradcheck(dn.msort, (x,))
    torch = pytest.importorskip("torch")
    _torch_pair(torch, dn.msort, torch.msort, data[:, :2], np.arange(6.0).reshape(3, 2))


def test_masked_scatter_fills_true_positions_in_order():
    mask = dn.tensor([[True, False, True], [False, True, False]])
    out = dn.masked_scatter(dn.zeros(2, 3), mask, dn.arange(5.0))
    assert out.tolist() == [[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]]
    broadcast = dn.zeros(3).masked_scatter(mask, dn.arange(5.0))  # self broadcasts with the mask
    assert broadcast.tolist() == [[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]]
    x = dn.ones(2, 3)
    assert x.masked_scatter_(mask[0], dn.tensor([7.0, 8.0, 9.0, 10.0])) is x
    assert x.tolist() == [[7.0, 1.0, 8.0], [9.0, 1.0, 10.0]]


def test_masked_scatter_gradcheck_and_torch():
    rng = np.random.default_rng(5)
    mask = rng.random((3, 4)) > 0.5
    x = dn.tensor(rng.standard_normal(4), requires_grad=True)
    s = dn.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    assert dn.gradcheck(lambda a, b: dn.masked_scatter(a, dn.tensor(mask), b), (x, s))
    torch = pytest.importorskip("torch")
    weights = rng.standard_normal((3, 4))
    tx, ts = torch.tensor(x.detach().numpy(), requires_grad=True), torch.tensor(s.detach().numpy(), requires_grad=True)
    theirs = torch.masked_scatter(tx, torch.tensor(mask), ts)
    x, s = dn.tensor(x.detach().numpy(), requires_grad=True), dn.tensor(s.detach().numpy(), requires_grad=True)
    ours = dn.masked_scatter(x, dn.tensor(mask), s)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (ours * dn.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), tx.grad.detach().numpy())
    np.testing.assert_array_equal(s.grad.detach().numpy(), ts.grad.detach().numpy())


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dn.zeros(3).masked_scatter(dn.tensor([True, True]), dn.ones(2)), RuntimeError, "does not broadcast"),
        (
            lambda: dn.zeros(2).masked_scatter(dn.tensor([1, 0]), dn.ones(2)),
            RuntimeError,
            "only supports boolean masks",
        ),
        (
            lambda: dn.zeros(2).masked_scatter(dn.tensor([True, True]), dn.ones(2, dtype=dn.float64)),
            RuntimeError,
            "expected self and source to have same dtypes but got float32 and float64",
        ),
        (
            lambda: dn.zeros(2).masked_scatter(dn.tensor([True, True]), dn.ones(1)),
            RuntimeError,
            r"Number of elements of source < number of ones in mask \(1 < 2\)",
        ),
        (lambda: dn.zeros(2).masked_scatter(dn.tensor([True, True]), 5.0), TypeError, "source must be a Tensor"),
        (lambda: dn.zeros(3).masked_scatter_(dn.ones(2, 3, dtype=dn.bool), dn.ones(6)), RuntimeError, "broadcast"),
    ],
)
def test_masked_scatter_refuses_as_torch(call, error, match):
    with pytest.raises(error, match=match):
        call()
