r"""Local response normalization (Krizhevsky, Sutskever & Hinton 2012), as PyTorch computes it.

Each activation is divided by a power of the summed squares of its neighbours *across channels*
at the same position, so that a strongly responding feature map damps the maps beside it
("lateral inhibition", the paper's §3.3). With $n$ = ``size``, channel $c$'s window is
$W(c) = [c - \lfloor n/2 \rfloor,\ c + \lfloor (n-1)/2 \rfloor]$ (channels outside $[0, C)$ count
as zeros):

$$
d_c = k + \frac{\alpha}{n} \sum_{c' \in W(c)} a_{c'}^2, \qquad b_c = a_c \, d_c^{-\beta}
$$

PyTorch (and Caffe) divide $\alpha$ by $n$; the paper writes $k + \alpha \sum a^2$ with
$k = 2$, $n = 5$, $\alpha = 10^{-4}$, $\beta = 0.75$, which is ``alpha = 5e-4`` here.

Backward, with $\delta = \partial L / \partial b$: channel $j$ enters its own output and, through
$d_c$, every output $c$ whose window holds $j$ (that is $c \in [j - \lfloor (n-1)/2 \rfloor,\
j + \lfloor n/2 \rfloor]$, the transposed window):

$$
\frac{\partial L}{\partial a_j} = \delta_j d_j^{-\beta}
- \frac{2 \alpha \beta}{n} a_j \sum_{c:\, j \in W(c)} \delta_c \, a_c \, d_c^{-\beta - 1}
$$
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor


def _channel_window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """$s_c = \\sum_{c' = c - before}^{c + after} a_{c'}$ along axis 1, zeros outside the channels."""
    C = a.shape[1]
    s = np.zeros_like(a)
    for offset in range(-before, after + 1):
        # s[:, c] += a[:, c + offset] for every c with 0 <= c + offset < C
        lo, hi = max(0, -offset), min(C, C - offset)
        if lo < hi:
            s[:, lo:hi] += a[:, lo + offset : hi + offset]
    return s


class LocalResponseNorm(Function):
    r"""$b_c = a_c (k + \tfrac{\alpha}{n} \sum_{W(c)} a^2)^{-\beta}$ across axis 1 (backward: the module docstring)."""

    def forward(self, a: np.ndarray, *, size: int, alpha: float, beta: float, k: float) -> np.ndarray:
        self.size, self.alpha, self.beta = size, alpha, beta
        d = k + (alpha / size) * _channel_window_sum(a * a, size // 2, (size - 1) // 2)
        scale = d ** (-beta)
        self.save_for_backward(a, d, scale)
        return a * scale

    def backward(self, delta: np.ndarray) -> np.ndarray:
        a, d, scale = self.saved_tensors
        n = self.size
        through_d = _channel_window_sum(delta * a * scale / d, (n - 1) // 2, n // 2)
        return delta * scale - (2.0 * self.alpha * self.beta / n) * a * through_d


def local_response_norm(x: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    r"""Local response normalization across channels, as ``torch.nn.functional.local_response_norm``.

    $$
    b_c = a_c \Big(k + \frac{\alpha}{n} \sum_{c' = c - \lfloor n/2 \rfloor}^{c + \lfloor (n-1)/2 \rfloor}
    a_{c'}^2\Big)^{-\beta}
    $$

    with $n$ = ``size`` and channels outside $[0, C)$ counted as zeros. The AlexNet paper's
    normalization ($k = 2$, $n = 5$, $\alpha = 10^{-4}$, $\beta = 0.75$, without the division
    by $n$) is ``local_response_norm(x, 5, alpha=5e-4, beta=0.75, k=2.0)``.

    Args:
        x: activations of shape $(N, C, *)$ with at least one axis after the channels.
        size: $n$, the number of neighbouring channels summed (an integer >= 1).
        alpha: $\alpha$, the multiplier of the (averaged) sum of squares, >= 0 (default 1e-4).
        beta: $\beta$, the exponent, >= 0 (default 0.75).
        k: the additive constant, > 0 so that the denominator is never 0 (default 1.0).

    Raises:
        ValueError: an input with fewer than 3 axes, integer data, or an argument out of range.

    Shape:
        - input: $(N, C, *)$; output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.ones((1, 3, 1, 1)))
        >>> y = dn.functional.local_response_norm(x, size=2, alpha=1.0, beta=1.0, k=1.0)
        >>> y.array.ravel().round(4)  # channel 0 sees channel 0 only, the others two channels
        array([0.6667, 0.5   , 0.5   ])
    """
    owner = "local_response_norm"
    size = check.integer(size, "size", owner, low=1)
    alpha = check.number(alpha, "alpha", owner, low=0)
    beta = check.number(beta, "beta", owner, low=0)
    k = check.number(k, "k", owner, low=0, low_open=True)
    return LocalResponseNorm.apply(_checked_input(x, owner), size=size, alpha=alpha, beta=beta, k=k)


def _checked_input(x: Any, owner: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor._make(x)
    if x.ndim < 3:
        raise ValueError(
            f"{owner}: expected an input of shape (N, C, *) with at least 3 dimensions, got shape {tuple(x.shape)}"
        )
    if x.dtype.kind != "f":
        raise ValueError(f"{owner}: expected a floating-point input, got dtype {x.dtype}")
    return x


__all__ = ["LocalResponseNorm", "local_response_norm"]
