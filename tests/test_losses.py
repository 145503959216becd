"""Losses: forward against NumPy formulas, gradcheck in float64 for every reduction, deltas,
dtype, stability at ±1e4, the seeds' cats-and-dogs table, bad inputs and the loss modules."""

import numpy as np
import pytest

import deltanet as dn
import deltanet.functional as F
from deltanet import losses

REDUCTIONS = ["mean", "sum", "none"]


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _log_softmax(z, axis=1):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _reduce(terms, reduction, count=None):
    if reduction == "none":
        return terms
    if reduction == "sum":
        return terms.sum()
    return terms.sum() / (terms.size if count is None else count)


def _t(data, requires_grad=True):
    return dn.tensor(np.array(data, dtype=np.float64), requires_grad=requires_grad)


# -- elementwise losses: name -> (call, input kind, target kind, NumPy reference per element) -----
def _pos_weight(shape):
    return np.linspace(0.5, 3.0, shape[-1])


ELEMENTWISE = {
    "mse": (lambda a, y, r: F.mse_loss(a, y, reduction=r), "real", "real", lambda a, y: (a - y) ** 2),
    "l1": (lambda a, y, r: F.l1_loss(a, y, reduction=r), "real", "real", lambda a, y: np.abs(a - y)),
    "huber": (
        lambda a, y, r: F.huber_loss(a, y, reduction=r, delta=0.8),
        "real",
        "real",
        lambda a, y: np.where(np.abs(a - y) < 0.8, 0.5 * (a - y) ** 2, 0.8 * (np.abs(a - y) - 0.4)),
    ),
    "log_cosh": (
        lambda a, y, r: F.log_cosh_loss(a, y, reduction=r),
        "real",
        "real",
        lambda a, y: np.log(np.cosh(a - y)),
    ),
    "bce": (
        lambda a, y, r: F.binary_cross_entropy(a, y, reduction=r),
        "prob",
        "prob",
        lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
    ),
    "bce_with_logits": (
        lambda a, y, r: F.binary_cross_entropy_with_logits(a, y, reduction=r),
        "real",
        "prob",
        lambda z, y: -(y * np.log(_sig(z)) + (1 - y) * np.log(1 - _sig(z))),
    ),
    "bce_with_logits_pos_weight": (
        lambda a, y, r: F.binary_cross_entropy_with_logits(a, y, reduction=r, pos_weight=_pos_weight(a.shape)),
        "real",
        "prob",
        lambda z, y: -(_pos_weight(z.shape) * y * np.log(_sig(z)) + (1 - y) * np.log(1 - _sig(z))),
    ),
    "hinge": (
        lambda a, y, r: F.hinge_loss(a, y, reduction=r),
        "real",
        "sign",
        lambda f, t: np.maximum(0, 1 - t * f),
    ),
}


def _draw(rng, kind, shape):
    if kind == "real":
        return rng.standard_normal(shape) * 1.5
    if kind == "prob":
        return rng.uniform(0.05, 0.95, shape)
    return rng.choice([-1.0, 1.0], shape)


def _elementwise_inputs(rng, name, shape):
    _, a_kind, y_kind, _ = ELEMENTWISE[name]
    a = _t(_draw(rng, a_kind, shape))
    y = _t(_draw(rng, y_kind, shape), requires_grad=y_kind != "sign")
    return a, y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_forward_matches_numpy(rng, name, reduction):
    call, _, _, ref = ELEMENTWISE[name]
    a, y = _elementwise_inputs(rng, name, (4, 3))
    out = call(a, y, reduction)
    expected = _reduce(ref(a.array, y.array), reduction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 2), (1, 1)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradcheck(rng, name, reduction, shape):
    call, _, _, _ = ELEMENTWISE[name]
    a, y = _elementwise_inputs(rng, name, shape)
    assert dn.gradcheck(lambda a_, y_: call(a_, y_, reduction), [a, y])


def test_hinge_accepts_zero_one_labels(rng):
    f = _t(rng.standard_normal(6))
    t01 = np.array([0, 1, 1, 0, 1, 0])
    a = F.hinge_loss(f, t01, reduction="none")
    b = F.hinge_loss(f.detach(), 2.0 * t01 - 1, reduction="none")
    np.testing.assert_array_equal(a.array, b.array)
    a.sum().backward()
    np.testing.assert_array_equal(f.grad, np.where(1 - (2 * t01 - 1) * f.array > 0, -(2 * t01 - 1), 0))


