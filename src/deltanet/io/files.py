"""``save`` and ``load``: a model (and optionally its optimizer and training state) in one file.

The file is a zip archive (``.dnet`` by convention):

```text
config.json                  {"format": "deltanet", "version": 1, "model": {"class": ..., "config": ...},
                              "dtype": ..., "weights": [keys], "optimizer": ..., "training": ...}
weights/<key>.npy            one per state_dict entry (allow_pickle=False)
optimizer/<i>.<name>.npy     optimizer state arrays (momentum, Adam moments), by parameter index
training/<name>.npy          arrays of a training checkpoint (the epoch's outputs so far)
manifest.json                every other member's size and SHA-256
```

Loading checks before it allocates, in this order: member names against an allow-list; the
manifest's sizes and checksums; config.json as strict JSON with a known format and version; the
model tree against the closed registry (``deltanet.io.registry``), with the weight bytes its
built-in layers need bounded by the file's size before any constructor runs; the set of weight
members against the built model's keys; each member's declared size against what the model's
array needs; each ``.npy`` header's dtype and shape against the model's; then the data. Every
failure raises ``CheckpointError`` naming the member or field.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltanet import backend, nn
from deltanet.io import npy, registry
from deltanet.io.archive import (
    CONFIG,
    FORMAT,
    MANIFEST,
    MAX_JSON,
    VERSION,
    Archive,
    dump_json,
    parse_json,
    write_atomic,
)
from deltanet.io.errors import CheckpointError

_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*\Z")
_WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_MEMBER = re.compile(
    r"(?:weights/(?P<weight>[A-Za-z0-9_][A-Za-z0-9_.]*)"
    r"|optimizer/(?P<index>0|[1-9][0-9]{0,8})\.(?P<state>[A-Za-z0-9_]+)"
    r"|training/(?P<training>[A-Za-z0-9_]+))\.npy\Z"
)
_TOP_FIELDS = {"format", "version", "deltanet_version", "model", "dtype", "weights", "optimizer", "training"}
_DTYPES = {
    "float32",
    "float64",
    "float16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
}


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` read: the model and whatever else the file holds.

    ``load_checkpoint`` builds it; each argument is kept as the attribute of the same name.

    Attributes:
        model: the model with its weights loaded.
        optimizer_state: ``optimizer.state_dict()`` as saved (for ``optimizer.load_state_dict``),
            or None.
        optimizer_class: the saved optimizer's class name, or None.
        training: the JSON training state of a ``ModelCheckpoint`` file, or None.
        arrays: the training arrays by name (empty for a plain model file).
        config: the whole config.json.

    Examples:
        >>> import os, tempfile, deltanet as dn
        >>> path = os.path.join(tempfile.mkdtemp(), "m.dnet")
        >>> dn.save(dn.nn.Linear(2, 1, rng=0), path)
        >>> ckpt = dn.io.load_checkpoint(path)
        >>> ckpt.model, ckpt.optimizer_state, ckpt.config["model"]["class"]
        (Linear(in_features=2, out_features=1, bias=True), None, 'Linear')
    """

    model: nn.Module
    optimizer_state: dict[str, Any] | None = None
    optimizer_class: str | None = None
    training: dict[str, Any] | None = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


