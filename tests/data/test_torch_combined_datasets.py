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
