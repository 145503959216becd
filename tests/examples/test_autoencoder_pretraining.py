"""Greedy layer-wise pre-training: a head start over the random start; better 2-D codes than PCA."""

import numpy as np
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


def test_supervised_fine_tuning_of_the_pretrained_encoder_is_far_ahead(result):
    """[Suk 2015]: "fine-tune the whole network in a supervised manner"; the same classifier from
    the same random weights, without pre-training, is far behind after the same epochs."""
    random, pre = result["supervised"]["random"], result["supervised"]["pretrained"]
    assert len(pre["curve"]) == len(random["curve"]) == 4
    assert pre["accuracy"] > 0.85 and pre["accuracy"] > random["accuracy"] + 0.2
    assert pre["curve"][0] > random["curve"][0] + 0.3  # the head start


def test_the_decks_sizes_on_mnist_files(tmp_path, capsys, monkeypatch):
    from deltanet.data import write_idx

    monkeypatch.setitem(ae.EPOCHS, "mnist", (1, 1, 1))  # the plumbing, not the training

    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (48, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", (np.arange(48) % 10).astype(np.uint8))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (12, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", (np.arange(12) % 10).astype(np.uint8))
    result = ae.run(mnist=str(tmp_path), code=30, train_size=32, verbose=0)
    assert result["sizes"] == [784, 1000, 500, 250, 30]
    assert result["pretrained"]["codes"].shape == (12, 30) and result["pca"]["codes"].shape == (12, 30)
    assert ae.main(["--code", "0"]) == 2
    assert "--code must be > 0, got 0" in capsys.readouterr().err


def test_knn_and_pca_helpers():
    X = np.random.default_rng(0).standard_normal((50, 5)) * [5, 1, 0.1, 0.1, 0.1]
    mean, P = ae.pca(X, 1)
    assert abs(abs(P[0, 0]) - 1) < 0.05  # the direction of largest variance
    Z = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert ae.knn_accuracy(Z, np.array([0, 0, 1, 1]), np.array([[0.5], [10.5]]), np.array([0, 1]), k=1) == 1.0
    # in blocks of 256 test codes: the same as all at once
    Z_train, Z_test = np.random.default_rng(1).normal(size=(300, 2)), np.random.default_rng(2).normal(size=(600, 2))
    y_train, y_test = (Z_train[:, 0] > 0).astype(int), (Z_test[:, 0] > 0).astype(int)
    d2 = ((Z_test[:, None] - Z_train[None]) ** 2).sum(-1)
    votes = (y_train[np.argsort(d2, axis=1, kind="stable")[:, :5]].mean(axis=1) > 0.5).astype(int)
    assert ae.knn_accuracy(Z_train, y_train, Z_test, y_test) == pytest.approx((votes == y_test).mean())
