"""The TOML config of ``deltanet train``: its format, and the checks that every key passes.

A config names the data, the model, the loss, the optimizer and the training settings:

```toml
seed = 0                        # weights, shuffles and splits
epochs = 200
batch_size = 16                 # or "full" for full-batch gradient descent
validation_split = 0.2          # of the training part, for val_loss and early stopping
metrics = ["accuracy"]
loss = "cross_entropy"          # or a table: [loss] name = "huber", delta = 2.0
run_dir = "runs/iris"           # default: runs/<config name>, relative to the working folder

[data]
dataset = "iris"                # or csv = "file.csv" (+ target, header, delimiter),
                                # npz = "file.npz" (+ x, y), mnist = "folder"
test_split = 0.25               # held out for `deltanet evaluate`
standardize = true              # x' = (x - mean) / std with the training part's mean and std
# train_size = 1000             # train on a random part of the training rows (stratified)

[model]                         # a list of layers ...
layers = [
  { type = "Linear", in_features = 4, out_features = 16 },
  { type = "Sigmoid" },
  { type = "Linear", in_features = 16, out_features = 3 },
]
# ... or a builder of deltanet.models:  builder = "lenet5"  and  [model.args] input_size = 32

[optimizer]
name = "sgd"
lr = 0.05
momentum = 0.9

[regularizer]                   # optional: L1, L2 or L12 with lam
type = "L2"
lam = 0.0001

[[callbacks]]                   # optional, any number
type = "EarlyStopping"
patience = 20
```

Paths of data files are relative to the config file's folder; the folders that callbacks write
(``ModelCheckpoint``'s ``dirpath``, ``TensorBoard``'s ``log_dir``, default ``"logs"``) are
relative to the run folder, so that everything a run writes stays in it (but not in its
``checkpoints`` folder, which the run keeps for itself and removes when it completes). Every key is checked: an unknown
key, a wrong type or a bad value is a ``ConfigError`` naming the file, the key and what is
known or expected; so is a ``[data]`` key that its source would ignore (``target`` with
``dataset = "iris"``, ``x`` with a CSV file, ``test_split`` with MNIST, which has its own test set),
and a callback that watches a quantity the run does not log (``EarlyStopping`` on ``val_loss``
without ``validation_split``, a misspelt ``monitor``), which would never act. Layer types, models,
losses, optimizers and callbacks come from closed lists (``deltanet.nn``, ``deltanet.models``,
...); nothing is imported by name.

``read_config`` returns the checked config with defaults filled in; ``deltanet.cli.build`` turns
it into a model, a loss, an optimizer and callbacks.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

import deltanet as dn
from deltanet import _checks as check
from deltanet import nn


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key.

    Examples:
        >>> from deltanet.cli.config import ConfigError
        >>> issubclass(ConfigError, ValueError)
        True
    """


TOP_KEYS = {
    "seed": "an integer in [0, 2**64) (default 0)",
    "epochs": "an integer >= 0",
    "batch_size": 'a positive integer or "full" (default 32)',
    "validation_split": "a fraction in [0, 1) (default 0)",
    "metrics": 'a list of metric names, e.g. ["accuracy"]',
    "loss": 'a loss name, e.g. "cross_entropy", or a table with name and options',
    "run_dir": "a folder for the run (default runs/<config name>)",
    "data": "a table: where the data come from",
    "model": "a table: layers = [...] or builder = ...",
    "optimizer": "a table: name and hyperparameters",
    "regularizer": "a table: type (L1, L2, L12) and lam",
    "callbacks": "an array of tables, each with type and options",
    "dtype": '"float32" (default) or "float64"',
}
DATA_KEYS = {
    "dataset",
    "csv",
    "npz",
    "mnist",
    "target",
    "header",
    "delimiter",
    "x",
    "y",
    "test_split",
    "standardize",
    "images",
    "scale",
    "stratify",
    "train_size",
    "upsample",
}
SOURCES = ("dataset", "csv", "npz", "mnist")
#: The ``[data]`` keys that only some sources read: a key given with another source would be
#: ignored, so it is refused (the keys not listed here apply to every source).
SOURCE_KEYS = {
    "target": ("csv",),
    "header": ("csv",),
    "delimiter": ("csv",),
    "x": ("npz",),
    "y": ("npz",),
    "images": ("digits", "mnist"),
    "scale": ("digits",),
    "test_split": ("dataset", "csv", "npz"),
}
DATASETS = ("iris", "breast_cancer", "diabetes", "digits", "xor", "mirror_symmetry", "tumor_survival")
#: Layer types a config may name: the layers of deltanet.nn (not containers or base classes).
LAYER_TYPES: dict[str, type] = {
    name: getattr(nn, name)
    for name in sorted(dir(nn))
    if isinstance(getattr(nn, name), type)
    and issubclass(getattr(nn, name), nn.Module)
    and name not in ("Module", "Sequential", "ModuleList", "Parameter")
}
BUILDERS = ("lenet5", "mlp", "unet")
REGULARIZERS = ("L1", "L2", "L12")


