r"""Rosenblatt's perceptron ([Suk 2015]): "if an exact solution exists, it is guaranteed to
find it. BUT it does not converge if the classes are not linearly separable."

The unit is $y = \mathrm{step}(w \cdot x + b)$ (``nn.Linear`` then ``nn.Step``: 1 if
$w \cdot x + b \ge 0$, else 0). The perceptron rule visits the samples one by one and changes the
weights only after a mistake, with $t$ the target and $\eta$ the learning rate:

$$
w \leftarrow w + \eta (t - y) x, \qquad b \leftarrow b + \eta (t - y).
$$

This is not gradient descent (the step has no useful derivative), which is why the loop is written
out here. The example trains it on AND, OR and two iris species (setosa vs versicolor, petal
length and width), which are linearly separable: an epoch without a mistake comes after a few
epochs. On XOR no line separates the classes: with $\eta = 1$ and 0/1 inputs the weights stay integers,
and after a few epochs they return to a state they had before, so the rule cycles for ever.

Run it: ``python -m deltanet.examples.perceptron`` or ``deltanet examples run perceptron``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.data import load_iris, logic_gate
from deltanet.examples._common import example_main, printer, save_figure

MAX_EPOCHS = 100


def build_perceptron(n_inputs: int) -> nn.Sequential:
    r"""A threshold unit $y = \mathrm{step}(w \cdot x + b)$ with $w = 0$, $b = 0$ (float64).

    Examples:
        >>> from deltanet.examples.perceptron import build_perceptron
        >>> build_perceptron(2)
        Sequential(
          (0): Linear(in_features=2, out_features=1, bias=True)
          (1): Step()
        )
    """
    model = nn.Sequential(nn.Linear(n_inputs, 1, dtype="float64"), nn.Step())
    for p in model.parameters():
        dn.init.zeros(p)
    return model


def train_perceptron(X: np.ndarray, t: np.ndarray, eta: float = 1.0, max_epochs: int = MAX_EPOCHS) -> dict[str, Any]:
    """Rosenblatt's rule, on-line in the order of the samples, until an epoch without mistakes,
    a repeated state (w, b) at the start of an epoch (a cycle), or ``max_epochs``.

    Returns:
        ``{"converged": bool, "epochs": epochs run, "cycle": (first epoch, length) or None,
        "mistakes": mistakes per epoch, "weights", "bias", "model"}``.

    Examples:
        >>> from deltanet.data import logic_gate
        >>> from deltanet.examples.perceptron import train_perceptron
        >>> gate = logic_gate("and")
        >>> r = train_perceptron(gate.X, gate.y)
        >>> r["converged"], r["epochs"], r["weights"].tolist(), r["bias"]
        (True, 6, [2.0, 1.0], -3.0)
    """
    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64).ravel()
    model = build_perceptron(X.shape[1])
    linear = model[0]
    seen: dict[tuple[float, ...], int] = {}
    mistakes: list[int] = []
    cycle = None
    for epoch in range(max_epochs):
        state = (*linear.weight.array.ravel().tolist(), float(linear.bias.array[0]))
        if state in seen:
            cycle = (seen[state], epoch - seen[state])
            break
        seen[state] = epoch
        count = 0
        with dn.no_grad():
            for x_n, t_n in zip(X, t):
                y_n = float(model(dn.tensor(x_n[None, :])).array[0, 0])  # y = step(w . x + b)
                if y_n != t_n:
                    linear.weight.array[0] += eta * (t_n - y_n) * x_n  # w <- w + eta (t - y) x
                    linear.bias.array[0] += eta * (t_n - y_n)  # b <- b + eta (t - y)
                    count += 1
        mistakes.append(count)
        if count == 0:
            break
    converged = bool(mistakes) and mistakes[-1] == 0
    return {
        "converged": converged,
        "epochs": len(mistakes),
        "cycle": cycle,
        "mistakes": mistakes,
        "weights": linear.weight.array[0].copy(),
        "bias": float(linear.bias.array[0]),
        "model": model,
    }


def _problems() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    problems = {name.upper(): (g.X, g.y) for name in ("and", "or", "xor") for g in [logic_gate(name, dtype=np.float64)]}
    iris = load_iris(dtype=np.float64)
    keep = iris.y < 2  # setosa (0) and versicolor (1)
    problems["iris setosa vs versicolor (petal length, width)"] = (iris.X[keep][:, 2:], iris.y[keep])
    return {k: problems[k] for k in ("AND", "OR", "iris setosa vs versicolor (petal length, width)", "XOR")}


def run(quick: bool = False, verbose: int = 1) -> dict[str, Any]:
    """Train the perceptron on AND, OR, iris (separable) and XOR (not).

    Args:
        quick: no effect (the example takes milliseconds).
        verbose: 0 silent, 1 print.

    Returns:
        problem name → the result of ``train_perceptron`` (without the model), plus ``"summary"``.

    Examples:
        >>> from deltanet.examples import perceptron
        >>> r = perceptron.run(verbose=0)
        >>> r["AND"]["converged"], r["XOR"]["converged"], r["XOR"]["cycle"] is not None
        (True, False, True)
    """
    say = printer(verbose)
    say(
        "Rosenblatt's perceptron ([Suk 2015]): y = step(w·x + b); "
        "after a mistake w ← w + η(t − y)x, b ← b + η(t − y); η = 1"
    )
    results: dict[str, Any] = {}
    for name, (X, t) in _problems().items():
        r = train_perceptron(X, t)
        predictions = r.pop("model")(dn.tensor(X)).array[:, 0]
        r["accuracy"] = float((predictions == t).mean())
        results[name] = r
        head = ", ".join(str(m) for m in r["mistakes"][:12]) + (" …" if len(r["mistakes"]) > 12 else "")
        say(f"\n  {name}: mistakes per epoch {head}")
        if r["converged"]:
            say(
                f"    converged: no mistake in epoch {r['epochs']}; w = {np.round(r['weights'], 3).tolist()}, "
                f"b = {r['bias']:.3f}; accuracy {r['accuracy']:.0%}"
            )
        elif r["cycle"] is not None:
            first, length = r["cycle"]
            say(
                f"    no convergence: at the start of epoch {first + length + 1} the weights are those of epoch "
                f"{first + 1} (w = {r['weights'].tolist()}, b = {r['bias']}), a cycle of {length} epoch(s) "
                f"that repeats for ever; accuracy {r['accuracy']:.0%}"
            )
        else:
            say(f"    no convergence within {MAX_EPOCHS} epochs; accuracy {r['accuracy']:.0%}")
    converged = [n for n, r in results.items() if r["converged"]]
    results["summary"] = (
        f"perceptron: converges on {', '.join(converged)}; "
        f"{'cycles' if results['XOR']['cycle'] else 'does not converge'} on XOR"
    )
    say("\n" + results["summary"])
    return results


def plot(result: dict[str, Any], path: Any) -> None:
    r"""The four problems with the perceptron's line $w \cdot x + b = 0$."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    problems = _problems()
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.5))
    for ax, (name, (X, t)) in zip(axes, problems.items()):
        r = result[name]
        ax.scatter(X[:, 0], X[:, 1], c=t, cmap="coolwarm", edgecolor="k")
        w, b = r["weights"], r["bias"]
        xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 2)
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], "k-")
        ax.set_title(f"{name.split(' (')[0]}: {'converged' if r['converged'] else 'cycles'}", fontsize=9)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.perceptron [--plot out.png]``."""
    return example_main("perceptron", __doc__, run, plot, argv, seed=None)


if __name__ == "__main__":
    sys.exit(main())
