"""One bad-input suite over the whole public API, as scikit-learn's ``check_estimator`` runs the
same checks against every estimator.

The entry points: ``fit`` (a classifier and a regressor), ``evaluate``, ``predict``, the forward
pass of every layer of ``deltanet.nn``, every loss of ``deltanet.losses``, every optimizer of
``deltanet.optim`` and every file reader of ``deltanet.data``. The cases (``CASES``): wrong rank
or feature count, NaN/Inf, string/object/complex/float16 data, ragged lists, labels out of range
or not integers, zero samples, X/y length mismatch, a batch size of 0 or larger than the data,
invalid hyperparameters, a model that is not built, predicting before training.

Each (entry point, case) pair declares its outcome:

- ``Raises``: the error class and a regular expression for the specific message; every such
  message must also name the entry point (the layer, loss, optimizer, argument or file: the
  entry's ``names`` pattern) and say both what was expected and what was received (the
  ``EXPECTED`` and ``RECEIVED`` vocabularies). A ``TypeError``/``AttributeError``/``IndexError``
  from deep inside NumPy fails the check.
- ``Works``: the input is legitimate and the result is checked (a batch larger than the data is
  one full batch, as in PyTorch's DataLoader and Keras; NaN fed to a layer comes out as NaN,
  because layers do not scan their inputs, while fit/evaluate/predict refuse it up front).
- ``Warns``: converted with a warning (float16 data in fit/evaluate/predict).

Decisions, stated once: ``predict`` on a model that was never trained is allowed (layers are
built with random weights at construction, as in PyTorch, so there is no "not fitted" state);
a model class passed instead of an instance, or any non-Module, is refused.
"""

from __future__ import annotations

import gzip
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim
from deltanet.data import read_csv, read_idx, read_image, read_npz, read_npz_xy, write_idx

CASES = (
    "wrong_rank",
    "wrong_features",
    "nan",
    "inf",
    "string_dtype",
    "object_dtype",
    "complex_dtype",
    "float16",
    "ragged",
    "label_out_of_range",
    "label_not_integer",
    "zero_samples",
    "length_mismatch",
    "batch_size_zero",
    "batch_size_above_n",
    "invalid_hyperparameter",
    "model_not_built",
    "predict_before_training",
    "wrong_argument_type",
    "missing_file",
    "malformed_file",
)
# What a message must do, in words: state what was expected (a requirement, a range, the known
# names, an instruction) and quote what was received (a value, a shape, a dtype, a name).
EXPECTED = re.compile(
    r"expect|must|need|should|only|required|at least|at most|one of|known|cannot|larger than|"
    r"smaller than|is not|not a|no such|no array|no column|no data|holds no|computes in|"
    r"\bin [\[(]|\bpass\b|out of (bounds|range)|declare|do not match|does not match",
    re.I,
)
RECEIVED = re.compile(r"got|has |have |holds|declares|contains|found|unknown|\d|'[^']*'|\bNaN\b|\binf", re.I)


@dataclass
class Raises:
    exc: type
    pattern: str


@dataclass
class Works:
    check: Callable[[Any], None]


@dataclass
class Warns:
    category: type
    pattern: str
    check: Callable[[Any], None]


@dataclass
class Check:
    entry: str
    case: str
    variant: str
    names: str  # how a message names the entry point
    run: Callable[[Path], Any]
    expect: Raises | Works | Warns
    bug: str | None = None  # a known bug in a module this suite may not change: xfail(strict)

    @property
    def id(self) -> str:
        return f"{self.entry}-{self.case}" + (f"-{self.variant}" if self.variant else "")


CHECKS: list[Check] = []


def add(
    entry: str, names: str, case: str, run: Callable[..., Any], expect: Any, variant: str = "", bug: str | None = None
) -> None:
    assert case in CASES, case
    CHECKS.append(Check(entry, case, variant, names, run, expect, bug))


# -- shared data -------------------------------------------------------------------------------
RNG = np.random.default_rng(0)
N = 12
X = RNG.standard_normal((N, 4)).astype(np.float32)
Y = RNG.integers(0, 3, N)
Y_REG = RNG.standard_normal((N, 2)).astype(np.float32)


def with_value(a: np.ndarray, value: float) -> np.ndarray:
    b = a.astype(np.float64).copy()
    b.flat[min(5, b.size - 1)] = value
    return b


def classifier() -> nn.Module:
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))


def regressor() -> nn.Module:
    dn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 2))


def weights(model: nn.Module) -> list[np.ndarray]:
    return [p.array.copy() for p in model.parameters()]


# == fit, evaluate, predict =====================================================================
def fit_classifier(X=X, y=Y, model=None, **kw):
    model = classifier() if model is None else model
    opt = kw.pop("optimizer", None)
    if opt is None:
        opt = optim.SGD(model.parameters(), lr=0.1) if isinstance(model, nn.Module) else "sgd"
    kw.setdefault("epochs", 1)
    kw.setdefault("monitor", False)
    return dn.fit(model, X, y, kw.pop("loss", "cross_entropy"), opt, **kw)


def fit_regressor(X=X, y=Y_REG, **kw):
    model = regressor()
    kw.setdefault("epochs", 1)
    kw.setdefault("monitor", False)
    return dn.fit(model, X, y, "mse", optim.SGD(model.parameters(), lr=0.1), **kw)


def same_as_full_batch(fit: Callable) -> Callable:
    def check(_: Any) -> None:
        models = []
        for batch_size in (10 * N, None):
            model = classifier()
            fit(model=model, batch_size=batch_size, epochs=3)
            models.append(weights(model))
        for a, b in zip(*models, strict=True):
            np.testing.assert_array_equal(a, b)

    return check


_X_NAMES = r"\bX\b|\by\b|batch_size|epochs|verbose|shuffle|metric|loss|optimizer|rng|model|validation|callbacks|monitor"

# The cases shared by the three functions that take samples X.
_X_CASES = [
    (
        "wrong_rank",
        "1-D",
        lambda f: f(X=X[:, 0]),
        r"Expected a 2-D array \(n_samples, n_features\) for X, got 1-D array of shape \(12,\)",
    ),
    ("wrong_rank", "scalar", lambda f: f(X=1.0), r"Expected a 2-D array .* for X, got 0-D array"),
    (
        "wrong_features",
        "",
        lambda f: f(X=X[:, :3]),
        r"X has 3 features, but the model's first layer Linear\(in_features=4.*expects 4 features",
    ),
    (
        "nan",
        "X",
        lambda f: f(X=with_value(X, np.nan)),
        r"Input X contains NaN \(1 non-finite values\); expected finite",
    ),
    ("inf", "X", lambda f: f(X=with_value(X, -np.inf)), r"Input X contains infinity \(1 non-finite values\)"),
    ("string_dtype", "X", lambda f: f(X=X.astype(str)), r"X: expected numeric data.*got dtype <U\d+ \(strings\)"),
    (
        "object_dtype",
        "X",
        lambda f: f(X=X.astype(object)),
        r"X: expected numeric data.*got dtype object \(Python objects\)",
    ),
    (
        "complex_dtype",
        "X",
        lambda f: f(X=X.astype(complex)),
        r"X: expected numeric data.*got dtype complex128 \(complex numbers\)",
    ),
    (
        "ragged",
        "X",
        lambda f: f(X=[[1.0, 2.0, 3.0, 4.0], [1.0]]),
        r"X: expected a numeric array, got list that NumPy cannot convert",
    ),
    (
        "zero_samples",
        "",
        lambda f: f(X=X[:0], **({"y": Y[:0]} if f is not do_predict else {})),
        r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\) in X, while a minimum of 1 is required",
    ),
    (
        "model_not_built",
        "class",
        lambda f: f(model=nn.Linear),
        r"model must be a deltanet\.nn\.Module instance, got the class Linear itself; build the model first",
    ),
    (
        "model_not_built",
        "None",
        lambda f: f(model=None, nomodel=True),
        r"model must be a deltanet\.nn\.Module instance, got NoneType None",
    ),
    (
        "model_not_built",
        "function",
        lambda f: f(model=lambda x: x),
        r"model must be a deltanet\.nn\.Module instance, got function",
    ),
]
_Y_CASES = [
    ("nan", "y", lambda f: f(y=with_value(Y, np.nan)), r"Input y contains NaN"),
    (
        "string_dtype",
        "y",
        lambda f: f(y=np.array(["a", "b", "c"] * 4)),
        r"y: expected numeric data.*got dtype <U1 \(strings\)",
    ),
    ("complex_dtype", "y", lambda f: f(y=Y.astype(complex)), r"y: expected numeric data.*got dtype complex128"),
    (
        "label_out_of_range",
        "above",
        lambda f: f(y=Y + 3),
        r"y: class labels must be integers in \[0, 3\) for a model with 3 outputs, got values from 3 to 5",
    ),
    (
        "label_out_of_range",
        "negative",
        lambda f: f(y=Y - 3),
        r"y: class labels must be integers in \[0, 3\).*got values from -3",
    ),
    (
        "label_not_integer",
        "",
        lambda f: f(y=Y + 0.5),
        r"y: class labels must be integers, got non-integer values \(e\.g\. \d\.5\)",
    ),
    (
        "length_mismatch",
        "",
        lambda f: f(y=Y[:6]),
        r"X and y have inconsistent numbers of samples: X has 12, y has 6; expected one target per sample",
    ),
]


def do_fit(model=None, nomodel=False, **kw):
    return (
        fit_classifier(model=model if model is not None or nomodel else None, **kw)
        if not nomodel
        else dn.fit(None, X, Y, "cross_entropy", "sgd", monitor=False)
    )


def do_evaluate(X=X, y=Y, model=None, nomodel=False, **kw):
    model = None if nomodel else (classifier() if model is None else model)
    kw.setdefault("loss", "cross_entropy")
    return dn.evaluate(model, X, y, **kw)


def do_predict(X=X, model=None, nomodel=False, **kw):
    model = None if nomodel else (classifier() if model is None else model)
    return dn.predict(model, X, **kw)


for _entry, _fn, _cases in (
    ("fit", do_fit, _X_CASES + _Y_CASES),
    ("evaluate", do_evaluate, _X_CASES + _Y_CASES),
    ("predict", do_predict, [c for c in _X_CASES]),
):
    for _case, _variant, _call, _pattern in _cases:
        add(_entry, _X_NAMES, _case, lambda tmp, c=_call, f=_fn: c(f), Raises(ValueError, _pattern), _variant)

# float16 data: converted exactly, with a warning.
for _entry, _fn in (("fit", do_fit), ("evaluate", do_evaluate), ("predict", do_predict)):
    add(
        _entry,
        _X_NAMES,
        "float16",
        lambda tmp, f=_fn: f(X=X.astype(np.float16)),
        Warns(
            UserWarning,
            r"X has dtype float16, which deltanet does not compute in; it was converted to float32",
            lambda result: None,
        ),
    )

