r"""The seeds' own small data sets, exactly as the decks print them (or as the papers they cite
define them).

| function | deck | what |
|---|---|---|
| ``tumor_survival`` | [Ibragimov] | 3 patients: tumor size → survival |
| ``tumor_temperature`` | [Ibragimov] | tumor size and temperature → survival, with the two "dead patient" cases |
| ``cats_dogs_outputs`` | [de Back 2018] | the outputs of two networks on 3 pictures, and the targets |
| ``mirror_symmetry`` | [Hosny et al.] | the 64 six-bit vectors, target 1 iff the vector is symmetric |
| ``xor``, ``logic_gate`` | [Suk 2015] | the truth tables the perceptron can (AND, OR) and cannot (XOR) learn |
| ``sinusoid`` | [Suk 2015] | 10 points of $\sin(2 \pi x)$ plus noise (Bishop 2006, §1.1 and Fig. 5.9) |
| ``universal_approximation`` | [Suk 2015] | 50 points uniform on $(-1, 1)$ and a target function (Bishop 2006, Fig. 5.3) |

The family trees of [Hosny et al.] are in ``deltanet.data.family_trees``. The hand-worked
tables come in float64 by default, so that the decks' arithmetic can be repeated digit for digit.
"""  # noqa: E501 - a Markdown table row cannot wrap

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.backend import check_dtype, get_rng
from deltanet.data.datasets import DatasetBundle


def _dtype(dtype: Any, who: str) -> np.dtype:
    dtype = np.dtype(dtype)
    check_dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"{who}: dtype must be float32 or float64, got {dtype}")
    return dtype


def tumor_survival(dtype: Any = np.float64) -> DatasetBundle:
    """The 1-neuron regression table of [Ibragimov]: tumor size → survival (3 cases).

    | case | tumor size | survival |
    |---|---|---|
    | 1 | 0.5 | 3.2 |
    | 2 | 2.3 | 1.9 |
    | 3 | 2.9 | 1.0 |

    Args:
        dtype: float dtype of ``X`` and ``y`` (float64 by default, for the deck's digits).

    Returns:
        ``X`` (3, 1) tumor sizes, ``y`` (3, 1) survival times.

    Examples:
        >>> from deltanet.data import tumor_survival
        >>> data = tumor_survival()
        >>> data.X.ravel().tolist(), data.y.ravel().tolist()
        ([0.5, 2.3, 2.9], [3.2, 1.9, 1.0])
    """
    dtype = _dtype(dtype, "tumor_survival")
    return DatasetBundle(
        X=np.array([[0.5], [2.3], [2.9]], dtype=dtype),
        y=np.array([[3.2], [1.9], [1.0]], dtype=dtype),
        feature_names=["tumor size"],
        target_names=["survival"],
        description="[Ibragimov]: patient survival depends on cancer size; bigger tumors are worse.",
    )


def tumor_temperature(dead_patients: bool = True, dtype: Any = np.float64) -> DatasetBundle:
    """Tumor size and body temperature → survival ([Ibragimov], "multidimensional input").

    Cases 1-3 are the patients of ``tumor_survival`` with their temperatures (37.6, 39.1,
    36.2 °C). Cases 4 and 5 are the deck's "dead patients": survival 0.0 at body temperatures of
    22 and 23 °C. The deck adds them to show that a single linear neuron, which can only learn
    "higher temperature → shorter survival" (fever), is thrown off by them, and that one more
    neuron that "captures dead body temperature" fixes it.

    Args:
        dead_patients: include cases 4 and 5.
        dtype: float dtype of ``X`` and ``y``.

    Returns:
        ``X`` (5, 2) or (3, 2) [tumor size, temperature], ``y`` (5, 1) or (3, 1) survival.

    Examples:
        >>> from deltanet.data import tumor_temperature
        >>> data = tumor_temperature()
        >>> data.X[3:].tolist(), data.y[3:].ravel().tolist()
        ([[2.8, 22.0], [2.1, 23.0]], [0.0, 0.0])
    """
    dtype = _dtype(dtype, "tumor_temperature")
    X = np.array([[0.5, 37.6], [2.3, 39.1], [2.9, 36.2], [2.8, 22.0], [2.1, 23.0]], dtype=dtype)
    y = np.array([[3.2], [1.9], [1.0], [0.0], [0.0]], dtype=dtype)
    n = 5 if dead_patients else 3
    return DatasetBundle(
        X=X[:n],
        y=y[:n],
        feature_names=["tumor size", "temperature"],
        target_names=["survival"],
        description=("[Ibragimov]: tumor size and temperature; cases 4 and 5 are dead patients (22 and 23 °C)."),
    )


