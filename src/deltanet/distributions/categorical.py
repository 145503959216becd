r"""The categorical distribution over $K$ classes, as ``torch.distributions.Categorical``.

With class probabilities $p_k = e^{\ell_k} / \sum_j e^{\ell_j}$,

$$
\log p(k) = \ell_k - \log \sum_j e^{\ell_j}, \qquad H = -\sum_k p_k \log p_k.
$$

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import Categorical
    >>> d = Categorical(probs=dn.tensor([0.25, 0.75]))
    >>> round(d.log_prob(dn.tensor(1)).item(), 4)
    -0.2877
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, broadcast_tensors, clamp, full, logsumexp
from deltanet.distributions import constraints
from deltanet.distributions.distribution import Distribution
from deltanet.distributions.utils import lazy_property, logits_to_probs, probs_to_logits


def _parameter(value: Any, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    if value.ndim < 1:
        raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
    return value


class Categorical(Distribution):
    r"""A categorical distribution over the classes $0, \ldots, K - 1$ of the last dimension.

    Give exactly one of ``probs`` (normalised to sum to 1 along the last dimension) and
    ``logits`` (normalised by their log-sum-exp). Samples are int64 class indices.

    Args:
        probs: non-negative weights of the classes, shape ``batch_shape + (K,)``.
        logits: unnormalised log-probabilities, shape ``batch_shape + (K,)``.
        validate_args: check the parameter and that values are class indices.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import Categorical
        >>> d = Categorical(logits=dn.zeros(2, 4))
        >>> d.batch_shape, round(d.entropy()[0].item(), 4)
        ((2,), 1.3863)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}  # noqa: RUF012
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = _parameter(probs, "probs")
            self.probs = probs / probs.sum(-1, keepdim=True)
            param = self.probs
        else:
            logits = _parameter(logits, "logits")
            self.logits = logits - logsumexp(logits, -1, keepdim=True)
            param = self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], (), validate_args)

    @lazy_property
    def logits(self) -> Tensor:
        """Normalised log-probabilities $\\log p_k$ (computed from ``probs`` when given those)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """Class probabilities $p_k$ (the softmax of ``logits`` when given those)."""
        return logits_to_probs(self.logits)

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def param_shape(self) -> tuple[int, ...]:
        """The shape of the parameter, ``batch_shape + (K,)``."""
        return tuple(self._param.shape)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        """This distribution with its parameter expanded to ``batch_shape``.

        Args:
            batch_shape: the new batch shape.
        """
        shape = (*tuple(batch_shape), self._num_events)
        if "probs" in self.__dict__:
            return Categorical(probs=self.probs.expand(*shape), validate_args=False)
        return Categorical(logits=self.logits.expand(*shape), validate_args=False)

    @property
    def support(self) -> constraints.Constraint:
        """The class indices $0, \\ldots, K - 1$."""
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        """Not defined for classes: NaN."""
        return full(self._batch_shape, float("nan"), dtype=self._param.dtype)

    @property
    def mode(self) -> Tensor:
        """The most probable class."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """Not defined for classes: NaN."""
        return full(self._batch_shape, float("nan"), dtype=self._param.dtype)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Class indices (int64) drawn with probabilities $p_k$, without gradient.

        Args:
            sample_shape: the shape of independent draws in front (a tuple).
        """
        shape = self._extended_shape(sample_shape)
        cdf = np.cumsum(self.probs.array.astype(np.float64), axis=-1)
        u = backend.get_rng(None).random(shape)[..., None] * cdf[..., -1:]
        index = (u >= cdf).sum(-1)
        return as_tensor(np.minimum(index, self._num_events - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """$\\log p_k$ at the class indices ``value``.

        Args:
            value: class indices, broadcastable with ``batch_shape``.
        """
        if self._validate_args:
            self._validate_sample(value)
        index = as_tensor(value).long().unsqueeze(-1)
        index, log_pmf = broadcast_tensors(index, self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """$-\\sum_k p_k \\log p_k$ (a class of probability 0 adds 0)."""
        min_real = float(np.finfo(self.logits.array.dtype).min)
        return -(clamp(self.logits, min=min_real) * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The classes $0, \\ldots, K - 1$ along a new first dimension.

        Args:
            expand: expand to ``(K,) + batch_shape`` instead of ``(K,) + (1,) * len(batch_shape)``.
        """
        values = np.arange(self._num_events, dtype=np.int64).reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = np.broadcast_to(values, (self._num_events, *self._batch_shape)).copy()
        return as_tensor(values)
