r"""``fit``: the training loop, once for every model ([de Back 2018]'s four steps).

For every batch, ``Step`` (``deltanet.training.step``) runs the four steps: feed forward, compute
the loss, backpropagate, optimize ($W \leftarrow W - \eta \, \partial L / \partial W$ for plain
SGD). ``batch_size`` picks the seeds' flavour of gradient descent ([Hosny et al.],
[Suk 2015]): ``None`` is batch (full-batch) gradient descent, one update per epoch; ``1`` is
on-line learning, one update per sample; ``k`` is mini-batch gradient descent,
$\lceil N / k \rceil$ updates per epoch. ``shuffle`` picks how an epoch goes through the data, "either
in sequence or by selecting at random with replacement" ([Suk 2015]), or as a new permutation.

NaN policy: no update that would leave a weight NaN or infinite is applied. Before each update
the step checks the loss and the gradients; when either is not finite, ``fit`` raises
``TrainingDivergedError`` naming the epoch and step, and the model (and every checkpoint) keeps
the weights and optimizer state of the last good step. A ``TerminateOnNaN`` callback turns the
error into a warning and a normal return.

Checkpoints: a ``ModelCheckpoint`` callback saves the run, and ``fit(..., resume_from=path)``
continues it exactly (the same final weights, bit for bit; ``deltanet.training.checkpoint``).
Callbacks: every hook ``fit`` calls is declared on ``Callback`` (``deltanet.training.callback``).

The loop is kept lean for small models, where Python overhead rivals the arithmetic: the data are
checked and converted once, shuffled once per epoch with one gather, and cut into views; per step
only the loss and the gradient norm are checked. Steps 1 to 3 are replayed without the graph
(``dn.compile_step``'s plan, ``deltanet.training.compiled``) whenever the model, the loss and the
optimizer allow it, with no regularizer and on one process: the same results bit for bit, so
nothing to switch on (``DELTANET_REFERENCE=1`` runs every step eagerly). A dataset or a
DataLoader, for data too large for memory, is read one batch at a time instead, each batch
checked as it arrives (``deltanet.training.loader_state``); the loop is the same.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet import distributed as dist
from deltanet.nn.modes import kept_modes
from deltanet.nn.sync_batchnorm import local_statistics
from deltanet.training import rundir
from deltanet.training import validation as checks
from deltanet.training.callback import Callback, CallbackList, History
from deltanet.training.callbacks import TerminateOnNaN
from deltanet.training.checkpoint import ModelCheckpoint, read_resume
from deltanet.training.evaluation import metric_values, resolve_loss, resolve_metrics, validation_logs
from deltanet.training.loader_state import Default, check_distributed, make_fit_state
from deltanet.training.monitor import Monitor
from deltanet.training.progress import ProgressBar, resolve_verbose
from deltanet.training.state import FitState, describe_loss, module_generators
from deltanet.training.step import Diverged, Step, TrainingDivergedError

__all__ = ["TrainingDivergedError", "fit"]

# Defaults that fit tells apart from the same values given (a DataLoader brings its own).
DEFAULT_BATCH_SIZE, DEFAULT_SHUFFLE = Default(32), Default(True)


def fit(
    model: Any,
    X: Any,
    y: Any = None,
    loss: Any = None,
    optimizer: Any = None,
    epochs: int = 1,
    batch_size: int | None | Default = DEFAULT_BATCH_SIZE,
    validation_data: Any = None,
    callbacks: Any = None,
    shuffle: bool | str | Default = DEFAULT_SHUFFLE,
    verbose: int | str = "auto",
    run_dir: Any = None,
    regularizer: Any = None,
    rng: Any = None,
    metrics: Any = None,
    resume_from: Any = None,
    monitor: Any = True,
    distributed: bool | None = None,
) -> History:
    """Train ``model`` on ``(X, y)``, or on a dataset or DataLoader, by gradient descent and return
    the learning curves.

    Args:
        model: a ``deltanet.nn.Module``; X is converted to the dtype of its parameters.
        X: samples, shape (N, features...); or, for data too large for memory, a dataset or a
            loader, read one batch at a time (as Keras takes a ``tf.data.Dataset`` and Lightning a
            DataLoader): a map-style dataset (``__len__`` and ``__getitem__`` returning
            ``(x, y)``: ``ImageFolder``, ``SegmentationFolder``, ``PatchDataset``,
            ``TensorDataset``...) is batched with ``batch_size`` and ``shuffle``, its order drawn
            from ``rng`` exactly as for arrays (the same run, bit for bit); a ``DataLoader`` (or
            any re-iterable yielding ``(x, y)`` batches) brings its own batches and order. One
            pass is one epoch; each batch is checked as it arrives, as arrays are. With training
            metrics the epoch's outputs and targets are kept, not its inputs
            (``deltanet.training.loader_state``).
        y: targets: class labels (N,) for cross-entropy, values (N, outputs) for regression;
            left out with a dataset or loader, whose samples carry them.
        loss: a loss module (``losses.CrossEntropy()``), any callable ``loss(output, target)``
            returning a scalar Tensor, or a name (``"cross_entropy"``, ``"mse"``).
        optimizer: an optimizer over the model's parameters (all of them, or some: frozen layers),
            or a name (built with its default learning rate by ``optim.get``).
        epochs: passes over the training data (0 trains nothing).
        batch_size: ``None`` = full batch (one step per epoch), 1 = on-line, k = mini-batch
            (default 32). Not with a DataLoader, which has its own.
        validation_data: ``(X_val, y_val)``, or a dataset or loader of ``(x, y)`` samples, evaluated
            after every epoch in evaluation mode: the loss and metrics of the whole set (a loader's
            outputs and targets are kept for them, not its inputs), equal to those of its arrays.
        callbacks: ``Callback`` objects (``EarlyStopping``, ``LearningRateScheduler``, ...).
        shuffle: how each epoch goes through the samples ([Suk 2015]'s on-line learning cycles
            "either in sequence or by selecting at random with replacement"): ``False`` in
            sequence; ``True`` (default) a new random permutation every epoch, each sample once
            (nothing to draw for the full batch); ``"with_replacement"`` N samples drawn at
            random with replacement (with the full batch too), so that an epoch sees some samples
            twice or more and, for large N, about 37 % of them (a fraction $1/e$) not at all.
            Drawn from ``rng`` and resumed exactly, like the permutation. Not with a DataLoader,
            which has its own order.
        verbose: as Keras: 0 silent, 1 a progress bar per epoch, 2 one line per epoch;
            ``"auto"`` is 1 in a terminal or a notebook and 0 otherwise (a pipe, a test run).
        run_dir: a folder to write ``config.json`` and ``history.csv`` into.
        regularizer: a callable ``penalty(model)`` returning a scalar Tensor that is added to the
            loss (``regularizers.L2(1e-4)``). It is logged separately as ``penalty``: ``loss``
            stays the data loss, so that it compares with ``val_loss``.
        rng: seed or ``numpy.random.Generator`` for the shuffle (default: ``dn.manual_seed``'s).
        metrics: metric names or functions ``f(y_true, output)``, logged per epoch under their
            names (``accuracy``; ``val_accuracy`` on the validation data).
        resume_from: a checkpoint written by ``ModelCheckpoint``: load the weights, optimizer
            state, random state, data order, history and callback states, and continue from the
            saved epoch and step up to ``epochs`` (the run's total, not a number of further epochs:
            a checkpoint past it is refused). Give the same data,
            ``batch_size``, ``shuffle``, loss, model, optimizer type and callbacks as the
            interrupted run (and ``rng``, when the shuffle used its own generator); the number
            of samples, a SHA-256 of array data and the loss (a loss module's repr and class
            weights, a function's name) are checked. ``on_epoch_begin`` is not
            called again for an epoch resumed in its middle. A run on a dataset or loader resumes
            at the end of an epoch (``ModelCheckpoint`` without ``every_n_steps``), exactly when its
            order comes from ``rng`` or ``dn.manual_seed``'s generator (a DataLoader with
            ``generator=None``) and its samples draw nothing random of their own (a
            ``PatchDataset``'s or a transform's own ``rng`` is not in the checkpoint).
        monitor: ``True`` adds a default ``Monitor`` (unless ``callbacks`` holds one), a
            ``Monitor`` uses that one, ``False`` or ``None`` trains unwatched.
        distributed: data parallelism over the ranks of an MPI job (``mpiexec -n W python
            script.py``; ``deltanet.distributed``): ``True`` starts it, ``False`` trains on this
            process alone, ``None`` (default) trains data-parallel after
            ``deltanet.distributed.init()``. Every rank is given the whole data; ``batch_size``
            is the global batch, split over the ranks, so that the run equals one process's to
            rounding. Rank 0 alone prints and writes ``run_dir`` and checkpoints. ``None`` under a
            launcher of several ranks without ``init()`` warns (each rank would train alone).
            Arrays only: a dataset or loader is refused.

    Returns:
        A ``History``: ``history.history["loss"]`` holds the epoch's training loss (measured before
        each step: the mean of the batch losses weighted by batch size, or by the mean's denominator
        for weighted or ignored class labels; with ``reduction="sum"`` their sum: the loss over the
        epoch's samples as the validation loss is over its own),
        ``"val_loss"`` the validation loss after the epoch.

    Raises:
        ValueError: bad inputs (wrong shapes, NaN in the data, labels out of range, ...), also
            in a loader's batch (named by its number; the steps before it stay applied), and
            arguments that a loader does not take
            (``y``, a DataLoader with ``batch_size`` or ``shuffle``, ``distributed``, mid-epoch
            checkpoints, ``resume_from`` with an order the checkpoint cannot restore).
        TrainingDivergedError: the loss or the gradients became NaN or infinite (see above).
        deltanet.io.CheckpointError: ``resume_from`` is not a checkpoint that fits this run.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> _ = dn.manual_seed(0)
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 0, 0, 1])
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 2))
        >>> opt = dn.optim.SGD(model.parameters(), lr=1.0)
        >>> history = dn.fit(model, X, y, dn.losses.CrossEntropy(), opt, epochs=200, batch_size=None,
        ...                  metrics=["accuracy"])
        >>> history.history["accuracy"][-1]
        1.0

        The same data as a dataset, read in batches of two (a DataLoader works alike):

        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 2)); opt = dn.optim.SGD(model.parameters(), lr=1.0)
        >>> history = dn.fit(model, dn.data.Dataset(X, y), loss="cross_entropy", optimizer=opt, epochs=100,
        ...                  batch_size=2, rng=0, metrics=["accuracy"])
        >>> history.history["accuracy"][-1]
        1.0
        >>> loader = dn.utils.data.DataLoader(dn.utils.data.TensorDataset(X, y), batch_size=2, shuffle=True)
        >>> history = dn.fit(model, loader, loss="cross_entropy", optimizer=opt, epochs=5)
        >>> len(history.history["loss"])
        5
    """
    # -- check everything once (a loader's batches: each as it arrives) ---------------------
    checks.check_model(model)
    epochs = checks.check_epochs(epochs)
    world = _world(check_distributed(X, distributed))
    verbose = resolve_verbose(checks.check_verbose(verbose))
    verbose = verbose if world is None or world.is_root else 0  # rank 0 alone prints
    checks.check_regularizer(regularizer)
    loss_fn, optimizer, metric_fns = resolve_loss(loss), _resolve_optimizer(optimizer, model), resolve_metrics(metrics)
    given = _callbacks(checks.check_callbacks(callbacks), monitor, verbose)
    generator = backend.get_rng(rng)
    state = make_fit_state(
        model, optimizer, X, y, validation_data, loss_fn, batch_size, shuffle, generator, bool(metric_fns),
        world is not None, resume_from is not None, given,
    )  # fmt: skip
    run_path = rundir.prepare(run_dir) if run_dir is not None else None
    state.run_dir = run_path if world is None or world.is_root else None  # rank 0 alone writes
    state.callbacks += given
    hooks = CallbackList(state.callbacks)
    size: int | None = state.settings["batch_size"]
    val = state.validation
    if world is not None:
        generators = [backend.get_rng(None), *module_generators(model).values()]
        data = [state.X, state.y, *(val if val is not None else (None, None))]
        state.sync = dist.start_fit(world, model, optimizer, data, size, generators, resume_from is not None)
    state.epochs = epochs
    point = read_resume(resume_from, state) if resume_from is not None else None
    params = {
        "epochs": epochs,
        "batch_size": size,
        "steps": state.steps_per_epoch,
        "samples": state.settings["samples"],
    }
    hooks.setup(model, {**params, "verbose": verbose, "initial_epoch": point.epoch if point else 0}, state)
    if state.run_dir is not None:
        if point is None:  # a new run: nothing an earlier run left in the folder is read as its own
            rundir.remove(state.run_dir, *rundir.FIT_FILES)
        rundir.write_config(state.run_dir, _config(state, params, loss, loss_fn, regularizer, metric_fns, given))
    step, skip = Step(model, optimizer, loss_fn, regularizer, state.sync), checks.ignore_index(loss_fn)
    # One process (also one rank of an MPI job training alone): SyncBatchNorm asks no other rank.
    guard = local_statistics() if world is None else world.abort_on_error(passing=(TrainingDivergedError,))

    # -- train -------------------------------------------------------------------------------
    modes, model.stop_training = kept_modes(model), False  # every module's mode, given back at the end
    try:
        # NumPy's overflow warnings are noise here: a non-finite loss or gradient has its own policy.
        # On several ranks, an error on one stops them all (every rank raises a divergence alike).
        with guard, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model.train()
            hooks.on_train_begin()
            if point is not None:
                state.restore(point)
            try:
                while state.epoch < epochs and not state.resumed_after_stop:
                    epoch = state.epoch
                    if state.step == 0:  # not again for an epoch resumed in its middle
                        hooks.on_epoch_begin(epoch)
                    state.learning_rates = [group.get("lr") for group in optimizer.param_groups]
                    for xb, yb in state.batches():
                        value, penalty, a = step(xb, yb)
                        state.record(value, penalty, a)
                        if hooks.per_step:
                            hooks.on_batch_end(state.step - 1, {"loss": value, "size": state.last_size, "epoch": epoch})
                    logs = {"loss": state.epoch_loss()}
                    if regularizer is not None:
                        logs["penalty"] = state.penalty_total / state.epoch_size()
                    if state.output_shape is not None:
                        logs.update(
                            metric_values(
                                metric_fns,
                                state.epoch_outputs(),
                                state.epoch_targets(),
                                ignore_index=skip,
                                loss=loss_fn,
                            )
                        )
                    if val is not None:
                        logs.update(validation_logs(model, loss_fn, metric_fns, val, size, world))
                    hooks.on_epoch_end(epoch, logs)
                    state.next_epoch()
                    if model.stop_training:
                        break
            except Diverged as error:
                _stop(error, state, hooks, epochs)
            if state.sync is not None and world.check_weights:
                state.sync.check_weights("after the last step")
            hooks.on_train_end()
    finally:
        modes.restore()
        if run_path is not None:
            rundir.write_history(run_path, state.history.epoch, state.history.history)
    return state.history


def _stop(error: Diverged, state: FitState, hooks: CallbackList, epochs: int) -> None:
    """A step refused its update: tell every callback, then raise, unless ``TerminateOnNaN`` is there."""
    message = (
        f"{error.what} at epoch {state.epoch + 1}/{epochs}, step {state.step + 1}/{state.steps_per_epoch or '?'}; "
        f"training stopped before that step's update, so the model keeps the weights of the last good "
        f"step. Try a smaller learning rate or standardized inputs."
    )
    hooks.on_nonfinite_loss(state.epoch, state.step, message)
    if not any(isinstance(cb, TerminateOnNaN) for cb in hooks):
        raise TrainingDivergedError(message, state.epoch + 1, state.step + 1, error.loss) from None


def _world(distributed: Any) -> Any:
    """The ``World`` of a data-parallel fit (an MPI job of two or more ranks), or None."""
    if distributed is None:
        world = dist.current()
        if world is None:
            dist.warn_if_launched("fit")
    elif check.flag(distributed, "distributed", "fit"):
        world = dist.init()
    else:
        return None
    return world if world is not None and world.size > 1 else None


def _resolve_optimizer(optimizer: Any, model: Any) -> Any:
    if isinstance(optimizer, str):
        from deltanet import optim

        optimizer = optim.get(optimizer, model.parameters())
    checks.check_optimizer(optimizer, model)
    return optimizer


def _callbacks(given: list[Callback], monitor: Any, verbose: int) -> list[Callback]:
    """The user's callbacks, then the ``Monitor`` (added unless one is given or ``monitor`` is
    False; after the others, so that what it writes when training ends is the model ``fit``
    returns, after ``EarlyStopping`` restored the best weights), then checkpoints (so that they save
    every other callback's update), and the progress display last."""
    if isinstance(monitor, Monitor):
        if not any(cb is monitor for cb in given):
            given.append(monitor)
    elif monitor is True:
        if not any(isinstance(cb, Monitor) for cb in given):
            given.append(Monitor())
    elif monitor is not False and monitor is not None:
        raise check.fail("fit", "monitor", "True, False or a Monitor", monitor)
    ordered = [cb for cb in given if not isinstance(cb, (Monitor, ModelCheckpoint))]
    ordered += [cb for cb in given if isinstance(cb, Monitor)]
    ordered += [cb for cb in given if isinstance(cb, ModelCheckpoint)]
    return ordered + ([ProgressBar(verbose)] if verbose else [])


def _config(
    state: FitState, params: dict[str, Any], loss: Any, loss_fn: Any, regularizer: Any, metrics: Any, given: Any
) -> dict[str, Any]:
    """The run folder's ``config.json``: the settings of this run."""
    from deltanet._version import __version__

    return {
        "deltanet_version": __version__,
        "epochs": params["epochs"],
        "batch_size": params["batch_size"],
        "samples": params["samples"],
        "steps_per_epoch": state.steps_per_epoch,
        "shuffle": state.settings["shuffle"],
        "world_size": 1 if state.world is None else state.world.size,
        "sample_shape": list(state.X.shape[1:]),
        "dtype": str(state.X.dtype),
        "validation_samples": state.validation_samples,
        "loss": loss if isinstance(loss, str) else describe_loss(loss_fn),
        "optimizer": _describe(state.optimizer),
        "regularizer": _describe(regularizer),
        "metrics": [name for name, _ in metrics],
        "callbacks": [repr(cb) for cb in given if not isinstance(cb, ProgressBar)],
        "model": repr(state.model),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _describe(obj: Any) -> Any:
    if obj is None or isinstance(obj, str):
        return obj
    defaults = getattr(obj, "defaults", None)
    if isinstance(defaults, dict):
        return {"name": type(obj).__name__, **defaults}
    return repr(obj)
