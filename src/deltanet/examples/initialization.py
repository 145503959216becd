r"""Weight initialization ([Hosny et al.]): the same deep ReLU network started six ways.

The deck's table of schemes $w \sim \alpha \cdot \mathcal{U}[-1, 1] + \beta \cdot \mathcal{N}(0, 1) + \gamma$
and its warnings: "0: stuck at a saddle point; constants: difficult to break the symmetry; large
random values: small gradients, slow convergence" (with ReLU, large values make the signal explode
instead). The network is 64 → 8 × (64, ReLU) → 10 on the standardized 8×8 digits, biases 0, and
the weights

- ``zeros``: every weight 0. Every hidden unit outputs 0 and passes no gradient: nothing learns
  but the output bias.
- ``constant``: every weight 0.05. All units of a layer compute the same value and get the same
  gradient, so they stay identical for ever (one unit's worth of features), and the activations
  grow by a factor 3.2 per layer (64 × 0.05).
- ``large random``: $\mathcal{N}(0, 1)$, the "Gaussian with mean 0 and standard deviation 1" of
  [Suk 2015]. Each layer multiplies the signal's size by about $\sqrt{64 / 2} \approx 5.7$;
  after 8 layers the hidden outputs are about $10^6$, the logits about $10^7$, and training
  diverges.
- ``Glorot`` uniform, $\alpha = \sqrt{6 / (n_{in} + n_{out})}$: variance $1 / n$ for tanh-like
  units when $n_{in} = n_{out} = n$; with ReLU the signal halves its variance at every layer (its
  standard deviation shrinks by $\sqrt 2$).
- ``He`` normal, $\beta^2 = 2 / n_{in}$: made for ReLU; the signal keeps its size through every
  layer.
- ``LSUV`` (Mishkin & Matas 2015): orthogonal weights, rescaled layer by layer until each layer's
  output has unit variance on a batch of data.

For each the example prints the standard deviation of every second hidden layer's output at
initialization, the gradient norm of the first layer, and the training accuracy after a few epochs.

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
                stds.append(float(h.data.std()))
    return stds


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Initialize the network with each scheme, measure the signal and gradient, train briefly.

    Args:
        quick: 2 epochs instead of 10.
        seed: seeds the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        scheme → ``{"stds", "first_grad", "last_grad", "accuracy", "diverged", "identical_units"}``,
        plus ``"summary"``.
    """
    say = printer(verbose)
    digits = load_digits()
    X = Standardizer().fit_transform(digits.X)
    y = digits.y
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"Initialization ([Hosny et al.]): 64 → {DEPTH} × (64, ReLU) → 10 on the standardized digits; "
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
        W1 = model[0].weight.data
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
    he, glorot = results["He"], results["Glorot"]
    results["summary"] = (
        f"initialization: accuracy zeros {results['zeros']['accuracy']:.0%}, constant "
        f"{results['constant']['accuracy']:.0%}, large random "
        f"{'diverged' if results['large random']['diverged'] else format(results['large random']['accuracy'], '.0%')}, "
        f"Glorot {glorot['accuracy']:.0%}, He {he['accuracy']:.0%}, LSUV {results['LSUV']['accuracy']:.0%}"
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
