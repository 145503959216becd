"""``save`` and ``load``: a model (and optionally its optimizer and training state), or a dict of
arrays such as a ``state_dict``, in one file.

A model file is a zip archive (``.dnet`` by convention), config.json ``version`` 1:

```text
config.json                  {"format": "deltanet", "version": 1, "model": {"class": ..., "config": ...},
                              "dtype": ..., "weights": [keys], "frozen": [names], "optimizer": ...,
                              "training": ...}
weights/<key>.npy            one per state_dict entry (allow_pickle=False)
optimizer/<i>.<name>.npy     optimizer state arrays (momentum, Adam moments), by parameter index
training/<name>.npy          arrays of a training checkpoint (the epoch's outputs so far)
manifest.json                every other member's size and SHA-256
```

A saved dict (``dn.save(model.state_dict(), path)``) is config.json ``version`` 2, described in
``deltanet.io.state``. Model files are still written as version 1, so that earlier releases read
them; this release reads both versions, and refuses any other with the versions it knows.

What a model file keeps: each layer's class and constructor arguments (``Module.get_config``), its
weights and buffers, and which parameters are frozen (``requires_grad=False``, as for fine-tuning;
the optional field ``frozen`` lists their names). A hyperparameter that a layer holds as an
attribute named like its argument and that was changed after construction
(``layer.negative_slope = 0.3``, ``dropout.p = 0.2``, ``bn.momentum``, ``bn.eps``, ``conv.stride``)
is saved with its current value. Saving rebuilds the
model from the config and refuses, naming the layer and the attribute, whatever the rebuilt model
would not have (``deltanet.io.rebuild``): an attribute the constructor cannot express, an
attribute added after construction. Nothing is dropped silently.

Loading checks before it allocates, in this order: the path names a regular file (not a FIFO, a
device or a folder); member names against an allow-list; the manifest's sizes and checksums;
config.json as strict JSON (at most 64 times the file's size) with a known format and version;
the model tree against the closed registry (``deltanet.io.registry``), its number of layers and
the weight bytes its built-in layers need bounded by the file's size before any constructor runs;
the set of weight members against the built model's keys; each member's declared size against
what the model's array needs; each ``.npy`` header's dtype and shape against the model's; then
the data. Every failure raises ``CheckpointError`` naming the member or field. Loading touches no
global state: the model is built with a private random generator and a budget that binds only the
loading thread, so other threads can build layers and draw random numbers meanwhile.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import nn
from deltanet.io import optimizer as optimizer_io
from deltanet.io import rebuild, registry, state
from deltanet.io.archive import CONFIG, FORMAT, MANIFEST, Archive, parse_json, read_arrays
from deltanet.io.atomic import dump_json, write_atomic
from deltanet.io.errors import CheckpointError
from deltanet.io.npy import DTYPES, to_bytes

#: config.json's version of a model file.
MODEL_VERSION = 1
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*\Z")
_MEMBER = re.compile(
    r"(?:weights/(?P<weight>[A-Za-z0-9_][A-Za-z0-9_.]*)"
    r"|optimizer/(?P<index>0|[1-9][0-9]{0,8})\.(?P<state>[A-Za-z0-9_]+)"
    r"|training/(?P<training>[A-Za-z0-9_]+))\.npy\Z"
)
_TOP_FIELDS = {"format", "version", "deltanet_version", "model", "dtype", "weights", "frozen", "optimizer", "training"}


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
def save(obj: Any, path: Any, optimizer: Any = None) -> None:
    """Save a model (config and weights, optionally its optimizer's state), or a dict of arrays
    such as ``model.state_dict()``, to one file.

    The write is atomic: a temporary file in the same folder, fsync, ``os.replace``. A model's
    layers must be registered (all of ``deltanet.nn`` and ``deltanet.models`` are; decorate your
    own classes with ``register``) and rebuildable from their constructor arguments; a
    hyperparameter changed after construction is saved with its new value, or refused (see the
    module docstring). A dict is saved as PyTorch's ``torch.save`` would, without pickle: arrays,
    tensors, numbers, strings and nested dicts, lists and tuples of them (``deltanet.io.state``).

    What a layer's config does not keep (the weights are saved, so nothing numeric is lost): an
    ``rng`` given as a ``numpy.random.Generator`` (a loaded ``Dropout`` then draws its masks from
    ``dn.manual_seed``'s generator; an int seed is kept) and an ``init`` given as a function (an
    initializer name is kept). Training checkpoints (``ModelCheckpoint``) do keep generator states.

    Args:
        obj: the module, or the dict (or list, tuple, array) to save.
        path: the file to write (``.dnet`` by convention); a folder, a FIFO or a device is refused.
        optimizer: with a module only: an optimizer over its parameters whose ``state_dict()`` is
            saved too. (To save a dict, put ``optimizer.state_dict()`` in it.)

    Raises:
        CheckpointError: a layer is not registered, has an argument that is not JSON, or was
            changed after construction in a way its constructor cannot express; or ``obj`` holds
            something that cannot be saved (an arbitrary object); the message says what can be.
        OSError: the file cannot be written (a full disk, a read-only folder); the message names
            ``path``, and any previous file there is unchanged.

    Examples:
        >>> import os, tempfile, numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 3, rng=0), dn.nn.ReLU())
        >>> folder = tempfile.mkdtemp()
        >>> dn.save(model, os.path.join(folder, "model.dnet"))
        >>> again = dn.load(os.path.join(folder, "model.dnet"))
        >>> x = dn.tensor(np.ones((2, 4)))
        >>> bool((again(x).data == model(x).data).all())
        True
        >>> dn.save({"model": model.state_dict(), "epoch": 3}, os.path.join(folder, "ckpt.dnet"))
        >>> ckpt = dn.load(os.path.join(folder, "ckpt.dnet"))
        >>> ckpt["epoch"], list(ckpt["model"])
        (3, ['0.weight', '0.bias'])
        >>> _ = model.load_state_dict(ckpt["model"])
    """
    if isinstance(obj, nn.Module):
        write(path, obj, optimizer=optimizer)
        return
    if optimizer is not None:
        raise CheckpointError(
            f"save: optimizer= goes with a Module; to save a {type(obj).__name__}, put "
            f"optimizer.state_dict() in it, e.g. {{'model': model.state_dict(), 'optimizer': optimizer.state_dict()}}"
        )
    config, arrays = state.encode(obj)
    config["deltanet_version"] = _version()
    write_atomic(path, [(CONFIG, dump_json(config)), *((name, to_bytes(a)) for name, a in arrays)])


def write(
    path: Any,
    model: nn.Module,
    optimizer: Any = None,
    training: dict[str, Any] | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> None:
    """Write a model file: model, optional optimizer, optional training state with its ``arrays``."""
    if not isinstance(model, nn.Module):
        raise CheckpointError(f"cannot save: expected a deltanet.nn.Module, got {type(model).__name__}")
    tree = registry.describe(model)
    weights = model.state_dict()
    for key in weights:
        if not _KEY.match(key):
            raise CheckpointError(f"cannot save: state_dict key {key!r} is not a plain dotted name")
    dtype = _float_dtype(weights)
    rebuild.check(model, tree, dtype)
    config: dict[str, Any] = {
        "format": FORMAT,
        "version": MODEL_VERSION,
        "deltanet_version": _version(),
        "model": tree,
        "dtype": dtype,
        "weights": list(weights),
    }
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad]
    if frozen:  # only then: files without frozen layers stay readable by earlier releases
        config["frozen"] = frozen
    members: list[tuple[str, bytes]] = []
    for key, value in weights.items():
        members.append((f"weights/{key}.npy", to_bytes(value)))
    if optimizer is not None:
        section, optimizer_arrays = optimizer_io.section(optimizer, model)
        config["optimizer"] = section
        members.extend((name, to_bytes(a)) for name, a in optimizer_arrays.items())
    if training is not None:
        training = dict(training)
        declared = {}
        for name, value in (arrays or {}).items():
            if not optimizer_io.WORD.match(name):
                raise CheckpointError(f"cannot save: training array name {name!r} is not a plain word")
            value = np.asarray(value)
            declared[name] = {"shape": list(value.shape), "dtype": value.dtype.name}
            members.append((f"training/{name}.npy", to_bytes(value)))
        training["arrays"] = declared
        config["training"] = training
    write_atomic(path, [(CONFIG, dump_json(config)), *members])


def _version() -> str:
    from deltanet._version import __version__

    return __version__


def _float_dtype(weights: dict[str, np.ndarray]) -> str | None:
    dtypes = {a.dtype for a in weights.values() if a.dtype.kind == "f"}
    return dtypes.pop().name if len(dtypes) == 1 else None


# -- loading -----------------------------------------------------------------------------------
def load(path: Any, map_location: Any = None, weights_only: bool | None = None) -> Any:
    """Load what ``save`` wrote: the model, weights included, or the saved dict.

    Nothing is unpickled, imported or extracted to disk; see the module docstring for the checks.
    A PyTorch ``.pt`` file (a pickle) is refused with how to convert its weights.

    Args:
        path: the file (a regular file: a FIFO, a device or a folder is refused before opening).
        map_location: accepted for PyTorch's sake: deltanet arrays live in CPU memory, so None,
            ``"cpu"`` or a device whose type is ``"cpu"`` (``torch.device("cpu")``), or a dict
            mapping to one; anything else (``"cuda"``, a function) is refused.
        weights_only: accepted for PyTorch's sake: True, False or None. A deltanet file holds
            no code whatever it says, so every load is what PyTorch calls weights-only.

    Returns:
        For a model file, the model, in training mode, with the saved weights and buffers; for a
        saved dict (or list, tuple, array), that value, with writable arrays.

    Raises:
        CheckpointError: the file is not a valid deltanet file; the message names the member or
            field (or, for a PyTorch or NumPy file, says how to read it).
        ValueError: ``map_location`` or ``weights_only`` is not one of the values above.

    Examples:
        >>> import os, tempfile, deltanet as dn
        >>> path = os.path.join(tempfile.mkdtemp(), "m.dnet")
        >>> dn.save(dn.nn.Linear(2, 1, rng=0), path)
        >>> dn.load(path, map_location="cpu")
        Linear(in_features=2, out_features=1, bias=True)
    """
    _check_map_location(map_location)
    if weights_only is not None and not isinstance(weights_only, (bool, np.bool_)):
        raise check.fail("load", "weights_only", "True, False or None", weights_only)
    return _open(path, None, checkpoint=False)


def load_checkpoint(path: Any, model: nn.Module | None = None) -> Checkpoint:
    """Read everything a model file holds: model, optimizer state, training state.

    Args:
        path: the file.
        model: load the weights into this model (whose keys, shapes and dtypes must match)
            instead of building one from the file's config.

    Returns:
        A ``Checkpoint``.

    Raises:
        CheckpointError: the file is not a valid deltanet model file, or does not fit ``model``.

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
    result: Checkpoint = _open(path, model, checkpoint=True)
    return result


