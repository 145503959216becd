r"""Regularization ([Ibragimov], [Suk 2015], [Hosny et al.]): a weight penalty added to the loss.

$$
\tilde E(w) = E(w) + \lambda R(w)
$$

Part 1, **L1 vs L2** ([Ibragimov]: "L1 regularization tries to minimize the number of features
used; L2 regularization tries to use all features equally"). A linear neuron predicts a target
from 10 features (40 samples): x1 and x2 matter, x3 and x4 are two noisy copies of one more
signal that matters, x5-x10 are noise. Without a penalty every weight is non-zero: with 40
samples the noise features explain some of the noise. The $\ell_1$ penalty $\lambda \sum |w|$
(gradient $\lambda \, \mathrm{sign}(w)$) pushes the useless weights to 0 (here: within
$\pm \eta \lambda$ of 0, where plain gradient steps leave them oscillating). The $\ell_2$ penalty
$\frac{\lambda}{2} \sum w^2$ (gradient $\lambda w$) shrinks every weight in proportion to its size
and zeroes none. Between the two copies $\ell_1$ is indifferent ($|w_3| + |w_4|$ is the same for
every split of the total), while $\ell_2$ prefers the even split ($w_3^2 + w_4^2$ is smallest when
$w_3 = w_4$): "do not rely on one feature too much".

Part 2, **the sinusoid overfit and fixed** ([Suk 2015], Bishop 2006, Fig. 5.9-5.10): 10 noisy
points of $\sin(2 \pi x)$; a network with $M = 10$ tanh hidden units (31 weights for 10 points)
fits every point, noise included, and strays from the curve between them. "Choose a relatively
large M and control complexity by the addition of a regularization term": with $\ell_2$ the same
network gives a smooth curve closer to $\sin(2 \pi x)$. Errors are measured against the
noise-free curve on 200 points.

Run it: ``python -m deltanet.examples.regularization --plot regularization.png``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import sinusoid
from deltanet.examples._common import example_main, printer, save_figure

FEATURE_LAMBDA = 0.3
FEATURE_LR = 0.05
SINUSOID_HIDDEN = 10
SINUSOID_LAMBDA = 0.01
ZERO = 0.02  # |w| below this counts as "driven to zero" (lr * lambda = 0.015 is the oscillation of a plain step)


def feature_data(rng: Any, n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""x1, x2 relevant; x3, x4 noisy copies of a third signal; x5-x10 noise. Returns X, y, true weights.

    The target is $y = 3 x_1 - 2 x_2 + 2 s + \epsilon$ with $x_3 = s$ + small noise, $x_4 = s$ + small noise.
    """
    generator = np.random.default_rng(rng)
    X = generator.standard_normal((n, 10))
    s = generator.standard_normal(n)
    X[:, 2] = s + 0.05 * generator.standard_normal(n)
    X[:, 3] = s + 0.05 * generator.standard_normal(n)
    y = 3 * X[:, 0] - 2 * X[:, 1] + 2 * s + 0.5 * generator.standard_normal(n)
    return X, y.reshape(-1, 1), np.array([3, -2, 1, 1, 0, 0, 0, 0, 0, 0], dtype=float)


def fit_features(X: np.ndarray, y: np.ndarray, penalty: str | None, epochs: int, seed: int) -> np.ndarray:
    """Train a linear neuron by full-batch gradient descent with the given penalty; return w."""
    dn.manual_seed(seed)
    model = nn.Linear(10, 1, dtype="float64")
    regularizer = {None: None, "L1": dn.regularizers.L1(FEATURE_LAMBDA), "L2": dn.regularizers.L2(FEATURE_LAMBDA)}[
        penalty
    ]
    dn.fit(
        model,
        X,
        y,
        "mse",
        dn.optim.SGD(model.parameters(), lr=FEATURE_LR),
        epochs=epochs,
        batch_size=None,
        regularizer=regularizer,
        monitor=False,
    )
    return model.weight.array[0].copy()


def fit_sinusoid(lam: float, epochs: int, seed: int, data: Any) -> nn.Sequential:
    r"""A 1-M-1 tanh network on the 10 points ($x$ scaled to $[-1, 1]$), optionally with $\ell_2$."""
    dn.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(1, SINUSOID_HIDDEN, dtype="float64"), nn.Tanh(), nn.Linear(SINUSOID_HIDDEN, 1, dtype="float64")
    )
    dn.fit(
        model,
        2 * data.X - 1,
        data.y,
        "mse",
        dn.optim.Adam(model.parameters(), lr=0.01),
        epochs=epochs,
        batch_size=None,
        regularizer=dn.regularizers.L2(lam) if lam else None,
        monitor=False,
    )
    return model


