r"""``fit``: the training loop, once for every model ([de Back 2018]'s four steps).

For every batch:

```python
optimizer.zero_grad()
a = model(x)                       # 1. feed forward
L = loss(a, y) (+ penalty(model))  # 2. compute the loss
L.backward()                       # 3. backpropagate
optimizer.step()                   # 4. optimize
```

Step 3 gives every unit its error $\delta$ and every weight its gradient $\partial L / \partial W$;
step 4 is $W \leftarrow W - \eta \, \partial L / \partial W$ for plain SGD with learning rate
$\eta$ (or the rule of momentum, Adam, ...).

``batch_size`` picks the seeds' flavour of gradient descent ([Hosny et al.], [Suk 2015]):
``None`` is batch (full-batch) gradient descent, one update per epoch; ``1`` is on-line
learning, one update per sample; ``k`` is mini-batch gradient descent, $\lceil N / k \rceil$
updates per epoch.

NaN policy: after step 2 the loop looks at the loss. A NaN or infinite loss stops training
*before* step 3, so the bad gradient is never applied and the model keeps the weights of the last
finite step. ``fit`` then raises ``TrainingDivergedError`` naming the epoch and step, unless
a ``TerminateOnNaN`` callback is given, which turns the error
into a warning and a normal return. (Only the loss is checked, not the gradients, to keep the
step cheap; a finite loss with an infinite gradient shows up as a non-finite loss one step later.)

Checkpoints: a ``ModelCheckpoint`` callback saves the run,
and ``fit(..., resume_from=path)`` continues it exactly (the same final weights, bit for bit); see
``deltanet.training.checkpoint``. Without them the loop does nothing extra.

The loop is kept lean for small models, where Python overhead rivals the arithmetic: the data are
checked and converted once, shuffled once per epoch with one gather, and cut into views; nothing
is validated per step.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.training import checkpoint as ckpt
from deltanet.training import rundir
from deltanet.training import validation as checks
from deltanet.training.callbacks import Callback, History, TerminateOnNaN
from deltanet.training.evaluation import (
    as_tensor,
    forward_in_batches,
    loss_value,
    metric_values,
    output_shape,
    resolve_loss,
    resolve_metrics,
)
from deltanet.training.monitor import Monitor


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite during ``fit``.

    A ``FloatingPointError`` (an arithmetic failure, like NumPy's ``errstate(all="raise")``), not a
    ``ValueError``: the inputs were valid, the optimization diverged. Usual causes: a learning rate
    that is too high, unscaled inputs, a log of 0 in a hand-written loss.

    Args:
        message: what happened and what to try (the exception's text).
        epoch: the epoch (from 1) in which the loss became non-finite; kept as ``epoch``.
        step: the step within that epoch (from 1); kept as ``step``.
        loss: the non-finite value; kept as ``loss``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(1, 1, dtype="float64")
        >>> X = np.array([[1e200], [2e200]]); y = np.array([[1.0], [2.0]])
        >>> try:
        ...     dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1), epochs=1, batch_size=1)
        ... except dn.training.TrainingDivergedError as error:
        ...     print(error.epoch, error.step, error.loss)
        1 1 inf
    """

    def __init__(self, message: str, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss


def _resolve_optimizer(optimizer: Any, model: Any) -> Any:
    if isinstance(optimizer, str):
        from deltanet import optim

        return optim.get(optimizer, model.parameters())
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise ValueError(
            f"optimizer must be an optimizer (with step() and zero_grad()) or a name such as 'sgd', got {optimizer!r}"
        )
    return optimizer


def _needs_closure(optimizer: Any) -> bool:
    """Whether ``optimizer.step`` needs a closure that re-evaluates the loss (L-BFGS, CG)."""
    flag = getattr(optimizer, "requires_closure", None)
    if flag is not None:
        return bool(flag)
    from deltanet import optim

    return isinstance(optimizer, (optim.LBFGS, optim.CG))


class _NonFiniteStart(Exception):
    """The first loss of a closure step was not finite: nothing may be updated."""


def _closure_step(model: Any, optimizer: Any, loss_fn: Any, regularizer: Any, xb: Any, yb: Any) -> tuple:
    """One ``optimizer.step(closure)`` for optimizers that evaluate the loss several times per step
    (the seeds' "more efficient batch methods": quasi-Newton, conjugate gradients).

    Returns the loss (data, objective, penalty) at the starting point and the outputs there, as
    the plain step would. A non-finite loss at the start, or at the end of the step, leaves the
    weights as they were before the step.
    """
    params = model.parameters()
    before = [p.data.copy() for p in params]
    first: dict[str, Any] = {}

    def closure() -> Any:
        optimizer.zero_grad()
        a = model(xb)  # 1. feed forward
        L = loss_fn(a, yb)  # 2. compute the loss
        value = objective = float(L.data)
        penalty_value = 0.0
        if regularizer is not None:
            penalty = regularizer(model)
            penalty_value = float(penalty.data)
            objective += penalty_value
            L = L + penalty
        if not first:
            first.update(value=value, objective=objective, penalty=penalty_value, a=a.data)
            if not math.isfinite(objective):
                raise _NonFiniteStart
        L.backward()  # 3. backpropagate
        return L

    try:
        final = optimizer.step(closure)  # 4. optimize
    except _NonFiniteStart:
        final = None
    end = (
        float(final.data)
        if final is not None and hasattr(final, "data")
        else (first["objective"] if final is None else float(final))
    )
    objective = first["objective"]
    if not math.isfinite(end):
        objective = end
    if not math.isfinite(objective):
        for p, data in zip(params, before):
            p.data[...] = data
    return first["value"], objective, first["penalty"], first["a"]


def _check_callbacks(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"callbacks must be a list of Callback objects, got {callbacks!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise ValueError(
                f"callbacks must be Callback instances, got {cb!r} "
                f"(did you pass the class instead of an instance, e.g. EarlyStopping instead of EarlyStopping()?)"
            )
    return list(callbacks)


def _describe(obj: Any) -> Any:
    if obj is None or isinstance(obj, str):
        return obj
    defaults = getattr(obj, "defaults", None)
    if isinstance(defaults, dict):
        return {"name": type(obj).__name__, **defaults}
    return repr(obj)


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: Any,
    optimizer: Any,
    epochs: int = 1,
    batch_size: int | None = 32,
    validation_data: Any = None,
    callbacks: Any = None,
    shuffle: bool = True,
    verbose: int = 0,
    run_dir: Any = None,
    regularizer: Any = None,
    rng: Any = None,
    metrics: Any = None,
    resume_from: Any = None,
    monitor: Any = True,
) -> History:
    """Train ``model`` on ``(X, y)`` by gradient descent and return the learning curves.

    Args:
        model: a ``deltanet.nn.Module``; X is converted to the dtype of its parameters.
        X: samples, shape (N, features...).
        y: targets: class labels (N,) for cross-entropy, values (N, outputs) for regression.
        loss: a loss module (``losses.CrossEntropy()``), any callable ``loss(output, target)``
            returning a scalar Tensor, or a name (``"cross_entropy"``, ``"mse"``).
        optimizer: an optimizer over ``model.parameters()``, or a name (built with its default
            learning rate by ``optim.get``).
        epochs: passes over the training data (0 trains nothing).
        batch_size: ``None`` = full batch (one step per epoch), 1 = on-line, k = mini-batch.
        validation_data: ``(X_val, y_val)``, evaluated after every epoch in evaluation mode.
        callbacks: ``Callback`` objects (``EarlyStopping``, ...).
        shuffle: draw a new order of the samples every epoch (not needed for the full batch).
        verbose: 0 silent, 1 a progress bar over the epochs, 2 one line per epoch.
        run_dir: a folder to write ``config.json`` and ``history.csv`` into.
        regularizer: a callable ``penalty(model)`` returning a scalar Tensor that is added to the
            loss (``regularizers.L2(1e-4)``). It is logged separately as ``penalty``: ``loss``
            stays the data loss, so that it compares with ``val_loss``.
        rng: seed or ``numpy.random.Generator`` for the shuffle (default: ``dn.manual_seed``'s).
        metrics: metric names or functions ``f(y_true, output)``, logged per epoch under their
            names (``accuracy``; ``val_accuracy`` on the validation data).
        resume_from: a checkpoint written by ``ModelCheckpoint``: load the weights, optimizer
            state, random state, data order, history and callback states, and continue from the
            saved epoch and step up to ``epochs`` (the run's total). Give the same data,
            ``batch_size``, ``shuffle``, model and optimizer type as the interrupted run (and
            ``rng``, when the shuffle used its own generator). ``on_epoch_begin`` is not called
            again for an epoch resumed in its middle.
        monitor: ``True`` adds a default ``Monitor`` (unless ``callbacks`` holds one), a
            ``Monitor`` uses that one, ``False`` or ``None`` trains unwatched.

    Returns:
        A ``History``: ``history.history["loss"]`` holds the
        epoch's mean training loss (the mean of the batch losses weighted by batch size, measured
        before each step), ``"val_loss"`` the validation loss after the epoch.

    Raises:
        ValueError: bad inputs (wrong shapes, NaN in the data, labels out of range, ...).
        TrainingDivergedError: the loss became NaN or infinite (see the module docstring).
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
    """
    # -- check everything once -------------------------------------------------------------
    checks.check_model(model)
    checks.check_epochs(epochs)
    checks.check_batch_size(batch_size)
    checks.check_verbose(verbose)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    if regularizer is not None and not callable(regularizer):
        raise ValueError(f"regularizer must be a callable penalty(model) -> scalar Tensor, got {regularizer!r}")
    loss_fn = resolve_loss(loss)
    optimizer = _resolve_optimizer(optimizer, model)
    metric_fns = resolve_metrics(metrics)
    user_callbacks = _check_callbacks(callbacks)
    monitors = [cb for cb in user_callbacks if isinstance(cb, Monitor)]
    if isinstance(monitor, Monitor):
        if monitor not in monitors:
            user_callbacks.append(monitor)
            monitors.append(monitor)
    elif monitor is True:
        if not monitors:
            monitors = [Monitor()]
            user_callbacks.append(monitors[0])
    elif monitor is not False and monitor is not None:
        raise ValueError(f"monitor must be True, False or a Monitor, got {monitor!r}")
    generator = backend.get_rng(rng)

    kind = checks.loss_kind(loss_fn)
    X = checks.check_X(X, model)
    out_shape = output_shape(model, X)
    y = checks.check_y(y, len(X), kind, out_shape, X.dtype)
    val = None
    if validation_data is not None:
        Xv, yv = checks.check_validation_data(validation_data)
        Xv = checks.check_X(Xv, model, X.dtype, name="validation X")
        yv = checks.check_y(yv, len(Xv), kind, out_shape, X.dtype, name="validation y")
        val = (Xv, yv)

    n = len(X)
    size = n if batch_size is None else min(int(batch_size), n)
    starts = range(0, n, size)
    steps_per_epoch = len(starts)
    full_batch = steps_per_epoch == 1
    history = History()
    # Checkpoint callbacks go last, so that what they save includes the others' updates.
    checkpointers = [cb for cb in user_callbacks if hasattr(cb, "set_fit_state")]
    if checkpointers:
        user_callbacks = [cb for cb in user_callbacks if not hasattr(cb, "set_fit_state")] + checkpointers
    callbacks_all: list[Callback] = [history, *user_callbacks]
    keep_outputs = bool(metric_fns)
    settings = {
        "samples": n,
        "batch_size": None if batch_size is None else int(batch_size),
        "steps_per_epoch": steps_per_epoch,
        "shuffle": bool(shuffle),
    }
    resume = None
    if resume_from is not None:
        resume = ckpt.read_resume(resume_from, model, optimizer, settings, out_shape if keep_outputs else None)
    fit_state = None
    if checkpointers:
        fit_state = ckpt.FitState(model, optimizer, generator, history, callbacks_all, settings)
        for cb in checkpointers:
            cb.set_fit_state(fit_state)
    first_epoch = 0 if resume is None else resume.epoch
    params = {
        "epochs": int(epochs),
        "batch_size": batch_size,
        "steps": steps_per_epoch,
        "samples": n,
        "verbose": verbose,
        "initial_epoch": first_epoch,
    }
    for cb in callbacks_all:
        cb.set_model(model)
        cb.set_params(params)
    # Only callbacks that override on_batch_end (on_epoch_begin) are called for it.
    batch_callbacks = [cb for cb in callbacks_all if type(cb).on_batch_end is not Callback.on_batch_end]
    epoch_begin_callbacks = [cb for cb in callbacks_all if type(cb).on_epoch_begin is not Callback.on_epoch_begin]
    use_closure = _needs_closure(optimizer)
    nan_handler = next((cb for cb in user_callbacks if isinstance(cb, TerminateOnNaN)), None)

    run_path = rundir.prepare(run_dir) if run_dir is not None else None
    for m in monitors:
        m.set_fit_context(
            X, y, validation_data=val, optimizer=optimizer, run_dir=run_path, callbacks=user_callbacks, loss=loss_fn
        )
    if run_path is not None:
        rundir.write_config(
            run_path,
            {
                "deltanet_version": _version(),
                "epochs": int(epochs),
                "batch_size": batch_size,
                "steps_per_epoch": steps_per_epoch,
                "shuffle": bool(shuffle),
                "samples": n,
                "sample_shape": list(X.shape[1:]),
                "dtype": str(X.dtype),
                "validation_samples": None if val is None else len(val[0]),
                "loss": loss if isinstance(loss, str) else repr(loss_fn),
                "optimizer": _describe(optimizer),
                "regularizer": _describe(regularizer),
                "metrics": [name for name, _ in metric_fns],
                "callbacks": [repr(cb) for cb in user_callbacks],
                "model": repr(model),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        )

    bar = None
    if verbose == 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(epochs), initial=min(first_epoch, int(epochs)), unit="epoch", desc="fit", leave=True)

    was_training = model.training
    model.stop_training = False
    X_tensor, y_tensor = as_tensor(X), as_tensor(y)  # the full batch, wrapped once
    outputs = None
    # NumPy's overflow/invalid warnings are noise here: a non-finite loss has its own policy.
    errstate = np.errstate(over="ignore", invalid="ignore", divide="ignore")
    errstate.__enter__()
    try:
        for cb in callbacks_all:
            cb.on_train_begin({})
        model.train()
        resumed_order = None
        if resume is not None:
            ckpt.restore_callbacks(resume, history, callbacks_all)
            resumed_order = ckpt.restore_rng(resume, model, generator, n, shuffle and not full_batch)
            if resume.stop_training:
                first_epoch = int(epochs)  # the interrupted run had already been told to stop
        for epoch in range(first_epoch, int(epochs)):
            # A run resumed in the middle of this epoch: skip the steps already applied.
            resumed = resume if resume is not None and epoch == first_epoch and resume.step > 0 else None
            mid_epoch = resumed is not None
            if not mid_epoch:
                for cb in epoch_begin_callbacks:
                    cb.on_epoch_begin(epoch, {})
            if fit_state is not None:
                fit_state.begin_epoch(epoch)
                if resumed is not None:
                    fit_state.epoch_rng_state = resumed.epoch_rng_state
            if full_batch:
                Xe, ye = X, y
            elif shuffle:
                order = resumed_order if mid_epoch else generator.permutation(n)
                Xe, ye = X[order], y[order]  # one gather per epoch; the batches are then views
                if fit_state is not None:
                    fit_state.set_order(order)
            else:
                Xe, ye = X, y
            if keep_outputs:
                outputs = np.empty((n, *out_shape), dtype=X.dtype)
                if fit_state is not None:
                    fit_state.outputs = outputs
            total = 0.0
            penalty_total = 0.0
            first_step = 0
            if resumed is not None:
                first_step, total, penalty_total = resumed.step, resumed.total, resumed.penalty_total
                if outputs is not None:  # keep_outputs: read_resume was given out_shape, so it read them
                    assert resumed.outputs is not None
                    outputs[: len(resumed.outputs)] = resumed.outputs
                if fit_state is not None:
                    fit_state.step, fit_state.total, fit_state.penalty_total = first_step, total, penalty_total
            diverged = False
            for step, start in enumerate(starts[first_step:], first_step):
                if full_batch:
                    xb, yb = X_tensor, y_tensor
                    nb = n
                else:
                    stop = start + size
                    xb, yb = as_tensor(Xe[start:stop]), as_tensor(ye[start:stop])
                    nb = len(xb.data)
                if use_closure:
                    value, objective, penalty_value, a_data = _closure_step(
                        model, optimizer, loss_fn, regularizer, xb, yb
                    )
                    penalty_total += penalty_value * nb
                else:
                    optimizer.zero_grad()
                    # 1. feed forward
                    a = model(xb)
                    # 2. compute the loss
                    L = loss_fn(a, yb)
                    value = objective = float(L.data)
                    if regularizer is not None:
                        penalty = regularizer(model)
                        penalty_value = float(penalty.data)
                        penalty_total += penalty_value * nb
                        objective += penalty_value
                        L = L + penalty
                if not math.isfinite(objective):
                    message = (
                        f"the loss became {objective} at epoch {epoch + 1}/{epochs}, step {step + 1}/"
                        f"{steps_per_epoch}; training stopped before that step's update, so the "
                        f"model keeps the weights of the last finite step. Try a smaller learning "
                        f"rate or standardized inputs."
                    )
                    for m in monitors:
                        m.on_nonfinite_loss(epoch, step, message)
                    if nan_handler is None:
                        raise TrainingDivergedError(message, epoch + 1, step + 1, objective)
                    nan_handler.on_nonfinite_loss(epoch, step, message)
                    diverged = True
                    break
                if not use_closure:
                    # 3. backpropagate
                    L.backward()
                    # 4. optimize
                    optimizer.step()
                    a_data = a.data
                total += value * nb
                if outputs is not None:  # keep_outputs
                    outputs[start : start + nb] = a_data
                if batch_callbacks:
                    if fit_state is not None:
                        fit_state.step, fit_state.total, fit_state.penalty_total = step + 1, total, penalty_total
                    batch_logs = {"loss": value, "size": nb, "epoch": epoch}
                    for cb in batch_callbacks:
                        cb.on_batch_end(step, batch_logs)
            if diverged:
                break
            # -- the epoch's logs --------------------------------------------------------------
            logs: dict[str, float] = {"loss": total / n}
            if regularizer is not None:
                logs["penalty"] = penalty_total / n
            if outputs is not None:  # keep_outputs
                logs.update(metric_values(metric_fns, outputs, ye))
            if val is not None:
                model.eval()
                val_out = forward_in_batches(model, val[0], batch_size)
                model.train()
                logs["val_loss"] = loss_value(loss_fn, val_out, val[1])
                logs.update(metric_values(metric_fns, val_out, val[1], prefix="val_"))
            for cb in callbacks_all:
                cb.on_epoch_end(epoch, logs)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update(1)
            elif verbose == 2:
                shown = " - ".join(f"{k}: {v:.4g}" for k, v in logs.items())
                print(f"Epoch {epoch + 1}/{epochs} - {shown}", flush=True)
            if model.stop_training:
                break
        for cb in callbacks_all:
            cb.on_train_end({})
    finally:
        errstate.__exit__(None, None, None)
        if bar is not None:
            bar.close()
        model.train(was_training)
        if run_path is not None:
            rundir.write_history(run_path, history.epoch, history.history)
    return history


def _version() -> str:
    from deltanet._version import __version__

    return __version__
