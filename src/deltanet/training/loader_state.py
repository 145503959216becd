r"""Training from a loader: ``fit(model, loader, ...)`` reads one batch at a time.

``fit`` takes its data in one of two forms. Arrays ``(X, y)`` are checked once and cut into
batches by ``FitState`` (``deltanet.training.state``). A loader gives the batches itself: a
``DataLoader`` (``deltanet.data`` or ``deltanet.utils.data``) or any re-iterable that yields
``(x, y)`` batches. A map-style dataset (``__len__`` and ``__getitem__`` returning ``(x, y)``) is
wrapped in a ``DataLoader`` with fit's ``batch_size`` and ``shuffle``, whose order is drawn from
fit's generator exactly as fit draws it for arrays (a permutation, or $N$ indices with
replacement, once per epoch), so that the arrays and the dataset give the same batches, bit for bit.

``LoaderFitState`` is the ``FitState`` of a run on a loader: one pass over the loader is one
epoch; every batch is checked as it arrives, as ``fit`` checks arrays (numbers, no NaN, the model's
dtype, labels in range); only that batch's inputs are in memory. The first batch is read before
training, to check it against the model and to give the ``Monitor`` its probe, and is then the
first batch of the first epoch: each sample is read once per epoch. With training metrics the
epoch's outputs and targets are kept (the metrics are computed over the whole epoch, as for
arrays), never its inputs; validation on a loader keeps its outputs and targets likewise.

``make_fit_state`` is where ``fit`` chooses between the two forms, and where the arguments that
make no sense with a loader are refused with what to do instead.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from deltanet.autograd import Tensor
from deltanet.data.collate import collate_arrays
from deltanet.data.indexed import IterableDataset
from deltanet.data.loader import DataLoader
from deltanet.data.samplers import RandomSampler, SequentialSampler
from deltanet.io.errors import CheckpointError
from deltanet.training import validation as checks
from deltanet.training.state import FitState, ResumePoint
from deltanet.training.validation import as_tensor


class Default:
    """A default argument of ``fit`` that it can tell apart from the same value given explicitly
    (``batch_size`` and ``shuffle`` belong to a ``DataLoader`` and must not be given with one).

    Args:
        value: the default's value (its ``repr`` is the value's).

    Examples:
        >>> from deltanet.training.loader_state import Default, plain
        >>> Default(32), plain(Default(32)), plain(8)
        (32, 32, 8)
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


def plain(value: Any) -> Any:
    """The value of an argument, given or by default."""
    return value.value if isinstance(value, Default) else value


def data_kind(data: Any) -> str:
    """``"arrays"``, ``"dataset"`` (samples, to be batched: a map-style or an ``IterableDataset``)
    or ``"loader"`` (batches: a ``DataLoader`` or any other iterable that is not an array)."""
    if data is None or isinstance(data, (np.ndarray, Tensor, list, tuple, dict, str, bytes, numbers.Number)):
        return "arrays"
    if hasattr(data, "__array__") or hasattr(data, "__array_interface__"):
        return "arrays"  # a pandas DataFrame, an xarray...
    if isinstance(data, DataLoader):
        return "loader"
    kind = type(data)
    if isinstance(data, IterableDataset) or (hasattr(kind, "__getitem__") and hasattr(kind, "__len__")):
        return "dataset"
    return "loader" if hasattr(kind, "__iter__") else "arrays"