def _open(path: Any, model: nn.Module | None, checkpoint: bool) -> Any:
    with Archive(path) as archive:
        try:
            config = parse_json(archive.read(CONFIG, archive.json_limit), CONFIG)
            if _check_version(config) == state.VERSION:
                if checkpoint:
                    raise CheckpointError(
                        f"{archive.path!r}: holds a saved dict (a state file), not a model; dn.load(path) returns it"
                    )
                return state.decode(archive, config)
            found = _read_model(archive, config, model)
            return found if checkpoint else found.model
        except CheckpointError:
            raise
        except Exception as error:  # a safety net: every check above should have come first
            raise CheckpointError(
                f"{archive.path!r}: cannot be read ({type(error).__name__}: {str(error)[:200]})"
            ) from error


def _check_map_location(map_location: Any) -> None:
    def cpu(value: Any) -> bool:
        if isinstance(value, str):
            return value == "cpu"
        return getattr(value, "type", None) == "cpu" and getattr(value, "index", None) is None

    ok = map_location is None or cpu(map_location)
    if isinstance(map_location, dict):
        # Only "cpu" names where deltanet's arrays are: the DDP tutorial's {"cuda:0": f"cuda:{rank}"}
        # maps devices that no array here is on, and loads as PyTorch's does on a CPU-only machine.
        ok = all(cpu(v) for k, v in map_location.items() if str(k) == "cpu")
    if not ok:
        raise ValueError(
            f"load: map_location must be None or 'cpu' (deltanet arrays are NumPy arrays in CPU memory), "
            f"got {map_location!r:.80}"
        )