# fit: batch sizes, hyperparameters, validation data.
add(
    "fit",
    _X_NAMES,
    "batch_size_zero",
    lambda tmp: fit_classifier(batch_size=0),
    Raises(ValueError, r"batch_size must be a positive integer or None \(full batch\), got 0"),
)
add(
    "fit",
    _X_NAMES,
    "batch_size_zero",
    lambda tmp: fit_classifier(batch_size=-4),
    Raises(ValueError, r"batch_size must be a positive integer or None.*got -4"),
    "negative",
)
add(
    "fit",
    _X_NAMES,
    "batch_size_zero",
    lambda tmp: fit_classifier(batch_size=2.5),
    Raises(ValueError, r"batch_size must be a positive integer or None.*got 2\.5"),
    "float",
)
add("fit", _X_NAMES, "batch_size_above_n", lambda tmp: None, Works(same_as_full_batch(fit_classifier)))
for _variant, _kw, _pattern in (
    ("epochs", {"epochs": -1}, r"epochs must be a non-negative integer, got -1"),
    ("epochs float", {"epochs": 1.5}, r"epochs must be a non-negative integer, got 1\.5"),
    (
        "verbose",
        {"verbose": 3},
        r"verbose must be 'auto', 0 \(silent\), 1 \(progress bar\) or 2 \(one line per epoch\), got 3",
    ),
    ("shuffle", {"shuffle": "yes"}, r"shuffle must be True, False or 'with_replacement', got 'yes'"),
    ("loss name", {"loss": "crossentropyy"}, r"unknown loss 'crossentropyy'; known names: "),
    ("metric as loss", {"loss": "accuracy"}, r"'accuracy' is a metric, not a loss"),
    ("optimizer name", {"optimizer": "adamm"}, r"optim\.get: unknown optimizer 'adamm'; expected one of"),
    (
        "optimizer object",
        {"optimizer": 3},
        r"optimizer must be a deltanet.optim optimizer .*got 3",
    ),
    ("metrics", {"metrics": ["acuracy"]}, r"unknown metric 'acuracy'"),
    ("rng", {"rng": "seed"}, r"rng must be None, an int seed or a numpy\.random\.Generator, got 'seed'"),
    (
        "callbacks",
        {"callbacks": [dn.callbacks.EarlyStopping]},
        r"callbacks must be Callback instances, got <class "
        r".*EarlyStopping.*did you pass the class instead of an instance",
    ),
    (
        "validation pair",
        {"validation_data": (X,)},
        r"validation_data must be a pair \(X_val, y_val\), got a tuple of length 1",
    ),
    (
        "validation features",
        {"validation_data": (X[:, :3], Y)},
        r"validation X has 3 features, but the model's first layer",
    ),
    ("validation labels", {"validation_data": (X, Y + 5)}, r"validation y: class labels must be integers in \[0, 3\)"),
    ("monitor", {"monitor": "yes"}, r"monitor must be True, False or a Monitor, got 'yes'"),
):
    add(
        "fit",
        _X_NAMES,
        "invalid_hyperparameter",
        lambda tmp, kw=_kw: fit_classifier(**kw),
        Raises(ValueError, _pattern),
        _variant,
    )

# fit of a regressor: targets of the wrong shape, NaN/Inf targets.
add(
    "fit (regression)",
    _X_NAMES,
    "wrong_features",
    lambda tmp: fit_regressor(y=Y_REG[:, :1].repeat(3, axis=1)),
    Raises(ValueError, r"y has shape \(12, 3\), but the model outputs shape \(N, 2\); expected y of shape \(12, 2\)"),
    "y",
)
add(
    "fit (regression)",
    _X_NAMES,
    "inf",
    lambda tmp: fit_regressor(y=with_value(Y_REG, np.inf)),
    Raises(ValueError, r"Input y contains infinity"),
    "y",
)
add(
    "fit (regression)",
    _X_NAMES,
    "nan",
    lambda tmp: fit_regressor(y=with_value(Y_REG, np.nan)),
    Raises(ValueError, r"Input y contains NaN"),
    "y",
)
add(
    "fit (regression)",
    _X_NAMES,
    "length_mismatch",
    lambda tmp: fit_regressor(y=Y_REG[:5]),
    Raises(ValueError, r"X and y have inconsistent numbers of samples: X has 12, y has 5"),
)
add(
    "fit (regression)",
    _X_NAMES,
    "string_dtype",
    lambda tmp: fit_regressor(y=Y_REG.astype(str)),
    Raises(ValueError, r"y: expected numeric data.*got dtype <U\d+ \(strings\)"),
    "y",
)
add(
    "fit (regression)",
    _X_NAMES,
    "zero_samples",
    lambda tmp: fit_regressor(X=X[:0], y=Y_REG[:0]),
    Raises(ValueError, r"Found array with 0 sample\(s\)"),
)
add(
    "fit (regression)",
    _X_NAMES,
    "label_out_of_range",
    lambda tmp: dn.fit(nn.Sequential(nn.Linear(4, 1)), X, Y.astype(float), "bce_with_logits", "sgd", monitor=False),
    Raises(ValueError, r"y: binary targets must lie in \[0, 1\], got values from 0 to 2"),
    "binary targets",
)

# evaluate / predict: batch sizes, hyperparameters, untrained models.
for _entry, _fn in (("evaluate", do_evaluate), ("predict", do_predict)):
    add(
        _entry,
        _X_NAMES,
        "batch_size_zero",
        lambda tmp, f=_fn: f(batch_size=0),
        Raises(ValueError, r"batch_size must be a positive integer or None \(full batch\), got 0"),
    )
    add(
        _entry,
        _X_NAMES,
        "invalid_hyperparameter",
        lambda tmp, f=_fn: f(batch_size="all"),
        Raises(ValueError, r"batch_size must be a positive integer or None.*got 'all'"),
        "batch_size",
    )

    def _above(result: Any, f=_fn) -> None:
        pass


add(
    "evaluate",
    _X_NAMES,
    "batch_size_above_n",
    lambda tmp: (do_evaluate(batch_size=10 * N), do_evaluate()),
    Works(lambda r: r[0] == r[1] or pytest.fail(f"{r[0]} != {r[1]}")),
)
add(
    "predict",
    _X_NAMES,
    "batch_size_above_n",
    lambda tmp: (do_predict(batch_size=10 * N), do_predict(batch_size=5), do_predict()),
    Works(lambda r: (np.testing.assert_array_equal(r[0], r[2]), np.testing.assert_allclose(r[1], r[2], rtol=1e-6))),
)
add(
    "evaluate",
    _X_NAMES,
    "invalid_hyperparameter",
    lambda tmp: do_evaluate(metrics=["acc_score"]),
    Raises(ValueError, r"unknown metric 'acc_score'"),
    "metrics",
)
add(
    "evaluate",
    _X_NAMES,
    "invalid_hyperparameter",
    lambda tmp: do_evaluate(loss="nope"),
    Raises(ValueError, r"unknown loss 'nope'"),
    "loss",
)
add(
    "evaluate",
    _X_NAMES,
    "label_out_of_range",
    lambda tmp: do_evaluate(y=Y + 3, loss=None),
    Raises(ValueError, r"y: class labels must be integers in \[0, 3\) for a model with 3 outputs"),
    "no loss, accuracy only",
)


def _untrained(result: Any) -> None:
    model = classifier()
    out = dn.predict(model, X)
    assert out.shape == (N, 3) and np.isfinite(out).all()
    with dn.no_grad():
        np.testing.assert_array_equal(out, model(dn.tensor(X)).array)


add("predict", _X_NAMES, "predict_before_training", lambda tmp: None, Works(_untrained))
add(
    "evaluate",
    _X_NAMES,
    "predict_before_training",
    lambda tmp: do_evaluate(),
    Works(lambda r: (set(r) == {"loss", "accuracy"} and np.isfinite(r["loss"])) or pytest.fail(str(r))),
)


# == layers ====================================================================================
@dataclass
class LayerSpec:
    cls: type
    make: Callable[[], nn.Module]
    shape: tuple  # a valid input
    bad_rank: tuple | None = None  # an input of the wrong rank
    feature_axis: int | None = None  # the axis whose size the layer fixes
    zero_samples_error: str | None = None
    bad_hyperparameters: tuple = ()  # (variant, thunk, pattern)


def _h(variant: str, thunk: Callable, pattern: str) -> tuple:
    return (variant, thunk, pattern)


LAYERS = [
    LayerSpec(
        nn.Linear,
        lambda: nn.Linear(4, 3),
        (2, 4),
        bad_rank=(),
        feature_axis=-1,
        bad_hyperparameters=(
            _h("in_features 0", lambda: nn.Linear(0, 3), r"Linear: in_features must be a positive integer, got 0"),
            _h(
                "out_features float",
                lambda: nn.Linear(4, 2.5),
                r"Linear: out_features must be a positive integer, got 2\.5",
            ),
            _h("init", lambda: nn.Linear(4, 3, init="glorot"), r"unknown initializer 'glorot'; expected one of"),
            _h("dtype", lambda: nn.Linear(4, 3, dtype=np.float16), r"float32 or float64, got float16"),
        ),
    ),
    LayerSpec(
        nn.Flatten,
        lambda: nn.Flatten(),
        (2, 3, 2),
        bad_hyperparameters=(
            _h(
                "start_dim",
                lambda: nn.Flatten("1"),
                r"Flatten: start_dim must be an axis \(an integer such as 1 or -1\), got '1'",
            ),
        ),
    ),
]
_CONV_SHAPES = {1: (2, 2, 6), 2: (2, 2, 5, 5), 3: (1, 2, 4, 4, 4)}
# The wrong rank of a convolution or a pool is the spatial axes alone: (C, *spatial) is one sample
# (PyTorch's unbatched input), which they take.
for _d, (_conv, _convt) in {
    1: (nn.Conv1d, nn.ConvTranspose1d),
    2: (nn.Conv2d, nn.ConvTranspose2d),
    3: (nn.Conv3d, nn.ConvTranspose3d),
}.items():
    _name = _conv.__name__
    LAYERS.append(
        LayerSpec(
            _conv,
            lambda c=_conv: c(2, 3, 2),
            _CONV_SHAPES[_d],
            bad_rank=_CONV_SHAPES[_d][2:],
            feature_axis=1,
            bad_hyperparameters=(
                _h(
                    "in_channels 0",
                    lambda c=_conv: c(0, 3, 2),
                    rf"{_name}: in_channels must be a positive integer, got 0",
                ),
                _h("kernel_size 0", lambda c=_conv: c(2, 3, 0), rf"{_name}: kernel_size must be >= 1, got 0"),
                _h("stride 0", lambda c=_conv: c(2, 3, 2, stride=0), rf"{_name}: stride must be >= 1, got 0"),
                _h("padding -1", lambda c=_conv: c(2, 3, 2, padding=-1), rf"{_name}: padding must be >= 0, got -1"),
                _h(
                    "padding 'full'",
                    lambda c=_conv: c(2, 3, 2, padding="full"),
                    rf"{_name}: padding must be an int, a tuple, 'same' or 'valid', got 'full'",
                ),
                _h(
                    "groups",
                    lambda c=_conv: c(3, 4, 2, groups=2),
                    rf"{_name}: groups=2 must divide in_channels=3 and out_channels=4",
                ),
            ),
        )
    )
    _name_t = _convt.__name__
    LAYERS.append(
        LayerSpec(
            _convt,
            lambda c=_convt: c(2, 3, 2),
            _CONV_SHAPES[_d],
            bad_rank=_CONV_SHAPES[_d][2:],
            feature_axis=1,
            bad_hyperparameters=(
                _h(
                    "out_channels 0",
                    lambda c=_convt: c(2, 0, 2),
                    rf"{_name_t}: out_channels must be a positive integer, got 0",
                ),
                _h(
                    "output_padding",
                    lambda c=_convt: c(2, 3, 2, stride=2, output_padding=2),
                    rf"{_name_t}: output_padding must be smaller than either stride or dilation",
                ),
            ),
        )
    )
