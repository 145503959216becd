r"""The cats-and-dogs table of [de Back 2018]: two networks, the same classification
error, different MSE and cross-entropy.

Two classifiers see three pictures (dog, cat, dog) and output softmax probabilities (dog, cat):

| picture | NN1 | NN2 | target |
|---|---|---|---|
| 1 | 0.9, 0.1 | 0.6, 0.4 | dog |
| 2 | 0.1, 0.9 | 0.3, 0.7 | cat |
| 3 | 0.4, 0.6 | 0.1, 0.9 | dog |

Both get pictures 1 and 2 right and picture 3 wrong: classification error 1/3 each. NN1 is
confidently right and only a little wrong; NN2 is barely right and badly wrong. The losses see it:
MSE (squared error summed over the two outputs, averaged over the pictures) 0.25 vs 0.71,
cross-entropy $-\sum_k y_k \log \hat y_k$ (averaged over the pictures) 0.38 vs 1.06. Accuracy is a
measure to report, not a loss to train on: it does not change when the outputs improve a little.

The deck introduces cross-entropy with one softmax output of five classes,
$\hat y = (0.1, 0.05, 0.2, 0.6, 0.05)$ against the one-hot $y = (0, 0, 0, 1, 0)$: only the true
class's term is left, $L = -\log 0.6 = 0.511$. The example computes it with the library's loss
first.

Run it: ``python -m deltanet.examples.cats_dogs`` or ``deltanet examples run cats-dogs``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.data import cats_dogs_outputs
from deltanet.examples._common import example_main, mark, matches, printer, save_figure

#: The deck's cross-entropy slide: a softmax output of five classes and its one-hot target.
DECK_SOFTMAX_OUTPUT = (0.1, 0.05, 0.2, 0.6, 0.05)
DECK_ONE_HOT = (0, 0, 0, 1, 0)

#: The deck's numbers (rounded to 2 decimals): measure → (NN1, NN2).
DECK = {"classification error": (0.33, 0.33), "mean squared error": (0.25, 0.71), "cross-entropy": (0.38, 1.06)}


def measures(outputs: np.ndarray, targets: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Classification error, MSE (summed over classes, mean over samples) and cross-entropy of
    softmax ``outputs`` against one-hot ``targets``.

    Examples:
        >>> import numpy as np
        >>> from deltanet.examples.cats_dogs import measures
        >>> m = measures(np.array([[0.9, 0.1]]), np.array([[1.0, 0.0]]), np.array([0]))
        >>> round(m["mean squared error"], 4), round(m["cross-entropy"], 4)
        (0.02, 0.1054)
    """
    n = len(outputs)
    # The probabilities are softmax outputs: log(y_hat) are logits whose softmax is y_hat again, so
    # the library's cross-entropy from logits gives -sum(y * log(y_hat)) exactly.
    logits = dn.tensor(np.log(outputs))
    return {
        "classification error": dn.metrics.classification_error(labels, outputs),
        "mean squared error": float(dn.losses.MSELoss(reduction="sum")(dn.tensor(outputs), dn.tensor(targets)).array)
        / n,
        "cross-entropy": float(dn.losses.CrossEntropy()(logits, dn.tensor(targets)).array),
    }


def cross_entropy_of(probabilities: Any, one_hot: Any) -> float:
    r"""The cross-entropy $-\sum_k y_k \log \hat y_k$ of one softmax output, by ``losses.CrossEntropy``.

    The loss takes logits; $\log \hat y$ are logits whose softmax is $\hat y$ again.

    Examples:
        >>> from deltanet.examples.cats_dogs import cross_entropy_of
        >>> round(cross_entropy_of([0.1, 0.05, 0.2, 0.6, 0.05], [0, 0, 0, 1, 0]), 4)   # -log 0.6
        0.5108
    """
    logits = dn.tensor(np.log(np.asarray(probabilities, dtype=np.float64))[None])
    target = dn.tensor(np.asarray(one_hot, dtype=np.float64)[None])
    return float(dn.losses.CrossEntropy()(logits, target).array)


