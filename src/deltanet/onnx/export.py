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
- a module of the user's (a custom ``forward``) is traced through, whether it has sub-modules
  or not; a layer of deltanet's own without a converter, or an operation without an ONNX
  counterpart, stops the export with an ``ExportError`` naming it.

Tensors the trace has not seen (the model's parameters used directly in a custom ``forward``,
Python numbers) become initializers: constants of the graph. So a ``forward`` whose *structure*
depends on the data (a branch on a value) is exported as the branch that the zero input took.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import nn
from deltanet._atomic import atomic_write_bytes
from deltanet.autograd import Function, Tensor, inplace, no_grad
from deltanet.nn.modes import kept_modes
from deltanet.onnx import functions, verification
from deltanet.onnx.converters import ExportError, converter_for

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


class _Tracer:
    """Records leaf layers and free-standing Functions of one forward pass into a Graph."""

    def __init__(self, model: nn.Module, graph: Graph, dynamic_batch: bool = True) -> None:
        self.graph = graph
        self.dynamic_batch = dynamic_batch
        self.names: dict[int, str] = {}
        self.versions: dict[int, int] = {}  # each traced tensor's _version when it got its name
        self.keep: list[Any] = []  # tensors stay alive, so their ids stay unique
        self.inside = 0
        self.where: list[str] = []
        self.paths = {id(m): path for path, m in model.named_modules()}
        self.parameter_names = {id(p): name for name, p in model.named_parameters()}

    def bind(self, tensor: Any, name: str) -> None:
        self.names[id(tensor)] = name
        self.versions[id(tensor)] = tensor._version
        self.keep.append(tensor)

    def name_of(self, value: Any, hint: str) -> str:
        """The value name of a traced tensor; anything else becomes an initializer."""
        if isinstance(value, Tensor) and id(value) in self.names:
            if value._version != self.versions[id(value)]:
                raise ExportError(
                    f"export: in the forward of '{self.where[-1] if self.where else 'the model'}', a tensor of "
                    f"shape {value.shape} was changed in place through a view of it (v = x[0]; v.mul_(2)) or of "
                    f"its base, which the export cannot follow; write it out of place (x = x * 2)"
                )
            return self.names[id(value)]
        if isinstance(value, Tensor):
            hint = self.parameter_names.get(id(value), hint)
            array = value.data
        else:
            array = np.asarray(value)
        if array.dtype.kind == "f":
            array = array.astype(self.graph.dtype)
        name = self.graph.initializer(hint, array)
        if isinstance(value, Tensor):
            self.bind(value, name)
        return name

    # -- layers ------------------------------------------------------------------------------
    def wrap(self, module: nn.Module) -> None:
        original = module.forward
        path = self.paths[id(module)] or type(module).__name__
        convert = converter_for(module)
        # A layer of deltanet's own without a converter is refused by name; a module of the user's
        # (a custom forward, with or without sub-modules) is traced through, its Functions converted.
        leaf = convert is not None or (not module._modules and type(module).__module__.startswith("deltanet."))

        def forward(*args: Any, **kwargs: Any) -> Any:
            if self.inside:
                return original(*args, **kwargs)
            if not leaf:
                self.where.append(path)
                try:
                    return original(*args, **kwargs)
                finally:
                    self.where.pop()
            if convert is None:
                raise ExportError(
                    f"cannot export layer '{path}' ({type(module).__name__}): it has no ONNX "
                    f"conversion (see deltanet.onnx.converters.CONVERTERS for the layers that do)"
                )
            if len(args) != 1 or kwargs or not isinstance(args[0], Tensor):
                raise ExportError(f"cannot export layer '{path}': expected one tensor argument")
            x = args[0]
            src = self.name_of(x, f"{path}.input")
            self.inside += 1
            try:
                out = original(x)
            finally:
                self.inside -= 1
            dst = self.graph.fresh(f"{path}.output")
            try:
                convert(self.graph, module, path, x, src, dst)
            except ExportError:
                raise
            except ValueError as error:
                raise ExportError(f"cannot export layer '{path}' ({type(module).__name__}): {error}") from None
            self.bind(out, dst)
            return out

        object.__setattr__(module, "forward", forward)

    # -- free-standing functions ---------------------------------------------------------------
    def function(self, cls: type, inputs: tuple, options: dict[str, Any], out: Tensor) -> None:
        where = self.where[-1] if self.where else "the model"
        hint = f"{where}.{cls.__name__.lower()}"
        names = [self.name_of(t, f"{hint}.const") for t in inputs]
        call = functions.Call(inputs, names, options, out, self.graph.fresh(hint), hint, self.dynamic_batch)
        try:
            functions.convert(self.graph, cls, call)
        except functions.Unconvertible as why:
            raise ExportError(
                f"cannot export the operation {cls.__name__} in the forward of '{where}': {why} (see "
                f"deltanet.onnx.functions.FUNCTIONS for the operations that convert)"
            ) from None
        self.bind(out, call.dst)


