r"""Weight initialization ([Hosny et al.]): the same deep ReLU network started six ways; large
random weights on a sigmoid network; constant weights made to work by dropout.

The deck's table of schemes $w \sim \alpha \cdot \mathcal{U}[-1, 1] + \beta \cdot \mathcal{N}(0, 1) + \gamma$
and its warnings: "0: stuck at a saddle point; constants: difficult to break the symmetry; large
random values: small gradients, slow convergence".

**Part 1, six schemes.** The network is 64 → 8 × (64, ReLU) → 10 on the standardized 8×8 digits,
biases 0, and the weights

- ``zeros``: every weight 0. Every hidden unit outputs 0 and passes no gradient: nothing learns
  but the output bias.
- ``constant``: every weight 0.05. All units of a layer compute the same value and get the same
  gradient, so they stay identical for ever (one unit's worth of features), and the activations
  grow by a factor 3.2 per layer (64 × 0.05).
- ``large random``: $\mathcal{N}(0, 1)$, the "Gaussian with mean 0 and standard deviation 1" of
  [Suk 2015]. With ReLU nothing saturates: each layer multiplies the signal's size by about
  $\sqrt{64 / 2} \approx 5.7$; after 8 layers the hidden outputs are about $10^6$, the logits
  about $10^7$, and training diverges (part 2 shows the deck's case).
- ``Glorot`` uniform, $\alpha = \sqrt{6 / (n_{in} + n_{out})}$: variance $1 / n$ for tanh-like
  units when $n_{in} = n_{out} = n$; with ReLU the signal halves its variance at every layer (its
  standard deviation shrinks by $\sqrt 2$).
- ``He`` normal, $\beta^2 = 2 / n_{in}$: made for ReLU; the signal keeps its size through every
  layer.
- ``LSUV`` (Mishkin & Matas 2015): orthogonal weights, rescaled layer by layer until each layer's
  output has unit variance on a batch of data.

For each the example prints the standard deviation of every second hidden layer's output at
initialization, the gradient norm of the first layer, and the training accuracy after a few epochs.

**Part 2, large random weights, the deck's case.** Sigmoid units saturate instead: a 64-32-10
network of sigmoid units (outputs too) trained on the squared error, as Rumelhart et al. trained
theirs, started from $\mathcal{N}(0, 1)$ and from Glorot. With $\mathcal{N}(0, 1)$ a unit's input
$a = \sum_i w_i x_i$ has a standard deviation of about $\sqrt{64} = 8$, so about half the hidden
units sit where $\sigma'(a) = \sigma(a)(1 - \sigma(a)) < 0.01$ (and a part of the outputs): their
$\delta = \sigma'(a) \sum_k w_k \delta_k$ is tiny ("small gradients"), and after the same epochs of
the same SGD the network is far behind ("slow convergence").

**Part 3, constant weights with dropout.** "Dropout makes it possible to use constant
initialization for all parameters": with every weight and bias of a 64-16-10 ReLU network at
0.05, the 16 hidden units compute the same value, receive the same gradient and stay copies of
one another; with dropout after them ($p = 0.5$), each step switches off a different random half,
so the units receive different gradients and become 16 different features. The example counts
the distinct units after training (rows of $[W_1 \mid b_1]$ that differ by more than $10^{-3}$ of
the largest weight).

Needs scikit-learn for the digits (``pip install 'deltanet[data]'``).

Run it: ``python -m deltanet.examples.initialization --plot init.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import Standardizer, load_digits
from deltanet.examples._common import example_main, printer, save_figure
from deltanet.examples.vanishing_gradients import build_deep, layer_gradient_norms

DEPTH = 8
EPOCHS, QUICK_EPOCHS = 10, 2
SCHEMES = ["zeros", "constant", "large random", "Glorot", "He", "LSUV"]
#: Parts 2 and 3 are small networks: always 10 epochs (a second or two).
SMALL_EPOCHS = 10
DROPOUT_HIDDEN, CONSTANT, P = 16, 0.05, 0.5


def initialize(model: nn.Sequential, scheme: str, X: np.ndarray, rng: Any) -> None:
    """Set every ``Linear`` layer's weights by ``scheme`` and its bias to 0."""
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    if scheme == "LSUV":
        dn.init.lsuv(model, X, rng=rng)
    for layer in linears:
        if scheme == "zeros":
            dn.init.zeros(layer.weight)
        elif scheme == "constant":
            dn.init.constant(layer.weight, 0.05)
        elif scheme == "large random":
            dn.init.normal(layer.weight, 0.0, 1.0, rng=rng)
        elif scheme == "Glorot":
            dn.init.glorot_uniform(layer.weight, rng=rng)
        elif scheme == "He":
            dn.init.he_normal(layer.weight, rng=rng)
        if layer.bias is not None:  # always, for these Linear layers
            dn.init.zeros(layer.bias)


