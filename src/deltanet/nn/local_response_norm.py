r"""``LocalResponseNorm``: AlexNet's normalization across neighbouring channels, as PyTorch's layer."""

from __future__ import annotations

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor
from deltanet.functional.lrn import local_response_norm
from deltanet.nn.module import Module, call_named


class LocalResponseNorm(Module):
    r"""Divide each activation by a power of the squares summed over ``size`` neighbouring channels.

    $$
    b_c = a_c \Big(k + \frac{\alpha}{n} \sum_{c' = c - \lfloor n/2 \rfloor}^{c + \lfloor (n-1)/2 \rfloor}
    a_{c'}^2\Big)^{-\beta}
    $$

    ($n$ = ``size``; channels outside the input count as zeros), as ``torch.nn.LocalResponseNorm``.
    Krizhevsky et al. (2012) put it after the ReLUs of AlexNet's first two convolutions with
    $k = 2$, $n = 5$, $\alpha = 10^{-4}$, $\beta = 0.75$ in a formula without the division by
    $n$: ``LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)`` here. torchvision's AlexNet
    leaves it out (later work found it adds little once networks are trained well), and so does
    ``deltanet.models.alexnet`` unless ``local_response_norm=True``. No parameters.

    Args:
        size: $n$, the number of neighbouring channels summed (an integer >= 1).
        alpha: $\alpha$, >= 0 (default 1e-4, PyTorch's).
        beta: $\beta$, >= 0 (default 0.75).
        k: the additive constant, > 0 (default 1.0, PyTorch's).

    Shape:
        - input: $(N, C, *)$ with at least one axis after the channels.
        - output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> lrn = dn.nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)
        >>> lrn
        LocalResponseNorm(5, alpha=0.0005, beta=0.75, k=2.0)
        >>> lrn(dn.tensor(np.ones((2, 8, 4, 4), dtype=np.float32))).shape
        (2, 8, 4, 4)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        owner = "LocalResponseNorm"
        self.size = check.integer(size, "size", owner, low=1)
        self.alpha = check.number(alpha, "alpha", owner, low=0)
        self.beta = check.number(beta, "beta", owner, low=0)
        self.k = check.number(k, "k", owner, low=0, low_open=True)

    def forward(self, x: Tensor) -> Tensor:
        x = call_named(self, as_tensor, x)
        return call_named(self, local_response_norm, x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["LocalResponseNorm"]
