r"""Dropout (Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov 2014), as *inverted* dropout.

On each training step every unit is kept with probability $1 - p$ and set to 0 otherwise, so
that no unit can rely on the presence of particular other units (it cannot co-adapt). The seeds
([Hosny et al.], [Suk 2015]) describe the original recipe: train with the plain mask, and at
test time keep every unit but *multiply the outgoing weights by* $1 - p$ ("the weights are
halved" for $p = 0.5$), so that the next layer receives on average the input it saw during
training.

Inverted dropout, which this module implements (as PyTorch and Keras do), moves that scaling to
training time: the kept units are divided by $1 - p$,

$$
a = \frac{x \odot m}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p),
$$

so $\mathbb{E}[a] = x$ already during training, and at test time the layer is the identity: the
trained network is used as it is, with nothing to rescale. Both recipes keep the expected input
of the next layer equal between training and test; they give the same network up to where the
factor $1 - p$ is stored. The backward pass multiplies $\delta$ by the same mask and scale:
$\partial L / \partial x = \delta \odot m / (1 - p)$.

``dropout2d`` draws one mask value per (sample, channel) and drops whole feature maps, for
convolutional inputs where neighbouring pixels are strongly correlated (Tompson et al. 2015);
``dropout3d`` does the same for volumes, one value per (sample, channel) of $(N, C, D, H, W)$.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Function, Tensor
from deltanet.autograd.inplace import overwrite_with


class Dropout(Function):
    r"""$a = x \odot s$ with $s = m / (1 - p)$ drawn by the caller; $\partial L / \partial x = \delta \odot s$.

    ``scale`` is the mask already divided by $1 - p$, of x's shape or broadcastable to it
    (one value per channel for ``dropout2d``).
    """

    def forward(self, x: np.ndarray, scale: np.ndarray) -> np.ndarray:
        self.save_for_backward(scale)
        return x * scale

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (scale,) = self.saved_tensors
        return delta * scale


def _check_p(p: Any, name: str) -> float:
    """Validate a drop probability: a real number in [0, 1)."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: p must be a number in [0, 1), got {p!r}")
    p = float(p)
    if p == 1.0:
        raise ValueError(
            f"{name}: p must be in [0, 1), got p=1.0: every unit would be dropped, the output "
            f"would be all zeros and the scale 1/(1 - p) infinite"
        )
    if not (math.isfinite(p) and 0.0 <= p < 1.0):
        raise ValueError(f"{name}: p is the probability of dropping a unit, in [0, 1), got {p!r}")
    return p


def _keep_scale(shape: tuple[int, ...], p: float, dtype: np.dtype, rng: Any) -> np.ndarray:
    r"""$m / (1 - p)$ with $m_i \sim \mathrm{Bernoulli}(1 - p)$, drawn from the generator ``rng`` resolves to."""
    # Draws are float64 whatever x's dtype, so a seed gives the same mask in float32 and float64.
    keep = backend.get_rng(rng).random(shape) >= p
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))


