r"""Deep vs shallow ([Suk 2015]): "possible to approximate complex functions to the same accuracy
using a deeper network with much fewer total neurons".

The function: the tent map $t(x) = 2x$ for $x < \frac12$, $2(1 - x)$ otherwise, composed with itself
$k$ times on $[0, 1]$: $f_k = t \circ t \circ \dots \circ t$, a sawtooth of $2^{k-1}$ teeth, made of
$2^k$ straight pieces (Telgarsky 2016, "Benefits of depth in neural networks").

**Deep and narrow.** One tent is two ReLU units: $t(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - \frac12)$
on $[0, 1]$, and $t$ maps $[0, 1]$ onto itself, so $k$ hidden layers of 2 ReLU units compute $f_k$
*exactly*: $2k$ units and $6k + 1$ parameters. The example writes these weights by hand into an
``nn.Sequential`` and measures its error.

**Shallow.** A network with one hidden layer of $n$ ReLU units is piecewise linear and bends at
most $n$ times (unit $j$ at $x = -b_j / w_j$), so it needs at least $2^k - 1$ units to be exact.
With fewer, its error has a floor that no training can go below: on each of the $2^{k-1}$ teeth
where it does not bend, it is a straight line, and the best straight line through a tooth (a
triangle of height 1) is its mean $\frac12$, with a mean squared error of $\frac{1}{12}$. At most
$n$ teeth hold a bend, so for every shallow network of $n$ units

$$
\mathrm{MSE} \ge \frac{1}{12} \max\Big(0, 1 - \frac{n}{2^{k-1}}\Big).
$$

For each $n$ the example also builds a good shallow network: its units bend at the first $n$ bends
of $f_k$ ($0, 2^{-k}, 2 \cdot 2^{-k}, \dots$), and its output layer is the least-squares fit on 1,025
points of $[0, 1]$ (the best output layer for those units); with $n = 2^k$ it is exact. Errors are
mean squared errors on 4,097 other points; predicting the mean gives $\frac{1}{12} \approx 0.083$.

With $k = 6$ (64 pieces) the deep network's 12 units and 37 parameters are exact to rounding, while
every shallow network with as many parameters (12 units) has an error of at least 0.052, and the
one built here needs 64 units and 193 parameters to match: 5.3 times the units.

**Representation is not learning.** The deep solution exists, but gradient descent from random
weights does not find it: ``--epochs N`` (default 3,000; none with ``--quick``) trains both
networks from random weights with Adam on the 1,025 points, and in the full run both stay at the
mean (test MSE 0.083): narrow deep ReLU networks and targets with many oscillations are both hard
for gradient descent. The deck's claim is about how many units a function needs, which is what
the table shows.

Run it: ``python -m deltanet.examples.deep_vs_shallow`` or ``deltanet examples run deep-vs-shallow``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet import nn
from deltanet.examples._common import example_main, printer, save_figure

K = 6
TRAIN_POINTS, TEST_POINTS = 1025, 4097
#: a shallow network "matches" the deep one when its test MSE is below this
MATCH_MSE = 1e-8
EPOCHS, LEARNING_RATE, RESTARTS = 3000, 0.01, 3


def sawtooth(x: np.ndarray, k: int) -> np.ndarray:
    r"""$f_k(x)$: the tent map $t(x) = 2 \min(x, 1 - x)$ applied $k$ times.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.deep_vs_shallow import sawtooth
        >>> sawtooth(np.array([0.0, 0.125, 0.25, 0.375, 0.5]), 2).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    for _ in range(k):
        x = 2 * np.minimum(x, 1 - x)
    return x


def _set(layer: nn.Linear, weight: Any, bias: Any) -> nn.Linear:
    assert layer.bias is not None  # built with a bias
    layer.weight.array[...] = weight
    layer.bias.array[...] = bias
    return layer


def deep_network(k: int) -> nn.Sequential:
    r"""$k$ hidden layers of 2 ReLU units computing $f_k$ exactly on $[0, 1]$, weights by hand.

    Layer 1 computes $\mathrm{relu}(x)$ and $\mathrm{relu}(x - \frac12)$; every next layer takes
    $t = 2 a - 4 b$ of the previous two and computes $\mathrm{relu}(t)$, $\mathrm{relu}(t - \frac12)$;
    the output is $2 a - 4 b$ of the last.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.examples.deep_vs_shallow import deep_network, sawtooth
        >>> net = deep_network(3)
        >>> x = np.linspace(0, 1, 9)[:, None]
        >>> bool(np.allclose(dn.predict(net, x), sawtooth(x, 3))), sum(p.size for p in net.parameters())
        (True, 19)
    """
    layers: list[nn.Module] = []
    for i in range(k):
        weight = [[1.0], [1.0]] if i == 0 else [[2.0, -4.0], [2.0, -4.0]]
        layers += [_set(nn.Linear(1 if i == 0 else 2, 2, dtype="float64"), weight, [0.0, -0.5]), nn.ReLU()]
    return nn.Sequential(*layers, _set(nn.Linear(2, 1, dtype="float64"), [[2.0, -4.0]], 0.0))


