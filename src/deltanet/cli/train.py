"""``deltanet train``, ``evaluate`` and ``predict``: training from a TOML file, without code.

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

Paths of data files are relative to the config file's folder. Every key is checked: an unknown
key, a wrong type or a bad value is a ``ConfigError`` naming the file, the key and what is
known or expected. Layer types, models, losses, optimizers and callbacks come from closed lists
(``deltanet.nn``, ``deltanet.models``, ...); nothing is imported by name.

The run folder holds ``config.toml`` (the config as given), ``config.json`` and ``history.csv``
(written by ``fit``), ``model.dnet`` (``dn.save``), ``preprocessing.json`` (the standardization,
the class names, the task), ``split.json`` (which samples were held out), ``metrics.json`` and,
when matplotlib is installed, ``learning_curves.png``.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.training.rundir import atomic_write_text


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


TOP_KEYS = {
    "seed": "an integer ≥ 0 (default 0)",
    "epochs": "an integer ≥ 0",
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


def _fail(path: Path, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {message}")


def _int(cfg: dict, key: str, path: Path, where: str, low: int = 0, default: Any = None) -> Any:
    value = cfg.get(key, default)
    if value is default and key not in cfg:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(path, where + key, f"expected an integer ≥ {low}, got {value!r} ({_kind(value)})")
    return value


def _fraction(cfg: dict, key: str, path: Path, where: str, default: float = 0.0) -> float:
    value = cfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise _fail(path, where + key, f"expected a fraction in [0, 1), got {value!r} ({_kind(value)})")
    return float(value)


def _bool(cfg: dict, key: str, path: Path, where: str, default: bool) -> bool:
    value = cfg.get(key, default)
    if not isinstance(value, bool):
        raise _fail(path, where + key, f"expected true or false, got {value!r} ({_kind(value)})")
    return value


def _str(cfg: dict, key: str, path: Path, where: str, default: Any = None) -> Any:
    value = cfg.get(key, default)
    if key in cfg and not isinstance(value, str):
        raise _fail(path, where + key, f"expected a string, got {value!r} ({_kind(value)})")
    return value


def _table(cfg: dict, key: str, path: Path) -> dict:
    value = cfg.get(key, {})
    if not isinstance(value, dict):
        raise _fail(path, key, f"expected a table ([{key}]), got {_kind(value)} {value!r}")
    return value


def _unknown(cfg: dict, known: Any, path: Path, where: str) -> None:
    for key in cfg:
        if key not in known:
            raise _fail(path, where or "config", f"unknown key {key!r}; known keys: {', '.join(sorted(known))}")


def _options(cls: Any, options: dict, path: Path, where: str, skip: tuple[str, ...] = ()) -> None:
    """Refuse options that ``cls``'s constructor does not take, listing those it does."""
    parameters = inspect.signature(cls).parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    known = [n for n, p in parameters.items() if n not in skip and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in options:
        if key not in known:
            raise _fail(
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
        >>> from deltanet.cli.train import read_config
        >>> path = os.path.join(tempfile.mkdtemp(), "bad.toml")
        >>> _ = open(path, "w").write('epochs = "ten"\\n[data]\\ndataset = "iris"\\n[model]\\nbuilder = "mlp"\\n')
        >>> read_config(path)
        Traceback (most recent call last):
        ...
        deltanet.cli.train.ConfigError: .../bad.toml: epochs: expected an integer ≥ 0, got 'ten' (a string)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
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
            raise _fail(path, key, f"missing; expected {TOP_KEYS[key]}")
    out: dict[str, Any] = {"path": path, "text": text}
    out["seed"] = _int(cfg, "seed", path, "", default=0)
    if "epochs" not in cfg:
        raise _fail(path, "epochs", f"missing; expected {TOP_KEYS['epochs']}")
    out["epochs"] = _int(cfg, "epochs", path, "")
    batch = cfg.get("batch_size", 32)
    if batch == "full":
        batch = None
    elif isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise _fail(path, "batch_size", f'expected a positive integer or "full", got {batch!r} ({_kind(batch)})')
    out["batch_size"] = batch
    out["validation_split"] = _fraction(cfg, "validation_split", path, "")
    metrics = cfg.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise _fail(path, "metrics", f"expected a list of metric names, got {metrics!r}")
    for m in metrics:
        try:
            dn.metrics.get(m)
        except ValueError as error:
            raise _fail(path, "metrics", str(error)) from None
    out["metrics"] = metrics
    dtype = cfg.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise _fail(path, "dtype", f'expected "float32" or "float64", got {dtype!r}')
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
    return out


def _check_data(data: dict, path: Path, base: Path) -> dict:
    _unknown(data, DATA_KEYS, path, "data")
    given = [k for k in SOURCES if k in data]
    if len(given) != 1:
        raise _fail(path, "data", f"expected exactly one of {', '.join(SOURCES)}, got {given or 'none'}")
    source = given[0]
    value = _str(data, source, path, "data.")
    if source == "dataset" and value not in DATASETS:
        raise _fail(path, "data.dataset", f"unknown dataset {value!r}; known: {', '.join(DATASETS)}")
    target = data.get("target", -1)
    if isinstance(target, bool) or not isinstance(target, (int, str)):
        raise _fail(path, "data.target", f"expected a column name or index, got {target!r} ({_kind(target)})")
    header = data.get("header", "auto")
    if header not in (True, False, "auto"):
        raise _fail(path, "data.header", f'expected true, false or "auto", got {header!r}')
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
        raise _fail(path, "data.upsample", "upsampling repeats the pixels of images; set images = true")
    if out["standardize"] and (out["images"] or source == "mnist"):
        raise _fail(
            path, "data.standardize", "standardization is per feature of (N, F) data; images are already scaled"
        )
    return out


def _check_model(model: dict, path: Path) -> dict:
    _unknown(model, {"layers", "builder", "args"}, path, "model")
    if ("layers" in model) == ("builder" in model):
        raise _fail(path, "model", 'expected either layers = [...] or builder = "lenet5" | "mlp" | "unet"')
    if "builder" in model:
        builder = model["builder"]
        if not isinstance(builder, str) or builder not in BUILDERS:
            raise _fail(path, "model.builder", f"unknown builder {builder!r}; known: {', '.join(BUILDERS)}")
        args = model.get("args", {})
        if not isinstance(args, dict):
            raise _fail(path, "model.args", f"expected a table, got {_kind(args)}")
        _options(getattr(dn.models, builder), args, path, "model.args", skip=("rng", "dtype"))
        return {"builder": builder, "args": args}
    if "args" in model:
        raise _fail(path, "model.args", "args go with builder = ...; a layer list takes its options in each layer")
    layers = model["layers"]
    if not isinstance(layers, list) or not layers:
        raise _fail(path, "model.layers", f"expected a non-empty array of tables, got {_kind(layers)}")
    checked = []
    for i, layer in enumerate(layers):
        where = f"model.layers[{i}]"
        if not isinstance(layer, dict) or "type" not in layer:
            raise _fail(path, where, f'expected a table with type = "Linear" (or another layer), got {layer!r}')
        kind = layer["type"]
        if not isinstance(kind, str) or kind not in LAYER_TYPES:
            raise _fail(path, where, f"unknown layer type {kind!r}; known: {', '.join(LAYER_TYPES)}")
        options = {k: v for k, v in layer.items() if k != "type"}
        _options(LAYER_TYPES[kind], options, path, where, skip=("rng", "dtype"))
        checked.append((kind, options))
    return {"layers": checked}


def _check_loss(loss: Any, path: Path) -> dict:
    if isinstance(loss, str):
        loss = {"name": loss}
    if not isinstance(loss, dict) or not isinstance(loss.get("name"), str):
        raise _fail(path, "loss", f'expected a loss name or a table with name = "...", got {loss!r}')
    options = {k: v for k, v in loss.items() if k != "name"}
    try:
        cls = type(dn.losses.get(loss["name"]))
    except ValueError as error:
        raise _fail(path, "loss", str(error)) from None
    _options(cls, options, path, "loss")
    return {"name": loss["name"], "options": options, "class": cls}


def _check_optimizer(opt: dict, path: Path) -> dict:
    name = opt.get("name")
    if not isinstance(name, str):
        raise _fail(path, "optimizer.name", f'expected an optimizer name such as "sgd" or "adam", got {name!r}')
    options = {k: v for k, v in opt.items() if k != "name"}
    probe = nn.Linear(1, 1)
    try:
        cls = type(dn.optim.get(name, probe.parameters()))
    except ValueError as error:
        raise _fail(path, "optimizer.name", str(error)) from None
    _options(cls, options, path, "optimizer", skip=("params",))
    return {"name": name, "options": options}


def _check_regularizer(reg: dict, path: Path) -> dict:
    _unknown(reg, {"type", "lam", "eps"}, path, "regularizer")
    kind = reg.get("type")
    if not isinstance(kind, str) or kind not in REGULARIZERS:
        raise _fail(path, "regularizer.type", f"expected one of {', '.join(REGULARIZERS)}, got {kind!r}")
    lam = reg.get("lam")
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or lam < 0:
        raise _fail(path, "regularizer.lam", f"expected a number ≥ 0, got {lam!r} ({_kind(lam)})")
    return {"type": kind, "options": {k: v for k, v in reg.items() if k != "type"}}


def _callback_types() -> dict[str, type]:
    module = dn.training.callbacks
    return {
        name: cls
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, dn.callbacks.Callback)
        and cls not in (dn.callbacks.Callback, dn.callbacks.History)
        and not name.startswith("_")
    }


def _check_callbacks(callbacks: Any, path: Path) -> list:
    if not isinstance(callbacks, list):
        raise _fail(path, "callbacks", 'expected an array of tables ([[callbacks]] type = "EarlyStopping" ...)')
    known = _callback_types()
    checked = []
    for i, cb in enumerate(callbacks):
        where = f"callbacks[{i}]"
        if not isinstance(cb, dict) or not isinstance(cb.get("type"), str) or cb["type"] not in known:
            got = cb.get("type") if isinstance(cb, dict) else cb
            raise _fail(path, where, f"unknown callback {got!r}; known: {', '.join(sorted(known))}")
        options = {k: v for k, v in cb.items() if k != "type"}
        _options(known[cb["type"]], options, path, where)
        checked.append((cb["type"], options))
    return checked


# -- data ---------------------------------------------------------------------------------------
@dataclass
class Data:
    """Samples, targets and what they are."""

    X: np.ndarray
    y: Any
    target_names: list[str] = field(default_factory=list)
    test: tuple[np.ndarray, Any] | None = None  # a given test set (MNIST)


def load_data(spec: dict, dtype: str = "float32", for_prediction: bool = False) -> Data:
    """Load the data a (checked) ``[data]`` table names."""
    data = _load_data(spec, dtype, for_prediction)
    k = spec.get("upsample", 1)
    if k > 1:
        if data.X.ndim != 4:
            raise ValueError(f"{spec['value']}: upsample = {k} needs images (N, C, H, W), got shape {data.X.shape}")
        repeat = np.ones((1, 1, k, k), dtype=data.X.dtype)
        data.X = np.kron(data.X, repeat)
        if data.test is not None:
            data.test = (np.kron(data.test[0], repeat), data.test[1])
    return data


def _load_data(spec: dict, dtype: str, for_prediction: bool) -> Data:
    from deltanet import data as D

    source, value = spec["source"], spec["value"]
    if source == "dataset":
        loaders: dict[str, Callable[[], Any]] = {
            "iris": lambda: D.load_iris(dtype=dtype),
            "breast_cancer": lambda: D.load_breast_cancer(dtype=dtype),
            "diabetes": lambda: D.load_diabetes(dtype=dtype),
            "digits": lambda: D.load_digits(dtype=dtype, images=spec["images"], scale=spec["scale"]),
            "xor": lambda: D.xor(dtype=dtype),
            "mirror_symmetry": lambda: D.mirror_symmetry(dtype=dtype),
            "tumor_survival": lambda: D.tumor_survival(dtype=dtype),
        }
        bundle = loaders[value]()
        return Data(bundle.X, bundle.y, list(bundle.target_names))
    if source == "csv":
        target = None if for_prediction else spec["target"]
        bundle = D.read_csv(value, target=target, header=spec["header"], delimiter=spec["delimiter"], dtype=dtype)
        X = bundle.X
        if for_prediction and isinstance(spec["target"], str) and spec["target"] in bundle.feature_names:
            X = np.delete(X, bundle.feature_names.index(spec["target"]), axis=1)  # the target column, if present
        return Data(X, bundle.y, list(bundle.target_names))
    if source == "npz":
        bundle = D.read_npz_xy(value, x=spec["x"], y=None if for_prediction else spec["y"])
        X = bundle.X.astype(dtype) if bundle.X.dtype.kind in "fiub" else bundle.X
        return Data(X, bundle.y)
    train = D.load_mnist(value, "train", dtype=dtype, flatten=not spec["images"])
    test = D.load_mnist(value, "test", dtype=dtype, flatten=not spec["images"])
    return Data(train.X, train.y, list(train.target_names), test=(test.X, test.y))


def _task(loss_class: type) -> str:
    name = loss_class.__name__
    if name in ("CrossEntropy", "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "DiceLoss"):
        return "classification"
    if name in ("BCEWithLogitsLoss", "BCELoss", "HingeLoss"):
        return "binary"
    return "regression"


def split_data(cfg: dict, data: Data) -> dict[str, Any]:
    """Training, validation and test parts as the config asks (deterministic in ``seed``)."""
    from deltanet.data import train_test_split

    spec, seed = cfg["data"], cfg["seed"]
    n = len(data.X)
    index = np.arange(n)
    classification = (
        _task(cfg["loss"]["class"]) == "classification" and data.y is not None and np.asarray(data.y).ndim == 1
    )
    stratify = spec["stratify"] and classification
    test_index = np.array([], dtype=np.int64)
    if spec["test_split"] > 0 and data.test is None:
        index, test_index = train_test_split(
            index,
            data.y if stratify else None,
            test_size=spec["test_split"],
            stratify=data.y if stratify else None,
            rng=seed,
        )[:2]
    if spec["train_size"] is not None:
        index = index[: spec["train_size"]]
    val_index = np.array([], dtype=np.int64)
    if cfg["validation_split"] > 0:
        y_part = data.y[index] if stratify else None
        index, val_index = train_test_split(
            index, y_part, test_size=cfg["validation_split"], stratify=y_part, rng=seed + 1
        )[:2]
    return {"train": np.sort(index), "validation": np.sort(val_index), "test": np.sort(test_index)}


class Preprocessing:
    """What must be done to new samples before the model sees them, saved as JSON."""

    def __init__(
        self,
        mean: Any = None,
        scale: Any = None,
        target_names: list[str] | None = None,
        task: str = "classification",
        n_features: int | None = None,
    ) -> None:
        if (mean is None) != (scale is None):
            raise ValueError(
                f"Preprocessing: mean and scale must be given together, got mean={mean!r}, scale={scale!r}"
            )
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.scale = None if scale is None else np.asarray(scale, dtype=np.float64)
        self.target_names = list(target_names or [])
        self.task = task
        self.n_features = n_features

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Standardize X with the training statistics (if the run standardized)."""
        if self.mean is None or self.scale is None:  # both or neither (checked in __init__)
            return X
        if X.ndim != 2 or X.shape[1] != len(self.mean):
            raise ValueError(f"the data have shape {X.shape}, but the model was trained on {len(self.mean)} features")
        return ((X - self.mean) / self.scale).astype(X.dtype)

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "mean": None if self.mean is None else self.mean.tolist(),
                    "scale": None if self.scale is None else self.scale.tolist(),
                    "target_names": self.target_names,
                    "task": self.task,
                    "n_features": self.n_features,
                },
                indent=2,
            )
            + "\n"
        )

    @classmethod
    def read(cls, path: Path) -> Preprocessing:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            return cls(value["mean"], value["scale"], value["target_names"], value["task"], value.get("n_features"))
        except FileNotFoundError:
            return cls()
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: malformed preprocessing file ({error})") from None


# -- building -------------------------------------------------------------------------------------
def build_model(spec: dict, path: Path, dtype: str) -> nn.Module:
    """The model a (checked) ``[model]`` table describes."""
    if "builder" in spec:
        try:
            return getattr(dn.models, spec["builder"])(**spec["args"], dtype=dtype)
        except (ValueError, TypeError) as error:
            raise _fail(path, "model.args", str(error)) from None
    layers = []
    for i, (kind, options) in enumerate(spec["layers"]):
        cls = LAYER_TYPES[kind]
        if "dtype" in inspect.signature(cls).parameters:
            options = {**options, "dtype": dtype}
        try:
            layers.append(cls(**options))
        except (ValueError, TypeError) as error:
            raise _fail(path, f"model.layers[{i}] ({kind})", " ".join(str(error).split())) from None
    return nn.Sequential(*layers)


def _build(cfg: dict, model: nn.Module) -> tuple[Any, Any, Any, list]:
    path = cfg["path"]
    try:
        loss = cfg["loss"]["class"](**cfg["loss"]["options"])
    except (ValueError, TypeError) as error:
        raise _fail(path, "loss", str(error)) from None
    try:
        optimizer = dn.optim.get(cfg["optimizer"]["name"], model.parameters(), **cfg["optimizer"]["options"])
    except (ValueError, TypeError) as error:
        raise _fail(path, "optimizer", str(error)) from None
    regularizer = None
    if cfg["regularizer"]:
        try:
            regularizer = getattr(dn.regularizers, cfg["regularizer"]["type"])(**cfg["regularizer"]["options"])
        except (ValueError, TypeError) as error:
            raise _fail(path, "regularizer", str(error)) from None
    callbacks = []
    known = _callback_types()
    for i, (kind, options) in enumerate(cfg["callbacks"]):
        try:
            callbacks.append(known[kind](**options))
        except (ValueError, TypeError) as error:
            raise _fail(path, f"callbacks[{i}] ({kind})", str(error)) from None
    return loss, optimizer, regularizer, callbacks


# -- the commands -----------------------------------------------------------------------------------
def train(
    config: Any, run_dir: Any = None, epochs: int | None = None, verbose: int = 2, say: Callable[..., None] = print
) -> dict[str, Any]:
    """``deltanet train CONFIG``: train as the config says and fill the run folder.

    Returns:
        ``{"run_dir", "history", "metrics"}`` (metrics on the validation and test parts).
    """
    cfg = read_config(config)
    if epochs is not None:
        cfg["epochs"] = int(epochs)
    folder = Path(run_dir) if run_dir is not None else cfg["run_dir"]
    data = load_data(cfg["data"], cfg["dtype"])
    if data.y is None:
        raise _fail(cfg["path"], "data", "training needs targets; the data have none (set target or y)")
    parts = split_data(cfg, data)
    X, y = data.X, np.asarray(data.y)
    X_train, y_train = X[parts["train"]], y[parts["train"]]
    mean = scale = None
    if cfg["data"]["standardize"]:
        scaler = dn.data.Standardizer().fit(X_train)
        mean, scale = scaler.mean_, scaler.scale_
    task = _task(cfg["loss"]["class"])
    prep = Preprocessing(
        mean, scale, data.target_names if task != "regression" else [], task, int(np.prod(X.shape[1:]))
    )
    X_train = prep.apply(X_train)
    validation = None
    if len(parts["validation"]):
        validation = (prep.apply(X[parts["validation"]]), y[parts["validation"]])
    dn.manual_seed(cfg["seed"])
    model = build_model(cfg["model"], cfg["path"], cfg["dtype"])
    loss, optimizer, regularizer, callbacks = _build(cfg, model)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "config.toml", cfg["text"])
    atomic_write_text(
        folder / "run.json",
        json.dumps({"config": str(cfg["path"].resolve()), "data_dir": str(cfg["path"].resolve().parent)}, indent=2)
        + "\n",
    )
    atomic_write_text(folder / "preprocessing.json", prep.to_json())
    atomic_write_text(folder / "split.json", json.dumps({k: v.tolist() for k, v in parts.items()}) + "\n")
    say(
        f"training {type(model).__name__} ({sum(p.size for p in model.parameters()):,} parameters) on "
        f"{len(X_train)} samples ({len(parts['validation'])} for validation, {len(parts['test'])} held out), "
        f"{cfg['epochs']} epochs → {folder}"
    )
    history = dn.fit(
        model,
        X_train,
        y_train,
        loss,
        optimizer,
        epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        validation_data=validation,
        callbacks=callbacks,
        verbose=verbose,
        run_dir=folder,
        regularizer=regularizer,
        rng=cfg["seed"],
        metrics=cfg["metrics"],
    )
    dn.save(model, folder / "model.dnet")
    metrics: dict[str, Any] = {"epochs_run": len(history.epoch)}
    if history.epoch:
        metrics["final"] = {k: v[-1] for k, v in history.history.items()}
    test = _test_part(data, parts, prep)
    if test is not None:
        metrics["test"] = dn.evaluate(model, *test, loss=loss, metrics=cfg["metrics"])
        shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics["test"].items())
        say(f"held-out test set ({len(test[0])} samples): {shown}")
    atomic_write_text(folder / "metrics.json", json.dumps(metrics, indent=2, default=float) + "\n")
    _plot_curves(history, folder)
    say(f"run folder: {folder} (model.dnet, history.csv, config.toml, preprocessing.json, metrics.json)")
    return {"run_dir": folder, "history": history, "metrics": metrics}


def _test_part(data: Data, parts: dict, prep: Preprocessing) -> tuple[np.ndarray, np.ndarray] | None:
    if data.test is not None:
        return prep.apply(data.test[0]), np.asarray(data.test[1])
    if len(parts["test"]):
        return prep.apply(data.X[parts["test"]]), np.asarray(data.y)[parts["test"]]
    return None


def _plot_curves(history: Any, folder: Path) -> None:
    try:
        from deltanet.examples._common import pyplot, save_figure

        plt = pyplot()
    except ImportError:
        return  # matplotlib is optional; history.csv holds the same numbers
    if not history.epoch:
        return
    keys = [k for k in history.history if not k.startswith("val_") and k != "penalty"]
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        ax.plot(range(1, len(history.epoch) + 1), history.history[key], label=key)
        if f"val_{key}" in history.history:
            ax.plot(range(1, len(history.epoch) + 1), history.history[f"val_{key}"], label=f"val_{key}")
        ax.set(xlabel="epoch", title=key)
        ax.legend()
    save_figure(fig, folder / "learning_curves.png")


def _load_run(target: Any) -> tuple[nn.Module, Preprocessing, dict | None, Path]:
    """A run folder (model, preprocessing, config) or a model file (model only)."""
    path = Path(target)
    if path.is_dir():
        model_file = path / "model.dnet"
        if not model_file.is_file():
            raise FileNotFoundError(f"{path}: not a run folder (no model.dnet); train one with 'deltanet train CONFIG'")
        cfg = None
        if (path / "config.toml").is_file():
            try:
                data_dir = json.loads((path / "run.json").read_text(encoding="utf-8"))["data_dir"]
            except (OSError, ValueError, KeyError):
                data_dir = None  # relative data paths then start from the run folder
            cfg = read_config(path / "config.toml", data_dir=data_dir)
        return dn.load(model_file), Preprocessing.read(path / "preprocessing.json"), cfg, path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such run folder or model file")
    prep = Preprocessing.read(path.parent / "preprocessing.json")
    return dn.load(path), prep, None, path


def _data_for(
    spec_text: str | None, cfg: dict | None, run: Path, options: dict, for_prediction: bool
) -> tuple[Data, str]:
    """The data to evaluate or predict on: a named dataset, a file, an MNIST folder, or (no
    ``--data``) the run's own held-out part."""
    if spec_text is None:
        if cfg is None:
            raise ValueError(
                f"{run}: a model file has no data of its own; give --data (a dataset name, .csv, .npz or MNIST folder)"
            )
        data = load_data(cfg["data"], cfg["dtype"])
        if data.test is not None:
            return Data(data.test[0], data.test[1], data.target_names), "the MNIST test set"
        split_file = run / "split.json"
        try:
            test = np.asarray(json.loads(split_file.read_text(encoding="utf-8"))["test"], dtype=np.int64)
        except (OSError, ValueError, KeyError) as error:
            raise ValueError(f"{split_file}: cannot read the held-out split ({error})") from None
        if len(test) == 0:
            raise ValueError(f"{run}: the run held out no test data (data.test_split = 0); give --data")
        return Data(
            data.X[test], None if data.y is None else np.asarray(data.y)[test], data.target_names
        ), f"the held-out {len(test)} samples"
    base = (
        dict(cfg["data"])
        if cfg is not None
        else {"target": -1, "header": "auto", "delimiter": ",", "x": "X", "y": "y", "images": False, "scale": True}
    )
    for key in ("target", "x", "y"):
        if options.get(key) is not None:
            base[key] = options[key]
    path = Path(spec_text)
    if spec_text in DATASETS:
        base.update(source="dataset", value=spec_text)
    elif path.is_dir():
        base.update(source="mnist", value=spec_text)
        data = load_data(base, cfg["dtype"] if cfg else "float32")
        assert data.test is not None  # an MNIST folder always brings its test set
        return Data(data.test[0], data.test[1], data.target_names), f"the MNIST test set in {path}"
    elif path.suffix.lower() == ".npz":
        base.update(source="npz", value=spec_text)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv") or path.exists():
        base.update(source="csv", value=spec_text)
    else:
        raise FileNotFoundError(f"{spec_text}: no such file, folder or dataset (datasets: {', '.join(DATASETS)})")
    return load_data(base, cfg["dtype"] if cfg else "float32", for_prediction=for_prediction), spec_text


def evaluate(
    model_path: Any, data: str | None = None, say: Callable[..., None] = print, **options: Any
) -> dict[str, float]:
    """``deltanet evaluate RUN_DIR|MODEL [--data SPEC]``: loss and metrics on labelled data.

    Args:
        model_path: a run folder or a ``.dnet`` file.
        data: a dataset name, a file or an MNIST folder; None for the run's held-out part.
        say: where the result line goes.
        **options: ``target`` (CSV column), ``x``, ``y`` (NPZ members), ``loss`` (for a model file).
    """
    model, prep, cfg, run = _load_run(model_path)
    dataset, what = _data_for(data, cfg, run, options, for_prediction=False)
    if dataset.y is None:
        raise ValueError(f"{what}: evaluation needs targets, and these data have none")
    loss = cfg["loss"]["class"](**cfg["loss"]["options"]) if cfg else options.get("loss") or "cross_entropy"
    metrics = cfg["metrics"] if cfg else (["accuracy"] if loss == "cross_entropy" else [])
    result = dn.evaluate(model, prep.apply(dataset.X), np.asarray(dataset.y), loss=loss, metrics=metrics)
    say(f"{what}: " + ", ".join(f"{k} {v:.4f}" for k, v in result.items()))
    return result


def predict(
    model_path: Any, data: str, output: Any = None, say: Callable[..., None] = print, **options: Any
) -> np.ndarray:
    """``deltanet predict RUN_DIR|MODEL --data SPEC [--output FILE.csv]``: one prediction per sample.

    For a classifier: the class (its name when known) and the probability of each class; for
    binary outputs: the probability of class 1; for regression: the values.
    """
    model, prep, cfg, run = _load_run(model_path)
    dataset, what = _data_for(data, cfg, run, options, for_prediction=True)
    X = dataset.X
    if (
        prep.n_features is not None
        and X.ndim == 2
        and X.shape[1] == prep.n_features + 1
        and cfg
        and cfg["data"]["source"] == "csv"
        and isinstance(cfg["data"]["target"], int)
    ):
        X = np.delete(X, cfg["data"]["target"] % X.shape[1], axis=1)  # the target column, by position
    outputs = dn.predict(model, prep.apply(X))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = prep.target_names
    if prep.task == "classification" and outputs.ndim == 2 and outputs.shape[1] > 1:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        labels = probabilities.argmax(axis=1)
        columns = names if len(names) == outputs.shape[1] else [str(k) for k in range(outputs.shape[1])]
        writer.writerow(["prediction", *[f"p({c})" for c in columns]])
        for label, row in zip(labels, probabilities):
            writer.writerow([columns[label], *[f"{p:.6f}" for p in row]])
        result = labels
    elif prep.task == "binary":
        p = 1 / (1 + np.exp(-outputs.reshape(len(outputs), -1)[:, 0]))
        columns = names if len(names) == 2 else ["0", "1"]
        writer.writerow(["prediction", f"p({columns[1]})"])
        for value in p:
            writer.writerow([columns[int(value >= 0.5)], f"{value:.6f}"])
        result = (p >= 0.5).astype(np.int64)
    else:
        flat = outputs.reshape(len(outputs), -1)
        writer.writerow([f"output {j}" for j in range(flat.shape[1])] if flat.shape[1] > 1 else ["prediction"])
        for row in flat:
            writer.writerow([f"{v:.6g}" for v in row])
        result = outputs
    if output is not None:
        atomic_write_text(Path(output), buffer.getvalue())
        say(f"{len(outputs)} predictions for {what} written to {output}")
    else:
        say(buffer.getvalue(), end="")
    return result


__all__ = ["ConfigError", "evaluate", "predict", "read_config", "train"]
