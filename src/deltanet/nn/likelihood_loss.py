r"""``nn.PoissonNLLLoss`` and ``nn.GaussianNLLLoss``, with PyTorch's arguments and defaults; each
``forward`` calls the function of ``deltanet.functional.likelihood_losses``."""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional import likelihood_losses as F
from deltanet.functional.embedding_losses import legacy
from deltanet.nn.loss import Loss


class PoissonNLLLoss(Loss):
    r"""Poisson negative log-likelihood of counts $y$ given a predicted log-rate (or rate) $x$.

    $$
    \ell = e^{x} - y x \ \ (\texttt{log\_input}), \qquad \ell = x - y \log(x + \epsilon) \ \ \text{otherwise}
    $$

    Args:
        log_input: the input is the log of the rate (default True).
        full: add Stirling's approximation of $\log(y!)$ where $y > 1$.
        size_average: deprecated in PyTorch; must be None.
        eps: keeps the log finite when ``log_input=False`` (default $10^{-8}$).
        reduce: deprecated in PyTorch; must be None.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: the input's shape.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.PoissonNLLLoss()(dn.tensor([0.0]), dn.tensor([1.0])).item()
        1.0
    """

    target_kind = "regression"

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: Any = None,
        eps: float = 1e-8,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        legacy(size_average, reduce, "PoissonNLLLoss")
        super().__init__(reduction=reduction)
        self.log_input = check.flag(log_input, "log_input", "PoissonNLLLoss")
        self.full = check.flag(full, "full", "PoissonNLLLoss")
        self.eps = check.number(eps, "eps", "PoissonNLLLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.poisson_nll_loss(input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(Loss):
    r"""Gaussian negative log-likelihood of $y$ under a predicted mean $x$ and variance $\sigma^2$.

    $$
    \ell = \frac12 \left(\log \max(\sigma^2, \epsilon) + \frac{(x - y)^2}{\max(\sigma^2, \epsilon)}\right)
    $$

    Called as ``loss(input, target, var)``.

    Args:
        full: add the constant $\frac12 \log 2\pi$.
        eps: the floor on the variance (default $10^{-6}$).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(N, *)$; target: the input's shape.
        - var: the input's shape, or with one axis of size 1 or the last axis left out.
        - output: a scalar; the input's shape with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.GaussianNLLLoss()(dn.tensor([1.0]), dn.tensor([3.0]), dn.tensor([1.0])).item()
        2.0
    """

    target_kind = "regression"

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = check.flag(full, "full", "GaussianNLLLoss")
        self.eps = check.number(eps, "eps", "GaussianNLLLoss")

    def __call__(self, input: Any, target: Any, var: Any) -> Tensor:  # type: ignore[override]
        return self.forward(input, target, var)

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:  # type: ignore[override]
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
