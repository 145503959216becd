"""ROC AUC, average precision, sensitivity, specificity and the classification report against
scikit-learn; hand-worked cases; bad inputs; the metrics package keeps its old names."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
from deltanet import metrics as M

sk = pytest.importorskip("sklearn.metrics")


def scores(seed, n=200, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = y * 0.8 + rng.normal(size=n)
    return y, (np.round(s, 1) if ties else s)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_roc_and_pr_against_scikit_learn(seed, ties):
    y, s = scores(seed, ties=ties)
    assert M.roc_auc(y, s) == pytest.approx(sk.roc_auc_score(y, s), rel=1e-12)
    assert M.pr_auc(y, s) == pytest.approx(sk.average_precision_score(y, s), rel=1e-12)
    fpr, tpr, thresholds = M.roc_curve(y, s)
    sk_fpr, sk_tpr, sk_thresholds = sk.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_allclose(thresholds[1:], sk_thresholds[1:])
    precision, recall, pr_thresholds = M.precision_recall_curve(y, s)
    sk_precision, sk_recall, sk_pr_thresholds = sk.precision_recall_curve(y, s)
    np.testing.assert_allclose(precision, sk_precision)
    np.testing.assert_allclose(recall, sk_recall)
    np.testing.assert_allclose(pr_thresholds, sk_pr_thresholds)


def test_auc_is_the_chance_a_positive_outranks_a_negative():
    y, s = scores(7, n=60, ties=True)
    positives, negatives = s[y == 1], s[y == 0]
    wins = (positives[:, None] > negatives[None, :]).mean() + 0.5 * (positives[:, None] == negatives[None, :]).mean()
    assert M.roc_auc(y, s) == pytest.approx(wins, rel=1e-12)
    assert M.roc_auc([0, 1], [0.2, 0.9]) == 1.0 and M.roc_auc([0, 1], [0.9, 0.2]) == 0.0
    assert M.roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_multiclass_one_vs_rest_and_score_matrices():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 300)
    logits = rng.normal(size=(300, 4)) + 1.5 * np.eye(4)[y]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert M.roc_auc(y, probabilities) == pytest.approx(sk.roc_auc_score(y, probabilities, multi_class="ovr"))
    per_class = M.roc_auc(y, probabilities, average=None)
    assert per_class.shape == (4,)
    onehot = np.eye(4)[y]
    expected_ap = [sk.average_precision_score(onehot[:, k], probabilities[:, k]) for k in range(4)]
    np.testing.assert_allclose(M.pr_auc(y, probabilities, average=None), expected_ap)
    two = np.stack([1 - probabilities[:, 0], probabilities[:, 0]], axis=1)
    assert M.roc_auc(y == 0, two) == pytest.approx(sk.roc_auc_score(y == 0, probabilities[:, 0]))
    assert M.get("roc_auc") is M.roc_auc and M.get("average_precision") is M.pr_auc


def test_sensitivity_and_specificity_against_scikit_learn():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 100), rng.integers(0, 2, 100)
    assert M.sensitivity(y, p) == pytest.approx(sk.recall_score(y, p))
    assert M.specificity(y, p) == pytest.approx(sk.recall_score(1 - y, 1 - p))
    tn, fp, fn, tp = sk.confusion_matrix(y, p).ravel()
    assert M.specificity(y, p) == tn / (tn + fp) and M.sensitivity(y, p) == tp / (tp + fn)
    assert M.specificity([1, 1], [1, 0]) == 0.0 and M.specificity([1, 1], [1, 0], zero_division=1.0) == 1.0
    mask, pred = np.zeros((8, 8), int), np.zeros((8, 8), int)
    mask[2:6, 2:6], pred[3:7, 2:6] = 1, 1
    assert M.sensitivity(mask.ravel(), pred.ravel()) == 12 / 16  # voxel-wise, for a segmentation
    assert M.specificity(mask.ravel(), pred.ravel()) == 44 / 48


@pytest.mark.parametrize("names", [None, ["normal", "benign", "malignant"]])
def test_classification_report_matches_scikit_learn(names):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 50)
    p = np.where(rng.random(50) < 0.7, y, rng.integers(0, 3, 50))
    ours = M.classification_report(y, p, target_names=names, output_dict=True)
    theirs = sk.classification_report(y, p, target_names=names, output_dict=True)
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if isinstance(value, dict):
            for field, number in value.items():
                assert ours[key][field] == pytest.approx(number), (key, field)
        else:
            assert ours[key] == pytest.approx(value)
    assert M.classification_report(y, p, target_names=names, digits=3) == sk.classification_report(
        y, p, target_names=names, digits=3
    )


def test_classification_report_from_scores_and_bad_inputs():
    y = np.array([0, 1, 1, 2])
    logits = np.eye(3)[[0, 1, 2, 2]] * 3.0
    assert M.classification_report(y, logits, output_dict=True)["accuracy"] == 0.75
    with pytest.raises(ValueError, match=r"target_names has 2 names but the labels hold 3 classes \[0, 1, 2\]"):
        M.classification_report(y, logits, target_names=["a", "b"])


def test_ranking_bad_inputs():
    with pytest.raises(ValueError, match=r"roc_auc: y_true holds only class 1; the curve needs positive and negative"):
        M.roc_auc([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match=r"pr_auc: y_true must hold the labels 0 and 1, got values \[0, 1, 2\]"):
        M.pr_auc([0, 1, 2], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match=r"roc_curve: binary scores must be \(N,\), \(N, 1\) or \(N, 2\)"):
        M.roc_curve([0, 1], np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] have no sample in y_true"):
        M.roc_auc([0, 1, 0, 1], np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"y_true and y_pred must have one entry per sample"):
        M.roc_auc([0, 1, 1], [0.5, 0.2])
    with pytest.raises(ValueError, match=r"average must be 'macro' or None"):
        M.roc_auc([0, 1, 2], np.eye(3), average="micro")


def test_the_metrics_package_keeps_every_old_name():
    for name in ("accuracy", "confusion_matrix", "dice_score", "iou", "BinaryCounts", "get", "f1"):
        assert getattr(dn.metrics, name) is getattr(M.core, name)
    from deltanet.metrics import _REGISTRY

    assert {"dice", "iou", "accuracy", "sensitivity", "specificity", "pr_auc"} <= set(_REGISTRY)
