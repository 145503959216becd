"""Statistics of intensity normalisation and robust preprocessing: median/nanmedian, quantile/
nanquantile (five interpolations), kthvalue, nansum/nanmean, var_mean/std_mean, histc; against
NumPy references, float64 gradchecks, and (with PyTorch installed) PyTorch's values, dtypes,
shapes and gradients."""

import numpy as np
import pytest

import deltanet as dn

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]


def _nan_data(rng):
    x = rng.standard_normal((4, 6))
    x[x > 0.8] = np.nan
    x[3] = np.nan
    return x


# -- against NumPy -------------------------------------------------------------------------------
def test_median_is_the_lower_middle_value():
    assert dn.median(dn.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0  # NumPy would give 2.5
    values, indices = dn.tensor([[3.0, 1.0, 2.0], [5.0, 9.0, 7.0]]).median(dim=1)
    assert values.tolist() == [2.0, 7.0] and indices.tolist() == [2, 2] and indices.dtype == dn.int64
    assert dn.median(dn.tensor([3, 1, 2, 4])).dtype == dn.int64


@pytest.mark.parametrize("mode", MODES)
def test_quantile_matches_numpy(rng, mode):
    x = rng.standard_normal((3, 11))
    q = np.array([0.0, 0.1, 0.33, 0.5, 0.9, 1.0])
    ours = dn.quantile(dn.tensor(x), dn.tensor(q), dim=1, interpolation=mode).detach().numpy()
    np.testing.assert_allclose(ours, np.quantile(x, q, axis=1, method=mode if mode != "nearest" else "nearest"))


def test_nan_aware_reductions_match_numpy(rng):
    x = _nan_data(rng)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        mean_ref = np.nanmean(x, axis=1)
    np.testing.assert_allclose(dn.nanmean(dn.tensor(x), dim=1).detach().numpy(), mean_ref, equal_nan=True)
    np.testing.assert_allclose(dn.nansum(dn.tensor(x), dim=0).detach().numpy(), np.nansum(x, axis=0))
    np.testing.assert_allclose(
        dn.nanquantile(dn.tensor(x[:3]), 0.3, dim=1).detach().numpy(), np.nanquantile(x[:3], 0.3, axis=1)
    )
    assert np.isnan(dn.quantile(dn.tensor(x), 0.5, dim=1).detach().numpy()).all()  # every row holds a NaN


def test_histc_counts_like_numpy_histogram(rng):
    x = rng.standard_normal(500)
    counts = dn.histc(dn.tensor(x), bins=12, min=-2, max=2)
    reference, _ = np.histogram(x, bins=12, range=(-2, 2))
    assert counts.dtype == dn.float64 and counts.detach().numpy().tolist() == reference.tolist()
    assert dn.histc(dn.tensor([3.0, 3.0]), bins=4).tolist() == [0.0, 0.0, 2.0, 0.0]  # one point: widened by 1


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_quantile_gradcheck(rng, mode):
    x = dn.tensor(rng.standard_normal((3, 7)), requires_grad=True)
    q = dn.tensor([0.1, 0.5, 0.85], dtype=dn.float64)
    assert dn.gradcheck(lambda t: dn.quantile(t, q, dim=1, keepdim=True, interpolation=mode), [x])
    assert dn.gradcheck(lambda t: dn.nanquantile(t, 0.4, interpolation=mode), [x])


def test_order_statistics_gradcheck(rng):
    x = dn.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.median(t, dim=0).values, [x])
    assert dn.gradcheck(lambda t: dn.nanmedian(t, 1, keepdim=True).values, [x])
    assert dn.gradcheck(lambda t: dn.median(t), [x])
    assert dn.gradcheck(lambda t: dn.kthvalue(t, 2, dim=1).values, [x])
    assert dn.gradcheck(lambda t: dn.nanmean(t, dim=(0, 1)), [x])
    assert dn.gradcheck(lambda t: dn.var_mean(t, 1, correction=0)[0] + dn.std_mean(t, 1)[1], [x])