for _d, (_max, _avg, _ada) in {
    1: (nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d),
    2: (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d),
    3: (nn.MaxPool3d, nn.AvgPool3d, nn.AdaptiveAvgPool3d),
}.items():
    for _pool in (_max, _avg):
        _name = _pool.__name__
        _hyper = (
            _h("kernel_size 0", lambda p=_pool: p(0), rf"{_name}: kernel_size must be >= 1, got 0"),
            _h("stride 0", lambda p=_pool: p(2, stride=0), rf"{_name}: stride must be >= 1, got 0"),
            _h(
                "padding",
                lambda p=_pool: p(2, padding=2),
                rf"{_name}: padding should be at most half of the kernel size, got padding=2",
            ),
            _h(
                "kernel_size str",
                lambda p=_pool: p("2"),
                rf"{_name}: kernel_size must be an int or a tuple of {_d} ints, got '2'",
            ),
        )
        if _pool is _avg:
            _hyper += (
                _h(
                    "count_include_pad",
                    lambda p=_pool: p(2, count_include_pad="no"),
                    rf"{_name}: count_include_pad must be True or False, got 'no'",
                ),
            )
        LAYERS.append(
            LayerSpec(
                _pool, lambda p=_pool: p(2), _CONV_SHAPES[_d], bad_rank=_CONV_SHAPES[_d][2:], bad_hyperparameters=_hyper
            )
        )
    _name = _ada.__name__
    LAYERS.append(
        LayerSpec(
            _ada,
            lambda a=_ada: a(2),
            _CONV_SHAPES[_d],
            bad_rank=_CONV_SHAPES[_d][2:],
            bad_hyperparameters=(
                _h(
                    "output_size 0",
                    lambda a=_ada: a(0),
                    rf"{_name}: output_size must be a positive integer or a tuple of {_d} of them "
                    r"\(None: keep the axis\), got 0",
                ),
                _h(
                    "output_size length",
                    lambda a=_ada, d=_d: a((1,) * (d + 1)),
                    rf"{_name}: output_size must be a positive integer or a tuple of {_d} of them",
                ),
            ),
        )
    )
LAYERS += [
    LayerSpec(nn.GlobalAvgPool, lambda: nn.GlobalAvgPool(), (2, 3, 4, 4), bad_rank=(2, 3)),
]
# The spatial-transformer and ShuffleNet surface (portf): adaptive max pooling, im2col, shuffles, resizes.
for _d, _ada in ((1, nn.AdaptiveMaxPool1d), (2, nn.AdaptiveMaxPool2d), (3, nn.AdaptiveMaxPool3d)):
    LAYERS.append(
        LayerSpec(
            _ada,
            lambda a=_ada: a(2),
            _CONV_SHAPES[_d],
            bad_rank=_CONV_SHAPES[_d][2:],
            bad_hyperparameters=(
                _h("output_size 0", lambda a=_ada: a(0), rf"{_ada.__name__}: output_size must be a positive integer"),
                _h(
                    "return_indices",
                    lambda a=_ada: a(2, return_indices="yes"),
                    rf"{_ada.__name__}: return_indices must be True or False, got 'yes'",
                ),
            ),
        )
    )
for _d, _lp in ((1, nn.LPPool1d), (2, nn.LPPool2d), (3, nn.LPPool3d)):
    LAYERS.append(
        LayerSpec(
            _lp,
            lambda c=_lp: c(2, 2),
            _CONV_SHAPES[_d],
            bad_rank=_CONV_SHAPES[_d][2:],
            bad_hyperparameters=(
                _h("norm_type 0", lambda c=_lp: c(0, 2), rf"{_lp.__name__}: norm_type must be a nonzero number"),
                _h("kernel_size 0", lambda c=_lp: c(2, 0), rf"{_lp.__name__}: kernel_size must be >= 1, got 0"),
            ),
        )
    )
LAYERS += [
    LayerSpec(
        nn.ChannelShuffle,
        lambda: nn.ChannelShuffle(2),
        (2, 4, 3, 3),
        bad_rank=(4,),
        bad_hyperparameters=(
            _h("groups 0", lambda: nn.ChannelShuffle(0), r"ChannelShuffle: groups must be a positive integer, got 0"),
        ),
    ),
    LayerSpec(
        nn.Unfold,
        lambda: nn.Unfold(2, padding=1),
        (2, 3, 4, 4),
        bad_rank=(4, 4),
        bad_hyperparameters=(_h("kernel_size 0", lambda: nn.Unfold(0), r"Unfold: kernel_size must be >= 1, got 0"),),
    ),
    LayerSpec(
        nn.Fold,
        lambda: nn.Fold((3, 3), 2),
        (2, 8, 4),
        bad_rank=(8,),
        bad_hyperparameters=(
            _h("output_size", lambda: nn.Fold("3", 2), r"Fold: output_size must be an int or a tuple of 2 ints"),
        ),
    ),
    LayerSpec(
        nn.UpsamplingBilinear2d,
        lambda: nn.UpsamplingBilinear2d(scale_factor=2),
        (2, 2, 3, 3),
        bad_rank=(2, 3),
        bad_hyperparameters=(
            _h(
                "both sizes",
                lambda: nn.UpsamplingBilinear2d(3, 2),
                r"UpsamplingBilinear2d: give exactly one of size and scale_factor",
            ),
        ),
    ),
    LayerSpec(
        nn.UpsamplingNearest2d,
        lambda: nn.UpsamplingNearest2d(size=(4, 5)),
        (2, 2, 3, 3),
        bad_rank=(2, 3),
        bad_hyperparameters=(
            _h(
                "scale_factor",
                lambda: nn.UpsamplingNearest2d(scale_factor=0),
                r"UpsamplingNearest2d: scale_factor must be a positive number",
            ),
        ),
    ),
]
for _d, _shape in ((1, (2, 3, 4)), (2, (2, 3, 4, 4)), (3, (1, 2, 3, 3, 3))):
    for _kind in ("Zero", "Constant", "Reflection", "Replication"):
        _cls = getattr(nn, f"{_kind}Pad{_d}d")
        _make = (lambda c=_cls: c(1, 0.5)) if _kind == "Constant" else (lambda c=_cls: c(1))
        _bad = (
            _h(
                "padding length",
                (lambda c=_cls, d=_d: c((1,) * (2 * d + 1), 0.5))
                if _kind == "Constant"
                else (lambda c=_cls, d=_d: c((1,) * (2 * d + 1))),
                rf"{_cls.__name__}: padding must be an int or a tuple of {2 * _d} ints",
            ),
        )
        # The constant pads take any rank (PyTorch's too); the others (C, *S) or (N, C, *S).
        _rank = None if _kind in ("Zero", "Constant") else _shape[2:]
        LAYERS.append(LayerSpec(_cls, _make, _shape, bad_rank=_rank, bad_hyperparameters=_bad))
for _d, _shape in ((1, (2, 3, 4)), (2, (2, 3, 4, 4)), (3, (1, 2, 3, 3, 3))):
    _cls = getattr(nn, f"CircularPad{_d}d")
    LAYERS.append(
        LayerSpec(
            _cls,
            lambda c=_cls: c(1),
            _shape,
            bad_rank=_shape[2:],
            bad_hyperparameters=(
                _h(
                    "padding length",
                    lambda c=_cls, d=_d: c((1,) * (2 * d + 1)),
                    rf"{_cls.__name__}: padding must be an int or a tuple of {2 * _d} ints",
                ),
            ),
        )
    )
LAYERS += [
    LayerSpec(
        nn.RMSNorm,
        lambda: nn.RMSNorm(4),
        (3, 4),
        bad_rank=(),
        feature_axis=1,
        bad_hyperparameters=(
            _h("eps", lambda: nn.RMSNorm(4, eps=-1.0), r"RMSNorm: eps must be a number >= 0, got -1\.0"),
            _h("normalized_shape", lambda: nn.RMSNorm(0), r"RMSNorm: normalized_shape must be a positive integer"),
        ),
    ),
    LayerSpec(
        nn.AlphaDropout,
        lambda: nn.AlphaDropout(0.5, rng=0),
        (2, 3),
        bad_hyperparameters=(
            _h("p", lambda: nn.AlphaDropout(1.5), r"AlphaDropout: p is the probability of dropping a unit"),
        ),
    ),
    LayerSpec(
        nn.FeatureAlphaDropout,
        lambda: nn.FeatureAlphaDropout(0.5, rng=0),
        (2, 3, 4),
        bad_rank=(3,),
        bad_hyperparameters=(
            _h("p", lambda: nn.FeatureAlphaDropout(-0.5), r"FeatureAlphaDropout: p is the probability"),
        ),
    ),
    LayerSpec(
        nn.Dropout1d,
        lambda: nn.Dropout1d(0.5, rng=0),
        (2, 3, 4),
        bad_rank=(2, 3, 4, 5),
        bad_hyperparameters=(_h("p", lambda: nn.Dropout1d(1.0), r"Dropout1d: p must be in \[0, 1\), got p=1\.0"),),
    ),
]
LAYERS.append(
    LayerSpec(
        nn.SyncBatchNorm,
        lambda: nn.SyncBatchNorm(4),
        (3, 4, 2),
        bad_rank=(4,),
        feature_axis=1,
        zero_samples_error=r"Expected more than 1 value per channel when training, got 0 over all ranks",
        bad_hyperparameters=(
            _h(
                "num_features 0", lambda: nn.SyncBatchNorm(0), r"SyncBatchNorm: num_features must be a positive integer"
            ),
            _h("group", lambda: nn.SyncBatchNorm(4, process_group=1), r"SyncBatchNorm: process_group must be None"),
        ),
    )
)
for _bn, _shape in ((nn.BatchNorm1d, (3, 4)), (nn.BatchNorm2d, (2, 4, 3, 3)), (nn.BatchNorm3d, (2, 4, 2, 2, 2))):
    _name = _bn.__name__
    LAYERS.append(
        LayerSpec(
            _bn,
            lambda b=_bn: b(4),
            _shape,
            bad_rank=_shape[1:],
            feature_axis=1,  # an empty batch gives an empty output, as PyTorch's (zero_samples: Works)
            bad_hyperparameters=(
                _h("num_features 0", lambda b=_bn: b(0), rf"{_name}: num_features must be a positive integer, got 0"),
                _h("eps", lambda b=_bn: b(4, eps=-1), rf"{_name}: eps must be a number > 0, got -1"),
                _h(
                    "momentum",
                    lambda b=_bn: b(4, momentum=2),
                    rf"{_name}: momentum must be a number in \[0, 1\] or None",
                ),
            ),
        )
    )
