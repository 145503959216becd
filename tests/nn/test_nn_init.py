"""``deltanet.nn.init`` with PyTorch's names and defaults: in place on Parameters and Tensors,
the same tensor returned, seeded (``generator=``), the distributions' bounds and spreads, and
``calculate_gain`` equal to PyTorch's for every nonlinearity."""

import math
import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn import init

torch = pytest.importorskip("torch")


def _param(*shape):
    return nn.Parameter(np.zeros(shape, dtype=np.float64))


@pytest.mark.parametrize("nonlinearity", init.NONLINEARITIES)
@pytest.mark.parametrize("param", [None, 0.2, 3])
def test_calculate_gain_equals_torchs(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_bad_names():
    with pytest.raises(ValueError, match=r"calculate_gain: nonlinearity must be one of 'linear'.*got 'gelu'"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match=r"calculate_gain: param \(the negative slope\) must be a finite number"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize(
    "fill, low, high, std",
    [
        (lambda w: init.uniform_(w), 0.0, 1.0, math.sqrt(1 / 12)),
        (lambda w: init.uniform_(w, -2.0, 3.0), -2.0, 3.0, 5 / math.sqrt(12)),
        (lambda w: init.normal_(w), None, None, 1.0),
        (lambda w: init.normal_(w, 2.0, 0.5), None, None, 0.5),
        (lambda w: init.xavier_uniform_(w), -math.sqrt(6 / 500), math.sqrt(6 / 500), math.sqrt(2 / 500)),
        (lambda w: init.xavier_normal_(w, gain=2.0), None, None, 2 * math.sqrt(2 / 500)),
        (lambda w: init.kaiming_uniform_(w), -math.sqrt(6 / 200), math.sqrt(6 / 200), math.sqrt(2 / 200)),
        (
            lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)),
            -1 / math.sqrt(200),
            1 / math.sqrt(200),
            math.sqrt(1 / 600),
        ),
        (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), None, None, math.sqrt(2 / 300)),
        (lambda w: init.kaiming_normal_(w, nonlinearity="tanh"), None, None, (5 / 3) / math.sqrt(200)),
        (lambda w: init.trunc_normal_(w, std=0.5, a=-0.4, b=0.6), -0.4, 0.6, None),
    ],
)
def test_distributions(fill, low, high, std):
    w = _param(300, 200)
    assert fill(w) is w
    values = w.array
    if low is not None:
        assert values.min() >= low and values.max() <= high
        assert values.min() < low + 0.05 * (high - low) and values.max() > high - 0.05 * (high - low)
    if std is not None:
        assert values.std() == pytest.approx(std, rel=0.02)


def test_orthogonal_constant_eye_zeros_ones():
    w = init.orthogonal_(_param(3, 5), gain=2.0)
    np.testing.assert_allclose(w.array @ w.array.T, 4 * np.eye(3), atol=1e-12)
    assert init.constant_(_param(2), 0.5).array.tolist() == [0.5, 0.5]
    assert init.zeros_(nn.Parameter([1.0])).array.tolist() == [0.0]
    assert init.ones_(nn.Parameter([0.0])).array.tolist() == [1.0]
    assert init.eye_(_param(2, 3)).array.tolist() == [[1, 0, 0], [0, 1, 0]]


def test_writes_in_place_into_parameters_the_optimizer_holds():
    layer = nn.Linear(4, 3)
    data = layer.weight.array
    opt = dn.optim.SGD(layer.parameters(), lr=0.1)
    init.kaiming_normal_(layer.weight)
    init.zeros_(layer.bias)
    assert layer.weight.array is data and opt.param_groups[0]["params"][0] is layer.weight
    assert not layer.bias.array.any() and layer.weight.array.dtype == np.float32


def test_seeded_generator_and_default_stream():
    a, b = init.normal_(_param(4, 4), generator=3), init.normal_(_param(4, 4), generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.array, b.array)
    dn.manual_seed(0)
    c = init.xavier_uniform_(_param(4, 4))
    dn.manual_seed(0)
    d = init.xavier_uniform_(_param(4, 4))
    np.testing.assert_array_equal(c.array, d.array)


