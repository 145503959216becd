"""cumprod (zeros included) and diff, erf/erfc/erfinv, the fused ops (lerp, addcmul, addcdiv,
addmm, baddbmm), nan_to_num, scatter_reduce, the searching ops, meshgrid, logspace, the in-place
forms and set/get_num_threads: float64 gradchecks, clear errors, and PyTorch's values, dtypes and
gradients where it is installed."""

import math

import numpy as np
import pytest

import deltanet as dn


def _compare(torch, make, data, grad=True, rtol=1e-12):
    float_data = data.dtype.kind == "f"
    tt = torch.tensor(data, requires_grad=grad and float_data)
    dd = dn.tensor(data, requires_grad=grad and float_data)
    theirs, ours = make(torch, tt), make(dn, dd)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    ours = ours if isinstance(ours, tuple) else (ours,)
    for a, b in zip(theirs, ours, strict=True):
        assert b.detach().numpy().dtype == a.detach().numpy().dtype and b.shape == tuple(a.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=rtol, equal_nan=True)
    if grad and float_data and theirs[0].requires_grad:
        w = np.random.default_rng(5).standard_normal(tuple(theirs[0].shape))
        (theirs[0] * torch.tensor(w)).sum().backward()
        (ours[0] * dn.tensor(w)).sum().backward()
        np.testing.assert_allclose(dd.grad.detach().numpy(), tt.grad.detach().numpy(), rtol=rtol, atol=1e-14)


ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5], [2.0, 1.0, 0.5, 0.25]])
INF = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0])
EDGES = np.array([-1.0, 0.0, 0.5, 1.0])
INDEX = np.array([[0, 1, 0, 2, 1], [2, 2, 0, 0, 1]])

