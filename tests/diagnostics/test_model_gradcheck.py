"""gradcheck_model: a whole model's gradients against central differences, a broken backward
found and named, the model left untouched."""

import copy

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.diagnostics import GradcheckError, gradcheck_model


class WrongSquare(dn.Function):
    """z² with a backward that forgets the factor 2."""

    def forward(self, z):
        self.save_for_backward(z)
        return z * z

    def backward(self, delta):
        (z,) = self.saved_tensors
        return delta * z


class Scaled(nn.Module):
    """y = WrongSquare(x ⊙ s): the gradient of s is wrong by a factor 2."""

    def __init__(self, n):
        super().__init__()
        self.scale = nn.Parameter(np.linspace(0.5, 1.5, n))

    def forward(self, x):
        return WrongSquare.apply(x * self.scale)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((6, 3)), rng.integers(0, 2, 6)


def test_a_correct_model_passes_in_every_parameter(data):
    X, y = data
    model = nn.Sequential(nn.Linear(3, 5, rng=0), nn.Tanh(), nn.Linear(5, 4, rng=1), nn.ELU(), nn.Linear(4, 2, rng=2))
    assert gradcheck_model(model, X, y, "cross_entropy")
    conv = nn.Sequential(nn.Conv1d(1, 2, 2, rng=0), nn.Sigmoid(), nn.Flatten(), nn.Linear(4, 2, rng=1))
    assert gradcheck_model(conv, X[:, None, :], y, dn.losses.CrossEntropy())


def test_a_wrong_backward_is_found_and_the_parameter_named(data):
    X, y = data
    model = nn.Sequential(nn.Linear(3, 3, rng=0), Scaled(3), nn.Linear(3, 2, rng=1))
    with pytest.raises(GradcheckError, match=r"for parameter '0.weight' .*backward gives"):
        gradcheck_model(model, X, y, "cross_entropy")


def test_the_model_is_left_as_it_was(data):
    X, y = data
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Dropout(0.5), nn.Linear(4, 2, rng=1))  # float32
    before = copy.deepcopy(model.state_dict())
    model.train()
    assert gradcheck_model(model, X, y, "cross_entropy")  # dropout off: the check runs in eval mode
    assert model.training and model[0].weight.dtype == np.float32
    assert all(np.array_equal(v, before[k]) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())


def test_large_models_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match=r"has 1,202 trainable parameters, more than max_params=1,000"):
        gradcheck_model(nn.Sequential(nn.Linear(3, 200), nn.Linear(200, 2)), X, y, "cross_entropy", max_params=1000)