def run(quick: bool = False, verbose: int = 1) -> dict[str, Any]:
    """Compute the three measures for both networks and compare them with the deck.

    Args:
        quick: no effect (the example is instant); accepted like every example's.
        verbose: 0 silent, 1 print the table.

    Returns:
        ``{"NN1": {measure: value}, "NN2": {...}, "slide": the cross-entropy of the deck's
        five-class example, "matches": bool, "summary": str}``.

    Examples:
        >>> from deltanet.examples import cats_dogs
        >>> result = cats_dogs.run(verbose=0)
        >>> result["matches"], round(result["NN2"]["cross-entropy"], 2)
        (True, 1.06)
    """
    say = printer(verbose)
    slide = cross_entropy_of(DECK_SOFTMAX_OUTPUT, DECK_ONE_HOT)
    say("Cross-entropy ([de Back 2018]): L = −Σ_k y_k log ŷ_k")
    say(f"  ŷ = {DECK_SOFTMAX_OUTPUT}, y = {DECK_ONE_HOT}")
    say(f"  L = {slide:.4f} (losses.CrossEntropy) = −log 0.6 = {-np.log(0.6):.4f}\n")
    table = cats_dogs_outputs()
    say("Cats and dogs ([de Back 2018]): two networks, three pictures, columns (dog, cat)")
    say("   #   NN1 (dog, cat)   NN2 (dog, cat)   target")
    for i in range(3):
        say(
            f"  #{i + 1}   {table['NN1'][i].tolist()}       {table['NN2'][i].tolist()}       "
            f"{table['classes'][table['labels'][i]]}"
        )
    result: dict[str, Any] = {}
    for net in ("NN1", "NN2"):
        result[net] = measures(table[net], table["targets"], table["labels"])
    ok_all = True
    say(f"\n  {'measure':<22}{'NN1':>8}{'NN2':>8}   deck NN1, NN2")
    for name, (deck1, deck2) in DECK.items():
        got1, got2 = result["NN1"][name], result["NN2"][name]
        ok = matches(got1, deck1, 0.005) and matches(got2, deck2, 0.005)
        ok_all &= ok
        say(f"  {name:<22}{got1:8.4f}{got2:8.4f}   {deck1:.2f}, {deck2:.2f}  {mark(ok)}")
    say(
        "  Same classification error; MSE and cross-entropy prefer NN1, which is right with confidence "
        "and wrong by little. Cross-entropy punishes NN2's confident mistake (0.1 for a dog) the most: −log 0.1 = 2.30."
    )
    summary = (
        f"cats-dogs: error {result['NN1']['classification error']:.2f}/{result['NN2']['classification error']:.2f}, "
        f"MSE {result['NN1']['mean squared error']:.2f}/{result['NN2']['mean squared error']:.2f}, "
        f"cross-entropy {result['NN1']['cross-entropy']:.2f}/{result['NN2']['cross-entropy']:.2f} "
        f"({'as the deck' if ok_all else 'differs from the deck'})"
    )
    say("\n" + summary)
    result.update(slide=slide, matches=ok_all, summary=summary)
    return result


def plot(result: dict[str, Any], path: Any) -> None:
    """The three measures of both networks side by side."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = list(DECK)
    x = np.arange(len(names))
    ax.bar(x - 0.2, [result["NN1"][n] for n in names], 0.4, label="NN1")
    ax.bar(x + 0.2, [result["NN2"][n] for n in names], 0.4, label="NN2")
    ax.set_xticks(x, names)
    ax.set_title("same error, different losses")
    ax.legend()
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.cats_dogs [--plot out.png]``."""
    return example_main("cats-dogs", __doc__, run, plot, argv, seed=None)


if __name__ == "__main__":
    sys.exit(main())
