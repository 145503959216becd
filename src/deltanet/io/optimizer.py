"""An optimizer's ``state_dict()`` in a model file: JSON for the hyperparameters and scalars,
``optimizer/<i>.<name>.npy`` for the arrays (momentum, Adam's moments), by parameter index.

Each array has the shape and dtype of its parameter, so reading checks it against the model
before anything is allocated, as it checks the weights.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from deltanet import nn
from deltanet.io.archive import CONFIG, Archive, read_arrays
from deltanet.io.errors import CheckpointError

WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_FIELDS = {"class", "param_names", "param_groups", "state", "arrays"}


def plain(value: Any, where: str) -> Any:
    """``value`` as a JSON value (numbers, strings, booleans, None, lists), or CheckpointError."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v, where) for v in value]
    raise CheckpointError(f"cannot save: {where} is a {type(value).__name__}, not a JSON value")


def section(optimizer: Any, model: nn.Module) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """config.json's ``optimizer`` section and the arrays to write, by member name."""
    if not (hasattr(optimizer, "state_dict") and hasattr(optimizer, "param_groups")):
        raise CheckpointError(f"cannot save: {type(optimizer).__name__} is not a deltanet optimizer")
    names = {id(p): n for n, p in model.named_parameters()}
    params = [p for group in optimizer.param_groups for p in group["params"]]
    param_names = []
    for i, p in enumerate(params):
        if id(p) not in names:
            raise CheckpointError(
                f"cannot save: optimizer parameter {i} (shape {p.shape}) is not a parameter of the model"
            )
        param_names.append(names[id(p)])
    sd = optimizer.state_dict()
    groups = [
        {k: plain(v, f"optimizer param_groups[{g}][{k!r}]") for k, v in group.items()}
        for g, group in enumerate(sd["param_groups"])
    ]
    scalars: dict[str, dict[str, Any]] = {}
    listed: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    for index, values in sd["state"].items():
        i = int(index)
        for key, value in values.items():
            if not WORD.match(str(key)):
                raise CheckpointError(f"cannot save: optimizer state key {key!r} is not a plain word")
            if isinstance(value, np.ndarray) and value.ndim > 0:
                arrays[f"optimizer/{i}.{key}.npy"] = value
                listed.setdefault(str(i), []).append(key)
            else:
                if isinstance(value, np.ndarray):
                    value = value.item()
                scalars.setdefault(str(i), {})[key] = plain(value, f"optimizer state {i}.{key}")
    found = {
        "class": type(optimizer).__name__,
        "param_names": param_names,
        "param_groups": groups,
        "state": scalars,
        "arrays": listed,
    }
    return found, arrays


def read(
    archive: Archive, found: Any, present: dict[str, str], spec: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """The optimizer's state dict and class name from config.json's section ``found`` and the
    ``optimizer/`` members ``present`` (``"<i>.<name>"`` → member), checked against ``spec``."""
    where = f"{CONFIG}: optimizer"
    if found is None:
        if present:
            name = next(iter(present.values()))
            raise CheckpointError(f"member {name!r}: unexpected (config.json has no optimizer)")
        return None, None
    if not isinstance(found, dict) or set(found) != _FIELDS:
        got = sorted(found) if isinstance(found, dict) else type(found).__name__
        raise CheckpointError(f"{where}: expected the fields {sorted(_FIELDS)}, got {got}")
    cls, names, groups = found["class"], found["param_names"], found["param_groups"]
    scalars, listed = found["state"], found["arrays"]
    if not isinstance(cls, str) or not WORD.match(cls):
        raise CheckpointError(f"{where}.class: expected a class name, got {cls!r:.80}")
    if not isinstance(names, list) or not all(isinstance(n, str) and n in spec for n in names):
        raise CheckpointError(f"{where}.param_names: expected names of the model's parameters")
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise CheckpointError(f"{where}.param_groups: expected a list of objects")
    for g, group in enumerate(groups):
        params = group.get("params")
        if not isinstance(params, list) or not all(_index(i, len(names)) is not None for i in params):
            raise CheckpointError(f"{where}.param_groups[{g}].params: expected parameter indices")
    for part, kind in ((scalars, "state"), (listed, "arrays")):
        if not isinstance(part, dict):
            raise CheckpointError(f"{where}.{kind}: expected an object")
        for index, values in part.items():
            if _index(index, len(names)) is None:
                raise CheckpointError(f"{where}.{kind}: {index[:20]!r} is not a parameter index")
            ok = (
                isinstance(values, dict)
                if kind == "state"
                else (isinstance(values, list) and all(isinstance(v, str) and WORD.match(v) for v in values))
            )
            if not ok:
                raise CheckpointError(f"{where}.{kind}[{index!r}]: malformed entry")
    expected = {}
    for index, keys in listed.items():
        shape, dtype = spec[names[int(index)]]
        for key in keys:
            expected[f"{int(index)}.{key}"] = (shape, dtype)
    arrays = read_arrays(archive, present, expected, "optimizer", "an optimizer array listed in config.json")
    state: dict[int, dict[str, Any]] = {}
    for index, values in scalars.items():
        state.setdefault(int(index), {}).update(values)
    for key, array in arrays.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = array
    return {"state": state, "param_groups": groups, "param_names": names}, cls


def _index(value: Any, n: int) -> int | None:
    if isinstance(value, str) and re.fullmatch(r"0|[1-9][0-9]{0,8}", value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n:
        return value
    return None
