"""The nn items of issue 13, each a test that failed on main before the fix: silent Flatten,
Upsample with both size and scale_factor, non-finite hyperparameters, Linear(init="zeros"/"ones"),
ignore_index, hyperparameters changed after construction, and the module <-> summary cycle."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest

import deltanet as dn
from deltanet import init, nn

NAN, INF = float("nan"), float("inf")


def test_flatten_start_dim_outside_the_rank_is_an_error():
    with pytest.raises(
        ValueError,
        match=r"Flatten\(start_dim=5, end_dim=-1\): start_dim=5 is out of range for an input of shape \(2, 3\)",
    ):
        nn.Flatten(5)(dn.tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"end_dim=3 is out of range"):
        nn.Flatten(0, 3)(dn.tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"start_dim comes after end_dim"):
        nn.Flatten(1, 0)(dn.tensor(np.zeros((2, 3))))
    assert nn.Flatten(-2)(dn.tensor(np.zeros((2, 3, 4)))).shape == (2, 12)


def test_upsample_with_both_size_and_scale_factor_is_refused():
    with pytest.raises(
        ValueError,
        match=r"Upsample: give exactly one of size and scale_factor \(as PyTorch\), got size=4, scale_factor=2",
    ):
        nn.Upsample(size=4, scale_factor=2)
    with pytest.raises(ValueError, match=r"give exactly one of size and scale_factor"):
        nn.Upsample()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda w: init.uniform(w, a=NAN), r"uniform: a must be a finite number, got nan"),
        (lambda w: init.uniform(w, b=INF), r"uniform: b must be a finite number, got inf"),
        (lambda w: init.constant(w, INF), r"constant: value must be a finite number, got inf"),
        (lambda w: init.normal(w, std=NAN), r"normal: std must be a number >= 0, got nan"),
        (lambda w: init.normal(w, mean=INF), r"normal: mean must be a finite number, got inf"),
        (lambda w: init.glorot_uniform(w, gain=NAN), r"glorot_uniform: gain must be a finite number, got nan"),
        (lambda w: init.orthogonal(w, gain=INF), r"orthogonal: gain must be a finite number, got inf"),
        (
            lambda w: nn.Linear(2, 3, init=lambda t, rng: init.uniform(t, a=NAN, rng=rng)),
            r"uniform: a must be a finite",
        ),
        (lambda w: nn.Linear(2, 3, init=lambda t, rng: t.array.fill(NAN)), r"Linear: init left 6 of 6 weights NaN"),
        (
            lambda w: nn.Conv1d(1, 2, 3, init=lambda t, rng: t.array.fill(INF)),
            r"Conv1d: init left 6 of 6 weights NaN or infinite",
        ),
        (lambda w: nn.LeakyReLU(NAN), r"LeakyReLU: negative_slope must be a number in \[0, 1\], got nan"),
        (lambda w: nn.ELU(INF), r"ELU: alpha must be a number >= 0, got inf"),
        (lambda w: nn.PReLU(init=INF), r"PReLU: init must be a finite number, got inf"),
        (lambda w: nn.Dropout(NAN), r"Dropout: p is the probability of dropping a unit, in \[0, 1\), got nan"),
        (lambda w: nn.BatchNorm1d(3, eps=NAN), r"BatchNorm1d: eps must be a number > 0, got nan"),
        (lambda w: nn.BatchNorm2d(3, eps=INF), r"BatchNorm2d: eps must be a number > 0, got inf"),
        (lambda w: nn.BatchNorm1d(3, momentum=NAN), r"BatchNorm1d: momentum must be a number in \[0, 1\]"),
        (lambda w: nn.LayerNorm(3, eps=NAN), r"LayerNorm: eps must be a number > 0, got nan"),
        (lambda w: nn.GroupNorm(1, 3, eps=INF), r"GroupNorm: eps must be a number > 0, got inf"),
        (
            lambda w: nn.InstanceNorm2d(3, momentum=INF),
            r"InstanceNorm2d: momentum must be a number in \[0, 1\] or None \(running statistics frozen\), got inf",
        ),
        (lambda w: nn.Upsample(scale_factor=INF), r"Upsample: scale_factor must be a positive number"),
        (lambda w: nn.Embedding(3, 2, max_norm=NAN), r"Embedding: max_norm must be a number >= 0 or None, got nan"),
        (lambda w: nn.HuberLoss(delta=NAN), r"HuberLoss: delta must be a positive finite number, got nan"),
        (lambda w: nn.SmoothL1Loss(beta=INF), r"SmoothL1Loss: beta must be a number >= 0, got inf"),
        (
            lambda w: nn.CrossEntropyLoss(label_smoothing=NAN),
            r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got nan",
        ),
        (lambda w: nn.MultiMarginLoss(margin=INF), r"MultiMarginLoss: margin must be a finite number, got inf"),
        (
            lambda w: dn.functional.leaky_relu(dn.tensor([1.0]), INF),
            r"leaky_relu: negative_slope must be a finite number",
        ),
        (lambda w: dn.functional.elu(dn.tensor([1.0]), NAN), r"elu: alpha must be a finite number, got nan"),
    ],
)
def test_non_finite_hyperparameters_are_refused_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make(nn.Parameter(np.zeros((3, 4))))


@pytest.mark.parametrize("name, value", [("zeros", 0.0), ("ones", 1.0)])
@pytest.mark.parametrize("layer", [lambda init: nn.Linear(3, 2, init=init), lambda init: nn.Conv2d(1, 2, 3, init=init)])
def test_linear_and_conv_init_zeros_and_ones(name, value, layer):
    m = layer(name)
    assert np.all(m.weight.array == value) and np.all(m.bias.array == 0)


def test_ignore_index_outside_the_classes_is_usable():
    loss_fn = nn.CrossEntropyLoss(ignore_index=255)
    z = dn.tensor(np.random.default_rng(0).standard_normal((3, 4, 2, 2)), requires_grad=True)
    labels = np.full((3, 2, 2), 255)
    labels[0, 0, 0] = 1
    loss = loss_fn(z, labels)
    loss.backward()
    expected = -np.log(np.exp(z.array[0, :, 0, 0])[1] / np.exp(z.array[0, :, 0, 0]).sum())
    assert loss.item() == pytest.approx(expected) and loss_fn.ignore_index == 255
    assert np.count_nonzero(np.asarray(z.grad).any(axis=1)) == 1  # only the labelled pixel gets a gradient


@pytest.mark.parametrize(
    "layer, attribute, value, x",
    [
        (lambda: nn.LeakyReLU(0.01), "negative_slope", 0.3, [-1.0, 2.0]),
        (lambda: nn.ELU(1.0), "alpha", 0.5, [-1.0, 2.0]),
        (lambda: nn.Softplus(1.0), "beta", 3.0, [-1.0, 2.0]),
        (lambda: nn.GELU(), "approximate", "tanh", [-1.0, 2.0]),
        (lambda: nn.Softmax(dim=0), "dim", 1, [[1.0, 2.0], [0.0, 5.0]]),
        (lambda: nn.LayerNorm(2), "eps", 1.0, [[1.0, 3.0]]),
        (lambda: nn.Dropout(0.5, rng=0), "p", 0.0, [1.0, 2.0, 3.0]),
        (lambda: nn.Upsample(scale_factor=2), "scale_factor", 3, [[[1.0, 2.0]]]),
        (lambda: nn.Flatten(), "start_dim", 0, [[[1.0, 2.0]]]),
    ],
)
def test_hyperparameters_are_attributes_read_at_every_call(layer, attribute, value, x):
    m = layer()
    before = m(dn.tensor(np.array(x))).array.copy()
    setattr(m, attribute, value)
    after = m(dn.tensor(np.array(x))).array
    assert before.shape != after.shape or not np.allclose(before, after)
    fresh = layer()
    setattr(fresh, attribute, value)
    assert getattr(fresh, attribute) == value


def test_module_and_summary_do_not_import_each_other():
    src = Path(dn.__file__).parent / "nn"

    def imports(path):
        tree = ast.parse(path.read_text())
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        return names | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}

    assert "deltanet.nn.summary" not in imports(src / "module.py")
    assert "deltanet.nn.module" in imports(src / "summary.py")
    assert nn.Linear(2, 2).summary().total_params == 6


def test_model_to_int64_is_refused():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(
        ValueError, match=r"a model's parameters must stay floating point \(float32 or float64\), got int64"
    ):
        model.to("int64")
    assert model[0].weight.dtype == np.float32 and math.isfinite(float(model[0].weight.array.sum()))
