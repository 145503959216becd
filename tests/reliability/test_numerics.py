"""Numerical robustness: extreme values give finite, correct losses and gradients, and float16
input is refused (or, for the training entry points, converted exactly with a warning).

NumPy's overflow, underflow-to-inf and invalid-value warnings are errors in this test suite
(``filterwarnings = error::RuntimeWarning`` in pyproject.toml), so every test here also checks
that the stable formulas never trip one.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
from deltanet import losses

FLOATS = [np.float32, np.float64]
BIG = 1e4


def leaf(values, dtype):
    return dn.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def finite(*arrays):
    return all(np.isfinite(a).all() for a in arrays)


# -- cross-entropy and the sigmoid losses at logits of ±1e4 ------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "options", [{}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 0.5]}], ids=["plain", "smoothing", "weights"]
)
def test_cross_entropy_with_huge_logits(dtype, options):
    z = leaf([[BIG, -BIG, 0.0], [-BIG, -BIG, BIG], [BIG, BIG, -BIG]], dtype)
    y = np.array([0, 0, 2])
    loss = F.cross_entropy(z, y, reduction="none", **options)
    loss.sum().backward()
    assert loss.dtype == z.grad.dtype == dtype
    assert finite(loss.data, z.grad)
    if not options:
        # ℓ = log Σ e^z − z_y: 0 for a row won by its target, 2·10⁴ for a target at −10⁴ against
        # a winner at +10⁴, and for two tied winners log 2 + 2·10⁴.
        np.testing.assert_allclose(loss.data, [0.0, 2 * BIG, 2 * BIG + np.log(2)], rtol=1e-6)
        # δ = softmax(z) − onehot(y).
        expected = np.array([[0, 0, 0], [-1, 0, 1], [0.5, 0.5, -1]], dtype=np.float64)
        np.testing.assert_allclose(z.grad, expected, atol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_probability_targets_with_huge_logits(dtype):
    z = leaf([[BIG, -BIG], [-BIG, BIG]], dtype)
    loss = F.cross_entropy(z, np.array([[0.5, 0.5], [1.0, 0.0]], dtype=dtype))
    loss.backward()
    assert finite(loss.data, z.grad)
    np.testing.assert_allclose(loss.item(), (0.5 * 2 * BIG + 2 * BIG) / 2, rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_softmax_and_nll_with_huge_logits(dtype):
    z = leaf([[BIG, -BIG, 0.0]], dtype)
    log_s = F.log_softmax(z, axis=1)
    F.nll_loss(log_s, np.array([1])).backward()
    assert finite(log_s.data, z.grad)
    np.testing.assert_allclose(log_s.data, [[0.0, -2 * BIG, -BIG]], rtol=1e-6)
    np.testing.assert_allclose(z.grad, [[1.0, -1.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_with_logits_at_huge_logits(dtype):
    z = leaf([BIG, -BIG, BIG, -BIG], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    loss.sum().backward()
    assert finite(loss.data, z.grad)
    np.testing.assert_allclose(loss.data, [0.0, 0.0, BIG, BIG], rtol=1e-6)
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 1.0, -1.0], atol=1e-6)  # σ(z) − y


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_at_probabilities_zero_and_one(dtype):
    p = leaf([0.0, 1.0, 0.0, 1.0, 0.5], dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    loss = F.binary_cross_entropy(p, y, reduction="none")
    loss.sum().backward()
    assert finite(loss.data, p.grad)
    # The logs are clamped at −100 (PyTorch): a confident wrong answer costs 100, not infinity.
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 100.0, 100.0, np.log(2)], rtol=1e-6)
    # ∂ℓ/∂p = (p − y) / max(p(1 − p), 1e-12): 0 where right, ±1e12 where confidently wrong.
    np.testing.assert_allclose(p.grad, [0.0, 0.0, -1e12, 1e12, -2.0], rtol=1e-5)
    # A target that requires a gradient: ∂ℓ/∂y = log(1 − p) − log p, clamped the same way.
    y_t = leaf([0.3, 0.7], dtype)
    F.binary_cross_entropy(dn.tensor(np.array([0.0, 1.0], dtype=dtype)), y_t).backward()
    assert finite(y_t.grad)
    np.testing.assert_allclose(y_t.grad, [50.0, -50.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_loss_module_after_a_saturated_sigmoid(dtype):
    z = leaf([BIG, -BIG], dtype)
    loss = losses.BCELoss()(z.sigmoid(), np.array([0.0, 1.0], dtype=dtype))
    loss.backward()
    assert finite(loss.data, z.grad)
    # σ(1e4) = 1 costs the clamped 100 for target 0; σ(−1e4) = 1/(1 + e^1e4) = 0 (the exponential
    # overflows, as in PyTorch), costing the clamped 100 for target 1 too.
    assert z.sigmoid().data[1] == 0
    expected = 100.0
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-5)


# -- regression losses at ±1e4 ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_log_cosh_loss_at_huge_errors(dtype):
    a = leaf([BIG, -BIG, 0.5], dtype)
    loss = losses.LogCoshLoss(reduction="none")(a, np.zeros(3, dtype))
    loss.sum().backward()
    assert finite(loss.data, a.grad)
    # log cosh d = |d| − log 2 for large |d|; the gradient is tanh d.
    np.testing.assert_allclose(loss.data, [BIG - np.log(2), BIG - np.log(2), np.log(np.cosh(0.5))], rtol=1e-6)
    np.testing.assert_allclose(a.grad, [1.0, -1.0, np.tanh(0.5)], rtol=1e-6)
    mean = losses.LogCoshLoss()(leaf([BIG, -BIG], dtype), np.zeros(2, dtype))
    assert np.isfinite(mean.item())


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("loss_cls", [losses.MSELoss, losses.L1Loss, losses.HuberLoss])
def test_other_regression_losses_at_huge_errors(dtype, loss_cls):
    a = leaf([BIG, -BIG], dtype)
    loss = loss_cls(reduction="sum")(a, np.zeros(2, dtype))
    loss.backward()
    assert finite(loss.data, a.grad)


# -- activations at ±1e4 ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_is_stable_at_huge_inputs(dtype):
    z = leaf([-BIG, -100.0, 0.0, 100.0, BIG], dtype)
    a = F.sigmoid(z)
    a.sum().backward()
    assert finite(a.data, z.grad)
    assert a.data[0] >= 0 and a.data[-1] == 1.0 and a.data[2] == 0.5
    np.testing.assert_allclose(a.data[1], np.exp(-100.0) if dtype == np.float64 else 0.0, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(z.grad, [0.0, a.data[1], 0.25, 0.0, 0.0], atol=1e-30, rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_softplus_is_stable_at_huge_inputs(dtype, beta):
    z = leaf([-BIG, -50.0, 0.0, 50.0, BIG], dtype)
    a = F.softplus(z, beta=beta)
    a.sum().backward()
    assert finite(a.data, z.grad)
    expected = np.logaddexp(0.0, beta * np.array([-BIG, -50.0, 0.0, 50.0, BIG])) / beta
    np.testing.assert_allclose(a.data, expected, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "fn",
    [F.tanh, F.silu, F.elu, F.relu, F.leaky_relu, lambda z: F.softmax(z, axis=0), lambda z: F.log_softmax(z, axis=0)],
    ids=["tanh", "silu", "elu", "relu", "leaky_relu", "softmax", "log_softmax"],
)
def test_other_activations_are_finite_at_huge_inputs(dtype, fn):
    z = leaf([-BIG, -1.0, 1.0, BIG], dtype)
    a = fn(z)
    (a * dn.tensor(np.array([1.0, 2.0, 3.0, 4.0], dtype))).sum().backward()
    assert a.dtype == z.grad.dtype == dtype
    assert finite(a.data, z.grad)


# -- integer tensors and Python scalars (the dtype policy) ------------------------------------------
def test_integer_tensors_with_float_scalars_are_not_truncated():
    ints = dn.tensor([1, 2, 3, 4])
    assert ints.mean().item() == 2.5
    np.testing.assert_array_equal((ints * 0.5).data, [0.5, 1.0, 1.5, 2.0])
    np.testing.assert_array_equal((ints / 2).data, [0.5, 1.0, 1.5, 2.0])
    assert (ints + 1).dtype == np.int64
    # Float tensors keep their dtype with Python scalars.
    assert (dn.tensor([1.0, 2.0]) * 0.5).dtype == np.float32
    # Integer images pooled globally are averaged, not truncated.
    images = dn.tensor(np.arange(8).reshape(1, 2, 2, 2))
    np.testing.assert_array_equal(F.global_avg_pool(images).data, [[1.5, 5.5]])


# -- float16 is refused, or converted exactly with a warning ---------------------------------------
HALF = np.ones((2, 4), np.float16)
REFUSED = r"float32 or float64, got float16"


def test_tensor_refuses_float16():
    with pytest.raises(ValueError, match=REFUSED + r"; convert first, e\.g\. x\.astype\(numpy\.float32\)"):
        dn.tensor(HALF)
    with pytest.raises(ValueError, match=REFUSED):
        dn.tensor([1.0, 2.0], dtype=np.float16)
    with pytest.raises(ValueError, match=REFUSED):
        dn.nn.Parameter(HALF)
    with pytest.raises(ValueError, match=REFUSED):
        dn.nn.Linear(4, 2, dtype=np.float16)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (lambda: dn.nn.Linear(4, 2), (2, 4)),
        (lambda: dn.nn.ReLU(), (2, 4)),
        (lambda: dn.nn.Conv2d(1, 2, 2), (1, 1, 3, 3)),
        (lambda: dn.nn.BatchNorm1d(4), (2, 4)),
        (lambda: dn.nn.Dropout(0.5), (2, 4)),
        (lambda: dn.nn.Flatten(), (2, 4)),
    ],
    ids=["Linear", "ReLU", "Conv2d", "BatchNorm1d", "Dropout", "Flatten"],
)
def test_layers_refuse_float16_and_name_themselves(layer, shape):
    module = layer()
    with pytest.raises(ValueError, match=rf"^{type(module).__name__}\(.*{REFUSED}"):
        module(np.ones(shape, np.float16))


@pytest.mark.parametrize(
    "loss", [losses.MSELoss(), losses.CrossEntropy(), losses.BCEWithLogitsLoss()], ids=lambda m: type(m).__name__
)
def test_losses_refuse_float16(loss):
    with pytest.raises(ValueError, match=r"cannot use input of type ndarray: deltanet computes in " + REFUSED):
        loss(np.zeros((2, 2), np.float16), np.zeros((2, 2)) if not isinstance(loss, losses.CrossEntropy) else [0, 1])
    with pytest.raises(ValueError, match=r"cannot use target of type ndarray: deltanet computes in " + REFUSED):
        loss(dn.tensor(np.zeros((2, 2))), np.full((2, 2), 0.5, np.float16))


def _model():
    dn.manual_seed(0)
    return dn.nn.Sequential(dn.nn.Linear(4, 3), dn.nn.ReLU(), dn.nn.Linear(3, 2))


def test_fit_evaluate_predict_convert_float16_exactly_with_a_warning():
    rng = np.random.default_rng(0)
    X16 = rng.standard_normal((16, 4)).astype(np.float16)
    y = rng.integers(0, 2, 16)
    models = []
    for X, warns in ((X16, True), (X16.astype(np.float32), False)):
        model = _model()
        opt = dn.optim.SGD(model.parameters(), lr=0.1)
        if warns:
            with pytest.warns(UserWarning, match=r"X has dtype float16.*converted to float32 \(exactly\)"):
                dn.fit(model, X, y, "cross_entropy", opt, epochs=2, batch_size=4, rng=1)
            with pytest.warns(UserWarning, match=r"X has dtype float16"):
                out = dn.predict(model, X)
            with pytest.warns(UserWarning, match=r"X has dtype float16"):
                scores = dn.evaluate(model, X, y, loss="cross_entropy")
        else:
            dn.fit(model, X, y, "cross_entropy", opt, epochs=2, batch_size=4, rng=1)
            out, scores = dn.predict(model, X), dn.evaluate(model, X, y, loss="cross_entropy")
        models.append((model, out, scores))
    (m16, out16, s16), (m32, out32, s32) = models
    for p16, p32 in zip(m16.parameters(), m32.parameters(), strict=True):
        np.testing.assert_array_equal(p16.data, p32.data)
    np.testing.assert_array_equal(out16, out32)
    assert out16.dtype == np.float32
    assert s16 == s32


# -- divergence reaches fit's NaN policy, whatever the loss ------------------------------------------
@pytest.mark.parametrize(
    "loss, head",
    [
        ("bce", [dn.nn.Sigmoid()]),
        ("bce_with_logits", []),
        ("mse", []),
        ("log_cosh", []),
        ("hinge", []),
    ],
)
def test_a_diverging_model_stops_with_the_epoch_and_step(loss, head):
    # A learning rate of 1e30 sends the weights to ±inf within a step or two; the outputs become
    # NaN, and every loss must pass the NaN on (BCE must not call it a misuse of probabilities),
    # so that fit stops with TrainingDivergedError naming where it happened.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3)) * 100
    y = (rng.random(64) > 0.5).astype(float)
    dn.manual_seed(0)
    model = dn.nn.Sequential(dn.nn.Linear(3, 16), dn.nn.ReLU(), dn.nn.Linear(16, 1), *head)
    with pytest.raises(dn.training.TrainingDivergedError, match=r"the loss became (nan|inf) at epoch 1/50, step \d+/8"):
        dn.fit(model, X, y, loss, dn.optim.SGD(model.parameters(), lr=1e30), epochs=50, batch_size=8, monitor=False)
    assert all(np.isfinite(p.data).all() for p in model.parameters())
