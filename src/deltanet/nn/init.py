r"""``torch.nn.init`` under its names: ``xavier_uniform_``, ``kaiming_normal_``, ``calculate_gain``, ...

Every function fills a tensor (a ``Parameter`` or any ``Tensor``) in place, writing into its
memory without recording a graph, and returns it, as PyTorch's do; ``m.weight.data`` (the DCGAN
``weights_init`` idiom, ``nn.init.normal_(m.weight.data, 0.0, 0.02)``) shares the parameter's
memory, so filling it fills the parameter; given a NumPy array (``m.weight.array``) they fill that
array in place and return it; the random ones draw from
deltanet's seeded generator (``dn.manual_seed``) unless ``generator=`` (a seed or a
``numpy.random.Generator``) is given. The defaults are PyTorch's, which differ from those of
deltanet's own initializers in ``deltanet.init`` (re-exported here as well): ``normal_`` has
$\sigma = 1$ and ``uniform_`` draws from $[0, 1)$.

The gains $g$ of ``calculate_gain`` keep the variance of the signal through a layer followed by
the nonlinearity: 1 for linear, convolution and sigmoid layers, $5/3$ for tanh, $\sqrt2$ for
ReLU, $\sqrt{2 / (1 + a^2)}$ for a leaky ReLU of negative slope $a$, and $3/4$ for SELU.
Kaiming initialization (He et al. 2015) draws with the standard deviation
$\sigma = g / \sqrt{\text{fan}}$, Xavier (Glorot & Bengio 2010) with
$\sigma = g \sqrt{2 / (n_{in} + n_{out})}$; a uniform draw on $[-\sqrt3\sigma, \sqrt3\sigma]$ has
that standard deviation.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from deltanet import _checks as check
from deltanet import init as _init
from deltanet.autograd import Tensor
from deltanet.autograd.inplace import changed_in_place
from deltanet.autograd.tensor import leaf
from deltanet.backend import get_rng
from deltanet.init import *  # noqa: F403 - deltanet's own initializers, under their names
from deltanet.init import __all__ as _own_names
from deltanet.nn.init_structured import dirac_, sparse_

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
NONLINEARITIES = (*_LINEAR, "sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain $g$ for a layer followed by ``nonlinearity``, PyTorch's values.

    $$
    g = 1 \ (\text{linear, conv, sigmoid}), \quad \tfrac53 \ (\tanh), \quad \sqrt2 \ (\text{ReLU}), \quad
    \sqrt{\frac{2}{1 + a^2}} \ (\text{leaky ReLU of slope } a), \quad \tfrac34 \ (\text{SELU})
    $$

    Args:
        nonlinearity: a name of ``nn.functional``: "linear", "conv1d", ..., "sigmoid", "tanh",
            "relu", "leaky_relu" or "selu".
        param: the negative slope $a$ for "leaky_relu" (default 0.01).

    Returns:
        The gain.

    Raises:
        ValueError: an unknown nonlinearity, or a slope that is not a number.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.nn.init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    check.one_of(nonlinearity, "nonlinearity", NONLINEARITIES, "calculate_gain")
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    slope = 0.01 if param is None else check.number(param, "param (the negative slope)", "calculate_gain")
    return math.sqrt(2.0 / (1 + slope**2))


_F = TypeVar("_F", bound=Callable[..., Any])


def _fills_arrays(fn: _F) -> _F:
    """Let ``fn`` fill a float NumPy array (a parameter's ``.array``) in place and return that array.

    Wrapping the array without a copy fills the parameter that holds it; like a write through
    PyTorch's ``.data``, it is not seen by autograd's version counter.
    """

    @functools.wraps(fn)
    def filler(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(tensor, np.ndarray):
            if tensor.dtype.kind != "f":
                raise ValueError(
                    f"{fn.__name__}: expected a float Tensor, Parameter or NumPy array to fill, "
                    f"got an array of dtype {tensor.dtype}"
                )
            fn(leaf(tensor), *args, **kwargs)
            return tensor
        return fn(tensor, *args, **kwargs)

    return filler  # type: ignore[return-value]


def _empty(tensor: Tensor, owner: str, random: bool = True) -> bool:
    if not isinstance(tensor, Tensor):
        raise ValueError(f"{owner}: expected a Tensor or Parameter to fill, got {type(tensor).__name__}")
    if random and tensor.array.dtype.kind != "f":  # NumPy would write the draws truncated (zeros, mostly)
        raise NotImplementedError(
            f"{owner}: random values are not implemented for {tensor.array.dtype} tensors (as in PyTorch)"
        )
    if tensor.size == 0:
        warnings.warn(f"{owner}: initializing a zero-element tensor is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def _fill(tensor: Tensor, values: Any) -> Tensor:
    tensor.array[...] = values
    changed_in_place((tensor,))  # a graph that saved the old values must not use these
    return tensor


def _fan(tensor: Tensor, mode: str, owner: str) -> int:
    check.one_of(mode, "mode", ("fan_in", "fan_out"), owner)
    fan_in, fan_out = _init.fan_in_and_fan_out(tensor.shape)
    return fan_in if mode == "fan_in" else fan_out


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    r"""PyTorch's private ``nn.init._calculate_fan_in_and_fan_out``, which custom layers call in their
    ``reset_parameters`` (``fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)``): the
    fan-in and fan-out of a weight (``deltanet.init.fan_in_and_fan_out`` of its shape).

    Args:
        tensor: a weight with at least 2 axes (a Tensor or an array).

    Raises:
        ValueError: fewer than 2 axes.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.init._calculate_fan_in_and_fan_out(dn.empty(16, 6, 5, 5))
        (150, 400)
    """
    return _init.fan_in_and_fan_out(tuple(tensor.shape))


def _calculate_correct_fan(tensor: Any, mode: str) -> int:
    r"""PyTorch's private ``nn.init._calculate_correct_fan``: the fan-in or the fan-out of a weight.

    Args:
        tensor: a weight with at least 2 axes.
        mode: "fan_in" or "fan_out".

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.init._calculate_correct_fan(dn.empty(3, 4, 5), "fan_out")
        15
    """
    return _fan(tensor, mode, "_calculate_correct_fan")


@_fills_arrays
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    r"""Fill ``tensor`` with draws from $\mathcal{U}(a, b)$, in place (PyTorch's default $[0, 1)$).

    Args:
        tensor: the tensor to fill.
        a: the lower bound.
        b: the upper bound, $\ge a$.
        generator: a seed or ``numpy.random.Generator`` (default: ``dn.manual_seed``'s).

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.uniform_(dn.nn.Parameter(np.zeros(1000)), -2.0, 2.0, generator=0)
        >>> bool(w.array.min() >= -2.0 and w.array.max() < 2.0)
        True
    """
    a, b = check.number(a, "a", "uniform_"), check.number(b, "b", "uniform_")
    if a > b:
        raise ValueError(f"uniform_: a must not exceed b, got a={a}, b={b}")
    if _empty(tensor, "uniform_"):
        return tensor
    return _fill(tensor, get_rng(generator).uniform(a, b, tensor.shape))


@_fills_arrays
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    r"""Fill ``tensor`` with draws from $\mathcal{N}(\mu, \sigma^2)$, in place (PyTorch's default $\sigma = 1$).

    Args:
        tensor: the tensor to fill.
        mean: $\mu$.
        std: $\sigma \ge 0$.
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.normal_(dn.nn.Parameter(np.zeros((200, 200))), std=0.5, generator=0)
        >>> round(float(w.array.std()), 2)
        0.5
    """
    mean = check.number(mean, "mean", "normal_")
    std = check.number(std, "std", "normal_", low=0)
    if _empty(tensor, "normal_"):
        return tensor
    return _fill(tensor, get_rng(generator).normal(mean, std, tensor.shape))


@_fills_arrays
def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator: Any = None
) -> Tensor:
    r"""Fill ``tensor`` with draws from $\mathcal{N}(\mu, \sigma^2)$ restricted to $[a, b]$, in place.

    Values outside $[a, b]$ are drawn again until every one falls inside (as PyTorch's, the
    bounds are absolute values, not multiples of $\sigma$).

    Args:
        tensor: the tensor to fill.
        mean: $\mu$.
        std: $\sigma > 0$.
        a: the lower bound.
        b: the upper bound, $> a$.
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.trunc_normal_(dn.nn.Parameter(np.zeros(1000)), std=1.0, a=-1.0, b=1.0, generator=0)
        >>> bool(abs(w.array).max() <= 1.0)
        True
    """
    owner = "trunc_normal_"
    mean, std = check.number(mean, "mean", owner), check.number(std, "std", owner, low=0, low_open=True)
    a, b = check.number(a, "a", owner), check.number(b, "b", owner)
    if not a < b:
        raise ValueError(f"{owner}: a must be smaller than b, got a={a}, b={b}")
    mass = math.erf((b - mean) / (std * math.sqrt(2))) - math.erf((a - mean) / (std * math.sqrt(2)))
    if mass < 1e-6:
        raise ValueError(f"{owner}: [a, b] = [{a}, {b}] holds almost none of N({mean}, {std}^2); move the bounds")
    if _empty(tensor, owner):
        return tensor
    rng = get_rng(generator)
    values = rng.normal(mean, std, tensor.size)
    outside = (values < a) | (values > b)
    while outside.any():  # rejection: each round keeps a fraction `mass` of the redraws
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values.reshape(tensor.shape))


@_fills_arrays
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with the value ``val``, in place.

    Args:
        tensor: the tensor to fill.
        val: the value (a finite number).

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.init.constant_(dn.nn.Parameter([0.0, 0.0]), 0.3).data.tolist()
        [0.30000001192092896, 0.30000001192092896]
    """
    val = check.number(val, "val", "constant_")
    if _empty(tensor, "constant_", random=False):
        return tensor
    return _fill(tensor, val)


@_fills_arrays
def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 0, in place.

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.init.zeros_(dn.nn.Parameter([1.0, 2.0])).array.tolist()
        [0.0, 0.0]
    """
    return _fill(tensor, 0)


@_fills_arrays
def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 1, in place.

    Args:
        tensor: the tensor to fill.

    Returns:
        ``tensor``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.init.ones_(dn.nn.Parameter([0.0, 2.0])).array.tolist()
        [1.0, 1.0]
    """
    return _fill(tensor, 1)


@_fills_arrays
def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity matrix (ones on the diagonal), in place.

    Args:
        tensor: a 2-D tensor.

    Returns:
        ``tensor``.

    Raises:
        ValueError: ``tensor`` is not 2-D.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> dn.nn.init.eye_(dn.nn.Parameter(np.zeros((2, 3)))).array.tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    rows, cols = tensor.shape
    return _fill(tensor, np.eye(rows, cols))


@_fills_arrays
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    r"""Xavier/Glorot uniform initialization, in place.

    $$
    W \sim \mathcal{U}(-\alpha, \alpha), \qquad \alpha = g \sqrt{\frac{6}{n_{in} + n_{out}}}
    $$

    Args:
        tensor: the weight, at least 2 axes.
        gain: $g$ (``calculate_gain``).
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.xavier_uniform_(dn.nn.Parameter(np.zeros((3, 4))), generator=0)
        >>> bool(abs(w.array).max() <= (6 / 7) ** 0.5)
        True
    """
    gain = check.number(gain, "gain", "xavier_uniform_")
    return tensor if _empty(tensor, "xavier_uniform_") else _init.glorot_uniform(tensor, gain, rng=generator)


@_fills_arrays
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    r"""Xavier/Glorot normal initialization, in place.

    $$
    W \sim \mathcal{N}(0, \sigma^2), \qquad \sigma = g \sqrt{\frac{2}{n_{in} + n_{out}}}
    $$

    Args:
        tensor: the weight, at least 2 axes.
        gain: $g$ (``calculate_gain``).
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.xavier_normal_(dn.nn.Parameter(np.zeros((300, 100))), generator=0)
        >>> round(float(w.array.std()), 3)
        0.071
    """
    gain = check.number(gain, "gain", "xavier_normal_")
    return tensor if _empty(tensor, "xavier_normal_") else _init.glorot_normal(tensor, gain, rng=generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, owner: str) -> float:
    a = check.number(a, "a", owner)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(_fan(tensor, mode, owner))


@_fills_arrays
def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    r"""Kaiming/He uniform initialization, in place.

    $$
    W \sim \mathcal{U}(-\sqrt3 \sigma, \sqrt3 \sigma), \qquad \sigma = \frac{g}{\sqrt{\text{fan}}}
    $$

    With PyTorch's defaults (``a=0``, "leaky_relu") $g = \sqrt2$ and the bound is
    $\sqrt{6 / n_{in}}$, deltanet's ``he_uniform``.

    Args:
        tensor: the weight, at least 2 axes.
        a: the negative slope of the leaky ReLU after the layer (for "leaky_relu" only).
        mode: "fan_in" (keeps the variance of the forward signal) or "fan_out" (of the deltas).
        nonlinearity: the nonlinearity's name, as ``calculate_gain`` takes it.
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.kaiming_uniform_(dn.nn.Parameter(np.zeros((3, 6))), generator=0)
        >>> bool(abs(w.array).max() <= 1.0)   # sqrt(6 / 6)
        True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if _empty(tensor, "kaiming_uniform_"):
        return tensor
    bound = math.sqrt(3.0) * std
    return _fill(tensor, get_rng(generator).uniform(-bound, bound, tensor.shape))


@_fills_arrays
def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    r"""Kaiming/He normal initialization, in place.

    $$
    W \sim \mathcal{N}(0, \sigma^2), \qquad \sigma = \frac{g}{\sqrt{\text{fan}}}
    $$

    Args:
        tensor: the weight, at least 2 axes.
        a: the negative slope of the leaky ReLU after the layer (for "leaky_relu" only).
        mode: "fan_in" or "fan_out".
        nonlinearity: the nonlinearity's name, as ``calculate_gain`` takes it.
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.kaiming_normal_(dn.nn.Parameter(np.zeros((200, 50))), nonlinearity="relu", generator=0)
        >>> round(float(w.array.std()), 2)   # sqrt(2 / 50)
        0.2
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if _empty(tensor, "kaiming_normal_"):
        return tensor
    return _fill(tensor, get_rng(generator).normal(0.0, std, tensor.shape))


@_fills_arrays
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    r"""Fill with a random (semi-)orthogonal matrix times $g$, in place (Saxe et al. 2013).

    $W W^\top = g^2 I$ or $W^\top W = g^2 I$, whichever fits; a weight with more axes is filled as
    the matrix $(c_{out}, c_{in} \prod k)$.

    Args:
        tensor: the weight, at least 2 axes.
        gain: $g$.
        generator: a seed or ``numpy.random.Generator``.

    Returns:
        ``tensor``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.init.orthogonal_(dn.nn.Parameter(np.zeros((3, 3))), generator=0).data
        >>> bool(np.allclose(w @ w.T, np.eye(3)))
        True
    """
    gain = check.number(gain, "gain", "orthogonal_")
    return tensor if _empty(tensor, "orthogonal_") else _init.orthogonal(tensor, gain, rng=generator)


__all__ = [
    *_own_names,
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
