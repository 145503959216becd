r"""``SummaryWriter``: PyTorch's TensorBoard logger, writing TensorBoard's own event files.

The files are written by the ``tensorboard`` package's ``EventFileWriter`` (a queue and a
background thread that flushes every ``flush_secs`` seconds or ``max_queue`` events), with the
summaries of ``deltanet.utils.tensorboard.summaries``: the tags, folders and values are those of
``torch.utils.tensorboard``, so that ``tensorboard --logdir runs`` shows a ported script's run as
it showed the PyTorch one.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.utils.tensorboard import images, summaries
from deltanet.utils.tensorboard.arrays import as_array, as_scalar, as_step
from deltanet.utils.tensorboard.files import FileWriter

# The writers with files open: closed when the interpreter exits, so that a script that forgets
# writer.close() still finds its last events on disk (PyTorch loses the queued ones).
_OPEN: weakref.WeakSet[SummaryWriter] = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_OPEN):
        writer.close()


def _tag(tag: Any, owner: str, name: str = "tag") -> str:
    if not isinstance(tag, str):
        raise TypeError(f"{owner}: {name} must be a string such as 'loss/train', got {type(tag).__name__} {tag!r:.60}")
    return tag


def _walltime(walltime: Any, owner: str) -> float:
    return time.time() if walltime is None else check.number(walltime, "walltime", owner)


class SummaryWriter:
    r"""Log scalars, histograms, images, texts and hyperparameters for TensorBoard, as PyTorch does.

    Each ``add_*`` call queues one event; a background thread writes them to
    ``log_dir/events.out.tfevents.<time>.<host>.<pid>.<n><filename_suffix>`` (flushed every
    ``flush_secs`` seconds, when ``max_queue`` events wait, and at ``flush``/``close``). Use it as
    a context manager, or call ``close()``; the writers still open when Python exits are closed then
    (events still queued when the process is killed are lost). After ``close`` the next ``add_*``
    opens a new event file in the same folder.

    Values may be deltanet Tensors (their history is ignored), NumPy arrays or numbers. A histogram
    counts each value $x_i$ into TensorFlow's default buckets: edges $\pm 10^{-12} \cdot 1.1^k$ up
    to $10^{20}$, and 0 (``bins="tensorflow"``), or any ``np.histogram`` bins.

    Args:
        log_dir: the run's folder; default ``runs/<Mon>DD_HH-MM-SS_<host><comment>``, a new one per
            run.
        comment: appended to the default folder's name; ignored when ``log_dir`` is given.
        purge_step: after a crash at step $T + X$ and a restart from a checkpoint of step $T$,
            $T$: TensorBoard hides the events of this folder at steps $\ge T$ that were written
            before (the same ``log_dir`` must be used).
        max_queue: events held in memory before a write is forced.
        flush_secs: seconds between automatic flushes.
        filename_suffix: appended to the event files' names.

    Attributes:
        log_dir: the folder, as given (or the default one).
        file_writer: the ``FileWriter`` of ``log_dir`` (None once closed).
        all_writers: every ``FileWriter`` by folder (``add_scalars`` writes one folder per series).

    Examples:
        >>> import tempfile
        >>> import deltanet as dn
        >>> from deltanet.utils.tensorboard import SummaryWriter
        >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
        ...     for step in range(3):
        ...         writer.add_scalar("loss/train", 1.0 / (step + 1), step)
        ...     writer.add_histogram("weights", dn.randn(100), 2)
    """

    def __init__(
        self,
        log_dir: Any = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
    ) -> None:
        owner = "SummaryWriter"
        if not isinstance(comment, str):
            raise TypeError(f"{owner}: comment must be a string, got {comment!r}")
        if not isinstance(filename_suffix, str):
            raise TypeError(f"{owner}: filename_suffix must be a string, got {filename_suffix!r}")
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"{owner}: log_dir must be a folder path (str or pathlib.Path), got {log_dir!r}")
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self.purge_step = check.optional_integer(purge_step, "purge_step", owner, low=0)
        self.max_queue = check.integer(max_queue, "max_queue", owner, low=1)
        self.flush_secs = check.number(flush_secs, "flush_secs", owner, low=0, low_open=True)
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._lock = threading.RLock()  # add_* from several threads: one FileWriter per folder
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        with self._lock:
            if self.file_writer is None or self.all_writers is None:
                self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
                _OPEN.add(self)
                if self.purge_step is not None:
                    # TensorBoard drops the events at steps >= purge_step written before this restart.
                    self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                    self.file_writer.add_event(
                        Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START))
                    )
                    self.purge_step = None
            return self.file_writer

    def _write(self, summary: Summary, global_step: Any, walltime: Any, owner: str) -> None:
        step = as_step(global_step, "global_step", owner)
        self._get_file_writer().add_summary(summary, step, _walltime(walltime, owner))

    def get_logdir(self) -> Any:
        """The folder that the event files go to (``log_dir`` as given).

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> folder = tempfile.mkdtemp()
            >>> with SummaryWriter(folder) as w:
            ...     w.get_logdir() == folder
            True
        """
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: Any = None,
        walltime: Any = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number of a series (a point of a curve in TensorBoard's Scalars tab).

        Args:
            tag: the series' name; ``/`` groups series (``"loss/train"``, ``"loss/val"``).
            scalar_value: a number or a one-element Tensor/array (``loss.item()`` or ``loss``).
            global_step: the x coordinate, an integer.
            walltime: seconds since the epoch (default: now).
            new_style: store a tensor (faster to load) instead of the classic ``simple_value``.
            double_precision: with ``new_style``, store float64 instead of float32.

        Raises:
            TypeError: ``tag`` is not a string or the value is not numeric.
            ValueError: the value holds more than one number, or the step is not an integer.

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_scalar("accuracy", 0.75, global_step=10)
        """
        owner = "add_scalar"
        summary = summaries.scalar(
            _tag(tag, owner),
            as_scalar(scalar_value, "scalar_value", owner),
            check.flag(new_style, "new_style", owner),
            check.flag(double_precision, "double_precision", owner),
        )
        self._write(summary, global_step, walltime, owner)

    def add_scalars(
        self, main_tag: str, tag_scalar_dict: Mapping[str, Any], global_step: Any = None, walltime: Any = None
    ) -> None:
        """Log several series in one chart: each key goes to its own run folder, all under ``main_tag``.

        As in PyTorch, the series ``k`` is written to ``log_dir/<main_tag with / as _>_<k>`` with
        the tag ``main_tag``, so that TensorBoard draws the keys as runs of one chart.

        Args:
            main_tag: the chart's name.
            tag_scalar_dict: series name to number (or one-element Tensor).
            global_step: the x coordinate, an integer.
            walltime: seconds since the epoch (default: now, the same for every key).

        Raises:
            TypeError: ``tag_scalar_dict`` is not a mapping of names to numbers.
            ValueError: a value holds more than one number.

        Examples:
            >>> import os, tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_scalars("loss", {"train": 0.5, "val": 0.7}, 1)
            ...     [os.path.basename(folder) for folder in w.all_writers][1:]
            ['loss_train', 'loss_val']
        """
        owner = "add_scalars"
        main_tag = _tag(main_tag, owner, "main_tag")
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"{owner}: tag_scalar_dict must be a dict of series name to number, got {tag_scalar_dict!r:.60}"
            )
        values = {
            _tag(k, owner, "a key of tag_scalar_dict"): as_scalar(v, f"tag_scalar_dict[{k!r}]", owner)
            for k, v in tag_scalar_dict.items()
        }
        step = as_step(global_step, "global_step", owner)
        stamp = _walltime(walltime, owner)
        with self._lock:
            base = self._get_file_writer().get_logdir()
            assert self.all_writers is not None
            for key, value in values.items():
                folder = base + "/" + main_tag.replace("/", "_") + "_" + key
                writer = self.all_writers.get(folder)
                if writer is None:
                    writer = FileWriter(folder, self.max_queue, self.flush_secs, self.filename_suffix)
                    self.all_writers[folder] = writer
                writer.add_summary(summaries.scalar(main_tag, value), step, stamp)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Any = None,
        bins: Any = "tensorflow",
        walltime: Any = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (weights, gradients, activations) at a step.

        Args:
            tag: the series' name (``"fc1.weight"``, ``"fc1.weight.grad"``).
            values: a Tensor or array of any shape; every value must be finite.
            global_step: the step, an integer.
            bins: ``"tensorflow"`` (TensorFlow's default buckets), or what ``np.histogram`` takes
                (a bucket count, ``"auto"``, ``"fd"``, a list of edges).
            walltime: seconds since the epoch (default: now).
            max_bins: the most buckets to store (neighbours are merged), or None.

        Raises:
            ValueError: no values, a NaN or infinite value (a gradient that blew up), or no value
                within the bins.

        Examples:
            >>> import tempfile
            >>> import deltanet as dn
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> layer = dn.nn.Linear(4, 2)
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     for name, p in layer.named_parameters():
            ...         w.add_histogram(name, p, 0)
        """
        owner = "add_histogram"
        array = as_array(values, "values", owner)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{owner}: values must be real numbers, got dtype {array.dtype}")
        max_bins = check.optional_integer(max_bins, "max_bins", owner, low=1)
        if isinstance(bins, str) and bins == "tensorflow":
            bins = summaries.TENSORFLOW_BINS
        self._write(summaries.histogram(_tag(tag, owner), array, bins, max_bins), global_step, walltime, owner)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Any,
        bucket_counts: Any,
        global_step: Any = None,
        walltime: Any = None,
    ) -> None:
        """Log a histogram computed elsewhere: its statistics and buckets as they are.

        Args:
            tag: the series' name.
            min: the smallest value.
            max: the largest value.
            num: how many values.
            sum: their sum.
            sum_squares: the sum of their squares.
            bucket_limits: each bucket's right edge, increasing.
            bucket_counts: each bucket's count, as many as ``bucket_limits``.
            global_step: the step, an integer.
            walltime: seconds since the epoch (default: now).

        Raises:
            ValueError: ``bucket_limits`` and ``bucket_counts`` differ in length.

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_histogram_raw("h", 0, 2, 3, 3, 5, [0, 1, 2], [0, 2, 1], 0)
        """
        owner = "add_histogram_raw"
        limits = as_array(bucket_limits, "bucket_limits", owner).reshape(-1)
        counts = as_array(bucket_counts, "bucket_counts", owner).reshape(-1)
        if len(limits) != len(counts):
            raise ValueError(
                f"{owner}: bucket_limits and bucket_counts must have the same length, "
                f"got {len(limits)} and {len(counts)}"
            )
        stats = {k: as_scalar(v, k, owner) for k, v in dict(min=min, max=max, sum=sum, sum_squares=sum_squares).items()}
        proto = HistogramProto(
            num=check.number(num, "num", owner, low=0),
            bucket_limit=limits.astype(float).tolist(),
            bucket=counts.astype(float).tolist(),
            **stats,
        )
        self._write(Summary(value=[Summary.Value(tag=_tag(tag, owner), histo=proto)]), global_step, walltime, owner)

    def add_image(
        self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Any = None, dataformats: str = "CHW"
    ) -> None:
        r"""Log one image (TensorBoard's Images tab), stored as a PNG.

        Float (and any non-``uint8``) values are read as $[0, 1]$ and shown as
        $\operatorname{trunc}(\operatorname{clip}(255 x, 0, 255))$; ``uint8`` values as 0 to 255.
        One channel is shown grey, 2 as grey and alpha, 3 as RGB, 4 as RGBA.

        Args:
            tag: the series' name.
            img_tensor: the image, (C, H, W) by default.
            global_step: the step, an integer.
            walltime: seconds since the epoch (default: now).
            dataformats: the axes' order: ``"CHW"``, ``"HWC"`` or ``"HW"`` (any order of the letters).

        Raises:
            ValueError: the image's dimensions do not match ``dataformats``, or it has more than
                4 channels.

        Examples:
            >>> import tempfile
            >>> import numpy as np
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_image("mask", np.eye(8), 0, dataformats="HW")
        """
        owner = "add_image"
        array = as_array(img_tensor, "img_tensor", owner)
        self._write(summaries.image(_tag(tag, owner), array, dataformats, owner), global_step, walltime, owner)

    def add_images(
        self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Any = None, dataformats: str = "NCHW"
    ) -> None:
        """Log a batch of images as one grid of at most 8 per row (PyTorch's layout).

        Args:
            tag: the series' name.
            img_tensor: the batch, (N, C, H, W) by default, with 1 or 3 channels; values as in
                ``add_image``.
            global_step: the step, an integer.
            walltime: seconds since the epoch (default: now).
            dataformats: the axes' order, ``"NCHW"`` or ``"NHWC"`` (any order of the letters).

        Raises:
            ValueError: the batch's dimensions do not match ``dataformats``, or its channels are
                not 1 or 3.

        Examples:
            >>> import tempfile
            >>> import numpy as np
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_images("digits", np.random.default_rng(0).random((10, 1, 8, 8)), 0)
        """
        owner = "add_images"
        array = as_array(img_tensor, "img_tensor", owner)
        self._write(summaries.image(_tag(tag, owner), array, dataformats, owner), global_step, walltime, owner)

    def add_figure(
        self, tag: str, figure: Any, global_step: Any = None, close: bool = True, walltime: Any = None
    ) -> None:
        """Log a matplotlib figure (or a list of them, as a grid) as an image.

        Args:
            tag: the series' name.
            figure: a ``matplotlib.figure.Figure``, or a list of figures of one size.
            global_step: the step, an integer.
            close: close the figure(s) afterwards, so that a loop does not keep them all open.
            walltime: seconds since the epoch (default: now).

        Raises:
            ImportError: matplotlib is not installed.
            TypeError: ``figure`` is not a figure or a list of figures.

        Examples:
            >>> import tempfile
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> fig, ax = plt.subplots(figsize=(2, 2), dpi=40)
            >>> _ = ax.plot([3, 1, 2])
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_figure("curve", fig, 0)
        """
        owner = "add_figure"
        close = check.flag(close, "close", owner)
        if isinstance(figure, list):
            pixels = np.stack([images.figure_pixels(f, close) for f in figure])
            self._write(summaries.image(_tag(tag, owner), pixels, "NCHW", owner), global_step, walltime, owner)
        else:
            pixels = images.figure_pixels(figure, close)
            self._write(summaries.image(_tag(tag, owner), pixels, "CHW", owner), global_step, walltime, owner)

    def add_text(self, tag: str, text_string: str, global_step: Any = None, walltime: Any = None) -> None:
        """Log a text (Markdown in TensorBoard's Text tab), under the tag ``<tag>/text_summary``.

        Args:
            tag: the text's name.
            text_string: the text.
            global_step: the step, an integer.
            walltime: seconds since the epoch (default: now).

        Raises:
            TypeError: ``text_string`` is not a string (format numbers with an f-string).

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_text("config", "lr = **0.1**", 0)
        """
        owner = "add_text"
        if not isinstance(text_string, str):
            raise TypeError(
                f"{owner}: text_string must be a string, got {type(text_string).__name__} {text_string!r:.60}"
            )
        self._write(summaries.text(_tag(tag, owner), text_string), global_step, walltime, owner)

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: Any = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: Any = None,
    ) -> None:
        r"""Log a precision-recall curve of binary predictions (TensorBoard's PR Curves tab).

        Precision $= TP / (TP + FP)$ and recall $= TP / (TP + FN)$ at ``num_thresholds``
        thresholds evenly spaced on $[0, 1]$ (at most 127, as in PyTorch).

        Args:
            tag: the curve's name.
            labels: the truth, 0/1 or bool, one per prediction.
            predictions: the probabilities of the positive class, in $[0, 1]$.
            global_step: the step, an integer.
            num_thresholds: how many thresholds (2 or more; more than 127 become 127).
            weights: a weight per prediction, or None.
            walltime: seconds since the epoch (default: now).

        Raises:
            ValueError: labels that are not 0/1, predictions outside $[0, 1]$, or shapes that differ.

        Examples:
            >>> import tempfile
            >>> import numpy as np
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_pr_curve("pr", np.array([1, 0, 1]), np.array([0.9, 0.4, 0.6]), 0)
        """
        owner = "add_pr_curve"
        truth = as_array(labels, "labels", owner)
        p = as_array(predictions, "predictions", owner).astype(np.float64)
        if truth.shape != p.shape:
            raise ValueError(f"{owner}: labels and predictions must have one shape, got {truth.shape} and {p.shape}")
        if not np.isin(truth, (0, 1)).all():
            raise ValueError(f"{owner}: labels must be 0 or 1 (or bool), got values {np.unique(truth)[:6].tolist()}")
        if not ((p >= 0) & (p <= 1)).all():
            raise ValueError(f"{owner}: predictions must be probabilities in [0, 1] (apply sigmoid or softmax first)")
        thresholds = min(check.integer(num_thresholds, "num_thresholds", owner, low=2), summaries.MAX_PR_THRESHOLDS)
        w = None if weights is None else as_array(weights, "weights", owner).astype(np.float64)
        table = summaries.pr_curve_data(truth, p, thresholds, w)
        self._write(summaries.pr_curve(_tag(tag, owner), table), global_step, walltime, owner)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, list[Any]] | None = None,
        run_name: str | None = None,
        global_step: Any = None,
    ) -> None:
        """Log a run's hyperparameters and final metrics (TensorBoard's HParams tab).

        As in PyTorch, they go to a sub-folder ``run_name`` (default: the current time) of
        ``log_dir``, with each metric also logged there as a scalar; keep the metrics' tags apart
        from the ``add_scalar`` tags of training, or the HParams tab shows those instead.
        A bool is stored as a bool (PyTorch stores it as the number 1.0 or 0.0).

        Args:
            hparam_dict: name to value: a bool, a number, a string, a one-element Tensor, or
                None (left out).
            metric_dict: metric tag to number.
            hparam_domain_discrete: for some hyperparameters, the list of every value they can
                take (of the value's type).
            run_name: the sub-folder's name.
            global_step: the step, an integer.

        Raises:
            TypeError: ``hparam_dict``, ``metric_dict`` or the domains are not dicts, or a
                domain's values differ in type from the hyperparameter's.
            ValueError: a value of another type (a list, a dict), or a metric that is not one number.

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     w.add_hparams({"lr": 0.1, "optimizer": "sgd"}, {"hparam/accuracy": 0.9}, run_name="trial")
        """
        owner = "add_hparams"
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError(
                f"{owner}: hparam_dict and metric_dict must be dicts, "
                f"got {type(hparam_dict).__name__} and {type(metric_dict).__name__}"
            )
        values: dict[str, bool | float | str] = {}
        for name, value in hparam_dict.items():
            _tag(name, owner, "a key of hparam_dict")
            if value is None:
                continue
            if isinstance(value, (bool, np.bool_)):
                values[name] = bool(value)
            elif isinstance(value, str):
                values[name] = value
            elif check.is_number(value) or isinstance(value, (Tensor, np.ndarray)):
                values[name] = as_scalar(value, f"hparam_dict[{name!r}]", owner)
            else:
                raise ValueError(
                    f"{owner}: hparam_dict[{name!r}] must be a bool, a number, a string or a one-element Tensor, "
                    f"got {type(value).__name__} {value!r:.60}"
                )
        domains = hparam_domain_discrete or {}
        if not isinstance(domains, Mapping):
            raise TypeError(
                f"{owner}: hparam_domain_discrete must be a dict of name to list of values, got {domains!r:.60}"
            )
        for name, options in domains.items():
            kind = type(values.get(name))
            if (
                name not in values
                or not isinstance(options, list)
                or not all(type(o) is kind or (kind is float and check.is_number(o)) for o in options)
            ):
                raise TypeError(
                    f"{owner}: hparam_domain_discrete[{name!r}] must be a list of values of the type of "
                    f"hparam_dict[{name!r}], got {options!r:.60}"
                )
        metrics = {
            _tag(k, owner, "a key of metric_dict"): as_scalar(v, f"metric_dict[{k!r}]", owner)
            for k, v in metric_dict.items()
        }
        step = as_step(global_step, "global_step", owner)
        experiment, start, end = summaries.hparams(values, list(metrics), domains)
        name = str(time.time()) if not run_name else _tag(run_name, owner, "run_name")
        folder = os.path.join(self._get_file_writer().get_logdir(), name)
        with SummaryWriter(log_dir=folder) as run:
            for summary in (experiment, start, end):
                run._get_file_writer().add_summary(summary, step)
            for tag, value in metrics.items():
                run.add_scalar(tag, value, step)

    def add_graph(
        self, model: Any, input_to_model: Any = None, verbose: bool = False, use_strict_trace: bool = True
    ) -> None:
        """Not available: deltanet does not trace a model into a TensorBoard graph.

        ``print(model)`` shows its layers; ``dn.nn.summary(model, input_shape)`` adds their output
        shapes and parameter counts; ``dn.onnx.export(model, "model.onnx", input_shape=...)``
        writes the graph for a viewer such as Netron.

        Args:
            model: the model.
            input_to_model: an example input.
            verbose: unused.
            use_strict_trace: unused.

        Raises:
            NotImplementedError: always.

        Examples:
            >>> import tempfile
            >>> import deltanet as dn
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> with SummaryWriter(tempfile.mkdtemp()) as w:
            ...     try:
            ...         w.add_graph(dn.nn.Linear(2, 1))
            ...     except NotImplementedError as error:
            ...         print(type(error).__name__)
            NotImplementedError
        """
        raise NotImplementedError(
            "SummaryWriter.add_graph is not available in deltanet (it does not trace models into TensorBoard graphs): "
            "print(model) shows the layers, dn.nn.summary(model, input_shape) their shapes and parameter counts, and "
            "dn.onnx.export(model, 'model.onnx', input_shape=...) writes the graph for a viewer such as Netron"
        )

    def flush(self) -> None:
        """Write every queued event to disk (all folders).

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> w = SummaryWriter(tempfile.mkdtemp()); w.add_scalar("x", 1.0, 0); w.flush(); w.close()
        """
        with self._lock:
            for writer in (self.all_writers or {}).values():
                writer.flush()

    def close(self) -> None:
        """Flush and close every event file; a second ``close`` does nothing, a later ``add_*`` reopens.

        Examples:
            >>> import tempfile
            >>> from deltanet.utils.tensorboard import SummaryWriter
            >>> w = SummaryWriter(tempfile.mkdtemp()); w.close(); w.close()
        """
        with self._lock:
            for writer in (self.all_writers or {}).values():
                writer.flush()
                writer.close()
            self.file_writer = self.all_writers = None
            _OPEN.discard(self)

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SummaryWriter(log_dir={str(self.log_dir)!r})"


def _unavailable(method: str, instead: str) -> Any:
    def refuse(self: SummaryWriter, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"SummaryWriter.{method} is not available in deltanet: {instead}")

    refuse.__name__ = refuse.__qualname__ = method
    refuse.__doc__ = f"Not available in deltanet (raises NotImplementedError): {instead}."
    return refuse


# PyTorch's other add_* methods: a clear refusal instead of an AttributeError.
for _method, _instead in {
    "add_onnx_graph": "export with dn.onnx.export and open the file in a viewer such as Netron",
    "add_embedding": "log the embeddings' 2-D projection as an image (add_figure), or save them with numpy",
    "add_video": "log frames with add_images",
    "add_audio": "save the waveform with the standard wave module",
    "add_mesh": "log renders of the mesh with add_figure",
    "add_image_with_boxes": "draw the boxes with matplotlib and log the figure with add_figure",
    "add_tensor": "log its statistics with add_scalar or its values with add_histogram",
    "add_custom_scalars": "group series under one prefix (add_scalar('loss/train', ...)) or use add_scalars",
    "add_custom_scalars_multilinechart": "use add_scalars for several series in one chart",
    "add_custom_scalars_marginchart": "use add_scalars for a value and its bounds in one chart",
}.items():
    setattr(SummaryWriter, _method, _unavailable(_method, _instead))
