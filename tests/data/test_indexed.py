"""Dataset, TensorDataset, Subset, ConcatDataset and random_split behave as torch.utils.data's."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import data
from deltanet.utils.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_one_set_of_classes_for_both_spellings():
    from deltanet.utils.data import dataset, sampler

    assert data.Dataset is Dataset and dataset.Dataset is Dataset
    assert data.TensorDataset is TensorDataset and sampler.RandomSampler is data.RandomSampler
    assert dn.utils.data.random_split is random_split


def test_tensor_dataset_items_are_tensor_rows():
    ds = TensorDataset(dn.tensor(X), Y)
    x, y = ds[3]
    assert isinstance(x, dn.Tensor) and isinstance(y, dn.Tensor)
    assert x.data.tolist() == [6.0, 7.0] and y.item() == 3 and y.dtype == np.int64
    assert len(ds) == 10 and ds.tensors[0].dtype == np.float64
    assert isinstance(ds, Dataset)


def test_array_dataset_keeps_numpy_rows():
    x, y = Dataset(X, Y)[3]
    assert isinstance(x, np.ndarray) and x.tolist() == [6.0, 7.0] and y == 3


def test_subclass_with_len_and_getitem_and_add():
    class Squares(Dataset):
        def __init__(self, n):
            super().__init__()  # torch code calls it without arguments
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return i * i

    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset)
    assert [both[i] for i in range(len(both))] == [0, 1, 4, 0, 1]
    assert both[-1] == 1 and both[-5] == 0
    with pytest.raises(IndexError, match=r"ConcatDataset: index 5 is out of range for 5 samples"):
        both[5]

    class NoItems(Dataset):
        pass

    with pytest.raises(NotImplementedError, match=r"NoItems: a subclass of Dataset must define __getitem__"):
        NoItems()[0]
    with pytest.raises(TypeError, match=r"NoItems defines no __len__"):
        len(NoItems())


def test_subset_views_the_dataset():
    torch = pytest.importorskip("torch")
    ds = TensorDataset(X, Y)
    sub = Subset(ds, [4, 0, -1])
    t_sub = torch.utils.data.Subset(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), [4, 0, -1]
    )
    assert len(sub) == len(t_sub) == 3
    for i in range(3):
        for ours, theirs in zip(sub[i], t_sub[i], strict=True):
            np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert [s[1].item() for s in sub.__getitems__([2, 1])] == [9, 0]
    assert len(Subset(ds, dn.tensor(np.array([1, 2])))) == 2


def test_concat_dataset_matches_torch():
    torch = pytest.importorskip("torch")
    parts = [list(range(3)), list(range(10, 12)), [], list(range(20, 24))]
    ours = ConcatDataset(parts)
    theirs = torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes and len(ours) == len(theirs)
    assert [ours[i] for i in range(-len(ours), len(ours))] == [theirs[i] for i in range(-len(ours), len(ours))]


@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.8, 0.2], [0.5, 0.3, 0.2], [0.34, 0.33, 0.33], [1 / 3] * 3, [10], [0.25, 0.25, 0.25, 0.25]]
)
def test_random_split_sizes_match_torch(lengths):
    torch = pytest.importorskip("torch")
    ds = TensorDataset(X, Y)
    ours = random_split(ds, lengths, generator=0)
    theirs = torch.utils.data.random_split(list(range(10)), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    # Disjoint and together the whole dataset.
    indices = [i for s in ours for i in s.indices]
    assert sorted(indices) == list(range(10))
    assert all(isinstance(s, Subset) and s.dataset is ds for s in ours)


def test_random_split_is_deterministic_from_its_seed():
    def split(generator):
        return [s.indices for s in random_split(range(20), [0.5, 0.5], generator=generator)]

    assert split(3) == split(3) and split(3) != split(4)
    assert split(np.random.default_rng(3)) == split(3)
    dn.manual_seed(7)
    first = split(None)
    dn.manual_seed(7)
    assert split(None) == first
    assert first[0] == np.random.default_rng(7).permutation(20)[:10].tolist()


def test_random_split_warns_about_an_empty_split_as_torch():
    with pytest.warns(UserWarning, match=r"Length of split at index 2 is 0\. This might result in an empty dataset\."):
        parts = random_split(range(3), [0.5, 0.5, 0.0], generator=0)
    assert [len(p) for p in parts] == [2, 1, 0]


def test_bad_inputs_raise():
    ds = TensorDataset(X, Y)
    cases = [
        (
            lambda: random_split(ds, [5, 4]),
            r"random_split: lengths must sum to the dataset's length 10 .* got \[5, 4\]",
        ),
        (lambda: random_split(ds, [-1, 11]), r"lengths must be non-negative integers or fractions in \[0, 1\], got -1"),
        (lambda: random_split(ds, [0.5, 0.3]), r"lengths must sum to the dataset's length 10 \(integers\) or to 1"),
        (lambda: random_split(ds, [1.5, -0.5]), r"fractions in \[0, 1\], got 1\.5 at index 0"),
        (lambda: random_split(ds, ["5", 5]), r"fractions in \[0, 1\], got '5' at index 0"),
        (
            lambda: random_split(ds, [5, 5], generator="seed"),
            r"random_split: generator must be None, an int seed or a numpy\.random\.Generator, got 'seed'",
        ),
        (lambda: Subset(ds, [0, 10]), r"Subset: indices must lie in \[-10, 10\) for a dataset of 10 samples, got 10"),
        (lambda: Subset(ds, [0.5]), r"Subset: indices must be a sequence of integers, got \[0\.5\]"),
        (lambda: TensorDataset(X, Y[:9]), r"TensorDataset arrays must share their first dimension"),
        (lambda: TensorDataset(), r"TensorDataset needs at least one tensor, got none"),
        (lambda: Dataset(), r"Dataset needs at least one array, got none \(or subclass Dataset"),
        (lambda: ConcatDataset([]), r"ConcatDataset: datasets must not be empty, got none"),
        (lambda: ConcatDataset([data.IterableDataset()]), r"ConcatDataset: expected map-style datasets"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
