r"""Optimizers ([Hosny et al.], [Suk 2015]): one network, one problem, eight ways to descend.

The problem: a 64-32-10 tanh network classifying the 8×8 digits (1,347 for training, 450 for
testing), cross-entropy loss, the same initial weights for every optimizer, and the same budget:
30 passes over the training data (epochs). What differs is how many updates a pass gives and how
each update is made:

| optimizer | update | batch | updates per pass |
|---|---|---|---|
| GD (batch) | $w \leftarrow w - \eta \nabla E$ | all 1,347 | 1 |
| SGD (on-line) | $w \leftarrow w - \eta \nabla E_n$, $n$ from a new permutation every pass | 1 | 1,347 |
| on-line, in sequence | the same, $n = 1, 2, \dots, N$ every pass | 1 | 1,347 |
| on-line, with replacement | the same, $n$ drawn at random with replacement | 1 | 1,347 |
| mini-batch SGD | $w \leftarrow w - \eta \nabla E_B$ | 32 | 43 |
| momentum | $v \leftarrow \alpha v + \nabla E_B$, $w \leftarrow w - \eta v$ | 32 | 43 |
| AdaGrad | per-weight $\eta / \sqrt{\sum_{past} g^2}$ | 32 | 43 |
| RMSprop | per-weight $\eta / \sqrt{\text{running mean of } g^2}$ | 32 | 43 |
| Adam | momentum of $g$ and of $g^2$, bias-corrected | 32 | 43 |
| L-BFGS | quasi-Newton direction + line search | all | at most 30 evaluations |

On-line learning is "repeated by cycling through the data either in sequence or by selecting at
random with replacement" ([Suk 2015]); ``dn.fit``'s ``shuffle=False``, ``True`` (a new
permutation every pass, the usual choice today) and ``"with_replacement"`` are the three ways. A
pass of $N$ draws with replacement visits only about $1 - 1/e \approx 63\,\%$ of the samples
(some twice or more); the example counts them in its first pass.

The learning rates are each method's usual range, picked once for this problem (not tuned per
run). Full-batch gradient descent makes 30 small steps and is far behind; the stochastic methods
make hundreds to thousands; L-BFGS ("more efficient batch methods: conjugate gradients,
quasi-Newton", [Suk 2015]) makes up for its single batch with curvature (PyTorch's L-BFGS with
its strong-Wolfe line search, ``optim.LBFGS``). The digits need scikit-learn.

Run it: ``python -m deltanet.examples.optimizers --plot optimizers.png``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn, optim
from deltanet.data import load_digits, train_test_split
from deltanet.examples._common import example_main, printer, save_figure
from deltanet.training.state import draw_order

EPOCHS, QUICK_EPOCHS = 30, 6

#: name → (make optimizer from (params, epochs), batch size, description of the learning rate,
#: fit's ``shuffle``: how a pass goes through the samples)
OPTIMIZERS: dict[str, tuple[Callable[[Any, int], Any], int | None, str, bool | str]] = {
    "GD (batch)": (lambda p, e: optim.SGD(p, lr=0.5), None, "η = 0.5", True),
    "SGD (on-line)": (lambda p, e: optim.SGD(p, lr=0.01), 1, "η = 0.01", True),
    "on-line, in sequence": (lambda p, e: optim.SGD(p, lr=0.01), 1, "η = 0.01", False),
    "on-line, with replacement": (lambda p, e: optim.SGD(p, lr=0.01), 1, "η = 0.01", "with_replacement"),
    "mini-batch SGD": (lambda p, e: optim.SGD(p, lr=0.1), 32, "η = 0.1", True),
    "momentum": (lambda p, e: optim.SGD(p, lr=0.02, momentum=0.9), 32, "η = 0.02, α = 0.9", True),
    "AdaGrad": (lambda p, e: optim.Adagrad(p, lr=0.05), 32, "η = 0.05", True),
    "RMSprop": (lambda p, e: optim.RMSprop(p, lr=0.002), 32, "η = 0.002", True),
    "Adam": (lambda p, e: optim.Adam(p, lr=0.003), 32, "η = 0.003", True),
    "L-BFGS": (
        lambda p, e: optim.LBFGS(p, max_iter=e, max_eval=e, line_search_fn="strong_wolfe"),
        None,
        "strong Wolfe",
        True,
    ),
}


class _Recorded:
    """The cross-entropy, recording every full-batch value it computes (L-BFGS's evaluations)."""

    def __init__(self) -> None:
        self.loss = dn.losses.CrossEntropy()
        self.values: list[float] = []

    def __call__(self, output: Any, target: Any) -> Any:
        value = self.loss(output, target)
        self.values.append(float(value.array))
        return value


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the same network with each optimizer for the same number of passes over the data.

    Args:
        quick: 6 passes instead of 30.
        seed: seeds the (shared) initial weights and the shuffles.
        epochs: override the number of passes.
        verbose: 0 silent, 1 print.

    Returns:
        optimizer name → ``{"train_loss", "test_accuracy", "updates", "curve" (loss per pass),
        "seconds"}``, plus ``"with_replacement_seen"`` (the
        distinct samples of the first pass drawn with replacement) and ``"summary"``.
    """
    say = printer(verbose)
    digits = load_digits(scale=True)
    X_train, X_test, y_train, y_test = train_test_split(digits.X, digits.y, test_size=0.25, stratify=True, rng=0)
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    dn.manual_seed(seed)
    # state_dict() shares the memory of the model it comes from; nothing trains that model, so
    # its values stay the start (a model that trains would need a copy: v.clone()).
    start = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)).state_dict()
    say(
        f"Optimizers: 64-32-10 tanh network on the digits ({len(X_train)} training, {len(X_test)} test), "
        f"the same initial weights, {epochs} passes over the training data each"
    )
    say(
        f"\n  {'optimizer':<27}{'rate':<19}{'batch':>6}{'updates':>9}"
        f"{'training loss':>15}{'test accuracy':>15}{'seconds':>9}"
    )
    results: dict[str, Any] = {}
    for name, (make, batch_size, rate, shuffle) in OPTIMIZERS.items():
        model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
        model.load_state_dict(start)
        optimizer = make(model.parameters(), epochs)
        loss = _Recorded()
        began = time.perf_counter()
        lbfgs = name == "L-BFGS"
        history = dn.fit(
            model,
            X_train,
            y_train,
            loss,
            optimizer,
            epochs=1 if lbfgs else epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            rng=seed,
            monitor=False,
        )
        seconds = time.perf_counter() - began
        train = dn.evaluate(model, X_train, y_train, loss="cross_entropy")
        test = dn.evaluate(model, X_test, y_test, metrics=["accuracy"], loss="cross_entropy")
        n = len(X_train)
        updates = len(loss.values) if lbfgs else epochs * (1 if batch_size is None else -(-n // batch_size))
        curve = loss.values[1:] if lbfgs else history.history["loss"]
        results[name] = {
            "train_loss": train["loss"],
            "test_accuracy": test["accuracy"],
            "updates": updates,
            "curve": curve,
            "seconds": seconds,
        }
        say(
            f"  {name:<27}{rate:<19}{batch_size or n:>6}{updates:>9}{train['loss']:>15.4f}{test['accuracy']:>15.1%}"
            f"{seconds:>9.2f}"
        )
    # fit(rng=seed) draws the first pass's N indices first from a generator seeded with seed
    seen = len(np.unique(draw_order(np.random.default_rng(seed), len(X_train), replacement=True)))
    say(
        f"\n  on-line with replacement: the first pass drew {len(X_train)} samples, {seen} of them distinct "
        f"({seen / len(X_train):.1%}; 1 − 1/e = {1 - np.exp(-1):.1%}), the others not at all"
    )
    best = min((r["train_loss"], k) for k, r in results.items())[1]
    results["with_replacement_seen"] = seen
    results["summary"] = (
        f"optimizers: after {epochs} passes, training loss GD {results['GD (batch)']['train_loss']:.3f}, "
        f"mini-batch {results['mini-batch SGD']['train_loss']:.3f}, Adam {results['Adam']['train_loss']:.3f}"
        + (f", L-BFGS {results['L-BFGS']['train_loss']:.4f}" if "L-BFGS" in results else "")
        + f"; lowest: {best}"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    """Training loss per pass over the data for every optimizer (log scale)."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name in OPTIMIZERS:
        if name in result:
            curve = result[name]["curve"]
            ax.semilogy(np.arange(1, len(curve) + 1), curve, label=name)
    ax.set(
        xlabel="pass over the training data (L-BFGS: function evaluation)",
        ylabel="training loss",
        title="same network, same budget",
    )
    ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.optimizers [--plot out.png] [--quick]``."""
    return example_main(
        "optimizers", __doc__, run, plot, argv, options=[("--epochs", int, None, "passes over the data")]
    )


if __name__ == "__main__":
    sys.exit(main())
