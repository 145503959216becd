"""Metrics: the seeds' cats-and-dogs table, hand-worked counts, scikit-learn, input validation."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import metrics as M

# [de Back 2018]: dog = class 0, cat = class 1; targets dog, cat, dog.
TARGETS = np.array([0, 1, 0])
ONE_HOT = np.array([[1, 0], [0, 1], [1, 0]])
NN1 = np.array([[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]])
NN2 = np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]])


# -- the seeds' table ------------------------------------------------------------------------
@pytest.mark.parametrize("probs", [NN1, NN2])
@pytest.mark.parametrize("targets", [TARGETS, ONE_HOT])
def test_cats_and_dogs_classification_error_is_one_third_for_both(probs, targets):
    assert M.classification_error(targets, probs) == pytest.approx(1 / 3, abs=1e-15)
    assert M.accuracy(targets, probs) == pytest.approx(2 / 3, abs=1e-15)
    assert M.get("error")(targets, probs) == M.classification_error(targets, probs)


def test_cats_and_dogs_mse_matches_the_table_up_to_the_class_average():
    # the table sums the squared errors over the K = 2 outputs: 0.25 and 0.71
    assert 2 * M.mean_squared_error(ONE_HOT, NN1) == pytest.approx(0.76 / 3, abs=1e-12)
    assert round(2 * M.mean_squared_error(ONE_HOT, NN1), 2) == 0.25
    assert round(2 * M.mean_squared_error(ONE_HOT, NN2), 2) == 0.71


def test_cats_and_dogs_confusion_matrix_and_counts():
    # both networks take the same decisions (dog, cat, cat): every count-based metric ties
    np.testing.assert_array_equal(M.confusion_matrix(TARGETS, NN1), [[1, 1], [0, 1]])
    np.testing.assert_array_equal(M.confusion_matrix(TARGETS, NN2), [[1, 1], [0, 1]])
    # cat (1) as the positive class
    assert M.binary_counts(TARGETS, NN1) == M.BinaryCounts(tp=1, tn=1, fp=1, fn=0)
    assert M.binary_counts(TARGETS, NN2) == M.BinaryCounts(tp=1, tn=1, fp=1, fn=0)
    # L_Acc = 1 − (TP + TN) / (TP + TN + FP + FN)
    c = M.binary_counts(TARGETS, NN2)
    assert 1 - (c.tp + c.tn) / sum(c) == pytest.approx(M.classification_error(TARGETS, NN2))


# -- hand-worked values ----------------------------------------------------------------------
def test_binary_metrics_by_hand():
    y_true = [1, 1, 1, 0, 0, 0, 0, 1]
    y_pred = [1, 0, 1, 0, 1, 0, 0, 0]
    c = M.binary_counts(y_true, y_pred)
    assert c == (2, 3, 1, 2) and c.tp == 2 and c.fn == 2
    assert M.precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert M.recall(y_true, y_pred) == pytest.approx(2 / 4)
    assert M.f1(y_true, y_pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))
    assert M.accuracy(y_true, y_pred) == pytest.approx(5 / 8)


def test_zero_division():
    assert M.precision([1, 0], [0, 0]) == 0.0
    assert M.precision([1, 0], [0, 0], zero_division=1.0) == 1.0
    assert M.recall([0, 0], [0, 1]) == 0.0
    assert M.f1([0, 0], [0, 0], zero_division=1.0) == 1.0


def test_regression_by_hand():
    assert M.mean_squared_error([1.0, 2.0, 3.0], [1.0, 4.0, 2.0]) == pytest.approx(5 / 3)
    assert M.mean_absolute_error([1.0, 2.0, 3.0], [1.0, 4.0, 2.0]) == pytest.approx(1.0)
    # (N,) against (N, 1): the same targets written two ways
    assert M.mean_squared_error([1.0, 2.0], [[1.0], [3.0]]) == 0.5
    assert M.mean_absolute_error(np.zeros((2, 3)), np.ones((2, 3))) == 1.0


# -- conversions -----------------------------------------------------------------------------
def test_binary_scores_are_thresholded():
    y = [0, 1, 1, 0]
    # probabilities: class 1 where p > 0.5
    assert M.accuracy(y, [0.2, 0.7, 0.51, 0.5]) == 1.0
    # logits (outside [0, 1]): class 1 where z > 0
    assert M.accuracy(y, [-2.5, 0.3, 4.2, -0.1]) == 1.0
    # an (N, 1) column of sigmoid outputs
    assert M.accuracy(y, np.array([[0.2], [0.7], [0.9], [0.1]])) == 1.0
    # whole-number floats are labels
    assert M.accuracy(y, [0.0, 1.0, 0.0, 0.0]) == 0.75


def test_tensor_and_bool_inputs():
    scores = dn.tensor(NN1, requires_grad=True)
    assert M.accuracy(dn.tensor(TARGETS), scores) == pytest.approx(2 / 3)
    assert M.accuracy(np.array([True, False]), np.array([1, 0])) == 1.0


def test_confusion_matrix_size():
    assert M.confusion_matrix([0, 1], [1, 1], num_classes=4).shape == (4, 4)
    # the width of a score matrix counts even when the last class is never seen
    assert M.confusion_matrix([0, 1], np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])).shape == (3, 3)
    assert M.confusion_matrix([0, 1], [1, 1]).dtype == np.int64


# -- against scikit-learn --------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_matches_sklearn(seed):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    K, N = 4, 200
    y_true = rng.integers(0, K, N)
    scores = rng.standard_normal((N, K))
    y_pred = scores.argmax(axis=1)
    assert M.accuracy(y_true, scores) == pytest.approx(sk.accuracy_score(y_true, y_pred), abs=1e-15)
    assert M.classification_error(y_true, y_pred) == pytest.approx(1 - sk.accuracy_score(y_true, y_pred))
    np.testing.assert_array_equal(
        M.confusion_matrix(y_true, scores), sk.confusion_matrix(y_true, y_pred, labels=range(K))
    )
    b_true, b_pred = rng.integers(0, 2, N), rng.integers(0, 2, N)
    tn, fp, fn, tp = sk.confusion_matrix(b_true, b_pred).ravel()
    assert M.binary_counts(b_true, b_pred) == (tp, tn, fp, fn)
    assert M.precision(b_true, b_pred) == pytest.approx(sk.precision_score(b_true, b_pred), abs=1e-15)
    assert M.recall(b_true, b_pred) == pytest.approx(sk.recall_score(b_true, b_pred), abs=1e-15)
    assert M.f1(b_true, b_pred) == pytest.approx(sk.f1_score(b_true, b_pred), abs=1e-15)


@pytest.mark.parametrize("shape", [(50,), (50, 3)])
def test_regression_matches_sklearn(shape):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    y, p = rng.standard_normal(shape), rng.standard_normal(shape)
    assert M.mean_squared_error(y, p) == pytest.approx(sk.mean_squared_error(y, p), rel=1e-14)
    assert M.mean_absolute_error(y, p) == pytest.approx(sk.mean_absolute_error(y, p), rel=1e-14)


# -- registry --------------------------------------------------------------------------------
def test_get():
    assert M.get("accuracy") is M.accuracy and M.get("acc") is M.accuracy
    assert M.get("error") is M.classification_error
    assert M.get("classification_error") is M.classification_error
    assert M.get("MSE") is M.mean_squared_error and M.get(" mae ") is M.mean_absolute_error
    assert M.get("f1") is M.f1
    custom = lambda y, p: 0.0  # noqa: E731
    assert M.get(custom) is custom
    with pytest.raises(ValueError, match=r"unknown metric 'auc'; known metrics: \[.*'accuracy'"):
        M.get("auc")
    with pytest.raises(ValueError, match="expected a metric name or a function, got 3"):
        M.get(3)


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        M.accuracy,
        M.classification_error,
        M.confusion_matrix,
        M.binary_counts,
        M.precision,
        M.recall,
        M.f1,
        M.mean_squared_error,
        M.mean_absolute_error,
    ],
)
def test_common_bad_inputs(fn):
    with pytest.raises(ValueError, match=r"one entry per sample each, got 3 and 2 samples"):
        fn([0, 1, 0], [0, 1])
    with pytest.raises(ValueError, match=r"y_true is empty \(shape \(0,\)\)"):
        fn([], [])
    with pytest.raises(ValueError, match=r"y_pred contains NaN or infinity \(first at index \(1,\), value nan\)"):
        fn([0, 1], [0.0, np.nan])
    with pytest.raises(ValueError, match="y_true contains NaN or infinity"):
        fn([np.inf, 1.0], [0, 1])
    with pytest.raises(ValueError, match="must hold numbers, got dtype <U"):
        fn(["cat", "dog"], [0, 1])
    with pytest.raises(ValueError, match="got a scalar"):
        fn(1, 1)


def test_classification_bad_inputs():
    with pytest.raises(ValueError, match="accuracy: y_true must hold whole-number class labels.*0.5"):
        M.accuracy([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred must be labels \(N,\) or scores \(N, K\), got shape \(2, 2, 2\)"):
        M.accuracy([0, 1], np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"num_classes=2 but the labels go up to 2; labels must be in \[0, 2\)"):
        M.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="class labels must be 0, 1, ..., got -1 in y_true"):
        M.confusion_matrix([-1, 0], [0, 0])
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        M.confusion_matrix([0, 0], [0, 0], num_classes=0)
    with pytest.raises(
        ValueError, match=r"expected binary labels 0 \(negative\) and 1 \(positive\) in y_true, got labels \[0, 2\]"
    ):
        M.precision([0, 2], [0, 1])
    with pytest.raises(ValueError, match=r"same shape, got \(2, 2\) and \(2, 3\)"):
        M.mean_squared_error(np.zeros((2, 2)), np.zeros((2, 3)))