# -- saving ------------------------------------------------------------------------------------
def save(model: nn.Module, path: Any, optimizer: Any = None) -> None:
    """Save ``model`` (config and weights), and optionally its optimizer's state, to one file.

    The write is atomic: a temporary file in the same folder, fsync, ``os.replace``. Every layer
    must be registered (all of ``deltanet.nn`` and ``deltanet.models`` are; decorate your own
    classes with ``register``) and rebuildable from its constructor arguments.

    What a layer's config does not keep (the weights are saved, so nothing numeric is lost): an
    ``rng`` given as a ``numpy.random.Generator`` (a loaded ``Dropout`` then draws its masks from
    ``dn.manual_seed``'s generator; an int seed is kept) and an ``init`` given as a function (an
    initializer name is kept). Training checkpoints (``ModelCheckpoint``) do keep generator states.

    Args:
        model: the module to save.
        path: the file to write (``.dnet`` by convention).
        optimizer: an optimizer over the model's parameters whose ``state_dict()`` is saved too.

    Raises:
        CheckpointError: a layer is not registered, has an argument that is not JSON, or was
            changed after construction so that its constructor no longer rebuilds it.

    Examples:
        >>> import os, tempfile, numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 3, rng=0), dn.nn.ReLU())
        >>> path = os.path.join(tempfile.mkdtemp(), "model.dnet")
        >>> dn.save(model, path)
        >>> again = dn.load(path)
        >>> x = dn.tensor(np.ones((2, 4)))
        >>> bool((again(x).data == model(x).data).all())
        True
    """
    write(path, model, optimizer=optimizer)


def write(
    path: Any,
    model: nn.Module,
    optimizer: Any = None,
    training: dict[str, Any] | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> None:
    """Write the file: model, optional optimizer, optional training state with its ``arrays``."""
    if not isinstance(model, nn.Module):
        raise CheckpointError(f"cannot save: expected a deltanet.nn.Module, got {type(model).__name__}")
    tree = registry.describe(model)
    state = model.state_dict()
    for key in state:
        if not _KEY.match(key):
            raise CheckpointError(f"cannot save: state_dict key {key!r} is not a plain dotted name")
    dtype = _float_dtype(state)
    _check_rebuild(model, tree, dtype, state)
    config: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "deltanet_version": _version(),
        "model": tree,
        "dtype": dtype,
        "weights": list(state),
    }
    members: list[tuple[str, bytes]] = []
    for key, value in state.items():
        members.append((f"weights/{key}.npy", npy.to_bytes(value)))
    if optimizer is not None:
        section, optimizer_arrays = _optimizer_section(optimizer, model)
        config["optimizer"] = section
        members.extend((name, npy.to_bytes(a)) for name, a in optimizer_arrays.items())
    if training is not None:
        training = dict(training)
        declared = {}
        for name, value in (arrays or {}).items():
            if not _WORD.match(name):
                raise CheckpointError(f"cannot save: training array name {name!r} is not a plain word")
            value = np.asarray(value)
            declared[name] = {"shape": list(value.shape), "dtype": value.dtype.name}
            members.append((f"training/{name}.npy", npy.to_bytes(value)))
        training["arrays"] = declared
        config["training"] = training
    write_atomic(path, [(CONFIG, dump_json(config)), *members])


def _version() -> str:
    from deltanet._version import __version__

    return __version__


def _float_dtype(state: dict[str, np.ndarray]) -> str | None:
    dtypes = {a.dtype for a in state.values() if a.dtype.kind == "f"}
    return dtypes.pop().name if len(dtypes) == 1 else None


_verified: weakref.WeakKeyDictionary[nn.Module, tuple[bytes, dict]] = weakref.WeakKeyDictionary()


def _check_rebuild(model: nn.Module, tree: dict[str, Any], dtype: str | None, state: dict) -> None:
    """Refuse to write a file that would not load: rebuild the model from its config and compare
    keys, shapes and dtypes (cached per model while its config and shapes stay the same)."""
    spec = {k: (v.shape, v.dtype.str) for k, v in state.items()}
    key = dump_json(tree) + (dtype or "").encode()
    cached = _verified.get(model)
    if cached is not None and cached == (key, spec):
        return
    with _same_default_rng():
        try:
            rebuilt = registry.build(parse_json(dump_json(tree), CONFIG), "model")
        except CheckpointError as error:
            raise CheckpointError(f"cannot save: the model cannot be rebuilt from its config: {error}") from None
    if dtype is not None:
        rebuilt.to(dtype)
    other = _spec(rebuilt)
    if other != spec:
        diff = sorted(set(spec) ^ set(other)) or [k for k in spec if spec[k] != other[k]]
        raise CheckpointError(
            f"cannot save: {type(model).__name__}(**get_config()) does not rebuild this model "
            f"(differs at {diff[:5]}); was it changed after construction? Give every layer to the "
            f"constructor, or register a class whose constructor builds it"
        )
    _verified[model] = (key, spec)


