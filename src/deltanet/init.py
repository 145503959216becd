r"""Weight initializers: the table of [Hosny et al.], each filling a tensor in place.

Fan-in and fan-out are PyTorch's: for a weight of shape $(c_{out}, c_{in}, k_1, \dots, k_d)$ they
are $n_{in} = c_{in} \prod_j k_j$ and $n_{out} = c_{out} \prod_j k_j$ (for a ``Linear`` weight,
the numbers of units in the previous and the next layer, as the seeds write them). Every
initializer takes ``rng=`` (a seed or a ``numpy.random.Generator``); without it the default
generator that ``dn.manual_seed`` sets is used. $g$ is the ``gain``.

| name | distribution | reference |
|---|---|---|
| ``constant`` | $W = c$ | (breaks nothing: all units stay identical) |
| ``uniform`` | $\mathcal{U}(a, b)$; Rumelhart et al. used $\mathcal{U}(-0.3, 0.3)$ | Rumelhart et al. 1986 |
| ``normal`` | $\mathcal{N}(\mu, \sigma^2)$ | |
| ``glorot_uniform`` | $\mathcal{U}(-\alpha, \alpha)$, $\alpha = g \sqrt{6 / (n_{in} + n_{out})}$ | Glorot & Bengio |
| ``glorot_normal`` | $\mathcal{N}(0, \sigma^2)$, $\sigma = g \sqrt{2 / (n_{in} + n_{out})}$ | Glorot & Bengio |
| ``he_uniform`` | $\mathcal{U}(-\alpha, \alpha)$, $\alpha = \sqrt{6 / n_{in}}$ | He et al. 2015 |
| ``he_normal`` | $\mathcal{N}(0, \sigma^2)$, $\sigma = \sqrt{2 / n_{in}}$ | He et al. 2015 |
| ``orthogonal`` | a random orthogonal matrix (QR of a Gaussian), times $g$ | Saxe et al. 2013 |
| ``lsuv`` | orthogonal, then each layer rescaled to unit output variance on data | Mishkin & Matas 2015 |

The seeds' table writes each scheme as $w \sim \alpha \cdot \mathcal{U}[-1, 1] + \beta \cdot
\mathcal{N}(0, 1) + \gamma$. Its Glorot normal factor is $\beta = (2 / (n_{in} + n_{out}))^2$; the
paper's (and PyTorch's) standard deviation is the square root, $\sqrt{2 / (n_{in} + n_{out})}$,
which is what ``glorot_normal`` draws. Its He entry, $\beta = 2 / n_{in}$, is He et al.'s
*variance*: ``he_normal`` draws with the standard deviation $\sqrt{2 / n_{in}}$ (PyTorch's
``kaiming_normal_`` with ReLU's gain $\sqrt 2$), and ``he_uniform`` with the same variance,
$\alpha = \sqrt{6 / n_{in}}$.

**Biases.** "Typically, biases are initialized with constant 0" ([Hosny et al.]), and so they
are when a layer is given an initializer (``nn.Linear(64, 32, init="he_normal")``: $W$ by He,
$b = 0$). Without ``init=``, a layer starts as PyTorch's does: ``nn.Linear`` draws both $W$ and
$b$ from $\mathcal{U}(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})$. To start a bias at 0 after the fact, use
``zeros(layer.bias)`` (``nn.init.zeros_(layer.bias)`` in PyTorch's spelling).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, no_grad
from deltanet.autograd.inplace import changed_in_place
from deltanet.backend import get_rng


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    r"""The fan-in and fan-out of a weight of ``shape``, as PyTorch computes them.

    For ``shape`` $= (c_{out}, c_{in}, k_1, \dots, k_d)$: $n_{in} = c_{in} \prod_j k_j$ and
    $n_{out} = c_{out} \prod_j k_j$.

    Args:
        shape: the weight's shape, at least 2 axes (``Linear``: (out, in); ``Conv2d``:
            (out, in, kH, kW)).

    Returns:
        ``(fan_in, fan_out)``.

    Raises:
        ValueError: ``shape`` has fewer than 2 axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.init.fan_in_and_fan_out((16, 6, 5, 5))
        (150, 400)
    """
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 axes, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.array[...] = values
    changed_in_place((tensor,))  # a graph that saved the old values must not use these
    return tensor


def check_finite(tensor: Tensor, owner: str) -> None:
    """Raise ValueError naming ``owner`` if an initializer left NaN or infinite values in ``tensor``.

    Args:
        tensor: the initialized weight.
        owner: the layer whose ``init=`` filled it, for the message.

    Raises:
        ValueError: ``tensor`` holds a NaN or an infinity.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.init.check_finite(dn.nn.Parameter(np.ones(2)), "Linear")
    """
    finite = np.isfinite(tensor.array)
    if not finite.all():
        raise ValueError(
            f"{owner}: init left {int(finite.size - finite.sum())} of {finite.size} weights NaN or "
            f"infinite; check the initializer's arguments"
        )


def constant(tensor: Tensor, value: float = 0.0) -> Tensor:
    """Fill ``tensor`` with one value, in place.

    Every unit of a layer then computes the same thing and receives the same gradient, so the
    symmetry never breaks: use it for biases, not for weights.

    Args:
        tensor: the tensor to fill.
        value: the value $c$ (default 0).

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.init.constant(dn.nn.Parameter([0.0, 0.0]), 0.5).data.tolist()
        [0.5, 0.5]
    """
    tensor.array[...] = check.number(value, "value", "constant")
    changed_in_place((tensor,))
    return tensor


def zeros(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 0, in place (the usual bias initialization).

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.init.zeros(dn.nn.Parameter([1.0, 2.0])).array.tolist()
        [0.0, 0.0]
    """
    return constant(tensor, 0.0)