LAYERS += [
    LayerSpec(
        nn.Dropout,
        lambda: nn.Dropout(0.5, rng=0),
        (3, 4),
        bad_hyperparameters=(
            _h("p 1", lambda: nn.Dropout(1.0), r"Dropout: p must be in \[0, 1\), got p=1\.0"),
            _h(
                "p negative",
                lambda: nn.Dropout(-0.1),
                r"Dropout: p is the probability of dropping a unit, in \[0, 1\), got -0\.1",
            ),
            _h("p str", lambda: nn.Dropout("0.5"), r"Dropout: p must be a number in \[0, 1\), got '0\.5'"),
            _h(
                "rng",
                lambda: nn.Dropout(0.5, rng="x"),
                r"Dropout: rng must be None, an int seed or a numpy\.random\.Generator, got 'x'",
            ),
        ),
    ),
    LayerSpec(
        nn.Dropout2d,
        lambda: nn.Dropout2d(0.5, rng=0),
        (2, 3, 2, 2),
        bad_rank=(4,),
        bad_hyperparameters=(
            _h(
                "p",
                lambda: nn.Dropout2d(1.5),
                r"Dropout2d: p is the probability of dropping a unit, in \[0, 1\), got 1\.5",
            ),
        ),
    ),
    LayerSpec(
        nn.Dropout3d,
        lambda: nn.Dropout3d(0.5, rng=0),
        (2, 3, 2, 2, 2),
        bad_rank=(4,),
        bad_hyperparameters=(
            _h(
                "p",
                lambda: nn.Dropout3d(1.5),
                r"Dropout3d: p is the probability of dropping a unit, in \[0, 1\), got 1\.5",
            ),
        ),
    ),
    LayerSpec(
        nn.Upsample,
        lambda: nn.Upsample(scale_factor=2),
        (2, 2, 3, 3),
        bad_rank=(2, 3),
        bad_hyperparameters=(
            _h(
                "mode",
                lambda: nn.Upsample(mode="cubic"),
                r"Upsample: mode must be one of 'nearest', .*, 'area', got 'cubic'",
            ),
            _h(
                "scale_factor", lambda: nn.Upsample(scale_factor=0), r"Upsample: scale_factor must be a positive number"
            ),
            _h(
                "align_corners",
                lambda: nn.Upsample(align_corners=True),
                r"Upsample: align_corners=True only applies to the linear modes",
            ),
        ),
    ),
    LayerSpec(nn.ReLU, nn.ReLU, (2, 3)),
    *(
        LayerSpec(cls, cls, (2, 3))
        for cls in (
            nn.ReLU6,
            nn.Hardsigmoid,
            nn.Hardswish,
            nn.Hardshrink,
            nn.Softshrink,
            nn.RReLU,
            nn.CELU,
            nn.SELU,
            nn.Mish,
            nn.LogSigmoid,
            nn.Softsign,
            nn.Tanhshrink,
        )
    ),
    LayerSpec(
        nn.Hardtanh,
        nn.Hardtanh,
        (2, 3),
        bad_hyperparameters=(
            _h("max below min", lambda: nn.Hardtanh(1.0, -1.0), r"Hardtanh: max_val must be at least min_val"),
        ),
    ),
    LayerSpec(
        nn.Threshold,
        lambda: nn.Threshold(0.1, 20.0),
        (2, 3),
        bad_hyperparameters=(_h("value", lambda: nn.Threshold(0.1, "a"), r"Threshold: value must be a number"),),
    ),
    LayerSpec(
        nn.GLU,
        lambda: nn.GLU(dim=1),
        (2, 4),
        bad_hyperparameters=(_h("dim", lambda: nn.GLU(dim="1"), r"GLU: dim must be an axis"),),
    ),
    LayerSpec(nn.Softmin, lambda: nn.Softmin(dim=1), (2, 3)),
    LayerSpec(nn.Softmax2d, nn.Softmax2d, (2, 3, 2, 2), bad_rank=(2, 3)),
    LayerSpec(nn.Sigmoid, nn.Sigmoid, (2, 3)),
    LayerSpec(nn.Tanh, nn.Tanh, (2, 3)),
    LayerSpec(nn.Step, nn.Step, (2, 3)),
    LayerSpec(nn.SiLU, nn.SiLU, (2, 3)),
    LayerSpec(
        nn.LeakyReLU,
        nn.LeakyReLU,
        (2, 3),
        bad_hyperparameters=(
            _h(
                "slope above 1",
                lambda: nn.LeakyReLU(2.0),
                r"LeakyReLU: negative_slope must be a number in \[0, 1\], got 2\.0",
            ),
            _h(
                "slope str",
                lambda: nn.LeakyReLU("0.1"),
                r"LeakyReLU: negative_slope must be a number in \[0, 1\], got '0\.1'",
            ),
        ),
    ),
    LayerSpec(
        nn.PReLU,
        lambda: nn.PReLU(4),
        (2, 4),
        bad_rank=(4,),
        feature_axis=1,
        bad_hyperparameters=(
            _h("num_parameters", lambda: nn.PReLU(0), r"PReLU: num_parameters must be a positive integer, got 0"),
            _h("init", lambda: nn.PReLU(init="a"), r"PReLU: init must be a finite number, got 'a'"),
        ),
    ),
    LayerSpec(
        nn.ELU,
        nn.ELU,
        (2, 3),
        bad_hyperparameters=(
            _h("alpha", lambda: nn.ELU(-1.0), r"ELU: alpha must be a number >= 0, got -1\.0"),
            _h("alpha NaN", lambda: nn.ELU(float("nan")), r"ELU: alpha must be a number >= 0, got nan"),
        ),
    ),
    LayerSpec(
        nn.Softplus,
        nn.Softplus,
        (2, 3),
        bad_hyperparameters=(
            _h("beta 0", lambda: nn.Softplus(beta=0), r"Softplus: beta must be a number > 0, got 0"),
            _h("beta NaN", lambda: nn.Softplus(beta=float("nan")), r"Softplus: beta must be a number > 0, got nan"),
            _h("threshold", lambda: nn.Softplus(threshold="20"), r"Softplus: threshold must be a number, got '20'"),
        ),
    ),
    LayerSpec(
        nn.Softmax,
        lambda: nn.Softmax(dim=1),
        (2, 3),
        bad_rank=(3,),
        bad_hyperparameters=(
            _h(
                "dim",
                lambda: nn.Softmax(dim="1"),
                r"Softmax: dim must be an axis \(an integer such as 1 or -1\) or None, got '1'",
            ),
        ),
    ),
    LayerSpec(
        nn.LogSoftmax,
        lambda: nn.LogSoftmax(dim=1),
        (2, 3),
        bad_rank=(3,),
        bad_hyperparameters=(
            _h(
                "dim",
                lambda: nn.LogSoftmax(dim=1.0),
                r"LogSoftmax: dim must be an axis \(an integer such as 1 or -1\) or None, got 1\.0",
            ),
        ),
    ),
]
LAYERS += [
    LayerSpec(
        nn.GELU,
        nn.GELU,
        (2, 3),
        bad_hyperparameters=(
            _h("approximate", lambda: nn.GELU("fast"), r"GELU: approximate must be one of 'none', 'tanh', got 'fast'"),
        ),
    ),
    LayerSpec(
        nn.LayerNorm,
        lambda: nn.LayerNorm(4),
        (3, 4),
        bad_rank=(),
        feature_axis=1,
        bad_hyperparameters=(
            _h("eps", lambda: nn.LayerNorm(4, eps=float("nan")), r"LayerNorm: eps must be a number > 0, got nan"),
            _h("normalized_shape", lambda: nn.LayerNorm(0), r"LayerNorm: normalized_shape must be a positive integer"),
        ),
    ),
    LayerSpec(
        nn.GroupNorm,
        lambda: nn.GroupNorm(2, 4),
        (2, 4, 3),
        bad_rank=(4,),
        feature_axis=1,
        bad_hyperparameters=(
            _h("groups", lambda: nn.GroupNorm(3, 4), r"GroupNorm: num_groups=3 must divide num_channels=4"),
            _h("eps", lambda: nn.GroupNorm(2, 4, eps=float("inf")), r"GroupNorm: eps must be a number > 0, got inf"),
        ),
    ),
    LayerSpec(
        nn.LocalResponseNorm,
        lambda: nn.LocalResponseNorm(3),
        (2, 4, 3, 3),
        bad_rank=(4,),  # any number of channels: it fixes no axis
        bad_hyperparameters=(
            _h("size", lambda: nn.LocalResponseNorm(0), r"LocalResponseNorm: size must be a positive integer, got 0"),
            _h(
                "alpha",
                lambda: nn.LocalResponseNorm(2, alpha=float("nan")),
                r"LocalResponseNorm: alpha must be a number >= 0, got nan",
            ),
        ),
    ),
    LayerSpec(
        nn.PixelShuffle,
        lambda: nn.PixelShuffle(2),
        (2, 8, 2, 2),
        bad_rank=(8, 2),
        bad_hyperparameters=(
            _h("factor", lambda: nn.PixelShuffle(0), r"PixelShuffle: upscale_factor must be a positive integer, got 0"),
        ),
    ),
    LayerSpec(
        nn.PixelUnshuffle,
        lambda: nn.PixelUnshuffle(2),
        (2, 2, 4, 4),
        bad_rank=(4, 4),
        bad_hyperparameters=(
            _h(
                "factor",
                lambda: nn.PixelUnshuffle(1.5),
                r"PixelUnshuffle: downscale_factor must be a positive integer, got 1\.5",
            ),
        ),
    ),
    LayerSpec(
        nn.Unflatten,
        lambda: nn.Unflatten(1, (2, 2)),
        (3, 4),
        bad_rank=(4,),
        bad_hyperparameters=(
            _h("sizes", lambda: nn.Unflatten(1, 4), r"Unflatten: unflattened_size must be a tuple of sizes"),
        ),
    ),
]
for _inorm, _shape in (
    (nn.InstanceNorm1d, (2, 4, 5)),
    (nn.InstanceNorm2d, (2, 4, 3, 3)),
    (nn.InstanceNorm3d, (2, 4, 2, 2, 2)),
):
    _name = _inorm.__name__
    LAYERS.append(
        LayerSpec(
            _inorm,
            lambda i=_inorm: i(4, affine=True),
            _shape,
            bad_rank=_shape[2:],
            feature_axis=1,
            bad_hyperparameters=(
                _h("eps", lambda i=_inorm: i(4, eps=float("nan")), rf"{_name}: eps must be a number > 0, got nan"),
                _h(
                    "momentum",
                    lambda i=_inorm: i(4, momentum=2),
                    rf"{_name}: momentum must be a number in \[0, 1\] or None \(running statistics frozen\), got 2",
                ),
            ),
        )
    )
# Not checked: Identity (returns any input as it is), Module and the containers (their
# forward is their children's); the losses, which have their own matrix below; Embedding, whose
# input is integer indices (tests/nn/test_embedding.py checks its bad inputs).
NOT_LAYERS = {
    nn.Identity,
    nn.Module,
    nn.Sequential,
    nn.ModuleList,
    nn.ModuleDict,
    nn.ParameterList,
    nn.ParameterDict,
    nn.DataParallel,  # a container too (tests/nn/test_data_parallel.py checks its argument)
    nn.Parameter,
    nn.Embedding,
    nn.EmbeddingBag,  # integer indices too: tests/nn/test_embedding_bag.py
    nn.RNNCellBase,  # the cells' base: no forward of its own (the cells are checked below)
    # two inputs: tests/functional/test_metric_learning.py checks their bad inputs
    nn.Bilinear,
    nn.CosineSimilarity,
    nn.PairwiseDistance,
    # Two inputs, values and indices (tests/functional/test_spatial_ops.py checks their bad inputs).
    nn.MaxUnpool1d,
    nn.MaxUnpool2d,
    nn.MaxUnpool3d,
    # Several inputs (query, key, value; src, tgt) and errors raised by the attention inside:
    # tests/nn/test_attention.py and tests/nn/test_transformer.py check their bad inputs.
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
    nn.TransformerEncoder,
    nn.TransformerDecoderLayer,
    nn.TransformerDecoder,
    nn.Transformer,
    *(c for c in vars(nn).values() if isinstance(c, type) and issubclass(c, losses.Loss)),
}
_BAD_RANK_MESSAGE = {
    nn.Linear: r"expected input with 4 features in its last axis, got shape \(\)",
    nn.GlobalAvgPool: r"global_avg_pool expects an input \(N, C, \*spatial\) with at least 3 axes, got shape \(2, 3\)",
    nn.Dropout2d: r"expected an input of shape \(N, C, \*spatial\) with at least 2 axes, got shape \(4,\)",
    nn.Dropout3d: r"expected an input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got shape \(4,\)",
    nn.Upsample: r"interpolate expects an input \(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got shape \(2, 3\)",
    nn.PReLU: r"prelu: 4 parameters need an input with 4 channels on axis 1, got shape \(4,\)",
    nn.Softmax: r"axis 1 is out of bounds for array of dimension 1",
    nn.LogSoftmax: r"axis 1 is out of bounds for array of dimension 1",
    nn.Softmax2d: r"expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got 2-D",
}


