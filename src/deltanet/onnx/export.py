"""``export``: write a model as an ONNX graph, found by tracing one forward pass.

How the graph is found. A ``Sequential`` is a walk over its layers, but a U-Net's ``forward`` is
Python code (loops over ``ModuleList``s, ``dn.cat`` of skip connections), so the exporter runs the
model once, in evaluation mode and without gradients, on a zero input of ``input_shape``, and
records what happens:

- every layer whose class has a converter (``CONVERTERS``) is a
  *leaf*: its ``forward`` is temporarily wrapped (an instance attribute, removed afterwards) so
  that its call becomes that converter's nodes, from the value name of its input tensor to a new
  value name for its output tensor;
- outside leaves, every autograd ``Function`` that runs (``Function.apply`` is wrapped for the
  duration of the trace) is recorded too, and converted by ``deltanet.onnx.functions``: what a
  custom ``forward`` calls (``dn.cat`` of skip connections, ``+``, ``*``, ``-``, ``/``, ``**``,
  ``@``, crops by slicing, ``mean``, ``permute``, ``reshape``, ``F.max_pool2d``,
  ``F.interpolate``, ``F.pad``, ``F.conv2d`` on a layer's weights, ...);
- comparisons, casts to and from bool, and the rows of the functional norms, which run no
  Function, are recorded too (``deltanet.onnx.recorders``); a Function of constants alone (a
  parameter reshaped) is a constant of the graph;
- a module of the user's (a custom ``forward``) is traced through, whether it has sub-modules
  or not; a layer of deltanet's own without a converter, or an operation without an ONNX
  counterpart, stops the export with an ``ExportError`` naming it.

With a dynamic batch, each traced value's batch axis is followed (``deltanet.onnx.batch_axis``),
and the trace runs on two samples at least. The trace itself is ``deltanet.onnx.tracing``.

Tensors the trace has not seen (the model's parameters used directly in a custom ``forward``,
Python numbers) become initializers: constants of the graph. So a ``forward`` whose *structure*
depends on the data (a branch on a value) is exported as the branch that the zero input took.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend, nn
from deltanet._atomic import atomic_write_bytes
from deltanet.autograd import Tensor, no_grad
from deltanet.nn.modes import kept_modes
from deltanet.onnx import batch_axis, outputs, verification
from deltanet.onnx import dynamic_axes as dynamic
from deltanet.onnx.converters import ExportError
from deltanet.onnx.tracing import Tracer, tracing

DEFAULT_OPSET = 17
MIN_OPSET = 13


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'deltanet[onnx]'") from None
    return onnx


class Graph:
    """The nodes, initializers and value names of the graph being built."""

    def __init__(self, onnx: Any, dtype: np.dtype, opset: int = DEFAULT_OPSET) -> None:
        self.onnx = onnx
        self.dtype = dtype
        self.opset = opset  # for the operators whose signature changed (ReduceMax's axes in 18)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()
        self.input_name = "input"  # the graph's input (a reshape reads the batch's size from it)
        self.batch_size = 0  # the traced batch size
        self.sizes = False  # whether the input has dynamic axes besides the batch (deltanet.onnx.dynamic_axes)

    def fresh(self, hint: str) -> str:
        """A value name not used yet, based on ``hint``."""
        base = hint.strip(".") or "value"
        name, i = base, 1
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def initializer(self, hint: str, array: np.ndarray) -> str:
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    constant = initializer

    def node(self, op: str, inputs: list[str], outputs: list[str], **attrs: Any) -> None:
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, outputs, name=self.fresh(f"{op}_{len(self.nodes)}"), **attrs)
        )

    def tensor_type(self, dtype: np.dtype) -> int:
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def export(
    model: nn.Module,
    path: Any,
    input_shape: Any,
    dynamic_batch: bool = True,
    opset: int = DEFAULT_OPSET,
    input_name: str = "input",
    output_name: Any = "output",
    verify: bool = True,
    dynamic_axes: Any = None,
    input_dtype: Any = None,
) -> Any:
    r"""Write ``model`` (in evaluation mode) as an ONNX model file that onnxruntime can run.

    The graph comes from tracing one forward pass on a zero input (see the module docstring);
    layers become their ONNX operators: Linear → Gemm, Conv/ConvTranspose → Conv/ConvTranspose
    (stride, padding, dilation, groups, output_padding), max/average pooling → MaxPool/AveragePool
    (``count_include_pad``), LP pooling → LpPool (even $p$; else PyTorch's formula), adaptive/global
    average pooling → GlobalAveragePool (or AveragePool when the windows are equal), BatchNorm →
    BatchNormalization with the running statistics,
    activations → Sigmoid, Tanh, Relu, LeakyRelu, PRelu, Elu, Softplus, $x \cdot \sigma(x)$ for SiLU,
    Softmax, LogSoftmax; Dropout → Identity; Flatten → Flatten/Reshape; Upsample → Resize;
    LocalResponseNorm → LRN (odd sizes); RNN/LSTM/GRU → ONNX's RNN/LSTM/GRU, one per layer
    (``deltanet.onnx.converters_recurrent``; not ``proj_size``); ``dn.cat`` → Concat; the functions
    a custom ``forward`` calls as in ``deltanet.onnx.functions`` (``flip``, ``sign`` and the
    roundings among them): comparisons and logic (``x > 0``, ``mask == 0``, ``&``, ``~``,
    ``logical_*``, ``isnan``, ``isclose``), ``where``, ``masked_fill``, ``clamp`` with tensor
    bounds, the functional norms (``deltanet.onnx.recorders``), attention (a fully masked row as
    the model gives it) and Transformers. Initializers carry
    the ``state_dict`` names. A ``forward`` that returns a tuple, list or dict of tensors (a
    recurrent layer's ``(output, (h_n, c_n))``) gives one graph output per tensor
    (``deltanet.onnx.outputs``).

    Args:
        model: the module to export; its training mode is restored afterwards.
        path: the ``.onnx`` file to write (atomically).
        input_shape: the shape of one input batch, e.g. ``(1, 1, 28, 28)``.
        dynamic_batch: make the first axis of the input a symbolic ``N``, and each output's axis
            that follows it (the export follows it through transposes and reshapes,
            ``deltanet.onnx.batch_axis``; an operation that sums over it, slices it or needs it
            elsewhere is refused). For a sequence-first recurrent model that axis is the
            sequence's length. Without ``dynamic_axes`` it is the only dynamic axis.
        opset: the ONNX opset (>= 13; default 17).
        input_name: the name of the graph's input.
        output_name: the name of the graph's output, the prefix of its outputs' names when
            ``forward`` returns a tuple (``output_0``, ``output_1_0``, ...; a dict's keys are
            its names), or a list of names, one per output tensor.
        verify: before writing, run the graph in onnxruntime (where it is installed) on random
            inputs, of ``input_shape`` and, with ``dynamic_batch``, of other batch sizes (and three
            times each size of ``dynamic_axes``), and compare with the model's outputs (to $10^{-3}$
            of their scale); a graph that computes something else is refused instead of written.
        dynamic_axes: PyTorch's: a dict from the input's or an output's name to ``{axis: name}`` or a
            list of axes (named ``input_dynamic_axes_1``, ...), e.g. ``{"input": {0: "batch", 1:
            "time"}}`` for a batch-first LSTM, ``{"input": {0: "N", 2: "H", 3: "W"}}`` for a fully
            convolutional network. It replaces ``dynamic_batch``: the input's axis 0 is dynamic only
            if listed. The other axes are traced again at twice their size, and an operation that
            would hold such a size as a constant is refused by name (``deltanet.onnx.dynamic_axes``).
            An output's axes that follow a dynamic input axis get its name (or the name given).
        input_dtype: the dtype of the graph's input (``np.int64`` for token IDs that an ``Embedding``
            reads first), as ``torch.onnx.export`` follows its example input's dtype; default the
            model's floating dtype. An integer input is traced and verified on random integers
            from 0 to the smallest ``num_embeddings`` of the model's ``Embedding`` layers.

    Returns:
        The ``onnx.ModelProto`` that was written (it has passed ``onnx.checker.check_model``).

    Raises:
        ImportError: the ``onnx`` package is missing (``pip install 'deltanet[onnx]'``).
        ExportError: a layer or operation has no ONNX conversion, or the graph does not compute
            the model's outputs (a ``ValueError``).

    Examples:
        The export needs the ``onnx`` extra, so its lines are skipped where the doctests run:

        >>> import os, tempfile, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 8), dn.nn.ReLU(), dn.nn.Linear(8, 3))
        >>> path = os.path.join(tempfile.mkdtemp(), "mlp.onnx")
        >>> proto = dn.onnx.export(model, path, input_shape=(1, 4))  # doctest: +SKIP
        >>> [node.op_type for node in proto.graph.node]  # doctest: +SKIP
        ['Gemm', 'Relu', 'Gemm', 'Identity']
    """
    onnx = _onnx()
    if not isinstance(model, nn.Module):
        raise ExportError(f"export: expected a deltanet.nn.Module, got {type(model).__name__}")
    for where, module in model.named_modules():  # a weight computed by a parametrization or hook
        reparametrized = nn.norm_hooks.refusal(module, where, "export")
        if reparametrized is not None:
            raise ExportError(reparametrized)
    shape = _check_shape(input_shape)
    opset = check.integer(opset, "opset", "export", low=MIN_OPSET)
    floats = {p.dtype for p in model.parameters() if p.dtype.kind == "f"}
    dtype = floats.pop() if len(floats) == 1 else np.dtype(np.float32)
    given_dtype = dtype if input_dtype is None else backend.resolve_dtype(input_dtype, "export")
    given = dynamic.parse(dynamic_axes) if dynamic_axes is not None else {}
    axes = dynamic.input_axes(given, input_name, len(shape)) if dynamic_axes is not None else {}
    if dynamic_axes is None and dynamic_batch:
        axes = {0: "N"}
    elif dynamic_axes is not None and 0 in axes and not dynamic_batch:
        raise ExportError(
            f"export: dynamic_batch=False, but dynamic_axes makes the input's axis 0 dynamic ({axes[0]!r}); "
            f"give one or the other"
        )
    dynamic_batch = 0 in axes
    sizes = {axis: name for axis, name in axes.items() if axis != 0}
    # With a dynamic batch the trace runs on two samples at least: the factor N of a reshape is then seen.
    traced = (max(shape[0], 2), *shape[1:]) if dynamic_batch else shape
    trace = functools.partial(
        _trace,
        onnx,
        model,
        dynamic_batch=dynamic_batch,
        input_name=input_name,
        output_name=output_name,
        opset=opset,
        sizes=bool(sizes),
        dtype=dtype,
    )
    dtype_note = f"the graph's input is a tensor of dtype {given_dtype} (input_dtype=np.int64 for token IDs)"
    graph, outs, tracer = _traced(
        trace, np.zeros(traced, given_dtype), "zeros", f"which the export traces; {dtype_note}"
    )
    # The same trace from another input must give the same graph (verification.same_graph).
    draw = verification.Draw(model, given_dtype)
    at_random = _traced(
        trace,
        draw(np.random.default_rng(0), traced),
        draw.what,
        f"which the export traces it on to find values computed outside autograd; {dtype_note}",
    )
    verification.same_graph(graph, at_random[0])
    names = [name for name, _ in outs]
    unknown = sorted(set(given) - {input_name, *names})
    if unknown:
        raise ExportError(
            f"export: dynamic_axes names {unknown}, which are not the input's name {input_name!r} or an "
            f"output's ({names})"
        )
    changed = []  # each dynamic axis's name, its two traced sizes, and the outputs' shapes with that axis grown
    # The batch too: a constant sized by the traced batch (p.expand(x.shape[0], -1)) is refused by name.
    for axis, name in (({0: axes[0]} if dynamic_batch else {}) | sizes).items():
        bigger = dynamic.grown(traced, axis)
        twin, twin_outs, _ = _traced(
            trace,
            np.zeros(bigger, given_dtype),
            "an input",
            f"so the input's axis {axis} cannot be dynamic; "
            f"{'export with dynamic_batch=False or ' if axis == 0 else ''}leave it out of dynamic_axes",
        )
        dynamic.same_at_sizes(graph, twin, axis, name, (traced[axis], bigger[axis]))
        changed.append((name, (traced[axis], bigger[axis]), [tuple(t.shape) for _, t in twin_outs]))
    for name, out in outs:
        graph.node("Identity", [tracer.names[id(out)]], [name])
    inputs = [
        onnx.helper.make_tensor_value_info(
            input_name, graph.tensor_type(given_dtype), [axes.get(i, n) for i, n in enumerate(shape)]
        )
    ]
    dims = dynamic.output_dims([tuple(out.shape) for _, out in outs], changed, names, given)
    graph_outputs = [
        onnx.helper.make_tensor_value_info(name, graph.tensor_type(out.dtype), out_dims)
        for (name, out), out_dims in zip(outs, dims)
    ]
    nodes, initializers = _live(graph.nodes, graph.initializers, [name for name, _ in outs])
    proto_graph = onnx.helper.make_graph(nodes, type(model).__name__, inputs, graph_outputs, initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    proto = onnx.helper.make_model(
        proto_graph,
        opset_imports=[opset_id],
        producer_name="deltanet",
        ir_version=onnx.helper.find_min_ir_version_for([opset_id]),
    )
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as error:
        first = str(error).strip().splitlines()[0]
        raise ExportError(
            f"export: the graph is not valid ONNX at opset {opset}: {first} (an operator newer than the opset? "
            f"the default opset is {DEFAULT_OPSET})"
        ) from None
    data = proto.SerializeToString()
    if verify:
        flat = lambda value: [t for _, t in outputs.named(value, output_name, input_name)]  # noqa: E731
        verification.same_outputs(data, model, shape, draw, dynamic_batch, input_name, flat, tuple(sizes))
    _write(path, data)
    return proto


def _trace(
    onnx: Any,
    model: nn.Module,
    sample: np.ndarray,
    *,
    dynamic_batch: bool,
    input_name: str,
    output_name: Any,
    opset: int = DEFAULT_OPSET,
    sizes: bool = False,
    dtype: Any = None,
) -> tuple[Graph, list[tuple[str, Tensor]], Tracer]:
    """The graph of one forward pass of ``model`` (in evaluation mode) on ``sample``, and its named
    outputs; ``dtype``, the model's floating dtype (of the graph's float constants; default the sample's)."""
    graph = Graph(onnx, np.dtype(sample.dtype if dtype is None else dtype), opset)
    graph.input_name, graph.sizes, graph.batch_size = input_name, bool(sizes), sample.shape[0]
    tracer = Tracer(model, graph, dynamic_batch=bool(dynamic_batch))
    x = Tensor._make(sample)
    graph._used.add(input_name)
    tracer.bind(x, input_name)
    if dynamic_batch:
        tracer.batch[input_name], tracer.n = batch_axis.FIRST, sample.shape[0]
    with kept_modes(model), no_grad(), tracing(model, tracer):
        model.eval()
        out = model(x)
    named = outputs.named(out, output_name, input_name)
    graph._used.update(name for name, _ in named)
    for name, t in named:
        if id(t) not in tracer.names and id(t) not in tracer.poisoned:
            raise ExportError(
                f"export: the model's output '{name}' is not computed from its input by operations the export "
                f"records (.detach(), .item(), NumPy give constants), or not from its input at all"
            )
        tracer.name_of(t, "output")  # refuses an output changed in place through a view, or poisoned
    return graph, named, tracer


