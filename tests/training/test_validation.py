"""Every bad input to fit / evaluate / predict is a ValueError saying what was expected and what
was received (scikit-learn check_array wording)."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim


def classifier(n_in=4, n_out=3):
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(n_in, 8), nn.Sigmoid(), nn.Linear(8, n_out))


GOOD_X = np.random.default_rng(0).standard_normal((6, 4))
GOOD_Y = np.array([0, 1, 2, 0, 1, 2])


def run_fit(X=GOOD_X, y=GOOD_Y, model=None, loss=None, **kwargs):
    model = model or classifier()
    loss = loss or losses.CrossEntropy()
    return dn.fit(model, X, y, loss, optim.SGD(model.parameters(), lr=0.1), **kwargs)


with_nan = GOOD_X.copy()
with_nan[2, 1] = np.nan
with_inf = GOOD_X.copy()
with_inf[0, 0] = np.inf

BAD_X = [
    (
        GOOD_X[:, :3],
        r"X has 3 features, but the model's first layer Linear\(in_features=4, out_features=8, bias=True\) expects 4",
    ),
    (GOOD_X[0], r"Expected a 2-D array \(n_samples, n_features\) for X, got 1-D array of shape \(4,\)"),
    (np.float64(1.0), r"Expected a 2-D array .* got 0-D array"),
    (np.zeros((0, 4)), r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\) in X, while a minimum of 1 is required"),
    (with_nan, r"Input X contains NaN \(1 non-finite values\)"),
    (with_inf, r"Input X contains infinity"),
    (np.array([["a", "b", "c", "d"]] * 6), r"X: expected numeric data .* got dtype <U1 \(strings\)"),
    (np.array([[object()] * 4] * 6, dtype=object), r"X: expected numeric data .* got dtype object \(Python objects\)"),
    (GOOD_X.astype(np.complex128), r"X: expected numeric data .* got dtype complex128 \(complex numbers\)"),
    ([[1.0, 2.0], [3.0]], r"X: expected a numeric array, got list that NumPy cannot convert"),
]


@pytest.mark.parametrize("X, message", BAD_X)
def test_bad_X_in_fit_evaluate_and_predict(X, message):
    y = GOOD_Y[: len(X)] if isinstance(X, np.ndarray) and X.ndim >= 1 else GOOD_Y
    with pytest.raises(ValueError, match=message):
        run_fit(X, y)
    with pytest.raises(ValueError, match=message):
        dn.evaluate(classifier(), X, y, loss=losses.CrossEntropy())
    with pytest.raises(ValueError, match=message):
        dn.predict(classifier(), X)


def test_flatten_then_linear_counts_all_features():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    with pytest.raises(ValueError, match=r"X has 10 features, but the model's first layer Linear\(in_features=12"):
        dn.predict(model, np.zeros((3, 2, 5)))
    assert dn.predict(model, np.zeros((3, 3, 4))).shape == (3, 2)


def test_model_error_on_other_first_layers_names_X():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(4, 3)

        def forward(self, x):
            return self.out(x)

    with pytest.raises(
        ValueError, match=r"X of shape \(6, 5\) does not fit the model: .*expected input with 4 features"
    ):
        run_fit(np.zeros((6, 5)), model=Custom())


label_nan = GOOD_Y.astype(float)
label_nan[1] = np.nan

BAD_Y = [
    (
        np.array([0, 1, 3, 0, 1, 2]),
        r"y: class labels must be integers in \[0, 3\) for a model with 3 outputs, got values from 0 to 3",
    ),
    (np.array([0, -1, 2, 0, 1, 2]), r"class labels must be integers in \[0, 3\) .* got values from -1 to 2"),
    (np.array([0, 1.5, 2, 0, 1, 2]), r"y: class labels must be integers, got non-integer values \(e.g. 1.5\)"),
    (label_nan, r"Input y contains NaN"),
    (np.array([0, 1, np.inf, 0, 1, 2]), r"Input y contains infinity"),
    (np.array(["a", "b", "c", "a", "b", "c"]), r"y: expected numeric data .* got dtype <U1 \(strings\)"),
    (np.array([0, 1, 2, 0, 1, 2], dtype=object), r"y: expected numeric data .* dtype object"),
    (GOOD_Y[:5], r"X and y have inconsistent numbers of samples: X has 6, y has 5"),
    (
        np.zeros((6, 2, 2)),
        r"y: expected class labels of shape \(6,\) or probability rows of shape \(6, C\), got shape \(6, 2, 2\)",
    ),
    (
        np.full((6, 2), 0.5),
        r"y: probability targets must have one column per class, shape \(6, 3\), got shape \(6, 2\)",
    ),
    (np.array(3), r"y: expected one target per sample, shape \(6, \.\.\.\), got a scalar"),
]


@pytest.mark.parametrize("y, message", BAD_Y)
def test_bad_y_for_cross_entropy(y, message):
    with pytest.raises(ValueError, match=message):
        run_fit(GOOD_X, y)
    with pytest.raises(ValueError, match=message):
        dn.evaluate(classifier(), GOOD_X, y, loss=losses.CrossEntropy())


def test_integral_float_labels_and_probability_rows_are_accepted():
    run_fit(GOOD_X, GOOD_Y.astype(np.float64), epochs=1)
    run_fit(GOOD_X, np.eye(3)[GOOD_Y], epochs=1)


def test_regression_targets_must_match_the_output_shape():
    model = nn.Linear(4, 2)
    with pytest.raises(
        ValueError, match=r"y has shape \(6, 3\), but the model outputs shape \(N, 2\); expected y of shape \(6, 2\)"
    ):
        run_fit(GOOD_X, np.zeros((6, 3)), model=model, loss=losses.MSELoss())


def test_binary_targets_must_lie_in_0_1():
    model = nn.Linear(4, 1)
    with pytest.raises(ValueError, match=r"y: binary targets must lie in \[0, 1\], got values from 0 to 2"):
        run_fit(GOOD_X, np.array([0, 1, 2, 0, 1, 0]), model=model, loss=losses.BCEWithLogitsLoss())


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "8", True])
def test_bad_batch_size(batch_size):
    with pytest.raises(
        ValueError, match=rf"batch_size must be a positive integer or None \(full batch\), got {batch_size!r}"
    ):
        run_fit(batch_size=batch_size)


@pytest.mark.parametrize("epochs", [-1, 1.5, None, False])
def test_bad_epochs(epochs):
    with pytest.raises(ValueError, match=rf"fit: epochs must be a non-negative integer, got {epochs!r}"):
        run_fit(epochs=epochs)


@pytest.mark.parametrize(
    "validation_data, message",
    [
        (GOOD_X, r"validation_data must be a pair \(X_val, y_val\), got ndarray"),
        ((GOOD_X,), r"validation_data must be a pair \(X_val, y_val\), got a tuple of length 1"),
        ((GOOD_X, GOOD_Y, None), r"got a tuple of length 3"),
        ((GOOD_X[:, :2], GOOD_Y), r"validation X has 2 features, but the model's first layer .* expects 4"),
        ((GOOD_X, GOOD_Y[:4]), r"X and validation y have inconsistent numbers of samples: X has 6, validation y has 4"),
        ((GOOD_X, np.array([0, 1, 2, 3, 0, 0])), r"validation y: class labels must be integers in \[0, 3\)"),
        ((with_nan, GOOD_Y), r"Input validation X contains NaN"),
    ],
)
def test_bad_validation_data(validation_data, message):
    with pytest.raises(ValueError, match=message):
        run_fit(validation_data=validation_data)


@pytest.mark.parametrize("validation_data", [GOOD_X, (GOOD_X,), (GOOD_X, GOOD_Y, None)])
def test_a_malformed_validation_pair_is_refused_before_the_model_runs(validation_data):
    calls = []

    class Counted(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = classifier()

        def forward(self, x):
            calls.append(x.shape)
            return self.inner(x)

    with pytest.raises(ValueError, match=r"validation_data must be a pair"):
        run_fit(model=Counted(), validation_data=validation_data)
    assert calls == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"verbose": 3},
            r"fit: verbose must be 'auto', 0 \(silent\), 1 \(progress bar\) or 2 \(one line per epoch\), got 3",
        ),
        ({"verbose": True}, r"fit: verbose must be 'auto', 0 \(silent\), 1 .* got True"),
        ({"monitor": "yes"}, r"fit: monitor must be True, False or a Monitor, got 'yes'"),
        ({"shuffle": "yes"}, r"fit: shuffle must be True, False or 'with_replacement', got 'yes'"),
        (
            {"callbacks": [dn.callbacks.EarlyStopping]},
            r"callbacks must be Callback instances, got .*did you pass the class",
        ),
        ({"callbacks": "early"}, r"callbacks must be a list of Callback objects, got 'early'"),
        ({"regularizer": 0.1}, r"regularizer must be a callable penalty\(model\) -> scalar Tensor, got 0.1"),
        ({"metrics": [3]}, r"metrics: expected a metric name or function, got 3"),
        ({"metrics": ["accuracy", "accuracy"]}, r"metrics: each name may appear once"),
        ({"rng": "seed"}, r"rng must be None, an int seed or a numpy.random.Generator, got 'seed'"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_fit(**kwargs)


def test_bad_loss_and_optimizer():
    model = classifier()
    with pytest.raises(ValueError, match=r"loss must be a loss module, a callable loss\(output, target\) or a name"):
        dn.fit(model, GOOD_X, GOOD_Y, 3, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"unknown loss 'nope'"):
        dn.fit(model, GOOD_X, GOOD_Y, "nope", optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"fit: optimizer must be a deltanet.optim optimizer .* or a name"):
        dn.fit(model, GOOD_X, GOOD_Y, "cross_entropy", 0.1)
    with pytest.raises(ValueError, match=r"unknown optimizer 'nope'"):
        dn.fit(model, GOOD_X, GOOD_Y, "cross_entropy", "nope")


def test_predict_bad_batch_size():
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer or None \(full batch\), got 0"):
        dn.predict(classifier(), GOOD_X, batch_size=0)


def test_nothing_is_trained_when_an_input_is_bad():
    model = classifier()
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(ValueError):
        run_fit(GOOD_X, np.array([0, 1, 3, 0, 1, 2]), model=model)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


# -- issue 13: silently wrong results, refused or fixed ----------------------------------------------
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("which", ["X", "y"])
def test_numpy_matrix_is_refused(which):
    """np.matrix makes * a matrix product: code written for arrays would compute something else."""
    X, y = np.asmatrix(GOOD_X) if which == "X" else GOOD_X, np.asmatrix(GOOD_Y).T if which == "y" else GOOD_Y
    with pytest.raises(
        ValueError, match=rf"{which}: expected an array, got a numpy.matrix .* numpy.asarray\({which}\)"
    ):
        run_fit(X, y)
    with pytest.raises(ValueError, match=rf"{which}: expected an array, got a numpy.matrix"):
        dn.evaluate(classifier(), X, y, loss=losses.CrossEntropy())


def test_an_optimizer_of_another_model_is_refused():
    model, other = classifier(), classifier()
    with pytest.raises(ValueError, match=r"fit: the optimizer updates none of the model's parameters: its 4 parameter"):
        dn.fit(model, GOOD_X, GOOD_Y, "cross_entropy", optim.SGD(other.parameters(), lr=0.1))


def test_an_optimizer_over_some_layers_trains_those_alone():
    model = classifier()
    first, last = model[0].weight.array.copy(), model[2].weight.array.copy()
    dn.fit(model, GOOD_X, GOOD_Y, "cross_entropy", optim.SGD(model[2].parameters(), lr=0.5), epochs=2)
    assert np.array_equal(model[0].weight.array, first)  # frozen
    assert not np.array_equal(model[2].weight.array, last)


def test_cross_entropy_ignore_index_through_fit_and_evaluate():
    loss = losses.CrossEntropy(ignore_index=-1)
    y = np.array([0, 1, -1, 0, -1, 2])
    kept = y != -1
    model = classifier()
    dn.fit(model, GOOD_X, y, loss, optim.SGD(model.parameters(), lr=0.1), epochs=2, metrics=["accuracy"])
    result = dn.evaluate(model, GOOD_X, y, loss=loss, metrics=["accuracy"])
    output = dn.predict(model, GOOD_X)
    assert result["accuracy"] == pytest.approx(np.mean(output[kept].argmax(axis=1) == y[kept]))
    assert result["loss"] == pytest.approx(float(losses.CrossEntropy()(dn.tensor(output[kept]), y[kept]).array))
    with pytest.raises(ValueError, match=r"got values from 0 to 3 \(labels equal to the loss's ignore_index -1"):
        dn.evaluate(model, GOOD_X, np.array([0, 1, -1, 3, 0, 0]), loss=loss)


def test_ignore_index_in_label_maps_is_skipped_by_the_metrics():
    model = nn.Conv2d(1, 2, 1, rng=0)
    X = np.random.default_rng(0).normal(size=(2, 1, 3, 3))
    y = np.zeros((2, 3, 3), dtype=int)
    y[0, 0, 0] = 255
    out = dn.predict(model, X)
    keep = y != 255
    expected = np.mean(out.argmax(axis=1)[keep] == y[keep])
    result = dn.evaluate(model, X, y, loss=losses.CrossEntropy(ignore_index=255), metrics=["accuracy"])
    assert result["accuracy"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "loss, message",
    [
        (losses.MSELoss(reduction="none"), r"fit: loss must return a scalar Tensor \(loss\(output, target\)\), got a "
                                           r"Tensor of shape \(4, 3\); reduce it"),
        (lambda a, y: 0.5, r"fit: loss must return a scalar Tensor .* got float 0.5: a plain number carries no "),
    ],
)  # fmt: skip
def test_a_loss_that_is_not_a_scalar_tensor_is_named(loss, message):
    model = classifier()
    with pytest.raises(ValueError, match=message):
        dn.fit(model, GOOD_X, np.eye(3)[GOOD_Y], loss, optim.SGD(model.parameters(), lr=0.1), batch_size=4)


def test_huge_uint64_labels_are_reported_as_given():
    y = np.array([0, 1, 2**64 - 1, 0, 1, 2], dtype=np.uint64)
    with pytest.raises(
        ValueError, match=r"y: class labels must be integers in \[0, 3\) .* got values from 0 to 18446744073709551615"
    ):
        run_fit(GOOD_X, y)


def test_float64_data_that_overflow_float32_are_reported_as_such():
    X = GOOD_X.copy()
    X[1, 2] = -1e39
    with pytest.raises(
        ValueError,
        match=r"X: values up to 1e\+39 in magnitude overflow float32 \(its largest finite value is 3.4028235e\+38\)",
    ):
        run_fit(X)
    y = np.zeros((6, 3))
    y[0, 0] = 1e300
    with pytest.raises(ValueError, match=r"y: values up to 1e\+300 in magnitude overflow float32"):
        run_fit(GOOD_X, y, loss=losses.MSELoss())
