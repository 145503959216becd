"""Segmentation losses and metrics: the soft Dice loss and the generalized Wasserstein Dice loss
against NumPy loop references and hand-worked values, gradcheck in float64, the reduction to known
forms, bad inputs; the Dice score and IoU metrics against hand-worked values and scikit-learn."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F
from deltanet import losses, metrics


# -- NumPy references, written pixel by pixel from the formulas -----------------------------------
def _softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ref_dice(z, target, smooth=1.0, from_logits=True, include_background=True, batch=False):
    """1 − (2 Σ p g + s)/(Σ p + Σ g + s) per image and class (or per class over the batch)."""
    z = np.asarray(z, dtype=np.float64)
    n, c = z.shape[:2]
    if from_logits:
        p = 1 / (1 + np.exp(-z)) if c == 1 else _softmax(z)
    else:
        p = z
    target = np.asarray(target)
    if target.shape == z.shape:
        g = target.astype(np.float64)
    elif c == 1:
        g = target[:, None].astype(np.float64)
    else:
        g = np.zeros_like(p)
        for k in range(c):
            g[:, k] = target == k
    classes = range(0 if include_background else 1, c)
    if batch:
        out = []
        for k in classes:
            inter = sum((p[i, k] * g[i, k]).sum() for i in range(n))
            size = sum(p[i, k].sum() + g[i, k].sum() for i in range(n))
            out.append(1 - (2 * inter + smooth) / (size + smooth))
        return np.array(out)
    out = np.zeros((n, len(classes)))
    for i in range(n):
        for j, k in enumerate(classes):
            inter = (p[i, k] * g[i, k]).sum()
            out[i, j] = 1 - (2 * inter + smooth) / (p[i, k].sum() + g[i, k].sum() + smooth)
    return out


def ref_wasserstein(z, labels, M, smooth=1e-5, from_logits=True, background=0):
    """1 − (2TP + s)/(2TP + Σ W + s) per image, W_i = Σ_k M[g_i, k] p_ik, TP = Σ α_{g_i}(1 − W_i)."""
    M = np.asarray(M, dtype=np.float64)
    M = M / M.max()
    p = _softmax(np.asarray(z, dtype=np.float64)) if from_logits else np.asarray(z, np.float64)
    n, c = p.shape[:2]
    p = p.reshape(n, c, -1)
    labels = np.asarray(labels).reshape(n, -1)
    out = np.zeros(n)
    for i in range(n):
        tp = errors = 0.0
        for v in range(labels.shape[1]):
            g = labels[i, v]
            w = sum(M[g, k] * p[i, k, v] for k in range(c))
            tp += M[background, g] * (1 - w)
            errors += w
        out[i] = 1 - (2 * tp + smooth) / (2 * tp + errors + smooth)
    return out


def _labels(rng, shape, classes):
    return rng.integers(0, classes, shape)


# -- soft Dice: forward --------------------------------------------------------------------------
DICE_CASES = {
    "binary_2d_logits": ((2, 1, 4, 5), {}),
    "binary_1d": ((3, 1, 7), dict(smooth=0.5)),
    "binary_3d": ((2, 1, 3, 3, 4), {}),
    "multi_2d": ((2, 3, 4, 4), {}),
    "multi_3d": ((2, 2, 3, 4, 3), dict(smooth=0.1)),
    "multi_no_background": ((2, 4, 3, 5), dict(include_background=False)),
    "multi_batch": ((3, 3, 4, 4), dict(batch=True)),
    "binary_batch_3d": ((2, 1, 3, 3, 3), dict(batch=True, smooth=2.0)),
}


@pytest.mark.parametrize("case", DICE_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_dice_forward_matches_numpy(case, reduction, rng):
    shape, options = DICE_CASES[case]
    z = rng.standard_normal(shape)
    y = _labels(rng, shape[:1] + shape[2:], max(shape[1], 2))
    expected = ref_dice(z, y, **options)
    out = F.dice_loss(dn.tensor(z), y, reduction=reduction, **options)
    reduced = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    np.testing.assert_allclose(out.data, reduced, rtol=1e-12, atol=1e-14)


def test_dice_probability_input_and_one_hot_target_match_label_map(rng):
    p = _softmax(rng.standard_normal((2, 3, 5, 4)))
    y = _labels(rng, (2, 5, 4), 3)
    one_hot = np.stack([(y == k) for k in range(3)], axis=1).astype(np.float64)
    a = F.dice_loss(dn.tensor(p), y, from_logits=False).item()
    b = F.dice_loss(dn.tensor(p), one_hot, from_logits=False).item()
    assert a == pytest.approx(b, abs=1e-15)
    assert a == pytest.approx(ref_dice(p, y, from_logits=False).mean(), abs=1e-14)


def test_dice_soft_targets_match_numpy(rng):
    z = rng.standard_normal((2, 1, 6, 6))
    g = rng.uniform(0, 1, (2, 1, 6, 6))
    assert F.dice_loss(dn.tensor(z), g).item() == pytest.approx(ref_dice(z, g).mean(), abs=1e-14)


def test_dice_hand_worked_values():
    # p = (0.9, 0.8, 0.1, 0), g = (1, 1, 0, 0): 2|P∩G| = 3.4, |P| + |G| = 3.8.
    p = dn.tensor(np.array([[[0.9, 0.8, 0.1, 0.0]]]))
    g = np.array([[1, 1, 0, 0]])
    assert F.dice_loss(p, g, smooth=0.0, from_logits=False).item() == pytest.approx(1 - 3.4 / 3.8)
    # with s = 1: 1 − 4.4/4.8
    assert F.dice_loss(p, g, from_logits=False).item() == pytest.approx(1 - 4.4 / 4.8)
    # Perfect prediction: loss 0; an empty image predicted empty: D = s/s = 1, loss 0.
    perfect = dn.tensor(np.array([[[1.0, 1.0, 0.0, 0.0]]]))
    assert F.dice_loss(perfect, g, smooth=0.0, from_logits=False).item() == 0.0
    empty = dn.tensor(np.zeros((1, 1, 4)))
    assert F.dice_loss(empty, np.zeros((1, 4), int), from_logits=False).item() == 0.0
    # Two classes, two images of two pixels, hard probabilities: image 0 right, image 1 swapped.
    probs = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])  # (N=2, C=2, L=2)
    labels = np.array([[0, 1], [0, 1]])
    none = F.dice_loss(dn.tensor(probs), labels, smooth=0.0, from_logits=False, reduction="none")
    np.testing.assert_array_equal(none.data, [[0.0, 0.0], [1.0, 1.0]])
    pooled = F.dice_loss(dn.tensor(probs), labels, smooth=0.0, from_logits=False, batch=True, reduction="none")
    np.testing.assert_array_equal(pooled.data, [0.5, 0.5])  # per class: 2·1/(2 + 2)


def test_dice_keeps_float32_and_accepts_strided_input(rng):
    z = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    y = _labels(rng, (2, 6, 6), 3)
    out = F.dice_loss(dn.tensor(z), y)
    assert out.dtype == np.float32
    strided = np.asfortranarray(z)  # same values, another memory order
    assert F.dice_loss(dn.tensor(strided), y).item() == out.item()
    assert out.item() == pytest.approx(ref_dice(z, y).mean(), rel=1e-5)


def test_dice_stable_for_large_logits():
    z = np.array([[[[1e4, -1e4], [-1e4, 1e4]]]])
    x = dn.tensor(z, requires_grad=True)
    loss = F.dice_loss(x, np.array([[[1, 0], [0, 1]]]), smooth=0.0)
    loss.backward()
    assert loss.item() == 0.0 and np.isfinite(x.grad).all()


# -- soft Dice: gradients ------------------------------------------------------------------------
@pytest.mark.parametrize("case", DICE_CASES)
def test_dice_gradcheck(case, rng):
    shape, options = DICE_CASES[case]
    y = _labels(rng, shape[:1] + shape[2:], max(shape[1], 2))
    z = t64(rng, shape)
    assert dn.gradcheck(lambda t: F.dice_loss(t, y, reduction="none", **options), [z])


def test_dice_gradcheck_probabilities_and_soft_targets(rng):
    p = dn.tensor(rng.uniform(0.2, 0.8, (2, 1, 3, 4)), requires_grad=True)
    g = rng.uniform(0, 1, (2, 1, 3, 4))
    assert dn.gradcheck(lambda t: F.dice_loss(t, g, from_logits=False), [p])
    probs = dn.tensor(_softmax(rng.standard_normal((2, 3, 4, 3))), requires_grad=True)
    y = _labels(rng, (2, 4, 3), 3)
    assert dn.gradcheck(lambda t: F.dice_loss(t, y, from_logits=False, smooth=0.0), [probs])


# -- soft Dice: bad inputs -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "z_shape, target, options, match",
    [
        ((2, 3, 4, 4), np.zeros((2, 4, 5), int), {}, r"label map of shape \(2, 4, 4\).*got shape \(2, 4, 5\)"),
        ((2, 3, 4, 4), np.full((2, 4, 4), 3), {}, r"labels must be in \[0, 3\) for 3 classes, got 3"),
        ((2, 3, 4, 4), np.full((2, 4, 4), -1), {}, r"labels must be in \[0, 3\).*got -1"),
        ((2, 1, 4, 4), np.full((2, 4, 4), 2), {}, r"binary labels must be 0 or 1, got 2"),
        ((2, 3, 4, 4), np.full((2, 4, 4), 0.5), {}, r"integer class labels, got the non-integer value 0.5"),
        (
            (2, 1, 4, 4),
            np.zeros((2, 4, 4), int),
            dict(smooth=-1.0),
            r"smooth must be a non-negative finite number, got -1.0",
        ),
        ((2, 1, 4, 4), np.zeros((2, 4, 4), int), dict(smooth=float("nan")), r"smooth must be a non-negative"),
        (
            (2, 1, 4, 4),
            np.zeros((2, 4, 4), int),
            dict(include_background=False),
            r"include_background=False needs C ≥ 2",
        ),
        (
            (2, 1, 4, 4),
            np.zeros((2, 4, 4), int),
            dict(reduction="avg"),
            r"reduction must be 'mean', 'sum' or 'none', got 'avg'",
        ),
        ((2, 1, 4, 4), np.zeros((2, 4, 4), int), dict(from_logits=1), r"from_logits must be True or False"),
        ((4, 4), np.zeros((4, 4), int), {}, r"shape \(N, C, \*spatial\).*got shape \(4, 4\)"),
        ((2, 3, 4, 4), np.full((2, 3, 4, 4), 2.0), {}, r"target must be in \[0, 1\]"),
    ],
)
def test_dice_bad_inputs(z_shape, target, options, match):
    with pytest.raises(ValueError, match=match):
        F.dice_loss(dn.tensor(np.zeros(z_shape)), target, **options)


def test_dice_probabilities_out_of_range_and_integer_input():
    with pytest.raises(ValueError, match=r"input probabilities must be in \[0, 1\].*from_logits=True"):
        F.dice_loss(dn.tensor(np.full((1, 1, 2, 2), 1.5)), np.zeros((1, 2, 2), int), from_logits=False)
    with pytest.raises(ValueError, match=r"input must be floating-point"):
        F.dice_loss(dn.tensor(np.zeros((1, 1, 2, 2), int)), np.zeros((1, 2, 2), int))


# -- generalized Wasserstein Dice ----------------------------------------------------------------
M3 = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [1.0, 0.5, 0.0]])  # MONAI's example
M4 = np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.6, 0.5], [1.0, 0.6, 0.0, 0.7], [1.0, 0.5, 0.7, 0.0]])


@pytest.mark.parametrize(
    "shape, M, options",
    [
        ((2, 3, 4, 4), M3, {}),
        ((2, 4, 3, 5), M4, dict(smooth=0.0)),
        ((2, 3, 3, 3, 2), M3 * 4, dict(smooth=1.0)),  # 3-D, M normalised by its maximum
        ((1, 3, 6), M3, dict(background=2)),
        ((2, 2, 5, 5), 1 - np.eye(2), {}),
    ],
)
def test_wasserstein_forward_and_gradcheck(shape, M, options, rng):
    z = rng.standard_normal(shape)
    y = _labels(rng, shape[:1] + shape[2:], shape[1])
    expected = ref_wasserstein(z, y, M, **options)
    out = F.generalized_wasserstein_dice_loss(dn.tensor(z), y, M, reduction="none", **options)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)
    assert F.generalized_wasserstein_dice_loss(dn.tensor(z), y, M, **options).item() == pytest.approx(expected.mean())
    assert dn.gradcheck(lambda t: F.generalized_wasserstein_dice_loss(t, y, M, reduction="none", **options), [t64(z)])


def test_wasserstein_with_two_classes_and_0_1_distances_is_the_binary_dice(rng):
    # M = 1 − I, C = 2: TP = Σ_{g=1} p_1 and Σ W = |P| + |G| − 2TP, so GWD = soft Dice of class 1.
    z = rng.standard_normal((3, 2, 5, 4))
    y = _labels(rng, (3, 5, 4), 2)
    p1 = _softmax(z)[:, 1:2]
    for smooth in (0.0, 1.0):
        gwd = F.generalized_wasserstein_dice_loss(dn.tensor(z), y, 1 - np.eye(2), smooth=smooth, reduction="none")
        dice = F.dice_loss(dn.tensor(p1), y, smooth=smooth, from_logits=False, reduction="none")
        np.testing.assert_allclose(gwd.data, dice.data[:, 0], rtol=1e-12)
        # ... and the multi-class soft Dice without the background channel
        dice_fg = F.dice_loss(dn.tensor(z), y, smooth=smooth, include_background=False, reduction="none")
        np.testing.assert_allclose(gwd.data, dice_fg.data[:, 0], rtol=1e-12)


def test_wasserstein_with_0_1_distances_on_hard_predictions_counts_mistakes():
    # One-hot predictions, M = 1 − I: W_i = [pred_i ≠ g_i], so GWD = 2TP / (2TP + mistakes), TP the
    # foreground pixels predicted right.
    labels = np.array([[0, 1, 2, 2, 1, 0, 3]])
    pred = np.array([[0, 1, 2, 1, 0, 3, 3]])  # right: 0, 1, 2, 3 (TP = 3 foreground); 3 mistakes
    probs = np.eye(4)[pred].transpose(0, 2, 1)  # (1, 4, 7)
    out = F.generalized_wasserstein_dice_loss(dn.tensor(probs), labels, 1 - np.eye(4), smooth=0.0, from_logits=False)
    assert out.item() == pytest.approx(1 - 6 / 9)


def test_wasserstein_hand_worked_tiny_example():
    # Three pixels with labels (0, 1, 2) and M3 (background at distance 1, classes 1, 2 at 0.5).
    # p_0 = (0.8, 0.2, 0.0): W_0 = 0.2·M[0,1] = 0.2, α_0 = 0.
    # p_1 = (0.0, 0.5, 0.5): W_1 = 0.5·M[1,2] = 0.25, α_1 = 1, contributes 0.75.
    # p_2 = (0.1, 0.0, 0.9): W_2 = 0.1·M[2,0] = 0.1, α_2 = 1, contributes 0.9.
    # TP = 1.65, Σ W = 0.55: GWD = 3.3 / (3.3 + 0.55) = 0.857142..., loss 0.142857...
    probs = np.array([[[0.8, 0.0, 0.1], [0.2, 0.5, 0.0], [0.0, 0.5, 0.9]]])  # (N=1, C=3, L=3)
    out = F.generalized_wasserstein_dice_loss(
        dn.tensor(probs), np.array([[0, 1, 2]]), M3, smooth=0.0, from_logits=False
    )
    assert out.item() == pytest.approx(1 - 3.3 / 3.85, abs=1e-15)
    # Confusing 1 with 2 (distance 0.5) costs less than confusing 1 with the background (1).
    near = np.array([[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]]])  # pixel 1 called 2
    far = np.array([[[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]])  # pixel 1 called 0

    def loss(p):
        return F.generalized_wasserstein_dice_loss(
            dn.tensor(p), np.array([[0, 1, 2]]), M3, smooth=0.0, from_logits=False
        ).item()

    assert loss(near) == pytest.approx(1 - 3 / 3.5)  # TP = 0.5 + 1, Σ W = 0.5
    assert loss(far) == pytest.approx(1 - 2 / 3)  # TP = 0 + 1, Σ W = 1
    half = np.array([[[1.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.5, 1.0]]])  # pixel 1 half towards 2
    assert loss(half) == pytest.approx(1 - 3.5 / 3.75)  # W_1 = 0.25: TP = 1.75, Σ W = 0.25


def test_wasserstein_monai_docstring_example_is_zero():
    z = np.array([[1000.0, 0, 0], [0, 1000.0, 0], [0, 0, 1000.0]]).T[None]  # (1, 3, 3)
    assert F.generalized_wasserstein_dice_loss(dn.tensor(z), np.array([[0, 1, 2]]), M3).item() == pytest.approx(
        0, abs=1e-12
    )


def test_wasserstein_accepts_channel_label_map_and_keeps_float32(rng):
    z = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = _labels(rng, (2, 4, 4), 3)
    a = F.generalized_wasserstein_dice_loss(dn.tensor(z), y, M3)
    b = F.generalized_wasserstein_dice_loss(dn.tensor(z), y[:, None], M3)
    assert a.dtype == np.float32 and a.item() == b.item()
    assert a.item() == pytest.approx(ref_wasserstein(z, y, M3).mean(), rel=1e-5)


@pytest.mark.parametrize(
    "M, kwargs, target, match",
    [
        (np.zeros((3, 2)), {}, None, r"square C × C matrix with C ≥ 2 classes, got shape \(3, 2\)"),
        (M3 + np.eye(3), {}, None, r"zero diagonal.*got diagonal \[1.0, 1.0, 1.0\]"),
        (-M3, {}, None, r"finite distances ≥ 0"),
        (np.zeros((3, 3)), {}, None, r"all zeros"),
        (1 - np.eye(2), {}, None, r"dist_matrix is 2 × 2 but the input has 3 classes"),
        (M3, dict(background=3), None, r"background must be a class index in \[0, 3\), got 3"),
        (M3, dict(smooth=-0.1), None, r"smooth must be a non-negative finite number, got -0.1"),
        (M3, {}, np.full((2, 4, 4), 5), r"labels must be in \[0, 3\) for 3 classes, got 5"),
        (M3, {}, np.zeros((2, 3, 4, 4), int), r"label map of shape \(2, 4, 4\), got shape \(2, 3, 4, 4\)"),
    ],
)
def test_wasserstein_bad_inputs(M, kwargs, target, match):
    y = np.zeros((2, 4, 4), int) if target is None else target
    with pytest.raises(ValueError, match=match):
        F.generalized_wasserstein_dice_loss(dn.tensor(np.zeros((2, 3, 4, 4))), y, M, **kwargs)


def test_wasserstein_needs_two_classes():
    with pytest.raises(ValueError, match=r"C ≥ 2 class channels.*got shape \(2, 1, 4, 4\)"):
        F.generalized_wasserstein_dice_loss(dn.tensor(np.zeros((2, 1, 4, 4))), np.zeros((2, 4, 4), int), M3)


# -- loss modules --------------------------------------------------------------------------------
def test_loss_modules_match_the_functions(rng):
    z = rng.standard_normal((2, 3, 4, 4))
    y = _labels(rng, (2, 4, 4), 3)
    module = losses.DiceLoss(0.5, include_background=False, batch=True, reduction="sum")
    expected = F.dice_loss(dn.tensor(z), y, smooth=0.5, include_background=False, batch=True, reduction="sum")
    assert module(dn.tensor(z), y).item() == expected.item()
    assert repr(module) == "DiceLoss(smooth=0.5, include_background=False, batch=True, reduction='sum')"
    gwdl = losses.GeneralizedWassersteinDiceLoss(M3.tolist(), smooth=0.0)
    assert gwdl(dn.tensor(z), y).item() == pytest.approx(ref_wasserstein(z, y, M3, smooth=0.0).mean())
    assert "dist_matrix" in gwdl.state_dict()
    assert repr(losses.get("dice")) == "DiceLoss(smooth=1.0, reduction='mean')"
    assert isinstance(losses.get("Dice-Loss"), losses.DiceLoss)


def test_loss_modules_validate_in_init():
    with pytest.raises(ValueError, match=r"DiceLoss: smooth must be a number >= 0, got -2"):
        losses.DiceLoss(smooth=-2)
    with pytest.raises(ValueError, match=r"DiceLoss: reduction must be"):
        losses.DiceLoss(reduction="mean_over_classes")
    with pytest.raises(ValueError, match=r"GeneralizedWassersteinDiceLoss: dist_matrix must have a zero diagonal"):
        losses.GeneralizedWassersteinDiceLoss(np.ones((3, 3)))
    with pytest.raises(
        ValueError, match=r"GeneralizedWassersteinDiceLoss: background must be an integer in \[0, 2\], got -1"
    ):
        losses.GeneralizedWassersteinDiceLoss(M3, background=-1)


def test_dice_loss_backward_through_a_conv_layer(rng):
    # The loss starts the backward pass of a real layer: gradcheck of the weights through conv2d.
    x = dn.tensor(rng.standard_normal((2, 1, 5, 5)))
    w = t64(rng, (3, 1, 3, 3))
    y = _labels(rng, (2, 5, 5), 3)
    assert dn.gradcheck(lambda w_: F.dice_loss(F.conv2d(x, w_, padding=1), y), [w])


# -- metrics: Dice score and IoU -----------------------------------------------------------------
def test_metrics_hand_worked():
    truth = np.array([[[0, 1, 1], [0, 1, 0]]])
    pred = np.array([[[0, 1, 0], [1, 1, 0]]])
    # class 1: |P ∩ G| = 2, |P| = |G| = 3: Dice 4/6, IoU 2/4; class 0: the same by symmetry.
    assert metrics.dice_score(truth, pred) == pytest.approx(2 / 3)
    assert metrics.iou(truth, pred) == 0.5
    np.testing.assert_allclose(metrics.dice_score(truth, pred, average=None), [2 / 3, 2 / 3])
    np.testing.assert_allclose(metrics.iou(truth, pred, average=None), [0.5, 0.5])
    three_t = np.array([[0, 1, 2, 2], [1, 1, 0, 0]])
    three_p = np.array([[0, 1, 1, 2], [1, 2, 0, 0]])
    # class 1: TP 2, |P| 3, |G| 3 → 4/6; class 2: TP 1, |P| 2, |G| 2 → 2/4; class 0: 1.
    np.testing.assert_allclose(metrics.dice_score(three_t, three_p, average=None), [1.0, 2 / 3, 0.5])
    assert metrics.dice_score(three_t, three_p) == pytest.approx((2 / 3 + 0.5) / 2)
    assert metrics.dice_score(three_t, three_p, include_background=True) == pytest.approx((1 + 2 / 3 + 0.5) / 3)
    np.testing.assert_allclose(metrics.iou(three_t, three_p, average=None), [1.0, 0.5, 1 / 3])


def test_metrics_empty_class_and_num_classes():
    empty = np.zeros((2, 3, 3), int)
    assert metrics.dice_score(empty, empty) == 1.0  # nothing to find, nothing found
    assert metrics.dice_score(empty, empty, zero_division=0.0) == 0.0
    # A class that neither map holds scores zero_division on its own, and stays out of the mean.
    np.testing.assert_allclose(metrics.iou([[0, 1]], [[0, 1]], num_classes=4, average=None), [1, 1, 1, 1])
    assert metrics.iou([[0, 1]], [[0, 0]], num_classes=4) == 0.0  # class 1 missed; 2 and 3 absent
    with pytest.raises(ValueError, match=r"num_classes=2 but the labels go up to 2"):
        metrics.dice_score([[0, 2]], [[0, 1]], num_classes=2)


def test_the_mean_skips_label_values_that_no_map_holds():
    """A mask saved as 0/255 (or BraTS's labels 0, 1, 2, 4) has label values that no pixel holds:
    counting each as a perfect class (zero_division) in the mean scored a prediction that misses
    the whole mask 0.992."""
    y = np.zeros((1, 100), int)
    y[0, :30] = 255
    p = np.zeros((1, 100), int)
    p[0, 50:80] = 1
    assert metrics.dice_score(y, p) == 0.0 and metrics.iou(y, p) == 0.0
    brats = np.zeros((1, 100), int)
    brats[0, :30], brats[0, 30:40] = 4, 1
    missed = brats.copy()
    missed[0, :30] = 0  # class 4 missed, class 1 exact, 2 and 3 in neither map
    assert metrics.dice_score(brats, missed) == 0.5
    sk = pytest.importorskip("sklearn.metrics")
    macro = sk.f1_score(brats.ravel(), missed.ravel(), average="macro", labels=[1, 4])
    assert metrics.dice_score(brats, missed) == macro


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_metrics_match_scikit_learn(classes, rng):
    sk = pytest.importorskip("sklearn.metrics")
    truth = rng.integers(0, classes, (3, 6, 5))
    pred = np.where(rng.random((3, 6, 5)) < 0.7, truth, rng.integers(0, classes, (3, 6, 5)))
    labels = list(range(classes))
    per_class_f1 = sk.f1_score(truth.ravel(), pred.ravel(), labels=labels, average=None, zero_division=1.0)
    per_class_j = sk.jaccard_score(truth.ravel(), pred.ravel(), labels=labels, average=None, zero_division=1.0)
    np.testing.assert_allclose(metrics.dice_score(truth, pred, average=None), per_class_f1, rtol=1e-12)
    np.testing.assert_allclose(metrics.iou(truth, pred, average=None), per_class_j, rtol=1e-12)
    macro = sk.f1_score(truth.ravel(), pred.ravel(), labels=labels[1:], average="macro", zero_division=1.0)
    assert metrics.dice_score(truth, pred) == pytest.approx(macro, rel=1e-12)
    macro_all = sk.jaccard_score(truth.ravel(), pred.ravel(), average="macro", zero_division=1.0)
    assert metrics.iou(truth, pred, include_background=True) == pytest.approx(macro_all, rel=1e-12)
    if classes == 2:  # the foreground score of a binary mask is sklearn's binary F1 / Jaccard
        assert metrics.dice_score(truth, pred) == pytest.approx(sk.f1_score(truth.ravel(), pred.ravel()))
        assert metrics.iou(truth, pred) == pytest.approx(sk.jaccard_score(truth.ravel(), pred.ravel()))


def test_metrics_take_network_outputs(rng):
    truth = rng.integers(0, 3, (2, 4, 4))
    scores = rng.standard_normal((2, 3, 4, 4))  # (N, K, H, W) logits: argmax over axis 1
    assert metrics.dice_score(truth, scores) == metrics.dice_score(truth, scores.argmax(axis=1))
    mask = rng.integers(0, 2, (2, 1, 4, 4))
    logits = rng.standard_normal((2, 1, 4, 4)) * 3  # one logit channel: class 1 where z > 0
    assert metrics.iou(mask, logits) == metrics.iou(mask, (logits > 0).astype(int))
    assert metrics.iou(mask[:, 0], logits) == metrics.iou(mask, (logits > 0).astype(int))
    probs = 1 / (1 + np.exp(-logits))  # probabilities: class 1 where p > 0.5
    assert metrics.dice_score(mask, probs) == metrics.dice_score(mask, (logits > 0).astype(int))
    assert metrics.get("dice") is metrics.dice_score and metrics.get("iou") is metrics.iou
    assert metrics.get("jaccard") is metrics.iou


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        (np.zeros((2, 4, 4), int), np.zeros((2, 4, 5), int), r"label map of y_true's shape \(2, 4, 4\)"),
        (np.zeros((2, 4, 4), int), np.zeros((2, 3, 4, 5)), r"need y_true of shape \(2, 4, 5\), got \(2, 4, 4\)"),
        (np.zeros((2, 4, 4), int), np.zeros((3, 4, 4), int), r"one entry per sample"),
        (np.full((2, 4, 4), -1), np.zeros((2, 4, 4), int), r"class labels must be 0, 1, ..., got -1 in y_true"),
        (np.full((2, 4, 4), 0.5), np.zeros((2, 4, 4), int), r"y_true must hold whole-number class labels"),
        (np.full((2, 4, 4), np.nan), np.zeros((2, 4, 4), int), r"NaN"),
    ],
)
def test_metrics_bad_inputs(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        metrics.dice_score(y_true, y_pred)


def test_metrics_bad_options():
    with pytest.raises(ValueError, match=r"average must be 'macro' or None"):
        metrics.iou([[0, 1]], [[0, 1]], average="micro")
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 2, got 1"):
        metrics.iou([[0, 0]], [[0, 0]], num_classes=1)
