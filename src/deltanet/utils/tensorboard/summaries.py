r"""The ``Summary`` protocol buffers that TensorBoard reads, one builder per kind of data.

Each builder returns a ``Summary`` (TensorBoard's own protobuf class) holding one or more
``Summary.Value``s, with the tags, value types and plugin metadata that PyTorch's ``SummaryWriter``
writes, so that TensorBoard shows a deltanet run and a PyTorch run of the same calls alike:

- a scalar: ``simple_value`` (float32), or with ``new_style`` a ``DT_FLOAT``/``DT_DOUBLE`` tensor
  under the ``scalars`` plugin;
- a histogram: a ``HistogramProto`` (TensorFlow's layout: right bucket edges, one empty bucket on the
  left of the data) whose buckets are NumPy's ``np.histogram`` counts, trimmed to the data;
- an image: a PNG with its height, width and channel count;
- a text: a ``DT_STRING`` tensor under the ``text`` plugin, tagged ``<tag>/text_summary``;
- a precision-recall curve: a 6 × thresholds ``DT_FLOAT`` tensor under ``pr_curves``;
- hyperparameters: the ``hparams`` plugin's experiment, session start and session end records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from deltanet.utils.tensorboard import images


def _tensorflow_edges() -> tuple[float, ...]:
    # TensorFlow's default buckets: +-1e-12 growing by 10 % up to 1e20, and 0; computed by the same
    # repeated product as PyTorch's writer, so that the edges agree to the last bit.
    edge, positive = 1e-12, []
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1
    return tuple([-e for e in reversed(positive)] + [0.0] + positive)


TENSORFLOW_BINS = _tensorflow_edges()
MAX_PR_THRESHOLDS = 127  # PyTorch's cap on the thresholds of a precision-recall curve


def scalar(tag: str, value: float, new_style: bool = False, double_precision: bool = False) -> Summary:
    """One scalar: ``simple_value``, or a one-element tensor of the ``scalars`` plugin (``new_style``).

    Args:
        tag: the series' name.
        value: the number.
        new_style: write a tensor instead of ``simple_value`` (TensorBoard loads it faster).
        double_precision: with ``new_style``, a float64 tensor instead of float32.

    Returns:
        The summary.

    Examples:
        >>> from deltanet.utils.tensorboard.summaries import scalar
        >>> scalar("loss", 0.5).value[0].simple_value
        0.5
    """
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=value)])
    if double_precision:
        tensor = TensorProto(dtype="DT_DOUBLE", double_val=[value])
    else:
        tensor = TensorProto(dtype="DT_FLOAT", float_val=[value])
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def _merge_buckets(counts: np.ndarray, edges: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray]:
    # Groups of `width` neighbouring buckets become one (the last group padded with empty buckets).
    width = len(counts) // max_bins
    padded = np.concatenate([counts, np.zeros((-len(counts)) % width, counts.dtype)])
    return padded.reshape(-1, width).sum(axis=1), np.append(edges[:-1:width], edges[-1])


def histogram(tag: str, values: np.ndarray, bins: Any, max_bins: int | None = None) -> Summary:
    r"""A histogram of ``values``: the buckets of ``np.histogram(values, bins)`` that hold the data.

    TensorBoard stores each bucket by its right edge. The buckets kept run from the first to the
    last that holds a value, plus the bucket to the left of them (empty, or a zero-width one at
    the first edge) so that the leftmost edge is stored too. With ``max_bins``, groups of
    $\lfloor B / \text{max\_bins} \rfloor$ neighbouring buckets are summed first. ``min``, ``max``,
    ``num``, ``sum`` $= \sum_i x_i$ and ``sum_squares`` $= \sum_i x_i^2$ are of all the values in
    float64.

    Args:
        tag: the series' name.
        values: the values, any shape (flattened).
        bins: anything ``np.histogram`` takes: a list of edges, a count, or a rule (``"auto"``).
        max_bins: the most buckets to store, or None.

    Returns:
        The summary.

    Raises:
        ValueError: no values, a value that is NaN or infinite, or no value inside the edges.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.summaries import histogram
        >>> h = histogram("w", np.array([0.0, 1.0, 1.0, 3.0]), bins=3).value[0].histo
        >>> list(h.bucket_limit), list(h.bucket)
        ([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 1.0])
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError(f"add_histogram: values of {tag!r} hold no element")
    if not np.isfinite(x).all():
        bad = int(x.size - np.isfinite(x).sum())
        raise ValueError(
            f"add_histogram: values of {tag!r} hold {bad} NaN or infinite value(s) of {x.size}; "
            "a histogram needs finite values (TensorBoard refuses them too)"
        )
    counts, edges = np.histogram(x, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        counts, edges = _merge_buckets(counts, edges, max_bins)
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError(
            f"add_histogram: no value of {tag!r} lies within the bins' edges {edges[0]:g} to {edges[-1]:g}"
        )
    first, last = int(filled[0]), int(filled[-1])
    kept = counts[first - 1 : last + 1] if first > 0 else np.concatenate([[0], counts[: last + 1]])
    proto = HistogramProto(
        min=x.min(),
        max=x.max(),
        num=len(x),
        sum=x.sum(),
        sum_squares=x.dot(x),
        bucket_limit=edges[first : last + 2].tolist(),
        bucket=kept.tolist(),
    )
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def image(tag: str, array: np.ndarray, dataformats: str, owner: str) -> Summary:
    """One image (or a batch's grid) as a PNG.

    Args:
        tag: the series' name.
        array: the pixels, laid out as ``dataformats`` says (``deltanet.utils.tensorboard.images``).
        dataformats: the axes' letters.
        owner: the method that takes it, for the messages.

    Returns:
        The summary.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.summaries import image
        >>> img = image("x", np.zeros((1, 4, 6)), "CHW", "add_image").value[0].image
        >>> img.height, img.width, img.colorspace
        (4, 6, 3)
    """
    pixels = images.to_uint8(images.to_hwc(array, dataformats, owner))
    height, width, channels = pixels.shape
    encoded = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=images.png(pixels))
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def text(tag: str, string: str) -> Summary:
    """A text (Markdown in TensorBoard), tagged ``<tag>/text_summary`` as PyTorch does.

    Args:
        tag: the text's name.
        string: the text.

    Returns:
        The summary.

    Examples:
        >>> from deltanet.utils.tensorboard.summaries import text
        >>> text("notes", "hello").value[0].tag
        'notes/text_summary'
    """
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

    content = TextPluginData(version=0).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text", content=content))
    tensor = TensorProto(
        dtype="DT_STRING",
        string_val=[string.encode("utf-8")],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    return Summary(value=[Summary.Value(tag=f"{tag}/text_summary", metadata=metadata, tensor=tensor)])


def pr_curve_data(labels: np.ndarray, predictions: np.ndarray, thresholds: int, weights: Any) -> np.ndarray:
    r"""TensorBoard's precision-recall table: rows TP, FP, TN, FN, precision, recall per threshold.

    Prediction $p$ falls in bucket $\lfloor p (T - 1) \rfloor$ of $T$ thresholds; TP and FP at
    threshold $t$ count the (weighted) positives and negatives in buckets $\ge t$; then
    $TN = FP_0 - FP$, $FN = TP_0 - TP$, precision $= TP / \max(10^{-7}, TP + FP)$ and recall
    $= TP / \max(10^{-7}, TP + FN)$.

    Args:
        labels: 0/1 (or bool) truth per prediction.
        predictions: probabilities in $[0, 1]$, the same shape.
        thresholds: $T$.
        weights: a weight per prediction, a number, or None (1).

    Returns:
        A (6, T) float64 array.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.summaries import pr_curve_data
        >>> pr_curve_data(np.array([1, 0]), np.array([0.9, 0.2]), 3, None)[0].tolist()
        [1.0, 1.0, 0.0]
    """
    w = 1.0 if weights is None else weights
    bucket = np.floor(predictions * (thresholds - 1)).astype(np.int32)
    positive = labels.astype(np.float64)
    tp_per_bucket = np.histogram(bucket, bins=thresholds, range=(0, thresholds - 1), weights=positive * w)[0]
    fp_per_bucket = np.histogram(bucket, bins=thresholds, range=(0, thresholds - 1), weights=(1.0 - positive) * w)[0]
    tp = np.cumsum(tp_per_bucket[::-1])[::-1]
    fp = np.cumsum(fp_per_bucket[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve(tag: str, table: np.ndarray) -> Summary:
    """The ``pr_curves`` plugin's summary of a ``pr_curve_data`` table.

    Args:
        tag: the curve's name.
        table: the (6, T) table.

    Returns:
        The summary.

    Examples:
        >>> import numpy as np
        >>> from deltanet.utils.tensorboard.summaries import pr_curve
        >>> pr_curve("pr", np.zeros((6, 5))).value[0].tensor.tensor_shape.dim[1].size
        5
    """
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

    content = PrCurvePluginData(version=0, num_thresholds=table.shape[1]).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves", content=content))
    tensor = TensorProto(
        dtype="DT_FLOAT",
        float_val=table.reshape(-1).tolist(),
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in table.shape]),
    )
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata, tensor=tensor)])