def test_median_of_a_whole_tensor_shares_the_gradient_among_ties():
    x = dn.tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    dn.median(x).backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_float32_stays_float32(rng):
    x = dn.tensor(rng.standard_normal((3, 9)).astype(np.float32), requires_grad=True)
    for out in (dn.quantile(x, 0.25, dim=1), dn.nanmedian(x), dn.nanmean(x, 1), dn.kthvalue(x, 3).values):
        assert out.dtype == dn.float32
    dn.quantile(x, dn.tensor([0.05, 0.95]), dim=1).sum().backward()
    assert x.grad.dtype == dn.float32


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: dn.quantile(dn.tensor([1, 2]), 0.5), ValueError, r"quantile\(\) needs a floating-point tensor"),
        (lambda: dn.quantile(dn.tensor([1.0, 2.0]), 1.5), ValueError, r"q must be in \[0, 1\]"),
        (lambda: dn.quantile(dn.ones(2), 0.5, interpolation="cubic"), ValueError, r"interpolation must be one of"),
        (lambda: dn.quantile(dn.ones(2), dn.tensor([0.5], dtype=dn.float64)), ValueError, r"q must have the dtype"),
        (lambda: dn.quantile(dn.ones(2), [[0.5]]), ValueError, r"q must be a number or a 0-d or 1-D"),
        (lambda: dn.quantile(dn.ones(0), 0.5), ValueError, r"empty tensor"),
        (lambda: dn.median(dn.ones(0, dtype=dn.long)), ValueError, r"median\(\) of an empty tensor"),  # floats: NaN
        (lambda: dn.median(dn.ones((2, 0)), dim=1), ValueError, r"median: the axis 1 .* is empty"),
        (lambda: dn.median(dn.ones(2), dim=1), IndexError, r"median: dimension out of range"),
        (lambda: dn.kthvalue(dn.ones(3), 4), ValueError, r"kthvalue.*k must be an integer in \[1, 3\]"),
        (lambda: dn.nanmean(dn.tensor([1, 2])), ValueError, r"nanmean\(\) needs a floating-point tensor"),
        (lambda: dn.histc(dn.tensor([1, 2])), ValueError, r"histc\(\) needs a floating-point tensor"),
        (lambda: dn.histc(dn.ones(2), bins=0), ValueError, r"histc.*bins must be a positive integer"),
        (lambda: dn.histc(dn.ones(2), min=2, max=1), ValueError, r"histc: max must be larger than min"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- against PyTorch -------------------------------------------------------------------------------
def _compare(torch, make, data, grad=True):
    tt = torch.tensor(data, requires_grad=grad)
    dd = dn.tensor(data, requires_grad=grad)
    theirs, ours = make(torch, tt), make(dn, dd)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    ours = ours if isinstance(ours, tuple) else (ours,)
    for a, b in zip(theirs, ours, strict=True):
        assert b.detach().numpy().dtype == a.detach().numpy().dtype and b.shape == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, equal_nan=True)
    if grad:
        w = np.random.default_rng(5).standard_normal(tuple(theirs[0].shape))
        (theirs[0] * torch.tensor(w)).nansum().backward()
        (ours[0] * dn.tensor(w)).nansum().backward()
        np.testing.assert_allclose(
            dd.grad.detach().numpy(), tt.grad.detach().numpy(), rtol=1e-12, atol=1e-15, equal_nan=True
        )