@contextmanager
def _tracing(model: nn.Module, tracer: _Tracer) -> Iterator[None]:
    original_apply = Function.__dict__["apply"]

    def apply(cls: type, *inputs: Any, **options: Any) -> Any:
        out = original_apply.__func__(cls, *inputs, **options)
        if not tracer.inside:
            tracer.function(cls, inputs, options, out)
        return out

    original_inplace = inplace._apply

    def in_place(t: Tensor, others: tuple, owner: str, fast: Any, compute: Any) -> Tensor:
        # out += x on a traced tensor (not a view): the out-of-place result, recorded as the
        # Functions of compute, is written into t, which takes the result's value name.
        if tracer.inside or id(t) not in tracer.names or t._base is not None:
            return original_inplace(t, others, owner, fast, compute)
        result = compute(t)
        inplace._write(t, result.data, owner)
        inplace._edited(t)
        tracer.bind(t, tracer.name_of(result, f"{owner}.result"))
        return t

    modules = list(model.modules())
    try:
        for m in modules:
            tracer.wrap(m)
        # Patched while tracing, restored in the finally below.
        Function.apply = classmethod(apply)  # type: ignore[assignment]
        inplace._apply = in_place
        yield
    finally:
        Function.apply = original_apply  # type: ignore[method-assign]
        inplace._apply = original_inplace
        for m in modules:
            m.__dict__.pop("forward", None)


def export(
    model: nn.Module,
    path: Any,
    input_shape: Any,
    dynamic_batch: bool = True,
    opset: int = DEFAULT_OPSET,
    input_name: str = "input",
    output_name: str = "output",
    verify: bool = True,
) -> Any:
    r"""Write ``model`` (in evaluation mode) as an ONNX model file that onnxruntime can run.

    The graph comes from tracing one forward pass on a zero input (see the module docstring);
    layers become their ONNX operators: Linear → Gemm, Conv/ConvTranspose → Conv/ConvTranspose
    (stride, padding, dilation, groups, output_padding), max/average pooling → MaxPool/AveragePool
    (``count_include_pad``), adaptive/global average pooling → GlobalAveragePool (or AveragePool
    when the windows are equal), BatchNorm → BatchNormalization with the running statistics,
    activations → Sigmoid, Tanh, Relu, LeakyRelu, PRelu, Elu, Softplus, $x \cdot \sigma(x)$ for SiLU,
    Softmax, LogSoftmax; Dropout → Identity; Flatten → Flatten/Reshape; Upsample → Resize;
    LocalResponseNorm → LRN (odd sizes); ``dn.cat`` → Concat; the functions a custom ``forward``
    calls as in ``deltanet.onnx.functions``. Initializers carry the ``state_dict`` names.

    Args:
        model: the module to export; its training mode is restored afterwards.
        path: the ``.onnx`` file to write (atomically).
        input_shape: the shape of one input batch, e.g. ``(1, 1, 28, 28)``.
        dynamic_batch: make the first axis of input and output a symbolic ``N`` (an operation
            that moves, removes or resizes that axis is then refused).
        opset: the ONNX opset (>= 13; default 17).
        input_name, output_name: the names of the graph's input and output.
        verify: before writing, run the graph in onnxruntime (where it is installed) on random
            inputs, of ``input_shape`` and, with ``dynamic_batch``, of one more sample, and
            compare with the model's outputs (to $10^{-3}$ of their scale); a graph that computes
            something else is refused instead of written.

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
    graph, out, tracer = _trace(onnx, model, np.zeros(shape, dtype), dynamic_batch, input_name, output_name, opset)
    # The same trace from another input must give the same graph (verification.same_graph).
    other = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    verification.same_graph(graph, _trace(onnx, model, other, dynamic_batch, input_name, output_name, opset)[0])
    graph.node("Identity", [tracer.names[id(out)]], [output_name])
    batch: Any = "N" if dynamic_batch else shape[0]
    tensor_type = graph.tensor_type(dtype)
    inputs = [onnx.helper.make_tensor_value_info(input_name, tensor_type, [batch, *shape[1:]])]
    out_shape = [batch if dynamic_batch else out.shape[0], *out.shape[1:]] if out.ndim else []
    outputs = [onnx.helper.make_tensor_value_info(output_name, tensor_type, out_shape)]
    nodes, initializers = _live(graph.nodes, graph.initializers, output_name)
    proto_graph = onnx.helper.make_graph(nodes, type(model).__name__, inputs, outputs, initializers)
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
        verification.same_outputs(data, model, shape, dtype, dynamic_batch, input_name)
    _write(path, data)
    return proto


def _trace(
    onnx: Any,
    model: nn.Module,
    sample: np.ndarray,
    dynamic_batch: bool,
    input_name: str,
    output_name: str,
    opset: int = DEFAULT_OPSET,
) -> tuple[Graph, Tensor, _Tracer]:
    """The graph of one forward pass of ``model`` (in evaluation mode) on ``sample``, and its output."""
    graph = Graph(onnx, sample.dtype, opset)
    tracer = _Tracer(model, graph, dynamic_batch=bool(dynamic_batch))
    x = Tensor._make(sample)
    graph._used.update({input_name, output_name})
    tracer.bind(x, input_name)
    with kept_modes(model), no_grad(), _tracing(model, tracer):
        model.eval()
        out = model(x)
    if not isinstance(out, Tensor) or id(out) not in tracer.names:
        raise ExportError("export: the model's forward must return a tensor computed from its input")
    tracer.name_of(out, "output")  # refuses an output changed in place through a view
    return graph, out, tracer


def _live(nodes: list[Any], initializers: list[Any], output_name: str) -> tuple[list[Any], list[Any]]:
    """The nodes and initializers that the output depends on: a forward pre-hook that computes a
    weight (pruning's mask times the original) leaves a node whose result the layer read as a constant."""
    needed, live = {output_name}, []
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
