r"""Two guards between a traced ONNX graph and the file: it must compute what the model computes.

The trace (``deltanet.onnx.export``) sees what autograd records, and each converter is tested
against onnxruntime; what neither can see is caught here, before anything is written:

- ``same_graph``: the model traced on zeros and on random numbers must give the same nodes and
  constants (a value computed from the input outside autograd, or a branch on its values);
- ``same_outputs``: onnxruntime, where installed, runs the graph on random inputs (the traced
  batch size and one more) and must give the model's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from deltanet import nn
from deltanet.autograd import Tensor, no_grad
from deltanet.nn.modes import kept_modes
from deltanet.onnx.converters import ExportError


def same_graph(graph: Any, other: Any) -> None:
    """Refuse a graph that another input would have made differently.

    The trace sees only the operations that autograd records. A value computed from the input
    by anything else (``x.detach()``, ``x.array``, ``x.item()``, NumPy, random numbers; comparisons,
    ``clamp`` with tensor bounds and ``isclose`` are recorded, ``deltanet.onnx.recorders``) reaches the graph
    as a constant, the value it had for the traced input; a branch on the input's values records
    one path. Either would make a graph that computes something else than the model, silently,
    so the model is traced twice (zeros, then random numbers) and the two graphs must have the
    same nodes, attributes and constants (``first_difference``).
    """
    difference = first_difference(graph, other)
    if difference is None:
        return
    if difference.kind == "operators":
        raise ExportError(
            "export: the model's forward runs other operations for another input (a branch on the "
            "input's values?); an ONNX graph holds one path"
        )
    what = f"the value '{difference.name}'"
    if difference.kind == "attribute":
        what = f"the attribute {difference.name!r} of {difference.node}"
    raise ExportError(
        f"export: {what} depends on the model's input, but it was computed by "
        f"an operation that the trace does not record (.detach(), .data, .item(), NumPy, random "
        f"numbers), so the graph would hold it as a "
        f"constant; compute it with differentiable operations or layers"
    )


class Difference(NamedTuple):
    """Where two traces of one model differ: ``kind`` is "operators", "attribute" or "constant";
    ``name`` the attribute's or constant's name; ``node`` the node (or reader) it belongs to, as
    "a Reshape node"; ``first``, ``second`` what each trace has there."""

    kind: str
    name: str
    node: str
    first: Any
    second: Any


def first_difference(graph: Any, other: Any) -> Difference | None:
    """The first difference between two traces of one model, or None where they are the same graph.

    One rule: the same operators in the same order, the same attributes on each node, and the
    same value for each constant that a node reads (a constant no node reads is left out of the
    file, so it may differ).
    """
    kinds = [node.op_type for node in graph.nodes], [node.op_type for node in other.nodes]
    if kinds[0] != kinds[1]:
        at = next((i for i, (a, b) in enumerate(zip(*kinds)) if a != b), min(map(len, kinds)))
        first, second = (k[at] if at < len(k) else "nothing" for k in kinds)
        return Difference("operators", "", "", first, second)
    for node, twin in zip(graph.nodes, other.nodes):
        for attribute, attribute_twin in zip(node.attribute, twin.attribute):
            if attribute != attribute_twin:
                where = f"a {node.op_type} node (named {node.name!r})"
                return Difference("attribute", attribute.name, where, attribute, attribute_twin)
    to_array = graph.onnx.numpy_helper.to_array
    readers: dict[str, str] = {}  # each value name's first reader
    for node in graph.nodes:
        for name in node.input:
            readers.setdefault(name, f"a {node.op_type} node")
    for constant, constant_twin in zip(graph.initializers, other.initializers):
        if constant.name not in readers:
            continue
        a, b = to_array(constant), to_array(constant_twin)
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            return Difference("constant", constant.name, readers[constant.name], a, b)
    return None


class Draw:
    """Random inputs of the graph's input dtype: standard normal numbers for a float input, random
    bools, or integers from 0 to the smallest ``num_embeddings`` of the model's ``Embedding`` layers
    (token IDs; 0 to 100 without one). ``what`` says which, for messages."""

    def __init__(self, model: nn.Module, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        vocabularies = [m.num_embeddings for m in model.modules() if isinstance(m, nn.Embedding)]
        self.high = min(vocabularies, default=100)
        self.what = "random normal numbers"
        if self.dtype == np.bool_:
            self.what = "random bools"
        elif self.dtype.kind in "iu":
            self.what = f"random integers from 0 to {self.high - 1}"

    def __call__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        if self.dtype == np.bool_:
            return rng.random(shape) < 0.5
        if self.dtype.kind in "iu":
            return rng.integers(0, self.high, size=shape).astype(self.dtype)
        return rng.standard_normal(shape).astype(self.dtype)


def same_outputs(
    data: bytes,
    model: nn.Module,
    shape: tuple[int, ...],
    draw: Draw,
    dynamic_batch: bool,
    name: str,
    flatten: Callable[[Any], list[Any]] | None = None,
    sizes: tuple[int, ...] = (),
) -> None:
    """Refuse a graph whose onnxruntime outputs differ from the model's (nothing to do without onnxruntime).

    A last guard behind the converters: each is tested against onnxruntime, but a layer setting
    that a converter reads wrongly would otherwise give a file that runs and computes something
    else. Random inputs of ``shape`` and, with a dynamic batch, of one more sample (a size the
    trace never saw) go through both; they must agree to $10^{-3}$ of the outputs' largest value.
    ``draw`` gives the random inputs (of the input's dtype); ``flatten`` the model's output tensors
    in the graph's order (default: one tensor).
    """
    try:
        import onnxruntime
    except ImportError:
        return
    try:
        session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's own exception types
        raise ExportError(f"export: onnxruntime cannot load the graph: {str(error).strip()[:300]}") from None
    rng = np.random.default_rng(1)
    # (shape, whether the model may refuse it): one more size of a dynamic axis (odd after even) is
    # tried where the model takes it, since a forward may branch on a size's parity
    tried = [(shape, False), *([((shape[0] + 1, *shape[1:]), False)] if dynamic_batch else [])]
    for axis in sizes:
        for grown, optional in ((shape[axis] * 3, False), (shape[axis] + 1, True)):
            tried.append((tuple(grown if i == axis else n for i, n in enumerate(shape)), optional))
    with kept_modes(model):
        model.eval()
        for one, optional in tried:
            x = draw(rng, one)
            with no_grad():
                try:
                    out = model(Tensor._make(x.copy()))
                except Exception as error:  # the model's own errors, whatever their type
                    if optional:
                        continue
                    at = ", a size of its dynamic axes" if one != shape else ""
                    raise ExportError(
                        f"export: the model's forward fails on {draw.what} of shape {one} "
                        f"({type(error).__name__}: {str(error)[:200]}), on which the export verifies the graph{at}"
                    ) from None
            expected_all = [t.array for t in flatten(out)] if flatten is not None else [out.array]
            try:
                got_all = session.run(None, {name: x})
            except Exception as error:  # onnxruntime's own exception types
                raise ExportError(
                    f"export: onnxruntime cannot run the graph on random inputs of shape {x.shape}: "
                    f"{str(error).strip()[:300]}"
                ) from None
            for got, expected in zip(got_all, expected_all, strict=True):
                _compare(got, expected, x.shape, shape if sizes else None)


def _compare(got: np.ndarray, expected: np.ndarray, shape: tuple, traced: tuple | None = None) -> None:
    """Refuse an output of onnxruntime that differs from the model's (to 1e-3 of the largest finite
    value; infinities and NaN where the model has them; bools and integers exactly); ``traced``, the
    input's traced shape where it has dynamic axes besides the batch."""
    if expected.dtype == np.bool_ or expected.dtype.kind in "iu":
        same = got.shape == expected.shape and np.array_equal(got, expected)
    else:  # the scale of the finite values (an infinity would make any output pass); NaN where the model has NaN
        scale = float(np.max(np.abs(expected[np.isfinite(expected)]), initial=1.0))
        same = got.shape == expected.shape and bool(
            np.allclose(got, expected, rtol=1e-3, atol=1e-3 * scale, equal_nan=True)
        )
    if not same:
        differs = got.shape == expected.shape and expected.dtype.kind == "f"
        with np.errstate(invalid="ignore"):  # inf - inf
            worst = float(np.nanmax(np.abs(got - expected), initial=0.0)) if differs else float("nan")
        why = "please report this model (a converter reads a setting wrongly)"
        if traced is not None and shape[1:] != traced[1:]:
            why = (
                f"the trace saw the input's shape {traced}: does the forward branch on a size of a dynamic axis, "
                f"or compute a size from it (x.shape), for this size? leave that axis out of dynamic_axes"
            )
        raise ExportError(
            f"export: the graph does not compute the model's outputs (onnxruntime against deltanet on "
            f"random inputs of shape {shape}: output shapes {got.shape} and {expected.shape}, largest "
            f"difference {worst:.3g}); {why}"
        )
