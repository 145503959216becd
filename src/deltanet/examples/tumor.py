r"""The 1-neuron network of [Ibragimov]: survival from tumor size, every step of
the deck's gradient descent, and the two "dead patients".

The network is $y' = W x + b$ (identity activation), started at $W = 0.01$, $b = 0.01$, trained by
gradient descent with learning rate 0.1 on three patients:

| tumor size | 0.5 | 2.3 | 2.9 |
|---|---|---|---|
| survival | 3.2 | 1.9 | 1.0 |

**The factor 2.** The deck prints $\text{Loss} = \sum (y' - y)^2$ (14.55 at the start) and writes
its derivative as $2 \sum (y' - y) x$, but its numbers are those of the gradient without the 2:
$W \leftarrow 0.01 - 0.1 \cdot (-8.67) = 0.88$. That is the gradient of
$\frac{1}{2} \sum (y' - y)^2$, the loss of Rumelhart et al. and of [de Back 2018]. This example
minimizes $\frac{1}{2} \sum (y' - y)^2$ (its gradients reproduce the deck) and prints both the
deck's "Loss" $\sum (y' - y)^2$ and the half sum that is minimized.

**The deck's second list.** After three steps the deck's list continues from $W = 0.19$,
$b = 0.50$, where its own step 2 gave $b = 0.54$ (a slip in the deck); every later line matches a
run started at $W = 0.19$, $b = 0.50$. The example replays both and compares every number the deck prints.

**More neurons.** The deck chains two such neurons, $g_1 = W_1 x + b_1$, $g_2 = W_2 g_1 + b_2$,
all four parameters at 0.01, with $\text{Loss} = \sum_i (g_2(g_1(x_i)) - y_i)^2$, and applies the
chain rule: $\partial \text{Loss} / \partial W_1 = 2 \sum_i (g_2(g_1(x_i)) - y_i) W_2 x_i = -0.1762$.
Here the deck's number does include the 2. The example computes all four gradients by autograd
and compares that one with the deck's formula and number.

The second part ("multidimensional input") adds temperature as a second input and the two dead
patients (survival 0 at 22 and 23 °C): a single linear neuron cannot fit them together with the
fever cases, a small ReLU layer ("a neuron to catch dead patients") can.

Run it: ``python -m deltanet.examples.tumor`` or ``deltanet examples run tumor``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.data import tumor_survival, tumor_temperature
from deltanet.examples._common import example_main, mark, matches, printer, save_figure

LEARNING_RATE = 0.1
#: (step, W, b, Loss = sum((y' - y)**2)) as the deck prints them, from W = b = 0.01.
DECK_FIRST_STEPS = [(0, 0.01, 0.01, 14.55), (1, 0.88, 0.61, 9.8), (2, 0.19, 0.54, 7.46), (3, 0.50, 0.88, 6.07)]
#: The deck's outputs y' at the start (step 0) and its sum of absolute differences.
DECK_FIRST_OUTPUTS = [0.015, 0.033, 0.039]
DECK_L1_LOSS = 6.013
DECK_FIRST_GRADIENT_SUM = -8.67  # sum((y' - y) * x) at the start
#: The deck's list that continues from W = 0.19, b = 0.50: (steps after that point, W, b, Loss).
DECK_CONTINUATION_START = (0.19, 0.50)
DECK_CONTINUATION = [
    (0, 0.19, 0.50, 7.75),
    (1, 0.53, 0.85, 6.29),
    (2, 0.19, 0.90, 5.37),
    (3, 0.29, 1.13, 4.67),
    (4, 0.12, 1.23, 4.14),
    (6, 0.04, 1.51, 3.27),
    (10, -0.15, 1.98, 2.06),
    (12, -0.22, 2.18, 1.63),
    (14, -0.29, 2.35, 1.31),
    (16, -0.36, 2.50, 1.04),
    (18, -0.43, 2.63, 0.82),
]
#: The two-neuron chain: dLoss/dW1 with every parameter at 0.01, as the deck prints it.
DECK_CHAIN_GRAD_W1 = -0.1762
#: How close "agrees with the deck" is: the deck rounds to 2 decimals and rounds along the way.
TOL_WEIGHT, TOL_LOSS = 0.015, 0.035


def descend(
    x: np.ndarray, y: np.ndarray, W: float, b: float, steps: int, lr: float = LEARNING_RATE
) -> list[dict[str, Any]]:
    r"""Gradient descent on $\frac{1}{2} \sum (W x + b - y)^2$, one record per step (step 0 = the start).

    Each record holds $W$, $b$, the outputs $y'$, $\text{Loss} = \sum (y' - y)^2$ (the deck's), the
    half sum, the sum of absolute differences, and the gradients with respect to $W$ and $b$ of the
    half sum, computed by autograd.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.tumor import descend
        >>> x, y = np.array([0.5, 2.3, 2.9]), np.array([3.2, 1.9, 1.0])
        >>> [(round(r["W"], 2), round(r["b"], 2)) for r in descend(x, y, 0.01, 0.01, 2)]
        [(0.01, 0.01), (0.88, 0.61), (0.19, 0.54)]
    """
    W_t = dn.tensor(np.array(W, dtype=np.float64), requires_grad=True)
    b_t = dn.tensor(np.array(b, dtype=np.float64), requires_grad=True)
    x_t, y_t = dn.tensor(x), dn.tensor(y)
    optimizer = dn.optim.SGD([W_t, b_t], lr=lr)  # W <- W - lr * dL/dW, b <- b - lr * dL/db
    records = []
    for step in range(steps + 1):
        optimizer.zero_grad()
        out = W_t * x_t + b_t  # 1. forward: y' = W x + b
        half = 0.5 * ((out - y_t) ** 2).sum()  # 2. loss 1/2 sum((y' - y)**2)
        half.backward()  # 3. backpropagate: dL/dW = sum((y' - y) x), dL/db = sum(y' - y)
        assert W_t.grad is not None and b_t.grad is not None  # both require grad
        records.append(
            {
                "step": step,
                "W": float(W_t.array),
                "b": float(b_t.array),
                "outputs": out.array.copy(),
                "loss": 2 * float(half.array),
                "half_loss": float(half.array),
                "l1_loss": float(np.abs(out.array - y).sum()),
                "grad_W": float(W_t.grad.array),
                "grad_b": float(b_t.grad.array),
            }
        )
        if step < steps:
            optimizer.step()  # 4. update
    return records


def two_neuron_chain(x: np.ndarray, y: np.ndarray, start: float = 0.01) -> dict[str, float]:
    r"""The deck's two chained neurons: $\text{Loss} = \sum_i (W_2 (W_1 x_i + b_1) + b_2 - y_i)^2$
    and its gradients by autograd, every parameter at ``start``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.tumor import two_neuron_chain
        >>> chain = two_neuron_chain(np.array([0.5, 2.3, 2.9]), np.array([3.2, 1.9, 1.0]))
        >>> round(chain["grad_W1"], 4)
        -0.1762
    """
    params = {k: dn.tensor(np.array(start, dtype=np.float64), requires_grad=True) for k in ("W1", "b1", "W2", "b2")}
    x_t, y_t = dn.tensor(x), dn.tensor(y)
    g1 = params["W1"] * x_t + params["b1"]
    g2 = params["W2"] * g1 + params["b2"]
    loss = ((g2 - y_t) ** 2).sum()
    loss.backward()
    grads = {f"grad_{k}": float(p.grad.array) for k, p in params.items() if p.grad is not None}
    return {"loss": float(loss.array), **grads, "formula_W1": float(2 * ((g2.array - y) * start * x).sum())}


def _compare(records: list[dict[str, Any]], deck: list[tuple[int, float, float, float]]) -> list[dict[str, Any]]:
    rows = []
    for step, W, b, loss in deck:
        r = records[step]
        ok = matches(r["W"], W, TOL_WEIGHT) and matches(r["b"], b, TOL_WEIGHT) and matches(r["loss"], loss, TOL_LOSS)
        rows.append({"step": step, "deck": (W, b, loss), "here": (r["W"], r["b"], r["loss"]), "ok": ok})
    return rows


def _dead_patients(seed: int, quick: bool, say: Any) -> dict[str, Any]:
    """Fit tumor size + temperature with one linear neuron and with a small ReLU layer."""
    from deltanet.data import Standardizer

    data = tumor_temperature(dtype=np.float64)
    X = Standardizer().fit(data.X).transform(data.X)
    epochs = 300 if quick else 2000
    results = {}
    dn.manual_seed(seed)
    models = {
        "one linear neuron": dn.nn.Sequential(dn.nn.Linear(2, 1, dtype="float64")),
        "4 ReLU neurons + output": dn.nn.Sequential(
            dn.nn.Linear(2, 4, dtype="float64"), dn.nn.ReLU(), dn.nn.Linear(4, 1, dtype="float64")
        ),
    }
    say("\nPart 2, multidimensional input: tumor size and temperature, with the dead patients (22 and 23 °C)")
    for name, model in models.items():
        dn.fit(
            model,
            X,
            data.y,
            "mse",
            dn.optim.Adam(model.parameters(), lr=0.05),
            epochs=epochs,
            batch_size=None,
            monitor=False,
        )
        pred = dn.predict(model, X)[:, 0]
        sse = float(((pred - data.y[:, 0]) ** 2).sum())
        worst = float(np.abs(pred - data.y[:, 0]).max())
        results[name] = {"predictions": pred, "loss": sse, "max_error": worst}
        say(
            f"  {name:<26} predicted survival {np.round(pred, 2).tolist()}  (targets {data.y[:, 0].tolist()}), "
            f"Loss = Σ(y' − y)² = {sse:.3f}, worst case off by {worst:.2f}"
        )
    say(
        "  One linear neuron weighs temperature the same way for every patient: fever (39.1 °C, shorter survival) "
        "and the cold dead bodies (22-23 °C, survival 0) pull it in opposite directions. A ReLU unit that fires "
        "only below some temperature ('a neuron to catch dead patients') resolves both."
    )
    return results


def run(quick: bool = False, steps: int | None = None, seed: int = 0, verbose: int = 1) -> dict[str, Any]:
    """Replay the deck's gradient descent and compare every number it prints.

    Args:
        quick: fewer training epochs in part 2 (part 1 is always exact and instant).
        steps: gradient steps to print (default 20, enough for every line of the deck).
        seed: seed of the part-2 networks.
        verbose: 0 silent, 1 print the tables.

    Returns:
        ``{"steps": records from W = b = 0.01, "continuation": records from W = 0.19, b = 0.50,
        "comparison": one row per deck line, "chain": the two-neuron chain's loss and gradients,
        "all_match": bool, "dead_patients": ..., "summary"}``.

    Examples:
        >>> from deltanet.examples import tumor
        >>> result = tumor.run(quick=True, verbose=0)
        >>> result["all_match"], round(result["steps"][1]["W"], 2), round(result["steps"][1]["b"], 2)
        (True, 0.88, 0.61)
    """
    say = printer(verbose)
    data = tumor_survival(dtype=np.float64)
    x, y = data.X[:, 0], data.y[:, 0]
    n_steps = 20 if steps is None else max(int(steps), 3)
    records = descend(x, y, 0.01, 0.01, n_steps)
    continuation = descend(x, y, *DECK_CONTINUATION_START, max(n_steps, 18))

    say("The 1-neuron network of [Ibragimov]: y' = W x + b, W = b = 0.01, learning rate 0.1")
    say(f"  data: tumor size {x.tolist()}, survival {y.tolist()}")
    start = records[0]
    say(f"  start: y' = {np.round(start['outputs'], 3).tolist()} (deck {DECK_FIRST_OUTPUTS})")
    say(
        f"         Loss Σ|y' − y| = {start['l1_loss']:.3f} (deck {DECK_L1_LOSS}) "
        f"{mark(matches(start['l1_loss'], DECK_L1_LOSS, 5e-4))}"
    )
    say(f"         Loss Σ(y' − y)² = {start['loss']:.2f} (deck 14.55), ½Σ(y' − y)² = {start['half_loss']:.3f}")
    say(
        f"         Σ (y' − y) x = {start['grad_W']:.4f} (deck −8.67) = ∂(½Σ)/∂W; with the deck's formula's 2, "
        f"step 1 would give W = {0.01 - 2 * LEARNING_RATE * start['grad_W']:.2f}, "
        f"b = {0.01 - 2 * LEARNING_RATE * start['grad_b']:.2f} instead of the deck's 0.88, 0.61"
    )
    say("\n  step      W        b     Loss=Σ(y'−y)²  ½Σ(y'−y)²   ∂/∂W      ∂/∂b     outputs y'")
    for r in records:
        say(
            f"  {r['step']:>4} {r['W']:8.4f} {r['b']:8.4f} {r['loss']:12.4f} {r['half_loss']:10.4f} "
            f"{r['grad_W']:9.4f} {r['grad_b']:9.4f}   {np.round(r['outputs'], 2).tolist()}"
        )

    comparison = _compare(records, DECK_FIRST_STEPS)
    say(
        "\n  the deck's first steps (deck → here; agreement within ±0.015 for W, b and ±0.035 for Loss,"
        " the deck rounds to 2 decimals):"
    )
    for row in comparison:
        (W, b, L), (w, bb, ll) = row["deck"], row["here"]
        say(
            f"    step {row['step']}: W {W:+.2f} → {w:+.3f}, b {b:.2f} "
            f"→ {bb:.3f}, Loss {L:.2f} → {ll:.3f}  {mark(row['ok'])}"
        )
    continued = _compare(continuation, DECK_CONTINUATION)
    say(
        f"  the deck's list from W = {DECK_CONTINUATION_START[0]}, b = {DECK_CONTINUATION_START[1]} "
        f"(its step 2 gave b = {records[2]['b']:.2f}; the list goes on from 0.50):"
    )
    for row in continued:
        (W, b, L), (w, bb, ll) = row["deck"], row["here"]
        say(
            f"    +{row['step']:<2} steps: W {W:+.2f} → {w:+.3f}, b {b:.2f} → {bb:.3f}, Loss {L:.2f} → {ll:.3f}  "
            f"{mark(row['ok'])}"
        )
    all_rows = comparison + continued
    final = records[-1]
    say(
        f"  after {n_steps} steps: W = {final['W']:.3f}, b = {final['b']:.3f}, Loss = {final['loss']:.3f}; "
        f"least squares: W = {np.polyfit(x, y, 1)[0]:.3f}, b = {np.polyfit(x, y, 1)[1]:.3f}"
    )

    chain = two_neuron_chain(x, y)
    chain_ok = matches(chain["grad_W1"], DECK_CHAIN_GRAD_W1, 5e-5)
    say("\nMore neurons: g1 = W1 x + b1, g2 = W2 g1 + b2, W1 = b1 = W2 = b2 = 0.01, Loss = Σ(g2(g1(x)) − y)²")
    say(
        f"  ∂Loss/∂W1 = {chain['grad_W1']:.4f} (autograd) = 2 Σ (g2(g1(x)) − y) W2 x = {chain['formula_W1']:.4f} "
        f"(deck {DECK_CHAIN_GRAD_W1}) {mark(chain_ok)}"
    )
    say(
        f"  ∂Loss/∂b1 = {chain['grad_b1']:.4f}, ∂Loss/∂W2 = {chain['grad_W2']:.4f}, "
        f"∂Loss/∂b2 = {chain['grad_b2']:.4f}; Loss = {chain['loss']:.3f}"
    )
    say("  the error reaches the first neuron through the weight between them: ∂Loss/∂b1 = W2 · ∂Loss/∂b2")
    dead = _dead_patients(seed, quick, say)
    all_match = all(row["ok"] for row in all_rows) and matches(start["l1_loss"], DECK_L1_LOSS, 5e-4) and chain_ok
    summary = (
        f"tumor: {sum(r['ok'] for r in all_rows)}/{len(all_rows)} deck lines reproduced; "
        f"step 1: W = {records[1]['W']:.2f}, b = {records[1]['b']:.2f}, Loss = {records[1]['loss']:.2f}"
    )
    say("\n" + summary)
    return {
        "steps": records,
        "continuation": continuation,
        "comparison": all_rows,
        "all_match": all_match,
        "chain": chain,
        "dead_patients": dead,
        "summary": summary,
    }


def plot(result: dict[str, Any], path: Any) -> None:
    """The loss along the descent and the fitted lines of the first steps."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    data = tumor_survival()
    xs = np.linspace(0, 3.2, 50)
    ax1.scatter(data.X[:, 0], data.y[:, 0], color="k", zorder=3, label="patients")
    for r in result["steps"][:4] + result["steps"][-1:]:
        ax1.plot(xs, r["W"] * xs + r["b"], label=f"step {r['step']}: W={r['W']:.2f}, b={r['b']:.2f}")
    ax1.set(xlabel="tumor size", ylabel="survival", title="y' = W x + b")
    ax1.legend(fontsize=7)
    ax2.plot([r["loss"] for r in result["steps"]], "o-", label="here")
    ax2.plot([s for s, *_ in DECK_FIRST_STEPS], [row[3] for row in DECK_FIRST_STEPS], "kx", label="deck")
    ax2.set(xlabel="step", ylabel="Loss = Σ (y' − y)²", title="gradient descent, learning rate 0.1")
    ax2.legend()
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.tumor [--steps N] [--plot out.png] [--quick]``."""
    return example_main("tumor", __doc__, run, plot, argv, options=[("--steps", int, 20, "gradient steps to print")])


if __name__ == "__main__":
    sys.exit(main())