def _as_float_tensor(x: Any, name: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor._make(x)
    if x.dtype.kind != "f":
        raise ValueError(f"{name}: expected a floating-point input, got dtype {x.dtype}")
    return x


def dropout_in_place(x: Any, compute: Callable[[Tensor], Tensor], p: Any, training: Any, owner: str) -> Tensor:
    r"""The ``inplace=True`` of the dropout functions and layers, as PyTorch's: ``compute(x)``
    (a dropout of ``x``) written into ``x``, which is returned.

    When not training, or with $p = 0$, ``x`` itself is returned untouched (no version bump, no
    error for a leaf that requires grad), as PyTorch does.

    Args:
        x: the tensor to overwrite.
        compute: the out-of-place dropout of one tensor (with its ``p``, ``training`` and ``rng``).
        p: the drop probability.
        training: whether to drop.
        owner: the function's name in error messages.

    Returns:
        ``x``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.functional.dropout import dropout, dropout_in_place
        >>> x = dn.tensor(np.ones(4))
        >>> dropout_in_place(x, lambda t: dropout(t, 0.5, rng=0), 0.5, True, "dropout") is x, x.tolist()
        (True, [2.0, 0.0, 0.0, 0.0])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor (inplace=True overwrites it), got {type(x).__name__}")
    if not training or p == 0:
        return compute(x)  # x itself, checked but untouched
    return overwrite_with(x, compute, f"{owner}_")


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    r"""Inverted dropout: in training, zero each unit with probability $p$ and scale the rest by $1/(1 - p)$.

    $$
    a = \frac{x \odot m}{1 - p}, \quad m_i \sim \mathrm{Bernoulli}(1 - p), \qquad
    \frac{\partial L}{\partial x} = \frac{\delta \odot m}{1 - p}
    $$

    When not training (or with $p = 0$) ``x`` is returned unchanged. See the module docstring for
    how this relates to the seeds' "halve the weights at test time".

    Args:
        x: input tensor of any shape (float32 or float64).
        p: probability of dropping a unit, in $[0, 1)$ (0.5 in Srivastava et al.).
        training: drop only when True; at test time the layer is the identity.
        rng: seed or ``numpy.random.Generator`` for the mask; the default generator
            (``dn.manual_seed``) when None. An int seed gives the same mask on every call.

    Raises:
        ValueError: ``p`` is not in $[0, 1)$, or ``x`` is not floating-point.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.functional.dropout(dn.tensor(np.ones(8)), p=0.5, rng=0)
        >>> sorted(set(a.array.tolist()))
        [0.0, 2.0]
        >>> dn.functional.dropout(dn.tensor([1.0, 2.0]), p=0.5, training=False).data.tolist()
        [1.0, 2.0]
    """
    p = _check_p(p, "dropout")
    x = _as_float_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, scale=_keep_scale(x.shape, p, x.dtype, rng))


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    r"""Channel dropout: zero whole channels with probability $p$ and scale the kept ones by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    One mask value per (sample, channel), shared by all positions of that feature map, so it works
    for any number of spatial axes ($(N, C, L)$, $(N, C, H, W)$, $(N, C, D, H, W)$). The identity
    when not training.

    Args:
        x: input of shape (N, C, *spatial).
        p: probability of dropping a channel, in $[0, 1)$.
        training: drop only when True.
        rng: seed or ``numpy.random.Generator`` for the mask.

    Raises:
        ValueError: ``p`` is not in $[0, 1)$, or ``x`` has fewer than 2 axes or is not floating-point.

    Shape:
        - input: $(N, C, *)$.
        - output: $(N, C, *)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.functional.dropout2d(dn.tensor(np.ones((1, 4, 2, 2))), p=0.5, rng=1)
        >>> a.array[0].reshape(4, -1).tolist()  # channel 2 dropped, the others scaled by 2
        [[2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0], [0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]]
    """
    p = _check_p(p, "dropout2d")
    x = _as_float_tensor(x, "dropout2d")
    if x.ndim < 2:
        raise ValueError(
            f"dropout2d: expected an input of shape (N, C, *spatial) with at least 2 axes, got shape {x.shape}"
        )
    if not training or p == 0.0:
        return x
    mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)
    return Dropout.apply(x, scale=_keep_scale(mask_shape, p, x.dtype, rng))


def dropout3d(x: Tensor, p: float = 0.5, training: bool = True, rng: Any = None) -> Tensor:
    r"""Channel dropout for volumes: zero whole 3-D feature maps with probability $p$, scale the rest by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    One mask value per (sample, channel) of a batch $(N, C, D, H, W)$, shared by every voxel of
    that channel; an unbatched volume $(C, D, H, W)$ gets one value per channel, as in PyTorch.
    The identity when not training.

    Args:
        x: input of shape (N, C, D, H, W) or (C, D, H, W).
        p: probability of dropping a channel, in $[0, 1)$.
        training: drop only when True.
        rng: seed or ``numpy.random.Generator`` for the mask.

    Raises:
        ValueError: ``p`` is not in $[0, 1)$, or ``x`` does not have 4 or 5 axes or is not
            floating-point.

    Shape:
        - input: $(N, C, D, H, W)$ or $(C, D, H, W)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.functional.dropout3d(dn.tensor(np.ones((1, 4, 2, 2, 2))), p=0.5, rng=1)
        >>> a.array[0].reshape(4, -1).max(axis=1).tolist()  # channel 2 dropped, the others scaled by 2
        [2.0, 2.0, 0.0, 2.0]
    """
    p = _check_p(p, "dropout3d")
    x = _as_float_tensor(x, "dropout3d")
    if x.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expected an input of shape (N, C, D, H, W) or (C, D, H, W), got shape {x.shape}")
    if not training or p == 0.0:
        return x
    channels = x.ndim - 3  # the axes that keep their size in the mask: (N, C) or (C,)
    mask_shape = x.shape[:channels] + (1, 1, 1)
    return Dropout.apply(x, scale=_keep_scale(mask_shape, p, x.dtype, rng))