# -- reading and checking ---------------------------------------------------------------------
def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def fail(path: Path, where: str, message: str) -> ConfigError:
    """The ``ConfigError`` for key ``where`` of the config ``path``: ``"{path}: {where}: {message}"``.

    Args:
        path: the config file.
        where: the key, e.g. ``"model.layers[0]"``.
        message: what is wrong and what was expected.

    Examples:
        >>> from deltanet.cli.config import fail
        >>> print(fail("c.toml", "epochs", "expected an integer >= 0, got -1"))
        c.toml: epochs: expected an integer >= 0, got -1
    """
    return ConfigError(f"{path}: {where}: {message}")


def _int(cfg: dict, key: str, path: Path, where: str, low: int = 0, default: Any = None) -> Any:
    value = cfg.get(key, default)
    if value is default and key not in cfg:
        return default
    if not check.is_integer(value) or value < low:
        raise fail(path, where + key, f"expected an integer >= {low}, got {value!r} ({_kind(value)})")
    return value


def _fraction(cfg: dict, key: str, path: Path, where: str, default: float = 0.0) -> float:
    value = cfg.get(key, default)
    if not check.is_number(value) or not 0 <= value < 1:
        raise fail(path, where + key, f"expected a fraction in [0, 1), got {value!r} ({_kind(value)})")
    return float(value)


def _bool(cfg: dict, key: str, path: Path, where: str, default: bool) -> bool:
    value = cfg.get(key, default)
    if not isinstance(value, bool):
        raise fail(path, where + key, f"expected true or false, got {value!r} ({_kind(value)})")
    return value


def _str(cfg: dict, key: str, path: Path, where: str, default: Any = None) -> Any:
    value = cfg.get(key, default)
    if key in cfg and not isinstance(value, str):
        raise fail(path, where + key, f"expected a string, got {value!r} ({_kind(value)})")
    return value


def _table(cfg: dict, key: str, path: Path) -> dict:
    value = cfg.get(key, {})
    if not isinstance(value, dict):
        raise fail(path, key, f"expected a table ([{key}]), got {_kind(value)} {value!r}")
    return value


def _unknown(cfg: dict, known: Any, path: Path, where: str) -> None:
    for key in cfg:
        if key not in known:
            raise fail(path, where or "config", f"unknown key {key!r}; known keys: {', '.join(sorted(known))}")


