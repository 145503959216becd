"""cummax/cummin/logcumsumexp, mode, aminmax, histogram, cov and corrcoef: NumPy references,
float64 gradchecks, clear errors, and PyTorch's values, indices, dtypes and gradients."""

import numpy as np
import pytest

import deltanet as dn

NAN_RUN = np.array([1.0, 3.0, 2.0, 3.0, np.nan, 1.0, np.nan, 5.0])
TIES = np.array([[1.0, 2.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 4.0]])
WEIGHTS = ([1, 2, 1, 3, 1], [0.5, 1.0, 2.0, 1.0, 0.3])


def _compare(torch, make, data, grad=True):
    float_data = data.dtype.kind == "f"
    tt = torch.tensor(data, requires_grad=grad and float_data)
    dd = dn.tensor(data, requires_grad=grad and float_data)
    theirs, ours = make(torch, tt), make(dn, dd)
    theirs = tuple(theirs) if isinstance(theirs, tuple) else (theirs,)
    ours = tuple(ours) if isinstance(ours, tuple) else (ours,)
    for a, b in zip(theirs, ours, strict=True):
        assert b.detach().numpy().dtype == a.detach().numpy().dtype and b.shape == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, equal_nan=True)
    if grad and float_data and theirs[0].requires_grad:
        w = np.random.default_rng(5).standard_normal(tuple(theirs[0].shape))
        (theirs[0] * torch.tensor(w)).nansum().backward()
        (ours[0] * dn.tensor(w)).nansum().backward()
        np.testing.assert_allclose(dd.grad.detach().numpy(), tt.grad.detach().numpy(), rtol=1e-12, atol=1e-15)


CALLS = [
    ("cummax", lambda L, x: L.cummax(x, 1), None),
    ("cummin", lambda L, x: x.cummin(0), None),
    ("cummax NaN", lambda L, x: L.cummax(x.detach(), 0), NAN_RUN),
    ("cummin NaN", lambda L, x: L.cummin(x.detach(), 0), NAN_RUN),
    ("cummax ties", lambda L, x: L.cummax(x, 0), np.array([1.0, 3.0, 2.0, 3.0, 3.0, 1.0])),
    ("cummax int", lambda L, x: L.cummax(x, 0), np.array([1, 3, 2, 3])),
    ("logcumsumexp", lambda L, x: L.logcumsumexp(x, 1), None),
    ("logcumsumexp wide range", lambda L, x: x.logcumsumexp(0), np.array([-1000.0, 0.0, 1000.0, 3.0, -5.0])),
    ("mode", lambda L, x: L.mode(x, 1), TIES),
    ("mode int", lambda L, x: L.mode(x), np.array([3, 1, 1, 3, 2])),
    ("mode keepdim", lambda L, x: x.mode(0, keepdim=True), np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]])),
    ("aminmax", lambda L, x: L.aminmax(x), None),
    ("aminmax dim ties", lambda L, x: L.aminmax(x, dim=1, keepdim=True), np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 3.0]])),
    ("aminmax int", lambda L, x: x.aminmax(), np.array([1, 2])),
    ("histogram", lambda L, x: L.histogram(x.detach(), bins=7), None),
    ("histogram float32", lambda L, x: L.histogram(x.detach().float(), bins=9), None),
    ("histogram weighted density",
     lambda L, x: L.histogram(x.detach(), bins=4, range=(-1.0, 1.0), weight=x.detach().abs(), density=True), None),
    ("histogram edges",
     lambda L, x: L.histogram(x.detach(), bins=L.tensor([-3.0, -1.0, 0.0, 0.5, 2.0], dtype=L.float64)), None),
    ("histogram one value", lambda L, x: L.histogram(x.detach(), bins=4), np.array([3.0, 3.0])),
    ("cov", lambda L, x: L.cov(x), None),
    ("cov of one variable", lambda L, x: L.cov(x[0]), None),
    ("cov weights", lambda L, x: L.cov(x, correction=0, fweights=L.tensor(WEIGHTS[0]),
                                      aweights=L.tensor(WEIGHTS[1], dtype=L.float64)), None),
    ("cov aweights", lambda L, x: L.cov(x, aweights=L.tensor(WEIGHTS[1], dtype=L.float64)), None),
    ("corrcoef", lambda L, x: L.corrcoef(x), None),
]  # fmt: skip


@pytest.mark.parametrize("name, make, data", CALLS, ids=[c[0] for c in CALLS])
def test_matches_pytorch(name, make, data):
    torch = pytest.importorskip("torch")
    if data is None:
        data = np.random.default_rng(0).standard_normal((3, 5))
    _compare(torch, make, data)


def test_histogram_edges_match_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for trial in range(40):
        data = (rng.standard_normal(50) * rng.uniform(0.1, 100)).astype(np.float32 if trial % 2 else np.float64)
        bins = int(rng.integers(1, 30))
        ours, theirs = dn.histogram(dn.tensor(data), bins=bins), torch.histogram(torch.tensor(data), bins=bins)
        np.testing.assert_array_equal(ours.bin_edges.detach().numpy(), theirs.bin_edges.detach().numpy())
        np.testing.assert_array_equal(ours.hist.detach().numpy(), theirs.hist.detach().numpy())