def activation_stds(model: nn.Sequential, X: np.ndarray) -> list[float]:
    """Standard deviation of each hidden layer's output (after its ReLU) on X."""
    stds = []
    with dn.no_grad():
        h = dn.tensor(X)
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                stds.append(float(h.array.std()))
    return stds


def saturated_fraction(model: nn.Sequential, X: np.ndarray) -> list[float]:
    r"""For each ``Sigmoid`` layer, the fraction of its outputs on X where $\sigma'(a) = \sigma(1 - \sigma) < 0.01$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.examples.initialization import saturated_fraction
        >>> layer = dn.nn.Linear(1, 2, dtype="float64")
        >>> layer.weight.array[...] = [[1.0], [100.0]]; layer.bias.array[...] = 0.0
        >>> saturated_fraction(dn.nn.Sequential(layer, dn.nn.Sigmoid()), np.array([[0.5], [-0.5]]))
        [0.5]
    """
    fractions = []
    with dn.no_grad():
        h = dn.tensor(X)
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Sigmoid):
                fractions.append(float((h.array * (1 - h.array) < 0.01).mean()))
    return fractions


def distinct_units(W: np.ndarray, tol: float = 1e-3) -> int:
    """How many different rows ``W`` has: rows closer than ``tol`` times the largest entry count once.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.initialization import distinct_units
        >>> distinct_units(np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0]]))
        2
    """
    scale = max(float(np.abs(W).max()), 1e-30)
    kept: list[np.ndarray] = []
    for row in W:
        if not any(np.abs(row - other).max() <= tol * scale for other in kept):
            kept.append(row)
    return len(kept)


def large_random_sigmoid(X: np.ndarray, y: np.ndarray, seed: int, say: Any) -> dict[str, Any]:
    """Part 2: a 64-32-10 sigmoid network on the squared error from N(0, 1) and from Glorot."""
    targets = np.eye(10, dtype=X.dtype)[y]
    say(
        f"\nPart 2, the deck's case: 64-32-10 sigmoid network (sigmoid outputs, squared error), "
        f"{SMALL_EPOCHS} epochs of SGD (lr 0.5, momentum 0.9, batches of 32)"
    )
    say(f"  {'weights':<14}{'units with σ′ < 0.01':<24}{'‖∂E/∂W₁‖, ‖∂E/∂W₂‖':<22}{'E per epoch':<36}accuracy")
    results = {}
    for scheme in ("large random", "Glorot"):
        dn.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10), nn.Sigmoid())
        for layer in (model[0], model[2]):
            if scheme == "Glorot":
                dn.init.glorot_uniform(layer.weight, rng=seed)
            else:
                dn.init.normal(layer.weight, 0.0, 1.0, rng=seed)
            dn.init.zeros(layer.bias)
        saturated = saturated_fraction(model, X)
        model.zero_grad()
        dn.losses.MSELoss()(model(dn.tensor(X)), dn.tensor(targets)).backward()
        grads = [float(np.linalg.norm(layer.weight.grad.array)) for layer in (model[0], model[2])]
        history = dn.fit(
            model,
            X,
            targets,
            "mse",
            dn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9),
            epochs=SMALL_EPOCHS,
            batch_size=32,
            rng=seed,
            monitor=False,
        )
        accuracy = float((dn.predict(model, X).argmax(axis=1) == y).mean())
        curve = history.history["loss"]
        results[scheme] = {"saturated": saturated, "grads": grads, "curve": curve, "accuracy": accuracy}
        say(
            f"  {scheme:<14}{f'hidden {saturated[0]:.0%}, output {saturated[1]:.0%}':<24}"
            f"{f'{grads[0]:.4f}, {grads[1]:.4f}':<22}"
            f"{f'{curve[0]:.3f} → {curve[len(curve) // 2]:.3f} → {curve[-1]:.3f}':<36}{accuracy:.1%}"
        )
    say("  saturated units pass back a tiny δ: the gradients are smaller and the error falls slowly")
    return results