CALLS = [
    ("median", lambda L, x: L.median(x), False),
    ("median dim", lambda L, x: tuple(L.median(x, dim=1)), False),
    ("median keepdim", lambda L, x: tuple(x.median(0, keepdim=True)), False),
    ("nanmedian", lambda L, x: L.nanmedian(x), True),
    ("nanmedian dim", lambda L, x: tuple(L.nanmedian(x[:3], 1)), True),
    ("nanmedian dim 0", lambda L, x: L.nanmedian(x, 0).values, True),  # the index in a NaN-only slice differs
    ("kthvalue", lambda L, x: tuple(L.kthvalue(x, 2, 1)), False),
    ("nansum", lambda L, x: L.nansum(x, 1), True),
    ("nanmean", lambda L, x: L.nanmean(x, dim=1, keepdim=True), True),
    ("nanmean all", lambda L, x: x.nanmean(), True),
    ("var_mean", lambda L, x: L.var_mean(x, 1), False),
    ("var_mean correction", lambda L, x: L.var_mean(x, dim=0, correction=0, keepdim=True), False),
    ("std_mean", lambda L, x: L.std_mean(x, dim=(0, 1)), False),
    ("quantile all", lambda L, x: L.quantile(x, 0.9), False),
    ("quantile keepdim", lambda L, x: L.quantile(x, 0.9, keepdim=True), False),
    ("quantile with NaN", lambda L, x: L.quantile(x, 0.5, dim=1), True),
] + [
    (f"quantile {mode}",
     lambda L, x, m=mode: L.quantile(x, L.tensor([0.0, 0.37, 1.0], dtype=L.float64), 0, interpolation=m), False)
    for mode in MODES
] + [
    (f"nanquantile {mode}",
     lambda L, x, m=mode: L.nanquantile(x, L.tensor([0.1, 0.5], dtype=L.float64), dim=1, interpolation=m), True)
    for mode in MODES
]  # fmt: skip


@pytest.mark.parametrize("name, make, nan", CALLS, ids=[c[0] for c in CALLS])
def test_matches_pytorch(rng, name, make, nan):
    torch = pytest.importorskip("torch")
    data = _nan_data(rng) if nan else rng.standard_normal((4, 6))
    _compare(torch, make, data)


def test_ties_and_nan_indices_match_pytorch():
    torch = pytest.importorskip("torch")
    ties = np.array([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 5.0, 0.0]])
    _compare(torch, lambda L, x: L.median(x), ties)
    _compare(torch, lambda L, x: tuple(L.median(x, dim=1)), ties)
    with_nan = np.array([[np.nan, 1.0, 2.0], [3.0, np.nan, np.nan]])
    _compare(torch, lambda L, x: tuple(L.median(x, 1)), with_nan, grad=False)


@pytest.mark.parametrize(
    "kwargs", [{}, {"bins": 7}, {"bins": 4, "min": 0, "max": 3}, {"bins": 10, "min": -1, "max": 1}]
)
def test_histc_matches_pytorch(rng, kwargs):
    torch = pytest.importorskip("torch")
    for data in (rng.standard_normal(200), rng.standard_normal(300).astype(np.float32), np.array([0.0, 1, 2, 2, 5])):
        ours, theirs = dn.histc(dn.tensor(data), **kwargs), torch.histc(torch.tensor(data), **kwargs)
        assert ours.detach().numpy().dtype == theirs.detach().numpy().dtype and ours.tolist() == theirs.tolist()


def test_float32_quantile_matches_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 101)).astype(np.float32)
    ours = dn.quantile(dn.tensor(x), dn.tensor([0.05, 0.5, 0.95]), dim=1)
    theirs = torch.quantile(torch.tensor(x), torch.tensor([0.05, 0.5, 0.95]), dim=1)
    assert ours.dtype == dn.float32
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("dim", [None, 0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_of_a_4d_tensor_matches_pytorch_on_every_axis(dim, keepdim):
    # A 1-D q puts its axis first: with more than one other axis the order must still be right.
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    for q in (0.3, [0.1, 0.5, 0.9]):
        for name in ("quantile", "nanquantile"):
            ours = getattr(dn, name)(dn.tensor(x), dn.tensor(q, dtype=dn.float64), dim=dim, keepdim=keepdim)
            theirs = getattr(torch, name)(
                torch.tensor(x), torch.tensor(q, dtype=torch.float64), dim=dim, keepdim=keepdim
            )
            assert ours.shape == tuple(theirs.shape)
            np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


def test_quantile_of_a_4d_tensor_gradcheck(rng):
    x = dn.tensor(rng.standard_normal((2, 3, 2, 3)), requires_grad=True)
    q = dn.tensor([0.2, 0.7], dtype=dn.float64)
    assert dn.gradcheck(lambda t: dn.quantile(t, q, dim=1, keepdim=True), [x])