def _layer_input(shape: tuple, dtype: Any = np.float32) -> np.ndarray:
    return np.random.default_rng(1).standard_normal(shape).astype(dtype)


def _forward(spec: LayerSpec, x: Any) -> dn.Tensor:
    layer = spec.make()
    return layer(
        x
        if isinstance(x, dn.Tensor)
        else dn.tensor(x)
        if isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64)
        else x
    )


def _nan_propagates(spec: LayerSpec) -> Callable:
    def run(tmp: Path) -> tuple:
        x = _layer_input(spec.shape)
        x.flat[0] = np.nan
        return spec.make()(dn.tensor(x)), x

    return run


def _check_nan(result: tuple) -> None:
    out, _ = result
    assert np.isnan(out.array).any(), "NaN in the input vanished from the output"


def _zero_samples(spec: LayerSpec) -> tuple[Callable, Callable]:
    def run(tmp: Path) -> tuple:
        layer = spec.make()
        return layer(dn.tensor(_layer_input((0,) + spec.shape[1:]))), layer(dn.tensor(_layer_input(spec.shape)))

    def check(result: tuple) -> None:
        empty, full = result
        assert empty.shape == (0,) + full.shape[1:]

    return run, check


class _FirstOutput(nn.Module):
    """A recurrent layer seen through its first output (its forward returns (output, states)); its
    errors pass through unchanged, naming the layer."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: Any) -> dn.Tensor:
        out = self.layer(x)
        return out[0] if isinstance(out, tuple) else out


_RECURRENT_BAD = {
    "input_size 0": (lambda c: c(0, 4), r"{}: input_size must be a positive integer, got 0"),
    "hidden_size float": (lambda c: c(3, 4.5), r"{}: hidden_size must be a positive integer, got 4\.5"),
    "bias string": (lambda c: c(3, 4, bias="no"), r"{}: bias must be True or False, got 'no'"),
}
for _cls in (nn.RNN, nn.LSTM, nn.GRU):
    LAYERS.append(
        LayerSpec(
            _cls,
            lambda c=_cls: _FirstOutput(c(3, 4, batch_first=True)),
            (2, 5, 3),
            bad_rank=(4,),
            feature_axis=-1,
            bad_hyperparameters=(
                *(_h(v, lambda c=_cls, t=t: t(c), p.format(_cls.__name__)) for v, (t, p) in _RECURRENT_BAD.items()),
                _h(
                    "dropout",
                    lambda c=_cls: c(3, 4, num_layers=2, dropout=2.0),
                    rf"{_cls.__name__}: dropout must be a number in \[0, 1\], got 2\.0",
                ),
            ),
        )
    )
for _cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
    LAYERS.append(
        LayerSpec(
            _cls,
            lambda c=_cls: _FirstOutput(c(3, 4)),
            (2, 3),
            bad_rank=(1, 2, 3),
            feature_axis=-1,
            bad_hyperparameters=tuple(
                _h(v, lambda c=_cls, t=t: t(c), p.format(_cls.__name__)) for v, (t, p) in _RECURRENT_BAD.items()
            ),
        )
    )
LAYERS.append(
    LayerSpec(
        nn.RNNBase,
        lambda: _FirstOutput(nn.RNNBase("GRU", 3, 4, batch_first=True)),
        (2, 5, 3),
        bad_rank=(4,),
        feature_axis=-1,
        bad_hyperparameters=(
            _h("mode", lambda: nn.RNNBase("LSTMX", 3, 4), r"RNNBase: mode must be one of 'RNN_TANH', .*got 'LSTMX'"),
        ),
    )
)


for _spec in LAYERS:
    _entry = _spec.cls.__name__
    _names = rf"^{re.escape(_entry)}[:(]"  # the message starts with the layer's repr or name
    if _spec.bad_rank is not None:
        _rank_pattern = _BAD_RANK_MESSAGE.get(_spec.cls, r"expect.*got shape \(" + ", ".join(map(str, _spec.bad_rank)))
        add(
            _entry,
            _names,
            "wrong_rank",
            lambda tmp, s=_spec: _forward(s, _layer_input(s.bad_rank)),
            Raises(ValueError, _rank_pattern),
        )
    if _spec.feature_axis is not None:
        _bigger = list(_spec.shape)
        _bigger[_spec.feature_axis] += 1
        add(
            _entry,
            _names,
            "wrong_features",
            lambda tmp, s=_spec, b=tuple(_bigger): _forward(s, _layer_input(b)),
            Raises(ValueError, r"(expect|need).*" + re.escape(str(tuple(_bigger)))),
        )
    for _case, _dtype, _pattern in (
        ("string_dtype", str, r"deltanet expects numeric data \(float, int or bool\), got dtype <U"),
        ("object_dtype", object, r"deltanet expects numeric data \(float, int or bool\), got dtype object"),
        ("complex_dtype", complex, r"deltanet expects numeric data \(float, int or bool\), got dtype complex128"),
        ("float16", np.float16, r"deltanet computes in float32 or float64, got float16; convert first"),
    ):
        add(
            _entry,
            _names,
            _case,
            lambda tmp, s=_spec, d=_dtype: _forward(s, _layer_input(s.shape).astype(d)),
            Raises(ValueError, _pattern),
        )
    add(
        _entry,
        _names,
        "ragged",
        lambda tmp, s=_spec: _forward(s, [[1.0, 2.0], [3.0]]),
        Raises(ValueError, r"deltanet expects a rectangular array of numbers, got a list that NumPy cannot convert"),
    )
    add(_entry, _names, "nan", _nan_propagates(_spec), Works(_check_nan))
    if _spec.zero_samples_error:
        add(
            _entry,
            _names,
            "zero_samples",
            lambda tmp, s=_spec: _forward(s, _layer_input((0,) + s.shape[1:])),
            Raises(ValueError, _spec.zero_samples_error),
        )
    else:
        _run, _check = _zero_samples(_spec)
        add(_entry, _names, "zero_samples", _run, Works(_check))
    for _variant, _thunk, _pattern in _spec.bad_hyperparameters:
        add(
            _entry,
            rf"{re.escape(_entry)}|initializer|float16",
            "invalid_hyperparameter",
            lambda tmp, t=_thunk: t(),
            Raises(ValueError, _pattern),
            _variant,
        )


# == losses ====================================================================================
@dataclass
class LossSpec:
    cls: type
    make: Callable[[], Any]
    input: np.ndarray
    target: np.ndarray
    names: str
    kind: str  # "elementwise", "class", "binary", "hinge", "dice"
    bad_hyperparameters: tuple = ()


_Z = RNG.standard_normal((4, 3))
_LABELS = np.array([0, 2, 1, 2])
_PROB = RNG.uniform(0.1, 0.9, (4, 3))
_SEG = RNG.standard_normal((2, 1, 3, 3))
_SEG_TARGET = (RNG.random((2, 1, 3, 3)) > 0.5).astype(np.float64)
_SEG3 = RNG.standard_normal((2, 3, 3, 3))
_SEG3_LABELS = RNG.integers(0, 3, (2, 3, 3))
_M3 = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5], [1.0, 0.5, 0.0]])

LOSSES = [
    LossSpec(losses.MSELoss, losses.MSELoss, _Z, _PROB, "mse_loss|MSELoss", "elementwise"),
    LossSpec(losses.L1Loss, losses.L1Loss, _Z, _PROB, "l1_loss|L1Loss", "elementwise"),
    LossSpec(
        losses.HuberLoss,
        losses.HuberLoss,
        _Z,
        _PROB,
        "huber_loss|HuberLoss",
        "elementwise",
        (
            _h(
                "delta",
                lambda: losses.HuberLoss(delta=-1),
                r"HuberLoss: delta must be a positive finite number, got -1",
            ),
        ),
    ),
    LossSpec(losses.LogCoshLoss, losses.LogCoshLoss, _Z, _PROB, "log_cosh_loss|LogCoshLoss", "elementwise"),
    LossSpec(
        losses.BCELoss, losses.BCELoss, _PROB, (_PROB > 0.5).astype(float), "binary_cross_entropy|BCELoss", "binary"
    ),
    LossSpec(
        losses.BCEWithLogitsLoss,
        losses.BCEWithLogitsLoss,
        _Z,
        (_PROB > 0.5).astype(float),
        "binary_cross_entropy_with_logits|BCEWithLogitsLoss",
        "binary",
        (
            _h(
                "pos_weight",
                lambda: losses.BCEWithLogitsLoss(pos_weight=[np.nan]),
                r"BCEWithLogitsLoss: pos_weight must be a finite number "
                r"or an array of them that broadcasts to the input, got \[nan\]",
            ),
        ),
    ),
    LossSpec(losses.HingeLoss, losses.HingeLoss, _Z, np.sign(_Z - 0.1), "hinge_loss|HingeLoss", "hinge"),
    LossSpec(
        losses.CrossEntropy,
        losses.CrossEntropy,
        _Z,
        _LABELS,
        "cross_entropy|CrossEntropy",
        "class",
        (
            _h(
                "label_smoothing",
                lambda: losses.CrossEntropy(label_smoothing=2),
                r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got 2",
            ),
            _h(
                "weight",
                lambda: losses.CrossEntropy(weight=[[1.0]]),
                r"CrossEntropyLoss: weight must be a finite number or a 1-D array",
            ),
            _h(
                "weight per class",
                lambda: losses.CrossEntropy(weight=[1.0, 2.0])(dn.tensor(_Z), _LABELS),
                r"cross_entropy: weight must have one value per class, shape \(3,\), got shape \(2,\)",
            ),
        ),
    ),
    LossSpec(
        losses.NLLLoss,
        losses.NLLLoss,
        np.log(_PROB / _PROB.sum(1, keepdims=True)),
        _LABELS,
        "nll_loss|NLLLoss",
        "class",
    ),
    LossSpec(
        losses.MultiMarginLoss,
        losses.MultiMarginLoss,
        _Z,
        _LABELS,
        "multi_margin_loss|MultiMarginLoss",
        "class",
        (
            _h("p", lambda: losses.MultiMarginLoss(p=3), r"MultiMarginLoss: p must be 1 or 2, got 3"),
            _h(
                "margin",
                lambda: losses.MultiMarginLoss(margin=float("nan")),
                r"MultiMarginLoss: margin must be a finite number, got nan",
            ),
        ),
    ),
    LossSpec(
        losses.DiceLoss,
        losses.DiceLoss,
        _SEG,
        _SEG_TARGET,
        "dice_loss|DiceLoss",
        "dice",
        (
            _h(
                "smooth",
                lambda: losses.DiceLoss(smooth=-1),
                r"DiceLoss: smooth must be a number >= 0, got -1",
            ),
        ),
    ),
    LossSpec(
        losses.GeneralizedWassersteinDiceLoss,
        lambda: losses.GeneralizedWassersteinDiceLoss(_M3),
        _SEG3,
        _SEG3_LABELS,
        "generalized_wasserstein_dice_loss|GeneralizedWassersteinDiceLoss",
        "dice",
        (
            _h(
                "dist_matrix diagonal",
                lambda: losses.GeneralizedWassersteinDiceLoss([[0, 1], [1, 1]]),
                r"GeneralizedWassersteinDiceLoss: dist_matrix must have a zero diagonal",
            ),
            _h(
                "dist_matrix classes",
                lambda: losses.GeneralizedWassersteinDiceLoss([[0, 1], [1, 0]])(dn.tensor(_SEG3), _SEG3_LABELS),
                r"dist_matrix is 2 × 2 but the input has 3 classes.*expected a 3 × 3 matrix",
            ),
        ),
    ),
]
LOSSES += [
    LossSpec(
        losses.SmoothL1Loss,
        losses.SmoothL1Loss,
        _Z,
        _PROB,
        "smooth_l1_loss|SmoothL1Loss",
        "elementwise",
        bad_hyperparameters=(
            _h("beta", lambda: losses.SmoothL1Loss(beta=-1), r"SmoothL1Loss: beta must be a number >= 0, got -1"),
        ),
    ),
    LossSpec(
        losses.KLDivLoss,
        lambda: losses.KLDivLoss(reduction="batchmean"),
        _Z,
        _PROB,
        "kl_div|KLDivLoss",
        "elementwise",
        bad_hyperparameters=(
            _h(
                "log_target",
                lambda: losses.KLDivLoss(log_target="yes"),
                r"KLDivLoss: log_target must be True or False, got 'yes'",
            ),
        ),
    ),
]
LOSSES += [
    LossSpec(
        losses.SoftMarginLoss,
        losses.SoftMarginLoss,
        _Z,
        np.sign(_Z - 0.1),
        "soft_margin_loss|SoftMarginLoss",
        "elementwise",
    ),
    LossSpec(
        losses.HingeEmbeddingLoss,
        losses.HingeEmbeddingLoss,
        np.abs(_Z),
        np.sign(_Z - 0.1),
        "hinge_embedding_loss|HingeEmbeddingLoss",
        "elementwise",
        (_h("margin", lambda: losses.HingeEmbeddingLoss(margin="1"), r"HingeEmbeddingLoss: margin must be"),),
    ),
    LossSpec(
        losses.MultiLabelSoftMarginLoss,
        losses.MultiLabelSoftMarginLoss,
        _Z,
        (_PROB > 0.5).astype(float),
        "multilabel_soft_margin_loss|MultiLabelSoftMarginLoss",
        "elementwise",
    ),
    LossSpec(
        losses.MultiLabelMarginLoss,
        losses.MultiLabelMarginLoss,
        _Z,
        np.array([[0, 2, -1], [1, -1, 0], [2, 1, 0], [-1, 0, 0]]),
        "multilabel_margin_loss|MultiLabelMarginLoss",
        "elementwise",
    ),
    LossSpec(
        losses.PoissonNLLLoss,
        losses.PoissonNLLLoss,
        _Z,
        np.round(3 * _PROB),
        "poisson_nll_loss|PoissonNLLLoss",
        "elementwise",
        (_h("log_input", lambda: losses.PoissonNLLLoss(log_input="yes"), r"PoissonNLLLoss: log_input must be"),),
    ),
]
# The losses of pairs and triplets, and GaussianNLLLoss, take three tensors: their bad inputs are
# checked in tests/functional/test_metric_learning.py. CTCLoss takes four: its cases follow.
NOT_LOSSES = {
    losses.Loss,
    losses.CTCLoss,
    losses.CosineEmbeddingLoss,
    losses.GaussianNLLLoss,
    losses.MarginRankingLoss,
    losses.TripletMarginLoss,
    losses.TripletMarginWithDistanceLoss,
}

_CTC_X = np.log(RNG.dirichlet(np.ones(4), size=(5, 2)))  # (T, N, C) = (5, 2, 4) log-probabilities
_CTC_TARGETS = np.array([[1, 2], [3, 3]])


def _ctc(log_probs: Any = None, targets: Any = None, lengths: Any = ((5, 5), (2, 2)), **kw: Any) -> dn.Tensor:
    x = _CTC_X if log_probs is None else log_probs
    x = dn.tensor(x, requires_grad=True) if x.dtype in (np.float32, np.float64) else x
    return losses.CTCLoss(**kw)(x, _CTC_TARGETS if targets is None else targets, *lengths)


for _case, _variant, _run, _expect in (
    (
        "wrong_rank",
        "",
        lambda tmp: _ctc(_CTC_X[:, 0, 0]),
        Raises(RuntimeError, r"must be \(T, N, C\) or.*got shape \(5,\)"),
    ),
    ("float16", "", lambda tmp: _ctc(_CTC_X.astype(np.float16)), Raises(ValueError, r"computes in float32 or float64")),
    (
        "nan",
        "input propagates",
        lambda tmp: _ctc(np.where(np.arange(4) == 0, np.nan, _CTC_X)),  # the blank's log-probability
        Works(lambda value: np.isnan(value.item()) or pytest.fail(f"NaN input gave the loss {value.item()}")),
    ),
    (
        "label_out_of_range",
        "",
        lambda tmp: _ctc(targets=np.array([[1, 4], [3, 3]])),
        Raises(ValueError, r"targets must be class indices in \[0, 4\) other than the blank \(0\), got 4"),
    ),
    (
        "label_out_of_range",
        "blank",
        lambda tmp: _ctc(targets=np.array([[1, 0], [3, 3]])),
        Raises(ValueError, r"other than the blank \(0\), got 0"),
    ),
    (
        "label_not_integer",
        "",
        lambda tmp: _ctc(targets=np.array([[1.0, 2.5], [3.0, 3.0]])),
        Raises(ValueError, r"class indices must be integers, got the non-integer value 2\.5"),
    ),
    (
        "length_mismatch",
        "input_lengths",
        lambda tmp: _ctc(lengths=((5, 5, 5), (2, 2))),
        Raises(RuntimeError, r"input_lengths must be of size batch_size \(2\), got 3 lengths"),
    ),
    (
        "length_mismatch",
        "concatenated targets",
        lambda tmp: _ctc(targets=np.array([1, 2, 3])),
        Raises(RuntimeError, r"concatenated targets must hold sum\(target_lengths\) = 4 labels, got 3"),
    ),
    (
        "length_mismatch",
        "input longer than log_probs",
        lambda tmp: _ctc(lengths=((6, 5), (2, 2))),
        Raises(RuntimeError, r"Expected input_lengths to have value at most 5 .*, but got value 6"),
    ),
    (
        "zero_samples",
        "",
        lambda tmp: _ctc(_CTC_X[:, :0], np.zeros((0, 2), int), ((), ())),
        Raises(RuntimeError, r"log_probs tensor must not be empty, got shape \(5, 0, 4\)"),
    ),
    (
        "wrong_argument_type",
        "",
        lambda tmp: _ctc(lengths=(5, 2)),
        Raises(TypeError, r"input_lengths must be a tensor of integers or a tuple of ints, got 5"),
    ),
    (
        "invalid_hyperparameter",
        "reduction",
        lambda tmp: losses.CTCLoss(reduction="avg"),
        Raises(ValueError, r"CTCLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    ),
    (
        "invalid_hyperparameter",
        "blank",
        lambda tmp: _ctc(blank=4),
        Raises(RuntimeError, r"blank must be in label range \[0, 4\), got 4"),
    ),
    (
        "invalid_hyperparameter",
        "zero_infinity",
        lambda tmp: losses.CTCLoss(zero_infinity="yes"),
        Raises(ValueError, r"CTCLoss: zero_infinity must be True or False, got 'yes'"),
    ),
):
    add("CTCLoss", "ctc_loss|CTCLoss", _case, _run, _expect, _variant)


def _loss(spec: LossSpec, input: Any = None, target: Any = None, **kw: Any) -> dn.Tensor:
    loss = spec.make() if not kw else spec.cls(**kw)
    a = spec.input if input is None else input
    a = dn.tensor(a, requires_grad=True) if isinstance(a, np.ndarray) and a.dtype in (np.float32, np.float64) else a
    return loss(a, spec.target if target is None else target)


def _zero_sample_loss(spec: LossSpec) -> Callable:
    def run(tmp: Path) -> tuple:
        x = dn.tensor(spec.input[:0], requires_grad=True)
        loss = (
            spec.cls(reduction="sum")
            if spec.cls is not losses.GeneralizedWassersteinDiceLoss
            else spec.cls(_M3, reduction="sum")
        )
        value = loss(x, spec.target[:0])
        value.backward()
        return value, x

    return run


def _check_zero_sample_loss(result: tuple) -> None:
    value, x = result
    assert value.item() == 0.0 and x.grad.shape == x.shape


for _spec in LOSSES:
    _entry, _names = _spec.cls.__name__, _spec.names
    t, z = _spec.target, _spec.input
    if _spec.kind in ("class", "dice"):
        add(
            _entry,
            _names,
            "wrong_rank",
            lambda tmp, s=_spec: _loss(s, input=s.input.reshape(-1)),
            Raises(ValueError, r"expects|must be scores of shape|got shape \(" + str(z.size) + r",\)"),
        )
    add(
        _entry,
        _names,
        "length_mismatch",
        lambda tmp, s=_spec: _loss(s, target=s.target[:-1]),
        Raises(ValueError, r"shape|must match"),
    )
    if t.dtype.kind == "f" or _spec.kind == "class":
        add(
            _entry,
            _names,
            "nan",
            lambda tmp, s=_spec: _loss(s, target=with_value(s.target, np.nan).reshape(s.target.shape)),
            Raises(ValueError, r"target contains NaN or Inf \(1 of \d+ values\); targets must be finite"),
            "target",
        )
        add(
            _entry,
            _names,
            "inf",
            lambda tmp, s=_spec: _loss(s, target=with_value(s.target, np.inf).reshape(s.target.shape)),
            Raises(ValueError, r"target contains NaN or Inf"),
            "target",
        )
    add(
        _entry,
        _names,
        "nan",
        lambda tmp, s=_spec: _loss(s, input=with_value(s.input, np.nan).reshape(s.input.shape)),
        Works(lambda value: np.isnan(value.item()) or pytest.fail(f"NaN input gave the loss {value.item()}")),
        "input propagates",
    )
    for _case, _dtype, _pattern in (
        ("string_dtype", str, r"cannot use target of type ndarray: deltanet expects numeric data.*got dtype <U"),
        ("object_dtype", object, r"cannot use target of type ndarray: deltanet expects numeric data.*got dtype object"),
        (
            "complex_dtype",
            complex,
            r"cannot use target of type ndarray: deltanet expects numeric data.*got dtype complex128",
        ),
        (
            "float16",
            np.float16,
            r"cannot use target of type ndarray: deltanet computes in float32 or float64, got float16",
        ),
    ):
        add(
            _entry,
            _names,
            _case,
            lambda tmp, s=_spec, d=_dtype: _loss(s, target=s.target.astype(d)),
            Raises(ValueError, _pattern),
            "target",
        )
    add(
        _entry,
        _names,
        "float16",
        lambda tmp, s=_spec: _loss(s, input=s.input.astype(np.float16)),
        Raises(ValueError, r"cannot use input of type ndarray: deltanet computes in float32 or float64, got float16"),
        "input",
    )
    add(
        _entry,
        _names,
        "ragged",
        lambda tmp, s=_spec: _loss(s, input=[[1.0, 2.0], [3.0]]),
        Raises(ValueError, r"cannot use input of type list"),
    )
    if _spec.kind == "class":
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=np.array([0, 3, 1, 2])),
            Raises(
                ValueError, r"class indices must be in \[0, 3\) for 3 classes, got 3 \(1 target\(s\) out of range\)"
            ),
        )
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=np.array([0, -2, 1, 2])),
            Raises(ValueError, r"class indices must be in \[0, 3\) for 3 classes, got -2"),
            "negative",
        )
        add(
            _entry,
            _names,
            "label_not_integer",
            lambda tmp, s=_spec: _loss(s, target=np.array([0.0, 1.5, 1.0, 2.0])),
            Raises(ValueError, r"class indices must be integers, got the non-integer value 1\.5"),
        )
    elif _spec.kind == "binary":
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=s.target * 2),
            Raises(ValueError, r"target must be in \[0, 1\], got values from 2 to 2"),
        )
    elif _spec.kind == "hinge":
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=s.target * 2),
            Raises(ValueError, r"hinge_loss: labels must be -1 or \+1 \(or 0 and 1\), got -?2"),
        )
        add(
            _entry,
            _names,
            "label_not_integer",
            lambda tmp, s=_spec: _loss(s, target=s.target * 0.5),
            Raises(ValueError, r"hinge_loss: labels must be -1 or \+1 \(or 0 and 1\), got -?0\.5"),
        )
    elif _spec.cls is losses.GeneralizedWassersteinDiceLoss:
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=s.target + 3),
            Raises(ValueError, r"labels must be in \[0, 3\) for 3 classes, got \d"),
        )
        add(
            _entry,
            _names,
            "label_not_integer",
            lambda tmp, s=_spec: _loss(s, target=s.target + 0.5),
            Raises(ValueError, r"a label map must hold integer class labels, got the non-integer value"),
        )
    elif _spec.cls is losses.DiceLoss:  # binary Dice: probabilities in [0, 1]
        add(
            _entry,
            _names,
            "label_out_of_range",
            lambda tmp, s=_spec: _loss(s, target=s.target * 2),
            Raises(ValueError, r"dice_loss: target must be in \[0, 1\], got values from 2 to 2"),
        )
    add(_entry, _names, "zero_samples", _zero_sample_loss(_spec), Works(_check_zero_sample_loss))
    add(
        _entry,
        _names,
        "invalid_hyperparameter",
        lambda tmp, s=_spec: (
            s.cls(reduction="avg")
            if s.cls is not losses.GeneralizedWassersteinDiceLoss
            else s.cls(_M3, reduction="avg")
        ),
        Raises(ValueError, rf"{_entry}: reduction must be 'mean', (?:'batchmean', )?'sum' or 'none', got 'avg'"),
        "reduction",
    )
    for _variant, _thunk, _pattern in _spec.bad_hyperparameters:
        add(
            _entry,
            _names,
            "invalid_hyperparameter",
            lambda tmp, th=_thunk: th(),
            Raises(ValueError, _pattern),
            _variant,
        )


# == optimizers ================================================================================
def _params() -> list:
    return list(nn.Linear(2, 2).parameters())


OPTIMIZERS = {
    optim.SGD: (
        ("lr negative", {"lr": -0.1}, r"SGD: lr must be a number >= 0, got -0\.1"),
        ("lr NaN", {"lr": float("nan")}, r"SGD: lr must be a number >= 0, got nan"),
        ("lr inf", {"lr": float("inf")}, r"SGD: lr must be a finite number, got inf"),
        ("lr str", {"lr": "0.1"}, r"SGD: lr must be a number >= 0, got '0\.1'"),
        ("momentum", {"momentum": 1.5}, r"SGD: momentum must be a number in \[0, 1\), got 1\.5"),
        ("nesterov", {"nesterov": True}, r"SGD: nesterov=True needs momentum > 0 and dampening = 0"),
    ),
    optim.Adam: (
        ("lr negative", {"lr": -1}, r"Adam: lr must be a number >= 0, got -1"),
        ("betas", {"betas": (1.0, 0.9)}, r"Adam: betas\[0\] must be a number in \[0, 1\), got 1\.0"),
        ("betas length", {"betas": (0.9,)}, r"Adam: betas must be a pair \(beta1, beta2\), got \(0\.9,\)"),
        ("eps", {"eps": -1.0}, r"Adam: eps must be a number >= 0, got -1\.0"),
        ("weight_decay inf", {"weight_decay": float("inf")}, r"Adam: weight_decay must be a finite number, got inf"),
    ),
    optim.NAdam: (
        ("lr negative", {"lr": -1}, r"NAdam: lr must be a number >= 0, got -1"),
        ("momentum_decay", {"momentum_decay": -0.1}, r"NAdam: momentum_decay must be a number >= 0, got -0\.1"),
    ),
    optim.RAdam: (
        ("betas", {"betas": (0.9, 1.0)}, r"RAdam: betas\[1\] must be a number in \[0, 1\), got 1\.0"),
        ("decoupled", {"decoupled_weight_decay": 1}, r"RAdam: decoupled_weight_decay must be True or False, got 1"),
    ),
    optim.Adamax: (
        ("eps", {"eps": -1.0}, r"Adamax: eps must be a number >= 0, got -1\.0"),
        ("weight_decay inf", {"weight_decay": float("inf")}, r"Adamax: weight_decay must be a finite number, got inf"),
    ),
    optim.AdamW: (
        ("lr NaN", {"lr": float("nan")}, r"AdamW: lr must be a number >= 0, got nan"),
        ("weight_decay", {"weight_decay": -0.01}, r"AdamW: weight_decay must be a number >= 0, got -0\.01"),
    ),
    optim.Adagrad: (
        ("lr str", {"lr": "a"}, r"Adagrad: lr must be a number >= 0, got 'a'"),
        ("lr_decay", {"lr_decay": -1}, r"Adagrad: lr_decay must be a number >= 0, got -1"),
    ),
    optim.Adadelta: (
        ("rho", {"rho": 1.5}, r"Adadelta: rho must be a number in \[0, 1\], got 1\.5"),
        ("differentiable", {"differentiable": True}, r"Adadelta: differentiable=True is not supported"),
    ),
    optim.RMSprop: (
        ("alpha", {"alpha": 2}, r"RMSprop: alpha must be a number in \[0, 1\], got 2"),
        ("momentum", {"momentum": 1}, r"RMSprop: momentum must be a number in \[0, 1\), got 1"),
    ),
    optim.LBFGS: (
        ("history_size", {"history_size": 0}, r"LBFGS: history_size must be a positive integer, got 0"),
        ("tolerance_grad", {"tolerance_grad": -1.0}, r"LBFGS: tolerance_grad must be a number >= 0, got -1\.0"),
    ),
    optim.ASGD: (
        ("lambd", {"lambd": -1.0}, r"ASGD: lambd must be a number >= 0, got -1\.0"),
        ("t0 NaN", {"t0": float("nan")}, r"ASGD: t0 must be a number >= 0, got nan"),
    ),
    optim.Rprop: (
        ("etas", {"etas": (0.5, 0.9)}, r"Rprop: etas\[1\] must be a number > 1, got 0\.9"),
        ("step_sizes", {"step_sizes": (1e-6,)}, r"Rprop: step_sizes must be a pair of numbers, got \(1e-06,\)"),
    ),
    optim.Adafactor: (
        ("beta2_decay", {"beta2_decay": 0.1}, r"Adafactor: beta2_decay must be a number <= 0, got 0\.1"),
        ("d", {"d": 0.0}, r"Adafactor: d must be a number >= 1, got 0\.0"),
    ),
    optim.CG: (
        ("max_iter", {"max_iter": 0}, r"CG: max_iter must be a positive integer, got 0"),
        ("tol", {"tol": float("nan")}, r"CG: tol must be a number >= 0, got nan"),
    ),
}

for _cls, _hypers in OPTIMIZERS.items():
    _entry = _cls.__name__
    _names = rf"^{_entry}\b"
    for _variant, _kw, _pattern in _hypers:
        add(
            _entry,
            _names,
            "invalid_hyperparameter",
            lambda tmp, c=_cls, kw=_kw: c(_params(), **kw),
            Raises(ValueError, _pattern),
            _variant,
        )
    add(
        _entry,
        _names,
        "zero_samples",
        lambda tmp, c=_cls: c([]),
        Raises(ValueError, rf"{_entry}: got an empty parameter list \(expected at least one Parameter\)"),
        "no parameters",
    )
    add(
        _entry,
        _names,
        "model_not_built",
        lambda tmp, c=_cls: c(nn.Linear(2, 2)),
        Raises(ValueError, rf"{_entry}: params must be an iterable of Parameters or of dicts, got Linear"),
        "a model",
    )
    add(
        _entry,
        _names,
        "model_not_built",
        lambda tmp, c=_cls: c(None),
        Raises(ValueError, rf"{_entry}: params must be an iterable of Parameters or of dicts, got NoneType"),
        "None",
    )
    add(
        _entry,
        _names,
        "wrong_argument_type",
        lambda tmp, c=_cls: c([np.ones(3)]),
        Raises(ValueError, rf"{_entry}: parameter 0 is a ndarray, expected a Parameter"),
        "array",
    )
    add(
        _entry,
        _names,
        "wrong_argument_type",
        lambda tmp, c=_cls: c(list(nn.Linear(2, 2).named_parameters()) + _params()),
        Raises(ValueError, rf"{_entry}: parameter 2 has no name while others are \(name, Parameter\) pairs"),
        "named and unnamed",
    )
    add(
        _entry,
        _names,
        "wrong_argument_type",
        lambda tmp, c=_cls: c([dn.tensor([1.0, 2.0], requires_grad=True) * 2.0]),
        Raises(ValueError, rf"{_entry}: parameter 0 \(shape \(2,\)\) is not a leaf"),
        "not a leaf",
    )


# == file readers ==============================================================================
def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _npz(tmp: Path, name: str = "data.npz", **arrays: Any) -> Path:
    path = tmp / name
    np.savez(path, **arrays)
    return path


def _idx_bytes(array: np.ndarray, tmp: Path) -> bytes:
    path = tmp / "ok.idx"
    write_idx(path, array)
    return path.read_bytes()


_CSV_OK = "a,b,label\n1,2,0\n3,4,1\n5,6,0\n"
_READERS = {
    "read_csv": [
        (
            "missing_file",
            "",
            lambda tmp: read_csv(tmp / "none.csv"),
            Raises(FileNotFoundError, r"none\.csv: no such file"),
        ),
        (
            "zero_samples",
            "header only",
            lambda tmp: read_csv(_write(tmp, "h.csv", "a,b,label\n")),
            Raises(ValueError, r"h\.csv: no data rows after the header \(line 1\)"),
        ),
        (
            "zero_samples",
            "empty file",
            lambda tmp: read_csv(_write(tmp, "e.csv", "")),
            Raises(ValueError, r"e\.csv: empty CSV file; expected rows of comma-separated numbers"),
        ),
        (
            "wrong_features",
            "ragged row",
            lambda tmp: read_csv(_write(tmp, "r.csv", "a,b,label\n1,2,0\n3,4\n")),
            Raises(ValueError, r"r\.csv, line 3: expected 3 fields \(as in the header\), got 2"),
        ),
        (
            "nan",
            "",
            lambda tmp: read_csv(_write(tmp, "n.csv", "a,b,label\n1,nan,0\n")),
            Raises(ValueError, r"n\.csv, line 2, column 'b' \(1\): expected a finite number, got 'nan'"),
        ),
        (
            "inf",
            "",
            lambda tmp: read_csv(_write(tmp, "i.csv", "a,b,label\n1,2,0\n-inf,2,1\n")),
            Raises(ValueError, r"i\.csv, line 3, column 'a' \(0\): expected a finite number, got '-inf'"),
        ),
        (
            "string_dtype",
            "",
            lambda tmp: read_csv(_write(tmp, "s.csv", "a,b,label\n1,x,0\n")),
            Raises(ValueError, r"s\.csv, line 2, column 'b' \(1\): expected a number, got 'x'"),
        ),
        (
            "complex_dtype",
            "",
            lambda tmp: read_csv(_write(tmp, "c.csv", "a,b,label\n1,2+3j,0\n")),
            Raises(ValueError, r"c\.csv, line 2, column 'b' \(1\): expected a number, got '2\+3j'"),
        ),
        (
            "malformed_file",
            "binary",
            lambda tmp: read_csv(_write(tmp, "b.csv", b"\xff\xfe\x00garbage")),
            Raises(ValueError, r"b\.csv: not a UTF-8 text file"),
        ),
        (
            "invalid_hyperparameter",
            "target column",
            lambda tmp: read_csv(_write(tmp, "t.csv", _CSV_OK), target="class"),
            Raises(ValueError, r"t\.csv: no column 'class' in the header; the columns are \['a', 'b', 'label'\]"),
        ),
        (
            "invalid_hyperparameter",
            "target index",
            lambda tmp: read_csv(_write(tmp, "t.csv", _CSV_OK), target=7),
            Raises(ValueError, r"t\.csv: target column index 7 is out of range for 3 columns"),
        ),
        (
            "invalid_hyperparameter",
            "delimiter",
            lambda tmp: read_csv(_write(tmp, "t.csv", _CSV_OK), delimiter=";;"),
            Raises(ValueError, r"read_csv: delimiter must be one character, got ';;'"),
        ),
        (
            "invalid_hyperparameter",
            "header",
            lambda tmp: read_csv(_write(tmp, "t.csv", _CSV_OK), header="yes"),
            Raises(ValueError, r"read_csv: header must be one of True, False, 'auto', got 'yes'"),
        ),
        (
            "float16",
            "dtype",
            lambda tmp: read_csv(_write(tmp, "t.csv", _CSV_OK), dtype=np.float16),
            Raises(ValueError, r"read_csv: dtype must be float32 or float64, got float16"),
        ),
    ],
    "read_image": [
        (
            "missing_file",
            "",
            lambda tmp: read_image(tmp / "none.png"),
            Raises(FileNotFoundError, r"none\.png"),
        ),
        (
            "zero_samples",
            "empty file",
            lambda tmp: read_image(_write(tmp, "e.png", "")),
            Raises(ValueError, r"e\.png: cannot read it as an image"),
        ),
        (
            "malformed_file",
            "text named .nii",
            lambda tmp: read_image(_write(tmp, "t.nii", "not a volume")),
            Raises(ValueError, r"t\.nii: cannot read it as NIfTI"),
        ),
        (
            "malformed_file",
            "unknown suffix",
            lambda tmp: read_image(_write(tmp, "n.txt", "hello")),
            Raises(ValueError, r"n\.txt: unknown image format \(suffix '\.txt'\); deltanet reads NIfTI"),
        ),
    ],
    "read_npz": [
        (
            "missing_file",
            "",
            lambda tmp: read_npz(tmp / "none.npz"),
            Raises(FileNotFoundError, r"none\.npz: no such file"),
        ),
        (
            "malformed_file",
            "not a zip",
            lambda tmp: read_npz(_write(tmp, "x.npz", b"not a zip at all")),
            Raises(ValueError, r"x\.npz: not an \.npz file \(a zip archive of \.npy arrays\)"),
        ),
        (
            "object_dtype",
            "pickle",
            lambda tmp: read_npz(_npz(tmp, o=np.array([{"a": 1}], dtype=object))),
            Raises(
                ValueError, r"data\.npz: member 'o' is an object array \(dtype object\); loading it would need pickle"
            ),
        ),
        (
            "zero_samples",
            "no arrays",
            lambda tmp: read_npz(_empty_zip(tmp)),
            Raises(ValueError, r"empty\.npz: the archive holds no arrays"),
        ),
        (
            "malformed_file",
            "size",
            lambda tmp: read_npz(_bad_npy_size(tmp)),
            Raises(
                ValueError,
                r"bad\.npz: member 'X' declares shape \(1000,\) of float64 \(8000 bytes\), but holds \d+ bytes",
            ),
        ),
    ],
    "read_npz_xy": [
        (
            "length_mismatch",
            "",
            lambda tmp: read_npz_xy(_npz(tmp, X=np.zeros((5, 2)), y=np.zeros(4))),
            Raises(ValueError, r"arrays 'X' and 'y' must have one row per sample each, got shapes \(5, 2\) and \(4,\)"),
        ),
        (
            "invalid_hyperparameter",
            "missing member",
            lambda tmp: read_npz_xy(_npz(tmp, X=np.zeros((5, 2))), y="labels"),
            Raises(ValueError, r"no array 'labels' in the archive; it holds \['X'\]"),
        ),
        (
            "string_dtype",
            "",
            lambda tmp: read_npz_xy(_npz(tmp, X=np.array([["a"]]), y=np.zeros(1))),
            Raises(ValueError, r"array 'X' must be numeric with one row per sample, got <U1 of shape \(1, 1\)"),
        ),
        (
            "complex_dtype",
            "",
            lambda tmp: read_npz_xy(_npz(tmp, X=np.zeros((2, 2), complex), y=np.zeros(2))),
            Raises(ValueError, r"array 'X' must be numeric with one row per sample, got complex128"),
        ),
        (
            "wrong_rank",
            "0-D",
            lambda tmp: read_npz_xy(_npz(tmp, X=np.array(1.0), y=np.zeros(1))),
            Raises(ValueError, r"array 'X' must be numeric with one row per sample, got float64 of shape \(\)"),
        ),
    ],
    "read_idx": [
        (
            "missing_file",
            "",
            lambda tmp: read_idx(tmp / "none.idx"),
            Raises(FileNotFoundError, r"none\.idx: no such file"),
        ),
        (
            "malformed_file",
            "bad magic",
            lambda tmp: read_idx(_write(tmp, "m.idx", b"\x01\x02\x08\x01" + b"\x00" * 8)),
            Raises(ValueError, r"m\.idx: .*magic"),
        ),
        (
            "malformed_file",
            "short",
            lambda tmp: read_idx(_write(tmp, "s.idx", b"\x00\x00")),
            Raises(ValueError, r"s\.idx: not an IDX file: 2 bytes, shorter than the 4-byte magic number"),
        ),
        (
            "length_mismatch",
            "truncated",
            lambda tmp: read_idx(_write(tmp, "t.idx", _idx_bytes(np.zeros((4, 3), np.uint8), tmp)[:-2])),
            Raises(
                ValueError,
                r"t\.idx: truncated IDX file: the header declares shape "
                r"\(4, 3\) of uint8, 12 bytes, but only 10 bytes follow",
            ),
        ),
        (
            "length_mismatch",
            "trailing",
            lambda tmp: read_idx(_write(tmp, "x.idx", _idx_bytes(np.zeros(4, np.uint8), tmp) + b"\x00")),
            Raises(ValueError, r"x\.idx: wrong IDX size: trailing bytes after the 4 bytes of data"),
        ),
        (
            "length_mismatch",
            "gzip truncated",
            lambda tmp: read_idx(
                _write(tmp, "g.idx.gz", gzip.compress(_idx_bytes(np.zeros((4, 3), np.uint8), tmp)[:-5]))
            ),
            Raises(ValueError, r"g\.idx\.gz: .*(truncated|shorter|short)"),
        ),
        (
            "zero_samples",
            "",
            lambda tmp: read_idx(_write(tmp, "z.idx", _idx_bytes(np.zeros((0, 2, 2), np.uint8), tmp))),
            Works(lambda a: a.shape == (0, 2, 2) or pytest.fail(str(a.shape))),
        ),
    ],
}


def _empty_zip(tmp: Path) -> Path:
    path = tmp / "empty.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    return path


def _bad_npy_size(tmp: Path) -> Path:
    """An .npz whose member X declares 1000 float64 but holds 10."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.zeros(10))
    data = buffer.getvalue().replace(b"(10,)", b"(1000,)", 1)
    path = tmp / "bad.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", data)
    return path


