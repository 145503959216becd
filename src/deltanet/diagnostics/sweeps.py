r"""``sweep``: train the same network over a grid of hyperparameters and tabulate the results.

The seeds pick the learning rate, the batch size and the number of epochs by trying them
([Hosny et al.]: learning rate $\in \{0.1, 0.01, 0.001\}$ × batch size $\in \{16, 32, 64, 128\}$). Every run
starts from the same initial weights and the same shuffle seed, so the runs differ only in the
hyperparameters of the grid. Plot the table with ``dn.plot.sweep(result)``.

Under ``mpiexec -n W`` (after ``deltanet.distributed.init()``) the runs are spread over the
ranks, run $i$ on rank $i \bmod W$, each trained by its rank alone; the rows are then gathered
(as JSON, one ``Allgatherv``) so that every rank returns the whole table. Each run is the same as
in one process, except where it draws from the default generator (``Dropout()`` without its own
``rng``): that generator is each rank's own, so give such layers ``rng=seed`` for runs that do not
depend on where they ran.
"""

from __future__ import annotations

import inspect
import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import distributed as dist
from deltanet.nn.module import Module
from deltanet.training import History, TrainingDivergedError, fit
from deltanet.training.direction import auto_mode

# fit's own settings; every other key of the grid goes to the optimizer.
_FIT_KEYS = {"batch_size", "epochs", "shuffle", "regularizer"}


