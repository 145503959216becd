"""Edge cases where deltanet once gave another result than PyTorch without saying so (found by
differential testing): each test states PyTorch's answer, and checks it against PyTorch where it
is installed."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn


# -- an index that mixes integers with advanced indices ------------------------------------------
def test_integer_and_list_separated_by_a_slice_select_the_integer_first():
    c = dn.arange(24.0).reshape(2, 3, 4)
    z = c[0, :, [1, 3]]  # NumPy's rule would put the list's axis first: (2, 3)
    assert z.shape == (3, 2)
    np.testing.assert_array_equal(z.numpy(), np.arange(24.0).reshape(2, 3, 4)[0][:, [1, 3]])
    assert c[dn.tensor(1), :, dn.tensor([0, 2])].shape == (3, 2)  # a 0-d tensor is an integer
    assert c[0, ..., [1, 3]].shape == (3, 2)
    assert c[[0, 1], 0, [1, 3]].shape == (2,)  # adjacent: the same under both rules


def test_item_assignment_with_integer_and_list_takes_pytorchs_shape():
    c = dn.arange(24.0).reshape(2, 3, 4)
    c[0, :, [1, 3]] = dn.arange(6.0).reshape(3, 2)
    expected = np.arange(24.0).reshape(2, 3, 4)
    expected[0][:, [1, 3]] = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(c.numpy(), expected)
    c[1, :, [True, False, True, False]] += 100
    expected[1][:, [0, 2]] += 100
    np.testing.assert_array_equal(c.numpy(), expected)


def test_integer_and_list_gradient_goes_to_the_selected_places():
    w = dn.tensor(np.arange(1.0, 7.0).reshape(3, 2))
    a = dn.zeros(2, 3, 4, dtype=dn.float64, requires_grad=True)
    (a[0, :, [1, 3]] * w).sum().backward()
    expected = np.zeros((2, 3, 4))
    expected[0][:, [1, 3]] = np.arange(1.0, 7.0).reshape(3, 2)
    np.testing.assert_array_equal(a.grad.numpy(), expected)
    assert dn.gradcheck(lambda t: t[1, :, [2, 0, 2]], (dn.randn(2, 3, 4, dtype=dn.float64, requires_grad=True),))


@pytest.mark.parametrize(
    "index",
    [
        "[0, :, [1, 3]]",
        "[:, 0, :, [1, 3]]",
        "[0, :, [[1], [3]], [0, 2]]",
        "[0, None, :, [1, 3]]",
        "[-1, :, [1, 3], -2]",
        "[1, ..., [0, 2], 3]",
        "[[1, 0], 2, None, [0, 1], ...]",
        "[True, 0, :, [1, 2]]",
        "[0, :, T([True, False, True, False])]",
        "[T(1), :, T([0, 1])]",
    ],
)
def test_mixed_indices_match_pytorch(index):
    torch = pytest.importorskip("torch")
    data = np.arange(120.0).reshape(2, 3, 4, 5)
    expected = eval("torch.from_numpy(data)" + index, {"torch": torch, "data": data, "T": torch.tensor})
    got = eval("dn.tensor(data)" + index, {"dn": dn, "data": data, "T": dn.tensor})
    assert got.shape == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    target_t, target_d = torch.from_numpy(data.copy()), dn.tensor(data)
    exec("target" + index + " = -target" + index, {"target": target_t, "torch": torch, "T": torch.tensor})
    exec("target" + index + " = -target" + index, {"target": target_d, "T": dn.tensor})
    np.testing.assert_array_equal(target_d.numpy(), target_t.numpy())


# -- elementwise and reductions at the edges -----------------------------------------------------
def test_rsqrt_of_negative_zero_is_negative_infinity():
    z = dn.rsqrt(dn.tensor([-0.0, 0.0, 4.0]))
    np.testing.assert_array_equal(z.numpy(), [-np.inf, np.inf, 0.5])
    x = dn.tensor([4.0, 0.25], dtype=dn.float64, requires_grad=True)
    x.rsqrt().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -0.5 * np.array([4.0, 0.25]) ** -1.5)
    assert dn.gradcheck(dn.rsqrt, (dn.tensor([0.5, 2.0, 3.0], dtype=dn.float64, requires_grad=True),))


def test_where_of_two_numbers_takes_pytorchs_scalar_dtype():
    c = dn.tensor([True, False, True])
    assert dn.where(c, 1.0, 0).dtype == dn.float32  # not NumPy's float64
    assert dn.where(c, 1, 0).dtype == dn.int64
    assert dn.where(c, 1, True).dtype == dn.int64
    assert dn.where(c, True, False).dtype == dn.bool
    assert dn.where(c, 0, 2.5).tolist() == [0.0, 2.5, 0.0]


def test_logsumexp_of_integers_is_float32_and_of_an_empty_axis_is_minus_infinity():
    assert dn.logsumexp(dn.tensor([[1, 2], [3, 4]]), 1).dtype == dn.float32
    assert dn.logsumexp(dn.tensor([True, False]), 0).dtype == dn.float32
    z = dn.zeros(0, 3).logsumexp(0)
    assert z.shape == (3,)
    np.testing.assert_array_equal(z.numpy(), [-np.inf] * 3)
    assert dn.zeros(2, 0).logsumexp(1, keepdim=True).shape == (2, 1)


def test_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([-0.0, 0.0, 4.0], dtype=np.float32)
    np.testing.assert_array_equal(dn.rsqrt(dn.tensor(x)).numpy(), torch.rsqrt(torch.from_numpy(x)).numpy())
    for a, b in [(1.0, 0), (1, 0), (1, True), (True, False), (0, 2.5)]:
        cond = [True, False]
        got, expected = dn.where(dn.tensor(cond), a, b), torch.where(torch.tensor(cond), a, b)
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    ints = np.array([[1, 2], [3, 4]])
    expected = torch.logsumexp(torch.from_numpy(ints), 1)
    got = dn.logsumexp(dn.tensor(ints), 1)
    assert str(got.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(dn.zeros(0, 3).logsumexp(0).numpy(), torch.zeros(0, 3).logsumexp(0).numpy())


# -- reductions: dtype=, NaN, empty --------------------------------------------------------------
def test_integer_reductions_take_the_dtype_asked_for():
    ints = dn.tensor([100, 100], dtype=dn.int32)
    assert dn.sum(ints, dtype=dn.int8).dtype == dn.int8
    assert dn.sum(ints, dtype=dn.int8).item() == -56  # 200 wraps in int8, as PyTorch
    assert dn.sum(dn.tensor([True, True]), dtype=dn.bool).dtype == dn.bool
    assert dn.tensor([[1, 2], [3, 4]]).sum(1, dtype=dn.int16).dtype == dn.int16
    assert dn.prod(dn.tensor([100, 3], dtype=dn.int32), dtype=dn.int8).item() == 44
    assert dn.cumsum(ints, 0, dtype=dn.int8).tolist() == [100, -56]
    assert dn.cumprod(dn.tensor([100, 3]), 0, dtype=dn.int8).tolist() == [100, 44]
    assert dn.nansum(ints, dtype=dn.int8).dtype == dn.int8
    assert dn.sum(ints).dtype == dn.int64 and dn.cumsum(ints, 0).dtype == dn.int64  # no dtype: int64


def test_unique_and_mode_count_each_nan_apart():
    nan = float("nan")
    values, inverse, counts = dn.unique(dn.tensor([1.0, nan, nan, 1.0]), return_inverse=True, return_counts=True)
    assert values.shape == (3,)  # NaN is never equal to NaN: two distinct values
    assert inverse.tolist() == [0, 1, 2, 0] and counts.tolist() == [2, 1, 1]
    result = dn.mode(dn.tensor([1.0, nan, nan]))  # raised an IndexError
    assert result.values.item() == 1.0 and result.indices.item() == 0
    assert np.isnan(dn.mode(dn.tensor([nan, nan])).values.item())


def test_aminmax_over_a_non_empty_axis_of_an_empty_tensor():
    low, high = dn.aminmax(dn.zeros(2, 0), dim=0)
    assert low.shape == high.shape == (0,)
    with pytest.raises(ValueError, match="empty"):
        dn.aminmax(dn.zeros(2, 0), dim=1)


def test_reduction_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([100, 100, 3], dtype=np.int32)
    for name in ("sum", "prod", "nansum"):
        expected = getattr(torch, name)(torch.from_numpy(data), dtype=torch.int8)
        got = getattr(dn, name)(dn.tensor(data), dtype=dn.int8)
        assert str(got.dtype) == "int8" and got.item() == expected.item()
    for name in ("cumsum", "cumprod"):
        expected = getattr(torch, name)(torch.from_numpy(data), 0, dtype=torch.int8)
        np.testing.assert_array_equal(getattr(dn, name)(dn.tensor(data), 0, dtype=dn.int8).numpy(), expected.numpy())
    nan = float("nan")
    for row in ([1.0, nan, nan], [nan, 1.0, nan, 1.0], [2.0, nan, 2.0, nan, nan]):
        expected = torch.unique(torch.tensor(row), return_inverse=True, return_counts=True)
        got = dn.unique(dn.tensor(row), return_inverse=True, return_counts=True)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(g.numpy(), e.numpy())
    expected = torch.aminmax(torch.zeros(2, 0), dim=0)
    assert dn.aminmax(dn.zeros(2, 0), dim=0).min.shape == tuple(expected.min.shape)


# -- clamp with tensor bounds, round of integers -------------------------------------------------
def test_clamp_with_a_nan_tensor_bound_gives_nan_and_no_gradient_there():
    nan = float("nan")
    z = dn.clamp(dn.tensor([1.0, 2.0]), min=dn.tensor([nan, 0.0]))
    assert np.isnan(z[0].item()) and z[1].item() == 2.0  # the NaN bound was ignored
    assert np.isnan(dn.clamp(dn.tensor([1.0]), max=dn.tensor(nan)).item())
    x = dn.tensor([nan, 0.0, -1.0, 2.0], dtype=dn.float64, requires_grad=True)
    low = dn.tensor([0.0, 0.0, 0.0, nan], dtype=dn.float64, requires_grad=True)
    x.clamp(min=low).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 0.0])  # a tie goes to x
    np.testing.assert_array_equal(low.grad.numpy(), [0.0, 0.0, 1.0, 0.0])


def test_round_of_integers_to_negative_decimals_rounds():
    z = dn.round(dn.tensor([15, 25, -15, 149]), decimals=-1)
    assert z.dtype == dn.int64
    assert z.tolist() == [20, 20, -20, 150]  # half to even, as for floats; it returned the input
    assert dn.round(dn.tensor([15, 25])).tolist() == [15, 25]


def test_clamp_bounds_match_pytorch():
    torch = pytest.importorskip("torch")
    nan = float("nan")
    x = np.array([nan, 0.0, -1.0, 5.0, 0.5, 1.0])
    low = np.array([0.0, 0.0, 0.0, 0.0, nan, 0.0])
    high = np.array([1.0, nan, 1.0, 1.0, 1.0, 1.0])
    grads = []
    for lib in (torch, dn):
        ts = [lib.tensor(a, requires_grad=True) for a in (x, low, high)]
        z = lib.clamp(*ts)
        (z * lib.tensor(np.arange(1.0, 7.0))).sum().backward()
        grads.append([z.detach().numpy()] + [t.grad.numpy() for t in ts])
    for got, expected in zip(grads[1], grads[0], strict=True):
        np.testing.assert_array_equal(got, expected)
    floats = torch.tensor([15.0, 25.0, -15.0, 149.0])
    np.testing.assert_array_equal(
        dn.round(dn.tensor([15, 25, -15, 149]), decimals=-1).numpy(), torch.round(floats, decimals=-1).numpy()
    )


# -- min of integers, the gradient of max() at NaN -----------------------------------------------
def test_min_of_unsigned_and_extreme_integers_is_the_minimum():
    image = dn.tensor([0, 5, 3], dtype=dn.uint8)
    assert image.min().item() == 0  # -max(-x) wrapped: it gave 3
    assert image.amin().item() == 0 and image.amin().dtype == dn.uint8
    assert dn.tensor([[0, 5, 3]], dtype=dn.uint8).amin(1).tolist() == [0]
    assert dn.tensor([-128, 5], dtype=dn.int8).min().item() == -128  # it gave 5
    assert dn.tensor([-(2**63), 5]).amin(0).item() == -(2**63)
    assert dn.tensor([True, False]).min().item() is False  # it raised (no negation of a bool)
    assert dn.aminmax(dn.tensor([0, 5, 3], dtype=dn.uint8)).min.item() == 0


def test_gradient_of_max_and_min_of_a_whole_tensor_goes_to_its_nans():
    nan = float("nan")
    for name in ("max", "min"):
        x = dn.tensor([1.0, nan, 2.0, nan], dtype=dn.float64, requires_grad=True)
        getattr(x, name)().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.0, 0.5])  # it was NaN everywhere
    x = dn.tensor([[1.0, 3.0], [3.0, 2.0]], dtype=dn.float64, requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5], [0.5, 0.0]])  # ties share it
    x = dn.tensor([[1.0, 3.0], [1.0, 0.5]], dtype=dn.float64, requires_grad=True)
    x.amin(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0], [0.0, 1.0]])
    assert dn.gradcheck(lambda t: t.amin(0), (dn.randn(3, 4, dtype=dn.float64, requires_grad=True),))


def test_min_and_max_match_pytorch():
    torch = pytest.importorskip("torch")
    for values, dtype in (
        ([0, 5, 3], "uint8"),
        ([-128, 5, 0], "int8"),
        ([-(2**63), 5], "int64"),
        ([True, False], "bool"),
    ):
        data = np.array(values, dtype=dtype)
        assert dn.tensor(data).min().item() == torch.from_numpy(data).min().item()
        assert dn.tensor(data).amin(0).item() == torch.from_numpy(data).amin(0).item()
    data = np.array([1.0, np.nan, 2.0, np.nan])
    for name in ("max", "min"):
        expected = torch.tensor(data, requires_grad=True)
        getattr(expected, name)().backward()
        got = dn.tensor(data, requires_grad=True)
        getattr(got, name)().backward()
        np.testing.assert_array_equal(got.grad.numpy(), expected.grad.numpy())


# -- index bounds and uint8 indices --------------------------------------------------------------
def test_gather_and_index_select_refuse_negative_positions_as_pytorch():
    x = dn.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match=r"gather: index out of range: values must be in \[0, 3\)"):
        x.gather(1, dn.tensor([[-1], [0]]))  # it picked the last column
    with pytest.raises(ValueError, match=r"index_select: index out of range"):
        x.index_select(1, dn.tensor([-1]))
    with pytest.raises(ValueError, match=r"index_select: index out of range"):
        x.index_select(1, dn.tensor([3]))
    # take_along_dim along a dim counts -1 from the end, as PyTorch's does
    assert x.take_along_dim(dn.tensor([[-1], [0]]), 1).tolist() == [[2.0], [3.0]]


def test_a_uint8_index_tensor_is_refused():
    x = dn.arange(6)
    mask = dn.tensor([1, 0, 1, 0, 1, 0], dtype=dn.uint8)
    with pytest.raises(ValueError, match="uint8 index tensor"):
        x[mask]  # PyTorch: a (deprecated) mask, [0, 2, 4]; NumPy's positions gave six values
    with pytest.raises(ValueError, match="uint8 index tensor"):
        x[mask] = 0
    assert x[mask.bool()].tolist() == [0, 2, 4]


def test_index_bounds_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError):
        torch.from_numpy(data).gather(1, torch.tensor([[-1], [0]]))
    index = np.array([[-1], [0]])
    expected = torch.take_along_dim(torch.from_numpy(data), torch.from_numpy(index), 1)
    np.testing.assert_array_equal(dn.take_along_dim(dn.tensor(data), dn.tensor(index), 1).numpy(), expected.numpy())


# -- the default dtype, float32 running sums -----------------------------------------------------
def test_rsqrt_and_reciprocal_of_integers_take_the_default_dtype():
    dn.set_default_dtype(dn.float64)
    try:
        assert dn.rsqrt(dn.tensor([4])).dtype == dn.float64
        assert dn.reciprocal(dn.tensor([4])).dtype == dn.float64
    finally:
        dn.set_default_dtype(dn.float32)
    assert dn.rsqrt(dn.tensor([4])).dtype == dn.float32


def test_float32_cumsum_accumulates_in_float64():
    z = dn.cumsum(dn.full((10**5,), 0.1), 0)
    assert z.dtype == dn.float32
    assert z[-1].item() == np.float32(np.cumsum(np.full(10**5, np.float32(0.1), dtype=np.float64))[-1])
    x = dn.full((10**5,), 0.1, requires_grad=True)
    dn.cumsum(x, 0).sum().backward()
    assert x.grad.dtype == dn.float32 and x.grad[0].item() == 10**5


def test_cumsum_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).normal(size=(3, 20000)).astype(np.float32)
    np.testing.assert_array_equal(
        dn.cumsum(dn.tensor(data), 1).numpy(), torch.cumsum(torch.from_numpy(data), 1).numpy()
    )
