"""Backwards whose PyTorch formula is a select: a NaN or infinite delta reaches live units only.

ReLU, the clamps, the piecewise activations and max pooling route delta through a 0/1 mask; a
dead unit gets exactly 0 whatever delta is (the plain product gave NaN * 0 = NaN). Also the NaN
inputs where PyTorch's test lets delta through (ReLU, maximum/minimum, max pooling's NaN window).
"""

import numpy as np
import pytest

import deltanet as dn
from deltanet.autograd import dead_units
from deltanet.autograd.dead_units import live_mask, mask_bits, pass_live

nan, inf = float("nan"), float("inf")
F = dn.nn.functional


def grad(fn, x, delta, dtype=np.float64):
    t = dn.tensor(np.asarray(x, dtype=dtype), requires_grad=True)
    out = fn(t)
    out.backward(dn.tensor(np.asarray(delta, dtype=dtype).reshape(out.shape)))
    return t.grad.numpy()


# -- the exact select --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_pass_live_is_the_select_bit_for_bit(dtype):
    delta = np.array([nan, inf, -inf, -0.0, 2.5, nan, -inf, -0.0], dtype=dtype)
    live = np.array([False, False, False, False, True, True, True, True])
    g = pass_live(delta, live)
    assert g.dtype == dtype
    expected = np.array([0.0, 0.0, 0.0, 0.0, 2.5, nan, -inf, -0.0], dtype=dtype)
    assert g.tobytes() == expected.tobytes()  # +0.0 at dead units, delta's own bits at live ones
    as_ints = live_mask(live.astype(dtype), np.not_equal, 0, dtype)
    assert as_ints.dtype == mask_bits(dtype) and as_ints.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert pass_live(delta, as_ints, out=as_ints).tobytes() == expected.tobytes()


def test_pass_live_writes_into_out_and_broadcasts():
    delta = np.array([[nan, 1.0], [2.0, inf]], dtype=np.float32)
    out = np.full((2, 2), 7.0, dtype=np.float32)
    g = pass_live(delta, np.array([False, True]), out=out)
    assert np.shares_memory(g, out)
    np.testing.assert_array_equal(out, [[0.0, 1.0], [0.0, inf]])


def test_pass_live_reference_and_complex_take_the_where(monkeypatch):
    delta = np.array([nan, 3.0, inf], dtype=np.float32)
    live = np.array([False, True, False])
    fast = pass_live(delta, live)
    monkeypatch.setattr(dead_units, "REFERENCE", True)
    assert mask_bits(np.float32) is None
    assert pass_live(delta, live).tobytes() == fast.tobytes()
    assert pass_live(np.array([nan + 1j, 2j]), np.array([False, True])).tolist() == [0j, 2j]


# -- the ops, with the expected gradients written down ------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_passes_nothing_back_through_a_dead_unit(dtype):
    # the example: torch gives [0, 1] (the plain product gave [nan, 1])
    np.testing.assert_array_equal(grad(dn.relu, [-1.0, 2.0], [nan, 1.0], dtype), [0.0, 1.0])
    np.testing.assert_array_equal(grad(dn.relu, [-1.0, 0.0, 2.0], [inf, -inf, inf], dtype), [0.0, 0.0, inf])
    x = np.linspace(-3, 3, 20000)  # past the row length where ReLU's forward takes its fast path
    g = grad(lambda t: t.relu(), x, np.full(x.size, nan), dtype)
    assert not np.isnan(g[x <= 0]).any() and np.isnan(g[x > 0]).all()
    assert not np.signbit(g[x <= 0]).any()  # +0.0, as PyTorch's select


def test_relu_of_nan_passes_delta_as_pytorch():
    # PyTorch's test is a <= 0, false for NaN (also for a NaN with its sign bit set)
    np.testing.assert_array_equal(grad(dn.relu, [nan, -nan, -0.0, 0.0], [2.0, 3.0, 4.0, 5.0]), [2.0, 3.0, 0.0, 0.0])


def test_inplace_relu_and_the_module_are_exact_too():
    np.testing.assert_array_equal(grad(lambda t: (t * 1).relu_(), [-1.0, 2.0], [nan, 1.0]), [0.0, 1.0])
    np.testing.assert_array_equal(grad(dn.nn.ReLU(), [-1.0, 2.0], [inf, 1.0]), [0.0, 1.0])


def test_sqrt_after_relu_is_zero_at_dead_units():
    # sqrt's delta is inf at 0: relu stops it (torch: [0, 0, 0.5])
    np.testing.assert_array_equal(
        grad(lambda t: dn.sqrt(dn.relu(t)), [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]), [0.0, 0.0, 0.5]
    )


