"""deltanet.utils.data.DataLoader gives torch's batches (contents, order, structure, dtypes) with torch's defaults."""

import inspect
import threading
import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet.utils.data import (
    BatchSampler,
    DataLoader,
    IterableDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
)

# Before the helpers of test_collate, which skips its whole module where torch is missing (its
# names would then not exist, and this module would fail to collect instead of skipping).
torch = pytest.importorskip("torch")

from tests.data.test_collate import _torchify, assert_same_batch  # noqa: E402

X = np.arange(30.0).reshape(10, 3)
Y = np.arange(10) % 3


class Plain:
    """Only __len__ and __getitem__, and a __getitem__ that never raises IndexError."""

    def __init__(self, n=7):
        self.n = n
        self.asked = []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.asked.append(i)
        return {"x": np.full(2, float(i), np.float32), "y": i, "id": f"s{i}"}


def _both(dataset, **kwargs):
    ours = list(DataLoader(dataset, **kwargs))
    t_dataset = (
        torch.utils.data.TensorDataset(*(torch.from_numpy(a) for a in dataset.arrays))
        if hasattr(dataset, "tensors")
        else dataset
    )
    theirs = list(torch.utils.data.DataLoader(t_dataset, **kwargs))
    return ours, theirs


def test_signature_and_defaults_are_torch():
    ours = inspect.signature(DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    assert list(ours) == list(theirs)
    for key, parameter in theirs.items():
        assert ours[key].default == parameter.default and ours[key].kind == parameter.kind, key
    loader = DataLoader(TensorDataset(X, Y))
    assert loader.batch_size == 1 and not loader.drop_last and len(loader) == 10


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=10), dict(batch_size=None)],
)
def test_tensor_dataset_batches_match_torch(kwargs):
    ours, theirs = _both(TensorDataset(X, Y), **kwargs)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_same_batch(a, b, f"batch {i}")


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=2, drop_last=True), dict(batch_size=None)])
def test_plain_class_batches_match_torch_and_terminate(kwargs):
    dataset = Plain()
    ours = list(DataLoader(dataset, **kwargs))
    theirs = list(torch.utils.data.DataLoader(Plain(), **kwargs))
    assert len(ours) == len(theirs) == len(DataLoader(dataset, **kwargs))
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_same_batch(a, b, f"batch {i}")
    assert max(dataset.asked) <= 6  # only indices inside len(dataset) were asked for


def test_a_list_of_samples_is_a_dataset():
    samples = [(np.ones(2) * i, i) for i in range(5)]
    ours, theirs = list(DataLoader(samples, batch_size=2)), list(torch.utils.data.DataLoader(samples, batch_size=2))
    for a, b in zip(ours, theirs, strict=True):
        assert_same_batch(a, b)


def test_fast_path_equals_sample_by_sample_collation():
    ds = TensorDataset(X.astype(np.float32), Y)
    sub = Subset(ds, [9, 2, 4, 4, 0, 7])
    for dataset in (ds, sub, dn.data.Dataset(X, Y)):
        fast = list(DataLoader(dataset, batch_size=4))
        slow = list(DataLoader(dataset, batch_size=4, collate_fn=lambda b: default_collate(b)))
        for a, b in zip(fast, slow, strict=True):
            assert type(a) is type(b) is list
            for x, y in zip(a, b, strict=True):
                assert x.dtype == y.dtype and np.array_equal(x.array, y.array)


def test_subclass_items_are_not_bypassed_by_the_fast_path():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2.0, y

    (x, y), *_ = DataLoader(Doubled(X, Y), batch_size=3)
    np.testing.assert_array_equal(x.array, 2 * X[:3])


def test_shuffle_covers_every_sample_once_and_follows_the_seed():
    loader = DataLoader(TensorDataset(X, np.arange(10)), batch_size=3, shuffle=True, generator=5)
    first = [y.array.tolist() for _, y in loader]
    second = [y.array.tolist() for _, y in loader]
    assert sorted(sum(first, [])) == list(range(10)) and first != second
    assert sum(first, []) == np.random.default_rng(5).permutation(10).tolist()
    again = DataLoader(TensorDataset(X, np.arange(10)), batch_size=3, shuffle=True, generator=5)
    assert [y.array.tolist() for _, y in again] == first
    dn.manual_seed(1)
    a = [y.array.tolist() for _, y in DataLoader(TensorDataset(X, np.arange(10)), batch_size=3, shuffle=True)]
    dn.manual_seed(1)
    b = [y.array.tolist() for _, y in DataLoader(TensorDataset(X, np.arange(10)), batch_size=3, shuffle=True)]
    assert a == b


def test_sampler_and_batch_sampler_as_torch():
    ds = TensorDataset(X, np.arange(10))
    batches = [[3, 1], [0, 9, 8]]
    ours = [y.array.tolist() for _, y in DataLoader(ds, batch_sampler=batches)]
    t_ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.arange(10))
    theirs = [y.tolist() for _, y in torch.utils.data.DataLoader(t_ds, batch_sampler=batches)]
    assert ours == theirs == batches
    by_sampler = [y.array.tolist() for _, y in DataLoader(ds, sampler=[5, 6, 7], batch_size=2)]
    assert by_sampler == [[5, 6], [7]]
    picked = DataLoader(ds, sampler=SubsetRandomSampler([1, 2, 3], generator=0), batch_size=5)
    assert sorted(next(iter(picked))[1].array.tolist()) == [1, 2, 3]
    assert len(DataLoader(ds, batch_sampler=BatchSampler(range(10), 4, True))) == 2


