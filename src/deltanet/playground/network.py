"""Build a playground run from deltanet's own parts, and write the script that rebuilds it.

``build`` makes the model (``nn.Sequential`` of ``nn.Linear`` layers, the chosen activation and
``nn.Dropout`` between them), the loss (``losses.get``), the optimizer (``optim``) and the penalty
(``regularizers``); ``script`` writes the same construction as a Python program that trains with
``dn.fit`` and therefore gives the same loss curve, epoch by epoch, as the playground did.

Every random draw is seeded by the configuration's seed and nothing reads ``dn.manual_seed``'s
generator, so that two sessions training at once do not take numbers from each other: the
initial weights come from ``numpy.random.default_rng(seed)`` (one Linear after the other), the
shuffle from ``fit(rng=seed)``, and dropout layer $l$ from its own seed ``seed + l``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import init, losses, nn, optim, regularizers
from deltanet.playground.config import ACTIVATIONS, OPTIMIZERS, REGULARIZATIONS, Config
from deltanet.playground.datasets import PlaygroundData, describe


class Run(NamedTuple):
    """What ``dn.fit`` needs for one playground run.

    Attributes:
        model: the ``nn.Sequential``.
        loss: the loss module.
        optimizer: the optimizer over the model's parameters.
        regularizer: the penalty, or None.
        metrics: ``["accuracy"]`` for a classification, else empty.
    """

    model: nn.Sequential
    loss: Any
    optimizer: Any
    regularizer: Any
    metrics: list[str]


def widths(config: Config, data: PlaygroundData) -> list[int]:
    """The units of every layer, inputs first: features, the hidden widths, the outputs."""
    outputs = len(data.classes) if data.task == "classification" else 1
    return [data.X_train.shape[1], *config.hidden, outputs]


def _initialize(model: nn.Sequential, name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for layer in model:
        if isinstance(layer, nn.Linear):
            if name == "zeros":
                init.zeros(layer.weight)
            else:
                getattr(init, name)(layer.weight, rng=rng)
            if layer.bias is not None:  # the playground's Linear layers all have one
                init.zeros(layer.bias)


def _optimizer_arguments(config: Config) -> str:
    extra = f", momentum={config.momentum!r}" if config.optimizer == "sgd" else ""
    return f"lr={config.lr!r}{extra}"


def build(config: Config, data: PlaygroundData) -> Run:
    """The model, loss, optimizer and penalty that ``config`` describes, for ``data``.

    Args:
        config: a checked ``Config``.
        data: the run's data (it fixes the inputs and outputs).

    Returns:
        A ``Run``.

    Examples:
        >>> from deltanet.playground import config, datasets, network
        >>> run = network.build(config.Config(hidden=(3,)), datasets.load("xor", n=20))
        >>> run.model
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): Tanh()
          (2): Linear(in_features=3, out_features=2, bias=True)
        )
    """
    sizes = widths(config, data)
    activation = getattr(nn, ACTIVATIONS[config.activation])
    layers: list[nn.Module] = []
    for l, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        layers.append(nn.Linear(fan_in, fan_out))
        if l < len(sizes) - 1:
            layers.append(activation())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout, rng=config.seed + l))
    model = nn.Sequential(*layers)
    _initialize(model, config.init, config.seed)
    optimizer_class = getattr(optim, OPTIMIZERS[config.optimizer])
    kwargs: dict[str, Any] = {"lr": config.lr}
    if config.optimizer == "sgd":
        kwargs["momentum"] = config.momentum
    penalty = REGULARIZATIONS[config.regularization]
    return Run(
        model=model,
        loss=losses.get(config.loss),
        optimizer=optimizer_class(model.parameters(), **kwargs),
        regularizer=None if penalty is None else getattr(regularizers, penalty)(config.lam),
        metrics=["accuracy"] if data.task == "classification" else [],
    )


def script(config: Config, data: PlaygroundData, epochs: int) -> str:
    """A Python program that repeats the run with ``dn.fit`` for ``epochs`` epochs.

    Args:
        config: the run's ``Config``.
        data: its data (described in the script's docstring).
        epochs: the epochs the playground trained.

    Returns:
        The program's text.

    Examples:
        >>> from deltanet.playground import config, datasets, network
        >>> text = network.script(config.Config(), datasets.load("xor", n=20), epochs=5)
        >>> "epochs=5" in text and "dn.fit(" in text
        True
    """
    sizes = widths(config, data)
    activation = ACTIVATIONS[config.activation]
    lines = []
    for l, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        layer = f"nn.Linear({fan_in}, {fan_out}),"
        if l < len(sizes) - 1:
            layer += f" nn.{activation}(),"
            if config.dropout > 0:
                layer += f" nn.Dropout({config.dropout!r}, rng={config.seed + l}),"
        lines.append(f"    {layer}")
    layers = "\n".join(lines)
    if config.init == "zeros":
        weight_init = "init.zeros(layer.weight)"
    else:
        weight_init = f"init.{config.init}(layer.weight, rng=rng)"
    penalty = REGULARIZATIONS[config.regularization]
    regularizer = "None" if penalty is None else f"regularizers.{penalty}({config.lam!r})"
    metrics = '["accuracy"]' if data.task == "classification" else "None"
    accuracy = (
        "\n    print(f\"test accuracy {history.history['val_accuracy'][-1]:.4f}\")"
        if data.task == "classification"
        else ""
    )
    return f'''"""Repeat a deltanet playground run with dn.fit: the same data, network and loss curve.

Data: {config.dataset} ({describe(data)}), noise {config.noise}, seed {config.seed}.
Run it with `python {script_name(config)}`; it needs only deltanet.
"""

import numpy as np

import deltanet as dn
from deltanet import init, losses, nn, optim, regularizers
from deltanet.playground.datasets import load

data = load({config.dataset!r}, n={config.n}, noise={config.noise!r}, test_ratio={config.test_ratio!r}, \
seed={config.seed}, function={config.function!r})

model = nn.Sequential(
{layers}
)
rng = np.random.default_rng({config.seed})  # the initial weights, one Linear after the other
for layer in model:
    if isinstance(layer, nn.Linear):
        {weight_init}
        init.zeros(layer.bias)

history = dn.fit(
    model,
    data.X_train,
    data.y_train,
    loss=losses.get({config.loss!r}),
    optimizer=optim.{OPTIMIZERS[config.optimizer]}(model.parameters(), {_optimizer_arguments(config)}),
    epochs={int(epochs)},
    batch_size={config.batch_size},
    validation_data=(data.X_test, data.y_test),
    regularizer={regularizer},
    metrics={metrics},
    rng={config.seed},  # the shuffle
)
if history.epoch:
    print(f"after {{len(history.epoch)}} epochs: training loss {{history.history['loss'][-1]:.4f}}, "
          f"test loss {{history.history['val_loss'][-1]:.4f}}"){accuracy}
dn.save(model, "playground-model.dnet")
'''


def script_name(config: Config) -> str:
    """The file name offered for the script: ``playground_<dataset>.py``."""
    return f"playground_{config.dataset}.py"


__all__ = ["Run", "build", "script", "script_name", "widths"]