for _entry, _items in _READERS.items():
    for _case, _variant, _run, _expect, *_bug in _items:
        add(_entry, rf"\.(csv|npz|idx|gz|png|nii|txt)\b|{_entry}", _case, _run, _expect, _variant, *_bug)


# == the suite =================================================================================
@pytest.mark.parametrize(
    "check",
    [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else []) for c in CHECKS],
)
def test_bad_input(check: Check, tmp_path: Path) -> None:
    expect = check.expect
    if isinstance(expect, Raises):
        with pytest.raises(Exception) as info:
            check.run(tmp_path)
        error = info.value
        assert isinstance(error, expect.exc), f"expected {expect.exc.__name__}, got {type(error).__name__}: {error}"
        message = str(error)
        assert re.search(expect.pattern, message), f"message {message!r} does not match {expect.pattern!r}"
        assert re.search(check.names, message), f"message {message!r} does not name {check.entry} ({check.names})"
        assert "\n" not in message.strip(), f"a one-line message was expected: {message!r}"
        if isinstance(error, ValueError):
            assert EXPECTED.search(message), f"message {message!r} does not say what was expected"
            assert RECEIVED.search(message), f"message {message!r} does not say what was received"
    elif isinstance(expect, Warns):
        with pytest.warns(expect.category, match=expect.pattern):
            result = check.run(tmp_path)
        expect.check(result)
    else:
        expect.check(check.run(tmp_path))


