r"""Drawing from distributions, as PyTorch's ``normal``, ``bernoulli``, ``poisson`` and ``multinomial``.

Every draw reads deltanet's default generator (``dn.manual_seed``), or ``generator=`` (a
``dn.Generator``, a ``numpy.random.Generator`` or an int seed). The numbers are NumPy's: the same
seed gives other numbers than PyTorch's generator.

A draw is not differentiable in its parameters: as in PyTorch, ``normal(mean, std)`` with a
``mean`` that requires grad gives a result that requires grad, and ``backward`` gives ``mean`` and
``std`` a gradient of zero (``RandomDraw``). The reparameterized draw, whose gradient flows, is
written out: ``mean + std * dn.randn_like(std)`` (``Normal(mean, std).rsample()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.factories import _finish, _float_dtype, _shape
from deltanet.autograd.function import Function, no_grad
from deltanet.autograd.tensor import Tensor, leaf


class RandomDraw(Function):
    r"""z = ``values``, a draw from a distribution whose parameters are the inputs.

    $\partial z / \partial \theta = 0$ for every parameter $\theta$: PyTorch's rule for ``normal``,
    ``bernoulli`` and ``poisson`` (a sample is not a function of its parameters; the gradient of a
    reparameterized sample is written with ``randn_like``)."""

    def forward(self, *params: np.ndarray, values: np.ndarray) -> np.ndarray:
        self.params = [(p.shape, p.dtype) for p in params]
        return values

    def backward(self, delta: np.ndarray) -> tuple:
        return tuple(
            np.zeros(shape, dtype=dtype) if need else None
            for (shape, dtype), need in zip(self.params, self.needs_input_grad, strict=True)
        )


def _float_tensor(value: Any, name: str, owner: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{owner}(): {name} must be a tensor, got {type(value).__name__}")
    if value.array.dtype.kind != "f":
        raise ValueError(f"{owner}(): {name} must be a floating-point tensor, got dtype {value.dtype}")
    return value


def _into_out(result: Tensor, out: Any, owner: str) -> Tensor:
    """PyTorch's ``out=``: the result written into ``out`` (same shape), which is returned."""
    if out is None:
        return result
    if not isinstance(out, Tensor) or out.shape != result.shape:
        got = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(f"{owner}(): out must be a tensor of the result's shape {result.shape}, got {got}")
    with no_grad():
        out.copy_(result.detach())
    return out


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    out: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""Normal random values $z = \mu + \sigma \varepsilon$, $\varepsilon \sim \mathcal{N}(0, 1)$,
    with PyTorch's four forms.

    ``normal(mean_tensor, std_tensor)`` (broadcast), ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)`` and ``normal(mean, std, size)`` with two numbers. The result has
    the dtype of the tensor ``mean`` (else of the tensor ``std``; float32 for two numbers, unless
    ``dtype``). Its gradient with respect to ``mean`` and ``std`` is zero, as in PyTorch.

    Args:
        mean: the mean $\mu$: a float tensor or a number.
        std: the standard deviation $\sigma \ge 0$: a float tensor or a number.
        size: the shape, with two numbers only (required then).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).
        out: a tensor of the result's shape to write the values into (it is returned).
        dtype: float32 (default) or float64, with two numbers only.
        device: only ``"cpu"`` (or None).
        requires_grad: with two numbers only: whether the new tensor requires grad.

    Raises:
        TypeError: two numbers without ``size``, or ``size``/``dtype``/``requires_grad`` with a tensor.
        ValueError: ``std`` below 0, an integer tensor, or an ``out`` of another shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.normal(2.0, 3.0, size=(1, 4), generator=0).shape
        (1, 4)
        >>> dn.normal(dn.zeros(3), dn.tensor([0.0, 0.0, 0.0])).tolist()
        [0.0, 0.0, 0.0]
    """
    backend.check_device(device)
    rng = backend.get_rng(generator)
    params = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not params:
        if size is None:
            raise TypeError(
                "normal(): with a number for both mean and std give the shape, as normal(mean, std, size); "
                "or give mean or std as a tensor"
            )
        m = check.number(mean, "mean", "normal")
        s = check.number(std, "std", "normal", low=0)
        kind = _float_dtype(dtype, "normal")
        values = (m + s * rng.standard_normal(_shape((), size, "normal"), dtype=kind)).astype(kind, copy=False)
        return _into_out(_finish(values, check.flag(requires_grad, "requires_grad", "normal"), "normal"), out, "normal")
    if size is not None or dtype is not None or requires_grad:
        raise TypeError(
            "normal(): size, dtype and requires_grad go with a number for both mean and std; "
            "with a tensor mean or std the result takes its shape and dtype"
        )
    m_arr: Any
    s_arr: Any
    if isinstance(mean, Tensor):
        m_arr, kind = _float_tensor(mean, "mean", "normal").array, mean.array.dtype
    else:
        m_arr = check.number(mean, "mean", "normal")
    if isinstance(std, Tensor):
        s_arr = _float_tensor(std, "std", "normal").array
        kind = kind if isinstance(mean, Tensor) else std.array.dtype
        if s_arr.size and np.nanmin(s_arr) < 0:
            raise ValueError(f"normal(): std must be >= 0 everywhere, got a value of {np.nanmin(s_arr)}")
    else:
        s_arr = check.number(std, "std", "normal", low=0)
    try:
        shape = np.broadcast_shapes(np.shape(m_arr), np.shape(s_arr))
    except ValueError:
        raise ValueError(
            f"normal(): mean of shape {np.shape(m_arr)} and std of shape {np.shape(s_arr)} do not broadcast"
        ) from None
    values = (m_arr + s_arr * rng.standard_normal(shape, dtype=kind)).astype(kind, copy=False)
    return _into_out(RandomDraw.apply(*params, values=values), out, "normal")


def _probability(p: Any, owner: str) -> Any:
    """A number in [0, 1], or the array of a float tensor of values in [0, 1]."""
    if isinstance(p, Tensor):
        arr = p.array
        if arr.dtype.kind != "f":
            raise ValueError(f"{owner}(): p must be a floating-point tensor, got dtype {p.dtype}")
        if arr.size and not ((arr >= 0) & (arr <= 1)).all():
            raise ValueError(
                f"{owner}(): p must hold probabilities in [0, 1], got values from {arr.min()} to {arr.max()}"
            )
        return arr
    return check.number(p, "p", owner, low=0, high=1)


def bernoulli(input: Any, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    r"""Random zeros and ones, $z_i = 1$ with probability $p_i$ (``input``'s values, or ``p``).

    ``bernoulli(probs)`` draws each element with its own probability; ``bernoulli(x, p)`` fills
    ``x``'s shape with a probability ``p`` (a number). The result has ``input``'s dtype; its
    gradient with respect to ``input`` is zero, as in PyTorch.

    Args:
        input: a float tensor: the probabilities (in $[0, 1]$), or the shape and dtype when ``p``
            is given.
        p: one probability for every element (a number in $[0, 1]$).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).
        out: a tensor of ``input``'s shape to write the values into (it is returned).

    Raises:
        TypeError: ``input`` is not a tensor.
        ValueError: an integer ``input``, or probabilities outside $[0, 1]$.

    Examples:
        >>> import deltanet as dn
        >>> dn.bernoulli(dn.tensor([0.0, 1.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    x = _float_tensor(input, "input", "bernoulli")
    prob = _probability(x if p is None else p, "bernoulli")
    u = backend.get_rng(generator).random(x.shape)
    values = (u < prob).astype(x.array.dtype)
    return _into_out(RandomDraw.apply(x, values=values), out, "bernoulli")


def poisson(input: Any, generator: Any = None) -> Tensor:
    r"""Poisson random counts $z_i \sim \text{Poisson}(\lambda_i)$, $\lambda$ = ``input``, as floats
    of ``input``'s dtype (gradient zero, as in PyTorch).

    Args:
        input: the rates $\lambda \ge 0$, a float tensor.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Raises:
        ValueError: a negative rate, or an integer tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.poisson(dn.tensor([0.0, 0.0])).tolist()
        [0.0, 0.0]
    """
    rates = _float_tensor(input, "input", "poisson")
    if rates.array.size and not (rates.array >= 0).all():
        raise ValueError(f"poisson(): the rates must be >= 0, got a value of {np.nanmin(rates.array)}")
    values = np.asarray(backend.get_rng(generator).poisson(rates.array)).astype(rates.array.dtype)  # 0-d: an int
    return RandomDraw.apply(rates, values=values)


def binomial(count: Any, prob: Any, generator: Any = None) -> Tensor:
    r"""Binomial random counts: successes in ``count`` trials of probability ``prob`` each,
    $P(k) = \binom{n}{k} p^k (1 - p)^{n - k}$, as floats of ``count``'s dtype (gradient zero).

    Args:
        count: the numbers of trials $n \ge 0$ (whole numbers in a float tensor).
        prob: the success probabilities $p \in [0, 1]$ (a float tensor that broadcasts with ``count``).
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).

    Raises:
        ValueError: a negative or fractional count, a probability outside $[0, 1]$, or shapes
            that do not broadcast.

    Examples:
        >>> import deltanet as dn
        >>> dn.binomial(dn.tensor([5.0, 3.0]), dn.tensor([1.0, 0.0])).tolist()
        [5.0, 0.0]
    """
    n = _float_tensor(count, "count", "binomial")
    p = _float_tensor(prob, "prob", "binomial")
    if n.array.size and not ((n.array >= 0) & (n.array == np.floor(n.array))).all():
        raise ValueError("binomial(): count must hold whole numbers >= 0")
    probs = _probability(p, "binomial")
    try:
        shape = np.broadcast_shapes(n.shape, p.shape)
    except ValueError:
        raise ValueError(f"binomial(): count of shape {n.shape} and prob of shape {p.shape} do not broadcast") from None
    draws = backend.get_rng(generator).binomial(np.broadcast_to(n.array, shape).astype(np.int64), probs, shape)
    return RandomDraw.apply(n, p, values=np.asarray(draws).astype(n.array.dtype))


def multinomial(
    input: Any, num_samples: Any, replacement: bool = False, *, generator: Any = None, out: Any = None
) -> Tensor:
    r"""Category indices drawn with probabilities proportional to the rows of ``input``:
    $P(k) = w_k / \sum_j w_j$.

    Without replacement, a category is drawn at most once per row (the draws of PyTorch's CPU
    kernel: the ``num_samples`` largest $w_k / e_k$, $e_k \sim \text{Exp}(1)$); with it, each draw is
    independent. The weights need not sum to 1.

    Args:
        input: the non-negative weights, 1-D (categories) or 2-D (rows of categories), float.
        num_samples: how many indices per row (at most the number of categories without
            replacement).
        replacement: draw with replacement.
        generator: a ``dn.Generator``, ``numpy.random.Generator`` or int seed (default: deltanet's).
        out: an int64 tensor of the result's shape to write the indices into (it is returned).

    Shape:
        - input: $(K)$ or $(N, K)$.
        - output: $(S)$ or $(N, S)$, int64, $S$ = ``num_samples``.

    Raises:
        ValueError: weights that are negative, infinite or NaN, a row that sums to 0, an integer
            or 3-D input, ``num_samples`` < 1, or more samples than categories without replacement.

    Examples:
        >>> import deltanet as dn
        >>> dn.multinomial(dn.tensor([0.0, 5.0, 0.0]), 2, replacement=True).tolist()
        [1, 1]
        >>> sorted(dn.multinomial(dn.tensor([1.0, 1.0, 1.0]), 3).tolist())
        [0, 1, 2]
    """
    w = _float_tensor(input, "input", "multinomial").array
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial(): input must be 1-D or 2-D (rows of category weights), got {w.ndim}-D")
    n = check.integer(num_samples, "num_samples", "multinomial", low=1)
    replacement = check.flag(replacement, "replacement", "multinomial")
    rows = np.asarray(w, dtype=np.float64).reshape(-1, w.shape[-1])
    k = rows.shape[1]
    if not replacement and n > k:
        raise ValueError(
            f"multinomial(): cannot draw {n} samples from {k} categories without replacement; "
            f"pass replacement=True or ask for at most {k}"
        )
    if rows.size and not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise ValueError("multinomial(): the weights must be finite and >= 0 (got inf, NaN or a negative value)")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError(
            f"multinomial(): every row of weights must sum to more than 0; row {int(np.argmax(totals <= 0))} sums to 0"
        )
    rng = backend.get_rng(generator)
    if not rows.shape[0]:  # a 2-D input without rows: nothing to draw
        index = np.empty((0, n), dtype=np.int64)
    elif replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((rows.shape[0], n)) * totals[:, None]
        last = k - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)  # a rounding at the top lands on a category > 0
        index = np.stack([np.searchsorted(c, x, side="right") for c, x in zip(cdf, u, strict=True)]).reshape(-1, n)
        index = np.minimum(index, last[:, None])
    else:
        keys = rows / rng.exponential(size=rows.shape)
        index = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    result = leaf(index.astype(backend.INDEX_DTYPE).reshape(w.shape[:-1] + (n,)))
    return _into_out(result, out, "multinomial")
