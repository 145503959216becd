"""Saved dicts (``dn.save(model.state_dict(), path)``): arrays, numbers and strings in nested dicts
and lists, as PyTorch checkpoints hold them, in the same safe zip of JSON and ``.npy``.

What can be saved: NumPy arrays and scalars, ``dn.Tensor`` and ``nn.Parameter`` (their data and
``requires_grad``), PyTorch tensors (saved as their NumPy arrays), None, booleans, ints, floats
(NaN and infinities included), strings, and lists, tuples, dicts and ``OrderedDict``s of them, with
str or int keys. So ``model.state_dict()``, ``optimizer.state_dict()`` and a checkpoint such as
``{"model": ..., "optimizer": ..., "epoch": 3}`` all round-trip, types included: ``load`` gives
back an ``OrderedDict`` for an ``OrderedDict``, an int key for an int key, a tuple for a tuple, a
``Tensor`` for a ``Tensor`` (a model's ``state_dict()`` comes back as tensors, as from ``torch.load``).
Arrays come back writable, in little-endian byte order.

The file (config.json ``version`` 2, ``"content": "state"``):

```text
config.json      {"format": "deltanet", "version": 2, "content": "state", "state": <value>,
                  "arrays": [{"shape": [...], "dtype": "float32"}, ...], "deltanet_version": ...}
arrays/<i>.npy   the i-th array, in the order the arrays appear in <value>
manifest.json    every other member's size and SHA-256
```

``<value>`` is JSON: null, true/false, a string, a finite number, or one of the objects
``{"list": [...]}``, ``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}``,
``{"OrderedDict": [[key, value], ...]}``, ``{"float": "nan" | "inf" | "-inf"}``,
``{"array": i, "as": "ndarray" | "scalar" | "Tensor" | "Parameter", "requires_grad": bool}``.
Reading checks the declared shape and dtype of every array, and that their bytes fit in the file,
before any array is read.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.autograd import Tensor
from deltanet.io import npy
from deltanet.io.archive import CONFIG, FORMAT, MANIFEST, Archive
from deltanet.io.errors import CheckpointError

VERSION = 2
CONTENT = "state"
_FIELDS = {"format", "version", "deltanet_version", "content", "state", "arrays"}
_MAX_DEPTH = 64
_KINDS = ("ndarray", "scalar", "Tensor", "Parameter")
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
WHAT_CAN_BE_SAVED = (
    "dn.save saves a Module (the whole model), or a value made of arrays (NumPy, dn.Tensor, "
    "nn.Parameter, PyTorch tensors), None, booleans, numbers, strings, and lists, tuples and dicts "
    "(str or int keys) of them, such as model.state_dict() or "
    '{"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}'
)


# -- saving ------------------------------------------------------------------------------------
def encode(value: Any) -> tuple[dict[str, Any], list[tuple[str, np.ndarray]]]:
    """config.json of a state file for ``value``, and its arrays as (member name, array)."""
    arrays: list[np.ndarray] = []
    tree = _encode(value, "obj", arrays, 0)
    declared = [{"shape": list(a.shape), "dtype": a.dtype.name} for a in arrays]
    config = {"format": FORMAT, "version": VERSION, "content": CONTENT, "state": tree, "arrays": declared}
    return config, [(f"arrays/{i}.npy", a) for i, a in enumerate(arrays)]


def _encode(value: Any, where: str, arrays: list[np.ndarray], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise CheckpointError(
            f"cannot save: {where} is nested deeper than {_MAX_DEPTH} (a list or dict that holds itself?)"
        )
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # (a numpy.str_ too)
    if isinstance(value, np.generic):  # before int and float: numpy.float64 is a float
        return _array(np.asarray(value), where, arrays, "scalar")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, nn.Parameter) else "Tensor"
        node = _array(value.array, where, arrays, kind)
        node["requires_grad"] = bool(value.requires_grad)
        return node
    if isinstance(value, np.ndarray) and not isinstance(value, np.ma.MaskedArray):
        return _array(value, where, arrays, "ndarray")
    if _is_torch_tensor(value):
        return _array(_torch_to_numpy(value, where), where, arrays, "ndarray")
    if isinstance(value, (list, tuple)):
        tag = "tuple" if isinstance(value, tuple) else "list"
        return {tag: [_encode(v, f"{where}[{i}]", arrays, depth + 1) for i, v in enumerate(value)]}
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise CheckpointError(f"cannot save: {where} has a key {key!r:.60}; dict keys must be str or int")
            encoded = _encode(item, f"{where}[{key!r}]", arrays, depth + 1)
            pairs.append([key if isinstance(key, str) else int(key), encoded])
        return {("OrderedDict" if isinstance(value, OrderedDict) else "dict"): pairs}
    raise CheckpointError(f"cannot save: {where} is {_describe(value)}. {WHAT_CAN_BE_SAVED}")


def _describe(value: Any) -> str:
    if isinstance(value, nn.Module):
        return f"a {type(value).__name__} module: put model.state_dict() in it instead (or save the module alone)"
    if hasattr(value, "state_dict") and hasattr(value, "param_groups"):
        return f"a {type(value).__name__} optimizer: put optimizer.state_dict() in it instead"
    if isinstance(value, np.ndarray):
        return f"a {type(value).__name__} (masked arrays are not saved: save .data and .mask)"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _array(array: np.ndarray, where: str, arrays: list[np.ndarray], kind: str) -> dict[str, Any]:
    if array.dtype.kind not in "biuf" or array.dtype.hasobject or array.dtype.fields is not None:
        raise CheckpointError(f"cannot save: {where} has dtype {array.dtype}; only arrays of numbers are saved")
    if array.dtype.name not in npy.DTYPES:
        raise CheckpointError(f"cannot save: {where} has dtype {array.dtype}, expected one of {sorted(npy.DTYPES)}")
    arrays.append(array.astype(array.dtype.newbyteorder("<"), copy=False))
    return {"array": len(arrays) - 1, "as": kind}


def _is_torch_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and all(
        hasattr(value, name) for name in ("detach", "cpu", "numpy")
    )


def _torch_to_numpy(value: Any, where: str) -> np.ndarray:
    try:
        return np.asarray(value.detach().cpu().numpy())
    except (TypeError, RuntimeError) as error:  # bfloat16, a sparse or quantized tensor...
        raise CheckpointError(
            f"cannot save: {where} is a PyTorch tensor that NumPy cannot hold ({error}); convert it "
            f"first, e.g. tensor.float()"
        ) from None


# -- loading -----------------------------------------------------------------------------------
def decode(archive: Archive, config: dict[str, Any]) -> Any:
    """The value a state file holds, every check done before its arrays are read."""
    unknown = sorted(set(config) - _FIELDS)
    if unknown:
        raise CheckpointError(f"{CONFIG}: unknown field(s) {[u[:40] for u in unknown[:5]]}")
    for required in ("content", "state", "arrays"):
        if required not in config:
            raise CheckpointError(f"{CONFIG}: field {required!r} is missing")
    if config["content"] != CONTENT:
        raise CheckpointError(f"{CONFIG}: content {config['content']!r:.80}, expected {CONTENT!r}")
    specs = _array_specs(config["arrays"], archive.file_size)
    present = {}
    for name in archive.infos:
        if name in (CONFIG, MANIFEST):
            continue
        index = _member_index(name)
        if index is None or index >= len(specs):
            raise CheckpointError(f"member {name!r}: unexpected (not an array listed in {CONFIG})")
        present[index] = name
    missing = [i for i in range(len(specs)) if i not in present]
    if missing:
        raise CheckpointError(f"member 'arrays/{missing[0]}.npy' is missing (listed in {CONFIG})")
    used: set[int] = set()
    structure = _check(config["state"], f"{CONFIG}: state", specs, used, 0)
    if used != set(range(len(specs))):
        raise CheckpointError(f"{CONFIG}: arrays: {len(specs) - len(used)} listed array(s) are not used in 'state'")
    arrays = [np.array(archive.read_array(present[i], shape, dtype)) for i, (shape, dtype) in enumerate(specs)]
    return _build(structure, arrays)


def _array_specs(listed: Any, file_size: int) -> list[tuple[tuple[int, ...], np.dtype]]:
    where = f"{CONFIG}: arrays"
    if not isinstance(listed, list):
        raise CheckpointError(f"{where}: expected a list")
    specs, total = [], 0
    for i, entry in enumerate(listed):
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if not (
            isinstance(entry, dict)
            and set(entry) == {"shape", "dtype"}
            and isinstance(shape, list)
            and len(shape) <= 32
            and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape)
            and dtype in npy.DTYPES
        ):
            raise CheckpointError(f"{where}[{i}]: expected {{'shape': [ints], 'dtype': name}}")
        total += math.prod(shape) * np.dtype(dtype).itemsize
        if total > file_size:
            raise CheckpointError(f"{where}[{i}]: the arrays listed so far need more bytes than the file has")
        specs.append((tuple(shape), np.dtype(dtype).newbyteorder("<")))
    return specs


def _member_index(name: str) -> int | None:
    if not (name.startswith("arrays/") and name.endswith(".npy")):
        return None
    digits = name[len("arrays/") : -len(".npy")]
    if not digits.isdigit() or not digits.isascii() or len(digits) > 9 or (digits != "0" and digits[0] == "0"):
        return None
    return int(digits)


def _check(node: Any, where: str, specs: list, used: set[int], depth: int) -> Any:
    """``node`` checked, as a structure that ``_build`` turns into the value."""
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"{where}: nested deeper than {_MAX_DEPTH}")
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if not (isinstance(node, dict) and node):
        raise CheckpointError(f"{where}: expected a value, got {type(node).__name__}")
    tag = next(iter(node))
    body = node[tag]
    if tag in ("list", "tuple") and len(node) == 1 and isinstance(body, list):
        return (tag, [_check(v, f"{where}[{i}]", specs, used, depth + 1) for i, v in enumerate(body)])
    if tag in ("dict", "OrderedDict") and len(node) == 1 and isinstance(body, list):
        pairs, keys = [], set()
        for i, pair in enumerate(body):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise CheckpointError(f"{where}.{tag}[{i}]: expected [key, value]")
            key = pair[0]
            if isinstance(key, bool) or not isinstance(key, (str, int)) or key in keys:
                raise CheckpointError(f"{where}.{tag}[{i}]: key {key!r:.60} is not a new str or int")
            keys.add(key)
            pairs.append((key, _check(pair[1], f"{where}[{key!r:.40}]", specs, used, depth + 1)))
        return (tag, pairs)
    if tag == "float" and len(node) == 1 and body in _SPECIAL:
        return ("float", _SPECIAL[body])
    if tag == "array":
        return _check_array(node, where, specs, used)
    raise CheckpointError(f"{where}: unknown value {sorted(node)[:4]!r:.80}")


def _check_array(node: dict[str, Any], where: str, specs: list, used: set[int]) -> Any:
    index, kind = node.get("array"), node.get("as")
    fields = {"array", "as", "requires_grad"} if kind in ("Tensor", "Parameter") else {"array", "as"}
    if set(node) != fields or kind not in _KINDS:
        raise CheckpointError(f"{where}: expected {sorted(fields)} with 'as' one of {list(_KINDS)}")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(specs) or index in used:
        raise CheckpointError(f"{where}.array: {index!r:.40} is not the index of an unused listed array")
    if kind == "scalar" and specs[index][0] != ():
        raise CheckpointError(f"{where}: a scalar, but array {index} has shape {specs[index][0]}")
    if "requires_grad" in node and not isinstance(node["requires_grad"], bool):
        raise CheckpointError(f"{where}.requires_grad: expected true or false")
    used.add(index)
    return ("array", index, kind, node.get("requires_grad", False))


def _build(structure: Any, arrays: list[np.ndarray]) -> Any:
    if not isinstance(structure, tuple):
        return structure
    tag = structure[0]
    if tag == "list":
        return [_build(v, arrays) for v in structure[1]]
    if tag == "tuple":
        return tuple(_build(v, arrays) for v in structure[1])
    if tag in ("dict", "OrderedDict"):
        items = [(k, _build(v, arrays)) for k, v in structure[1]]
        return OrderedDict(items) if tag == "OrderedDict" else dict(items)
    if tag == "float":
        return structure[1]
    _, index, kind, requires_grad = structure
    array = arrays[index]
    if kind == "scalar":
        return array[()]
    if kind == "ndarray":
        return array
    try:
        return (nn.Parameter if kind == "Parameter" else Tensor._make)(array, requires_grad=requires_grad)
    except ValueError as error:  # a dtype that a Tensor cannot hold (float16)
        raise CheckpointError(f"{CONFIG}: state: array {index} cannot be a {kind} ({error})") from None
