r"""``summary``: the layers of a model, their output shapes and parameter counts, from one forward
pass; and ``recording``, the forward-pass recorder that it (and the diagnostics) rest on.

The seeds count parameters to argue for convolutions ([Desrosiers 2024]): a fully connected layer
from a 28×28 image to 10 classes has $28 \cdot 28 \cdot 10 + 10 = 7850$ parameters, from a
256×256 image 655,370, and from a 256×256×256 volume 167,772,170 (the deck's "160M"); a 3×3
convolution has 9 weights whatever the image size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, no_grad
from deltanet.nn.modes import kept_modes
from deltanet.nn.module import Module


class LayerRecord(NamedTuple):
    """One call of a leaf module during a recorded forward pass."""

    name: str
    module: Module
    output: Any


def _inside_parametrizations(model: Module) -> set[int]:
    """The ids of the modules held in a ``parametrizations`` dict (``torch.nn.utils.parametrize``):
    they compute a layer's weight, not an output, and belong to that layer's row."""
    return {
        id(m)
        for _, layer in model.named_modules()
        if "parametrizations" in layer._modules and hasattr(type(layer), "_deltanet_parametrized")
        for m in layer._modules["parametrizations"].modules()
    }


def _own_parameters(module: Module) -> list[Any]:
    """The layer's parameters, a parametrized weight's originals included."""
    own = [p for p in module._parameters.values() if p is not None]
    if hasattr(type(module), "_deltanet_parametrized") and "parametrizations" in module._modules:
        own += module._modules["parametrizations"].parameters()
    return own


def _leaf_modules(model: Module) -> list[tuple[str, Module]]:
    """Modules without children (the layers proper; a parametrized layer's parametrizations do not
    count), and the model itself when it has none."""
    skip = _inside_parametrizations(model)
    return [
        (name, m)
        for name, m in model.named_modules()
        if id(m) not in skip
        and not (set(m._modules) - ({"parametrizations"} if hasattr(type(m), "_deltanet_parametrized") else set()))
    ]


@contextlib.contextmanager
def recording(model: Module) -> Iterator[list[LayerRecord]]:
    """Record the output of every leaf module called in the ``with`` block, in call order.

    Each leaf module's ``forward`` is wrapped on the instance for the duration of the block and
    restored afterwards (also on an error); nothing is recorded outside the block, so training
    pays nothing for it.

    Args:
        model: the module whose leaf layers to watch.

    Yields:
        A list that fills with ``LayerRecord`` ``(name, module, output)`` as layers run.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.summary import recording
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 3), dn.nn.ReLU())
        >>> with recording(model) as records:
        ...     _ = model(dn.tensor([[1.0, 2.0, 3.0, 4.0]]))
        >>> [(r.name, r.output.shape) for r in records]
        [('0', (1, 3)), ('1', (1, 3))]
    """
    records: list[LayerRecord] = []
    patched: list[Module] = []

    def wrap(name: str, module: Module) -> Any:
        forward = type(module).forward

        def recorded_forward(*args: Any, **kwargs: Any) -> Any:
            out = forward(module, *args, **kwargs)
            records.append(LayerRecord(name, module, out))
            return out

        return recorded_forward

    try:
        for name, module in _leaf_modules(model):
            if "forward" in module.__dict__:  # already wrapped (nested recording) or user-patched
                continue
            object.__setattr__(module, "forward", wrap(name, module))
            patched.append(module)
        yield records
    finally:
        for module in patched:
            module.__dict__.pop("forward", None)


class SummaryRow(NamedTuple):
    """One layer of a ``ModelSummary``."""

    name: str
    type: str
    output_shape: tuple[int, ...] | None  # per sample (no batch axis); None when not run
    params: int
    trainable: int


class ModelSummary:
    """The table that ``summary`` returns; ``str()`` (or ``print``) lays it out.

    Attributes:
        rows: one ``SummaryRow`` per layer, in the order of the forward pass (layers that
            did not run, or that ran without an input shape, come last with no output shape).
        total_params, trainable_params: counts over ``model.parameters()``, each shared
            parameter once.
        input_shape: the per-sample input shape used, or None.
    """

    def __init__(self, rows: list[SummaryRow], total: int, trainable: int, input_shape: Any) -> None:
        self.rows = rows
        self.total_params = total
        self.trainable_params = trainable
        self.input_shape = input_shape

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (for the run folder and the report)."""
        return {
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "layers": [
                {
                    "name": r.name,
                    "type": r.type,
                    "output_shape": None if r.output_shape is None else list(r.output_shape),
                    "params": r.params,
                    "trainable": r.trainable,
                }
                for r in self.rows
            ],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
        }

    def __str__(self) -> str:
        def shape(s: Any) -> str:
            return "-" if s is None else "(" + ", ".join(["N", *map(str, s)]) + ")"

        table = [("Layer", "Type", "Output shape", "Params")]
        table += [(r.name or "(model)", r.type, shape(r.output_shape), f"{r.params:,}") for r in self.rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        line = "-" * (sum(widths) + 6)

        def fmt(row: tuple[str, str, str, str]) -> str:
            return f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]:>{widths[3]}}"

        lines = [
            fmt(table[0]),
            line,
            *(fmt(row) for row in table[1:]),
            line,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
        ]
        return "\n".join(lines)

    __repr__ = __str__