def run(quick: bool = False, seed: int = 0, verbose: int = 1) -> dict[str, Any]:
    r"""Part 1 (L1 vs L2 on features) and part 2 (the sinusoid with and without $\ell_2$).

    Args:
        quick: fewer epochs (part 1: 300 instead of 1,000; part 2: 4,000 instead of 15,000).
        seed: seeds the data, the weights and the noise.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"weights": {None|"L1"|"L2": w}, "zeros": {...: noise weights x5-x10 with |w| < 0.02}, "sinusoid":
        {"plain"|"l2": {"train_rmse", "curve_rmse", "weight_norm"}}, "summary"}``.
    """
    say = printer(verbose)
    X, y, truth = feature_data(seed)
    epochs = 300 if quick else 1000
    say(
        f"Part 1: L1 vs L2 ([Ibragimov]). A linear neuron, 10 features: y = 3 x1 − 2 x2 + 2 s, x3 ≈ x4 ≈ s, "
        f"x5-x10 noise, {len(X)} samples; λ = {FEATURE_LAMBDA}, "
        f"gradient descent η = {FEATURE_LR}, {epochs} full-batch steps"
    )
    weights = {penalty: fit_features(X, y, penalty, epochs, seed) for penalty in (None, "L1", "L2")}
    zeros = {penalty: int((np.abs(w[4:]) < ZERO).sum()) for penalty, w in weights.items()}
    say("  feature     " + "".join(f"x{i + 1:<7}" for i in range(10)))
    for penalty, w in weights.items():
        say(
            f"  {penalty or 'none':<11} "
            + "".join(f"{v:+7.3f} " for v in w)
            + f"  {zeros[penalty]} of the 6 noise weights within ±{ZERO} of 0"
        )
    say(
        f"  the copies x3, x4: none {weights[None][2]:+.2f}/{weights[None][3]:+.2f}, "
        f"L1 {weights['L1'][2]:+.2f}/{weights['L1'][3]:+.2f}, L2 {weights['L2'][2]:+.2f}/{weights['L2'][3]:+.2f}"
    )

    data = sinusoid(rng=seed + 1)
    grid = np.linspace(0, 1, 200).reshape(-1, 1)
    curve = np.sin(2 * np.pi * grid)
    sin_epochs = 4000 if quick else 15000
    say(
        f"\nPart 2: the sinusoid ([Suk 2015]; Bishop): 10 points of sin(2πx) + N(0, 0.3²), 1-{SINUSOID_HIDDEN}-1 "
        f"tanh network, Adam, {sin_epochs} full-batch epochs"
    )
    sinus: dict[str, Any] = {}
    for label, lam in (("plain", 0.0), ("l2", SINUSOID_LAMBDA)):
        model = fit_sinusoid(lam, sin_epochs, seed, data)
        train_rmse = float(np.sqrt(np.mean((dn.predict(model, 2 * data.X - 1) - data.y) ** 2)))
        prediction = dn.predict(model, 2 * grid - 1)
        curve_rmse = float(np.sqrt(np.mean((prediction - curve) ** 2)))
        norm = float(np.sqrt(sum((p.array**2).sum() for p in dn.regularizers.penalized_parameters(model))))
        sinus[label] = {
            "train_rmse": train_rmse,
            "curve_rmse": curve_rmse,
            "weight_norm": norm,
            "prediction": prediction[:, 0],
            "model": model,
        }
        name = "no penalty" if lam == 0 else f"ℓ2, λ = {lam}"
        say(
            f"  {name:<14} error on the 10 points {train_rmse:.3f}, distance from sin(2πx) {curve_rmse:.3f}, "
            f"‖W‖ = {norm:.1f}"
        )
    say(
        "  without a penalty the network fits the noise (error ≈ 0 on the points) and strays between them;"
        " ℓ2 keeps the weights small and the curve smooth"
    )
    summary = (
        f"regularization: noise weights ≈ 0: none {zeros[None]}/6, L1 {zeros['L1']}/6, L2 {zeros['L2']}/6; "
        f"sinusoid distance from the curve {sinus['plain']['curve_rmse']:.3f} → {sinus['l2']['curve_rmse']:.3f} with ℓ2"
    )
    say("\n" + summary)
    return {"weights": weights, "truth": truth, "zeros": zeros, "sinusoid": sinus, "data": data, "summary": summary}


def plot(result: dict[str, Any], path: Any) -> None:
    """The weights under each penalty, and the sinusoid fits."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    x = np.arange(10)
    for k, (penalty, w) in enumerate(result["weights"].items()):
        ax1.bar(x + (k - 1) * 0.27, w, 0.27, label=penalty or "none")
    ax1.set_xticks(x, [f"x{i + 1}" for i in range(10)])
    ax1.set(title="L1 zeroes weights, L2 spreads them")
    ax1.legend()
    grid = np.linspace(0, 1, 200)
    ax2.plot(grid, np.sin(2 * np.pi * grid), "g-", label="sin(2πx)")
    ax2.plot(result["data"].X[:, 0], result["data"].y[:, 0], "o", color="tab:blue", label="data")
    ax2.plot(grid, result["sinusoid"]["plain"]["prediction"], "r-", label="M = 10, no penalty")
    ax2.plot(grid, result["sinusoid"]["l2"]["prediction"], "k--", label=f"M = 10, ℓ2 λ = {SINUSOID_LAMBDA}")
    ax2.set(ylim=(-1.6, 1.6), title="the sinusoid: overfit and fixed")
    ax2.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.regularization [--plot out.png] [--quick]``."""
    return example_main("regularization", __doc__, run, plot, argv)


if __name__ == "__main__":
    sys.exit(main())