def cats_dogs_outputs() -> dict[str, Any]:
    """The cats-and-dogs table of [de Back 2018]: two networks' softmax outputs on 3 pictures.

    Columns are (dog, cat). Both networks get pictures 1 and 2 right and picture 3 wrong, so their
    classification error is the same (1/3), while MSE (0.25 vs 0.71) and cross-entropy (0.38 vs
    1.06) tell how confident each was.

    Returns:
        ``{"classes": ["dog", "cat"], "targets": (3, 2) one-hot, "labels": (3,) class indices,
        "NN1": (3, 2), "NN2": (3, 2)}`` (float64).

    Examples:
        >>> from deltanet.data import cats_dogs_outputs
        >>> table = cats_dogs_outputs()
        >>> table["NN1"][2].tolist(), table["labels"].tolist()
        ([0.4, 0.6], [0, 1, 0])
    """
    return {
        "classes": ["dog", "cat"],
        "targets": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]),
        "labels": np.array([0, 1, 0], dtype=np.int64),
        "NN1": np.array([[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]]),
        "NN2": np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]]),
    }


def mirror_symmetry(n_bits: int = 6, dtype: Any = np.float32) -> DatasetBundle:
    """All $2^n$ binary vectors, target 1 iff the vector is symmetric about its middle.

    Rumelhart, Hinton & Williams 1986, Fig. 1 ([Hosny et al.]). For $n = 6$ there are 64 vectors,
    of which $2^3 = 8$ are symmetric (the first three bits fix the rest). The rows are in binary
    counting order (000000, 000001, ...).

    Args:
        n_bits: the length $n$ of the vectors (an even number from 2 to 20).
        dtype: float dtype of ``X`` and ``y``.

    Returns:
        ``X`` $(2^n, n)$ of 0/1, ``y`` $(2^n, 1)$ of 0/1.

    Examples:
        >>> from deltanet.data import mirror_symmetry
        >>> data = mirror_symmetry()
        >>> data.X.shape, int(data.y.sum()), data.X[data.y[:, 0] == 1][1].tolist()
        ((64, 6), 8, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    """
    if not check.is_integer(n_bits) or not 2 <= n_bits <= 20 or n_bits % 2:
        raise check.fail("mirror_symmetry", "n_bits", "an even integer from 2 to 20", n_bits)
    dtype = _dtype(dtype, "mirror_symmetry")
    X = np.array(list(itertools.product([0, 1], repeat=int(n_bits))), dtype=dtype)
    y = (X == X[:, ::-1]).all(axis=1, keepdims=True).astype(dtype)
    return DatasetBundle(
        X=X,
        y=y,
        feature_names=[f"bit {i + 1}" for i in range(n_bits)],
        target_names=["symmetric"],
        description=f"All {len(X)} {n_bits}-bit vectors; target 1 for the {int(y.sum())} that read the same backwards.",
    )


_GATES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "xor": [0, 1, 1, 0],
}


def logic_gate(name: str, dtype: Any = np.float32) -> DatasetBundle:
    """The truth table of a two-input logic gate: ``"and"``, ``"or"``, ``"nand"`` or ``"xor"``.

    AND, OR and NAND are linearly separable (a perceptron learns them); XOR is not.

    Args:
        name: the gate, case-insensitive.
        dtype: float dtype of ``X``.

    Returns:
        ``X`` (4, 2) = [[0, 0], [0, 1], [1, 0], [1, 1]], ``y`` (4,) int64.

    Examples:
        >>> from deltanet.data import logic_gate
        >>> logic_gate("or").y.tolist()
        [0, 1, 1, 1]
    """
    if not isinstance(name, str) or name.lower() not in _GATES:
        raise ValueError(f"logic_gate: name must be one of {sorted(_GATES)}, got {name!r}")
    dtype = _dtype(dtype, "logic_gate")
    return DatasetBundle(
        X=np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype),
        y=np.array(_GATES[name.lower()], dtype=np.int64),
        feature_names=["x1", "x2"],
        target_names=["0", "1"],
        description=f"The truth table of {name.upper()}.",
    )