# -- the suite covers the whole API ----------------------------------------------------------------
def _public_classes(module: Any, base: type) -> set[type]:
    return {
        obj
        for name in dir(module)
        if not name.startswith("_")
        for obj in [getattr(module, name)]
        if isinstance(obj, type) and issubclass(obj, base)
    }


def test_every_layer_is_checked():
    checked = {spec.cls for spec in LAYERS}
    missing = _public_classes(nn, nn.Module) - checked - NOT_LAYERS - {nn.Swish}
    assert not missing, f"layers without a LayerSpec: {sorted(c.__name__ for c in missing)}"


def test_every_loss_is_checked():
    checked = {spec.cls for spec in LOSSES}
    missing = _public_classes(losses, losses.Loss) - checked - NOT_LOSSES
    assert not missing, f"losses without a LossSpec: {sorted(c.__name__ for c in missing)}"


def test_every_optimizer_is_checked():
    missing = _public_classes(optim, optim.Optimizer) - set(OPTIMIZERS) - {optim.Optimizer}
    assert not missing, f"optimizers without bad hyperparameters: {sorted(c.__name__ for c in missing)}"


def test_every_reader_is_checked():
    readers = {name for name in dir(dn.data) if name.startswith("read_") and name != "read_idx_header"}
    assert readers <= set(_READERS), f"readers without checks: {sorted(readers - set(_READERS))}"


def test_size_of_the_matrix():
    """How many bad-input cases run against how many entry points (quoted in the closing report)."""
    pairs = {(c.entry, c.case) for c in CHECKS}
    entries = {c.entry for c in CHECKS}
    per_case = Counter(case for _, case in pairs)
    assert len(entries) >= 60 and len(pairs) >= 400 and len(CHECKS) >= 600, (len(entries), len(pairs), len(CHECKS))
    # Every case of the issue runs somewhere.
    for case in (
        "wrong_rank",
        "wrong_features",
        "nan",
        "inf",
        "string_dtype",
        "object_dtype",
        "complex_dtype",
        "label_out_of_range",
        "label_not_integer",
        "zero_samples",
        "length_mismatch",
        "batch_size_zero",
        "batch_size_above_n",
        "invalid_hyperparameter",
        "model_not_built",
    ):
        assert per_case[case] > 0, case