def _check_version(config: Any) -> int:
    """The file's content version (1: a model, 2: a saved dict), after checking the format."""
    if not isinstance(config, dict):
        raise CheckpointError(f"{CONFIG}: expected an object, got {type(config).__name__}")
    for required in ("format", "version"):
        if required not in config:
            raise CheckpointError(f"{CONFIG}: field {required!r} is missing")
    if config["format"] != FORMAT:
        raise CheckpointError(f"{CONFIG}: format {config['format']!r:.80}, expected {FORMAT!r}")
    version = config["version"]
    if isinstance(version, bool) or version not in (MODEL_VERSION, state.VERSION):
        raise CheckpointError(
            f"{CONFIG}: unknown format version {version!r:.80}; this deltanet reads versions "
            f"{MODEL_VERSION} (a model) and {state.VERSION} (a saved dict): is the file from a newer deltanet?"
        )
    return int(version)


def _read_model(archive: Archive, config: dict[str, Any], model: nn.Module | None) -> Checkpoint:
    _check_top(config)
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
    built = model is None
    if model is None:
        where = f"{CONFIG}: model"
        size = archive.file_size
        model = registry.build(config["model"], where, budget=size, layers=registry.max_layers(size))
        if config.get("dtype") is not None:
            model.to(config["dtype"])
    spec = rebuild.spec(model)
    _check_weight_list(config["weights"], spec)
    weights = read_arrays(archive, members["weight"], spec, "weights", "a weight of the model")
    optimizer_state, optimizer_class = optimizer_io.read(archive, config.get("optimizer"), members["optimizer"], spec)
    training, arrays = _read_training(archive, config.get("training"), members["training"])
    if built:
        _freeze(model, config.get("frozen", []))
    try:
        model.load_state_dict(weights)
    except (KeyError, ValueError) as error:  # pragma: no cover - the checks above cover this
        raise CheckpointError(f"weights: {error}") from None
    return Checkpoint(model, optimizer_state, optimizer_class, training, arrays, config)


