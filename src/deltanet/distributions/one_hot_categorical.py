r"""The categorical distribution with one-hot values, as ``torch.distributions.OneHotCategorical``.

A draw is a vector $x \in \{0, 1\}^K$ with a single 1; $\log p(x) = \sum_k x_k \log p_k$.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import OneHotCategorical
    >>> OneHotCategorical(probs=dn.tensor([0.2, 0.8])).sample((4,)).sum(-1).tolist()
    [1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor, as_tensor
from deltanet.distributions import constraints
from deltanet.distributions.categorical import Categorical
from deltanet.distributions.distribution import Distribution


class OneHotCategorical(Distribution):
    r"""A categorical distribution whose values are one-hot vectors of length $K$.

    Args:
        probs: non-negative weights of the classes, shape ``batch_shape + (K,)``.
        logits: unnormalised log-probabilities, shape ``batch_shape + (K,)``.
        validate_args: check the parameter and that values are one-hot.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import OneHotCategorical
        >>> d = OneHotCategorical(logits=dn.zeros(3))
        >>> round(d.log_prob(dn.tensor([0.0, 1.0, 0.0])).item(), 4), d.event_shape
        (-1.0986, (3,))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}  # noqa: RUF012
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        shape = self._categorical.param_shape
        super().__init__(shape[:-1], shape[-1:], validate_args)

    @property
    def probs(self) -> Tensor:
        """Class probabilities $p_k$."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Normalised log-probabilities $\\log p_k$."""
        return self._categorical.logits

    @property
    def mean(self) -> Tensor:
        """The mean, the vector $p$."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """The one-hot vector of the most probable class."""
        probs = self._categorical.probs
        index = probs.array.argmax(-1)
        return as_tensor((np.arange(probs.shape[-1]) == index[..., None]).astype(probs.array.dtype))

    @property
    def variance(self) -> Tensor:
        """The variance $p_k (1 - p_k)$ of each entry."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """One-hot vectors (floats, as PyTorch's) of classes drawn with probabilities $p_k$.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        index = self._categorical.sample(sample_shape).array
        k = self._event_shape[0]
        return as_tensor((np.arange(k) == index[..., None]).astype(self._categorical.probs.array.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """$\\log p_k$ of the class $k$ where ``value`` has its 1.

        Args:
            value: one-hot vectors.
        """
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(as_tensor(value.array.argmax(-1)))

    def entropy(self) -> Tensor:
        """$-\\sum_k p_k \\log p_k$."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The $K$ one-hot vectors along a new first dimension.

        Args:
            expand: expand over the batch shape.
        """
        k = self._event_shape[0]
        values = np.eye(k, dtype=self._categorical.probs.array.dtype).reshape(
            (k,) + (1,) * len(self._batch_shape) + (k,)
        )
        if expand:
            values = np.broadcast_to(values, (k, *self._batch_shape, k)).copy()
        return as_tensor(values)

    def __repr__(self) -> str:
        return repr(self._categorical).replace("Categorical", "OneHotCategorical", 1)