def shallow_network(n: int, k: int, X: np.ndarray, y: np.ndarray) -> nn.Sequential:
    r"""One hidden layer of ``n`` ReLU units bending at the first ``n`` bends of $f_k$,
    $j / 2^k$ for $j = 0, \dots, n - 1$, and the least-squares output layer on ``(X, y)``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.examples.deep_vs_shallow import sawtooth, shallow_network
        >>> x = np.linspace(0, 1, 65)[:, None]
        >>> net = shallow_network(8, 3, x, sawtooth(x, 3))   # 8 units bend at 0, 1/8, ..., 7/8
        >>> bool(np.allclose(dn.predict(net, x), sawtooth(x, 3)))
        True
    """
    hidden = _set(nn.Linear(1, n, dtype="float64"), 1.0, -np.arange(n) / 2**k)
    H = dn.predict(nn.Sequential(hidden, nn.ReLU()), X)
    coef, *_ = np.linalg.lstsq(np.hstack([H, np.ones((len(H), 1))]), y, rcond=None)
    return nn.Sequential(hidden, nn.ReLU(), _set(nn.Linear(n, 1, dtype="float64"), coef[:-1].T, coef[-1]))


def shallow_bound(n: int, k: int) -> float:
    r"""The least mean squared error (over $[0, 1]$) of any one-hidden-layer ReLU network with ``n``
    units on $f_k$: $\frac{1}{12} \max(0, 1 - n / 2^{k-1})$.

    Examples:
        >>> from deltanet.examples.deep_vs_shallow import shallow_bound
        >>> round(shallow_bound(12, 6), 4), shallow_bound(32, 6)
        (0.0521, 0.0)
    """
    return max(0.0, 1.0 - n / 2 ** (k - 1)) / 12