def test_init_a_plain_tensor_and_inside_no_grad():
    t = dn.tensor(np.zeros((2, 3)))
    assert init.uniform_(t, -1, 1) is t and np.abs(t.array).max() <= 1


def test_zero_element_tensor_warns_as_torch():
    with pytest.warns(UserWarning, match="zero-element tensor is a no-op"):
        init.kaiming_uniform_(_param(0, 3))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda w: init.uniform_(w, a=float("nan")), r"uniform_: a must be a finite number, got nan"),
        (lambda w: init.uniform_(w, 1.0, 0.0), r"uniform_: a must not exceed b, got a=1\.0, b=0\.0"),
        (lambda w: init.normal_(w, std=float("inf")), r"normal_: std must be a number >= 0, got inf"),
        (lambda w: init.normal_(w, mean=float("nan")), r"normal_: mean must be a finite number, got nan"),
        (lambda w: init.constant_(w, float("inf")), r"constant_: val must be a finite number, got inf"),
        (lambda w: init.xavier_uniform_(w, gain=float("nan")), r"xavier_uniform_: gain must be a finite number"),
        (
            lambda w: init.kaiming_uniform_(w, mode="fan_avg"),
            r"kaiming_uniform_: mode must be one of 'fan_in', 'fan_out'",
        ),
        (lambda w: init.kaiming_normal_(w, a=float("nan")), r"kaiming_normal_: a must be a finite number, got nan"),
        (lambda w: init.orthogonal_(w, gain="2"), r"orthogonal_: gain must be a finite number, got '2'"),
        (lambda w: init.trunc_normal_(w, a=1.0, b=0.0), r"trunc_normal_: a must be smaller than b"),
        (lambda w: init.trunc_normal_(w, a=50.0, b=60.0), r"holds almost none of N\(0\.0, 1\.0\^2\)"),
        (lambda w: init.eye_(nn.Parameter(np.zeros(3))), r"eye_: only 2-D tensors are supported"),
        (lambda w: init.xavier_uniform_(nn.Parameter(np.zeros(3))), r"at least 2 axes, got shape \(3,\)"),
    ],
)
def test_bad_arguments_are_refused_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call(_param(3, 4))


def test_deltanet_names_and_torch_names_side_by_side():
    assert init.glorot_uniform is dn.init.glorot_uniform and init.he_normal is dn.init.he_normal
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dn.init.normal(_param(100, 100), rng=0).array.std() == pytest.approx(
            0.01, rel=0.05
        )  # deltanet's default
        assert init.normal_(_param(100, 100), generator=0).array.std() == pytest.approx(1.0, rel=0.05)  # PyTorch's


def test_a_parameters_data_is_filled_in_place_as_in_the_dcgan_weights_init():
    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.array, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.array, 1.0, 0.02)
            nn.init.constant_(m.bias.array, 0)

    model = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64))
    dn.manual_seed(0)
    model.apply(weights_init)
    assert abs(model[0].weight.array.std() - 0.02) < 0.002
    assert abs(model[1].weight.array.mean() - 1.0) < 0.01 and not model[1].bias.array.any()
    w = nn.Parameter(np.zeros((4, 5), dtype=np.float32))
    for fill in (init.zeros_, init.ones_, init.eye_, init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_):
        assert fill(w.array) is w.array and w.array.dtype == np.float32
    init.trunc_normal_(w.array, std=0.1, a=-0.1, b=0.1)
    assert np.abs(w.array).max() <= 0.1 and w.array.std() > 0


def test_an_integer_array_is_refused():
    with pytest.raises(
        ValueError,
        match=r"normal_: expected a float Tensor, Parameter or NumPy array to fill, got an array of dtype int64",
    ):
        init.normal_(np.zeros(3, dtype=np.int64))