# -- class losses ---------------------------------------------------------------------------------
def _ce_reference(z, y, reduction, eps=0.0, weight=None, ignore_index=-100):
    """Cross-entropy with PyTorch's semantics, written with explicit loops over samples."""
    log_s = _log_softmax(z)
    classes = z.shape[1]
    w = np.ones(classes) if weight is None else weight
    log_s = np.moveaxis(log_s, 1, -1).reshape(-1, classes)  # one row per sample and position
    if y.shape == z.shape:
        t = np.moveaxis(y, 1, -1).reshape(-1, classes) * (1 - eps) + eps / classes
        terms = np.array([-(w * t_n * l_n).sum() for t_n, l_n in zip(t, log_s, strict=True)])
        count = terms.size
    else:
        labels = y.reshape(-1)
        terms, count = [], 0.0
        for l_n, k in zip(log_s, labels, strict=True):
            if k == ignore_index:
                terms.append(0.0)
                continue
            terms.append(-(1 - eps) * w[k] * l_n[k] - eps / classes * (w * l_n).sum())
            count += w[k]
        terms = np.array(terms)
    return _reduce(terms.reshape(z.shape[:1] + z.shape[2:]), reduction, count)


CE_CASES = {
    "indices": dict(shape=(5, 4), kind="indices"),
    "probabilities": dict(shape=(5, 4), kind="probs"),
    "nd_indices": dict(shape=(2, 3, 2, 2), kind="indices"),
    "nd_probabilities": dict(shape=(2, 3, 2), kind="probs"),
    "smoothing": dict(shape=(5, 4), kind="indices", label_smoothing=0.2),
    "smoothing_probabilities": dict(shape=(5, 4), kind="probs", label_smoothing=0.2),
    "weight_ignore": dict(shape=(6, 3), kind="indices", weight=True, ignore=True),
    "weight_smoothing_nd": dict(shape=(2, 3, 2), kind="indices", weight=True, label_smoothing=0.1),
    "weight_probabilities": dict(shape=(5, 4), kind="probs", weight=True),
}


def _ce_inputs(rng, case):
    shape = case["shape"]
    z = _t(rng.standard_normal(shape) * 2)
    classes = shape[1]
    if case["kind"] == "indices":
        y = rng.integers(0, classes, shape[:1] + shape[2:])
        if case.get("ignore"):
            y.reshape(-1)[1] = -100
        target = dn.tensor(y)
    else:
        p = rng.dirichlet(np.ones(classes), size=shape[:1] + shape[2:])  # classes last
        target = _t(np.moveaxis(p, -1, 1))
    options = dict(label_smoothing=case.get("label_smoothing", 0.0))
    if case.get("weight"):
        options["weight"] = rng.uniform(0.5, 2.0, classes)
    return z, target, options


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_forward_and_gradcheck(rng, case, reduction):
    z, y, options = _ce_inputs(rng, CE_CASES[case])
    out = F.cross_entropy(z, y, reduction=reduction, **options)
    expected = _ce_reference(z.array, y.array, reduction, options["label_smoothing"], options.get("weight"))
    np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-14)
    assert dn.gradcheck(lambda z_, y_: F.cross_entropy(z_, y_, reduction=reduction, **options), [z, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_equals_cross_entropy_of_log_softmax(rng, reduction):
    z = _t(rng.standard_normal((4, 3, 2)))
    y = rng.integers(0, 3, (4, 2))
    y[0, 0] = -100
    w = rng.uniform(0.5, 2.0, 3)
    nll = F.nll_loss(F.log_softmax(z, axis=1), y, reduction=reduction, weight=w)
    ce = F.cross_entropy(z.detach(), y, reduction=reduction, weight=w)
    np.testing.assert_allclose(nll.array, ce.array, rtol=1e-12)
    x = _t(rng.standard_normal((4, 3, 2)))
    assert dn.gradcheck(lambda x_: F.nll_loss(x_, y, reduction=reduction, weight=w), [x])


def _multi_margin_reference(x, y, p, margin, weight, reduction):
    n, classes = x.shape
    terms = np.zeros(n)
    for i in range(n):
        for j in range(classes):
            if j != y[i]:
                terms[i] += max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
        terms[i] *= (1.0 if weight is None else weight[y[i]]) / classes
    return _reduce(terms, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, margin, weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.5, True), (2, 2.0, True)])
