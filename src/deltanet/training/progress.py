"""What ``fit`` prints while it trains, as Keras does: ``verbose=1`` a progress bar over the steps of
each epoch that ends with the epoch's time and logs, ``verbose=2`` one line per epoch, ``0`` nothing.

``verbose="auto"`` (the default) is 1 where someone watches (stdout is a terminal, or the code runs
in a Jupyter notebook) and 0 where nobody does (a pipe, a file, a test run). The bar is tqdm's
(``tqdm.auto``: a widget in a notebook). The output goes to ``sys.stdout`` and never fails on a
console that cannot encode a character (a Windows cp1252 console and a metric named ``"δ"``): such
characters are written as ``?``, and tqdm draws its bar in ASCII there.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from deltanet.training.callback import Callback


def resolve_verbose(verbose: int | str) -> int:
    """``verbose="auto"`` as Keras: 1 in a terminal or a notebook, else 0; 0, 1 and 2 as they are.

    Args:
        verbose: ``"auto"``, 0, 1 or 2 (checked by ``fit``).

    Examples:
        >>> from deltanet.training.progress import resolve_verbose
        >>> resolve_verbose(2)
        2
    """
    if verbose != "auto":
        return int(verbose)
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        terminal = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        terminal = False
    return 1 if terminal or _in_notebook() else 0


def _in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (not a plain IPython terminal)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class SafeStream:
    """A text stream that writes what its encoding cannot hold as ``?`` instead of raising.

    Args:
        stream: the stream to write to (``sys.stdout``).

    Examples:
        >>> import io
        >>> from deltanet.training.progress import SafeStream
        >>> raw = io.BytesIO(); out = io.TextIOWrapper(raw, encoding="cp1252")
        >>> _ = SafeStream(out).write("loss \\u03b4: 0.5\\n"); out.flush(); raw.getvalue()
        b'loss ?: 0.5\\n'
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None) or "ascii"

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except UnicodeEncodeError:
            return self.stream.write(text.encode(self.encoding, "replace").decode(self.encoding))

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def format_logs(logs: dict[str, Any]) -> str:
    """``"loss: 0.3466 - val_loss: 0.4021"``: the epoch's logs, Keras's way, to 4 significant digits.

    Args:
        logs: the epoch's logs.

    Examples:
        >>> from deltanet.training.progress import format_logs
        >>> format_logs({"loss": 0.346611, "accuracy": 1.0})
        'loss: 0.3466 - accuracy: 1'
    """
    return " - ".join(f"{key}: {value:.4g}" for key, value in logs.items())


class ProgressBar(Callback):
    """The progress display of ``fit`` (added by ``fit`` for ``verbose`` 1 or 2).

    Args:
        verbose: 1: a bar over the steps of each epoch, ending with the epoch's time and logs;
            2: one line per epoch, ``Epoch 3/10 - 0.52s - 17ms/step - loss: 0.3466``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(1, 1, dtype="float64"); model.weight.array[...] = 0; model.bias.array[...] = 0
        >>> X = np.array([[1.0], [2.0]]); y = np.array([[2.0], [4.0]])
        >>> _ = dn.fit(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1), epochs=1, verbose=2)
        Epoch 1/1 - ...s - ...s/step - loss: 10
    """

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self.bar: Any = None
        self.began = 0.0
        self.steps = 0

    def _start(self, epoch: int, done: int = 0) -> None:
        """A new epoch, or one resumed after ``done`` of its steps."""
        self.began, self.steps = time.perf_counter(), 0
        if self.verbose == 1:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.params.get("steps"), initial=done, desc=f"Epoch {epoch + 1}/{self.params.get('epochs')}",
                unit="step", file=SafeStream(sys.stdout), leave=True, dynamic_ncols=True,
            )  # fmt: skip

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start(epoch)

    def on_batch_end(self, step: int, logs: dict[str, Any] | None = None) -> None:
        if not self.began:  # an epoch resumed in its middle has no on_epoch_begin
            self._start(int((logs or {}).get("epoch", 0)), done=step)
        self.steps += 1
        if self.bar is not None:
            self.bar.update(1)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.began:  # resumed after the epoch's last step
            self._start(epoch, done=int(self.params.get("steps") or 0))
        seconds = time.perf_counter() - self.began
        per_step = seconds / max(self.steps, 1)
        pace = f"{1e3 * per_step:.0f}ms/step" if per_step >= 1e-3 else f"{1e6 * per_step:.0f}us/step"
        text = format_logs(logs or {})
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.close()
            self.bar = None
        elif self.verbose == 2:
            out = SafeStream(sys.stdout)
            out.write(f"Epoch {epoch + 1}/{self.params.get('epochs')} - {seconds:.2f}s - {pace} - {text}\n")
            out.flush()
        self.began = 0.0

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.bar is not None:  # stopped inside an epoch (TerminateOnNaN)
            self.bar.close()
            self.bar = None
