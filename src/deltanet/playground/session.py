"""One browser tab's run: its network, the thread that trains it, and what the page is shown.

A ``Session`` owns one training thread. The thread calls ``dn.fit`` once per network, for up to
``max_epochs`` epochs, with a control callback that waits at the start of every epoch until the
page says play or step, and that ends the fit (by raising ``_Stop`` from ``on_epoch_begin``)
when the page asks for another network or goes away. One fit per network, never restarted, is
what makes the downloaded script's ``dn.fit(..., epochs=E)`` repeat the playground's loss curve:
the shuffle generator and the optimizer's state run on as they would in one call.

All of deltanet's computing (training, the pictures, ``explain``, ``save``) happens under one
lock, ``COMPUTE``, that the training threads hand over at every epoch boundary. The reason is
grad mode: ``no_grad`` is a global switch in deltanet today, and ``fit``'s validation pass and the
pictures turn it off; a second session training at that moment would build no graph. Holding the
lock for an epoch at a time (a few milliseconds for these networks) costs the sessions nothing
visible and keeps them independent. Every random draw is seeded per session (see ``network``).

The server reads ``state()`` (a version number and a JSON-ready dict) and never waits on the
training: commands only set flags under a condition variable and wake the thread.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from deltanet import explain as explainer
from deltanet.io import save
from deltanet.nn import Dropout, Sequential
from deltanet.playground import network, views
from deltanet.playground.config import Config, parse
from deltanet.playground.datasets import PlaygroundData, describe, load
from deltanet.training import fit
from deltanet.training.callbacks import Callback
from deltanet.training.fit import TrainingDivergedError
from deltanet.training.monitor import Monitor

logger = logging.getLogger("deltanet.playground")

#: held while deltanet computes (see the module docstring)
COMPUTE = threading.RLock()
CURVE_POINTS = 300  # the most points of a loss curve sent to the page


class _Stop(Exception):
    """Ends a fit from inside: the page asked for a new network or went away."""


class _Control(Callback):
    """The session's hands inside ``fit``: wait for play or step, record, publish."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.session._publish()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.session._gate()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.session._record(logs or {})


