r"""``gradcheck``: compare backpropagated gradients with central finite differences.

For a function $f$ of tensors $x_1, \dots, x_k$, draw a fixed random cotangent $r$ of $f$'s
output shape and compare, for every input element $x_i$, the analytic derivative of
$L = \sum r \odot f(x)$ (one backward pass) with the central difference

$$
\frac{\partial L}{\partial x_i} \approx \frac{L(x + \epsilon e_i) - L(x - \epsilon e_i)}{2 \epsilon}.
$$

A random $r$ exercises every output at once, as JAX's ``check_grads`` does; PyTorch's defaults
``eps=1e-6, atol=1e-5, rtol=1e-3`` apply, and they are meant for float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from deltanet.autograd import Tensor, no_grad


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with the finite-difference one.

    An ``AssertionError``; the message names the input, the index and both values.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> dn.gradcheck(lambda t: dn.tensor(t.array ** 2), [x])  # leaves the graph: no gradient
        Traceback (most recent call last):
        ...
        deltanet.diagnostics.gradcheck.GradcheckError: gradcheck failed for input 0 (shape (2,)) at index (0,): ...
    """


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    r"""Check ``fn``'s backward pass against central differences, in float64.

    An element passes when

    $$
    |g_{analytic} - g_{numeric}| \le \text{atol} + \text{rtol} \, |g_{numeric}|,
    $$

    with $g_{numeric}$ the central difference of step $\epsilon$ (see the module docstring).

    Args:
        fn: maps the input tensors to one output tensor (any shape).
        inputs: the tensors to differentiate; those with ``requires_grad=True`` are checked.
            They must be float64: float32 rounding swamps a difference of step 1e-6.
        eps: the step $\epsilon$ of the central difference.
        atol: the absolute tolerance.
        rtol: the relative tolerance.
        seed: seed of the random cotangent.
        raise_exception: raise ``GradcheckError`` on a mismatch (else return False).

    Returns:
        True when every checked element agrees.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> x = dn.tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> dn.gradcheck(lambda t: (t * t).sigmoid(), [x])
        True
        >>> dn.gradcheck(lambda t: dn.tensor(t.array ** 2), [x], raise_exception=False)
        False
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck needs at least one input tensor with requires_grad=True")
    for t in checked:
        if t.dtype != np.float64:
            raise ValueError(f"gradcheck needs float64 inputs, got {t.dtype}; create them with dtype=numpy.float64")

    for t in checked:
        if not t.array.flags.c_contiguous:  # so that reshape(-1) below is a view
            t.array = t.array.copy(order="C")
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise ValueError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)

    # The analytic gradients are read from .grad; the inputs' own .grad is given back afterwards
    # (PyTorch's gradcheck leaves it untouched: a backward() after the check must not add to ours).
    kept = [t.grad for t in checked]
    for t in checked:
        t.grad = None
    try:
        if out.requires_grad:
            (out * Tensor._make(cotangent)).sum().backward()
        analytic = [
            np.zeros(t.shape) if t.grad is None else np.asarray(t.grad.array, dtype=np.float64) for t in checked
        ]
    finally:
        for t, grad in zip(checked, kept):
            t.grad = grad
    return _compare(inputs, analytic, fn, cotangent, eps, atol, rtol, raise_exception)


def _compare(
    inputs: list,
    analytic: list[np.ndarray],
    fn: Callable[..., Tensor],
    cotangent: np.ndarray,
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> bool:
    """Central differences of each checked input, against its ``analytic`` gradient (in order)."""
    gradients = iter(analytic)

    def objective() -> float:
        with no_grad():
            return float(np.sum(fn(*inputs).array * cotangent))

    for position, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        g = next(gradients)
        numeric = np.zeros(t.shape)
        flat = t.array.reshape(-1)  # a view: we perturb the input in place
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = objective()
            flat[i] = original - eps
            minus = objective()
            flat[i] = original
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        bad = np.abs(g - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            if not raise_exception:
                return False
            where = np.unravel_index(np.argmax(bad), t.shape)
            raise GradcheckError(
                f"gradcheck failed for input {position} (shape {t.shape}) at index {tuple(map(int, where))}: "
                f"backward gives {g[where]:.8g}, central differences give {numeric[where]:.8g} "
                f"({int(bad.sum())} of {bad.size} elements disagree)"
            )
    return True