def _check_top(config: dict[str, Any]) -> None:
    unknown = sorted(set(config) - _TOP_FIELDS)
    if unknown:
        raise CheckpointError(f"{CONFIG}: unknown field(s) {[u[:40] for u in unknown[:5]]}")
    for required in ("model", "weights"):
        if required not in config:
            raise CheckpointError(f"{CONFIG}: field {required!r} is missing")
    if config.get("dtype") not in (None, "float32", "float64"):
        raise CheckpointError(f"{CONFIG}: dtype {config['dtype']!r:.80}, expected 'float32' or 'float64'")


def _freeze(model: nn.Module, frozen: Any) -> None:
    """Set ``requires_grad=False`` on the parameters the file lists as frozen."""
    params = dict(model.named_parameters())
    if not isinstance(frozen, list) or not all(isinstance(k, str) and k in params for k in frozen):
        raise CheckpointError(f"{CONFIG}: 'frozen' must be a list of the model's parameter names, got {frozen!r:.120}")
    for name in frozen:
        params[name].requires_grad = False


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
        if not optimizer_io.WORD.match(name):
            raise CheckpointError(f"{where}.arrays: bad name {name[:40]!r}")
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if not (
            isinstance(shape, list)
            and len(shape) <= 32
            and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape)
            and dtype in DTYPES
        ):
            raise CheckpointError(f"{where}.arrays.{name}: expected {{'shape': [ints], 'dtype': name}}")
        if math.prod(shape) * np.dtype(dtype).itemsize > archive.file_size:
            raise CheckpointError(f"{where}.arrays.{name}: shape {tuple(shape)} needs more bytes than the file has")
        expected[name] = (tuple(shape), np.dtype(dtype).str)
    arrays = read_arrays(archive, present, expected, "training", "a training array listed in config.json")
    training = {k: v for k, v in section.items() if k != "arrays"}
    return training, arrays
