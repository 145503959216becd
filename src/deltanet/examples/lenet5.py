"""LeNet-5 (LeCun et al. 1998; [Suk 2015], [Desrosiers 2024]): the convolutional network for
handwritten digits, on the 8×8 digits (bundled with scikit-learn) or on MNIST.

"Three mechanisms: local receptive fields, weight sharing, subsampling." C1 (6 maps, 5×5), S2
(subsampling), C3 (16 maps, 5×5), S4, then fully connected layers 120, 84 and 10 outputs:
61,706 parameters (``deltanet.models.lenet5``).

Data: by default the 1,797 8×8 digits, each pixel repeated 4×4 to the paper's 32×32 input
(C1 without padding), split 75/25 and stratified. With ``--mnist DIR`` the MNIST files in DIR
(see ``deltanet.data.download_mnist``) at 28×28 (C1 with padding 2); ``--train-size`` limits the
training images for a quicker run. The full run trains two variants: today's (max pooling, ReLU)
and the paper's (average subsampling, tanh).

Run it: ``python -m deltanet.examples.lenet5`` or ``deltanet examples run lenet5 --mnist ~/mnist``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.data import load_digits, load_mnist, train_test_split
from deltanet.examples._common import example_main, printer, save_figure

EPOCHS, QUICK_EPOCHS = 12, 3
VARIANTS = {"max pooling, ReLU": ("max", "relu"), "average subsampling, tanh (the paper)": ("avg", "tanh")}


def digits_32() -> tuple[np.ndarray, np.ndarray]:
    """The 8×8 digits scaled to [0, 1], each pixel repeated into a 4×4 block: (1797, 1, 32, 32).

    Examples:
        >>> from deltanet.examples.lenet5 import digits_32
        >>> X, y = digits_32()
        >>> X.shape, float(X[0, 0, 0:4, 8:12].std())
        ((1797, 1, 32, 32), 0.0)
    """
    digits = load_digits(images=True, scale=True)
    return np.kron(digits.X, np.ones((1, 1, 4, 4), dtype=digits.X.dtype)), digits.y


def run(
    quick: bool = False,
    seed: int = 0,
    epochs: int | None = None,
    mnist: str | None = None,
    train_size: int | None = None,
    verbose: int = 1,
) -> dict[str, Any]:
    """Train LeNet-5 and report the test accuracy.

    Args:
        quick: 3 epochs, and only the max-pooling/ReLU variant.
        seed: seeds the weights and the shuffle.
        epochs: override the number of epochs.
        mnist: a folder with the MNIST IDX files; None for the 8×8 digits.
        train_size: use only this many training images (MNIST: e.g. 10000).
        verbose: 0 silent, 1 print.

    Returns:
        variant → ``{"test_accuracy", "train_accuracy", "history", "seconds", "errors" (the
        confusion matrix)}``, plus ``"data"``, ``"n_train"``, ``"n_test"`` and ``"summary"``.
    """
    say = printer(verbose)
    if mnist:
        train, test = load_mnist(mnist, "train"), load_mnist(mnist, "test")
        X_train, y_train, X_test, y_test, size, source = train.X, train.y, test.X, test.y, 28, f"MNIST from {mnist}"
    else:
        X, y = digits_32()
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, rng=0)
        size, source = 32, "the 8×8 digits, scaled to 32×32"
    if train_size:
        X_train, y_train = X_train[: int(train_size)], y_train[: int(train_size)]
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"LeNet-5 on {source}: {len(X_train)} training and {len(X_test)} test images; {epochs} epochs of Adam "
        f"(lr 0.003, batches of 32)"
    )
    results: dict[str, Any] = {"data": source, "n_train": len(X_train), "n_test": len(X_test)}
    variants = dict(list(VARIANTS.items())[:1]) if quick else VARIANTS
    for name, (subsampling, activation) in variants.items():
        model = dn.models.lenet5(subsampling=subsampling, activation=activation, input_size=size, rng=seed)
        if name == next(iter(variants)):
            say(f"  {sum(p.size for p in model.parameters()):,} parameters")
        began = time.perf_counter()
        history = dn.fit(
            model,
            X_train,
            y_train,
            "cross_entropy",
            dn.optim.Adam(model.parameters(), lr=0.003),
            epochs=epochs,
            batch_size=32,
            metrics=["accuracy"],
            validation_data=(X_test, y_test),
            rng=seed,
            monitor=False,
        )
        seconds = time.perf_counter() - began
        predictions = dn.predict(model, X_test).argmax(axis=1)
        accuracy = float((predictions == y_test).mean())
        results[name] = {
            "test_accuracy": accuracy,
            "train_accuracy": history.history["accuracy"][-1],
            "history": history,
            "seconds": seconds,
            "confusion": dn.metrics.confusion_matrix(y_test, predictions, num_classes=10),
        }
        say(
            f"  {name:<40} test accuracy {accuracy:.2%} ({int((predictions != y_test).sum())} errors of "
            f"{len(y_test)}), training accuracy {results[name]['train_accuracy']:.2%}  [{seconds:.1f} s]"
        )
    first = results[next(iter(variants))]
    results["summary"] = f"lenet5: test accuracy {first['test_accuracy']:.2%} on {source}"
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Test accuracy per epoch for each variant."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name in VARIANTS:
        if name in result:
            ax.plot(result[name]["history"].history["val_accuracy"], label=name)
    ax.set(xlabel="epoch", ylabel="test accuracy", title=f"LeNet-5 on {result['data']}")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.lenet5 [--mnist DIR] [--train-size N] [--epochs N] [--plot out.png] [--quick]``."""  # noqa: E501 - the command line reads best on one line
    return example_main(
        "lenet5",
        __doc__,
        run,
        plot,
        argv,
        options=[
            ("--epochs", int, None, "training epochs"),
            ("--mnist", str, None, "folder with the MNIST IDX files (default: the 8×8 digits)"),
            ("--train-size", int, None, "use only this many training images"),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