def test_multi_margin_forward_and_gradcheck(rng, p, margin, weighted, reduction):
    x = _t(rng.standard_normal((6, 4)))
    y = rng.integers(0, 4, 6)
    w = rng.uniform(0.5, 2.0, 4) if weighted else None
    out = F.multi_margin_loss(x, y, p=p, margin=margin, weight=w, reduction=reduction)
    np.testing.assert_allclose(out.array, _multi_margin_reference(x.array, y, p, margin, w, reduction), rtol=1e-12)
    assert dn.gradcheck(lambda x_: F.multi_margin_loss(x_, y, p=p, margin=margin, weight=w, reduction=reduction), [x])


# -- the deltas of the canonical pairs ------------------------------------------------------------
def test_softmax_cross_entropy_delta_is_softmax_minus_y(rng):
    z = _t(rng.standard_normal((5, 3)))
    y = rng.integers(0, 3, 5)
    F.cross_entropy(z, y, reduction="sum").backward()
    s = np.exp(_log_softmax(z.array))
    np.testing.assert_allclose(z.grad, s - np.eye(3)[y], atol=1e-15)
    z.grad = None
    F.cross_entropy(z, y).backward()  # mean: divided by N
    np.testing.assert_allclose(z.grad, (s - np.eye(3)[y]) / 5, atol=1e-15)


def test_sigmoid_bce_delta_is_sigmoid_minus_y(rng):
    z = _t(rng.standard_normal(6))
    y = rng.uniform(0, 1, 6)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    np.testing.assert_allclose(z.grad, _sig(z.array) - y, atol=1e-15)
    z2 = _t(z.array)
    F.binary_cross_entropy(F.sigmoid(z2), y, reduction="sum").backward()  # the unfused chain
    np.testing.assert_allclose(z2.grad, _sig(z.array) - y, atol=1e-12)


def test_mse_delta_and_the_seeds_half_squared_error(rng):
    a = _t(rng.standard_normal((4, 2)))
    y = rng.standard_normal((4, 2))
    F.mse_loss(a, y).backward()
    np.testing.assert_allclose(a.grad, 2 * (a.array - y) / 8, atol=1e-15)
    a.grad = None
    (0.5 * F.mse_loss(a, y, reduction="sum")).backward()  # seeds: L = ½(y − ŷ)², δ = ŷ − y
    np.testing.assert_allclose(a.grad, a.array - y, atol=1e-15)
    z = _t(rng.standard_normal(5))
    t = rng.uniform(0, 1, 5)
    (0.5 * F.mse_loss(F.sigmoid(z), t, reduction="sum")).backward()  # seeds: sigmoid + MSE
    s = _sig(z.array)
    np.testing.assert_allclose(z.grad, (s - t) * s * (1 - s), atol=1e-15)