class _same_default_rng:
    """Building a model draws initial weights from the default generator: put its state back, so
    that saving or loading never changes the random stream that training uses."""

    def __enter__(self) -> None:
        self.generator = backend.get_rng(None)
        self.state = self.generator.bit_generator.state

    def __exit__(self, *exc: Any) -> None:
        self.generator.bit_generator.state = self.state


def _spec(model: nn.Module) -> dict[str, tuple[tuple[int, ...], str]]:
    """key → (shape, dtype.str) of the state dict, without copying the arrays."""
    spec = {}
    for mod_name, module in model.named_modules():
        dot = f"{mod_name}." if mod_name else ""
        for name, p in module._parameters.items():
            if p is not None:
                spec[dot + name] = (p.data.shape, p.data.dtype.str)
        for name in module._buffers:
            value = np.asarray(getattr(module, name))
            spec[dot + name] = (value.shape, value.dtype.str)
    return spec


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    raise CheckpointError(f"cannot save: {where} is a {type(value).__name__}, not a JSON value")


def _optimizer_section(optimizer: Any, model: nn.Module) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
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
        {k: _plain(v, f"optimizer param_groups[{g}][{k!r}]") for k, v in group.items()}
        for g, group in enumerate(sd["param_groups"])
    ]
    scalars: dict[str, dict[str, Any]] = {}
    listed: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    for index, values in sd["state"].items():
        i = int(index)
        for key, value in values.items():
            if not _WORD.match(str(key)):
                raise CheckpointError(f"cannot save: optimizer state key {key!r} is not a plain word")
            if isinstance(value, np.ndarray) and value.ndim > 0:
                arrays[f"optimizer/{i}.{key}.npy"] = value
                listed.setdefault(str(i), []).append(key)
            else:
                if isinstance(value, np.ndarray):
                    value = value.item()
                scalars.setdefault(str(i), {})[key] = _plain(value, f"optimizer state {i}.{key}")
    section = {
        "class": type(optimizer).__name__,
        "param_names": param_names,
        "param_groups": groups,
        "state": scalars,
        "arrays": listed,
    }
    return section, arrays


# -- loading -----------------------------------------------------------------------------------
def load(path: Any) -> nn.Module:
    """Load a model saved by ``save`` (or a training checkpoint), weights included.

    Nothing is unpickled, imported or extracted to disk; see the module docstring for the checks.

    Args:
        path: the file.

    Returns:
        The model, in training mode, with the saved weights and buffers.

    Raises:
        CheckpointError: the file is not a valid deltanet file; the message names the member or
            field.

    Examples:
        >>> import os, tempfile, deltanet as dn
        >>> path = os.path.join(tempfile.mkdtemp(), "m.dnet")
        >>> dn.save(dn.nn.Linear(2, 1, rng=0), path)
        >>> dn.load(path)
        Linear(in_features=2, out_features=1, bias=True)
    """
    return load_checkpoint(path).model