class CheckedBatches:
    """A loader's batches, each checked as ``fit`` checks arrays: ``(x, y)`` arrays, x in the
    model's dtype.

    Args:
        loader: a re-iterable of ``(x, y)`` batches (Tensors, arrays or anything NumPy converts).
        model: the model (its dtype; its first layer checks x).
        loss: the loss (the kind of targets it takes).
        what: the data's name in messages ("the training loader").
        output_shape: the model's output shape for one sample; None: found on the first batch.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.loader_state import CheckedBatches
        >>> loader = dn.data.DataLoader((np.zeros((3, 2)), np.array([0, 1, 1])), batch_size=2, shuffle=False)
        >>> [(x.dtype.name, y.tolist()) for x, y in CheckedBatches(loader, dn.nn.Linear(2, 2), "cross_entropy", "data")]
        [('float32', [0, 1]), ('float32', [1])]
    """

    def __init__(self, loader: Any, model: Any, loss: Any, what: str, output_shape: tuple[int, ...] | None = None):
        self.loader, self.model, self.what, self.output_shape = loader, model, what, output_shape
        self.kind, self.skip = checks.loss_kind(loss), checks.ignore_index(loss)
        self.dtype = checks.model_dtype(model)

    def check(self, batch: Any, number: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``number`` (from 1) as checked ``(x, y)`` arrays."""
        if isinstance(batch, dict) or not isinstance(batch, (tuple, list)) or len(batch) != 2:
            got = f"a {type(batch).__name__}" + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
            raise ValueError(
                f"fit: each batch of {self.what} must be a pair (x, y), got {got} as batch {number}; "
                f"make the dataset's samples (x, y) pairs"
            )
        name = f"batch {number} of {self.what}"
        x = checks.check_X(batch[0], self.model, self.dtype, name=f"x of {name}")
        if self.output_shape is None:
            self.output_shape = checks.output_shape(self.model, x, name=f"x of {name}")
        y = checks.check_y(batch[1], len(x), self.kind, self.output_shape, x.dtype, f"y of {name}", self.skip)
        return x, y

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        number = 0
        for number, batch in enumerate(self.loader, start=1):
            yield self.check(batch, number)
        if number == 0:
            raise ValueError(f"fit: {self.what} gave no batch (is its dataset empty?)")

    def samples(self) -> int | None:
        """The number of samples of the loader's dataset, where it has a length."""
        return length(getattr(self.loader, "dataset", None))


class LoaderFitState(FitState):
    """The ``FitState`` of a run on a loader: each epoch one pass over it, one batch in memory.

    ``X`` and ``y`` are the first batch (checked): the ``Monitor`` probes it. ``validation_data``
    holds validation arrays, or None when the validation data are a loader (``validation``).

    Args:
        model: the model being trained.
        optimizer: its optimizer.
        source: the training batches (``CheckedBatches``).
        validation: validation arrays ``(X_val, y_val)`` (unchecked), a ``CheckedBatches``, or None.
        generator: fit's shuffle generator (the one a wrapped dataset's order is drawn from).
        keep_outputs: keep the epoch's outputs and targets (for training metrics).
        run_dir: fit's run folder, or None.
        loss: the loss.
        settings: ``batch_size`` and ``shuffle`` as a checkpoint records them.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.training.loader_state import CheckedBatches, LoaderFitState
        >>> model = dn.nn.Linear(2, 1); opt = dn.optim.SGD(model.parameters(), lr=0.1)
        >>> loader = dn.data.DataLoader((np.zeros((5, 2)), np.zeros((5, 1))), batch_size=2, shuffle=False)
        >>> state = LoaderFitState(model, opt, CheckedBatches(loader, model, "mse", "data"), None,
        ...                        np.random.default_rng(0), False, None, "mse", {"batch_size": 2, "shuffle": False})
        >>> state.steps_per_epoch, [len(xb.array) for xb, yb in state.batches()]
        (3, [2, 2, 1])
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        source: CheckedBatches,
        validation: Any,
        generator: np.random.Generator,
        keep_outputs: bool,
        run_dir: Any,
        loss: Any,
        settings: dict[str, Any],
    ) -> None:
        self.source = source
        self._pending: Iterator[Any] | None = iter(source.loader)  # epoch 0: its first batch read here
        if self._pending is source.loader:
            raise ValueError(
                f"fit: {source.what} is an iterator ({type(source.loader).__name__}), which one pass uses up, "
                f"so a second epoch would see no data; pass a DataLoader, a dataset, or a class whose "
                f"__iter__ starts a new pass each time"
            )
        first = next(self._pending, None)
        if first is None:
            raise ValueError(f"fit: {source.what} gave no batch (is its dataset empty?)")
        self._first: tuple[np.ndarray, np.ndarray] | None = source.check(first, 1)
        x, y = self._first
        arrays = None
        if isinstance(validation, tuple):
            Xv = checks.check_X(validation[0], model, x.dtype, name="validation X")
            yv = checks.check_y(
                validation[1], len(Xv), source.kind, source.output_shape, x.dtype, "validation y", source.skip
            )
            arrays = (Xv, yv)
        shape = source.output_shape if keep_outputs else None
        super().__init__(model, optimizer, x, y, arrays, None, False, generator, shape, run_dir, loss)
        self.validation = arrays if arrays is not None else validation
        self.steps_per_epoch = length(source.loader)  # type: ignore[assignment]  # None: a stream
        size = settings["batch_size"]
        self.size = size  # the batches' size (None: not known)
        self.settings = {
            "samples": source.samples(),
            "batch_size": size,
            "steps_per_epoch": self.steps_per_epoch,
            "shuffle": settings["shuffle"],
            "data": "loader",
        }
        self._seen = 0
        self._batch = 0
        self._kept: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        # A mean over weighted or ignored labels: each batch weighs its denominator (FitState.epoch_loss).
        self.denominator = checks.mean_denominator(loss)
        self._denominators = 0.0
        self._batch_y: Any = None

    def batches(self) -> Any:
        """One pass over the loader as ``(xb, yb)`` Tensors, each batch checked as it arrives."""
        self.total = self.penalty_total = self._denominators = 0.0
        self._seen = 0
        self._kept = ([], [])
        if self._pending is not None and self._first is not None:  # epoch 0: the batch read at the start first
            rest, first, self._pending, self._first = self._pending, self._first, None, None
            checked = (self.source.check(b, i) for i, b in enumerate(rest, start=2))
            batches: Iterator[tuple[np.ndarray, np.ndarray]] = itertools.chain([first], checked)
        else:
            batches = iter(self.source)
        for x, y in batches:
            self._batch, self._batch_y = len(x), y
            if self.output_shape is not None:
                self._kept[1].append(y)
            yield as_tensor(x), as_tensor(y)

    def record(self, value: float, penalty: float, outputs: np.ndarray) -> None:
        """Account for one applied step: its mean loss and penalty, and its outputs."""
        nb = self._batch
        if self.output_shape is not None:
            self._kept[0].append(outputs)
        if self.summed:
            self.total += value
        elif self.denominator is None:
            self.total += value * nb
        else:  # a mean over weighted or ignored labels (FitState.epoch_loss)
            D = self.denominator(self._batch_y)
            self.total += value * D
            self._denominators += D
        self.penalty_total += penalty * nb
        self._seen += nb
        self.step += 1
        self.last_size = nb

    def epoch_loss(self) -> float:
        """The epoch's training loss so far (``FitState.epoch_loss``), over the batches read."""
        if self.summed or self.denominator is None:
            return super().epoch_loss()
        return self.total / self._denominators if self._denominators else float("nan")

    def epoch_size(self) -> int:
        """The samples of the epoch: the sizes of the loader's batches, summed."""
        return self._seen

    def epoch_outputs(self) -> np.ndarray:
        """The epoch's outputs, in the loader's order (kept for the training metrics)."""
        if self.output_shape is None:
            raise RuntimeError("LoaderFitState.epoch_outputs: this run keeps no outputs (no training metrics)")
        return np.concatenate(self._kept[0], axis=0)

    def epoch_targets(self) -> np.ndarray:
        """The epoch's targets, in the loader's order (kept for the training metrics)."""
        return np.concatenate(self._kept[1], axis=0)

    @property
    def validation_samples(self) -> int | None:
        if isinstance(self.validation, CheckedBatches):
            return self.validation.samples()
        return super().validation_samples

    def snapshot(self, at_epoch_end: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The checkpoint section at the end of an epoch (a loader's run is not saved mid-epoch)."""
        if not at_epoch_end:
            raise ValueError(
                "fit: a run on a loader is checkpointed at the end of an epoch only (a loader's position "
                "within its pass cannot be saved); leave ModelCheckpoint's every_n_steps out"
            )
        return super().snapshot(at_epoch_end)

    def restore(self, point: ResumePoint) -> None:
        """Continue after the epoch ``point`` ended: the next pass starts from the restored random states."""
        if point.step:
            raise CheckpointError("training.step: a run on a loader resumes at the end of an epoch only")
        super().restore(point)
        self._pending = self._first = None  # the pass begun at the start drew from the states before restore


def length(obj: Any) -> int | None:
    """``len(obj)``, or None where it has none (a stream)."""
    try:
        return int(len(obj))
    except (TypeError, NotImplementedError, AttributeError):
        return None


def make_fit_state(
    model: Any,
    optimizer: Any,
    X: Any,
    y: Any,
    validation_data: Any,
    loss: Any,
    batch_size: Any,
    shuffle: Any,
    generator: np.random.Generator,
    keep_outputs: bool,
    distributed: bool,
    resume: bool,
    callbacks: list[Any],
) -> FitState:
    """``fit``'s ``FitState``: on checked arrays, or on a loader (a dataset is wrapped in one).

    ``batch_size`` and ``shuffle`` may be ``Default`` (not given). ``fit`` sets ``run_dir`` after.
    Raises ``ValueError`` for bad data and for the arguments that make no sense with the data given.
    """
    kind = data_kind(X)
    size, order = checks.check_batch_size(plain(batch_size)), checks.check_shuffle(plain(shuffle))
    val_kind = None if validation_data is None else data_kind(validation_data)
    if kind == "arrays":
        if val_kind not in (None, "arrays") and distributed:
            raise ValueError(_refused("validation_data as a loader", "data-parallel training (distributed)"))
        val = validation_data if val_kind == "arrays" else None
        X, y, arrays, shape = checks.check_fit_data(model, X, y, val, loss)
        state = FitState(
            model, optimizer, X, y, arrays, size, order, generator, shape if keep_outputs else None, None, loss
        )
        if val_kind not in (None, "arrays"):
            state.validation = CheckedBatches(_loader(validation_data, size), model, loss, "validation_data", shape)
        return state
    name = "a DataLoader" if kind == "loader" else f"a dataset ({type(X).__name__})"
    if y is not None:
        raise ValueError(
            f"fit: y must be left out when X is {name}: its samples carry the targets as (x, y) pairs; "
            f"got y of type {type(y).__name__}"
        )
    if distributed:
        raise ValueError(_refused(name, "data-parallel training (distributed)"))
    every = [cb for cb in callbacks if getattr(cb, "every_n_steps", None) is not None]
    if every:
        raise ValueError(
            f"fit: ModelCheckpoint(every_n_steps={every[0].every_n_steps}) saves mid-epoch, which a run on {name} "
            f"cannot resume (a loader's position within its pass is not saved); leave every_n_steps out: the "
            f"checkpoints at the end of each epoch resume exactly"
        )
    if kind == "loader":
        for arg, value in (("batch_size", batch_size), ("shuffle", shuffle)):
            if not isinstance(value, Default):
                raise ValueError(
                    f"fit: {arg} belongs to the DataLoader when X is one (DataLoader(dataset, {arg}=...)); "
                    f"got {arg}={value!r} for fit too; leave it out, or give fit the dataset itself"
                )
        loader, size, order = X, _batch_size(X), _loader_order(X)
    else:
        loader = _wrap(X, size, order, generator, given_shuffle=not isinstance(shuffle, Default))
        order = False if isinstance(X, IterableDataset) else order  # as FitState records it for arrays
    if resume:
        _check_resumable(loader, X is loader, name)
    source = CheckedBatches(loader, model, loss, "X" if kind == "dataset" else "the training loader")
    validation: Any = None
    if val_kind == "arrays":
        validation = checks.check_validation_data(validation_data)
    elif val_kind is not None:
        validation = CheckedBatches(_loader(validation_data, size), model, loss, "validation_data")
    state = LoaderFitState(
        model,
        optimizer,
        source,
        validation,
        generator,
        keep_outputs,
        None,
        loss,
        {"batch_size": size, "shuffle": order},
    )
    if isinstance(validation, CheckedBatches):
        validation.output_shape = source.output_shape
    return state


def check_distributed(data: Any, distributed: Any) -> Any:
    """``distributed`` as given, refused with a loader (before ``fit`` starts MPI for it)."""
    kind = data_kind(data)
    if distributed is True and kind != "arrays":
        name = "a DataLoader" if kind == "loader" else f"a dataset ({type(data).__name__})"
        raise ValueError(_refused(name, "data-parallel training (distributed)"))
    return distributed


def _refused(what: str, feature: str) -> str:
    return (
        f"fit: {feature} takes arrays, got {what}; take the arrays (X, y = dataset[:], where they fit in "
        f"memory), or train on one process (distributed=False)"
    )


def _wrap(
    dataset: Any, size: int | None, shuffle: bool | str, generator: np.random.Generator, given_shuffle: bool
) -> Any:
    """The ``DataLoader`` of fit's ``batch_size`` and ``shuffle`` over a dataset, with NumPy batches;
    its order is drawn from fit's generator as ``FitState`` draws it for arrays."""
    if isinstance(dataset, IterableDataset):
        if size is None:
            raise ValueError(
                "fit: batch_size=None (the full batch) needs the dataset's length; an IterableDataset is a "
                "stream: give batch_size"
            )
        if given_shuffle and shuffle:
            raise ValueError(
                f"fit: shuffle={shuffle!r} needs indices to draw, and an IterableDataset is a stream; "
                f"leave shuffle out (or shuffle=False), or shuffle inside its __iter__"
            )
        return DataLoader(dataset, batch_size=size, collate_fn=collate_arrays)
    n = len(dataset)
    if n == 0:
        raise ValueError(f"fit: X is an empty dataset ({type(dataset).__name__} of length 0); expected samples")
    size = n if size is None else min(size, n)
    # FitState's rule: one full batch has no order, but a full batch drawn with replacement is another sample.
    replacement = shuffle == "with_replacement"
    if shuffle and (size < n or replacement):
        sampler: Any = RandomSampler(dataset, replacement=replacement, generator=generator)
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=size, sampler=sampler, collate_fn=collate_arrays)


def _loader(data: Any, size: int | None) -> Any:
    """Validation data as a loader: a dataset in order, in batches of ``size`` (fit's)."""
    if data_kind(data) == "loader":
        return data
    if isinstance(data, IterableDataset):
        return DataLoader(data, batch_size=size or 32, collate_fn=collate_arrays)
    return DataLoader(data, batch_size=size or max(len(data), 1), collate_fn=collate_arrays)


def _batch_size(loader: Any) -> int | None:
    size = getattr(loader, "batch_size", None)
    return int(size) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) else None


def _loader_order(loader: Any) -> Any:
    """How a DataLoader orders its samples, as a checkpoint records it."""
    sampler = getattr(loader, "sampler", None)
    if isinstance(sampler, SequentialSampler):
        return False
    return type(sampler).__name__ if sampler is not None else type(loader).__name__


def _check_resumable(loader: Any, given: bool, name: str) -> None:
    """A run on a loader resumes exactly at an epoch boundary when its order comes from a generator
    that the checkpoint saves: fit's (a dataset that fit batches) or ``dn.manual_seed``'s."""
    if not given:
        return
    sampler = getattr(loader, "sampler", None)
    plain_batches = isinstance(loader, DataLoader) and not loader._iterable
    if plain_batches and isinstance(sampler, SequentialSampler):
        return
    if plain_batches and type(sampler) is RandomSampler and sampler.generator is None:
        return
    raise ValueError(
        f"fit: resume_from with {name} whose order the checkpoint cannot restore (its sampler "
        f"{type(sampler).__name__ if sampler is not None else 'is its own'}"
        f"{' draws from its own generator' if getattr(sampler, 'generator', None) is not None else ''}); "
        f"give fit the dataset and rng=seed (fit then shuffles, and saves the order's random state), or build "
        f"the DataLoader with shuffle=False or generator=None (dn.manual_seed's generator, which checkpoints save)"
    )
