"""Batching: full batch / on-line / mini-batch cover every sample once per epoch, and the shuffle is
reproducible from its seed."""

import numpy as np
import pytest

from deltanet.data import DataLoader, Dataset, batch_slices, iterate_minibatches

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


@pytest.mark.parametrize(
    "batch_size, sizes",
    [(None, [10]), (1, [1] * 10), (3, [3, 3, 3, 1]), (5, [5, 5]), (10, [10]), (64, [10])],
)
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_per_epoch(batch_size, sizes, shuffle):
    batches = list(iterate_minibatches(X, Y, batch_size, shuffle=shuffle, rng=0))
    assert [len(xb) for xb, _ in batches] == sizes
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for xb, yb in batches:  # rows stay paired with their targets
        assert np.array_equal(xb[:, 0], 2.0 * yb)
    if not shuffle:
        assert seen.tolist() == list(range(10))


def test_shuffle_follows_the_documented_permutation():
    batches = list(iterate_minibatches(X, Y, 4, shuffle=True, rng=7))
    order = np.random.default_rng(7).permutation(10)
    assert np.concatenate([yb for _, yb in batches]).tolist() == order.tolist()


def test_same_seed_same_batches_other_seed_other_batches():
    a = [yb.tolist() for _, yb in iterate_minibatches(X, Y, 3, rng=1)]
    b = [yb.tolist() for _, yb in iterate_minibatches(X, Y, 3, rng=1)]
    c = [yb.tolist() for _, yb in iterate_minibatches(X, Y, 3, rng=2)]
    assert a == b and a != c


def test_without_y():
    batches = list(iterate_minibatches(X, None, 4, shuffle=False))
    assert [yb for _, yb in batches] == [None, None, None]


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True, "2"])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer or None \(full batch\), got"):
        list(iterate_minibatches(X, Y, batch_size))


def test_length_mismatch():
    with pytest.raises(ValueError, match=r"X and y must have the same number of samples, got 10 and 9"):
        list(iterate_minibatches(X, Y[:9], 2))


def test_batch_slices():
    assert [(s.start, s.stop) for s in batch_slices(7, 3)] == [(0, 3), (3, 6), (6, 7)]
    assert [(s.start, s.stop) for s in batch_slices(7, None)] == [(0, 7)]
    assert batch_slices(0, 3) == []


def test_dataset_and_loader():
    ds = Dataset(X, Y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    assert x3.tolist() == [6.0, 7.0] and y3 == 3
    loader = DataLoader(ds, batch_size=4, rng=0)
    assert len(loader) == 3
    first = [yb.tolist() for _, yb in loader]
    second = [yb.tolist() for _, yb in loader]
    assert first != second  # a new order every pass
    assert sorted(sum(first, [])) == list(range(10))
    again = DataLoader(Dataset(X, Y), batch_size=4, rng=0)
    assert [yb.tolist() for _, yb in again] == first  # same seed, same sequence of epochs
    dropped = DataLoader((X, Y), batch_size=4, shuffle=False, drop_last=True)
    assert len(dropped) == 2 and [len(yb) for _, yb in dropped] == [4, 4]


def test_dataset_rejects_unequal_lengths():
    with pytest.raises(
        ValueError, match=r"Dataset arrays must share their first dimension .* got shapes \[\(10, 2\), \(9,\)\]"
    ):
        Dataset(X, Y[:9])
    with pytest.raises(ValueError, match="Dataset needs at least one array"):
        Dataset()


class Endless:
    """A dataset whose __getitem__ never raises IndexError (it computes any index)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.array([i, 2.0 * i]), i


def test_loader_over_a_plain_class_gives_its_samples_and_terminates():
    batches = list(DataLoader(Endless(), batch_size=2, shuffle=False))
    assert [yb.tolist() for _, yb in batches] == [[0, 1], [2, 3], [4]]
    assert batches[1][0].tolist() == [[2.0, 4.0], [3.0, 6.0]]
    assert isinstance(batches[0], tuple) and isinstance(batches[0][0], np.ndarray)
    shuffled = sorted(sum((yb.tolist() for _, yb in DataLoader(Endless(), batch_size=2, rng=0)), []))
    assert shuffled == [0, 1, 2, 3, 4]
    full = list(DataLoader(Endless(), batch_size=None, shuffle=False))
    assert len(full) == 1 and full[0][1].tolist() == [0, 1, 2, 3, 4]


def test_deltanet_loader_is_the_torch_loader_with_deltanet_defaults():
    from deltanet.utils.data import DataLoader as TorchLoader
    from deltanet.utils.data import TensorDataset

    assert issubclass(DataLoader, TorchLoader)
    ours = DataLoader((X, Y))
    assert ours.batch_size == 32 and isinstance(ours.sampler, type(TorchLoader(X, shuffle=True).sampler))
    xb, yb = next(iter(DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=False)))
    assert isinstance(xb, np.ndarray) and yb.tolist() == [0, 1, 2, 3]
    torch_xb, torch_yb = next(iter(TorchLoader(TensorDataset(X, Y), batch_size=4)))
    np.testing.assert_array_equal(torch_xb.data, xb)


def test_loader_bad_rng():
    with pytest.raises(ValueError, match=r"DataLoader: rng must be None, an int seed or a numpy\.random\.Generator"):
        DataLoader((X, Y), rng="0")
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer or None \(full batch\), got 0"):
        DataLoader((X, Y), batch_size=0)
