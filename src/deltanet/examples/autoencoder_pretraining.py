"""Greedy layer-wise pre-training of a deep autoencoder ([Suk 2015]; Hinton & Salakhutdinov,
"Reducing the dimensionality of data with neural networks", Science 2006), and its 2-D codes
against PCA.

The deck: "Train layer 1 in an unsupervised manner; train layer 2 while keeping layer 1 fixed;
train layer 3 while keeping layers 1 and 2 fixed; fine-tune the whole network." Hinton and
Salakhutdinov pre-trained each layer as a restricted Boltzmann machine; this example pre-trains
each as a small autoencoder (Bengio et al. 2007, also in the deck's references), which is the
same greedy idea with the library's own tools (``dn.fit`` with an MSE reconstruction loss).

The network is their 784-1000-500-250-2 encoder scaled to the 8×8 digits: 64-128-64-32-2, logistic
units except the 2 linear code units (as in the paper), and the mirror-image decoder 2-32-64-128-64
with logistic outputs for pixels in [0, 1]. Pre-training trains, for each layer, encoder layer $k$
and decoder layer $k$ together to reconstruct the codes of layer $k - 1$; then the whole 9-layer
autoencoder is fine-tuned end to end. The same autoencoder started from random weights gets the
same fine-tuning for comparison, and PCA (the first two principal components, the paper's Fig.
3A) gives the linear baseline. Codes are compared by how well they keep the digits apart: the
accuracy of a 5-nearest-neighbour vote in the 2-D code space, on held-out digits.

"Gradient descent can be used for fine-tuning the weights in such autoencoder networks, but this
works well only if the initial weights are close to a good solution": with Adam and a small
network the randomly started autoencoder does catch up eventually; pre-training gives it a head
start at every epoch of fine-tuning and better-separated codes.

**Supervised fine-tuning.** The deck's last step: "fine-tune the whole network in a supervised
manner". The pre-trained encoder below the code layer (64-128-64-32) gets a softmax layer of 10
units on top and the whole classifier is trained on the labels with cross-entropy (Adam), against
the same classifier started from the same random weights without pre-training. Deep sigmoid
networks are where pre-training mattered (Erhan et al. 2009, in the deck): after the same few
epochs the pre-trained classifier is far ahead on the held-out digits.

**The deck's sizes.** ``--mnist DIR`` trains the paper's own 784-1000-500-250-2 autoencoder (and
its 784-1000-500-250 classifier) on the MNIST files in DIR (``deltanet download-mnist DIR``), with
fewer epochs; ``--code 30`` gives the 30-unit code the paper also used (with the digits too), and
``--train-size N`` uses only the first N training images. At full MNIST size this is a long run on a
laptop CPU (the 784-1000 layer alone is 1.6 million weights): start with ``--train-size 10000``.

Needs scikit-learn for the digits (``pip install 'deltanet[data]'``).

Run it: ``python -m deltanet.examples.autoencoder_pretraining --plot codes.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn, optim
from deltanet.data import load_digits, load_mnist, train_test_split
from deltanet.examples._common import example_main, printer, save_figure

SIZES = [64, 128, 64, 32, 2]
MNIST_SIZES = [784, 1000, 500, 250, 2]  # Hinton & Salakhutdinov's, as the deck shows it
#: (pre-training epochs per layer, fine-tuning epochs, supervised epochs)
EPOCHS = {"digits": (20, 60, 10), "digits quick": (8, 20, 4), "mnist": (3, 10, 3), "mnist quick": (1, 2, 1)}


def build(sizes: list[int] = SIZES) -> tuple[list[nn.Sequential], list[nn.Sequential]]:
    """Encoder layers (logistic, the last one linear) and decoder layers (logistic), decoder in
    the order the data flows (``decoders[0]`` takes the code).

    Examples:
        >>> from deltanet.examples.autoencoder_pretraining import build
        >>> encoders, decoders = build([64, 16, 2])
        >>> [e[0].out_features for e in encoders], [d[0].out_features for d in decoders]
        ([16, 2], [16, 64])
    """
    encoders: list[nn.Sequential] = []
    decoders: list[nn.Sequential] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        code_layer = k == len(sizes) - 2
        encoders.append(nn.Sequential(nn.Linear(a, b), *([] if code_layer else [nn.Sigmoid()])))
        decoders.insert(0, nn.Sequential(nn.Linear(b, a), nn.Sigmoid()))
    return encoders, decoders


def pretrain(encoders: list[nn.Sequential], decoders: list[nn.Sequential], X: np.ndarray, epochs: int) -> list[float]:
    """Greedy layer-wise pre-training: layer $k$ learns to reconstruct layer $k - 1$'s codes while
    the layers below it stay fixed. Returns each layer's final reconstruction loss."""
    codes = X
    losses = []
    for encoder, decoder in zip(encoders, decoders[::-1]):
        shallow = nn.Sequential(encoder, decoder)
        history = dn.fit(
            shallow,
            codes,
            codes,
            "mse",
            optim.Adam(shallow.parameters(), lr=0.01),
            epochs=epochs,
            batch_size=32,
            monitor=False,
        )
        losses.append(history.history["loss"][-1])
        codes = dn.predict(encoder, codes)  # the fixed input of the next layer
    return losses


