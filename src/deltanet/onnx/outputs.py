"""The graph outputs of a model whose ``forward`` returns several tensors.

A recurrent layer returns ``(output, (h_n, c_n))``, a detector a dict of heads. The exporter
flattens what ``forward`` returns into named tensors, one graph output each, in order:

- a tensor is one output, named ``output_name`` (``"output"`` by default);
- a tuple or list gives its items the names ``{name}_0``, ``{name}_1``, ... (nested tuples
  ``{name}_1_0``, ...); ``None`` items are left out (an ONNX graph has no empty outputs);
- a dict gives its values their keys as names (nested below a tuple: ``{name}_{key}``);
- ``output_name`` may instead be a list of names, one per flattened tensor, in this order.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd import Tensor
from deltanet.onnx.converters import ExportError


def flatten(value: Any, prefix: str, top: bool = True) -> list[tuple[str, Any]]:
    """``value``'s tensors with their default names, in order (``None`` items left out).

    Raises:
        ExportError: ``value`` holds something other than tensors, tuples, lists, dicts and None.
    """
    if isinstance(value, Tensor):
        return [(prefix, value)]
    if isinstance(value, (tuple, list)):
        return [
            pair for i, item in enumerate(value) if item is not None for pair in flatten(item, f"{prefix}_{i}", False)
        ]
    if isinstance(value, dict):
        return [
            pair
            for key, item in value.items()
            if item is not None
            for pair in flatten(item, str(key) if top else f"{prefix}_{key}", False)
        ]
    raise ExportError(
        f"export: the model's forward must return a tensor, or a tuple, list or dict of tensors; it returned "
        f"a {type(value).__name__} at '{prefix}'"
    )


def named(value: Any, output_name: Any, input_name: str) -> list[tuple[str, Any]]:
    """The flattened outputs of ``value`` with their graph names (``output_name`` a str or a list of names).

    Raises:
        ExportError: a name is repeated or is the input's, or a list of names has another length.
    """
    if isinstance(output_name, str):
        pairs = flatten(value, output_name)
    else:
        names = [str(n) for n in output_name]
        tensors = [t for _, t in flatten(value, "output")]
        if len(names) != len(tensors):
            raise ExportError(
                f"export: output_name lists {len(names)} names, but the model's forward returns {len(tensors)} tensors"
            )
        pairs = list(zip(names, tensors))
    names = [n for n, _ in pairs]
    if not pairs:
        raise ExportError("export: the model's forward returned no tensor")
    if len(set(names)) != len(names) or input_name in names:
        raise ExportError(
            f"export: the output names {names} must be distinct and differ from the input's {input_name!r}"
        )
    return pairs
