"""LeNet-5 on the digits (32×32) and, through the IDX reader, on MNIST files."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from deltanet.data import write_idx  # noqa: E402
from deltanet.examples import lenet5  # noqa: E402


def test_digits_quick():
    result = lenet5.run(quick=True, verbose=0)
    first = result["max pooling, ReLU"]
    assert first["test_accuracy"] > 0.9
    assert first["confusion"].sum() == result["n_test"] == 450
    assert np.trace(first["confusion"]) == round(first["test_accuracy"] * 450)


def test_digits_are_block_upsampled():
    X, y = lenet5.digits_32()
    assert X.shape == (1797, 1, 32, 32) and y.shape == (1797,)
    blocks = X[:5, 0].reshape(5, 8, 4, 8, 4)
    assert (blocks == blocks[:, :, :1, :, :1]).all()


def test_mnist_files(tmp_path):
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", (np.arange(40) % 10).astype(np.uint8))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (10, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(10, dtype=np.uint8))
    result = lenet5.run(quick=True, epochs=1, mnist=str(tmp_path), train_size=32, verbose=0)
    assert result["n_train"] == 32 and result["n_test"] == 10 and "MNIST" in result["data"]
