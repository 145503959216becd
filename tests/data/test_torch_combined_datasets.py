"""ChainDataset and StackDataset, as torch.utils.data's (found missing by hunt7)."""

from __future__ import annotations

import numpy as np
import pytest

from deltanet.utils.data import ChainDataset, DataLoader, IterableDataset, StackDataset, TensorDataset


class Count(IterableDataset):
    def __init__(self, n, sized=True):
        self.n = n
        self.sized = sized

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.sized:
            raise TypeError("no len")
        return self.n


def test_chain_streams_one_dataset_after_the_other():
    chain = ChainDataset([Count(2), Count(3)])
    assert list(chain) == [0, 1, 0, 1, 2]
    assert list(chain) == [0, 1, 0, 1, 2]  # iterable again
    assert len(chain) == 5
    assert isinstance(Count(1) + Count(2), ChainDataset)
    assert list(Count(1) + Count(2)) == [0, 0, 1]
    batches = [b.data.tolist() for b in DataLoader(chain, batch_size=2)]
    assert batches == [[0, 1], [0, 1], [2]]


def test_chain_refuses_a_map_style_dataset_when_used():
    chain = ChainDataset([Count(2), [5, 6]])
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset, got list"):
        list(chain)
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        len(chain)
    with pytest.raises(TypeError):
        len(ChainDataset([Count(2, sized=False)]))


def test_stack_gives_tuples_or_dicts():
    X = TensorDataset(np.arange(6.0).reshape(3, 2))
    assert StackDataset([1, 2, 3], "abc")[2] == (3, "c")
    sample = StackDataset(x=X, label=[7, 8, 9])[1]
    assert sorted(sample) == ["label", "x"] and sample["label"] == 8
    np.testing.assert_array_equal(sample["x"][0].data, [2.0, 3.0])
    assert len(StackDataset(x=X, label=[7, 8, 9])) == 3
    batch = next(iter(DataLoader(StackDataset(x=[1.0, 2.0], y=[3, 4]), batch_size=2)))
    assert batch["x"].dtype == np.float64 and batch["y"].dtype == np.int64


def test_stack_errors():
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()
    with pytest.raises(ValueError, match="either by position .* or by name"):
        StackDataset([1], y=[2])
    with pytest.raises(ValueError, match=r"size mismatch between datasets, got lengths \[2, 3\]"):
        StackDataset([1, 2], [1, 2, 3])


def test_match_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data

    class TCount(tdata.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    assert list(tdata.ChainDataset([TCount(2), TCount(3)])) == list(ChainDataset([Count(2), Count(3)]))
    assert list(TCount(1) + TCount(2)) == list(Count(1) + Count(2))
    assert tdata.StackDataset(x=[1, 2], y="ab")[1] == StackDataset(x=[1, 2], y="ab")[1]
    assert tdata.StackDataset([1, 2], "ab")[0] == StackDataset([1, 2], "ab")[0]
    for lib_stack in (tdata.StackDataset, StackDataset):
        with pytest.raises(ValueError):
            lib_stack([1, 2], [1])


class Hundreds:
    """A dataset whose batch fetch (__getitems__) differs from its one-sample fetch, to see which is used."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return i * 10

    def __getitems__(self, indices):
        return [i * 100 for i in indices]


def test_stack_fetches_a_batch_through_getitems():
    stack = StackDataset(Hundreds(), [0, 1, 2, 3, 4, 5])
    assert stack.__getitems__([1, 2]) == [(100, 1), (200, 2)]
    assert StackDataset(a=Hundreds()).__getitems__([3]) == [{"a": 300}]
    batch = next(iter(DataLoader(stack, batch_size=3)))
    assert batch[0].data.tolist() == [0, 100, 200]


def test_concat_cumsum_alias_and_tensor_index():
    import deltanet as dn
    from deltanet.utils.data import ConcatDataset

    both = ConcatDataset([range(3), range(4)])
    assert ConcatDataset.cumsum([range(3), range(4), [1]]) == [3, 7, 8]
    with pytest.warns(DeprecationWarning, match="renamed to cumulative_sizes"):
        assert both.cummulative_sizes == [3, 7]
    assert both[dn.tensor(4)] == 1


def test_loader_iterator_has_len():
    loader = DataLoader(TensorDataset(np.arange(10.0)), batch_size=4)
    it = iter(loader)
    assert len(it) == 3 and iter(it) is it
    assert [len(b[0]) for b in it] == [4, 4, 2]
    assert loader.timeout == 0 and isinstance(loader.timeout, int)


def test_stack_getitems_matches_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    ours = next(iter(DataLoader(StackDataset(Hundreds(), Hundreds()), batch_size=3)))
    theirs = next(iter(tdata.DataLoader(tdata.StackDataset(Hundreds(), Hundreds()), batch_size=3)))
    assert [o.data.tolist() for o in ours] == [t.tolist() for t in theirs]
    assert len(iter(tdata.DataLoader(list(range(10)), batch_size=4))) == len(
        iter(DataLoader(list(range(10)), batch_size=4))
    )


def test_generic_subscripts_as_in_typed_torch_code():
    from deltanet.utils.data import Dataset, DistributedSampler, Sampler

    class Pairs(Dataset[tuple]):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * 1.5

    class Backwards(Sampler[int]):
        def __iter__(self):
            return iter([2, 0])

        def __len__(self):
            return 2

    assert isinstance(Pairs(), Dataset)
    batch = next(iter(DataLoader(Pairs(), sampler=Backwards(), batch_size=2)))
    assert batch.data.tolist() == [3.0, 0.0]
    for cls in (IterableDataset, DataLoader, DistributedSampler, StackDataset, ChainDataset):
        assert cls[int].__origin__ is cls


def test_generic_subscripts_match_torch():
    torch = pytest.importorskip("torch")
    from deltanet.utils import data

    for name in [
        "Dataset",
        "IterableDataset",
        "Sampler",
        "DataLoader",
        "Subset",
        "ConcatDataset",
        "DistributedSampler",
    ]:
        getattr(torch.utils.data, name)[int]
        getattr(data, name)[int]