class Session:
    """A network trained live for one page, with play, pause, step, explain and the way out to code.

    Args:
        config: the first run's ``Config`` (the defaults when None).
        max_epochs: the epochs after which a run is finished.
        publish_interval: seconds between two pictures while training (the page's frame rate).
        epoch_pause: seconds to rest between two epochs while playing (leaves the CPU to others).

    Examples:
        >>> import time
        >>> from deltanet.playground.session import Session
        >>> session = Session()
        >>> session.step(); session.wait_for_epochs(1)
        1
        >>> session.state()[1]["epoch"]
        1
        >>> session.close()
    """

    def __init__(
        self,
        config: Config | None = None,
        max_epochs: int = 100_000,
        publish_interval: float = 0.1,
        epoch_pause: float = 0.001,
    ) -> None:
        self.config = config or Config()
        self.max_epochs = max_epochs
        self.publish_interval = publish_interval
        self.epoch_pause = epoch_pause
        self._wake = threading.Condition()
        self._pending: Config | None = self.config
        self._playing = False
        self._steps = 0
        self._closed = False
        self._version = 0
        self._picture: dict[str, Any] = {}
        self._published = 0.0
        self._dirty = False
        self._failure: tuple[str, str] | None = None
        self._finished = False
        self.data: PlaygroundData | None = None
        self.run: network.Run | None = None
        self.monitor: Monitor | None = None
        self.history: dict[str, list[float]] = {}
        self.epochs = 0
        self._thread = threading.Thread(target=self._loop, name="deltanet-playground", daemon=True)
        self._thread.start()

    # -- commands (from the server; they never wait on the training) --------------------------
    def configure(self, fields: Any) -> Config:
        """Check the page's fields and build the network they describe (keeps playing if it was).

        Raises:
            ConfigError: a field the playground does not accept; nothing changes then.
        """
        config = parse(fields, self.config)
        with self._wake:
            self.config = config
            self._pending = config
            self._steps = 0
            self._wake.notify_all()
        return config

    def reset(self) -> None:
        """Build the same network again from its initial weights."""
        self.configure({})

    def play(self) -> None:
        """Train continuously."""
        with self._wake:
            self._playing = True
            self._touch()
            self._wake.notify_all()

    def pause(self) -> None:
        """Stop after the epoch that is running."""
        with self._wake:
            self._playing = False
            self._touch()
            self._wake.notify_all()

    def step(self) -> None:
        """Train one epoch, then pause."""
        with self._wake:
            self._playing = False
            self._steps += 1
            self._wake.notify_all()

    def stop(self) -> None:
        """Tell the training thread to end at its next epoch boundary, without waiting for it."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()

    def close(self, timeout: float = 10.0) -> None:
        """End the training thread (the page went away) and wait for it.

        Args:
            timeout: seconds to wait for the thread.
        """
        self.stop()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the training thread is running."""
        return self._thread.is_alive()

    def wait_for_epochs(self, epochs: int, timeout: float = 30.0) -> int:
        """Wait until ``epochs`` epochs are trained (or the run stops); return the epochs trained."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self.epochs < epochs and self._failure is None and not self._finished:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._wake.wait(left)
            return self.epochs

    # -- what the page is shown --------------------------------------------------------------
    def state(self) -> tuple[int, dict[str, Any]]:
        """``(version, state)``: the version grows with every change the page should draw."""
        with self._wake:
            status, message = self._status()
            history = {key: _thin(values) for key, values in self.history.items()}
            history["epoch"] = _thin(list(range(1, self.epochs + 1)))
            return self._version, {
                **self._picture,
                "status": status,
                "message": message,
                "epoch": self.epochs,
                "history": history,
                "config": self.config.to_dict(),
            }

    def explain(self, index: int = 0) -> dict[str, Any]:
        """``deltanet.explain.backward`` for one training sample, as text and numbers.

        Dropout is left out (it is off outside training), so the numbers are those of the
        network the page draws.
        """
        with COMPUTE:
            if self.run is None or self.data is None:
                raise ValueError("playground: no network yet")
            n = len(self.data.X_train)
            index = int(index) % n
            plain = Sequential(*[m for m in self.run.model if not isinstance(m, Dropout)])
            text = io.StringIO()
            trace = explainer.backward(plain, self.data.X_train[index], self.data.y_train[index], self.run.loss, text)
        return {
            "index": index,
            "x": trace.x.tolist(),
            "y": self.data.y_train[index].tolist(),
            "loss": trace.loss,
            "text": text.getvalue(),
        }

    def model_file(self) -> bytes:
        """The trained model as a ``.dnet`` file (``dn.save``), as it stands between two epochs."""
        with COMPUTE:
            if self.run is None:
                raise ValueError("playground: no network yet")
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "model.dnet"
                save(self.run.model, path)
                return path.read_bytes()

    def script(self) -> str:
        """A Python script that repeats this run with ``dn.fit`` up to the epochs trained so far."""
        with COMPUTE:
            if self.data is None:
                raise ValueError("playground: no network yet")
            return network.script(self.config, self.data, self.epochs)

    # -- the training thread -----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                config, self._pending = self._pending, None
            assert config is not None  # the wait above ends on a pending config or on close
            try:
                with COMPUTE:
                    self._build(config)
                    self._train(config)
                    with self._wake:
                        self._finished = True
                    self._publish()
            except _Stop:
                continue
            except TrainingDivergedError as error:
                self._fail("diverged", str(error))
            except Exception as error:  # shown on the page; the server goes on
                logger.exception("playground: the run failed")
                self._fail("error", f"{type(error).__name__}: {error}")

    def _build(self, config: Config) -> None:
        data = load(config.dataset, config.n, config.noise, config.test_ratio, config.seed, config.function)
        run = network.build(config, data)
        with self._wake:
            self.data, self.run = data, run
            self.monitor = Monitor(warn=False, budget=None)
            self.history = {}
            self.epochs = 0
            self._failure = None
            self._finished = False

    def _train(self, config: Config) -> None:
        assert self.data is not None and self.run is not None
        data, run = self.data, self.run
        fit(
            run.model,
            data.X_train,
            data.y_train,
            loss=run.loss,
            optimizer=run.optimizer,
            epochs=self.max_epochs,
            batch_size=config.batch_size,
            validation_data=(data.X_test, data.y_test),
            callbacks=[_Control(self)],
            regularizer=run.regularizer,
            rng=config.seed,
            metrics=run.metrics,
            monitor=self.monitor,
        )

    def _fail(self, kind: str, message: str) -> None:
        with self._wake:
            self._failure = (kind, message)
            self._playing = False
            self._wake.notify_all()
        with COMPUTE:
            self._publish()

    def _gate(self) -> None:
        """At an epoch's start: show the last epoch, hand over COMPUTE, wait for play or step."""
        if self._dirty:
            self._publish()
        COMPUTE.release()
        try:
            with self._wake:
                while not (self._playing or self._steps or self._closed or self._pending is not None):
                    self._wake.wait()
                stop = self._closed or self._pending is not None
                playing = self._playing
                if not stop and not playing:
                    self._steps -= 1
            if playing and not stop:
                time.sleep(self.epoch_pause)
        finally:
            COMPUTE.acquire()
        if stop:
            raise _Stop

    def _record(self, logs: dict[str, Any]) -> None:
        with self._wake:
            for key, value in logs.items():
                self.history.setdefault(key, []).append(float(value))
            self.epochs += 1
            self._dirty = True
            stepping = not self._playing
            self._wake.notify_all()
        if stepping or time.monotonic() - self._published >= self.publish_interval:
            self._publish()

    def _publish(self) -> None:
        """Draw the network as it stands (the caller holds COMPUTE) and make it the state."""
        if self.run is None or self.data is None:
            return
        picture = views.draw(self.run.model, self.data)
        picture["points"] = views.points(self.data)
        picture["data"] = {
            "task": self.data.task,
            "classes": self.data.classes,
            "features": self.data.feature_names,
            "description": describe(self.data),
        }
        picture["layers"] = network.widths(self.config, self.data)
        events = [] if self.monitor is None else list(self.monitor.events)
        picture["events"] = [{k: e.get(k) for k in ("kind", "epoch", "layer", "message", "advice")} for e in events]
        with self._wake:
            self._picture = picture
            self._published = time.monotonic()
            self._dirty = False
            self._touch()

    def _touch(self) -> None:
        self._version += 1

    def _status(self) -> tuple[str, str]:
        if self._failure is not None:
            return self._failure
        if self._finished:
            return "finished", f"trained the {self.max_epochs} epochs of a run"
        return ("training" if self._playing else "paused"), ""


def _thin(values: list[float]) -> list[float]:
    """At most ``CURVE_POINTS`` evenly spaced values, the last one always kept."""
    if len(values) <= CURVE_POINTS:
        return values
    stride = -(-len(values) // CURVE_POINTS)
    kept = values[::stride]
    if (len(values) - 1) % stride:
        kept.append(values[-1])
    return kept


__all__ = ["COMPUTE", "Session"]