def load_checkpoint(path: Any, model: nn.Module | None = None) -> Checkpoint:
    """Read everything a file holds: model, optimizer state, training state.

    Args:
        path: the file.
        model: load the weights into this model (whose keys, shapes and dtypes must match)
            instead of building one from the file's config.

    Returns:
        A ``Checkpoint``.

    Raises:
        CheckpointError: the file is not a valid deltanet file, or does not fit ``model``.

    Examples:
        >>> import os, tempfile, numpy as np, deltanet as dn
        >>> model = dn.nn.Linear(2, 1, rng=0)
        >>> opt = dn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> model(dn.tensor(np.ones((1, 2)))).sum().backward(); opt.step()
        >>> path = os.path.join(tempfile.mkdtemp(), "m.dnet")
        >>> dn.save(model, path, optimizer=opt)
        >>> ckpt = dn.io.load_checkpoint(path)
        >>> ckpt.optimizer_class, sorted(ckpt.optimizer_state["state"][0])
        ('SGD', ['momentum_buffer'])
    """
    with Archive(path) as archive:
        try:
            return _read(archive, model)
        except CheckpointError:
            raise
        except Exception as error:  # a safety net: every check above should have come first
            raise CheckpointError(
                f"{archive.path!r}: cannot be read ({type(error).__name__}: {str(error)[:200]})"
            ) from error


def _read(archive: Archive, model: nn.Module | None) -> Checkpoint:
    members: dict[str, dict[str, str]] = {"weight": {}, "optimizer": {}, "training": {}}
    for name in archive.infos:
        if name in (CONFIG, MANIFEST):
            continue
        match = _MEMBER.match(name)
        if match is None:
            raise CheckpointError(f"member {name!r}: unexpected (not a member of a deltanet file)")
        if match["weight"] is not None:
            members["weight"][match["weight"]] = name
        elif match["training"] is not None:
            members["training"][match["training"]] = name
        else:
            members["optimizer"][f"{int(match['index'])}.{match['state']}"] = name
    config = parse_json(archive.read(CONFIG, MAX_JSON), CONFIG)
    _check_top(config)
    if model is None:
        with _same_default_rng():
            model = registry.build(config["model"], f"{CONFIG}: model", budget=archive.file_size)
        if config.get("dtype") is not None:
            model.to(config["dtype"])
    spec = _spec(model)
    _check_weight_list(config["weights"], spec)
    weights = _read_arrays(archive, members["weight"], spec, "weights", "a weight of the model")
    optimizer_state, optimizer_class = _read_optimizer(archive, config.get("optimizer"), members["optimizer"], spec)
    training, arrays = _read_training(archive, config.get("training"), members["training"])
    try:
        model.load_state_dict(weights)
    except (KeyError, ValueError) as error:  # pragma: no cover - the checks above cover this
        raise CheckpointError(f"weights: {error}") from None
    return Checkpoint(model, optimizer_state, optimizer_class, training, arrays, config)


def _check_top(config: Any) -> None:
    if not isinstance(config, dict):
        raise CheckpointError(f"{CONFIG}: expected an object, got {type(config).__name__}")
    unknown = sorted(set(config) - _TOP_FIELDS)
    if unknown:
        raise CheckpointError(f"{CONFIG}: unknown field(s) {[u[:40] for u in unknown[:5]]}")
    for required in ("format", "version", "model", "weights"):
        if required not in config:
            raise CheckpointError(f"{CONFIG}: field {required!r} is missing")
    if config["format"] != FORMAT:
        raise CheckpointError(f"{CONFIG}: format {config['format']!r:.80}, expected {FORMAT!r}")
    if config["version"] != VERSION or isinstance(config["version"], bool):
        raise CheckpointError(
            f"{CONFIG}: unknown format version {config['version']!r:.80}; this deltanet reads version {VERSION}"
        )
    if config.get("dtype") not in (None, "float32", "float64"):
        raise CheckpointError(f"{CONFIG}: dtype {config['dtype']!r:.80}, expected 'float32' or 'float64'")


def _check_weight_list(listed: Any, spec: dict[str, Any]) -> None:
    if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
        raise CheckpointError(f"{CONFIG}: 'weights' must be a list of names")
    if len(set(listed)) != len(listed):
        raise CheckpointError(f"{CONFIG}: 'weights' lists a name twice")
    for key in listed:
        if key not in spec:
            raise CheckpointError(f"{CONFIG}: weights: {key[:80]!r} is not a weight of the model built from the config")
    for key in spec:
        if key not in listed:
            raise CheckpointError(f"{CONFIG}: weights: the model's weight {key!r} is not listed")


