"""Greedy layer-wise pre-training: a head start over the random start; better 2-D codes than PCA."""

import pytest

pytest.importorskip("sklearn")

from deltanet.examples import autoencoder_pretraining as ae  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return ae.run(quick=True, verbose=0)


def test_pretraining_beats_pca_and_the_random_start(result):
    pca, random, pre = result["pca"], result["random"], result["pretrained"]
    assert pre["reconstruction"] < pca["reconstruction"]
    assert pre["knn"] > pca["knn"] + 0.05
    assert pre["before_finetuning"] < random["before_finetuning"] / 2
    assert result["ahead_epochs"] >= 15  # of 20 fine-tuning epochs
    assert pre["codes"].shape == (len(result["labels"]), 2)


def test_knn_and_pca_helpers():
    import numpy as np

    X = np.random.default_rng(0).standard_normal((50, 5)) * [5, 1, 0.1, 0.1, 0.1]
    mean, P = ae.pca(X, 1)
    assert abs(abs(P[0, 0]) - 1) < 0.05  # the direction of largest variance
    Z = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert ae.knn_accuracy(Z, np.array([0, 0, 1, 1]), np.array([[0.5], [10.5]]), np.array([0, 1]), k=1) == 1.0
