r"""The Gumbel-softmax (Jang, Gu & Poole 2017; Maddison et al. 2017), as ``F.gumbel_softmax``.

Adding Gumbel noise $g_i = -\log e_i$, $e_i \sim \mathrm{Exp}(1)$, to logits and taking the argmax
draws a class from $\mathrm{softmax}(z)$ (the Gumbel-max trick). Replacing the argmax by a softmax
at temperature $\tau$ gives a differentiable relaxation of that draw:

$$
y = \mathrm{softmax}\big((z + g) / \tau\big)
$$

With ``hard=True`` the forward value is the one-hot vector of the argmax of $y$ and the gradient
is that of $y$ (the straight-through estimator): $y_{hard} - \mathrm{sg}(y) + y$, where
$\mathrm{sg}$ stops the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor
from deltanet.functional.activations import softmax


def gumbel_softmax(
    logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1, *, rng: Any = None
) -> Tensor:
    r"""A differentiable sample of a categorical distribution: softmax of Gumbel-perturbed logits.

    $$
    y = \mathrm{softmax}\big((z + g) / \tau\big), \qquad g_i = -\log e_i, \quad e_i \sim \mathrm{Exp}(1)
    $$

    and with ``hard=True`` the one-hot argmax of $y$ forward, $y$'s gradient backward.

    Args:
        logits: $z$, unnormalized log-probabilities, floating-point.
        tau: the temperature $\tau > 0$: small values give nearly one-hot samples.
        hard: return one-hot vectors with the straight-through gradient.
        eps: unused, as in PyTorch (deprecated there); accepted for its signature.
        dim: the axis of the categories.
        rng: seed or ``numpy.random.Generator`` for the noise; the default generator
            (``dn.manual_seed``) when None. An int seed gives the same noise on every call.

    Raises:
        ValueError: ``tau`` not positive, ``dim`` out of range, or non-floating logits.

    Shape:
        - input: $(*)$, any shape with the categories along ``dim``.
        - output: the same shape.

    Examples:
        >>> import deltanet as dn
        >>> y = dn.functional.gumbel_softmax(dn.tensor([[1.0, 2.0, 3.0]]), tau=0.5, hard=True, rng=0)
        >>> y.array.sum(axis=-1).tolist(), sorted(set(y.array.ravel().tolist()))
        ([1.0], [0.0, 1.0])
    """
    owner = "gumbel_softmax"
    z = logits if isinstance(logits, Tensor) else Tensor._make(logits)
    if z.dtype.kind != "f":
        raise ValueError(f"{owner}: expected floating-point logits, got dtype {z.dtype}")
    tau = check.number(tau, "tau", owner, low=0, low_open=True)
    hard = check.flag(hard, "hard", owner)
    check.number(eps, "eps", owner)
    axis = check.axis(dim, "dim", owner)
    if not -max(z.ndim, 1) <= axis < max(z.ndim, 1):
        raise ValueError(f"{owner}: dim must be in [{-max(z.ndim, 1)}, {max(z.ndim, 1) - 1}], got {dim!r}")
    g = -np.log(backend.get_rng(rng).standard_exponential(z.shape)).astype(z.dtype)
    y_soft = softmax((z + Tensor._make(g)) / tau, axis=axis)
    if not hard:
        return y_soft
    index = np.expand_dims(np.argmax(y_soft.array, axis=axis), axis)
    y_hard = np.zeros_like(y_soft.array)
    np.put_along_axis(y_hard, index, 1.0, axis=axis)
    return Tensor._make(y_hard) - y_soft.detach() + y_soft
