r"""Dropout variants beside ``dropout``: alpha dropout (Klambauer et al. 2017), its channel form, ``dropout1d``.

Plain dropout sets units to 0, which shifts the mean and variance that SELU networks keep at 0
and 1. Alpha dropout sets a dropped unit to SELU's negative saturation value $-\alpha'$
($\alpha' = \lambda \alpha \approx 1.7581$) and then applies the affine map $a x + b$ that
restores zero mean and unit variance for a standardized input:

$$
a = \big((1 - p)(1 + p \alpha'^2)\big)^{-1/2}, \qquad b = a \alpha' p, \qquad
y = a \big(x m - \alpha' (1 - m)\big) + b, \quad m_i \sim \mathrm{Bernoulli}(1 - p)
$$

(PyTorch's formula, ``aten/src/ATen/native/Dropout.cpp``). The gradient is $\delta \, a \, m$;
``feature_alpha_dropout`` draws one $m$ per (sample, channel). ``dropout1d`` is inverted channel
dropout for $(N, C, L)$ inputs. All of them reuse ``Dropout``'s ``Function`` ($x \odot s$) for the
part that depends on $x$ and add the constant shift, so no new backward rule is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.dropout import Dropout, _as_float_tensor, _check_p, _keep_scale, dropout_in_place

#: $\alpha' = \lambda \alpha$ of SELU, the value a dropped unit takes before the affine map.
ALPHA = 1.7580993408473766


def _alpha_dropout(x: Tensor, p: float, mask_shape: tuple[int, ...], rng: Any) -> Tensor:
    keep = backend.get_rng(rng).random(mask_shape) >= p
    m = keep.astype(x.dtype)
    a = 1.0 / np.sqrt((ALPHA * ALPHA * p + 1.0) * (1.0 - p))
    scale = m * x.dtype.type(a)
    shift = ((m - 1.0) * (ALPHA * a) + ALPHA * a * p).astype(x.dtype)
    return Dropout.apply(x, scale=scale) + Tensor._make(shift)


def alpha_dropout(
    input: Any, p: float = 0.5, training: bool = False, inplace: bool = False, *, rng: Any = None
) -> Tensor:
    r"""Alpha dropout: drop units to SELU's saturation value and keep mean 0 and variance 1.

    $$
    y = a \big(x m - \alpha' (1 - m)\big) + a \alpha' p, \qquad
    a = \big((1 - p)(1 + p \alpha'^2)\big)^{-1/2}, \quad m_i \sim \mathrm{Bernoulli}(1 - p)
    $$

    The identity when not training (PyTorch's default here is ``training=False``) or $p = 0$.

    Args:
        input: $x$, floating-point, any shape.
        p: probability of dropping a unit, in $[0, 1)$.
        training: drop only when True.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the mask; the default generator when None.

    Raises:
        ValueError: ``p`` is not in $[0, 1)$, or the input is not floating-point.

    Shape:
        - input: $(*)$.
        - output: $(*)$, the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.random.default_rng(0).standard_normal(10000))
        >>> y = dn.functional.alpha_dropout(x, 0.2, training=True, rng=0)
        >>> abs(float(y.array.mean())) < 0.05, round(float(y.array.std()), 1)  # still standardized
        (True, 1.0)
    """
    p = _check_p(p, "alpha_dropout")
    if check.flag(inplace, "inplace", "alpha_dropout"):
        return dropout_in_place(input, lambda z: alpha_dropout(z, p, training, rng=rng), p, training, "alpha_dropout")
    x = _as_float_tensor(input, "alpha_dropout")
    if not check.flag(training, "training", "alpha_dropout") or p == 0.0:
        return x
    return _alpha_dropout(x, p, x.shape, rng)


def feature_alpha_dropout(
    input: Any, p: float = 0.5, training: bool = False, inplace: bool = False, *, rng: Any = None
) -> Tensor:
    r"""Alpha dropout of whole channels: one mask value per (sample, channel).

    $$
    y_{nc} = a \big(x_{nc} m_{nc} - \alpha' (1 - m_{nc})\big) + a \alpha' p, \quad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    with $a$ and $\alpha'$ as in ``alpha_dropout``; the identity when not training.

    Args:
        input: $x$ of shape $(N, C, *)$.
        p: probability of dropping a channel, in $[0, 1)$.
        training: drop only when True (default False, as PyTorch's).
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the mask.

    Raises:
        ValueError: ``p`` out of range, fewer than 2 axes, or a non-floating input.

    Shape:
        - input: $(N, C, *)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> y = dn.functional.feature_alpha_dropout(dn.tensor(np.zeros((1, 3, 2))), 0.5, True, rng=1)
        >>> y.array.round(3).tolist()
        [[[0.779, 0.779], [0.779, 0.779], [-0.779, -0.779]]]
    """
    owner = "feature_alpha_dropout"
    p = _check_p(p, owner)
    if check.flag(inplace, "inplace", owner):
        return dropout_in_place(input, lambda z: feature_alpha_dropout(z, p, training, rng=rng), p, training, owner)
    x = _as_float_tensor(input, owner)
    if x.ndim < 2:
        raise ValueError(f"{owner}: expected an input of shape (N, C, *) with at least 2 axes, got shape {x.shape}")
    if not check.flag(training, "training", owner) or p == 0.0:
        return x
    return _alpha_dropout(x, p, x.shape[:2] + (1,) * (x.ndim - 2), rng)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, rng: Any = None) -> Tensor:
    r"""Channel dropout for sequences: zero whole channels of $(N, C, L)$ and scale the rest by $1/(1 - p)$.

    $$
    a_{nc} = \frac{m_{nc}}{1 - p} \, x_{nc}, \qquad m_{nc} \sim \mathrm{Bernoulli}(1 - p)
    $$

    An unbatched $(C, L)$ input gets one value per channel, as in PyTorch. The identity when not
    training.

    Args:
        input: $x$ of shape $(N, C, L)$ or $(C, L)$.
        p: probability of dropping a channel, in $[0, 1)$.
        training: drop only when True.
        inplace: overwrite ``input`` with the result and return it, as PyTorch does.
        rng: seed or ``numpy.random.Generator`` for the mask.

    Raises:
        ValueError: ``p`` out of range, an input without 2 or 3 axes, or a non-floating input.

    Shape:
        - input: $(N, C, L)$ or $(C, L)$.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> a = dn.functional.dropout1d(dn.tensor(np.ones((1, 4, 3))), p=0.5, rng=1)
        >>> a.array[0].max(axis=1).tolist()  # channel 2 dropped, the others scaled by 2
        [2.0, 2.0, 0.0, 2.0]
    """
    p = _check_p(p, "dropout1d")
    if check.flag(inplace, "inplace", "dropout1d"):
        return dropout_in_place(input, lambda z: dropout1d(z, p, training, rng=rng), p, training, "dropout1d")
    x = _as_float_tensor(input, "dropout1d")
    if x.ndim not in (2, 3):
        raise ValueError(
            f"dropout1d: expected an input of shape (N, C, L) or (C, L), got shape {x.shape}; it drops "
            f"whole channels of inputs with one spatial axis (dropout2d and dropout3d for more)"
        )
    if not check.flag(training, "training", "dropout1d") or p == 0.0:
        return x
    return Dropout.apply(x, scale=_keep_scale(x.shape[:-1] + (1,), p, x.dtype, rng))