CALLS = [
    ("cumprod", lambda L, x: L.cumprod(x, 1), None),
    ("cumprod with zeros", lambda L, x: x.cumprod(dim=1), ZEROS),
    ("cumprod with zeros, dim 0", lambda L, x: L.cumprod(x, 0), ZEROS),
    ("cumprod int", lambda L, x: L.cumprod(x, 0), np.array([1, 2, 3])),
    ("diff", lambda L, x: L.diff(x), None),
    ("diff n=2 dim 0", lambda L, x: x.diff(n=2, dim=0), None),
    ("diff prepend append", lambda L, x: L.diff(x, dim=1, prepend=x[:, :1] * 2, append=x[:, -2:]), None),
    ("diff int", lambda L, x: L.diff(x, n=3), np.array([1, 4, 9, 16, 25])),
    ("erf", lambda L, x: L.erf(x), None),
    ("erfc", lambda L, x: x.erfc(), np.linspace(-6, 6, 25)),
    ("erfinv", lambda L, x: L.erfinv(x), np.array([-0.999, -0.5, 0.0, 1e-10, 0.3, 0.9999999, -0.99999999999])),
    ("erfinv edges", lambda L, x: L.erfinv(x.detach()), np.array([-1.0, 1.0, 1.5, np.nan])),
    ("lerp", lambda L, x: L.lerp(x[0], x[1], 0.3), None),
    ("lerp high weight", lambda L, x: x[0].lerp(x[1], 0.7), None),
    ("lerp tensor weight", lambda L, x: L.lerp(x[0], x[1], x[2]), None),
    ("addcmul", lambda L, x: L.addcmul(x[0], x[1], x[2], value=0.3), None),
    ("addcdiv", lambda L, x: x[0].addcdiv(x[1], x[2] + 5, value=-0.1), None),
    ("addmm", lambda L, x: L.addmm(x[0, :4], x[:, :3].T, x[:, 1:], beta=0.5, alpha=2.0), None),
    ("baddbmm", lambda L, x: L.baddbmm(x[0, 1:], x[None, :, :3].transpose(1, 2), x[None, :, 1:], alpha=0.5), None),
    ("nan_to_num", lambda L, x: L.nan_to_num(x) * 1e-300, INF),
    ("nan_to_num float32", lambda L, x: L.nan_to_num(x.float(), nan=1.0, posinf=5.0), INF),
    ("nan_to_num method", lambda L, x: x.nan_to_num(neginf=-7.0) * 1e-300, INF),
    ("isin", lambda L, x: L.isin(x, L.tensor([1, 3, 5])), np.arange(8).reshape(2, 4)),
    ("isin invert", lambda L, x: L.isin(x, L.tensor([1, 3, 5]), invert=True), np.arange(8).reshape(2, 4)),
    ("isin number", lambda L, x: L.isin(x, 3), np.arange(8).reshape(2, 4)),
    ("searchsorted", lambda L, x: L.searchsorted(L.tensor(EDGES), x), None),
    ("searchsorted right", lambda L, x: L.searchsorted(L.tensor(EDGES), x, right=True), EDGES),
    ("searchsorted side int32", lambda L, x: L.searchsorted(L.tensor(EDGES), x, side="right", out_int32=True), EDGES),
    ("searchsorted N-D", lambda L, x: L.searchsorted(L.sort(x, dim=1).values, x[:, :2] + 0.1), None),
    ("bucketize", lambda L, x: L.bucketize(x, L.tensor(EDGES)), EDGES),
    ("bucketize right", lambda L, x: L.bucketize(x, L.tensor(EDGES), right=True), EDGES),
    ("meshgrid ij", lambda L, x: L.meshgrid(x[0], x[1, :3], indexing="ij"), None),
    ("meshgrid xy", lambda L, x: L.meshgrid(x[0], x[1, :3], x[2, :2], indexing="xy"), None),
    ("meshgrid list", lambda L, x: L.meshgrid([x[0], x[1, :3]], indexing="ij"), None),
    ("logspace", lambda L, x: L.logspace(-3, 1, 9), None),
    ("logspace base 2", lambda L, x: L.logspace(0, 4, 5, base=2, dtype=L.float64), None),
    ("scatter_reduce amax ties",
     lambda L, x: L.scatter_reduce(x[0, :3] * 1, 0, L.tensor([0, 0, 1, 1, 2]), x[1], "amax"),
     np.array([[1.0, 2.0, 3.0, 0, 0], [1.0, 1.0, 2.0, 2.0, 0.0]])),
    ("scatter_reduce int mean", lambda L, x: L.scatter_reduce(x[0, :3] * 1, 0, L.tensor([0, 0, 1, 1, 2]), x[1], "mean"),
     np.array([[1, 2, 3, 0, 0], [4, 1, 2, 7, 0]])),
    ("scatter_reduce prod zeros", lambda L, x: L.scatter_reduce(x[2, :3] * 1, 0, L.tensor([0, 1, 0, 2]), x[1], "prod"),
     ZEROS),
    ("cumprod_", lambda L, x: (x * 1).cumprod_(1), None),
    ("lerp_", lambda L, x: (x[0] * 1).lerp_(x[1], 0.6), None),
    ("nan_to_num_", lambda L, x: (x * 1).nan_to_num_() * 1e-300, INF),
    ("erf_", lambda L, x: (x * 1).erf_(), None),
    ("erfinv_", lambda L, x: (x * 1).erfinv_(), np.array([-0.9, 0.1, 0.5])),
    ("addmm_", lambda L, x: (x[:3, :3] * 1).addmm_(x[:3, :3], x[:3, :3], alpha=0.5), None),
    ("scatter_reduce_", lambda L, x: (x[:2, :3] * 1).scatter_reduce_(1, L.tensor(INDEX), x[:2], "amin"), None),
]  # fmt: skip
CALLS += [
    (f"scatter_reduce {reduce} include_self={keep}",
     lambda L, x, r=reduce, k=keep: L.scatter_reduce(x[:2, :3] * 1, 1, L.tensor(INDEX), x[:2], r, include_self=k), None)
    for reduce in ("sum", "prod", "mean", "amax", "amin")
    for keep in (True, False)
]  # fmt: skip


@pytest.mark.parametrize("name, make, data", CALLS, ids=[c[0] for c in CALLS])
def test_matches_pytorch(name, make, data):
    torch = pytest.importorskip("torch")
    if data is None:
        data = np.random.default_rng(0).standard_normal((3, 5))
    _compare(torch, make, data)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_float32_results_match_pytorch_to_float32_rounding():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).uniform(-0.99, 0.99, 40).astype(np.float32)
    for name in ("erf", "erfc", "erfinv"):
        ours, theirs = getattr(dn, name)(dn.tensor(x)), getattr(torch, name)(torch.tensor(x))
        assert ours.dtype == dn.float32
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=3e-7, atol=1e-7)
    assert dn.logspace(-2, 2, 5).dtype == dn.float32


