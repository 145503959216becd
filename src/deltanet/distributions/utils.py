r"""Helpers of the distributions: broadcasting parameters, lazy parameters, probabilities and logits.

A Bernoulli or categorical distribution is given by its probabilities $p$ or by its logits; each
is computed from the other on first use: $\mathrm{logit}(p) = \log p - \log(1 - p)$ for one
event, $\log p_i$ (normalised by $\log \sum_j e^{\ell_j}$) for several.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions.utils import probs_to_logits
    >>> probs_to_logits(dn.tensor([0.5]), is_binary=True).tolist()
    [0.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd import Tensor, as_tensor, broadcast_tensors, clamp


def _float_dtype(*values: Any) -> Any:
    """The dtype of the first float tensor among ``values`` (float32 when there is none)."""
    for v in values:
        if isinstance(v, Tensor) and v.array.dtype.kind == "f":
            return v.array.dtype
    return backend.DEFAULT_DTYPE


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The parameters as tensors of one shape: numbers become tensors of the tensors' dtype.

    Args:
        values: tensors or Python numbers.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.utils import broadcast_all
        >>> [t.shape for t in broadcast_all(dn.zeros(2, 1), 1.0)]
        [(2, 1), (2, 1)]
    """
    dtype = _float_dtype(*values)
    tensors = []
    for v in values:
        if isinstance(v, Tensor):
            tensors.append(v)
        elif isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            tensors.append(as_tensor(np.asarray(v, dtype=dtype)))
        else:
            raise ValueError(
                f"Input arguments must all be instances of numbers.Number or Tensor, got {type(v).__name__}"
            )
    if len(tensors) == 1:
        return (tensors[0],)
    return tuple(broadcast_tensors(*tensors))


class lazy_property:
    """A parameter computed from another on first use, then kept in the instance's ``__dict__``.

    Args:
        wrapped: the method that computes it.

    Examples:
        >>> from deltanet.distributions.utils import lazy_property
        >>> class A:
        ...     @lazy_property
        ...     def x(self):
        ...         return 3
        >>> a = A(); a.x, "x" in vars(a)
        (3, True)
    """

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` right-most dimensions (itself when ``dim`` is 0).

    Args:
        value: a tensor.
        dim: how many right-most dimensions to sum.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.utils import sum_rightmost
        >>> sum_rightmost(dn.ones(2, 3), 1).tolist()
        [3.0, 3.0]
    """
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.ndim - dim] + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    r"""Probabilities kept in $[\epsilon, 1 - \epsilon]$ ($\epsilon$ the dtype's machine epsilon).

    Args:
        probs: probabilities.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.utils import clamp_probs
        >>> clamp_probs(dn.tensor([0.0, 1.0], dtype=dn.float64)).tolist()[0] > 0
        True
    """
    eps = float(np.finfo(probs.array.dtype).eps)
    return clamp(probs, min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    r"""The logits of probabilities: $\log p - \log(1 - p)$ when binary, $\log p$ otherwise.

    Args:
        probs: probabilities.
        is_binary: one event per entry (Bernoulli) instead of a categorical vector.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.utils import probs_to_logits
        >>> round(probs_to_logits(dn.tensor([0.25]), is_binary=True).item(), 4)
        -1.0986
    """
    p = clamp_probs(probs)
    return p.log() - (1 - p).log() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    r"""The probabilities of logits: $\sigma(\ell)$ when binary, $\mathrm{softmax}(\ell)$ otherwise.

    Args:
        logits: logits.
        is_binary: one event per entry (Bernoulli) instead of a categorical vector.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions.utils import logits_to_probs
        >>> logits_to_probs(dn.tensor([0.0, 0.0])).tolist()
        [0.5, 0.5]
    """
    if is_binary:
        return logits.sigmoid()
    shifted = logits - logits.max(-1, keepdim=True).values.detach()
    e = shifted.exp()
    return e / e.sum(-1, keepdim=True)