# -- dtype, layout, empty batches -----------------------------------------------------------------
def _float32_cases(rng):
    z = rng.standard_normal((4, 3)).astype(np.float32)
    p = rng.uniform(0.1, 0.9, (4, 3)).astype(np.float32)
    y_real = rng.standard_normal((4, 3))  # float64 targets: used in the input's dtype
    y_prob = rng.uniform(0, 1, (4, 3))
    labels = rng.integers(0, 3, 4)
    return {
        "mse": (F.mse_loss, z, y_real),
        "l1": (F.l1_loss, z, y_real),
        "huber": (F.huber_loss, z, y_real),
        "log_cosh": (F.log_cosh_loss, z, y_real),
        "bce": (F.binary_cross_entropy, p, y_prob),
        "bce_with_logits": (F.binary_cross_entropy_with_logits, z, y_prob),
        "bce_with_logits_pos_weight": (
            lambda a, b, **k: F.binary_cross_entropy_with_logits(a, b, pos_weight=np.ones(3), **k),
            z,
            y_prob,
        ),
        "hinge": (F.hinge_loss, z, np.sign(y_real)),
        "cross_entropy_indices": (
            lambda a, b, **k: F.cross_entropy(a, b, weight=np.ones(3), label_smoothing=0.1, **k),
            z,
            labels,
        ),
        "cross_entropy_probabilities": (F.cross_entropy, z, y_prob / y_prob.sum(1, keepdims=True)),
        "nll": (F.nll_loss, z, labels),
        "multi_margin": (F.multi_margin_loss, z, labels),
    }


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name",
    [
        "mse",
        "l1",
        "huber",
        "log_cosh",
        "bce",
        "bce_with_logits",
        "bce_with_logits_pos_weight",
        "hinge",
        "cross_entropy_indices",
        "cross_entropy_probabilities",
        "nll",
        "multi_margin",
    ],
)
def test_float32_kept(rng, name, reduction):
    fn, a, y = _float32_cases(rng)[name]
    x = dn.tensor(a, requires_grad=True)
    out = fn(x, y, reduction=reduction)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    # and the float64 computation agrees to float32 precision
    ref = fn(dn.tensor(a.astype(np.float64)), y, reduction=reduction)
    np.testing.assert_allclose(out.array, ref.array, rtol=1e-5, atol=1e-6)


def test_float32_target_gradient_kept(rng):
    a = dn.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    y = dn.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    F.mse_loss(a, y).backward()
    assert y.grad.dtype == np.float32
    np.testing.assert_allclose(y.grad, -a.grad)


def test_non_contiguous_input_gives_same_result(rng):
    z = rng.standard_normal((3, 5))
    y = rng.integers(0, 3, 5)
    strided = dn.tensor(z.T)  # (5, 3), Fortran-ordered view
    assert not strided.array.flags.c_contiguous
    np.testing.assert_allclose(
        F.cross_entropy(strided, y).array, F.cross_entropy(dn.tensor(np.ascontiguousarray(z.T)), y).array, rtol=1e-15
    )
    a = rng.standard_normal((4, 6))[:, ::2]
    b = rng.standard_normal((4, 3))
    np.testing.assert_allclose(F.mse_loss(dn.tensor(a), b).array, np.mean((a - b) ** 2), rtol=1e-14)


def test_empty_batch_sums_to_zero():
    z = _t(np.zeros((0, 3)))
    out = F.cross_entropy(z, np.zeros(0, dtype=np.int64), reduction="sum")
    assert out.item() == 0.0
    out.backward()
    assert z.grad.shape == (0, 3)
    assert np.isnan(F.mse_loss(_t(np.zeros(0)), np.zeros(0)).item())  # mean of nothing, as PyTorch


# -- stability ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_stable_at_1e4(dtype):
    z = dn.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    loss = F.cross_entropy(z, [1, 0], reduction="none")
    np.testing.assert_allclose(loss.array, [2e4, 2e4 + np.log(2)], rtol=1e-7)
    loss.sum().backward()
    assert np.isfinite(z.grad).all()
    np.testing.assert_allclose(z.grad, [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-6)
    probs = dn.tensor(np.array([[1e4, -1e4]], dtype=dtype), requires_grad=True)
    F.cross_entropy(probs, np.array([[0.5, 0.5]])).backward()
    assert np.isfinite(probs.grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_zero_and_one(dtype):
    p = dn.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.array, [0, 0, 100, 100])  # logs clamped at −100, as PyTorch
    loss.sum().backward()
    assert np.isfinite(p.grad).all()
    assert p.grad.array[2] < 0 < p.grad.array[3]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_stable_at_1e4(dtype):
    z = dn.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none", pos_weight=np.array([2.0]))
    np.testing.assert_allclose(loss.array, [0, 0, 1e4, 2e4])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [0, 0, 1, -2], atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_cosh_stable_at_1e4(dtype):
    a = dn.tensor(np.array([1e4, -1e4, 0.0], dtype=dtype), requires_grad=True)
    loss = F.log_cosh_loss(a, np.zeros(3), reduction="none")
    np.testing.assert_allclose(loss.array, [1e4 - np.log(2), 1e4 - np.log(2), 0], rtol=1e-7)
    loss.sum().backward()
    np.testing.assert_allclose(a.grad, [1, -1, 0])


# -- the seeds' cats-and-dogs table ([de Back 2018]) ---------------------------------------------------
NN1 = np.array([[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]])
NN2 = np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]])
DOG_CAT_DOG = np.array([0, 1, 0])  # columns: dog, cat
ONE_HOT = np.eye(2)[DOG_CAT_DOG]