# -- gradients without PyTorch ---------------------------------------------------------------------
def test_gradchecks(rng):
    x = dn.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = dn.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = dn.tensor(rng.uniform(0, 1, (3, 4)), requires_grad=True)
    zeros = dn.tensor(np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5]]), requires_grad=True)
    assert dn.gradcheck(lambda t: dn.cumprod(t, 1), [zeros])
    assert dn.gradcheck(lambda t: dn.cumprod(t, 0), [x])
    assert dn.gradcheck(lambda t: dn.diff(t, n=2, dim=1, prepend=t[:, :1]), [x])
    assert dn.gradcheck(lambda a, b, c: dn.lerp(a, b, c), [x, y, w])
    assert dn.gradcheck(lambda a, b, c: dn.addcdiv(a, b, c + 3, value=0.5) + dn.addcmul(a, b, c, value=2), [x, y, w])
    assert dn.gradcheck(lambda a, b: dn.addmm(a[0], a.T, b, beta=0.5, alpha=-1.5), [x, y])
    assert dn.gradcheck(lambda a, b: dn.baddbmm(a[None, :, :3], a[None], b[None].transpose(1, 2)), [x, y])
    assert dn.gradcheck(lambda a: dn.erf(a) + dn.erfc(2 * a) + dn.erfinv(a.tanh() * 0.9), [x])
    assert dn.gradcheck(lambda a, b: dn.meshgrid(a[0], b[1], indexing="xy")[0] * dn.meshgrid(a[0], b[1])[1].T, [x, y])


def test_cumprod_gradient_with_zeros_is_the_product_of_the_others():
    x = dn.tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    dn.cumprod(x, 0).sum().backward()
    # d/dx_0 = 1 + x1 + x1 x2 + ...; d/dx_1 = x0 + x0 x2 + x0 x2 x3 + ...
    assert x.grad.tolist() == [1.0, 2.0 + 6.0, 0.0, 0.0, 0.0]


def test_in_place_forms_keep_history_and_versions():
    x = dn.tensor([0.2, -0.4], requires_grad=True)
    y = x * 1
    y.erf_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 / math.sqrt(math.pi) * np.exp(-(x.data**2)))
    with pytest.raises(ValueError, match=r"erf_: the result cannot be stored in this tensor of dtype int64"):
        dn.tensor([1, 2]).erf_()
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad"):
        dn.ones(2, requires_grad=True).cumprod_(0)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: dn.cumprod(dn.ones(2), 1), IndexError, r"cumprod: dimension out of range"),
        (lambda: dn.diff(dn.tensor(1.0)), ValueError, r"diff: needs a tensor with at least one axis"),
        (lambda: dn.diff(dn.ones(3), n=-1), ValueError, r"diff.*n must be a non-negative integer"),
        (lambda: dn.diff(dn.ones(3), prepend=dn.ones((1, 1))), ValueError, r"prepend and append must have 1 axes"),
        (lambda: dn.lerp(dn.ones(2), dn.ones(2, dtype=dn.float64), 0.5), ValueError, r"lerp: input and end must be"),
        (lambda: dn.lerp(dn.ones(2), dn.ones(2), "a"), ValueError, r"lerp.*weight must be a number"),
        (lambda: dn.addcmul(dn.ones(2), dn.ones(2), dn.ones(2), value="x"), ValueError, r"addcmul.*value"),
        (lambda: dn.addcdiv(dn.ones(2), dn.tensor([1]), dn.tensor([2])), ValueError, r"addcdiv: integer division"),
        (lambda: dn.addmm(dn.ones(2), dn.ones(3), dn.ones((3, 2))), ValueError, r"mm"),
        (lambda: dn.nan_to_num(dn.ones(2), nan="zero"), ValueError, r"nan_to_num.*nan must be a number"),
        (lambda: dn.searchsorted(dn.tensor(1.0), 0.5), ValueError, r"sorted_sequence must have at least one axis"),
        (lambda: dn.searchsorted(dn.ones((2, 3)), dn.ones((3, 1))), ValueError, r"same leading axes"),
        (lambda: dn.searchsorted(dn.ones(3), 1.0, right=True, side="left"), ValueError, r"contradicts right=True"),
        (lambda: dn.bucketize(dn.ones(2), dn.ones((2, 2))), ValueError, r"boundaries must be 1-D"),
        (lambda: dn.isin(dn.ones(2), dn.ones(2), invert=1), ValueError, r"isin.*invert must be True or False"),
        (lambda: dn.meshgrid(dn.ones(2), indexing="yx"), ValueError, r"meshgrid.*indexing must be one of"),
        (lambda: dn.meshgrid(dn.ones((2, 2))), ValueError, r"meshgrid: expects 0-D or 1-D tensors"),
        (lambda: dn.meshgrid(), ValueError, r"meshgrid: expects at least one tensor"),
        (lambda: dn.logspace(0, 1, 3, base="e"), ValueError, r"logspace: base must be a finite number"),
        (lambda: dn.scatter_reduce(dn.ones(2), 0, dn.tensor([0]), dn.ones(1), "max"), ValueError, r"reduce must be"),
        (lambda: dn.scatter_reduce(dn.ones(2), 0, dn.tensor([0]), 1.0, "sum"), TypeError, r"src must be a tensor"),
        (
            lambda: dn.scatter_reduce(dn.ones(2), 0, dn.tensor([5]), dn.ones(1), "sum"),
            ValueError,
            r"index out of range",
        ),
        (lambda: dn.set_num_threads(0), ValueError, r"set_num_threads.*int must be a positive integer"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- threads --------------------------------------------------------------------------------------
def test_set_num_threads_limits_the_blas_pools():
    pytest.importorskip("threadpoolctl")
    before = dn.get_num_threads()
    try:
        dn.set_num_threads(1)
        assert dn.get_num_threads() == 1
    finally:
        dn.set_num_threads(before)
    assert dn.get_num_threads() == before


def test_set_num_threads_without_threadpoolctl_says_what_to_do(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    with pytest.raises(RuntimeError, match=r"needs the threadpoolctl package.*OMP_NUM_THREADS"):
        dn.set_num_threads(2)
    assert dn.get_num_threads() >= 1


def test_addmm_with_beta_0_ignores_nan_input_and_gives_it_a_zero_gradient():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 4))
    grads = []
    for L in (torch, dn):
        m = L.tensor(x, requires_grad=True)
        bias = L.tensor(np.full(4, np.nan), requires_grad=True)
        out = L.addmm(bias, m.T, m, beta=0)
        assert not bool(L.isnan(out).any())
        out.sum().backward()
        grads.append((bias.grad.detach().numpy(), m.grad.detach().numpy()))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-12)