@pytest.mark.parametrize(
    "fn, x, expected",
    [
        (lambda t: dn.clamp(t, -1.0, 1.0), [-2.0, 0.5, 2.0], [0.0, nan, 0.0]),
        (lambda t: t.clamp_min(0.0), [-2.0, 0.5, 2.0], [0.0, nan, nan]),
        (lambda t: F.hardtanh(t), [-2.0, 0.5, 2.0], [0.0, nan, 0.0]),
        (lambda t: F.relu6(t), [-2.0, 0.5, 7.0], [0.0, nan, 0.0]),
        (lambda t: F.threshold(t, 1.0, 5.0), [-2.0, 0.5, 2.0], [0.0, 0.0, nan]),
        (lambda t: F.hardshrink(t), [-2.0, 0.1, 2.0], [nan, 0.0, nan]),
    ],
)
def test_clamps_and_piecewise_units_pass_a_nan_delta_inside_only(fn, x, expected):
    np.testing.assert_array_equal(grad(fn, x, [nan, nan, nan]), expected)


def test_maximum_and_minimum_give_delta_to_both_inputs_at_nan():
    x = dn.tensor([nan, 1.0, 2.0], requires_grad=True)
    y = dn.tensor([0.0, 3.0, 2.0], requires_grad=True)
    dn.maximum(x, y).backward(dn.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.5])  # was [0, 0, 0.5]
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0, 0.5])
    x.grad = y.grad = None
    dn.minimum(x, y).backward(dn.tensor([inf, inf, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [inf, inf, 0.5])
    np.testing.assert_array_equal(y.grad.numpy(), [inf, 0.0, 0.5])


def test_max_pool_sends_a_nan_delta_to_the_argmax_only():
    x = [[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 7.0, 6.0]]]]
    g = grad(lambda t: F.max_pool2d(t, 2), x, [nan, inf])
    np.testing.assert_array_equal(g, [[[[0.0, nan, 0.0, 0.0], [0.0, 0.0, inf, 0.0]]]])
    # overlapping windows (stride 1): the sums of the windows' deltas at their argmax
    g = grad(lambda t: F.max_pool1d(t, 2, 1), [[[1.0, 3.0, 2.0, 0.0]]], [nan, 1.0, 2.0])
    np.testing.assert_array_equal(g, [[[0.0, nan, 2.0, 0.0]]])