def _options(cls: Any, options: dict, path: Path, where: str, skip: tuple[str, ...] = ()) -> None:
    """Refuse options that ``cls``'s constructor does not take, listing those it does."""
    parameters = inspect.signature(cls).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    known = [n for n, p in parameters.items() if n not in skip and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in options:
        if key not in known:
            raise fail(
                path, where, f"unknown option {key!r} for {getattr(cls, '__name__', cls)}; known: {', '.join(known)}"
            )


def read_config(path: Any, data_dir: Any = None) -> dict[str, Any]:
    """Read and check a TOML config; return it with defaults filled in.

    Args:
        path: the TOML file.
        data_dir: the folder that relative data paths start from (default: the file's folder).

    Raises:
        ConfigError: TOML syntax, unknown keys, wrong types or values (naming file and key).
        FileNotFoundError: no such file.

    Examples:
        >>> import tempfile, os
        >>> from deltanet.cli.config import read_config
        >>> path = os.path.join(tempfile.mkdtemp(), "bad.toml")
        >>> _ = open(path, "w").write('epochs = "ten"\\n[data]\\ndataset = "iris"\\n[model]\\nbuilder = "mlp"\\n')
        >>> read_config(path)
        Traceback (most recent call last):
        ...
        deltanet.cli.config.ConfigError: .../bad.toml: epochs: expected an integer >= 0, got 'ten' (a string)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad writes one) is not TOML
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: expected a TOML config file, got a folder") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not a UTF-8 text file ({error.reason})") from None
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: TOML syntax error: {error}") from None
    _unknown(cfg, TOP_KEYS, path, "")
    for key in ("data", "model"):
        if key not in cfg:
            raise fail(path, key, f"missing; expected {TOP_KEYS[key]}")
    out: dict[str, Any] = {"path": path, "text": text}
    out["seed"] = _int(cfg, "seed", path, "", default=0)
    if out["seed"] >= 2**64:  # dn.manual_seed's range, as torch.manual_seed's (a 64-bit seed)
        raise fail(path, "seed", f"expected an integer in [0, 2**64), got {out['seed']} (more than 64 bits)")
    if "epochs" not in cfg:
        raise fail(path, "epochs", f"missing; expected {TOP_KEYS['epochs']}")
    out["epochs"] = _int(cfg, "epochs", path, "")
    batch = cfg.get("batch_size", 32)
    if batch == "full":
        batch = None
    elif not check.is_integer(batch) or batch < 1:
        raise fail(path, "batch_size", f'expected a positive integer or "full", got {batch!r} ({_kind(batch)})')
    out["batch_size"] = batch
    out["validation_split"] = _fraction(cfg, "validation_split", path, "")
    metrics = cfg.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise fail(path, "metrics", f"expected a list of metric names, got {metrics!r}")
    for m in metrics:
        try:
            dn.metrics.get(m)
        except ValueError as error:
            raise fail(path, "metrics", str(error)) from None
    out["metrics"] = metrics
    dtype = cfg.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise fail(path, "dtype", f'expected "float32" or "float64", got {dtype!r}')
    out["dtype"] = dtype
    run_dir = _str(cfg, "run_dir", path, "")
    out["run_dir"] = Path(run_dir) if run_dir else Path("runs") / path.stem
    out["data"] = _check_data(_table(cfg, "data", path), path, Path(data_dir) if data_dir is not None else path.parent)
    out["model"] = _check_model(_table(cfg, "model", path), path)
    out["loss"] = _check_loss(cfg.get("loss", "cross_entropy"), path)
    out["optimizer"] = _check_optimizer(
        _table(cfg, "optimizer", path) if "optimizer" in cfg else {"name": "adam"}, path
    )
    out["regularizer"] = _check_regularizer(_table(cfg, "regularizer", path), path) if "regularizer" in cfg else None
    out["callbacks"] = _check_callbacks(cfg.get("callbacks", []), path)
    _check_watched(out, path)
    return out


def override_text(text: str, key: str, value: int, option: str) -> str:
    """The config's text with the top-level integer ``key`` set to ``value`` by the command line's
    ``option``, so that the run folder's ``config.toml`` repeats the run; the line says so in a
    comment (``epochs = 3  # deltanet train --epochs 3; the config said 200``). The rest of the
    text (comments, layout) is kept; the result is checked by parsing it again.

    Args:
        text: the config as given.
        key: a top-level key that the config holds (``"epochs"``).
        value: its new value.
        option: the command-line option that gave it (``"--epochs"``).

    Examples:
        >>> from deltanet.cli.config import override_text
        >>> print(override_text("seed = 0\\nepochs = 200 # long\\n[data]\\n", "epochs", 3, "--epochs"), end="")
        seed = 0
        epochs = 3  # deltanet train --epochs 3; the config said 200 # long
        [data]
    """
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf"""^(\s*(?:{key}|"{key}"|'{key}')\s*=\s*)([-+0-9_xob]+)(.*)$""", re.DOTALL)
    for i, line in enumerate(lines):
        if line.lstrip().startswith("["):  # the first table: top-level keys come before it
            break
        match = pattern.match(line)
        if match is not None:
            head, old, rest = match.groups()
            lines[i] = f"{head}{value}  # deltanet train {option} {value}; the config said {old}{rest}"
            new = "".join(lines)
            if tomllib.loads(new) == {**tomllib.loads(text), key: value}:
                return new
            break
    raise ValueError(
        f"cannot write {option} {value} into the config's text: no line '{key} = ...' found before its tables"
    )


def _check_watched(cfg: dict[str, Any], path: Path) -> None:
    """Refuse a callback that watches a quantity the run does not log (``EarlyStopping`` would warn
    after every epoch and never stop, ``ModelCheckpoint`` would never write ``best.dnet``); a
    ``ModelCheckpoint`` left on its default ``monitor`` that writes ``last.dnet`` is let through."""
    logged = {"loss", *cfg["metrics"], *(("penalty",) if cfg["regularizer"] else ())}
    if cfg["validation_split"] > 0:
        logged |= {"val_loss", *(f"val_{m}" for m in cfg["metrics"])}
    known = callback_types()
    for i, (kind, options) in enumerate(cfg["callbacks"]):
        parameter = inspect.signature(known[kind]).parameters.get("monitor")
        if parameter is None:
            continue
        monitor = options.get("monitor", parameter.default)
        if kind == "ModelCheckpoint" and "monitor" not in options and not options.get("save_best_only", False):
            continue  # its last.dnet is what it is for; fit warns that best.dnet is not written
        if isinstance(monitor, str) and monitor not in logged:
            given = "" if "monitor" in options else " (the default)"
            no_validation = monitor.startswith("val_") and cfg["validation_split"] == 0
            hint = "; val_ quantities need validation_split > 0" if no_validation else ""
            raise fail(
                path,
                f"callbacks[{i}] ({kind})",
                f"monitor {monitor!r}{given} is not logged by this run, which logs {', '.join(sorted(logged))}"
                f"{hint} (metrics = [...] adds a metric and its val_ twin)",
            )


def _check_data(data: dict, path: Path, base: Path) -> dict:
    _unknown(data, DATA_KEYS, path, "data")
    given = [k for k in SOURCES if k in data]
    if len(given) != 1:
        raise fail(path, "data", f"expected exactly one of {', '.join(SOURCES)}, got {given or 'none'}")
    source = given[0]
    value = _str(data, source, path, "data.")
    if source == "dataset" and value not in DATASETS:
        raise fail(path, "data.dataset", f"unknown dataset {value!r}; known: {', '.join(DATASETS)}")
    readers = {source, value} if source == "dataset" else {source}  # {"dataset", "digits"}, {"csv"}, ...
    for key in data:
        if key in SOURCE_KEYS and not readers & set(SOURCE_KEYS[key]):
            if key == "test_split":
                why = "MNIST brings its own test set (its t10k files), which deltanet evaluate scores"
            else:
                takes = " and ".join('dataset = "digits"' if s == "digits" else s for s in SOURCE_KEYS[key])
                why = f"does not apply to {source} = {value!r} (it would be ignored); only {takes} take it"
            raise fail(path, f"data.{key}", why)
    target = data.get("target", -1)
    if not (check.is_integer(target) or isinstance(target, str)):
        raise fail(path, "data.target", f"expected a column name or index, got {target!r} ({_kind(target)})")
    header = data.get("header", "auto")
    if not (isinstance(header, bool) or header == "auto"):  # not 1 or 0, which equal True and False
        raise fail(path, "data.header", f'expected true, false or "auto", got {header!r}')
    out = {
        "source": source,
        "value": value if source == "dataset" else str((base / value) if not Path(value).is_absolute() else value),
        "target": target,
        "header": header,
        "delimiter": _str(data, "delimiter", path, "data.", ","),
        "x": _str(data, "x", path, "data.", "X"),
        "y": _str(data, "y", path, "data.", "y"),
        "test_split": _fraction(data, "test_split", path, "data.", 0.0),
        "standardize": _bool(data, "standardize", path, "data.", False),
        "images": _bool(data, "images", path, "data.", False),
        "scale": _bool(data, "scale", path, "data.", True),
        "stratify": _bool(data, "stratify", path, "data.", True),
        "train_size": _int(data, "train_size", path, "data.", low=1, default=None),
        "upsample": _int(data, "upsample", path, "data.", low=1, default=1),
    }
    if out["upsample"] > 1 and not (out["images"] or source == "npz"):
        raise fail(path, "data.upsample", "upsampling repeats the pixels of images; set images = true")
    if out["standardize"] and (out["images"] or source == "mnist"):
        raise fail(path, "data.standardize", "standardization is per feature of (N, F) data; images are already scaled")
    return out


def _check_model(model: dict, path: Path) -> dict:
    _unknown(model, {"layers", "builder", "args"}, path, "model")
    if ("layers" in model) == ("builder" in model):
        raise fail(path, "model", 'expected either layers = [...] or builder = "lenet5" | "mlp" | "unet"')
    if "builder" in model:
        builder = model["builder"]
        if not isinstance(builder, str) or builder not in BUILDERS:
            raise fail(path, "model.builder", f"unknown builder {builder!r}; known: {', '.join(BUILDERS)}")
        args = model.get("args", {})
        if not isinstance(args, dict):
            raise fail(path, "model.args", f"expected a table, got {_kind(args)}")
        _options(getattr(dn.models, builder), args, path, "model.args", skip=("rng", "dtype"))
        return {"builder": builder, "args": args}
    if "args" in model:
        raise fail(path, "model.args", "args go with builder = ...; a layer list takes its options in each layer")
    layers = model["layers"]
    if not isinstance(layers, list) or not layers:
        raise fail(path, "model.layers", f"expected a non-empty array of tables, got {_kind(layers)}")
    checked = []
    for i, layer in enumerate(layers):
        where = f"model.layers[{i}]"
        if not isinstance(layer, dict) or "type" not in layer:
            raise fail(path, where, f'expected a table with type = "Linear" (or another layer), got {layer!r}')
        kind = layer["type"]
        if not isinstance(kind, str) or kind not in LAYER_TYPES:
            raise fail(path, where, f"unknown layer type {kind!r}; known: {', '.join(LAYER_TYPES)}")
        options = {k: v for k, v in layer.items() if k != "type"}
        _options(LAYER_TYPES[kind], options, path, where, skip=("rng", "dtype"))
        checked.append((kind, options))
    return {"layers": checked}


def loss_classes() -> dict[str, type]:
    """The loss classes a config may name by class name (``loss = "CrossEntropyLoss"``, PyTorch's
    spelling): those of ``deltanet.losses`` and ``deltanet.nn``, a closed list.

    Examples:
        >>> from deltanet.cli.config import loss_classes
        >>> loss_classes()["CrossEntropyLoss"].target_kind
        'class_index'
    """
    found: dict[str, type] = {}
    for module in (dn.losses, nn):
        for name in sorted(dir(module)):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, dn.losses.Loss) and value is not dn.losses.Loss:
                found.setdefault(name, value)
    return found


def _check_loss(loss: Any, path: Path) -> dict:
    if isinstance(loss, str):
        loss = {"name": loss}
    if not isinstance(loss, dict) or not isinstance(loss.get("name"), str):
        raise fail(path, "loss", f'expected a loss name or a table with name = "...", got {loss!r}')
    options = {k: v for k, v in loss.items() if k != "name"}
    classes = loss_classes()
    if loss["name"] in classes:  # PyTorch's spelling: "CrossEntropyLoss"
        cls = classes[loss["name"]]
    else:
        try:
            cls = type(dn.losses.get(loss["name"]))
        except ValueError as error:
            raise fail(path, "loss", f"{error}; or a class name: {', '.join(sorted(classes))}") from None
    _options(cls, options, path, "loss")
    return {"name": loss["name"], "options": options, "class": cls}


def _check_optimizer(opt: dict, path: Path) -> dict:
    name = opt.get("name")
    if not isinstance(name, str):
        raise fail(path, "optimizer.name", f'expected an optimizer name such as "sgd" or "adam", got {name!r}')
    options = {k: v for k, v in opt.items() if k != "name"}
    probe = nn.Linear(1, 1)
    try:
        cls = type(dn.optim.get(name, probe.parameters()))
    except ValueError as error:
        raise fail(path, "optimizer.name", str(error)) from None
    _options(cls, options, path, "optimizer", skip=("params",))
    return {"name": name, "options": options}


def _check_regularizer(reg: dict, path: Path) -> dict:
    _unknown(reg, {"type", "lam", "eps"}, path, "regularizer")
    kind = reg.get("type")
    if not isinstance(kind, str) or kind not in REGULARIZERS:
        raise fail(path, "regularizer.type", f"expected one of {', '.join(REGULARIZERS)}, got {kind!r}")
    lam = reg.get("lam")
    if not check.is_number(lam) or not lam >= 0:  # NaN too
        raise fail(path, "regularizer.lam", f"expected a number >= 0, got {lam!r} ({_kind(lam)})")
    return {"type": kind, "options": {k: v for k, v in reg.items() if k != "type"}}


def callback_types() -> dict[str, type]:
    """The callbacks a config may name (``[[callbacks]] type = ...``): a closed list, by class name.

    Examples:
        >>> from deltanet.cli.config import callback_types
        >>> "EarlyStopping" in callback_types()
        True
    """
    module = dn.training.callbacks
    return {
        name: cls
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, dn.callbacks.Callback)
        and cls not in (dn.callbacks.Callback, dn.callbacks.History)
        and not name.startswith("_")
        and name not in NEEDS_AN_OBJECT
    }


#: Callbacks whose constructor needs a Python object that no TOML value gives, with what to do.
NEEDS_AN_OBJECT = {
    "LearningRateScheduler": (
        "it needs a scheduler object (dn.optim.StepLR(optimizer, ...)), which a config cannot give; "
        "train from Python with dn.fit(..., callbacks=[dn.callbacks.LearningRateScheduler(scheduler)])"
    ),
}


def _check_callbacks(callbacks: Any, path: Path) -> list:
    if not isinstance(callbacks, list):
        raise fail(path, "callbacks", 'expected an array of tables ([[callbacks]] type = "EarlyStopping" ...)')
    known = callback_types()
    checked = []
    for i, cb in enumerate(callbacks):
        where = f"callbacks[{i}]"
        if isinstance(cb, dict) and isinstance(cb.get("type"), str) and cb["type"] in NEEDS_AN_OBJECT:
            raise fail(path, where, f"{cb['type']} cannot be used in a config: {NEEDS_AN_OBJECT[cb['type']]}")
        if not isinstance(cb, dict) or not isinstance(cb.get("type"), str) or cb["type"] not in known:
            got = cb.get("type") if isinstance(cb, dict) else cb
            raise fail(path, where, f"unknown callback {got!r}; known: {', '.join(sorted(known))}")
        options = {k: v for k, v in cb.items() if k != "type"}
        _options(known[cb["type"]], options, path, where)
        checked.append((cb["type"], options))
    return checked


__all__ = [
    "BUILDERS",
    "DATASETS",
    "LAYER_TYPES",
    "ConfigError",
    "callback_types",
    "fail",
    "loss_classes",
    "override_text",
    "read_config",
]
