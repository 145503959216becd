"""Every bad input to fit / evaluate / predict is a ValueError saying what was expected and what
was received (scikit-learn check_array wording)."""

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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"verbose": 3},
            r"fit: verbose must be 'auto', 0 \(silent\), 1 \(progress bar\) or 2 \(one line per epoch\), got 3",
        ),
        ({"verbose": True}, r"fit: verbose must be 'auto', 0 \(silent\), 1 .* got True"),
        ({"monitor": "yes"}, r"fit: monitor must be True, False or a Monitor, got 'yes'"),
        ({"shuffle": "yes"}, r"shuffle must be True or False, got 'yes'"),
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
    before = model.state_dict()
    with pytest.raises(ValueError):
        run_fit(GOOD_X, np.array([0, 1, 3, 0, 1, 2]), model=model)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