def _hparams_summary(tag: str, **record: Any) -> Summary:
    from tensorboard.plugins.hparams.metadata import PLUGIN_DATA_VERSION, PLUGIN_NAME
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    content = HParamsPluginData(version=PLUGIN_DATA_VERSION, **record).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=content))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata)])


def hparams(
    values: Mapping[str, bool | float | str], metrics: Sequence[str], domains: Mapping[str, Sequence[Any]]
) -> tuple[Summary, Summary, Summary]:
    """The ``hparams`` plugin's three records: the experiment, the session's start, its end.

    Args:
        values: each hyperparameter's value, already checked: a bool, a float or a string.
        metrics: the metrics' tags.
        domains: for some hyperparameters, every value they can take.

    Returns:
        The experiment (hyperparameters' names and types, metrics' tags), the session start (the
        values) and the session end (success).

    Examples:
        >>> from deltanet.utils.tensorboard.summaries import hparams
        >>> [s.value[0].tag for s in hparams({"lr": 0.1}, ["hparam/loss"], {})]
        ['_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info']
    """
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata
    from tensorboard.plugins.hparams.plugin_data_pb2 import SessionEndInfo, SessionStartInfo

    start = SessionStartInfo()
    infos = []
    for name, value in values.items():
        if isinstance(value, bool):
            start.hparams[name].bool_value = value
            kind, field = "DATA_TYPE_BOOL", "bool_value"
        elif isinstance(value, str):
            start.hparams[name].string_value = value
            kind, field = "DATA_TYPE_STRING", "string_value"
        else:
            start.hparams[name].number_value = value
            kind, field = "DATA_TYPE_FLOAT64", "number_value"
        domain = None
        if name in domains:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domains[name]])
        infos.append(api_pb2.HParamInfo(name=name, type=api_pb2.DataType.Value(kind), domain_discrete=domain))
    experiment = api_pb2.Experiment(
        hparam_infos=infos, metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=m)) for m in metrics]
    )
    end = SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return (
        _hparams_summary(metadata.EXPERIMENT_TAG, experiment=experiment),
        _hparams_summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
        _hparams_summary(metadata.SESSION_END_INFO_TAG, session_end_info=end),
    )