def test_max_pool_of_infinite_and_huge_windows_takes_the_plain_path_silently():
    # the NaN-window check (a dot of the outputs) overflows here: no warning, the usual argmax
    x = [[[[inf, 1.0, 3e30, 2.0], [-inf, 0.0, 1.0, 1.0]]]]
    with np.errstate(all="raise"):
        g = grad(lambda t: F.max_pool2d(t, 2), x, [1.0, 2.0])
    np.testing.assert_array_equal(g, [[[[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])
    g = grad(lambda t: F.max_pool2d(t, 2), np.full((1, 1, 2, 2), -inf), [1.0])
    np.testing.assert_array_equal(g, [[[[1.0, 0.0], [0.0, 0.0]]]])  # the first of the ties


def test_max_pool_of_a_nan_window_sends_delta_to_its_last_nan():
    x = [[[[1.0, nan, nan, 5.0], [2.0, 3.0, 4.0, nan]]]]
    for fn in (lambda t: F.max_pool2d(t, 2), lambda t: F.max_pool2d(t, 2, return_indices=True)[0]):
        np.testing.assert_array_equal(grad(fn, x, [1.0, 2.0]), [[[[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]]]])
    g = grad(lambda t: F.adaptive_max_pool2d(t, 1), x, [1.0])
    np.testing.assert_array_equal(g, [[[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]]])  # was the first NaN


def test_lerp_and_quantile_pass_an_infinite_delta_as_products():
    # d/da = 1 - w and d/db = w, as products (PyTorch's); a + w (b - a) composed gave inf - inf = NaN
    a = dn.tensor([1.0, 2.0], requires_grad=True)
    b = dn.tensor([3.0, 5.0], requires_grad=True)
    dn.lerp(a, b, 0.25).backward(dn.tensor([inf, 1.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [inf, 0.75])
    np.testing.assert_array_equal(b.grad.numpy(), [inf, 0.25])
    g = grad(lambda t: dn.quantile(t, 0.5), [1.0, 5.0, 2.0, 0.0], [inf])
    np.testing.assert_array_equal(g, [inf, 0.0, inf, 0.0])  # the two middle values, half each


def test_nan_to_num_multiplies_as_pytorch():
    # grad * isfinite(x): a product, so a NaN delta stays NaN at a replaced value (the select gave 0)
    g = grad(dn.nan_to_num, [nan, 1.0, inf, -inf], [nan, nan, 2.0, inf])
    np.testing.assert_array_equal(g, [nan, nan, 0.0, nan])


@pytest.mark.parametrize("loss", [F.nll_loss, F.cross_entropy])
def test_an_ignored_target_gets_no_gradient_even_from_a_nan_delta(loss):
    x = dn.tensor([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]], requires_grad=True)
    loss(x, dn.tensor([2, 1]), ignore_index=1, reduction="none").backward(dn.tensor([1.0, nan]))
    np.testing.assert_array_equal(x.grad.numpy()[1], [0.0, 0.0, 0.0])  # was NaN (NaN * 0)
    assert np.isfinite(x.grad.numpy()[0]).all()


# -- against PyTorch ------------------------------------------------------------------------------
def _targets(t):
    """Class targets for a (2, 3, 6, 6) input, a third of them 1 (the ignored index)."""
    return t.tensor(np.arange(72).reshape(2, 6, 6) % 3)


def _cases():
    rng = np.random.default_rng(0)
    v = rng.integers(-4, 5, (2, 3, 6, 6)).astype(np.float64) / 2
    vn = np.where(rng.random(v.shape) < 0.2, nan, v)
    return [
        ("relu", lambda t, x: t.relu(x), v),
        ("relu nan input", lambda t, x: t.relu(x), vn),
        ("relu_", lambda t, x: (x * 1).relu_(), vn),
        # hardtanh, relu6 and elu at a NaN input: PyTorch's vectorized and scalar loops disagree
        ("relu6", lambda t, x: t.nn.functional.relu6(x * 3), v),
        ("hardtanh", lambda t, x: t.nn.functional.hardtanh(x), v),
        ("threshold", lambda t, x: t.nn.functional.threshold(x, 0.5, -2.0), vn),
        ("clamp", lambda t, x: t.clamp(x, -1.0, 0.5), vn),
        ("clamp_max", lambda t, x: t.clamp(x, max=0.0), vn),
        ("elu", lambda t, x: t.nn.functional.elu(x), v),
        ("maximum", lambda t, x: t.maximum(x, x.flip(-1)), vn),
        ("minimum", lambda t, x: t.minimum(x, x.flip(-1)), vn),
        ("max_pool1d", lambda t, x: t.nn.functional.max_pool1d(x.flatten(2), 3, 2), v),
        ("max_pool2d", lambda t, x: t.nn.functional.max_pool2d(x, 2), v),
        ("max_pool2d k3s1p1", lambda t, x: t.nn.functional.max_pool2d(x, 3, 1, 1), v),
        ("max_pool2d nan input", lambda t, x: t.nn.functional.max_pool2d(x, 2), vn),
        ("max_pool2d ceil nan input", lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, ceil_mode=True), vn),
        ("max_pool3d", lambda t, x: t.nn.functional.max_pool3d(x[None], 2), v),
        ("adaptive_max_pool2d", lambda t, x: t.nn.functional.adaptive_max_pool2d(x, 4), vn),
        ("nll ignore", lambda t, x: t.nn.functional.nll_loss(x, _targets(t), ignore_index=1, reduction="none"), v),
        ("ce ignore", lambda t, x: t.nn.functional.cross_entropy(x, _targets(t), ignore_index=1, reduction="none"), v),
        ("nan_to_num", lambda t, x: t.nan_to_num(x / (x - x.flip(-1))), vn),
        ("lerp", lambda t, x: t.lerp(x, x.flip(-1), 0.3), v),
        ("lerp tensor weight", lambda t, x: t.lerp(x.flip(-1), x * 2, x.sigmoid()), v),
        ("quantile", lambda t, x: t.quantile(x.flatten(1) + t.arange(108, dtype=x.dtype) / 256, 0.4, dim=1), v),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("special", [nan, inf, -inf])
@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_gradients_with_non_finite_deltas_match_pytorch(case, special, dtype):
    torch = pytest.importorskip("torch")
    name, fn, x0 = case
    if name == "ce ignore" and not np.isnan(special):
        # the fused softmax cross-entropy multiplies delta by s w - w_y, one finite number: an
        # infinite delta gives +-inf where PyTorch's log_softmax backward gives inf - inf = NaN
        pytest.skip("an infinite delta through the fused softmax cross-entropy")
    results = []
    for lib in (torch, dn):
        rng = np.random.default_rng(1)  # the same delta for both
        x = lib.tensor(x0, dtype=getattr(lib, dtype), requires_grad=True)
        out = fn(lib, x)
        delta = rng.standard_normal(tuple(out.shape))
        delta[np.random.default_rng(2).random(delta.shape) < 0.3] = special
        with np.errstate(invalid="ignore"):  # the engine's sum of a leaf's gradients warns at inf - inf
            out.backward(lib.tensor(delta, dtype=getattr(lib, dtype)))
        results.append(np.array(x.grad.detach().numpy() if lib is torch else x.grad.numpy()))
    expected, got = results
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == "float64" else 1e-5, equal_nan=True)
