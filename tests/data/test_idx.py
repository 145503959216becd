"""IDX reader: round trips for every type code, plain and gzipped; every malformed file is an
IDXFormatError (a ValueError) naming the file and the problem."""

import gzip
import struct

import numpy as np
import pytest

from deltanet.data import IDXFormatError, load_mnist, read_idx, read_idx_header, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)
    assert read_idx_header(path) == (np.dtype(dtype), (2, 3, 4))


def test_bytes_follow_the_mnist_layout(tmp_path):
    # 0x00000803, then N, rows, cols big-endian, then the pixels row-major.
    images = np.array([[[1, 2], [3, 4]]], dtype=np.uint8)
    path = tmp_path / "images-idx3-ubyte"
    write_idx(path, images)
    assert path.read_bytes() == bytes.fromhex("0000080300000001000000020000000201020304")
    ints = tmp_path / "ints"
    ints.write_bytes(bytes.fromhex("00000C010000000200000001FFFFFFFE"))
    assert read_idx(ints).tolist() == [1, -2]  # big-endian int32


def header(code=0x08, dims=(2, 3)):
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "shorter than the 4-byte magic number"),
        (b"\x00\x00\x08", "shorter than the 4-byte magic number"),
        (header(dims=(1, 2, 2)), "but only 0 bytes follow the header"),
        (bytes.fromhex("12345678") + b"\x00" * 20, "bad magic number 0x12345678"),
        (bytes.fromhex("00000703") + b"\x00" * 20, "bad magic number 0x00000703"),  # unknown type code
        (bytes.fromhex("00000800"), "bad magic number 0x00000800"),  # zero dimensions
        (bytes.fromhex("0000080300000001"), "truncated IDX header"),
        (header(dims=(2, 3)) + b"\x00" * 5, "only 5 bytes follow the header"),
        (header(dims=(2, 3)) + b"\x00" * 7, "trailing bytes"),
        (header(0x0C, dims=(2,)) + b"\x00" * 7, "only 7 bytes follow"),
    ],
)
def test_malformed_files(tmp_path, content, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(IDXFormatError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("extra, message", [(-3, "truncated IDX file"), (4, "trailing bytes")])
def test_malformed_gzip_files(tmp_path, extra, message):
    payload = header(dims=(4, 4)) + bytes(16)
    payload = payload[:extra] if extra < 0 else payload + bytes(extra)
    path = tmp_path / "x-idx2-ubyte.gz"
    path.write_bytes(gzip.compress(payload))
    with pytest.raises(IDXFormatError, match=message):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path):
    good = gzip.compress(header(dims=(100,)) + bytes(100))
    path = tmp_path / "x.gz"
    path.write_bytes(good[:-12])  # cut inside the deflate stream and trailer
    with pytest.raises(IDXFormatError, match=str(path).replace("\\", "\\\\")):
        read_idx(path)


def test_huge_declared_shape_is_refused_without_allocating(tmp_path):
    # 16 bytes declaring 2^32-1 × 2^32-1 elements; gzipped it is read in bounded chunks.
    for name, data in (
        ("plain", header(dims=(2**32 - 1, 2**32 - 1))),
        ("zipped.gz", gzip.compress(header(dims=(2**32 - 1, 2**32 - 1)) + bytes(10))),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IDXFormatError, match="truncated"):
            read_idx(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_idx(tmp_path / "nope")
    with pytest.raises(IDXFormatError, match="got a folder"):
        read_idx(tmp_path)


def test_write_idx_refuses_unsupported_arrays(tmp_path):
    with pytest.raises(ValueError, match="got dtype int64"):
        write_idx(tmp_path / "x", np.arange(3))
    with pytest.raises(ValueError, match="with 0 dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


def make_mnist(folder, n_train=5, n_test=3, gz=True, labels_train=None):
    suffix = ".gz" if gz else ""
    rng = np.random.default_rng(0)
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8))
    write_idx(
        folder / f"train-labels-idx1-ubyte{suffix}",
        np.arange(n_train, dtype=np.uint8) % 10 if labels_train is None else labels_train,
    )
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8))
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", np.arange(n_test, dtype=np.uint8))


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist(tmp_path, gz):
    make_mnist(tmp_path, gz=gz)
    train = load_mnist(tmp_path)
    assert train.X.shape == (5, 1, 28, 28) and train.X.dtype == np.float32
    assert 0.0 <= train.X.min() and train.X.max() <= 1.0
    assert train.y.tolist() == [0, 1, 2, 3, 4]
    raw = read_idx(tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else "")))
    np.testing.assert_allclose(train.X[:, 0], raw / 255.0, rtol=1e-6)
    test = load_mnist(tmp_path, split="test", flatten=True, scale=False)
    assert test.X.shape == (3, 784) and test.X.max() > 1


def test_load_mnist_counts_must_agree(tmp_path):
    make_mnist(tmp_path, n_train=5, labels_train=np.arange(4, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="holds 5 images but .* holds 4 labels"):
        load_mnist(tmp_path)


def test_load_mnist_wrong_kind_of_file(tmp_path):
    make_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros((5, 2), dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="expected uint8 labels of shape"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.full(5, 12, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="expected digit labels 0-9, got a label 12"):
        load_mnist(tmp_path)


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no MNIST file train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="MNIST folder not found"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'valid'"):
        load_mnist(tmp_path, split="valid")
