r"""Vanishing gradients ([de Back 2018], [Hosny et al.], [Suk 2015]): in a deep sigmoid network
the gradient shrinks layer by layer on its way back to the input; ReLU with He initialization
keeps it.

Backpropagation multiplies, at each layer, by the weights and by the derivative of the activation,

$$
\delta_j = h'(z_j) \sum_k w_{kj} \delta_k.
$$

The sigmoid's derivative is at most 1/4 ("small gradients (0, 1/4]",
[de Back 2018]), and with weights of magnitude below 1 ("|w| < 1", [Suk 2015]) every layer
shrinks $\delta$ by a factor of 4 or more: "neurons in the earlier layers learn much more slowly than
neurons in later layers". ReLU's derivative is 1 where the unit is on, and He's initialization
(variance $2 / n_{in}$) keeps the signal's size from layer to layer.

The example builds the same deep network (64 inputs, 10 hidden layers of 64 units, 10 outputs) three
ways: sigmoid with PyTorch's default initialization $U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})$, sigmoid
with Glorot's, and ReLU with He's. It prints the norm of the loss gradient
$\lVert \partial L / \partial W_l \rVert$ of every layer on a batch of 8×8
digits at initialization, then trains each network for a few epochs: the sigmoid networks stay at
chance (10 %), the ReLU network learns.

Needs scikit-learn for the digits (``pip install 'deltanet[data]'``).

Run it: ``python -m deltanet.examples.vanishing_gradients --plot gradients.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import load_digits
from deltanet.examples._common import example_main, printer, save_figure

DEPTH, WIDTH = 10, 64
EPOCHS, QUICK_EPOCHS = 15, 3
#: name → (activation, initializer of the weights; None = the layer's default)
NETWORKS = {
    "sigmoid, default init": (nn.Sigmoid, None),
    "sigmoid, Glorot init": (nn.Sigmoid, "glorot_uniform"),
    "ReLU, He init": (nn.ReLU, "he_normal"),
}


def build_deep(activation: type, init: Any = None, depth: int = DEPTH, width: int = WIDTH) -> nn.Sequential:
    """64 → ``depth`` × (``width``, activation) → 10.

    Examples:
        >>> from deltanet import nn
        >>> from deltanet.examples.vanishing_gradients import build_deep
        >>> len(build_deep(nn.ReLU, depth=3))
        7
    """
    layers: list[nn.Module] = []
    n_in = 64
    for _ in range(depth):
        layers += [nn.Linear(n_in, width, init=init), activation()]
        n_in = width
    layers.append(nn.Linear(n_in, 10, init=init))
    return nn.Sequential(*layers)


def layer_gradient_norms(model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> list[float]:
    r"""The gradient norm $\lVert \partial L / \partial W_l \rVert_2$ of every ``Linear`` layer, input side first.

    $L$ is the cross-entropy on (X, y).
    """
    model.zero_grad()
    loss = dn.losses.CrossEntropy()(model(dn.tensor(X)), dn.tensor(y))
    loss.backward()
    norms = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            assert layer.weight.grad is not None  # backward reached every layer
            norms.append(float(np.linalg.norm(layer.weight.grad.array)))
    model.zero_grad()
    return norms


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Gradient norms per layer at initialization, then a short training run, for each network.

    Args:
        quick: 3 training epochs instead of 15.
        seed: seeds the weights and the shuffle.
        epochs: override the number of training epochs.
        verbose: 0 silent, 1 print.

    Returns:
        network name → ``{"norms": per-layer norms, input side first, "accuracy": training
        accuracy per epoch}``, plus ``"summary"``.
    """
    say = printer(verbose)
    digits = load_digits(scale=True)
    X, y = digits.X, digits.y
    batch = slice(0, 256)
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    say(
        f"Vanishing gradients: 64 → {DEPTH} × {WIDTH} → 10 on the 8×8 digits; ‖∂L/∂W‖ per layer at "
        f"initialization (cross-entropy, 256 digits), then {epochs} epochs of SGD (lr 0.01, momentum 0.9)"
    )
    results: dict[str, Any] = {}
    for name, (activation, init) in NETWORKS.items():
        dn.manual_seed(seed)
        model = build_deep(activation, init)
        norms = layer_gradient_norms(model, X[batch], y[batch])
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
        results[name] = {"norms": norms, "accuracy": history.history["accuracy"]}
    say("\n  layer   " + "".join(f"{name:>24}" for name in NETWORKS))
    for i in range(DEPTH + 1):
        label = "1 (input)" if i == 0 else ("11 (output)" if i == DEPTH else str(i + 1))
        say(f"  {label:<11}" + "".join(f"{results[name]['norms'][i]:24.2e}" for name in NETWORKS))
    say("  first/last" + "".join(f"{results[n]['norms'][0] / results[n]['norms'][-1]:24.1e}" for n in NETWORKS))
    say("  accuracy after training" + "".join(f"{results[n]['accuracy'][-1]:16.1%}" for n in NETWORKS))
    sigmoid, relu = results["sigmoid, default init"], results["ReLU, He init"]
    ratio = sigmoid["norms"][0] / relu["norms"][0]
    results["summary"] = (
        f"vanishing-gradients: first-layer gradient, sigmoid {sigmoid['norms'][0]:.1e} vs ReLU/He "
        f"{relu['norms'][0]:.1e} (×{ratio:.0e}); accuracy {sigmoid['accuracy'][-1]:.0%} vs "
        f"{relu['accuracy'][-1]:.0%}"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Gradient norm per layer (log scale) and training accuracy per epoch."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name in NETWORKS:
        ax1.semilogy(range(1, DEPTH + 2), result[name]["norms"], "o-", label=name)
        ax2.plot(range(1, len(result[name]["accuracy"]) + 1), result[name]["accuracy"], label=name)
    ax1.set(xlabel="layer (1 = input side)", ylabel="‖∂L/∂W‖", title="gradient at initialization")
    ax2.set(xlabel="epoch", ylabel="training accuracy", title="learning")
    ax1.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.vanishing_gradients [--plot out.png] [--quick]``."""
    return example_main(
        "vanishing-gradients", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")]
    )


if __name__ == "__main__":
    sys.exit(main())
