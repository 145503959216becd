"""alpha_dropout, feature_alpha_dropout, dropout1d and their layers: PyTorch's formula, gradients, errors.

PyTorch's masks come from its own generator, so the comparison reads the mask back from
PyTorch's output (a dropped unit has one known value) and checks every kept unit against
$a x + b$; deltanet's own draws are checked against the formula with the mask they used.
"""

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F
from deltanet import nn
from deltanet.functional.dropout_variants import ALPHA


def coefficients(p):
    a = 1.0 / np.sqrt((ALPHA**2 * p + 1.0) * (1.0 - p))
    return a, ALPHA * a * p


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_is_the_affine_map_of_the_masked_input(p):
    x = np.random.default_rng(0).standard_normal((50, 40))
    y = F.alpha_dropout(dn.tensor(x), p, training=True, rng=3).data
    a, b = coefficients(p)
    dropped = np.isclose(y, -ALPHA * a + b)
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-12)
    assert abs(dropped.mean() - p) < 0.05
    # standardized in, standardized out (the point of alpha dropout)
    assert abs(y.mean()) < 0.1 and abs(y.std() - 1.0) < 0.1


def test_alpha_dropout_matches_torch_given_its_mask():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((30, 20))
    p = 0.3
    a, b = coefficients(p)
    torch.manual_seed(0)
    t = torch.nn.functional.alpha_dropout(torch.tensor(x), p, training=True).numpy()
    dropped = np.isclose(t, -ALPHA * a + b)
    np.testing.assert_allclose(t[~dropped], a * x[~dropped] + b, rtol=1e-12)
    tf = torch.nn.functional.feature_alpha_dropout(torch.tensor(x[None, :, :]), p, training=True).numpy()[0]
    rows = np.isclose(tf, -ALPHA * a + b).all(axis=1)
    np.testing.assert_allclose(tf[~rows], a * x[~rows] + b, rtol=1e-12)


def test_gradients_are_the_scaled_mask():
    x = np.random.default_rng(2).standard_normal((4, 3, 5))
    for fn in (
        lambda t: F.alpha_dropout(t, 0.4, True, rng=7),
        lambda t: F.feature_alpha_dropout(t, 0.4, True, rng=7),
        lambda t: F.dropout1d(t, 0.4, True, rng=7),
    ):
        assert dn.gradcheck(fn, [dn.tensor(x, requires_grad=True)])


def test_defaults_and_identity_when_not_training_as_torch():
    x = dn.tensor(np.ones((2, 3, 4)))
    # PyTorch's functional alpha dropouts default to training=False; dropout1d to training=True.
    assert F.alpha_dropout(x, 0.5) is x and F.feature_alpha_dropout(x, 0.5) is x
    assert not np.array_equal(F.dropout1d(x, 0.5, rng=0).data, x.data)
    for layer in (nn.AlphaDropout(0.5), nn.FeatureAlphaDropout(0.5), nn.Dropout1d(0.5)):
        assert layer.eval()(x) is x


def test_channel_masks_and_float32():
    x = np.ones((8, 6, 5), dtype=np.float32)
    y1 = F.dropout1d(dn.tensor(x), 0.5, rng=4).data
    assert y1.dtype == np.float32 and set(np.unique(y1)) <= {0.0, 2.0}
    assert (y1 == y1[..., :1]).all()  # one value per (sample, channel)
    yu = F.dropout1d(dn.tensor(x[0]), 0.5, rng=4).data  # unbatched (C, L)
    assert (yu == yu[:, :1]).all()
    yf = F.feature_alpha_dropout(dn.tensor(x), 0.5, True, rng=4).data
    assert yf.dtype == np.float32 and (yf == yf[..., :1]).all()
    assert F.alpha_dropout(dn.tensor(x), 0.5, True, rng=4).dtype == np.float32


def test_layers_repr_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("AlphaDropout", "FeatureAlphaDropout", "Dropout1d"):
        assert repr(getattr(nn, name)(0.2)) == repr(getattr(torch.nn, name)(0.2))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: F.alpha_dropout(dn.tensor([1.0]), 1.0, True), r"alpha_dropout: p must be in \[0, 1\), got p=1.0"),
        (lambda: F.alpha_dropout(dn.tensor([1]), 0.5, True), r"alpha_dropout: expected a floating-point input"),
        (
            lambda: F.feature_alpha_dropout(dn.tensor([1.0]), 0.5, True),
            r"feature_alpha_dropout: expected .*\(N, C, \*\).*got shape \(1,\)",
        ),
        (
            lambda: F.dropout1d(dn.tensor(np.ones((1, 2, 3, 4))), 0.5),
            r"dropout1d: expected an input of shape \(N, C, L\) or \(C, L\), got shape \(1, 2, 3, 4\)",
        ),
        (lambda: F.dropout1d(dn.tensor(np.ones((2, 3))), 0.5, inplace="yes"), r"dropout1d: inplace must be"),
        (lambda: nn.AlphaDropout(-0.1), r"AlphaDropout: p is the probability"),
    ],
)
def test_bad_input_is_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()