def ones(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 1, in place.

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.init.ones(dn.nn.Parameter([0.0, 2.0])).array.tolist()
        [1.0, 1.0]
    """
    return constant(tensor, 1.0)


def uniform(tensor: Tensor, a: float = -0.3, b: float = 0.3, rng: Any = None) -> Tensor:
    r"""Draw every entry from $\mathcal{U}(a, b)$, in place.

    The default $\pm 0.3$ is the range of Rumelhart, Hinton & Williams (1986).

    Args:
        tensor: the tensor to fill.
        a: the lower bound (default $-0.3$).
        b: the upper bound, $> a$ (default 0.3).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Raises:
        ValueError: ``a >= b``.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.init.uniform(dn.nn.Parameter([[0.0] * 6] * 2), rng=0)
        >>> bool((abs(w.array) <= 0.3).all())
        True
    """
    a, b = check.number(a, "a", "uniform"), check.number(b, "b", "uniform")
    if not a < b:
        raise ValueError(f"uniform needs a < b, got a={a}, b={b}")
    return _fill(tensor, get_rng(rng).uniform(a, b, tensor.shape))


def normal(tensor: Tensor, mean: float = 0.0, std: float = 0.01, rng: Any = None) -> Tensor:
    r"""Draw every entry from $\mathcal{N}(\mu, \sigma^2)$, in place.

    Args:
        tensor: the tensor to fill.
        mean: the mean $\mu$ (default 0).
        std: the standard deviation $\sigma \ge 0$ (default 0.01).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Raises:
        ValueError: ``std < 0``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.normal(dn.nn.Parameter(np.zeros((100, 100))), std=0.5, rng=0)
        >>> round(float(w.array.std()), 2)
        0.5
    """
    mean, std = check.number(mean, "mean", "normal"), check.number(std, "std", "normal", low=0)
    return _fill(tensor, get_rng(rng).normal(mean, std, tensor.shape))


def glorot_uniform(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    r"""Xavier/Glorot uniform initialization (Glorot & Bengio 2010), in place.

    $$
    W \sim \mathcal{U}(-\alpha, \alpha), \qquad \alpha = g \sqrt{\frac{6}{n_{in} + n_{out}}}
    $$

    The variance $\alpha^2 / 3 = 2 g^2 / (n_{in} + n_{out})$ keeps the
    activations and the deltas of a tanh or sigmoid network at about the same scale in every layer.

    Args:
        tensor: the weight to fill, at least 2 axes.
        gain: the factor $g$ (default 1).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> w = dn.init.glorot_uniform(dn.nn.Parameter([[0.0] * 4] * 3), rng=0)
        >>> bool((abs(w.array) <= (6 / 7) ** 0.5).all())
        True
    """
    gain = check.number(gain, "gain", "glorot_uniform")
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, get_rng(rng).uniform(-bound, bound, tensor.shape))


def glorot_normal(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    r"""Xavier/Glorot normal initialization (Glorot & Bengio 2010), in place.

    $$
    W \sim \mathcal{N}(0, \sigma^2), \qquad \sigma = g \sqrt{\frac{2}{n_{in} + n_{out}}}
    $$

    Args:
        tensor: the weight to fill, at least 2 axes.
        gain: the factor $g$ (default 1).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.glorot_normal(dn.nn.Parameter(np.zeros((300, 100))), rng=0)
        >>> round(float(w.array.std()), 3)   # sqrt(2 / 400)
        0.071
    """
    gain = check.number(gain, "gain", "glorot_normal")
    fan_in, fan_out = fan_in_and_fan_out(tensor.shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, get_rng(rng).normal(0.0, std, tensor.shape))


def he_uniform(tensor: Tensor, rng: Any = None) -> Tensor:
    r"""He/Kaiming uniform initialization for ReLU layers (He et al. 2015), in place.

    $$
    W \sim \mathcal{U}(-\alpha, \alpha), \qquad \alpha = \sqrt{\frac{6}{n_{in}}}
    $$

    The variance $\alpha^2 / 3 = 2 / n_{in}$ (the $\beta = 2 / n_{in}$ of [Hosny et al.]'s table, as
    for ``he_normal``) makes up for the half of the inputs that a ReLU sets to 0. Biases are not
    touched (see ``he_normal``).

    Args:
        tensor: the weight to fill, at least 2 axes.
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.he_uniform(dn.nn.Parameter(np.zeros((3, 6))), rng=0)
        >>> bool((abs(w.array) <= 1.0).all())   # sqrt(6 / 6)
        True
    """
    fan_in, _ = fan_in_and_fan_out(tensor.shape)
    bound = math.sqrt(6.0 / fan_in)
    return _fill(tensor, get_rng(rng).uniform(-bound, bound, tensor.shape))


def he_normal(tensor: Tensor, rng: Any = None) -> Tensor:
    r"""He/Kaiming normal initialization for ReLU layers (He et al. 2015), in place.

    $$
    W \sim \mathcal{N}(0, \sigma^2), \qquad \sigma = \sqrt{\frac{2}{n_{in}}}
    $$

    The variance $\sigma^2 = 2 / n_{in}$ is the $\beta = 2 / n_{in}$ of [Hosny et al.]'s table (the
    standard deviation is its square root); it makes up for the half of the inputs that a ReLU
    sets to 0, so that the signal keeps its size from layer to layer. Biases are not touched:
    start them at 0 as the deck does with ``zeros(layer.bias)``, or give the layer
    ``init="he_normal"``, which does both.

    Args:
        tensor: the weight to fill, at least 2 axes.
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.he_normal(dn.nn.Parameter(np.zeros((200, 50))), rng=0)
        >>> round(float(w.array.std()), 2)   # sqrt(2 / 50)
        0.2
        >>> round(float(w.array.var()), 2)   # the deck's beta = 2 / 50
        0.04
        >>> layer = dn.nn.Linear(50, 200, init="he_normal", rng=0)
        >>> float(abs(layer.bias.array).max())   # with init=, the bias starts at 0
        0.0
    """
    fan_in, _ = fan_in_and_fan_out(tensor.shape)
    return _fill(tensor, get_rng(rng).normal(0.0, math.sqrt(2.0 / fan_in), tensor.shape))


def orthogonal(tensor: Tensor, gain: float = 1.0, rng: Any = None) -> Tensor:
    r"""Fill with a random orthogonal matrix times the gain (Saxe, McClelland & Ganguli 2013).

    The rows or the columns, whichever are fewer, are orthonormal: $W W^\top = g^2 I$ or
    $W^\top W = g^2 I$. A weight with more than 2 axes is filled as the matrix
    $(c_{out}, c_{in} \prod_j k_j)$. The matrix is the $Q$ of the QR decomposition of a Gaussian
    matrix, with signs that make it uniform over the orthogonal matrices.

    Args:
        tensor: the weight to fill, at least 2 axes.
        gain: the factor $g$ (default 1).
        rng: seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s generator).

    Returns:
        ``tensor``.

    Raises:
        ValueError: ``tensor`` has fewer than 2 axes.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.init.orthogonal(dn.nn.Parameter(np.zeros((3, 3))), rng=0).data
        >>> bool(np.allclose(w @ w.T, np.eye(3)))
        True
    """
    gain = check.number(gain, "gain", "orthogonal")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal needs a weight with at least 2 axes, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.size // rows
    a = get_rng(rng).standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def lsuv(
    model: Any,
    X: Any,
    tol: float = 0.1,
    max_iter: int = 10,
    rng: Any = None,
) -> Any:
    r"""Layer-sequential unit-variance initialization (Mishkin & Matas 2015).

    Every layer with a ``weight`` of 2 axes or more is first made orthogonal and its bias set to
    0; then, in the order the forward pass calls them (from the input side on), its weight is
    divided by the standard deviation of its output on the batch ``X``, until that output's
    variance $v$ satisfies $\lvert v - 1 \rvert < \mathrm{tol}$ (at most ``max_iter`` times).

    Args:
        model: an ``nn.Module``.
        X: a batch of inputs (array or tensor).
        tol: the tolerance on the output variance (default 0.1).
        max_iter: the most rescalings per layer (default 10).
        rng: seed or ``numpy.random.Generator`` for the orthogonal matrices.

    Returns:
        The model, initialized in place.

    Raises:
        ValueError: the model has no layer with a weight matrix.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(10, 20), dn.nn.Tanh(), dn.nn.Linear(20, 5))
        >>> X = np.random.default_rng(0).standard_normal((256, 10)).astype(np.float32)
        >>> _ = dn.init.lsuv(model, X, rng=0)
        >>> round(float(model[0](dn.tensor(X)).array.var()), 1)
        1.0
    """
    generator = get_rng(rng)
    x = X if isinstance(X, Tensor) else Tensor._make(np.asarray(X, dtype=backend.DEFAULT_DTYPE))
    layers = [m for m in model.modules() if isinstance(getattr(m, "weight", None), Tensor) and m.weight.ndim >= 2]
    if not layers:
        raise ValueError("lsuv: the model has no layer with a weight matrix to initialize")
    for layer in layers:
        orthogonal(layer.weight, rng=generator)
        if isinstance(getattr(layer, "bias", None), Tensor):
            zeros(layer.bias)
    # The order in which the forward pass calls the layers: rescaling a layer changes the outputs
    # of the layers after it, so they must come later (registration order is not forward order
    # in a U-Net, whose up-sampling layers are registered after every decoder block).
    first_call: dict[int, int] = {}
    with no_grad(), _watching(layers, lambda layer, out: first_call.setdefault(id(layer), len(first_call))):
        model(x)
    layers.sort(key=lambda m: first_call.get(id(m), len(first_call)))  # layers never called come last
    captured: list[np.ndarray] = []  # the outputs of the layer being scaled, from one forward pass
    for layer in layers:
        with no_grad(), _watching([layer], lambda _, out: captured.append(out.array)):
            for _ in range(max_iter):
                captured.clear()
                model(x)
                std = float(np.std(captured[-1])) if captured else 0.0
                if std == 0.0 or abs(std**2 - 1.0) < tol:
                    break
                layer.weight.array /= std
                changed_in_place((layer.weight,))
    return model


@contextmanager
def _watching(layers: list[Any], on_output: Callable[[Any, Tensor], Any]) -> Iterator[None]:
    """Call ``on_output(layer, output)`` each time one of ``layers`` runs forward, inside the block."""
    for layer in layers:

        def watched(*args: Any, _forward: Callable = layer.forward, _layer: Any = layer, **kwargs: Any) -> Any:
            out = _forward(*args, **kwargs)
            on_output(_layer, out)
            return out

        layer.forward = watched  # an instance attribute: Module.__call__ finds it first
    try:
        yield
    finally:
        for layer in layers:
            del layer.forward


def _zeros(tensor: Tensor, rng: Any = None) -> Tensor:
    """``zeros`` with the ``rng=`` that layers pass to every initializer (nothing is drawn)."""
    return zeros(tensor)


def _ones(tensor: Tensor, rng: Any = None) -> Tensor:
    """``ones`` with the ``rng=`` that layers pass to every initializer (nothing is drawn)."""
    return ones(tensor)


# By name for ``init=``: every function takes (tensor, rng=).
_CONSTANTS: dict[str, Callable[..., Tensor]] = {"zeros": _zeros, "ones": _ones}
_BY_NAME: dict[str, Callable[..., Tensor]] = {
    "uniform": uniform,
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "xavier_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_normal": glorot_normal,
    "he_uniform": he_uniform,
    "kaiming_uniform": he_uniform,
    "he_normal": he_normal,
    "kaiming_normal": he_normal,
    "orthogonal": orthogonal,
}


def get(spec: str | Callable[..., Tensor], owner: str | None = None) -> Callable[..., Tensor]:
    """Resolve an ``init=`` argument: a name from the module's table, or a function.

    Args:
        spec: a name ("glorot_uniform", also "xavier_uniform"; "he_normal", also
            "kaiming_normal"; ...) or a function ``f(tensor, rng=)``, returned as it is.
        owner: the layer whose ``init=`` this is; an unknown name's error then names it.

    Returns:
        The initializer function.

    Raises:
        ValueError: an unknown name.

    Examples:
        >>> import deltanet as dn
        >>> dn.init.get("kaiming_uniform").__name__
        'he_uniform'
    """
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in _BY_NAME:
        return _BY_NAME[spec]
    if isinstance(spec, str) and spec in _CONSTANTS:
        return _CONSTANTS[spec]
    prefix = "" if owner is None else f"{owner}: init: "
    names = sorted([*_BY_NAME, *_CONSTANTS])
    raise ValueError(f"{prefix}unknown initializer {spec!r}; expected one of {names} or a function")


__all__ = [
    "check_finite",
    "constant",
    "fan_in_and_fan_out",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lsuv",
    "normal",
    "ones",
    "orthogonal",
    "uniform",
    "zeros",
]
