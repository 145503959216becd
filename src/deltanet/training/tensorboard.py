"""``TensorBoard``: the callback that logs each epoch of ``fit`` for TensorBoard (Keras's name).

It writes through ``deltanet.utils.tensorboard.SummaryWriter`` (the ``tensorboard`` extra) in
Keras's layout, so that ``tensorboard --logdir logs`` draws the training and validation curves of a
quantity in one chart: ``log_dir/train`` holds ``epoch_loss``, ``epoch_<metric>`` and
``epoch_learning_rate``; ``log_dir/validation`` holds ``epoch_loss`` and ``epoch_<metric>`` of the
``val_`` logs. The step is the epoch (from 0); the learning rate logged at epoch $e$ is the one
epoch $e$ trained with (``FitState.learning_rates``), whatever the order of the callbacks.
"""

from __future__ import annotations

import os
from typing import Any

from deltanet import _checks as check
from deltanet.training.callback import Callback


def _rank_zero(state: Any) -> bool:
    world = None if state is None else state.world
    return world is None or world.is_root


class TensorBoard(Callback):
    r"""Log each epoch's loss, metrics and learning rate (and, optionally, weight histograms).

    After epoch $e$, every number $v$ of the epoch's logs is written at step $e$: a key ``k``
    to ``log_dir/train`` as ``epoch_k``, a key ``val_k`` to ``log_dir/validation`` as
    ``epoch_k``; the first parameter group's learning rate $\eta$ as ``epoch_learning_rate``.
    Every ``histogram_freq`` epochs, each parameter's values go to ``log_dir/train`` as a
    histogram tagged with its name (``"0.weight"``). The files are flushed at each epoch's end, so
    that an interrupted run keeps its finished epochs; a resumed run (``fit(resume_from=...)``)
    hides the events it is about to write again (``purge_step``). In a data-parallel fit, rank 0
    alone writes.

    Args:
        log_dir: the folder of the run (its ``train`` and ``validation`` sub-folders are made).
        histogram_freq: log weight histograms every this many epochs (0: never).
        update_freq: ``"epoch"``, the one frequency there is (Keras's per-batch logging is not).

    Raises:
        ImportError: the ``tensorboard`` package is missing (``pip install "deltanet[tensorboard]"``).

    Examples:
        >>> import tempfile
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 1)
        >>> X, y = np.ones((8, 2), np.float32), np.zeros((8, 1), np.float32)
        >>> board = dn.callbacks.TensorBoard(tempfile.mkdtemp(), histogram_freq=1)
        >>> _ = dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1), epochs=2,
        ...            callbacks=[board], verbose=0)
        >>> import os
        >>> sorted(os.listdir(board.log_dir))
        ['train']
    """

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0, update_freq: str = "epoch") -> None:
        super().__init__()
        owner = "TensorBoard"
        from deltanet.utils.tensorboard import SummaryWriter  # the extra: its ImportError names it

        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"{owner}: log_dir must be a folder path (str or pathlib.Path), got {log_dir!r}")
        self.log_dir = str(log_dir)
        self.histogram_freq = check.integer(histogram_freq, "histogram_freq", owner, low=0)
        self.update_freq = check.one_of(update_freq, "update_freq", ("epoch",), owner)
        self._writer_class = SummaryWriter
        self._writers: dict[str, Any] = {}

    def _writer(self, split: str) -> Any:
        if split not in self._writers:
            first = self.params.get("initial_epoch", 0)
            self._writers[split] = self._writer_class(
                os.path.join(self.log_dir, split), purge_step=first if first > 0 else None
            )
        return self._writers[split]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.on_train_end()  # a callback object may serve several fits

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not _rank_zero(self.fit_state):
            return
        for key, value in (logs or {}).items():
            split, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            if check.is_number(value):
                self._writer(split).add_scalar(f"epoch_{name}", float(value), epoch)
        # The rate the epoch trained with: a scheduler stepped in an earlier callback's
        # on_epoch_end has already set the next epoch's.
        rates = getattr(self.fit_state, "learning_rates", None)
        if rates is None:
            groups = getattr(getattr(self.fit_state, "optimizer", None), "param_groups", None) or []
            rates = [group.get("lr") for group in groups]
        if rates and check.is_number(rates[0]) and not {"lr", "learning_rate"} & set(logs or {}):
            self._writer("train").add_scalar("epoch_learning_rate", float(rates[0]), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0 and self.model is not None:
            for name, parameter in self.model.named_parameters():
                self._writer("train").add_histogram(name, parameter, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
