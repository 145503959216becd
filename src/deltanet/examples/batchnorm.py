r"""Batch normalization ([Hosny et al.]; Ioffe & Szegedy 2015): the same deep networks trained with
and without it.

For each unit, over the mini-batch $B$:

$$
\hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta.
$$

Every layer then sees inputs of mean 0 and variance 1 whatever the weights below it do ("reducing
internal covariate shift"), so gradients neither vanish nor explode through the depth and higher
learning rates are safe. At test time (``model.eval()``) the batch statistics are replaced by running
averages collected during training, so a prediction does not depend on the other samples in the
batch.

Two networks of 8 hidden layers of 64 units on the 8×8 digits, each with and without
``nn.BatchNorm1d`` after every hidden ``Linear``:

- sigmoid units: without batch norm the gradient vanishes (see ``vanishing-gradients``) and the
  network stays at chance; with it, it learns.
- ReLU units with the layers' default initialization $U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})$, whose
  variance $1 / (3 n_{in})$ shrinks the signal at every ReLU layer (He's $2 / n_{in}$ would keep it;
  see ``initialization``): after 8 layers nothing reaches the output and the network stays at
  chance; batch norm restores the scale at every layer and it learns.

Needs scikit-learn for the digits (``pip install 'deltanet[data]'``).

Run it: ``python -m deltanet.examples.batchnorm --plot batchnorm.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import load_digits, train_test_split
from deltanet.examples._common import example_main, printer, save_figure

DEPTH, WIDTH = 8, 64
EPOCHS, QUICK_EPOCHS = 20, 5
#: name → (activation, learning rate)
NETWORKS = {"sigmoid": (nn.Sigmoid, 0.1), "ReLU": (nn.ReLU, 0.02)}


def build(activation: type, batch_norm: bool, depth: int = DEPTH) -> nn.Sequential:
    """64 → depth × (Linear[, BatchNorm1d], activation) → 10.

    Examples:
        >>> from deltanet import nn
        >>> from deltanet.examples.batchnorm import build
        >>> [type(m).__name__ for m in build(nn.ReLU, True, depth=1)]
        ['Linear', 'BatchNorm1d', 'ReLU', 'Linear']
    """
    layers: list[nn.Module] = []
    n_in = 64
    for _ in range(depth):
        layers += [nn.Linear(n_in, WIDTH), *([nn.BatchNorm1d(WIDTH)] if batch_norm else []), activation()]
        n_in = WIDTH
    layers.append(nn.Linear(n_in, 10))
    return nn.Sequential(*layers)


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train each network with and without batch norm; report test accuracy per epoch.

    Args:
        quick: 5 epochs instead of 20.
        seed: seeds the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{(network, "with"|"without"): {"test_accuracy": per epoch, "final": last value,
        "consistent": one sample alone predicts as in a batch}, "summary"}``.
    """
    say = printer(verbose)
    digits = load_digits(scale=True)
    X_train, X_test, y_train, y_test = train_test_split(digits.X, digits.y, test_size=0.25, stratify=True, rng=0)
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"Batch normalization: 64 → {DEPTH} × {WIDTH} → 10 on the "
        f"digits ({len(X_train)} training, {len(X_test)} test), "
        f"{epochs} epochs of SGD with momentum 0.9, batches of 32"
    )
    results: dict[Any, Any] = {}
    for name, (activation, lr) in NETWORKS.items():
        for label, batch_norm in (("without", False), ("with", True)):
            dn.manual_seed(seed)
            model = build(activation, batch_norm)
            try:
                history = dn.fit(
                    model,
                    X_train,
                    y_train,
                    "cross_entropy",
                    dn.optim.SGD(model.parameters(), lr=lr, momentum=0.9),
                    epochs=epochs,
                    batch_size=32,
                    metrics=["accuracy"],
                    validation_data=(X_test, y_test),
                    monitor=False,
                )
                curve = history.history["val_accuracy"]
            except dn.training.TrainingDivergedError as error:
                curve = [float("nan")] * epochs
                say(f"  {name} {label} batch norm: diverged at epoch {error.epoch}")
            alone = dn.predict(model, X_test[:1])
            consistent = bool(np.allclose(alone, dn.predict(model, X_test[:64])[:1], atol=1e-5))
            results[(name, label)] = {"test_accuracy": curve, "final": curve[-1], "consistent": consistent}
            shown = ", ".join(f"{a:.0%}" for a in curve[:: max(1, epochs // 5)])
            say(
                f"  {name:<8}(lr {lr}) {label + ' batch norm':<19} test "
                f"accuracy by epoch: {shown} … final {curve[-1]:.1%}"
            )
    say(
        "  in evaluation mode batch norm uses its running averages: one digit alone is predicted exactly as "
        f"inside a batch ({all(r['consistent'] for r in results.values())})"
    )
    results["summary"] = "batchnorm: " + "; ".join(
        f"{name} {results[(name, 'without')]['final']:.0%} → {results[(name, 'with')]['final']:.0%}"
        for name in NETWORKS
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Test accuracy per epoch for the four runs."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, r in result.items():
        if not isinstance(key, tuple):
            continue
        name, label = key
        ax.plot(
            range(1, len(r["test_accuracy"]) + 1),
            r["test_accuracy"],
            ls="-" if label == "with" else "--",
            label=f"{name}, {label} batch norm",
        )
    ax.set(xlabel="epoch", ylabel="test accuracy", title="batch normalization")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.batchnorm [--plot out.png] [--quick]``."""
    return example_main("batchnorm", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