def xor(dtype: Any = np.float32) -> DatasetBundle:
    """XOR: the four points that no straight line separates (``logic_gate("xor")``).

    Args:
        dtype: float dtype of ``X``.

    Examples:
        >>> from deltanet.data import xor
        >>> xor().y.tolist()
        [0, 1, 1, 0]
    """
    return logic_gate("xor", dtype=dtype)


def sinusoid(n: int = 10, noise: float = 0.3, rng: Any = None, dtype: Any = np.float64) -> DatasetBundle:
    r"""Bishop's curve-fitting data: ``n`` points of a sine wave plus Gaussian noise.

    PRML §1.1, and the 10 points of Fig. 5.9 that [Suk 2015] shows: $x$ evenly spaced on
    $[0, 1]$ and

    $$
    t = \sin(2 \pi x) + \epsilon, \quad \epsilon \sim \mathcal{N}(0, \sigma^2).
    $$

    Args:
        n: the number of points.
        noise: the standard deviation $\sigma$ of the Gaussian noise.
        rng: seed or generator for the noise (default: ``dn.manual_seed``'s).
        dtype: float dtype of ``X`` and ``y``.

    Returns:
        ``X`` (n, 1), ``y`` (n, 1).

    Examples:
        >>> from deltanet.data import sinusoid
        >>> data = sinusoid(noise=0.0)
        >>> data.X.shape, round(float(data.y[2, 0]), 4)
        ((10, 1), 0.9848)
    """
    check.integer(n, "n", "sinusoid", low=2)
    check.number(noise, "noise", "sinusoid", low=0)
    dtype = _dtype(dtype, "sinusoid")
    x = np.linspace(0.0, 1.0, int(n))
    t = np.sin(2 * np.pi * x)
    if noise > 0:
        t = t + get_rng(rng).normal(0.0, noise, size=x.shape)
    return DatasetBundle(
        X=x.reshape(-1, 1).astype(dtype),
        y=t.reshape(-1, 1).astype(dtype),
        feature_names=["x"],
        target_names=["t"],
        description=(
            f"{n} points of sin(2πx) on [0, 1] plus Gaussian noise of standard deviation {noise} (Bishop 2006)."
        ),
    )


#: The target functions of Bishop's Fig. 5.3 ([Suk 2015]: "universal approximator").
UNIVERSAL_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "square": lambda x: x**2,
    "sine": lambda x: np.sin(np.pi * x),
    "abs": np.abs,
    "step": lambda x: (x >= 0).astype(x.dtype),
}


def universal_approximation(
    function: str = "square", n: int = 50, rng: Any = None, dtype: Any = np.float64
) -> DatasetBundle:
    r"""``n`` points $x$ uniform on $(-1, 1)$ and a target $f(x)$, sorted by $x$.

    [Suk 2015], after Bishop 2006, Fig. 5.3: "50 data points uniformly (-1, 1); 3 hidden
    units (tanh)".

    Args:
        function: ``"square"`` $x^2$, ``"sine"`` $\sin(\pi x)$ (one period on the interval),
            ``"abs"`` $|x|$, or ``"step"`` the Heaviside step $H(x)$ (1 for $x \ge 0$).
        n: the number of points.
        rng: seed or generator (default: ``dn.manual_seed``'s).
        dtype: float dtype of ``X`` and ``y``.

    Returns:
        ``X`` (n, 1), ``y`` (n, 1).

    Examples:
        >>> from deltanet.data import universal_approximation
        >>> data = universal_approximation("abs", rng=0)
        >>> data.X.shape, bool((data.y[:, 0] == abs(data.X[:, 0])).all())
        ((50, 1), True)
    """
    check.one_of(function, "function", sorted(UNIVERSAL_FUNCTIONS), "universal_approximation")
    check.integer(n, "n", "universal_approximation", low=1)
    dtype = _dtype(dtype, "universal_approximation")
    x = np.sort(get_rng(rng).uniform(-1.0, 1.0, size=int(n)))
    y = UNIVERSAL_FUNCTIONS[function](x)
    return DatasetBundle(
        X=x.reshape(-1, 1).astype(dtype),
        y=y.reshape(-1, 1).astype(dtype),
        feature_names=["x"],
        target_names=[function],
        description=f"{n} points uniform on (-1, 1), target {function}(x) (Bishop 2006, Fig. 5.3).",
    )


__all__ = [
    "UNIVERSAL_FUNCTIONS",
    "cats_dogs_outputs",
    "logic_gate",
    "mirror_symmetry",
    "sinusoid",
    "tumor_survival",
    "tumor_temperature",
    "universal_approximation",
    "xor",
]
