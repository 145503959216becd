r"""``torch.nn.utils``'s gradient clipping and parameter flattening: ``clip_grad_norm_`` (and its
deprecated name ``clip_grad_norm``), ``clip_grad_value_``, ``parameters_to_vector`` and
``vector_to_parameters``.

Clipping by norm (Pascanu, Mikolov & Bengio 2013) rescales all gradients together when their
joint norm exceeds a bound, so that one exploding step cannot throw the weights far away while
the direction of the step is kept:

$$
g \leftarrow g \cdot \min\left(1, \frac{\text{max\_norm}}{\lVert g \rVert_p + 10^{-6}}\right)
$$

Call it between ``loss.backward()`` and ``optimizer.step()``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Tensor, cat


def _tensors(parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _grad(p: Tensor) -> np.ndarray | None:
    """The gradient array of ``p``, or None where backward left none."""
    return None if p.grad is None else p.grad.array


def _norm_order(norm_type: Any, owner: str) -> float:
    r"""The order $p$ of a norm: any number or an infinity (also as PyTorch's string "inf"); as
    PyTorch's ``vector_norm``, 0 counts the nonzero values and a negative $p$ is
    $(\sum |x|^p)^{1/p}$."""
    if isinstance(norm_type, str):
        try:
            norm_type = float(norm_type)  # PyTorch's float(norm_type): "inf", "2"
        except ValueError:
            raise ValueError(f"{owner}: norm_type must be a number or 'inf', got {norm_type!r}") from None
    if check.is_number(norm_type) and math.isinf(norm_type):
        return float(norm_type)
    return check.number(norm_type, "norm_type", owner)


def _number(value: Any, name: str, owner: str, low: float) -> float:
    """A bound given as a number or a one-element tensor (PyTorch takes both), checked."""
    if isinstance(value, Tensor) and value.array.size == 1:
        value = value.array.item()
    return check.number(value, name, owner, low=low)


def get_total_norm(
    tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: Any = None
) -> Tensor:
    r"""The joint $p$-norm of ``tensors``, as if they were one vector (PyTorch 2.6's
    ``torch.nn.utils.get_total_norm``, the first half of ``clip_grad_norm_``):

    $$
    \lVert g \rVert_p = \Big(\sum_i \lVert g_i \rVert_p^p\Big)^{1/p}, \qquad
    \lVert g \rVert_\infty = \max_i \max |g_i|
    $$

    Args:
        tensors: a tensor or an iterable of tensors (the gradients: ``[p.grad for p in ...]``).
        norm_type: $p$ (default 2), or ``float("inf")`` (also ``"inf"``) for the largest absolute value;
            0 counts the tensors with a nonzero norm and a negative $p$ is $(\sum |x|^p)^{1/p}$, as PyTorch's.
        error_if_nonfinite: raise if the norm is NaN or infinite.
        foreach: accepted for PyTorch's signature; ignored.

    Returns:
        The norm, a 0-D tensor of the tensors' widest dtype, as PyTorch (0 for no tensors).

    Raises:
        ValueError: ``norm_type`` is not a number.
        RuntimeError: ``error_if_nonfinite`` and the norm is NaN or infinite.

    Examples:
        >>> import deltanet as dn
        >>> dn.nn.utils.get_total_norm([dn.tensor([3.0]), dn.tensor([4.0])]).item()
        5.0
    """
    owner = "get_total_norm"
    p = _norm_order(norm_type, owner)
    arrays = [t.array if isinstance(t, Tensor) else np.asarray(t) for t in _tensors(tensors) if t is not None]
    return _total_norm(arrays, p, norm_type, error_if_nonfinite, owner)


def _total_norm(arrays: list[np.ndarray], p: float, norm_type: Any, error_if_nonfinite: bool, owner: str) -> Tensor:
    if not arrays:
        return Tensor._make(np.array(0.0, dtype=backend.DEFAULT_DTYPE))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # 0 ** -1 is inf: a norm of order < 0 is 0
        # np.max/np.min over the per-tensor norms, not Python's max/min, which skip a NaN that comes
        # second (max(1.0, nan) is 1.0): a NaN gradient anywhere makes the total NaN, as in PyTorch.
        if p == math.inf:
            total = float(np.max([np.abs(g).max(initial=0.0) for g in arrays]))
        elif p == -math.inf:
            total = float(np.min([np.abs(g).min(initial=np.inf) for g in arrays]))
        elif p == 0:  # PyTorch's vector_norm of order 0 counts nonzeros: here the tensors with a nonzero norm
            total = float(sum(bool(np.any(g != 0)) for g in arrays))
        else:
            norms = [np.sum(np.abs(g) ** p) for g in arrays]
            total = float(np.sum(norms) ** (1.0 / p))
    if not math.isfinite(total) and check.flag(error_if_nonfinite, "error_if_nonfinite", owner):
        raise RuntimeError(
            f"{owner}: the total norm of order {norm_type} of the gradients is {total}, so they cannot be "
            f"clipped; set error_if_nonfinite=False to go on with NaN gradients"
        )
    # PyTorch stacks the norms of the tensors: float64 where any is float64.
    return Tensor._make(np.array(total, dtype=np.result_type(*(a.dtype for a in arrays))))


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Any, foreach: Any = None) -> None:
    r"""Scale the gradients in place by $\min(1, \text{max\_norm} / (\text{total\_norm} + 10^{-6}))$
    (PyTorch 2.6's second half of ``clip_grad_norm_``, for a norm computed elsewhere: over several
    models, or across the ranks of a job).

    Args:
        parameters: a tensor or an iterable of tensors (``model.parameters()``).
        max_norm: the largest norm allowed, $\ge 0$.
        total_norm: the norm of all the gradients (a number or a 0-D tensor, from ``get_total_norm``).
        foreach: accepted for PyTorch's signature; ignored.

    Raises:
        ValueError: ``max_norm`` or ``total_norm`` is not a number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> (w * dn.tensor([3.0, 4.0])).sum().backward()
        >>> dn.nn.utils.clip_grads_with_norm_([w], 1.0, dn.nn.utils.get_total_norm([w.grad]))
        >>> np.round(np.asarray(w.grad), 4).tolist()
        [0.6, 0.8]
    """
    owner = "clip_grads_with_norm_"
    max_norm = _number(max_norm, "max_norm", owner, low=0)
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    grads = [g for g in (_grad(t) for t in _tensors(parameters)) if g is not None]
    # As PyTorch: an infinite norm gives the factor 0 (inf * 0 = NaN where the gradient is inf), a
    # NaN norm the factor NaN.
    coef = float(np.minimum(1.0, max_norm / (total + 1e-6)))
    with np.errstate(invalid="ignore"):
        for g in grads:
            g *= g.dtype.type(coef)  # in place: the optimizer reads these arrays


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    r"""Rescale the gradients in place so that their joint norm is at most ``max_norm``.

    $$
    \lVert g \rVert_p = \Big(\sum_i \lVert g_i \rVert_p^p\Big)^{1/p}, \qquad
    g_i \leftarrow g_i \cdot \min\left(1, \frac{\text{max\_norm}}{\lVert g \rVert_p + 10^{-6}}\right)
    $$

    over the gradients $g_i$ of all the parameters (as if they were one vector), with
    $\lVert g \rVert_\infty = \max_i \max |g_i|$. Parameters without a gradient are skipped. It is
    ``get_total_norm`` of the gradients, then ``clip_grads_with_norm_``, as in PyTorch.

    Args:
        parameters: a tensor or an iterable of tensors (``model.parameters()``).
        max_norm: the largest norm allowed, $\ge 0$ (a number or a one-element tensor; a negative one,
            which PyTorch accepts and which flips the gradients, is refused).
        norm_type: $p$ (default 2), or ``float("inf")`` (also ``"inf"``) for the largest absolute value.
        error_if_nonfinite: raise if the norm is NaN or infinite (by default the gradients then
            become NaN, as in PyTorch).
        foreach: accepted for PyTorch's signature; ignored.

    Returns:
        The joint norm before clipping, a 0-D tensor (``.item()`` gives the number), as PyTorch.

    Raises:
        ValueError: ``max_norm`` or ``norm_type`` is not a number.
        RuntimeError: ``error_if_nonfinite`` and the norm is NaN or infinite.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> (w * dn.tensor([3.0, 4.0])).sum().backward()
        >>> dn.nn.utils.clip_grad_norm_([w], max_norm=1.0).item()
        5.0
        >>> np.round(np.asarray(w.grad), 4).tolist()
        [0.6, 0.8]
    """
    owner = "clip_grad_norm_"
    max_norm = _number(max_norm, "max_norm", owner, low=0)
    p = _norm_order(norm_type, owner)
    parameters = _tensors(parameters)  # read once: a generator (model.parameters()) is used twice
    grads = [g for g in (_grad(t) for t in parameters) if g is not None]
    total = _total_norm(grads, p, norm_type, error_if_nonfinite, owner)
    if grads:
        clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    r"""PyTorch's deprecated name of ``clip_grad_norm_`` (it warns with PyTorch's ``FutureWarning``).

    Args:
        parameters: a tensor or an iterable of tensors (``model.parameters()``).
        max_norm: the largest norm allowed, $\ge 0$.
        norm_type: $p$ (default 2), or ``float("inf")``.
        error_if_nonfinite: raise if the norm is NaN or infinite.
        foreach: accepted for PyTorch's signature; ignored.

    Returns:
        The joint norm before clipping, a 0-D tensor.

    Examples:
        >>> import warnings, numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> (w * dn.tensor([3.0, 4.0])).sum().backward()
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     dn.nn.utils.clip_grad_norm([w], 1.0).item()
        5.0
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Any, clip_value: float, foreach: Any = None) -> None:
    r"""Clip every gradient element to $[-c, c]$ in place: $g \leftarrow \mathrm{clip}(g, -c, c)$.

    Args:
        parameters: a tensor or an iterable of tensors.
        clip_value: $c \ge 0$ (a number or a one-element tensor; ``inf`` leaves the gradients as they
            are; a negative or NaN one, which PyTorch turns into constant gradients, is refused).
        foreach: accepted for PyTorch's signature; ignored.

    Raises:
        ValueError: ``clip_value`` is not a non-negative number.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> (w * dn.tensor([3.0, -0.5])).sum().backward()
        >>> dn.nn.utils.clip_grad_value_([w], 1.0)
        >>> np.asarray(w.grad).tolist()
        [1.0, -0.5]
    """
    c = clip_value.array.item() if isinstance(clip_value, Tensor) and clip_value.array.size == 1 else clip_value
    if not (check.is_number(c) and c == math.inf):  # inf leaves the gradients as they are, as in PyTorch
        c = _number(c, "clip_value", "clip_grad_value_", low=0)
    for t in _tensors(parameters):
        g = _grad(t)
        if g is not None:
            np.clip(g, -c, c, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    r"""All parameters' values concatenated into one vector (a copy), in order.

    As in PyTorch it is ``cat([p.view(-1) for p in parameters])``: differentiable, so a loss of the
    vector (a penalty on all weights, a natural-gradient step) sends gradients to the parameters.

    Args:
        parameters: an iterable of tensors.

    Returns:
        A 1-D tensor of $\sum_i |\theta_i|$ values (requiring a gradient when a parameter does).

    Examples:
        >>> import deltanet as dn
        >>> v = dn.nn.utils.parameters_to_vector(dn.nn.Linear(2, 3).parameters())
        >>> v.shape, v.requires_grad
        ((9,), True)
    """
    tensors = _tensors(parameters)
    if not tensors:
        return Tensor._make(np.zeros(0, dtype=backend.DEFAULT_DTYPE))
    return cat([t.reshape(-1) for t in tensors])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    r"""Give the parameters, in order, the values of the vector ``vec``, as PyTorch does: each
    parameter's ``data`` becomes its piece of ``vec`` (``param.array = vec[i:j].view_as(param)``).

    So, as in PyTorch, the parameters take ``vec``'s dtype (a float64 vector makes float64
    parameters) and share its memory, and their old arrays are left as they were: a graph that
    saved them still backpropagates with the old values, and no version changes.

    Args:
        vec: a 1-D tensor (or array) of exactly as many values as the parameters hold.
        parameters: an iterable of tensors.

    Raises:
        ValueError: ``vec`` is not 1-D or has the wrong length.
        RuntimeError: ``vec`` is not floating-point (PyTorch's refusal).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> layer = dn.nn.Linear(2, 1)
        >>> dn.nn.utils.vector_to_parameters(np.arange(3.0), layer.parameters())
        >>> layer.weight.array.tolist(), layer.bias.array.tolist(), layer.weight.dtype
        ([[0.0, 1.0]], [2.0], dtype('float64'))
    """
    values = np.asarray(vec.array if isinstance(vec, Tensor) else vec)
    if values.dtype.kind not in "fc":  # PyTorch: "data set to a tensor that requires gradients must be floating point"
        raise RuntimeError(f"vector_to_parameters: vec must be a floating-point vector, got dtype {values.dtype}")
    tensors = _tensors(parameters)
    needed = sum(t.size for t in tensors)
    if values.ndim != 1 or values.size != needed:
        raise ValueError(f"vector_to_parameters: expected a vector of {needed} values, got shape {values.shape}")
    offset = 0
    for t in tensors:
        t.array = values[offset : offset + t.size].reshape(t.shape)  # PyTorch's param.data = ...
        offset += t.size


__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]
