"""Pooling where deltanet once differed from PyTorch without saying so (found by differential
testing, tools/hunt4): adaptive average pooling of an input with an empty axis gave zeros."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F


@pytest.mark.parametrize(
    "pool, shape",
    [
        (F.adaptive_avg_pool1d, (1, 2, 0)),
        (F.adaptive_avg_pool2d, (1, 2, 0, 3)),
        (F.adaptive_avg_pool2d, (2, 0, 3)),
        (F.adaptive_avg_pool3d, (1, 2, 2, 0, 3)),
        (F.adaptive_max_pool2d, (1, 0, 4, 3)),
    ],
)
def test_adaptive_pooling_refuses_an_empty_non_batch_axis(pool, shape):
    with pytest.raises(ValueError, match="non-empty non-batch axes"):
        pool(dn.zeros(*shape), 2)  # the average pools returned zeros


def test_adaptive_pooling_of_an_empty_batch_is_empty():
    assert F.adaptive_avg_pool2d(dn.zeros(0, 2, 4, 3), 2).shape == (0, 2, 2, 2)
    assert F.adaptive_max_pool2d(dn.zeros(0, 2, 4, 3), 2).shape == (0, 2, 2, 2)


def test_adaptive_pooling_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, dn):
        with pytest.raises((RuntimeError, ValueError), match="non-zero size|non-empty"):
            lib.nn.functional.adaptive_avg_pool2d(lib.zeros(1, 2, 0, 3), 2)
    x = np.arange(24.0).reshape(1, 2, 4, 3)
    out = [F_.adaptive_avg_pool2d(lib.tensor(x), (3, 2)).numpy() for lib, F_ in ((torch, torch.nn.functional), (dn, F))]
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12)