@pytest.mark.parametrize("p, ce, mse", [(NN1, 0.38, 0.25), (NN2, 1.06, 0.71)])
def test_cats_and_dogs_table(p, ce, mse):
    # cross-entropy: mean over rows of −Σ y log p. The probabilities sum to 1, so log p are
    # logits whose softmax is p itself.
    assert round(F.cross_entropy(dn.tensor(np.log(p)), DOG_CAT_DOG).item(), 2) == ce
    assert round(F.cross_entropy(dn.tensor(np.log(p)), ONE_HOT).item(), 2) == ce
    assert round(F.cross_entropy(dn.tensor(np.log(p)), ONE_HOT.astype(int)).item(), 2) == ce
    assert round(losses.NLLLoss()(dn.tensor(np.log(p)), DOG_CAT_DOG).item(), 2) == ce
    # MSE in the table: summed over the classes, averaged over the rows ...
    assert round(F.mse_loss(dn.tensor(p), ONE_HOT, reduction="sum").item() / 3, 2) == mse
    # ... which is twice our (PyTorch's) MSELoss, the mean over all 6 elements
    np.testing.assert_allclose(
        2 * losses.MSELoss()(dn.tensor(p), ONE_HOT).item(),
        F.mse_loss(dn.tensor(p), ONE_HOT, reduction="sum").item() / 3,
        rtol=1e-15,
    )
    # both networks have classification error 1/3: the metric cannot tell them apart
    assert np.mean(p.argmax(1) != DOG_CAT_DOG) == pytest.approx(1 / 3)