# -- trapezoid -------------------------------------------------------------------------------------
_Y = np.random.default_rng(3).standard_normal((3, 5))
_X = np.sort(np.random.default_rng(4).standard_normal((3, 5)), axis=1)
_X1 = np.sort(np.random.default_rng(5).standard_normal(5))
TRAPEZOID = [
    ("unit spacing", lambda L, y: L.trapezoid(y)),
    ("dx along dim 0", lambda L, y: L.trapezoid(y, dx=0.3, dim=0)),
    ("x of y's shape", lambda L, y: L.trapezoid(y, L.tensor(_X))),
    ("1-D x", lambda L, y: L.trapezoid(y, L.tensor(_X1))),
    ("trapz dx", lambda L, y: L.trapz(y, dx=2)),
    ("cumulative", lambda L, y: L.cumulative_trapezoid(y)),
    ("cumulative 1-D x", lambda L, y: L.cumulative_trapezoid(y, L.tensor(_X1))),
    ("cumulative dx dim 0", lambda L, y: L.cumulative_trapezoid(y, dx=0.5, dim=0)),
    ("empty axis", lambda L, y: L.trapezoid(y[:, :0])),
]


@pytest.mark.parametrize("name, make", TRAPEZOID, ids=[c[0] for c in TRAPEZOID])
def test_trapezoid_matches_pytorch(name, make):
    torch = pytest.importorskip("torch")
    _compare(torch, make, _Y, grad=name != "empty axis")
    ours, theirs = dn.trapezoid(dn.tensor([1, 2, 4])), torch.trapezoid(torch.tensor([1, 2, 4]))
    assert ours.dtype == dn.float32 and ours.item() == theirs.item()


def test_trapezoid_against_numpy_and_gradcheck(rng):
    y, x = rng.standard_normal((2, 6)), np.sort(rng.standard_normal(6))
    np.testing.assert_allclose(
        dn.trapezoid(dn.tensor(y), dn.tensor(x)).detach().numpy(), np.trapezoid(y, x), rtol=1e-12
    )
    yt, xt = dn.tensor(y, requires_grad=True), dn.tensor(x, requires_grad=True)
    assert dn.gradcheck(lambda a, b: dn.trapezoid(a, b) + dn.cumulative_trapezoid(a, b).sum(-1), [yt, xt])
    with pytest.raises(TypeError, match=r"trapezoid: give x or dx, not both"):
        dn.trapezoid(yt, xt, dx=1.0)
    with pytest.raises(ValueError, match=r"a 1-D x must have y's size along dim \(6\), got 3"):
        dn.trapezoid(yt, dn.ones(3))
    with pytest.raises(ValueError, match=r"trapezoid: y must have at least one axis"):
        dn.trapezoid(dn.tensor(1.0))
