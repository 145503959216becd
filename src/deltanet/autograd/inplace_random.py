r"""In-place random fills with PyTorch's names: ``bernoulli_``, ``exponential_``, ``geometric_``,
``cauchy_``, ``log_normal_`` and ``random_`` (``uniform_`` and ``normal_`` live in ``inplace``).

Each overwrites the tensor's values (and bumps its version counter, as every in-place op) with a
draw from deltanet's default generator, or from ``generator=``. The numbers are NumPy's, not
PyTorch's: only the distributions agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.inplace import _overwrite, _random_fill
from deltanet.autograd.tensor import Tensor, leaf


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    r"""In place: 1 with probability $p$, else 0, in ``self``'s dtype (float, integer or bool).

    Args:
        p: a probability in $[0, 1]$, or a float tensor of them that broadcasts to ``self``.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(2, 3).bernoulli_(dn.tensor([0.0, 1.0, 1.0])).tolist()
        [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    prob: Any
    if isinstance(p, Tensor):
        prob = p.array
        if prob.dtype.kind != "f" or (prob.size and not ((prob >= 0) & (prob <= 1)).all()):
            raise ValueError(f"bernoulli_: p must be a float tensor of probabilities in [0, 1], got {p!r}")
    else:
        prob = check.number(p, "p", "bernoulli_", low=0, high=1)
    u = backend.get_rng(generator).random(self.shape)
    return _overwrite(self, leaf((u < prob).astype(self.array.dtype)), "bernoulli_")


def exponential_(self: Tensor, lambd: Any = 1.0, *, generator: Any = None) -> Tensor:
    r"""In place: exponential random values, density $\lambda e^{-\lambda x}$ (float tensors).

    Args:
        lambd: the rate $\lambda > 0$.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> bool((dn.zeros(5).exponential_(2.0) >= 0).all())
        True
    """
    rate = check.number(lambd, "lambd", "exponential_", low=0, low_open=True)
    return _random_fill(self, lambda rng: rng.exponential(1 / rate, self.shape), "exponential_", generator)


def geometric_(self: Tensor, p: Any, *, generator: Any = None) -> Tensor:
    r"""In place: the number $k \ge 1$ of Bernoulli($p$) trials up to the first success,
    $P(k) = (1 - p)^{k - 1} p$.

    Args:
        p: the success probability, in $(0, 1]$.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3).geometric_(1.0).tolist()
        [1.0, 1.0, 1.0]
    """
    prob = check.number(p, "p", "geometric_", low=0, high=1, low_open=True)
    values = backend.get_rng(generator).geometric(prob, self.shape)
    return _overwrite(self, leaf(values.astype(self.array.dtype)), "geometric_")


def cauchy_(self: Tensor, median: Any = 0.0, sigma: Any = 1.0, *, generator: Any = None) -> Tensor:
    r"""In place: Cauchy random values, density $\frac{1}{\pi \sigma (1 + ((x - m) / \sigma)^2)}$.

    Args:
        median: the median $m$.
        sigma: the scale $\sigma > 0$.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(4).cauchy_(generator=0).shape
        (4,)
    """
    m = check.number(median, "median", "cauchy_")
    s = check.number(sigma, "sigma", "cauchy_", low=0, low_open=True)
    return _random_fill(self, lambda rng: m + s * rng.standard_cauchy(self.shape), "cauchy_", generator)


def log_normal_(self: Tensor, mean: Any = 1.0, std: Any = 2.0, *, generator: Any = None) -> Tensor:
    r"""In place: $e^{z}$ with $z \sim \mathcal{N}(\mu, \sigma^2)$ (``mean`` and ``std`` are those of $z$).

    Args:
        mean: $\mu$.
        std: $\sigma > 0$.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Examples:
        >>> import deltanet as dn
        >>> bool((dn.zeros(4).log_normal_() > 0).all())
        True
    """
    mu = check.number(mean, "mean", "log_normal_")
    sigma = check.number(std, "std", "log_normal_", low=0, low_open=True)
    return _random_fill(self, lambda rng: rng.lognormal(mu, sigma, self.shape), "log_normal_", generator)


def _top(dtype: np.dtype) -> int:
    """The largest value ``random_()`` draws: every integer the dtype holds exactly."""
    if dtype.kind == "f":
        return int(2 ** (np.finfo(dtype).nmant + 1))
    if dtype.kind == "b":
        return 1
    return int(np.iinfo(dtype).max)


def random_(self: Tensor, *bounds: Any, generator: Any = None, **names: Any) -> Tensor:
    r"""In place: random integers, uniform on $[\text{from}, \text{to} - 1]$, as PyTorch's
    ``random_(from=0, to=None)``: ``random_(to)``, ``random_(from, to)``, or ``random_()`` for
    $[0, 2^{24}]$ (float32), $[0, 2^{53}]$ (float64) or the whole non-negative range of an integer dtype.

    Args:
        bounds: ``(to,)`` or ``(from, to)`` positionally (``from`` and ``to`` also by name).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).
        names: ``from=`` and ``to=``, PyTorch's keywords.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.zeros(6).random_(3, 5)
        >>> bool(((x >= 3) & (x < 5)).all())
        True
    """
    unknown = set(names) - {"from", "to"}
    if unknown or len(bounds) > 2:
        raise TypeError(f"random_(): takes from and to, got {len(bounds)} positional values and {sorted(names)}")
    low, high = 0, None
    if len(bounds) == 2:
        low, high = bounds
    elif len(bounds) == 1:
        high = bounds[0]
    low, high = names.get("from", low), names.get("to", high)
    low = check.integer(low, "from", "random_")
    top = _top(self.array.dtype) + 1 if high is None else check.integer(high, "to", "random_")
    if low >= top:
        raise ValueError(f"random_(): from must be less than to, got from={low}, to={top}")
    values = backend.get_rng(generator).integers(low, top, self.shape, dtype=np.int64 if top <= 2**63 else np.uint64)
    return _overwrite(self, leaf(values.astype(self.array.dtype)), "random_")
