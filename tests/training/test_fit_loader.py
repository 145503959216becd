"""fit on a Dataset or a DataLoader: the same run as on the arrays (bit for bit), one batch in memory,
each sample read once per epoch, validation over the whole set, epoch-boundary resume, refusals."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.training import Callback
from deltanet.utils.data import DataLoader, TensorDataset

RNG = np.random.default_rng(0)
X = RNG.normal(size=(22, 3))
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
XV, YV = RNG.normal(size=(9, 3)), RNG.integers(0, 2, size=9)


def model_and_optimizer():
    _ = dn.manual_seed(0)  # Dropout draws from it
    model = dn.nn.Sequential(dn.nn.Linear(3, 5, rng=0), dn.nn.ReLU(), dn.nn.Dropout(0.2), dn.nn.Linear(5, 2, rng=1))
    return model, dn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def train(*data, **options):
    model, optimizer = model_and_optimizer()
    options = {"epochs": 3, "metrics": ["accuracy"], "rng": 7, **options}
    history = dn.fit(model, *data, loss="cross_entropy", optimizer=optimizer, **options)
    return [p.array.copy() for p in model.parameters()], history


def same(a, b):
    (wa, ha), (wb, hb) = a, b
    assert ha.history == hb.history and ha.epoch == hb.epoch
    assert all(np.array_equal(p, q) for p, q in zip(wa, wb, strict=True))


class Rows(dn.data.Dataset):
    """A map-style dataset of (x, y) pairs that records each read and the steps done when it came."""

    def __init__(self, X, y):
        self.X, self.y, self.reads, self.steps = X, y, [], [0]

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        self.reads.append((int(i), self.steps[0]))
        return self.X[i], self.y[i]


class CountSteps(Callback):
    def __init__(self, counter):
        super().__init__()
        self.counter = counter

    def on_batch_end(self, step, logs=None):
        self.counter[0] += 1


@pytest.mark.parametrize("shuffle", [False, True, "with_replacement"])
@pytest.mark.parametrize("batch_size", [4, None])
def test_a_dataset_trains_as_its_arrays_bit_for_bit(shuffle, batch_size):
    arrays = train(X, Y, batch_size=batch_size, shuffle=shuffle, validation_data=(XV, YV))
    same(arrays, train(Rows(X, Y), batch_size=batch_size, shuffle=shuffle, validation_data=(XV, YV)))
    same(arrays, train(dn.data.Dataset(X, Y), batch_size=batch_size, shuffle=shuffle, validation_data=(XV, YV)))


def test_a_dataloader_trains_as_the_arrays_in_its_order():
    arrays = train(X, Y, batch_size=4, shuffle=False, validation_data=(XV, YV))
    for loader in (DataLoader(TensorDataset(X, Y), batch_size=4), dn.data.DataLoader((X, Y), 4, shuffle=False)):
        same(arrays, train(loader, validation_data=(XV, YV)))

    # A plain re-iterable of (x, y) batches (a list of pairs is arrays to fit, so a class).
    class Batches:
        def __iter__(self):
            return iter([(X[i : i + 4], Y[i : i + 4]) for i in range(0, len(X), 4)])

    same(arrays, train(Batches(), validation_data=(XV, YV)))


def test_validation_by_loader_equals_validation_by_arrays():
    arrays = train(X, Y, batch_size=4, validation_data=(XV, YV))
    for val in (TensorDataset(XV, YV), DataLoader(TensorDataset(XV, YV), batch_size=4), Rows(XV, YV)):
        same(arrays, train(X, Y, batch_size=4, validation_data=val))
        same(arrays, train(Rows(X, Y), batch_size=4, validation_data=val))
    # The metrics are over the whole set, not a mean of batch metrics: 9 rows in batches of 4, 4, 1.
    weights, history = arrays
    model, _ = model_and_optimizer()
    for p, w in zip(model.parameters(), weights, strict=True):
        p.array[...] = w
    expected = dn.evaluate(model, XV, YV, loss="cross_entropy", metrics=["accuracy"], batch_size=4)
    assert history.history["val_loss"][-1] == expected["loss"]
    assert history.history["val_accuracy"][-1] == expected["accuracy"]


def test_one_batch_is_read_at_a_time_and_each_sample_once_per_epoch():
    ds = Rows(X, Y)
    weights, history = train(ds, batch_size=5, epochs=2, callbacks=[CountSteps(ds.steps)], monitor=True, shuffle=True)
    assert len(history.history["loss"]) == 2
    reads = [i for i, _ in ds.reads]
    assert sorted(reads[:22]) == sorted(reads[22:]) == list(range(22))  # each sample once per epoch
    assert len(reads) == 44  # not one read more (the Monitor probes the first batch, read once)
    # Batch k is read after step k - 1 is done: 5 samples per step, never the whole set ahead.
    per_epoch = [k // 5 for k in range(22)]
    assert [steps for _, steps in ds.reads] == per_epoch + [5 + s for s in per_epoch]


def test_a_segmentation_folder_of_pngs_trains_through_fit(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(1)
    for folder in ("images", "labels"):
        (tmp_path / folder).mkdir()
    for k in range(5):
        label = (rng.random((8, 8)) > 0.5).astype(np.uint8)
        image = (label * 150 + rng.integers(0, 60, size=(8, 8))).astype(np.uint8)
        dn.data.write_image(tmp_path / "images" / f"case{k}.png", image)
        dn.data.write_image(tmp_path / "labels" / f"case{k}.png", label)
    cases = dn.data.SegmentationFolder(tmp_path / "images", tmp_path / "labels")
    model = dn.nn.Sequential(dn.nn.Conv2d(1, 2, 3, padding=1, rng=0))
    optimizer = dn.optim.Adam(model.parameters(), lr=0.05)
    history = dn.fit(
        model, cases, loss=dn.losses.CrossEntropy(), optimizer=optimizer, epochs=4, batch_size=2, rng=0,
        validation_data=cases, monitor=False,
    )  # fmt: skip
    assert len(history.history["loss"]) == 4 and history.history["loss"][-1] < history.history["loss"][0]
    X, Yc = cases[:]
    reference = dn.evaluate(model, X, Yc, loss=dn.losses.CrossEntropy(), metrics=[], batch_size=2)
    assert history.history["val_loss"][-1] == reference["loss"]


def test_checkpoint_at_an_epoch_end_resumes_a_dataset_run_exactly(tmp_path):
    ckpt = dn.callbacks.ModelCheckpoint(tmp_path, monitor="loss")
    whole = train(Rows(X, Y), batch_size=4, epochs=4)
    train(Rows(X, Y), batch_size=4, epochs=2, callbacks=[ckpt])
    same(whole, train(Rows(X, Y), batch_size=4, epochs=4, resume_from=ckpt.last_path))
    # A DataLoader shuffled by dn.manual_seed's generator resumes exactly too.
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)
    whole = train(loader, epochs=4)
    train(loader, epochs=2, callbacks=[ckpt])
    same(whole, train(loader, epochs=4, resume_from=ckpt.last_path))


def test_what_makes_no_sense_with_a_loader_is_refused():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    model, opt = model_and_optimizer()

    def fit(data, *args, **options):
        dn.fit(model, data, *args, loss="cross_entropy", optimizer=opt, monitor=False, **options)

    with pytest.raises(ValueError, match=r"fit: y must be left out when X is a DataLoader: its samples carry"):
        fit(loader, Y)
    with pytest.raises(ValueError, match=r"y must be left out when X is a dataset \(Rows\)"):
        fit(Rows(X, Y), Y)
    with pytest.raises(ValueError, match=r"fit: batch_size belongs to the DataLoader .* got batch_size=32"):
        fit(loader, batch_size=32)
    with pytest.raises(ValueError, match=r"fit: shuffle belongs to the DataLoader .* got shuffle=True"):
        fit(loader, shuffle=True)
    with pytest.raises(ValueError, match=r"data-parallel training \(distributed\) takes arrays, got a DataLoader"):
        fit(loader, distributed=True)
    with pytest.raises(ValueError, match=r"ModelCheckpoint\(every_n_steps=2\) saves mid-epoch"):
        fit(loader, callbacks=[dn.callbacks.ModelCheckpoint("unused", every_n_steps=2)])
    seeded = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True, generator=0)
    with pytest.raises(ValueError, match=r"resume_from with a DataLoader whose order the checkpoint cannot restore"):
        fit(seeded, resume_from="unused.dnet")
    with pytest.raises(ValueError, match=r"is an iterator \(generator\), which one pass uses up"):
        fit((X[i : i + 4], Y[i : i + 4]) for i in range(0, 22, 4))
    with pytest.raises(
        ValueError, match=r"each batch of the training loader must be a pair \(x, y\), got a list of length 1"
    ):
        fit(DataLoader(TensorDataset(X), batch_size=4))
    bad = X.copy()
    bad[13, 1] = np.nan
    with pytest.raises(ValueError, match=r"Input x of batch 4 of the training loader contains NaN"):
        fit(DataLoader(TensorDataset(bad, Y), batch_size=4))
    with pytest.raises(ValueError, match=r"y of batch 1 of X: class labels must be integers in \[0, 2\)"):
        fit(Rows(X, Y + 1), batch_size=4)
    with pytest.raises(ValueError, match=r"fit: the training loader gave no batch"):
        fit(DataLoader(TensorDataset(X[:0], Y[:0]), batch_size=4))
    with pytest.raises(ValueError, match=r"fit: shuffle='with_replacement' needs indices to draw"):

        class Stream(dn.utils.data.IterableDataset):
            def __iter__(self):
                return zip(X, Y, strict=True)

        fit(Stream(), shuffle="with_replacement")


def test_a_stream_trains_in_order_without_a_length():
    class Stream(dn.utils.data.IterableDataset):
        def __iter__(self):
            return zip(X, Y, strict=True)

    same(train(X, Y, batch_size=4, shuffle=False), train(Stream(), batch_size=4))


def test_callbacks_see_the_loaders_steps_and_samples(capsys):
    seen = {}

    class Params(Callback):
        def on_train_begin(self, logs=None):
            seen.update(self.params, X=self.fit_state.X.shape)

    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    train(loader, epochs=1, callbacks=[Params()], verbose=2)
    assert (seen["steps"], seen["samples"], seen["batch_size"], seen["X"]) == (6, 22, 4, (4, 3))
    assert capsys.readouterr().out.startswith("Epoch 1/1 - ")  # the progress line
