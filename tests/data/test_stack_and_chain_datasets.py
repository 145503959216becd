"""`StackDataset` and `ChainDataset` of `torch.utils.data`, which deltanet did not have (the data-loading
port program p44 imports `StackDataset`: `ImportError` before)."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.utils.data import ChainDataset, DataLoader, IterableDataset, StackDataset, TensorDataset


class Upto(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_stack_dataset_gives_tuples_or_dicts_of_samples():
    images = np.arange(6.0).reshape(3, 2)
    by_position = StackDataset(TensorDataset(images), dn.tensor([7, 8, 9]))
    (image,), label = by_position[2]
    assert len(by_position) == 3 and image.tolist() == [4.0, 5.0] and label.item() == 9
    by_name = StackDataset(image=dn.tensor(images), label=[0, 1, 0])
    sample = by_name[1]
    assert list(sample) == ["image", "label"] and sample["image"].tolist() == [2.0, 3.0] and sample["label"] == 1
    batch = next(iter(DataLoader(by_name, batch_size=2)))
    assert batch["image"].shape == (2, 2) and batch["label"].tolist() == [0, 1]


def test_stack_dataset_refuses_mismatches_and_mixed_arguments():
    with pytest.raises(ValueError, match=r"size mismatch between datasets, got lengths \[3, 2\]"):
        StackDataset(dn.zeros(3), dn.zeros(2))
    with pytest.raises(ValueError, match="either by position .* or by name"):
        StackDataset(dn.zeros(3), label=dn.zeros(3))
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()


def test_chain_dataset_iterates_each_in_turn():
    chain = ChainDataset([Upto(2), Upto(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    added = Upto(1) + Upto(2)  # IterableDataset's + is a chain, as in PyTorch (not a ConcatDataset)
    assert type(added).__name__ == "ChainDataset" and list(added) == [0, 0, 1]
    assert [b.tolist() for b in DataLoader(chain, batch_size=2)] == [[0, 1], [0, 1], [2]]
    with pytest.raises(TypeError, match="only supports IterableDataset, got list"):
        list(ChainDataset([Upto(1), [5, 6]]))


def test_stack_and_chain_match_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, dn):
        data = lib.utils.data

        class Stream(data.IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))

        stacked = data.StackDataset(a=lib.arange(3), b=lib.arange(3) * 2)
        batches = [{k: v.tolist() for k, v in b.items()} for b in data.DataLoader(stacked, batch_size=2)]
        pair = data.StackDataset(data.TensorDataset(lib.arange(3)), lib.arange(3) * 2)[1]
        chained = list(data.ChainDataset([Stream(2), Stream(3)])), list(Stream(1) + Stream(2))
        results.append((batches, pair[0][0].item(), pair[1].item(), chained))
    assert results[0] == results[1]
    with pytest.raises(ValueError):
        torch.utils.data.StackDataset(torch.zeros(3), torch.zeros(2))
