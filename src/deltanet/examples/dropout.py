"""Dropout ([Hosny et al.], [Suk 2015]; Hinton et al. 2012, Srivastava et al. 2014): the same
overfitting network trained with and without it.

"Randomly deactivate, e.g., 50 %, of the neurons in a network on each training iteration",
which prevents co-adaptation: "a neuron cannot rely on the presence of particular other neurons".
deltanet's ``nn.Dropout`` is *inverted* dropout: during training it zeroes each unit with
probability $p$ and scales the kept ones by $1 / (1 - p)$, so at test time (``model.eval()``, which
``dn.evaluate`` and ``dn.predict`` switch to) it is the identity; the deck's "weights are halved
at test time" is the same network, scaled the other way.

The set-up overfits on purpose: a 64-256-256-10 ReLU network (85,000 weights) learns from only 300
of the 8×8 digits and is tested on 899 others. Without dropout it fits the 300 perfectly and its
test loss climbs back up after its minimum; with dropout ($p = 0.5$ after each hidden layer) the
test loss stays lower and the test accuracy is higher (both networks end up fitting the 300
training digits).

Needs scikit-learn for the digits (``pip install 'deltanet[data]'``).

Run it: ``python -m deltanet.examples.dropout --plot dropout.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import load_digits, train_test_split
from deltanet.examples._common import example_main, printer, save_figure

EPOCHS, QUICK_EPOCHS = 150, 40
N_TRAIN = 300
P = 0.5


def build(p: float) -> nn.Sequential:
    """64 → 256 → 256 → 10 with ReLU, and ``nn.Dropout(p)`` after each hidden layer when p > 0.

    Examples:
        >>> from deltanet.examples.dropout import build
        >>> [type(m).__name__ for m in build(0.5)]
        ['Linear', 'ReLU', 'Dropout', 'Linear', 'ReLU', 'Dropout', 'Linear']
    """

    def drop() -> list[nn.Module]:
        return [nn.Dropout(p)] if p > 0 else []

    return nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), *drop(), nn.Linear(256, 256), nn.ReLU(), *drop(), nn.Linear(256, 10)
    )


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train without and with dropout on 300 digits; compare training and test loss and accuracy.

    Args:
        quick: 40 epochs instead of 150.
        seed: seeds the weights, the dropout masks and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"without": {...}, "with": {...}, "summary"}``, each with ``train_loss``, ``test_loss``,
        ``train_accuracy``, ``test_accuracy``, ``best_test_loss`` and ``history``.
    """
    say = printer(verbose)
    digits = load_digits(scale=True)
    X_rest, X_test, y_rest, y_test = train_test_split(digits.X, digits.y, test_size=0.5, stratify=True, rng=0)
    X_train, y_train = X_rest[:N_TRAIN], y_rest[:N_TRAIN]
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"Dropout: 64-256-256-10 ReLU network, {len(X_train)} training digits, {len(X_test)} test digits, "
        f"{epochs} epochs of SGD (lr 0.05, momentum 0.9, batches of 32)"
    )
    results: dict[str, Any] = {}
    for label, p in (("without", 0.0), ("with", P)):
        dn.manual_seed(seed)
        model = build(p)
        history = dn.fit(
            model,
            X_train,
            y_train,
            "cross_entropy",
            dn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
            epochs=epochs,
            batch_size=32,
            metrics=["accuracy"],
            validation_data=(X_test, y_test),
            monitor=False,
        )
        train = dn.evaluate(model, X_train, y_train, loss="cross_entropy", metrics=["accuracy"])
        test = dn.evaluate(model, X_test, y_test, loss="cross_entropy", metrics=["accuracy"])
        repeat = dn.predict(model, X_test[:5])
        results[label] = {
            "train_loss": train["loss"],
            "test_loss": test["loss"],
            "train_accuracy": train["accuracy"],
            "test_accuracy": test["accuracy"],
            "best_test_loss": min(history.history["val_loss"]),
            "deterministic": bool(np.array_equal(repeat, dn.predict(model, X_test[:5]))),
            "history": history,
        }
        r = results[label]
        say(
            f"  {label + ' dropout':<16} training: loss {r['train_loss']:.3f}, accuracy {r['train_accuracy']:.1%}   "
            f"test: loss {r['test_loss']:.3f} (lowest during training {r['best_test_loss']:.3f}), accuracy "
            f"{r['test_accuracy']:.1%}"
        )
    say(
        f"  at test time dropout is off: two predictions of the same digits are identical "
        f"({results['with']['deterministic']})"
    )
    gap = {k: results[k]["test_loss"] - results[k]["train_loss"] for k in ("without", "with")}
    results["summary"] = (
        f"dropout: test accuracy {results['without']['test_accuracy']:.1%} → "
        f"{results['with']['test_accuracy']:.1%}, test − training loss {gap['without']:.3f} → {gap['with']:.3f}"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Training and test loss per epoch, with and without dropout."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, color in (("without", "tab:red"), ("with", "tab:blue")):
        h = result[label]["history"].history
        ax.plot(h["loss"], color=color, ls="--", label=f"{label} dropout, training")
        ax.plot(h["val_loss"], color=color, label=f"{label} dropout, test")
    ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="dropout against overfitting")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.dropout [--plot out.png] [--quick]``."""
    return example_main("dropout", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
