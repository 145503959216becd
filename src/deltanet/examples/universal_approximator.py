r"""The universal approximator ([Suk 2015], after Bishop 2006, Fig. 5.3): one hidden layer of
3 tanh units and a linear output fits a parabola, a sine, an absolute value and a step from 50 points.

"A feed-forward network with a single hidden layer containing a finite number of neurons can
approximate any continuous function." The deck's figure: 50 data points uniform on $(-1, 1)$, a
two-layer network with 3 tanh hidden units and a linear output; the network's output is the sum of
the three hidden units' outputs, weighted, plus a bias:

$$
\hat y = \sum_{j=1}^{3} v_j \tanh(w_j x + b_j) + c.
$$

The plot (``--plot``) shows the data, the network's output and the three weighted
hidden-unit outputs for each function, as the figure does. The step is not continuous: 3 smooth
units can only approximate it by one steep tanh.

Training: mean squared error, Adam on the full batch (50 points), 1:3:1 network of 10 parameters.

Run it: ``python -m deltanet.examples.universal_approximator --plot fit.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import UNIVERSAL_FUNCTIONS, universal_approximation
from deltanet.examples._common import example_main, printer, save_figure

HIDDEN = 3
EPOCHS, QUICK_EPOCHS, LEARNING_RATE = 4000, 1500, 0.05
#: The RMSE each fit should beat (the step is discontinuous: 3 tanh units leave its jump).
EXPECTED_RMSE = {"square": 0.02, "sine": 0.05, "abs": 0.05, "step": 0.2}


def build_model() -> nn.Sequential:
    """1 → 3 tanh → 1 (linear output), float64.

    Examples:
        >>> from deltanet.examples.universal_approximator import build_model
        >>> sum(p.size for p in build_model().parameters())
        10
    """
    return nn.Sequential(nn.Linear(1, HIDDEN, dtype="float64"), nn.Tanh(), nn.Linear(HIDDEN, 1, dtype="float64"))


def hidden_contributions(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """Each hidden unit's weighted output v_j tanh(w_j x + b_j), shape (N, 3); their sum plus the
    output bias is the network's output."""
    with dn.no_grad():
        h = model[1](model[0](dn.tensor(x))).array
    return h * model[2].weight.array[0]


def run(quick: bool = False, seed: int = 0, verbose: int = 1) -> dict[str, Any]:
    """Fit the four functions; report the RMSE of each.

    Args:
        quick: 1,500 epochs instead of 4,000.
        seed: seeds the 50 points and the initial weights.
        verbose: 0 silent, 1 print.

    Returns:
        function name → ``{"rmse", "x", "y", "prediction", "hidden", "model"}``, plus ``"summary"``.
    """
    say = printer(verbose)
    epochs = QUICK_EPOCHS if quick else EPOCHS
    say(
        f"Universal approximation ([Suk 2015]; Bishop 2006, Fig. 5.3): 50 points uniform on (−1, 1), "
        f"{HIDDEN} tanh hidden units, linear output; Adam, lr {LEARNING_RATE}, {epochs} full-batch epochs"
    )
    results: dict[str, Any] = {}
    for k, name in enumerate(UNIVERSAL_FUNCTIONS):
        data = universal_approximation(name, rng=seed + k)
        dn.manual_seed(seed)
        model = build_model()
        dn.fit(
            model,
            data.X,
            data.y,
            "mse",
            dn.optim.Adam(model.parameters(), lr=LEARNING_RATE),
            epochs=epochs,
            batch_size=None,
            monitor=False,
        )
        prediction = dn.predict(model, data.X)
        rmse = float(np.sqrt(np.mean((prediction - data.y) ** 2)))
        hidden = hidden_contributions(model, data.X)
        reconstructed = hidden.sum(axis=1) + model[2].bias.array[0]
        assert np.allclose(reconstructed, prediction[:, 0])  # output = sum_j v_j tanh(w_j x + b_j) + c
        results[name] = {
            "rmse": rmse,
            "x": data.X[:, 0],
            "y": data.y[:, 0],
            "prediction": prediction[:, 0],
            "hidden": hidden,
            "model": model,
        }
        formula = {"square": "x²", "sine": "sin(πx)", "abs": "|x|", "step": "H(x)"}[name]
        say(
            f"  f(x) = {formula:<8} RMSE {rmse:.4f}  (expected below {EXPECTED_RMSE[name]}); hidden weights "
            f"w = {np.round(model[0].weight.array[:, 0], 2).tolist()}, b = {np.round(model[0].bias.array, 2).tolist()}"
        )
    results["summary"] = "universal-approximator: RMSE " + ", ".join(
        f"{n} {results[n]['rmse']:.3f}" for n in UNIVERSAL_FUNCTIONS
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Bishop's Fig. 5.3: data (blue dots), network output (red), the 3 hidden units (dashed)."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    xs = np.linspace(-1, 1, 200).reshape(-1, 1)
    for ax, name in zip(axes, UNIVERSAL_FUNCTIONS):
        r = result[name]
        model = r["model"]
        ax.plot(r["x"], r["y"], "o", color="tab:blue", ms=3)
        ax.plot(xs[:, 0], dn.predict(model, xs)[:, 0], color="tab:red", lw=2)
        for j, h in enumerate(hidden_contributions(model, xs).T):
            ax.plot(xs[:, 0], h, "--", lw=1, label=f"unit {j + 1}")
        ax.set_title(f"{name} (RMSE {r['rmse']:.3f})")
    axes[0].legend(fontsize=7)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.universal_approximator [--plot out.png] [--quick]``."""
    return example_main("universal-approximator", __doc__, run, plot, argv)


if __name__ == "__main__":
    sys.exit(main())
