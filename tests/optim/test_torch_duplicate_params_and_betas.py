"""A parameter listed twice in a group, and Adam's betas given as ints: PyTorch's behaviour.

PyTorch keeps ``SGD([a, a])`` with a warning and updates ``a`` once per appearance; it refuses
``Adam(params, betas=(0, 0.5))`` (betas must be both floats). A parameter in two groups is refused
by both.
"""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import optim


def _param(values=(1.0, 2.0)):
    return dn.nn.Parameter(np.array(values))


def test_duplicate_parameter_warns_and_steps_once_per_appearance():
    a = _param()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt = optim.SGD([a, a], lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2
    a.grad = np.array([1.0, -2.0])
    opt.step()
    np.testing.assert_allclose(a.array, [1.0 - 0.2, 2.0 + 0.4])


def test_duplicate_parameter_momentum_starts_both_buffers_from_the_gradient():
    # PyTorch reads the buffers before the loop: on the first step both appearances start a
    # buffer equal to the gradient; from then on they share one buffer, updated twice.
    a = _param()
    with pytest.warns(UserWarning):
        opt = optim.SGD([a, a], lr=0.1, momentum=0.5)
    g = np.array([1.0, -2.0])
    a.grad = g
    opt.step()
    np.testing.assert_allclose(a.array, np.array([1.0, 2.0]) - 2 * 0.1 * g)
    np.testing.assert_allclose(opt.state[a]["momentum_buffer"], g)
    opt.step()
    first = 0.5 * g + g
    second = 0.5 * first + g
    np.testing.assert_allclose(a.array, np.array([1.0, 2.0]) - 0.2 * g - 0.1 * (first + second))


def test_duplicate_parameter_state_dict_numbers_as_pytorch():
    a, b = _param(), _param((3.0,))
    with pytest.warns(UserWarning):
        opt = optim.SGD([a, b, a], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(2), np.ones(1)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [2, 1, 2]
    assert sorted(sd["state"]) == [1, 2]
    with pytest.warns(UserWarning):
        again = optim.SGD([a, b, a], lr=0.1, momentum=0.9)
    again.load_state_dict(sd)
    np.testing.assert_array_equal(again.state[a]["momentum_buffer"], opt.state[a]["momentum_buffer"])


def test_parameter_in_two_groups_is_refused():
    a = _param()
    with pytest.raises(ValueError, match="already in another parameter group"):
        optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)


def test_no_warning_without_duplicates():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.SGD([_param(), _param()], lr=0.1)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("betas", [(0, 0.5), (0.9, 0), (np.float32(0.9), 0.999)])
def test_adam_betas_must_be_floats(cls, betas):
    with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
        cls([_param()], betas=betas)


def test_adam_float_betas_and_group_betas_accepted():
    a = _param()
    opt = optim.Adam([a], betas=(0.0, 0.5))
    opt.add_param_group({"params": [_param()], "betas": (0, 0.5)})  # groups are not type-checked
    assert opt.param_groups[1]["betas"] == (0, 0.5)
    with pytest.raises(ValueError, match=r"betas\[0\] must be a number in \[0, 1\)"):
        optim.Adam([a], betas=(1, 0.5))  # out of range: the range is named first, as PyTorch


CASES = [
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"momentum": 0.9, "dampening": 0.3}),
    ("SGD", {}),
    ("Adam", {}),
    ("AdamW", {"amsgrad": True}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}),
    ("Rprop", {}),
    ("ASGD", {}),
    ("Adamax", {}),
    ("NAdam", {}),
    ("RAdam", {}),
    ("Adadelta", {}),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_duplicate_parameter_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")

    def run(lib):
        a = lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=lib.float64))
        b = lib.nn.Parameter(lib.tensor([3.0], dtype=lib.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = getattr(lib.optim, name)([a, b, a], lr=0.1, **kwargs)
        for i in range(3):
            a.grad = lib.tensor([1.0, -2.0], dtype=lib.float64) * (i + 1)
            b.grad = lib.tensor([0.5], dtype=lib.float64)
            opt.step()
        sd = opt.state_dict()
        return a.detach().numpy(), b.detach().numpy(), sd["param_groups"][0]["params"], sorted(sd["state"])

    ours, theirs = run(dn), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-14)
    assert ours[2:] == theirs[2:]


@pytest.mark.parametrize("betas", [(0, 0.5), (0.5, 0), (0.0, 0.5), (1, 0.5)])
def test_adam_betas_acceptance_matches_torch(betas):
    torch = pytest.importorskip("torch")
    try:
        torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], betas=betas)
    except ValueError:
        with pytest.raises(ValueError):
            optim.Adam([_param()], betas=betas)
    else:
        optim.Adam([_param()], betas=betas)