def knn_accuracy(Z_train: np.ndarray, y_train: np.ndarray, Z_test: np.ndarray, y_test: np.ndarray, k: int = 5) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean) of the test codes among the training codes.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.autoencoder_pretraining import knn_accuracy
        >>> Z = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]]); y = np.array([0, 0, 0, 1, 1, 1])
        >>> knn_accuracy(Z, y, np.array([[0.05], [5.05]]), np.array([0, 1]), k=3)
        1.0
    """
    votes = []
    train_norms = (Z_train**2).sum(axis=1)
    for start in range(0, len(Z_test), 256):  # blocks of test codes: memory 256 x N, also for MNIST
        block = Z_test[start : start + 256]
        d2 = (block**2).sum(axis=1)[:, None] + train_norms[None, :] - 2 * block @ Z_train.T
        nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
        votes += [np.bincount(y_train[row], minlength=int(y_train.max()) + 1).argmax() for row in nearest]
    return float((np.array(votes) == y_test).mean())


def pca(X_train: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the first ``n`` principal directions (columns) of the training data."""
    mean = X_train.mean(axis=0)
    _, _, Vt = np.linalg.svd(X_train - mean, full_matrices=False)
    return mean, Vt[:n].T


class _ValidationCurve(dn.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.values.append((logs or {})["val_loss"])


def supervised(encoders: list[nn.Sequential], data: tuple[np.ndarray, ...], epochs: int, seed: int) -> dict[str, Any]:
    """The deck's last step: the encoder below the code layer, a softmax layer on top, trained on
    the labels with cross-entropy. Returns the test accuracy after each epoch."""
    X_train, X_test, y_train, y_test = data
    classifier = nn.Sequential(*encoders[:-1], nn.Linear(encoders[-1][0].in_features, 10))
    history = dn.fit(
        classifier,
        X_train,
        y_train,
        "cross_entropy",
        optim.Adam(classifier.parameters(), lr=0.003),
        epochs=epochs,
        batch_size=32,
        validation_data=(X_test, y_test),
        metrics=["accuracy"],
        rng=seed,
        monitor=False,
    )
    return {"accuracy": history.history["val_accuracy"][-1], "curve": history.history["val_accuracy"]}


def _data(mnist: str | None, train_size: int | None) -> tuple[tuple[np.ndarray, ...], str]:
    if mnist:
        train, test = load_mnist(mnist, "train", flatten=True), load_mnist(mnist, "test", flatten=True)
        X_train, y_train, X_test, y_test, source = train.X, train.y, test.X, test.y, f"MNIST from {mnist}"
    else:
        digits = load_digits(scale=True)
        X_train, X_test, y_train, y_test = train_test_split(digits.X, digits.y, test_size=0.3, stratify=True, rng=0)
        source = "the 8×8 digits"
    if train_size:
        X_train, y_train = X_train[: int(train_size)], y_train[: int(train_size)]
    return (X_train, X_test, y_train, y_test), source


def run(
    quick: bool = False,
    seed: int = 0,
    mnist: str | None = None,
    code: int = 2,
    train_size: int | None = None,
    verbose: int = 1,
) -> dict[str, Any]:
    """PCA, the randomly started autoencoder and the pre-trained one, on the same digits; then both
    encoders fine-tuned as classifiers on the labels.

    Args:
        quick: 8 pre-training, 20 fine-tuning and 4 supervised epochs instead of 20, 60 and 10.
        seed: seeds the weights and the shuffles.
        mnist: a folder with the MNIST IDX files: the deck's 784-1000-500-250-``code`` network on
            MNIST (3 pre-training epochs per layer, 10 fine-tuning, 3 supervised; 1, 2 and 1 with
            ``quick``); None for the 8×8 digits and 64-128-64-32-``code``.
        code: units of the code layer (2, or the paper's other choice 30).
        train_size: use only this many training images.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"pca"|"random"|"pretrained": {"reconstruction" (test MSE per pixel), "knn" (5-NN
        accuracy of the codes), "codes" (test codes)}, "curves": fine-tuning test loss per
        epoch for "random" and "pretrained", "supervised": "random"|"pretrained" → {"accuracy",
        "curve" (test accuracy per epoch)}, "sizes", "labels", "summary"}``.
    """
    say = printer(verbose)
    (X_train, X_test, y_train, y_test), source = _data(mnist, train_size)
    sizes = [*(MNIST_SIZES if mnist else SIZES)[:-1], int(code)]
    if not sizes[-1] >= 1:
        raise ValueError(f"autoencoder-pretraining: code must be a positive number of units, got {code}")
    pre_epochs, fine_epochs, label_epochs = EPOCHS[("mnist" if mnist else "digits") + (" quick" if quick else "")]
    say(
        f"Deep autoencoder {'-'.join(map(str, sizes))}-{'-'.join(map(str, sizes[-2::-1]))} on {source} "
        f"({len(X_train)} training, {len(X_test)} test); pre-training {pre_epochs} epochs per layer, "
        f"fine-tuning {fine_epochs} epochs (Adam, MSE, batches of 32)"
    )
    results: dict[str, Any] = {"labels": y_test, "curves": {}, "supervised": {}, "sizes": sizes}

    mean, P = pca(X_train, sizes[-1])
    Z_train, Z_test = (X_train - mean) @ P, (X_test - mean) @ P
    results["pca"] = {
        "reconstruction": float(((Z_test @ P.T + mean - X_test) ** 2).mean()),
        "knn": knn_accuracy(Z_train, y_train, Z_test, y_test),
        "codes": Z_test,
    }
    starts = {}
    for label in ("random", "pretrained"):
        dn.manual_seed(seed)
        encoders, decoders = build(sizes)
        if label == "pretrained":
            layer_losses = pretrain(encoders, decoders, X_train, pre_epochs)
            say(
                "  pre-training, reconstruction loss of each layer's codes: "
                + ", ".join(f"layer {k + 1}: {v:.4f}" for k, v in enumerate(layer_losses))
            )
        starts[label] = [{k: v.clone() for k, v in e.state_dict().items()} for e in encoders]
        autoencoder = nn.Sequential(*encoders, *decoders)
        before = float(dn.evaluate(autoencoder, X_test, X_test, loss="mse")["loss"])
        curve = _ValidationCurve()
        dn.fit(
            autoencoder,
            X_train,
            X_train,
            "mse",
            optim.Adam(autoencoder.parameters(), lr=0.003),
            epochs=fine_epochs,
            batch_size=32,
            validation_data=(X_test, X_test),
            callbacks=[curve],
            monitor=False,
        )
        encoder = nn.Sequential(*encoders)
        results[label] = {
            "reconstruction": curve.values[-1],
            "before_finetuning": before,
            "knn": knn_accuracy(dn.predict(encoder, X_train), y_train, dn.predict(encoder, X_test), y_test),
            "codes": dn.predict(encoder, X_test),
        }
        results["curves"][label] = curve.values
    say(f"\n  {f'{sizes[-1]}-D codes from':<34}{'test reconstruction MSE':>24}{'5-NN accuracy of the codes':>30}")
    for label, name in (
        ("pca", f"PCA ({sizes[-1]} principal components)"),
        ("random", "autoencoder, random start"),
        ("pretrained", "autoencoder, pre-trained"),
    ):
        r = results[label]
        extra = f"   (before fine-tuning {r['before_finetuning']:.4f})" if "before_finetuning" in r else ""
        say(f"  {name:<34}{r['reconstruction']:>24.4f}{r['knn']:>30.1%}{extra}")
    random_curve, pre_curve = results["curves"]["random"], results["curves"]["pretrained"]
    ahead = sum(p < r for p, r in zip(pre_curve, random_curve))
    say(f"  during fine-tuning the pre-trained autoencoder's test error is lower in {ahead} of {fine_epochs} epochs")
    results["ahead_epochs"] = ahead

    say(
        f"\n  supervised fine-tuning: encoder {'-'.join(map(str, sizes[:-1]))} + softmax layer of 10, "
        f"{label_epochs} epochs on the labels (Adam, cross-entropy, batches of 32), from the same weights as above"
    )
    data = (X_train, X_test, y_train, y_test)
    for label, name in (("random", "random start"), ("pretrained", "greedy layer-wise pre-trained")):
        encoders, _ = build(sizes)
        for encoder, state in zip(encoders, starts[label]):
            encoder.load_state_dict(state)
        dn.manual_seed(seed)  # the same softmax layer on top of both
        results["supervised"][label] = supervised(encoders, data, label_epochs, seed)
        curve = results["supervised"][label]["curve"]
        say(f"  {name:<32} test accuracy per epoch: {', '.join(f'{a:.1%}' for a in curve)}")
    sup = results["supervised"]
    results["summary"] = (
        f"autoencoder-pretraining: reconstruction PCA {results['pca']['reconstruction']:.4f}, random "
        f"{results['random']['reconstruction']:.4f}, pre-trained {results['pretrained']['reconstruction']:.4f}; "
        f"5-NN on {sizes[-1]}-D codes {results['pca']['knn']:.0%} / {results['random']['knn']:.0%} / "
        f"{results['pretrained']['knn']:.0%}; supervised {sup['random']['accuracy']:.0%} / "
        f"{sup['pretrained']['accuracy']:.0%}"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """The paper's Fig. 3: 2-D codes of the test digits by PCA and by the pre-trained autoencoder."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, (label, title) in zip(axes[:2], (("pca", "PCA"), ("pretrained", "pre-trained autoencoder"))):
        Z = result[label]["codes"]
        points = ax.scatter(Z[:, 0], Z[:, 1], c=result["labels"], cmap="tab10", s=8)
        ax.set_title(f"{title}: 5-NN accuracy {result[label]['knn']:.0%}")
    fig.colorbar(points, ax=axes[1], ticks=range(10))
    for label in ("random", "pretrained"):
        axes[2].plot(result["curves"][label], label=label)
    axes[2].axhline(result["pca"]["reconstruction"], color="k", ls="--", label="PCA")
    axes[2].set(xlabel="fine-tuning epoch", ylabel="test reconstruction MSE", title="fine-tuning")
    axes[2].legend()
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.autoencoder_pretraining [--plot out.png] [--quick]``."""
    return example_main(
        "autoencoder-pretraining",
        __doc__,
        run,
        plot,
        argv,
        options=[
            ("--mnist", str, None, "folder with the MNIST IDX files: the deck's 784-1000-500-250-2 network"),
            ("--code", int, 2, "units of the code layer (the paper: 2 or 30)"),
            ("--train-size", int, None, "use only this many training images"),
        ],
        positive=["--code"],
    )


if __name__ == "__main__":
    sys.exit(main())