# -- bad inputs -----------------------------------------------------------------------------------
def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(4, 1\) and target shape \(4,\) must match"):
        F.mse_loss(dn.tensor(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy_with_logits: input shape \(3,\) and target shape \(2,\)"
    ):
        F.binary_cross_entropy_with_logits(dn.tensor(np.zeros(3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"class indices of shape \(4,\), got shape \(4, 1\)"):
        F.cross_entropy(dn.tensor(np.zeros((4, 3))), np.zeros((4, 1), dtype=int))


def test_class_index_out_of_range_says_range_and_value():
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 3\) for 3 classes, got 3"):
        F.cross_entropy(dn.tensor(np.zeros((2, 3))), [0, 3])
    with pytest.raises(ValueError, match=r"must be in \[0, 3\) for 3 classes, got -1"):
        F.nll_loss(dn.tensor(np.zeros((2, 3))), [-1, 0])
    with pytest.raises(ValueError, match=r"multi_margin_loss: class indices must be in \[0, 2\)"):
        F.multi_margin_loss(dn.tensor(np.zeros((1, 2))), [5])
    # ignore_index is the one value outside the range that is allowed
    assert F.cross_entropy(dn.tensor(np.zeros((2, 3))), [-100, 1]).item() == pytest.approx(np.log(3))


def test_non_integer_class_labels_refused():
    with pytest.raises(ValueError, match=r"class indices must be integers, got the non-integer value 0.5"):
        F.cross_entropy(dn.tensor(np.zeros((2, 3))), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: cannot use target of type ndarray: .* got dtype <U1"):
        F.cross_entropy(dn.tensor(np.zeros((2, 3))), np.array(["a", "b"]))
    # whole-number floats (labels read from a CSV) are fine
    assert F.cross_entropy(dn.tensor(np.zeros((2, 3))), np.array([0.0, 2.0])).item() == pytest.approx(np.log(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_targets_refused(bad):
    y = np.array([0.0, bad, 1.0])
    for fn in (F.mse_loss, F.l1_loss, F.huber_loss, F.log_cosh_loss, F.hinge_loss):
        with pytest.raises(ValueError, match=r"target contains NaN or Inf \(1 of 3 values\)"):
            fn(dn.tensor(np.zeros(3)), y)
    with pytest.raises(ValueError, match=r"cross_entropy: target contains NaN or Inf"):
        F.cross_entropy(dn.tensor(np.zeros((3, 2))), y)
    with pytest.raises(ValueError, match=r"cross_entropy: target contains NaN or Inf"):
        F.cross_entropy(dn.tensor(np.zeros((1, 3))), y[None])


def test_wrong_rank_refused():
    with pytest.raises(ValueError, match=r"cross_entropy expects logits of shape \(N, C\) .* got shape \(3,\)"):
        F.cross_entropy(dn.tensor(np.zeros(3)), [1, 0])  # one sample (C,) takes a class index of shape ()
    with pytest.raises(ValueError, match=r"nll_loss expects log-probabilities .* got shape \(3,\)"):
        F.nll_loss(dn.tensor(np.zeros(3)), [1])
    with pytest.raises(ValueError, match=r"multi_margin_loss expects scores of shape \(N, C\), got shape \(2, 3, 4\)"):
        F.multi_margin_loss(dn.tensor(np.zeros((2, 3, 4))), np.zeros((2, 4), dtype=int))


def test_bce_probabilities_outside_unit_interval_refused():
    with pytest.raises(ValueError, match=r"input probabilities must be in \[0, 1\], got values from -0.1 to 1.5"):
        F.binary_cross_entropy(dn.tensor(np.array([-0.1, 0.5, 1.5])), np.zeros(3))
    # A NaN prediction is not a misuse but a diverged model: it gives a NaN loss, which fit's NaN
    # policy reports with the epoch and step (tests/reliability/test_numerics.py).
    assert np.isnan(F.binary_cross_entropy(dn.tensor(np.array([np.nan, 0.5])), np.zeros(2)).item())
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target must be in \[0, 1\], got values from 2 to 2"):
        F.binary_cross_entropy(dn.tensor(np.array([0.5])), np.array([2.0]))
    with pytest.raises(ValueError, match=r"with_logits: target must be in \[0, 1\], got values from -1 to -1"):
        F.binary_cross_entropy_with_logits(dn.tensor(np.array([0.5, 0.1])), np.array([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: probability targets must be in \[0, 1\]"):
        F.cross_entropy(dn.tensor(np.zeros((1, 2))), np.array([[-1.0, 2.0]]))


def test_other_bad_arguments_refused():
    z = dn.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(z, np.zeros((2, 3)), reduction="avg")
    with pytest.raises(ValueError, match=r"cross_entropy: reduction must be .* got None"):
        F.cross_entropy(z, [0, 1], reduction=None)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(z, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have one value per class, shape \(3,\), got shape \(2,\)"):
        F.cross_entropy(z, [0, 1], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"huber_loss: delta must be a positive finite number, got 0"):
        F.huber_loss(z, np.zeros((2, 3)), delta=0)
    with pytest.raises(ValueError, match=r"p must be 1 or 2, got 3"):
        F.multi_margin_loss(z, [0, 1], p=3)
    with pytest.raises(ValueError, match=r"hinge_loss: labels must be -1 or \+1 \(or 0 and 1\), got 2.0"):
        F.hinge_loss(dn.tensor(np.zeros(2)), np.array([1.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"pos_weight of shape \(2,\) does not broadcast to the input's shape \(2, 3\)"
    ):
        F.binary_cross_entropy_with_logits(z, np.zeros((2, 3)), pos_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"l1_loss: input must be floating-point .* got dtype int64"):
        F.l1_loss(dn.tensor([1, 2]), [1, 2])


# -- loss modules ---------------------------------------------------------------------------------
MODULE_CALLS = [
    (losses.MSELoss(), F.mse_loss, "real"),
    (losses.L1Loss(), F.l1_loss, "real"),
    (losses.HuberLoss(delta=0.5), lambda a, y: F.huber_loss(a, y, delta=0.5), "real"),
    (losses.LogCoshLoss(), F.log_cosh_loss, "real"),
    (losses.CrossEntropy(label_smoothing=0.1), lambda a, y: F.cross_entropy(a, y, label_smoothing=0.1), "labels"),
    (losses.NLLLoss(), F.nll_loss, "labels"),
    (losses.BCELoss(), F.binary_cross_entropy, "prob_input"),
    (
        losses.BCEWithLogitsLoss(pos_weight=[1.0, 2.0, 3.0]),
        lambda a, y: F.binary_cross_entropy_with_logits(a, y, pos_weight=[1.0, 2.0, 3.0]),
        "prob",
    ),
    (losses.HingeLoss(), F.hinge_loss, "sign"),
    (losses.MultiMarginLoss(p=2, margin=0.5), lambda a, y: F.multi_margin_loss(a, y, p=2, margin=0.5), "labels"),
]


@pytest.mark.parametrize("module, fn, kind", MODULE_CALLS, ids=lambda v: type(v).__name__)
def test_modules_call_their_function_with_array_or_tensor_targets(rng, module, fn, kind):
    a = rng.uniform(0.1, 0.9, (4, 3)) if kind == "prob_input" else rng.standard_normal((4, 3))
    y = {
        "real": rng.standard_normal((4, 3)),
        "labels": rng.integers(0, 3, 4),
        "prob_input": rng.uniform(0, 1, (4, 3)),
        "prob": rng.uniform(0, 1, (4, 3)),
        "sign": rng.choice([-1.0, 1.0], (4, 3)),
    }[kind]
    expected = fn(dn.tensor(a), dn.tensor(y)).item()
    assert module(dn.tensor(a), y).item() == expected
    assert module(dn.tensor(a), dn.tensor(y)).item() == expected
    x32 = dn.tensor(a.astype(np.float32), requires_grad=True)
    out = module(x32, y)  # float64 array target, float32 input: float32 throughout
    out.backward()
    assert out.dtype == np.float32 and x32.grad.dtype == np.float32


def test_module_reprs():
    assert repr(losses.CrossEntropy()) == "CrossEntropyLoss(reduction='mean')"
    assert (
        repr(losses.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss(reduction='mean', label_smoothing=0.1)"
    )
    assert repr(losses.HuberLoss(delta=2)) == "HuberLoss(delta=2.0, reduction='mean')"
    assert repr(losses.MultiMarginLoss()) == "MultiMarginLoss(p=1, margin=1.0, reduction='mean')"
    assert repr(losses.MSELoss(reduction="none")) == "MSELoss(reduction='none')"
    assert losses.MAELoss is losses.L1Loss and losses.CrossEntropyLoss is losses.CrossEntropy


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: losses.MSELoss(reduction="average"),
            r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'average'",
        ),
        (lambda: losses.CrossEntropy(reduction=1), r"CrossEntropyLoss: reduction must be .* got 1"),
        (lambda: losses.HuberLoss(delta=-1.0), r"HuberLoss: delta must be a positive finite number, got -1.0"),
        (
            lambda: losses.CrossEntropy(label_smoothing=-0.1),
            r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got -0.1",
        ),
        (lambda: losses.CrossEntropy(ignore_index=1.5), r"CrossEntropyLoss: ignore_index must be an integer, got 1.5"),
        (lambda: losses.MultiMarginLoss(p=0), r"MultiMarginLoss: p must be 1 or 2, got 0"),
        (
            lambda: losses.MultiMarginLoss(margin=float("nan")),
            r"MultiMarginLoss: margin must be a finite number, got nan",
        ),
        (lambda: losses.BCEWithLogitsLoss(pos_weight=[1.0, np.inf]), r"BCEWithLogitsLoss: pos_weight must be a finite"),
        (lambda: losses.NLLLoss(weight=np.ones((2, 2))), r"NLLLoss: weight must be a finite number or a 1-D array"),
    ],
)
def test_module_hyperparameters_validated_in_init(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_get_resolves_names_modules_and_callables():
    assert isinstance(losses.get("mse"), losses.MSELoss)
    assert isinstance(losses.get("cross_entropy"), losses.CrossEntropy)
    assert isinstance(losses.get("CrossEntropy"), losses.CrossEntropy)
    assert isinstance(losses.get("bce_with_logits"), losses.BCEWithLogitsLoss)
    assert isinstance(losses.get("binary-cross-entropy"), losses.BCELoss)
    assert isinstance(losses.get("MAE"), losses.L1Loss)
    assert isinstance(losses.get("log_cosh"), losses.LogCoshLoss)
    assert isinstance(losses.get("hinge"), losses.HingeLoss)
    assert isinstance(losses.get(losses.HuberLoss), losses.HuberLoss)
    module = losses.HuberLoss(delta=3.0)
    assert losses.get(module) is module
    assert losses.get(F.mse_loss) is F.mse_loss
    assert dn.losses is losses


def test_get_refuses_unknown_names_and_metrics():
    with pytest.raises(ValueError, match=r"unknown loss 'msee'; known names: .*mse"):
        losses.get("msee")
    with pytest.raises(ValueError, match=r"'accuracy' is a metric, not a loss: its gradient is zero almost everywhere"):
        losses.get("accuracy")
    with pytest.raises(ValueError, match=r"a loss must be a name, a loss module or a callable .* got int 3"):
        losses.get(3)


def test_accuracy_has_zero_gradient_almost_everywhere(rng):
    """Why accuracy is not a loss: nudging the logits changes cross-entropy but not the error."""
    z = rng.standard_normal((8, 3))
    y = rng.integers(0, 3, 8)

    def error(logits):
        return np.mean(logits.argmax(1) != y)

    nudge = 1e-6 * rng.standard_normal(z.shape)
    assert error(z + nudge) == error(z)
    ce = F.cross_entropy(dn.tensor(z), y).item()
    assert F.cross_entropy(dn.tensor(z + nudge), y).item() != ce


def test_ignore_index_with_probability_targets_is_refused_as_in_pytorch():
    """PyTorch raises; ignoring the argument would have kept the samples meant to be left out."""
    z, y = dn.tensor([[1.0, 2.0, 0.5]]), dn.tensor([[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match=r"cross_entropy: ignore_index applies to class-index targets, got ignore_"):
        F.cross_entropy(z, y, ignore_index=1)
    with pytest.raises(ValueError, match=r"ignore_index=255 with probability targets"):
        losses.CrossEntropyLoss(ignore_index=255)(z, y)
    assert np.isfinite(F.cross_entropy(z, y, ignore_index=-100).item())  # the default is fine


def test_one_unbatched_sample_is_a_batch_of_one_as_in_pytorch():
    z = dn.tensor([[1.0, 2.0, 0.5]], dtype=dn.float64)
    probabilities = dn.tensor([[0.2, 0.3, 0.5]], dtype=dn.float64)
    for target, batched in ((dn.tensor(1), dn.tensor([1])), (probabilities[0], probabilities)):
        for options in ({}, {"reduction": "none", "label_smoothing": 0.1}, {"weight": [1.0, 2.0, 3.0]}):
            single = F.cross_entropy(z[0], target, **options)
            assert single.shape == ()
            np.testing.assert_allclose(single.item(), F.cross_entropy(z, batched, **options).sum().item())
    assert F.nll_loss(z[0], dn.tensor(2), reduction="none").shape == ()
    x = dn.tensor([1.0, 2.0, 0.5], dtype=dn.float64, requires_grad=True)
    F.cross_entropy(x, dn.tensor(0)).backward()
    np.testing.assert_allclose(x.grad.numpy(), dn.softmax(x, 0).detach().numpy() - [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"cross_entropy expects logits of shape \(N, C\)"):
        F.cross_entropy(z[0], dn.tensor([0, 1]))


def test_one_unbatched_sample_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    z, p, w = rng.standard_normal(5), rng.dirichlet(np.ones(5)), rng.uniform(0.5, 2, 5)
    for target in (3, p):
        for options in ({}, {"reduction": "none"}, {"reduction": "sum", "label_smoothing": 0.2}):
            ours = dn.tensor(z, requires_grad=True)
            theirs = torch.tensor(z, requires_grad=True)
            a = F.cross_entropy(ours, dn.tensor(target), weight=w, **options)
            b = torch.nn.functional.cross_entropy(theirs, torch.tensor(target), weight=torch.tensor(w), **options)
            assert a.shape == tuple(b.shape) == ()
            a.backward()
            b.backward()
            np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    b = torch.nn.functional.nll_loss(torch.tensor(z), torch.tensor(3), weight=torch.tensor(w))
    np.testing.assert_allclose(F.nll_loss(dn.tensor(z), dn.tensor(3), weight=w).item(), b.item(), rtol=1e-12)