def test_against_numpy(rng):
    x = rng.standard_normal((3, 20))
    np.testing.assert_allclose(dn.cov(dn.tensor(x)).detach().numpy(), np.cov(x), rtol=1e-12)
    np.testing.assert_allclose(dn.corrcoef(dn.tensor(x)).detach().numpy(), np.corrcoef(x), rtol=1e-12)
    np.testing.assert_allclose(dn.cummax(dn.tensor(x), 1).values.detach().numpy(), np.maximum.accumulate(x, axis=1))
    np.testing.assert_allclose(
        dn.logcumsumexp(dn.tensor(x), 1).detach().numpy(), np.log(np.cumsum(np.exp(x), 1)), rtol=1e-12
    )
    hist, edges = dn.histogram(dn.tensor(x), bins=5, range=(-2.0, 2.0))
    reference, reference_edges = np.histogram(x, bins=5, range=(-2.0, 2.0))
    assert hist.tolist() == reference.tolist()
    np.testing.assert_allclose(edges.detach().numpy(), reference_edges)


def test_gradchecks(rng):
    x = dn.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.cummax(t, 1).values + dn.cummin(t, 1).values, [x])
    assert dn.gradcheck(lambda t: dn.logcumsumexp(t, 0), [x])
    assert dn.gradcheck(lambda t: dn.aminmax(t, dim=0).max - dn.aminmax(t).min, [x])
    assert dn.gradcheck(lambda t: dn.cov(t), [x])
    assert dn.gradcheck(lambda t: dn.cov(t, correction=0, aweights=dn.tensor(np.linspace(0.5, 1.5, 6))), [x])
    assert dn.gradcheck(lambda t: dn.corrcoef(t), [x])
    assert dn.gradcheck(lambda t: dn.mode(dn.round(t), 1).values * t[:, 0], [x])


def test_logcumsumexp_gradient_neither_overflows_nor_underflows():
    x = dn.tensor([-1000.0, 0.0, 1000.0], dtype=dn.float64, requires_grad=True)
    dn.logcumsumexp(x, 0).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: dn.logcumsumexp(dn.tensor([1, 2]), 0), ValueError, r"logcumsumexp\(\) needs a floating-point"),
        (lambda: dn.cummax(dn.ones(2), 1), IndexError, r"cummax: dimension out of range"),
        (lambda: dn.mode(dn.ones((2, 0)), 1), ValueError, r"mode: the axis 1 .* is empty"),
        (lambda: dn.aminmax(dn.ones(0)), ValueError, r"aminmax\(\): a tensor of shape \(0,\) is empty"),
        (lambda: dn.aminmax(dn.ones(2), dim=0.5), ValueError, r"aminmax.*dim must be an integer"),
        (lambda: dn.histogram(dn.tensor([1, 2]), bins=2), ValueError, r"histogram\(\) needs a floating-point"),
        (lambda: dn.histogram(dn.ones(2), bins=0), ValueError, r"histogram.*bins must be a positive integer"),
        (lambda: dn.histogram(dn.ones(2), bins=[1.0, 0.0]), ValueError, r"bins must be 1-D increasing edges"),
        (lambda: dn.histogram(dn.ones(2), bins=2, range=(1.0, 0.0)), ValueError, r"range must have min <= max"),
        (lambda: dn.histogram(dn.ones(2), bins=[0.0, 1.0], range=(0, 1)), ValueError, r"range applies to a number"),
        (lambda: dn.histogram(dn.ones(2), bins=2, weight=dn.ones(3)), ValueError, r"weight must have input's shape"),
        (lambda: dn.cov(dn.ones((2, 2, 2))), ValueError, r"cov: input must be 1-D or 2-D"),
        (lambda: dn.cov(dn.tensor([[1, 2]])), ValueError, r"cov\(\) needs a floating-point tensor"),
        (lambda: dn.cov(dn.ones((2, 1))), ValueError, r"cov: the degrees of freedom are 0"),
        (
            lambda: dn.cov(dn.ones((2, 3)), fweights=dn.tensor([1.0, 2.0, 1.0])),
            ValueError,
            r"fweights must be integers",
        ),
        (lambda: dn.cov(dn.ones((2, 3)), aweights=dn.ones(2)), ValueError, r"aweights must be 1-D with one weight"),
        (lambda: dn.cov(dn.ones((2, 3)), aweights=-dn.ones(3)), ValueError, r"aweights must be non-negative"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_products_are_int64_and_bool_aminmax_works():
    # NumPy multiplies uint8 in uint64; PyTorch in int64. amin of a bool cannot negate it.
    x = dn.tensor(np.array([[3, 1], [2, 250]], np.uint8))
    assert x.prod().dtype == dn.int64 and x.prod().item() == 1500
    assert x.prod(1).dtype == dn.int64 and x.prod(1).tolist() == [3, 500]
    assert dn.tensor([True, False]).prod().dtype == dn.int64
    low, high = dn.aminmax(dn.tensor([[True, False], [True, True]]), dim=1)
    assert low.tolist() == [False, True] and high.tolist() == [True, True] and low.dtype == dn.bool