def test_iterable_dataset_as_torch():
    class Stream(IterableDataset):
        def __iter__(self):
            return ((np.full(2, float(i)), i) for i in range(5))

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return ((np.full(2, float(i)), i) for i in range(5))

    for kwargs in (dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None)):
        ours = list(DataLoader(Stream(), **kwargs))
        theirs = list(torch.utils.data.DataLoader(TorchStream(), **kwargs))
        for a, b in zip(ours, theirs, strict=True):
            assert_same_batch(a, b)
        assert len(ours) == len(theirs)
    with pytest.raises(TypeError, match=r"Stream \(an IterableDataset\) defines no __len__"):
        len(DataLoader(Stream(), batch_size=2))


def test_worker_options_are_accepted_and_load_in_process():
    ds = TensorDataset(X, Y)
    called = []
    loader = DataLoader(
        ds,
        batch_size=4,
        num_workers=2,
        pin_memory=True,
        persistent_workers=True,
        prefetch_factor=2,
        worker_init_fn=called.append,
        timeout=5,
    )
    plain = DataLoader(ds, batch_size=4)
    for a, b in zip(loader, plain, strict=True):
        assert all(np.array_equal(x.array, y.array) for x, y in zip(a, b, strict=True))
    assert called == [] and dn.utils.data.get_worker_info() is None


def test_a_model_trains_on_the_batches():
    rng = np.random.default_rng(0)
    ds = TensorDataset(rng.normal(size=(16, 3)).astype(np.float32), rng.integers(0, 2, 16))
    model = dn.nn.Linear(3, 2)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = dn.losses.CrossEntropy()
    for x, y in DataLoader(ds, batch_size=4, shuffle=True, generator=0):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert np.isfinite(loss.item())


def test_two_threads_iterate_one_loader_independently():
    loader = DataLoader(TensorDataset(X, np.arange(10)), batch_size=3, shuffle=True, generator=0)
    seen = {}

    def epoch(k):
        seen[k] = sorted(sum((y.array.tolist() for _, y in loader), []))

    threads = [threading.Thread(target=epoch, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {0: list(range(10)), 1: list(range(10))}


def test_bad_inputs_raise():
    ds = TensorDataset(X, Y)
    value_errors = [
        (lambda: DataLoader(ds, batch_size=0), r"DataLoader: batch_size must be a positive integer or None, got 0"),
        (lambda: DataLoader(ds, batch_size=2.5), r"batch_size must be a positive integer or None, got 2\.5"),
        (
            lambda: DataLoader(ds, sampler=[0, 1], shuffle=True),
            r"DataLoader: sampler and shuffle=True cannot be given together",
        ),
        (
            lambda: DataLoader(ds, batch_sampler=[[0]], batch_size=2),
            r"batch_sampler cannot be given with batch_size, shuffle, sampler or drop_last",
        ),
        (lambda: DataLoader(ds, batch_sampler=[[0]], drop_last=True), r"batch_sampler cannot be given with"),
        (lambda: DataLoader(ds, batch_size=None, drop_last=True), r"drop_last=True needs batches, got batch_size=None"),
        (lambda: DataLoader(ds, num_workers=-1), r"DataLoader: num_workers must be a non-negative integer, got -1"),
        (lambda: DataLoader(ds, prefetch_factor=2), r"prefetch_factor needs num_workers > 0"),
        (lambda: DataLoader(ds, persistent_workers=True), r"persistent_workers=True needs num_workers > 0"),
        (lambda: DataLoader(ds, shuffle="yes"), r"DataLoader: shuffle must be True or False, got 'yes'"),
        (lambda: DataLoader(ds, timeout=-1), r"DataLoader: timeout must be a number >= 0, got -1"),
        (lambda: DataLoader(ds, generator="seed"), r"DataLoader: generator must be None, an int seed"),
        (lambda: DataLoader((X, Y)), r"got a tuple of 2 arrays .*; wrap them: TensorDataset\(X, y\)"),
        (lambda: DataLoader(Plain(0), shuffle=True), r"RandomSampler: the dataset is empty"),
    ]
    for make, message in value_errors:
        with pytest.raises(ValueError, match=message):
            make()

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(ValueError, match=r"an IterableDataset has no indices to shuffle or sample, got shuffle=True"):
        DataLoader(Stream(), shuffle=True)
    type_errors = [
        (lambda: DataLoader(iter(range(3))), r"dataset must have __len__ and __getitem__ .* got a range_iterator"),
        (lambda: DataLoader(5), r"got a int without __getitem__ and __len__"),
        (lambda: DataLoader(ds, collate_fn="stack"), r"collate_fn must be a function of a list of samples"),
        (lambda: DataLoader(ds, worker_init_fn=3), r"worker_init_fn must be None or a function, got 3"),
    ]
    for make, message in type_errors:
        with pytest.raises(TypeError, match=message):
            make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(ds, shuffle=None)  # torch's default, no warning


def test_uneven_samples_give_a_clear_error():
    class Ragged:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.zeros(i + 1)

    with pytest.raises(ValueError, match=r"sample 1 has shape \(2,\), sample 0 has \(1,\).*pass a collate_fn"):
        list(DataLoader(Ragged(), batch_size=2))
    assert [b.shape for b in DataLoader(Ragged(), batch_size=None)] == [(1,), (2,)]
    padded = DataLoader(Ragged(), batch_size=2, collate_fn=lambda b: [np.resize(s, 2) for s in b])
    assert len(next(iter(padded))) == 2


def test_torch_tensors_are_not_needed_to_compare():
    """_torchify is only for the reference: deltanet batches never contain torch objects."""
    batch = next(iter(DataLoader(Plain(), batch_size=2)))
    assert isinstance(batch["x"], dn.Tensor) and batch["id"] == ["s0", "s1"]
    assert _torchify(batch["x"]).shape == (2, 2)
