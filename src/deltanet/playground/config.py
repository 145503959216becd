"""What a playground run is made of, checked: the data, the network and how it is trained.

The page sends its fields as they stand in the form (strings, mostly); ``parse`` turns them into
a ``Config`` or raises ``ConfigError`` naming the first field that is wrong, with the message of
deltanet's own argument checks ("lr must be a number in (0, 10], got 'abc'"). The lists of choices
(``CHOICES``) are sent to the page, so that the form offers exactly what the server accepts.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from deltanet import _checks as check
from deltanet.playground.datasets import DATASETS, FUNCTIONS

#: activation name → the ``deltanet.nn`` class that computes it
ACTIVATIONS = {
    "tanh": "Tanh",
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "silu": "SiLU",
    "softplus": "Softplus",
    "identity": "Identity",
}
#: initializer names of ``deltanet.init``
INITS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "orthogonal", "uniform", "normal", "zeros")
#: loss names of ``deltanet.losses.get``, by task
LOSSES = {"classification": ("cross_entropy", "multi_margin"), "regression": ("mse", "l1", "huber", "log_cosh")}
#: optimizer name → the ``deltanet.optim`` class
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
#: penalty name → the ``deltanet.regularizers`` class (None: no penalty)
REGULARIZATIONS = {"none": None, "l1": "L1", "l2": "L2"}
MAX_LAYERS = 6
MAX_UNITS = 8

CHOICES = {
    "dataset": list(DATASETS),
    "function": list(FUNCTIONS),
    "activation": list(ACTIVATIONS),
    "init": list(INITS),
    "loss": LOSSES,
    "optimizer": list(OPTIMIZERS),
    "regularization": list(REGULARIZATIONS),
    "max_layers": MAX_LAYERS,
    "max_units": MAX_UNITS,
}


class ConfigError(ValueError):
    """A field of the page's form that is not acceptable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclasses.dataclass(frozen=True)
class Config:
    """One playground run: the data set, the network and the training, all checked.

    Attributes:
        dataset: one of ``datasets.DATASETS``.
        n: the number of points.
        noise: the data's noise (see ``datasets.load``).
        test_ratio: the share of the points held out for the test.
        seed: seeds the data, the initial weights, the shuffle and dropout.
        function: the regression target.
        hidden: the widths of the hidden layers (0 to ``MAX_LAYERS`` of 1 to ``MAX_UNITS``).
        activation: the hidden layers' activation, a key of ``ACTIVATIONS``.
        init: the weights' initializer (biases start at 0).
        loss: a name from ``LOSSES`` for the data set's task.
        optimizer: a key of ``OPTIMIZERS``.
        lr: the learning rate $\\eta$.
        momentum: SGD's momentum.
        batch_size: samples per step.
        regularization: ``"none"``, ``"l1"`` or ``"l2"``.
        lam: the penalty's weight $\\lambda$.
        dropout: the probability of dropping a hidden unit (0: no Dropout layers).
    """

    dataset: str = "xor"
    n: int = 300
    noise: float = 0.0
    test_ratio: float = 0.5
    seed: int = 0
    function: str = "sine"
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    init: str = "glorot_uniform"
    loss: str = "cross_entropy"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    batch_size: int = 10
    regularization: str = "none"
    lam: float = 0.001
    dropout: float = 0.0

    @property
    def task(self) -> str:
        """``"regression"`` for the regression data set, else ``"classification"``."""
        return "regression" if self.dataset == "regression" else "classification"

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (``hidden`` as a list)."""
        fields = dataclasses.asdict(self)
        fields["hidden"] = list(self.hidden)
        return fields


def _as_number(value: Any) -> Any:
    """A form's text as an int or a float when it reads as one; anything else as it came."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            return value
    return value


def _field(name: str, checker: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return checker(*args, **kwargs)
    except ValueError as error:
        raise ConfigError(name, str(error)) from None


def parse(fields: Any, base: Config | None = None) -> Config:
    """A ``Config`` from the page's fields; the fields not given keep ``base``'s values.

    Args:
        fields: a dict of field name → value (numbers may come as their text).
        base: the configuration to start from (the defaults when None).

    Returns:
        The checked ``Config``.

    Raises:
        ConfigError: an unknown field, or a value the field does not accept; ``error.field``
            names the field.

    Examples:
        >>> from deltanet.playground.config import parse
        >>> parse({"lr": "0.03", "hidden": [3]}).lr
        0.03
        >>> try:
        ...     parse({"lr": "fast"})
        ... except ValueError as error:
        ...     print(error.field, "-", error)
        lr - playground: lr must be a number in (0, 10], got 'fast'
    """
    if not isinstance(fields, dict):
        raise ConfigError("config", f"playground: the configuration must be an object of fields, got {fields!r}")
    base = base or Config()
    known = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ConfigError(unknown[0], f"playground: unknown field {unknown[0]!r}; the fields are {sorted(known)}")
    raw = {**base.to_dict(), **{k: _as_number(v) for k, v in fields.items()}}
    me = "playground"
    dataset = _field("dataset", check.one_of, raw["dataset"], "dataset", DATASETS, me)
    task = "regression" if dataset == "regression" else "classification"
    loss = raw["loss"]
    if loss not in LOSSES[task] and ("loss" not in fields or task != base.task):
        loss = LOSSES[task][0]  # a data set of the other task brings its usual loss
    hidden = raw["hidden"]
    if not isinstance(hidden, (list, tuple)) or len(hidden) > MAX_LAYERS:
        raise ConfigError("hidden", f"{me}: hidden must be a list of at most {MAX_LAYERS} layer widths, got {hidden!r}")
    widths = tuple(
        _field("hidden", check.integer, _as_number(w), "a hidden layer's width", me, low=1, high=MAX_UNITS)
        for w in hidden
    )
    return Config(
        dataset=dataset,
        n=_field("n", check.integer, raw["n"], "n", me, low=10, high=2000),
        noise=_field("noise", check.number, raw["noise"], "noise", me, low=0, high=0.5),
        test_ratio=_field("test_ratio", check.number, raw["test_ratio"], "test_ratio", me, low=0.1, high=0.9),
        seed=_field("seed", check.integer, raw["seed"], "seed", me, low=0, high=2**31 - 1),
        function=_field("function", check.one_of, raw["function"], "function", FUNCTIONS, me),
        hidden=widths,
        activation=_field("activation", check.one_of, raw["activation"], "activation", tuple(ACTIVATIONS), me),
        init=_field("init", check.one_of, raw["init"], "init", INITS, me),
        loss=_field("loss", check.one_of, loss, "loss", LOSSES[task], me),
        optimizer=_field("optimizer", check.one_of, raw["optimizer"], "optimizer", tuple(OPTIMIZERS), me),
        lr=_field("lr", check.number, raw["lr"], "lr", me, low=0, high=10, low_open=True),
        momentum=_field("momentum", check.number, raw["momentum"], "momentum", me, low=0, high=1, high_open=True),
        batch_size=_field("batch_size", check.integer, raw["batch_size"], "batch_size", me, low=1, high=2000),
        regularization=_field(
            "regularization", check.one_of, raw["regularization"], "regularization", tuple(REGULARIZATIONS), me
        ),
        lam=_field("lam", check.number, raw["lam"], "lam", me, low=0, high=1),
        dropout=_field("dropout", check.number, raw["dropout"], "dropout", me, low=0, high=0.9),
    )


__all__ = ["ACTIVATIONS", "CHOICES", "Config", "ConfigError", "INITS", "LOSSES", "OPTIMIZERS", "parse"]
