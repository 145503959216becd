"""What a checked config builds: the model, and the loss, optimizer, regularizer and callbacks.

Every constructor's ``ValueError`` or ``TypeError`` becomes a ``ConfigError`` that names the config
file and the key (``model.layers[2] (Conv2d): ...``), so that a bad value found only when the
object is built reads like one found while checking.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, NamedTuple

import deltanet as dn
from deltanet import nn
from deltanet.cli.config import LAYER_TYPES, callback_types, fail
from deltanet.training import rundir


class Training(NamedTuple):
    """The objects of one training run, built from a config.

    Attributes:
        loss: the loss module.
        optimizer: the optimizer over the model's parameters.
        regularizer: the penalty, or None.
        callbacks: the config's callbacks, in its order.
    """

    loss: Any
    optimizer: Any
    regularizer: Any
    callbacks: list[Any]


def target_kind(loss: Any) -> str:
    """What the targets of a loss (a class or an instance) hold: its ``target_kind`` attribute.

    ``"class_index"``, ``"binary"``, ``"sign"``, ``"regression"``, ``"segmentation"``, or
    ``"other"`` for a loss that does not say (see ``deltanet.losses.Loss``).

    Args:
        loss: a loss class or module, from ``deltanet.losses`` or ``deltanet.nn``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.cli.build import target_kind
        >>> target_kind(dn.losses.CrossEntropy), target_kind(dn.losses.HingeLoss())
        ('class_index', 'sign')
    """
    cls = loss if isinstance(loss, type) else type(loss)
    kind = getattr(cls, "target_kind", "other")
    return kind if isinstance(kind, str) else "other"


def build_model(spec: dict[str, Any], path: Path, dtype: str) -> nn.Module:
    """The model a checked ``[model]`` table describes, with parameters of ``dtype``.

    Args:
        spec: ``cfg["model"]`` from ``read_config``.
        path: the config file (for messages).
        dtype: ``"float32"`` or ``"float64"``.

    Raises:
        ConfigError: a layer or builder refuses its options.

    Examples:
        >>> from deltanet.cli.build import build_model
        >>> build_model({"layers": [("Linear", {"in_features": 2, "out_features": 1})]}, "c.toml", "float64")
        Sequential(
          (0): Linear(in_features=2, out_features=1, bias=True)
        )
    """
    if "builder" in spec:
        try:
            return getattr(dn.models, spec["builder"])(**spec["args"], dtype=dtype)
        except (ValueError, TypeError) as error:
            raise fail(path, "model.args", str(error)) from None
    layers = []
    for i, (kind, options) in enumerate(spec["layers"]):
        cls = LAYER_TYPES[kind]
        if "dtype" in inspect.signature(cls).parameters:
            options = {**options, "dtype": dtype}
        try:
            layers.append(cls(**options))
        except (ValueError, TypeError) as error:
            raise fail(path, f"model.layers[{i}] ({kind})", " ".join(str(error).split())) from None
    return nn.Sequential(*layers)


#: The option of each callback that names a folder it writes, and that option's default.
OUTPUT_FOLDERS = {"ModelCheckpoint": ("dirpath", None), "TensorBoard": ("log_dir", "logs")}


def _output_option(kind: str, options: dict[str, Any]) -> tuple[str, Any] | None:
    """The option of a callback that names the folder it writes, and its value; None for a
    callback that writes no folder (or has none set)."""
    if kind not in OUTPUT_FOLDERS:
        return None
    key, default = OUTPUT_FOLDERS[kind]
    value = options.get(key, default)
    return None if value is None else (key, value)


def callback_outputs(cfg: dict[str, Any], folder: Path) -> list[Path]:
    """The folders the config's callbacks write, a relative one inside the run folder ``folder``.

    A run's outputs belong to its run folder: ``log_dir = "logs"`` is ``RUN/logs`` whatever the
    working folder, also when ``deltanet train --resume RUN`` continues it from elsewhere, and
    ``--overwrite`` clears it with the rest of the run (two runs' TensorBoard curves in one folder
    would be drawn as one). An absolute path is taken as it is.

    Args:
        cfg: a config from ``read_config``.
        folder: the run folder.

    Examples:
        >>> from pathlib import Path
        >>> from deltanet.cli.build import callback_outputs
        >>> cfg = {"callbacks": [("TensorBoard", {}), ("EarlyStopping", {"patience": 3})]}
        >>> callback_outputs(cfg, Path("runs/iris")) == [Path("runs/iris/logs")]
        True
    """
    found = []
    for kind, options in cfg["callbacks"]:
        option = _output_option(kind, options)
        if option is not None:
            found.append(folder / Path(option[1]))  # an absolute value replaces the folder
    return found


def build_training(cfg: dict[str, Any], model: nn.Module, folder: Path | None = None) -> Training:
    """The loss, optimizer (over ``model``'s parameters), regularizer and callbacks of a config.

    Args:
        cfg: a config from ``read_config``.
        model: the model that the optimizer updates.
        folder: the run folder, where relative folders that callbacks write lie
            (``callback_outputs``); None: the working folder.

    Raises:
        ConfigError: an object refuses its options, or a callback would write into the run's own
            ``checkpoints`` folder (removed when the run completes: a ``best.dnet`` there was lost).
    """
    path = cfg["path"]
    try:
        loss = cfg["loss"]["class"](**cfg["loss"]["options"])
    except (ValueError, TypeError) as error:
        raise fail(path, "loss", str(error)) from None
    try:
        optimizer = dn.optim.get(cfg["optimizer"]["name"], model.parameters(), **cfg["optimizer"]["options"])
    except (ValueError, TypeError) as error:
        raise fail(path, "optimizer", str(error)) from None
    regularizer = None
    if cfg["regularizer"]:
        try:
            regularizer = getattr(dn.regularizers, cfg["regularizer"]["type"])(**cfg["regularizer"]["options"])
        except (ValueError, TypeError) as error:
            raise fail(path, "regularizer", str(error)) from None
    callbacks = []
    known = callback_types()
    for i, (kind, options) in enumerate(cfg["callbacks"]):
        option = None if folder is None else _output_option(kind, options)
        if option is not None and folder is not None:
            key, value = option
            if (folder / Path(value)).resolve() == (folder / rundir.CHECKPOINTS).resolve():
                raise fail(
                    path,
                    f"callbacks[{i}] ({kind})",
                    f"{key} = {value!r} is the folder where deltanet train keeps the checkpoint it resumes "
                    f"from, and which it removes when the run completes, with everything in it; give "
                    f'another folder, e.g. {key} = "best"',
                )
            options = {**options, key: str(folder / Path(value))}
        try:
            callbacks.append(known[kind](**options))
        except (ValueError, TypeError) as error:
            raise fail(path, f"callbacks[{i}] ({kind})", str(error)) from None
    return Training(loss, optimizer, regularizer, callbacks)


__all__ = ["OUTPUT_FOLDERS", "Training", "build_model", "build_training", "callback_outputs", "target_kind"]
