r"""The Bernoulli distribution of a binary outcome, as ``torch.distributions.Bernoulli``.

With probability $p = \sigma(\ell)$ of a 1,

$$
\log p(x) = x \log p + (1 - x) \log(1 - p) = x \ell - \log(1 + e^{\ell}),
$$

written from the logits $\ell$ so that it stays finite for $p$ near 0 or 1.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Bernoulli
    >>> round(Bernoulli(probs=dn.tensor(0.25)).log_prob(dn.tensor(1.0)).item(), 4)
    -1.3863
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, logaddexp, where, zeros_like
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits


def softplus(x: Tensor) -> Tensor:
    r"""$\log(1 + e^{x})$, without overflow for large $x$ (the gradient at 0 is $\frac{1}{2}$)."""
    return logaddexp(x, zeros_like(x))


def _exactly_one(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Bernoulli(Distribution):
    r"""The Bernoulli distribution: 1 with probability $p$ (``probs``) or $\sigma(\ell)$ (``logits``).

    Give exactly one of ``probs`` and ``logits``; the other is computed on first use.

    Args:
        probs: the probability of a 1, in $[0, 1]$.
        logits: the log-odds $\ell = \log p - \log(1 - p)$ of a 1.
        validate_args: check the parameter and that values are 0 or 1.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Bernoulli
        >>> d = Bernoulli(logits=dn.tensor([0.0, 2.0]))
        >>> [round(p, 4) for p in d.probs.tolist()]
        [0.5, 0.8808]
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}  # noqa: RUF012
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        _exactly_one(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            shape = self.probs.shape
        else:
            (self.logits,) = broadcast_all(logits)
            shape = self.logits.shape
        super().__init__(shape, (), validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds $\\log p - \\log(1 - p)$ (computed from ``probs`` when given those)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability $\\sigma(\\ell)$ of a 1 (computed from ``logits`` when given those)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        """This distribution with its parameter expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = tuple(batch_shape)
        if "probs" in self.__dict__:
            return Bernoulli(probs=self.probs.expand(*shape), validate_args=False)
        return Bernoulli(logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The mean $p$."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where $p > \\frac{1}{2}$, 0 where $p < \\frac{1}{2}$, NaN at a tie."""
        p = self.probs.detach()
        return where(p == 0.5, float("nan"), (p >= 0.5).to(p.dtype))

    @property
    def variance(self) -> Tensor:
        """The variance $p (1 - p)$."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Zeros and ones (floats, as PyTorch's), 1 with probability $p$, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        shape = self._extended_shape(sample_shape)
        p = self.probs.array
        u = backend.get_rng(None).random(shape)
        return as_tensor((u < p).astype(p.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """$x \\ell - \\log(1 + e^{\\ell})$, PyTorch's ``-binary_cross_entropy_with_logits``.

        Args:
            value: zeros and ones.
        """
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return logits * value - softplus(logits)

    def entropy(self) -> Tensor:
        """$\\log(1 + e^{\\ell}) - p \\ell$."""
        return softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values 0 and 1 along a new first dimension (expanded over the batch when ``expand``).

        Args:
            expand: expand to ``(2,) + batch_shape`` instead of ``(2,) + (1,) * len(batch_shape)``.
        """
        base = np.array([0.0, 1.0], dtype=self._param.array.dtype).reshape((2,) + (1,) * len(self._batch_shape))
        if expand:
            base = np.broadcast_to(base, (2, *self._batch_shape)).copy()
        return as_tensor(base)