def dropout_with_constants(X: np.ndarray, y: np.ndarray, seed: int, say: Any) -> dict[str, Any]:
    """Part 3: every parameter of a 64-16-10 ReLU network at 0.05, trained without and with dropout."""
    say(
        f"\nPart 3, constant initialization: every weight and bias of a 64-{DROPOUT_HIDDEN}-10 ReLU network "
        f"at {CONSTANT}, {SMALL_EPOCHS} epochs of SGD (lr 0.05, momentum 0.9, batches of 32)"
    )
    results = {}
    for label, p in (("without dropout", 0.0), (f"with dropout p = {P}", P)):
        dn.manual_seed(seed)
        drop = [nn.Dropout(p)] if p else []
        model = nn.Sequential(nn.Linear(64, DROPOUT_HIDDEN), nn.ReLU(), *drop, nn.Linear(DROPOUT_HIDDEN, 10))
        for parameter in model.parameters():
            dn.init.constant(parameter, CONSTANT)
        dn.fit(
            model,
            X,
            y,
            "cross_entropy",
            dn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
            epochs=SMALL_EPOCHS,
            batch_size=32,
            rng=seed,
            monitor=False,
        )
        first = model[0]
        assert first.bias is not None  # a Linear with its bias
        units = distinct_units(np.concatenate([first.weight.array, first.bias.array[:, None]], axis=1))
        accuracy = float((dn.predict(model, X).argmax(axis=1) == y).mean())
        results["with" if p else "without"] = {"distinct_units": units, "accuracy": accuracy}
        say(f"  {label:<22} {units:>2} of {DROPOUT_HIDDEN} hidden units distinct, training accuracy {accuracy:.1%}")
    return results


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Initialize the network with each scheme, measure the signal and gradient, train briefly.

    Args:
        quick: 2 epochs instead of 10.
        seed: seeds the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        scheme → ``{"stds", "first_grad", "last_grad", "accuracy", "diverged", "identical_units"}``,
        ``"sigmoid"``: "large random" and "Glorot" → ``{"saturated", "grads", "curve",
        "accuracy"}`` (part 2), ``"dropout"``: "without" and "with" → ``{"distinct_units",
        "accuracy"}`` (part 3), and ``"summary"``.
    """
    say = printer(verbose)
    digits = load_digits()
    X = Standardizer().fit_transform(digits.X)
    y = digits.y
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"Initialization ([Hosny et al.]), part 1: 64 → {DEPTH} × (64, ReLU) → 10 on the standardized digits; "
        f"{epochs} epochs of SGD (lr 0.01, momentum 0.9, batches of 32)"
    )
    say(f"\n  {'scheme':<14}{'output std of hidden layers 2, 4, 6, 8':<42}{'‖∂L/∂W₁‖':>10}  accuracy")
    results: dict[str, Any] = {}
    for scheme in SCHEMES:
        dn.manual_seed(seed)
        model = build_deep(nn.ReLU, depth=DEPTH)
        initialize(model, scheme, X[:512], rng=seed)
        stds = activation_stds(model, X[:512])
        grads = layer_gradient_norms(model, X[:256], y[:256])
        diverged = None
        try:
            history = dn.fit(
                model,
                X,
                y,
                "cross_entropy",
                dn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                epochs=epochs,
                batch_size=32,
                metrics=["accuracy"],
                monitor=False,
            )
            accuracy = history.history["accuracy"][-1]
        except dn.training.TrainingDivergedError as error:
            diverged = f"diverged (loss {error.loss}) at epoch {error.epoch}, step {error.step}"
            accuracy = float("nan")
        W1 = model[0].weight.array
        # identical up to float32 rounding (BLAS sums rows in different orders)
        identical = bool(np.abs(W1 - W1[0]).max() <= 1e-5 * max(np.abs(W1).max(), 1e-30))
        results[scheme] = {
            "stds": stds,
            "first_grad": grads[0],
            "last_grad": grads[-1],
            "accuracy": accuracy,
            "diverged": diverged,
            "identical_units": identical,
        }
        shown = ", ".join(f"{s:.3g}" for s in stds[1::2])
        outcome = diverged or f"{accuracy:.1%}"
        say(
            f"  {scheme:<14}{shown:<42}{grads[0]:10.1e}  {outcome}"
            + ("  (the 64 first-layer units are still identical)" if identical and scheme != "zeros" else "")
        )
    say("  with ReLU nothing saturates: large random weights make the signal explode (the deck's case: part 2)")
    results["sigmoid"] = large_random_sigmoid(X, y, seed, say)
    results["dropout"] = dropout_with_constants(X, y, seed, say)
    he, glorot = results["He"], results["Glorot"]
    sigmoid, dropout = results["sigmoid"], results["dropout"]
    results["summary"] = (
        f"initialization: accuracy zeros {results['zeros']['accuracy']:.0%}, constant "
        f"{results['constant']['accuracy']:.0%}, large random "
        f"{'diverged' if results['large random']['diverged'] else format(results['large random']['accuracy'], '.0%')}, "
        f"Glorot {glorot['accuracy']:.0%}, He {he['accuracy']:.0%}, LSUV {results['LSUV']['accuracy']:.0%}; "
        f"sigmoid N(0, 1) {sigmoid['large random']['accuracy']:.0%} vs Glorot {sigmoid['Glorot']['accuracy']:.0%}; "
        f"constant init: {dropout['without']['distinct_units']} → {dropout['with']['distinct_units']} distinct "
        f"units with dropout"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Output standard deviation per hidden layer for each scheme (log scale)."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for scheme in SCHEMES:
        stds = np.maximum(result[scheme]["stds"], 1e-12)
        ax.semilogy(range(1, len(stds) + 1), stds, "o-", label=scheme)
    ax.set(xlabel="hidden layer", ylabel="std of the ReLU outputs", title="the signal at initialization")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.initialization [--plot out.png] [--quick]``."""
    return example_main(
        "initialization", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")]
    )


if __name__ == "__main__":
    sys.exit(main())