def _model_dtype(model: Module) -> np.dtype:
    for p in model.parameters():
        return p.array.dtype
    return backend.DEFAULT_DTYPE


def summary(model: Module, input_shape: Any = None, dtype: Any = None) -> ModelSummary:
    r"""List the layers of ``model`` with their output shapes and parameter counts.

    One forward pass on a batch of one zero sample, in evaluation mode and without a graph, gives
    the output shapes; without ``input_shape`` only the parameters are counted (no forward pass:
    useful for a layer too big to run). A layer's count is that of the parameters it owns itself
    (a ``Linear(in, out)`` has $\text{in} \cdot \text{out} + \text{out}$).

    Args:
        model: a ``deltanet.nn.Module``.
        input_shape: the shape of one sample, without the batch axis: ``(784,)``, ``(1, 28, 28)``.
        dtype: dtype of the zero input (default: that of the model's parameters).

    Returns:
        A ``ModelSummary``; print it for the table.

    Raises:
        ValueError: ``input_shape`` is not a tuple of positive integers, or does not fit the model.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.summary import summary
        >>> model = dn.nn.Sequential(dn.nn.Flatten(), dn.nn.Linear(28 * 28, 10))
        >>> print(summary(model, (1, 28, 28)))
        Layer  Type     Output shape  Params
        ------------------------------------
        0      Flatten  (N, 784)           0
        1      Linear   (N, 10)        7,850
        ------------------------------------
        Total params: 7,850
        Trainable params: 7,850
        Non-trainable params: 0
    """
    if not isinstance(model, Module):
        raise ValueError(f"summary expects a deltanet.nn.Module, got {type(model).__name__}")
    if input_shape is not None:
        if isinstance(input_shape, (int, np.integer)):
            input_shape = (input_shape,)
        try:
            input_shape = tuple(input_shape)
        except TypeError:
            raise ValueError(f"summary: input_shape must be a tuple such as (784,), got {input_shape!r}") from None
        if not all(check.is_integer(d) and d > 0 for d in input_shape):
            raise check.fail(
                "summary", "input_shape", "a tuple of positive integers (one sample, no batch axis)", input_shape
            )
        input_shape = tuple(int(d) for d in input_shape)

    shapes: dict[int, tuple[int, ...] | None] = {}
    order: list[tuple[str, Module]] = []
    if input_shape is not None:
        x = Tensor._make(np.zeros((1, *input_shape), dtype=np.dtype(dtype) if dtype else _model_dtype(model)))
        modes = kept_modes(model)
        model.eval()
        try:
            with no_grad(), recording(model) as records:
                model(x)
        except ValueError as error:
            raise ValueError(
                f"summary: an input of shape {input_shape} (per sample) does not fit the model: {error}"
            ) from None
        finally:
            modes.restore()  # every module's own mode, not the model's
        for record in records:
            if id(record.module) not in shapes:
                out = record.output
                shapes[id(record.module)] = tuple(out.shape[1:]) if isinstance(out, Tensor) else None
                order.append((record.name, record.module))

    seen = {id(m) for _, m in order} | _inside_parametrizations(model)
    for name, module in model.named_modules():
        if id(module) in seen:
            continue
        if not module._modules or _own_parameters(module):
            order.append((name, module))
            seen.add(id(module))

    rows = []
    for name, module in order:
        own = _own_parameters(module)
        rows.append(
            SummaryRow(
                name,
                type(module).__name__,
                shapes.get(id(module)),
                int(sum(p.array.size for p in own)),
                int(sum(p.array.size for p in own if p.requires_grad)),
            )
        )
    params = model.parameters()
    total = int(sum(p.array.size for p in params))
    trainable = int(sum(p.array.size for p in params if p.requires_grad))
    return ModelSummary(rows, total, trainable, input_shape)


def _summary_method(self: Module, input_shape: Any = None) -> ModelSummary:
    """Layers, output shapes and parameter counts (see ``deltanet.nn.summary.summary``).

    Args:
        input_shape: the shape of one sample, without the batch axis, e.g. ``(784,)``; None
            counts the parameters only.

    Returns:
        A ``ModelSummary``; print it for the table.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.Sequential(dn.nn.Linear(784, 10)).summary().total_params
        7850
    """
    return summary(self, input_shape)


# ``model.summary()``: installed on Module here, so that module.py never imports this file (which
# imports it), as Chainer installs Variable's operators from the module that defines them.
_summary_method.__name__, _summary_method.__qualname__ = "summary", "Module.summary"
Module.summary = _summary_method


__all__ = ["LayerRecord", "ModelSummary", "SummaryRow", "recording", "summary"]