def _read_arrays(
    archive: Archive,
    present: dict[str, str],
    expected: dict[str, tuple[tuple[int, ...], str]],
    folder: str,
    what: str,
) -> dict[str, np.ndarray]:
    """Read ``folder/<key>.npy`` for every key of ``expected`` (shape, dtype.str), checked."""
    for key, name in present.items():
        if key not in expected:
            raise CheckpointError(f"member {name!r}: unexpected ({key!r} is not {what})")
    for key in expected:
        if key not in present:
            raise CheckpointError(f"member '{folder}/{key}.npy' is missing ({key!r} is {what})")
    arrays = {}
    for key, (shape, dtype_str) in expected.items():
        name = present[key]
        dtype = np.dtype(dtype_str)
        low, high = npy.size_bounds(shape, dtype)
        size = archive.sizes[name]
        if not low <= size <= high or size > archive.file_size:
            raise CheckpointError(
                f"member {name!r}: declares {size} bytes, but an array of shape {tuple(shape)} and "
                f"dtype {dtype} takes {low - 11} bytes plus a header (oversized or truncated member)"
            )
        arrays[key] = npy.from_bytes(archive.read(name, high), name, shape, dtype)
    return arrays


def _read_optimizer(
    archive: Archive, section: Any, present: dict[str, str], spec: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    where = f"{CONFIG}: optimizer"
    if section is None:
        if present:
            name = next(iter(present.values()))
            raise CheckpointError(f"member {name!r}: unexpected (config.json has no optimizer)")
        return None, None
    fields = {"class", "param_names", "param_groups", "state", "arrays"}
    if not isinstance(section, dict) or set(section) != fields:
        got = sorted(section) if isinstance(section, dict) else type(section).__name__
        raise CheckpointError(f"{where}: expected the fields {sorted(fields)}, got {got}")
    cls, names, groups = section["class"], section["param_names"], section["param_groups"]
    scalars, listed = section["state"], section["arrays"]
    if not isinstance(cls, str) or not _WORD.match(cls):
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
                else (isinstance(values, list) and all(isinstance(v, str) and _WORD.match(v) for v in values))
            )
            if not ok:
                raise CheckpointError(f"{where}.{kind}[{index!r}]: malformed entry")
    expected = {}
    for index, keys in listed.items():
        shape, dtype = spec[names[int(index)]]
        for key in keys:
            expected[f"{int(index)}.{key}"] = (shape, dtype)
    arrays = _read_arrays(archive, present, expected, "optimizer", "an optimizer array listed in config.json")
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


def _read_training(
    archive: Archive, section: Any, present: dict[str, str]
) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    where = f"{CONFIG}: training"
    if section is None:
        if present:
            name = next(iter(present.values()))
            raise CheckpointError(f"member {name!r}: unexpected (config.json has no training state)")
        return None, {}
    if not isinstance(section, dict) or not isinstance(section.get("arrays"), dict):
        raise CheckpointError(f"{where}: expected an object with 'arrays'")
    expected = {}
    for name, entry in section["arrays"].items():
        if not _WORD.match(name):
            raise CheckpointError(f"{where}.arrays: bad name {name[:40]!r}")
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if not (
            isinstance(shape, list)
            and len(shape) <= 32
            and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape)
            and dtype in _DTYPES
        ):
            raise CheckpointError(f"{where}.arrays.{name}: expected {{'shape': [ints], 'dtype': name}}")
        if math.prod(shape) * np.dtype(dtype).itemsize > archive.file_size:
            raise CheckpointError(f"{where}.arrays.{name}: shape {tuple(shape)} needs more bytes than the file has")
        expected[name] = (tuple(shape), np.dtype(dtype).str)
    arrays = _read_arrays(archive, present, expected, "training", "a training array listed in config.json")
    training = {k: v for k, v in section.items() if k != "arrays"}
    return training, arrays