class SweepResult:
    """The outcome of ``sweep``: one row of results per point of the grid.

    Args:
        keys: the hyperparameter names of the grid, in order.
        rows: one dict per run: the hyperparameters, then ``loss`` (the last epoch's training
            loss), ``val_loss`` and the metrics of the last epoch, ``best_val_loss`` and
            ``best_epoch`` (from 1) when there is validation data, ``epochs_run``, ``seconds``
            and ``diverged`` (the loss became NaN/Inf: the row's losses are then inf).
        histories: the ``History`` of each run, in the order of ``rows``.

    Examples:
        >>> from deltanet.diagnostics import SweepResult
        >>> result = SweepResult(["lr"], [{"lr": 0.1, "loss": 0.31}, {"lr": 1.0, "loss": 0.2}], [None, None])
        >>> result.best()["lr"], result.column("loss")
        (1.0, [0.31, 0.2])
        >>> print(result)
         lr  loss
        ---  ----
        0.1  0.31
          1   0.2
    """

    def __init__(self, keys: list[str], rows: list[dict[str, Any]], histories: list[Any]) -> None:
        self.keys = keys
        self.rows = rows
        self.histories = histories

    def best(self, metric: str | None = None, mode: str = "auto") -> dict[str, Any]:
        """The row with the best ``metric`` (default ``best_val_loss`` if present, else ``loss``);
        mode "min", "max", or "auto" (max for a score such as accuracy or Dice:
        ``deltanet.training.direction``)."""
        if metric is None:
            metric = "best_val_loss" if "best_val_loss" in self.rows[0] else "loss"
        if metric not in self.rows[0]:
            raise ValueError(f"SweepResult.best: no column {metric!r}; columns are {list(self.rows[0])}")
        if mode == "auto":
            mode = auto_mode(metric)
        sign = -1.0 if mode == "max" else 1.0
        return min(self.rows, key=lambda r: sign * _number(r[metric]))

    def column(self, name: str) -> list[Any]:
        """One column of the table."""
        return [row.get(name) for row in self.rows]

    def __str__(self) -> str:
        columns = list(self.rows[0]) if self.rows else self.keys
        cells = [[_cell(row.get(c)) for c in columns] for row in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
        return "\n".join(lines)

    __repr__ = __str__


def _number(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.inf
    return value if math.isfinite(value) else math.inf


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def _optimizer_factory(optimizer: Any) -> Callable[..., Any]:
    if isinstance(optimizer, str):
        from deltanet import optim

        return lambda params, **kw: optim.get(optimizer, params, **kw)
    if inspect.isclass(optimizer) or callable(optimizer):
        return lambda params, **kw: optimizer(params, **kw)
    raise ValueError(
        f"sweep: optimizer must be a name ('sgd', 'adam'), an optimizer class (dn.optim.SGD) or a "
        f"function f(params, **hyperparameters), got {optimizer!r}"
    )


def sweep(
    build_model: Callable[[], Module],
    X: Any,
    y: Any,
    grid: dict[str, list[Any]],
    loss: Any = "cross_entropy",
    optimizer: Any = "sgd",
    epochs: int = 10,
    batch_size: int | None = 32,
    validation_data: Any = None,
    metrics: Any = None,
    rng: int = 0,
    distributed: bool | None = None,
    **fit_kwargs: Any,
) -> SweepResult:
    """Train ``build_model()`` once per point of ``grid`` and return the table of results.

    Args:
        build_model: a function that returns a new, untrained model. It is called once per run;
            every run loads the initial weights of the first, so all start alike.
        X, y: the training data, as for ``fit``.
        grid: hyperparameter name → list of values, e.g. ``{"lr": [0.1, 0.01, 0.001],
            "batch_size": [16, 32, 64, 128]}``. ``batch_size``, ``epochs``, ``shuffle`` and
            ``regularizer`` go to ``fit``; every other name (``lr``, ``momentum``,
            ``weight_decay``, ...) to the optimizer.
        loss: a loss module, callable or name.
        optimizer: a name (``optim.get``), an optimizer class or ``f(params, **hyperparameters)``.
        epochs, batch_size: ``fit``'s settings where the grid does not set them.
        validation_data: ``(X_val, y_val)``: adds ``val_loss`` and ``best_val_loss`` columns.
        metrics: metric names for ``fit`` (``["accuracy"]``), logged in the table.
        rng: the shuffle seed of every run (an int, so that each run shuffles alike).
        distributed: spread the runs over the ranks of an MPI job (see the module docstring):
            ``True`` starts it, ``False`` runs them all here, ``None`` (default) spreads them
            after ``deltanet.distributed.init()``. Every rank returns the whole table.
        **fit_kwargs: more arguments for ``fit`` (``callbacks`` are shared by the runs). The runs
            train without ``fit``'s ``Monitor`` (a sweep tries settings that are expected to
            fail, and its table marks them) unless ``monitor=True`` is passed here.

    Returns:
        A ``SweepResult``; ``print`` it for the table, ``result.best()`` for the best row.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
        >>> result = dn.sweep(lambda: dn.nn.Linear(2, 2, dtype="float64", rng=0), X, y,
        ...                   grid={"lr": [0.1, 1.0], "batch_size": [2, 4]}, epochs=20, rng=0)
        >>> [(row["lr"], row["batch_size"]) for row in result.rows]
        [(0.1, 2), (0.1, 4), (1.0, 2), (1.0, 4)]
        >>> result.best()["lr"]
        1.0
    """
    if not callable(build_model):
        raise ValueError(f"sweep: build_model must be a function that returns a new model, got {build_model!r}")
    if not isinstance(grid, dict) or not grid:
        raise ValueError(f"sweep: grid must be a non-empty dict name -> list of values, got {grid!r}")
    for key, values in grid.items():
        if not isinstance(key, str):
            raise ValueError(f"sweep: grid keys must be hyperparameter names, got {key!r}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or len(list(values)) == 0:
            raise ValueError(f"sweep: grid[{key!r}] must be a non-empty list of values, got {values!r}")
    if not check.is_integer(rng):
        raise check.fail("sweep", "rng", "an int seed (each run shuffles with it)", rng)
    factory = _optimizer_factory(optimizer)
    keys = list(grid)
    points = [dict(zip(keys, combination)) for combination in itertools.product(*(list(grid[k]) for k in keys))]
    world = _world(distributed)
    if world is not None:
        with world.abort_on_error():  # a run failing on one rank must not leave the others waiting
            mine = [i for i in range(len(points)) if i % world.size == world.rank]
            rows, histories = _runs(
                build_model,
                [points[i] for i in mine],
                factory,
                world,
                X,
                y,
                loss,
                epochs,
                batch_size,
                validation_data,
                metrics,
                rng,
                fit_kwargs,
            )
            done = world.allgather_json(
                [[i, _results(row, keys), _curves(h)] for i, row, h in zip(mine, rows, histories)]
            )
        found = {i: (results, curves) for part in done for i, results, curves in part}
        rows = [{**points[i], **found[i][0]} for i in range(len(points))]
        return SweepResult(keys, rows, [_history(found[i][1]) for i in range(len(points))])
    rows, histories = _runs(
        build_model,
        points,
        factory,
        None,
        X,
        y,
        loss,
        epochs,
        batch_size,
        validation_data,
        metrics,
        rng,
        fit_kwargs,
    )
    return SweepResult(keys, rows, histories)


def _runs(
    build_model: Callable[[], Module],
    points: list[dict[str, Any]],
    factory: Callable[..., Any],
    world: Any,
    X: Any,
    y: Any,
    loss: Any,
    epochs: int,
    batch_size: int | None,
    validation_data: Any,
    metrics: Any,
    rng: int,
    fit_kwargs: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Train one model per point (on this process alone); every run starts from the weights of
    the first model ``build_model`` returns."""
    initial_state = None
    rows: list[dict[str, Any]] = []
    histories: list[Any] = []
    if world is not None:  # the first run's weights, wherever that run trains
        initial_state = _built(build_model).state_dict()
    for point in points:
        model = _built(build_model)
        if initial_state is None:  # clones: the first model's state_dict() would follow its training
            initial_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict(initial_state)
        opt_kwargs = {k: v for k, v in point.items() if k not in _FIT_KEYS}
        run_kwargs = {
            "epochs": epochs,
            "batch_size": batch_size,
            "monitor": False,  # a sweep tries settings that may fail; its table reports them
            **fit_kwargs,
            **{k: v for k, v in point.items() if k in _FIT_KEYS},
        }
        try:
            opt = factory(model.parameters(), **opt_kwargs)
        except TypeError as error:
            raise ValueError(f"sweep: the optimizer does not take {sorted(opt_kwargs)}: {error}") from None
        began = time.perf_counter()
        diverged = False
        try:
            history = fit(
                model,
                X,
                y,
                loss,
                opt,
                validation_data=validation_data,
                metrics=metrics,
                rng=int(rng),
                distributed=False,
                **run_kwargs,
            )
        except TrainingDivergedError:
            diverged, history = True, None
        seconds = time.perf_counter() - began
        row: dict[str, Any] = dict(point)
        if history is None:
            row.update({"loss": math.inf})
            if validation_data is not None:
                row.update({"val_loss": math.inf, "best_val_loss": math.inf, "best_epoch": None})
            row.update({"epochs_run": None})
        else:
            logs = history.history
            for name, series in logs.items():
                row[name] = float(series[-1]) if series else math.nan
            if "val_loss" in logs and logs["val_loss"]:
                best = int(np.argmin(logs["val_loss"]))
                row["best_val_loss"] = float(logs["val_loss"][best])
                row["best_epoch"] = best + 1
            row["epochs_run"] = len(history.epoch)
        row["seconds"] = round(seconds, 3)
        row["diverged"] = diverged
        rows.append(row)
        histories.append(history)
    return rows, histories


def _built(build_model: Callable[[], Module]) -> Module:
    model = build_model()
    if not isinstance(model, Module):
        raise ValueError(f"sweep: build_model must return a deltanet.nn.Module, got {type(model).__name__}")
    return model


def _world(distributed: Any) -> Any:
    """The ``World`` to spread the runs over (two or more ranks), or None."""
    if distributed is None:
        world = dist.current()
        if world is None:
            dist.warn_if_launched("sweep")
    elif distributed is True:
        world = dist.init()
    elif distributed is False:
        return None
    else:
        raise ValueError(f"sweep: distributed must be True, False or None, got {distributed!r}")
    return world if world is not None and world.size > 1 else None


def _results(row: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """A row's results (JSON values): the row without its hyperparameters."""
    return {k: v for k, v in row.items() if k not in keys}


def _curves(history: Any) -> Any:
    return None if history is None else {"epoch": history.epoch, "history": history.history}


def _history(curves: Any) -> Any:
    if curves is None:
        return None
    history = History()
    history.epoch, history.history = curves["epoch"], curves["history"]
    return history


__all__ = ["SweepResult", "sweep"]
