"""Samplers: torch's orders where they are deterministic, torch's counts and rules where they are random."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.utils.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

torch = pytest.importorskip("torch")


def test_sequential_matches_torch():
    assert list(SequentialSampler(range(7))) == list(torch.utils.data.SequentialSampler(range(7)))
    assert len(SequentialSampler(range(7))) == 7


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(BatchSampler([5, 1, 3], 2, False)) == [[5, 1], [3]]  # any iterable of indices


def test_random_sampler_is_a_seeded_permutation_per_epoch():
    sampler = RandomSampler(range(10), generator=3)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    assert all(type(i) is int for i in first)
    again = RandomSampler(range(10), generator=3)
    assert [list(again), list(again)] == [first, second]
    assert first == np.random.default_rng(3).permutation(10).tolist()
    dn.manual_seed(0)
    a = list(RandomSampler(range(10)))
    dn.manual_seed(0)
    assert list(RandomSampler(range(10))) == a  # generator=None follows dn.manual_seed


@pytest.mark.parametrize("replacement, num_samples", [(False, 25), (False, 4), (True, 25), (True, 3)])
def test_random_sampler_counts_as_torch(replacement, num_samples):
    ours = list(RandomSampler(range(10), replacement=replacement, num_samples=num_samples, generator=0))
    theirs = list(torch.utils.data.RandomSampler(range(10), replacement=replacement, num_samples=num_samples))
    assert len(ours) == len(theirs) == num_samples
    assert all(0 <= i < 10 for i in ours)
    if not replacement:
        # Whole permutations one after the other: each index at most once per block of 10.
        for start in range(0, num_samples, 10):
            block = ours[start : start + 10]
            assert len(set(block)) == len(block)


def test_subset_random_sampler():
    indices = [7, 3, 5, 11]
    ours = SubsetRandomSampler(indices, generator=0)
    assert sorted(ours) == sorted(indices) and len(ours) == 4
    assert list(SubsetRandomSampler(indices, generator=0)) == list(SubsetRandomSampler(indices, generator=0))
    assert sorted(SubsetRandomSampler(dn.tensor(np.array([2, 1])), generator=0)) == [1, 2]


def test_weighted_sampler_follows_the_weights():
    sampler = WeightedRandomSampler([1.0, 3.0, 0.0], num_samples=4000, generator=0)
    counts = np.bincount(list(sampler), minlength=3)
    assert counts[2] == 0 and len(sampler) == 4000
    assert abs(counts[1] / 4000 - 0.75) < 0.03
    unique = list(WeightedRandomSampler([1.0, 1.0, 5.0, 0.0], num_samples=3, replacement=False, generator=1))
    assert sorted(unique) == [0, 1, 2]


def test_custom_sampler_subclass():
    class Backwards(Sampler):
        def __init__(self, data_source):
            super().__init__(data_source)
            self.n = len(data_source)

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

    assert list(Backwards(range(3))) == [2, 1, 0]
    with pytest.raises(NotImplementedError, match=r"a Sampler subclass must define __iter__"):
        iter(Sampler())


def test_bad_inputs_raise():
    cases = [
        (lambda: BatchSampler(range(3), 0, False), r"BatchSampler: batch_size must be a positive integer, got 0"),
        (lambda: BatchSampler(range(3), 2, "no"), r"BatchSampler: drop_last must be True or False, got 'no'"),
        (lambda: RandomSampler([]), r"RandomSampler: the dataset is empty; num_samples must be a positive integer"),
        (lambda: RandomSampler(range(3), num_samples=0), r"RandomSampler: num_samples must be a positive integer"),
        (lambda: RandomSampler(range(3), replacement=1), r"RandomSampler: replacement must be True or False, got 1"),
        (lambda: RandomSampler(range(3), generator=1.5), r"RandomSampler: generator must be None, an int seed or a"),
        (
            lambda: WeightedRandomSampler([0.0, 0.0], 2),
            r"WeightedRandomSampler: weights must be a 1-D sequence of non-negative finite numbers",
        ),
        (lambda: WeightedRandomSampler([1.0, -1.0], 2), r"weights must be a 1-D sequence of non-negative"),
        (lambda: WeightedRandomSampler([1.0, 1.0], 0), r"WeightedRandomSampler: num_samples must be a positive"),
        (
            lambda: WeightedRandomSampler([1.0, 0.0], 2, replacement=False),
            r"without replacement num_samples must be at most the number of non-zero weights \(1\), got 2",
        ),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


def test_signatures_match_torch():
    import inspect

    from deltanet import utils

    names = ["BatchSampler", "RandomSampler", "SequentialSampler", "SubsetRandomSampler", "WeightedRandomSampler"]
    names += ["Subset", "ConcatDataset", "TensorDataset", "random_split", "ChainDataset", "StackDataset"]
    for name in names:
        ours = inspect.signature(getattr(utils.data, name)).parameters
        theirs = inspect.signature(getattr(torch.utils.data, name)).parameters
        assert list(ours) == list(theirs), name
        for key in theirs:
            if key != "generator":  # torch's default is its global generator; ours None reads dn.manual_seed's
                assert ours[key].default == theirs[key].default, (name, key)