def _traced(trace: Any, sample: np.ndarray, what: str, why: str) -> tuple[Graph, list[tuple[str, Tensor]], Tracer]:
    """``trace`` on ``sample`` (``what``: "random normal numbers", "an input"); the model's own errors,
    whatever their type, become an ExportError that names the sample's shape, the error and ``why``
    the export ran the model on it."""
    try:
        return trace(sample)
    except ExportError:
        raise
    except Exception as error:  # the model's own errors, whatever their type
        raise ExportError(
            f"export: the model's forward fails on {what} of shape {sample.shape} ({type(error).__name__}: "
            f"{str(error)[:200]}), {why}"
        ) from None


def _live(nodes: list[Any], initializers: list[Any], output_names: list[str]) -> tuple[list[Any], list[Any]]:
    """The nodes and initializers that the outputs depend on: a forward pre-hook that computes a
    weight (pruning's mask times the original) leaves a node whose result the layer read as a constant."""
    needed, live = set(output_names), []
    for node in reversed(nodes):
        if any(name in needed for name in node.output):
            live.append(node)
            needed.update(node.input)
    return live[::-1], [i for i in initializers if i.name in needed]


def _check_shape(input_shape: Any) -> tuple[int, ...]:
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if not shape or not all(check.is_integer(n) and n >= 1 for n in shape):
        raise check.fail("export", "input_shape", "a tuple of positive ints such as (1, 4)", input_shape)
    return tuple(int(n) for n in shape)


def _write(path: Any, data: bytes) -> None:
    """Write the serialized graph atomically (``deltanet._atomic``)."""
    atomic_write_bytes(path, data)