def mse(net: nn.Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """The mean squared error of ``net`` on ``(X, y)``."""
    return float(((dn.predict(net, X) - y) ** 2).mean())


def parameters(net: nn.Module) -> int:
    """The number of parameters of ``net``."""
    return sum(p.size for p in net.parameters())


def _trained(widths: list[int], X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
             epochs: int, seed: int) -> float:  # fmt: skip
    """The best test MSE over ``RESTARTS`` random starts of a ReLU network with these hidden widths."""
    errors = []
    for restart in range(RESTARTS):
        dn.manual_seed(seed + restart)
        layers: list[nn.Module] = []
        n_in = 1
        for width in widths:
            layers += [nn.Linear(n_in, width, dtype="float64"), nn.ReLU()]
            n_in = width
        net = nn.Sequential(*layers, nn.Linear(n_in, 1, dtype="float64"))
        optimizer = dn.optim.Adam(net.parameters(), lr=LEARNING_RATE)
        annealing = dn.callbacks.LearningRateScheduler(dn.optim.CosineAnnealingLR(optimizer, T_max=epochs))
        dn.fit(net, X, y, "mse", optimizer, epochs=epochs, batch_size=None, callbacks=[annealing], monitor=False)
        errors.append(mse(net, X_test, y_test))
    return min(errors)


def run(quick: bool = False, seed: int = 0, k: int = K, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Compare the deep tent-map network with shallow networks of every width on $f_k$.

    Args:
        quick: no training from random weights (the table itself takes well under a second).
        seed: seeds the random starts of the training part.
        k: how many tent maps are composed ($2^k$ pieces), 1 to 10.
        epochs: Adam epochs of the training part (default 3,000; 0 with ``quick``).
        verbose: 0 silent, 1 print.

    Returns:
        ``{"k", "deep": {"units", "parameters", "mse"}, "shallow": [{"units", "parameters",
        "mse", "bound"}, ...] for every n from 1 to 2^k, "units_to_match", "trained": {"deep",
        "shallow"} (best test MSE from random weights; empty without training), "summary"}``.
    """
    say = printer(verbose)
    k = int(k)
    if not 1 <= k <= 10:
        raise ValueError(f"deep-vs-shallow: k must be an integer from 1 to 10, got {k}")
    X, X_test = np.linspace(0, 1, TRAIN_POINTS)[:, None], np.linspace(0, 1, TEST_POINTS)[:, None]
    y, y_test = sawtooth(X, k), sawtooth(X_test, k)
    deep = deep_network(k)
    deep_row = {"units": 2 * k, "parameters": parameters(deep), "mse": mse(deep, X_test, y_test)}
    shallow = []
    for n in range(1, 2**k + 1):
        net = shallow_network(n, k, X, y)
        shallow.append(
            {"units": n, "parameters": parameters(net), "mse": mse(net, X_test, y_test), "bound": shallow_bound(n, k)}
        )
    match = next((row for row in shallow if row["mse"] < MATCH_MSE), None)

    say(
        f"Deep vs shallow ([Suk 2015]): f_{k} = the tent map composed {k} times, a sawtooth of {2 ** (k - 1)} teeth "
        f"({2**k} pieces) on [0, 1]; test MSE on {TEST_POINTS} points (predicting the mean: {1 / 12:.3f})"
    )
    say(f"\n  {'network':<44}{'hidden units':>13}{'parameters':>12}{'test MSE':>12}{'any such network':>19}")
    say(
        f"  {f'deep: {k} layers × 2 ReLU, weights by hand':<44}{deep_row['units']:>13}{deep_row['parameters']:>12}"
        f"{deep_row['mse']:>12.1e}{'= 0':>19}"
    )
    shown = sorted({min(2 * k, 2**k), max(2 ** (k - 2), 1), 2 ** (k - 1), max(2**k - 1, 1), 2**k})
    for n in shown:
        row = shallow[n - 1]
        floor = f"≥ {row['bound']:.3f}"
        say(
            f"  {'shallow: 1 layer, least-squares output':<44}{n:>13}{row['parameters']:>12}{row['mse']:>12.1e}"
            f"{floor:>19}"
        )
    equal = max((row for row in shallow if row["parameters"] <= deep_row["parameters"]), key=lambda r: r["units"])
    say(
        f"\n  with at most the deep network's {deep_row['parameters']} parameters a shallow network has "
        f"{equal['units']} units, and its test MSE is at least {equal['bound']:.3f} (the one built here: "
        f"{equal['mse']:.3f})"
    )
    if match is not None:
        say(
            f"  to match the deep network (MSE below {MATCH_MSE:g}) the one built here needs {match['units']} units "
            f"and {match['parameters']} parameters: {match['units'] / deep_row['units']:.1f} times the units "
            f"(any shallow network: at least {2**k - 1})"
        )

    trained: dict[str, float] = {}
    epochs = (0 if quick else EPOCHS) if epochs is None else int(epochs)
    if epochs:
        say(
            f"\n  representation is not learning: the same shapes trained from random weights (Adam, lr "
            f"{LEARNING_RATE} annealed along a cosine, {epochs} epochs on {TRAIN_POINTS} points, best of "
            f"{RESTARTS} starts)"
        )
        trained["deep"] = _trained([2] * k, X, y, X_test, y_test, epochs, seed)
        trained["shallow"] = _trained([2**k], X, y, X_test, y_test, epochs, seed)
        say(f"    deep, {k} layers × 2 ReLU ({2 * k} units): test MSE {trained['deep']:.3f}")
        say(f"    shallow, {2**k} ReLU units: test MSE {trained['shallow']:.3f}")
        say("    neither finds the exact solution that both can represent")
    summary = (
        f"deep-vs-shallow: f_{k} exact with {deep_row['units']} deep units ({deep_row['parameters']} parameters, "
        f"MSE {deep_row['mse']:.0e}); a shallow network needs "
        + (f"{match['units']} units ({match['parameters']} parameters)" if match else f"more than {2**k} units")
        + f"; with {equal['parameters']} parameters its MSE is at least {equal['bound']:.3f}"
    )
    say("\n" + summary)
    return {
        "k": k,
        "deep": deep_row,
        "shallow": shallow,
        "units_to_match": None if match is None else match["units"],
        "trained": trained,
        "x": X_test[:, 0],
        "deep_output": dn.predict(deep, X_test)[:, 0],
        "equal_output": dn.predict(shallow_network(int(equal["units"]), k, X, y), X_test)[:, 0],
        "equal_units": equal["units"],
        "summary": summary,
    }


def plot(result: dict[str, Any], path: Any) -> None:
    """The sawtooth, the deep network's output and the shallow one's with as many parameters; the
    shallow error against its number of units."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    x, k = result["x"], result["k"]
    ax1.plot(x, sawtooth(x, k), "k", lw=3, alpha=0.3, label=f"f_{k}")
    ax1.plot(x, result["deep_output"], "tab:blue", label=f"deep, {result['deep']['units']} units")
    ax1.plot(x, result["equal_output"], "tab:red", label=f"shallow, {result['equal_units']} units")
    ax1.set(xlabel="x", title="the same number of parameters")
    ax1.legend(fontsize=8)
    units = [row["units"] for row in result["shallow"]]
    ax2.semilogy(units, [max(row["mse"], 1e-32) for row in result["shallow"]], "o-", ms=3, label="shallow")
    ax2.axvline(result["deep"]["units"], color="tab:blue", ls="--", label="deep network's units")
    ax2.set(xlabel="hidden units of the shallow network", ylabel="test MSE", title="how many units f_k needs")
    ax2.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.deep_vs_shallow [--k K] [--epochs N] [--plot out.png] [--quick]``."""
    return example_main(
        "deep-vs-shallow",
        __doc__,
        run,
        plot,
        argv,
        options=[
            ("--k", int, K, "tent maps composed: 2^k pieces (1 to 10)"),
            ("--epochs", int, None, "Adam epochs of the training part (3000; 0 with --quick)"),
        ],
        positive=["--k"],
    )


if __name__ == "__main__":
    sys.exit(main())
