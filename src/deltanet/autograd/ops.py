r"""The elementwise and matrix primitives that ``Tensor``'s operators rest on, one ``Function`` each.

Every ``backward`` receives $\delta = \partial L / \partial z$ for the output $z$ and returns
$\partial L / \partial x$ for each input $x$. Binary ops broadcast like NumPy, so their gradients
are summed back to each input's shape (``unbroadcast``). Derivatives are written from the forward
output $a$ where it determines them, as the seeds write them: $\sigma'(z) = a(1 - a)$,
$\tanh'(z) = 1 - a^2$, $\mathrm{relu}'(z) = [a > 0]$, $\sqrt{x}' = 1 / (2a)$. At the points where a
derivative is undefined they take PyTorch's values (stated in each docstring), so that gradients
match PyTorch's everywhere.

Reductions are in ``reductions.py``, shape ops in ``shapes.py``, the public functions built on
these in ``elementwise.py``. A backward never writes into ``delta``: the engine may hand the same
array to several inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.autograd.dead_units import live_mask, pass_live
from deltanet.autograd.function import Function
from deltanet.backend import maximum_zero


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``.

    The gradient rule of broadcasting: an input that was repeated along an axis receives the
    sum of the deltas of all its copies.

    Args:
        grad: the gradient with respect to the broadcast result.
        shape: the shape of the input before broadcasting.

    Returns:
        An array of shape ``shape`` (``grad`` itself when the shapes already match).

    Shape:
        - grad: the broadcast shape, e.g. $(N, C)$.
        - output: ``shape``, e.g. $(1, C)$ or $(C,)$.

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd import unbroadcast
        >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
        [4.0, 4.0, 4.0]
        >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
        (4, 1)
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


# -- elementwise ---------------------------------------------------------------------------------
class Add(Function):
    """z = x + y."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.shapes = x.shape, y.shape
        return x + y

    def backward(self, delta: np.ndarray) -> tuple:
        sx, sy = self.shapes
        gx = unbroadcast(delta, sx) if self.needs_input_grad[0] else None
        gy = unbroadcast(delta, sy) if self.needs_input_grad[1] else None
        return gx, gy


class Neg(Function):
    """z = -x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return -delta


class Mul(Function):
    """z = x * y; each input keeps only the other, and only when its own gradient is wanted."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        needs = self.needs_input_grad
        self.shapes = x.shape, y.shape
        self.save_for_backward(x if needs[1] else None, y if needs[0] else None)
        return x * y

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        sx, sy = self.shapes
        gx = unbroadcast(delta * y, sx) if self.needs_input_grad[0] else None
        gy = unbroadcast(delta * x, sy) if self.needs_input_grad[1] else None
        return gx, gy


class Div(Function):
    r"""$z = x / y$; $\partial z / \partial x = 1 / y$ and $\partial z / \partial y = -x / y^2 = -z / y$.

    One correctly rounded division, as PyTorch's (``x * y ** -1`` rounds twice and can differ in
    the last bit). Division by zero gives $\pm\infty$ or NaN silently, as in PyTorch; the NaN
    checks of ``fit`` and the Monitor are where such values are caught.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.shapes = x.shape, y.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            z = x / y
        self.save_for_backward(y, z if self.needs_input_grad[1] else None)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        y, z = self.saved_tensors
        sx, sy = self.shapes
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gx = unbroadcast(delta / y, sx) if self.needs_input_grad[0] else None
            gy = unbroadcast(-delta * (z / y), sy) if self.needs_input_grad[1] else None
        return gx, gy


class Pow(Function):
    r"""$z = x^p$ for a constant exponent $p$; $\partial z / \partial x = p \, x^{p-1}$, and 0 for
    $p = 0$ (PyTorch's value, also at $x = 0$).

    Negative bases are fine for integer-valued $p$. An integer tensor to an integer power stays an
    integer tensor, as in PyTorch.
    """

    def forward(self, x: np.ndarray, exponent: Any) -> np.ndarray:
        self.save_for_backward(x)
        self.exponent = exponent
        if x.dtype.kind != "f" and not float(exponent).is_integer():
            x = x.astype(backend.DEFAULT_DTYPE)  # an integer tensor to a fractional power: the default dtype
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 = inf, (-1) ** 0.5 = nan, silently
            return np.power(x, exponent)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return np.zeros_like(delta)
        if p == 2:
            return delta * (2 * x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return delta * (p * x ** (p - 1))


class PowTensor(Function):
    r"""$z = x^y$ with both base and exponent tensors (broadcast):
    $\partial z / \partial x = y \, x^{y-1}$ (0 where $y = 0$) and
    $\partial z / \partial y = z \ln x$ (0 where $x = 0$ and $y \ge 0$), PyTorch's values.

    For a negative base the power is exact for integer-valued $y$ and NaN otherwise; its
    derivative with respect to $y$ is NaN there ($\ln x$ of a negative number), as in PyTorch.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.dtype.kind in "iu" and y.dtype.kind == "i" and (y < 0).any():
            z = integer_power(x, y)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.power(x, y)
        self.save_for_backward(x, y, z)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        x, y, z = self.saved_tensors
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                gx = unbroadcast(np.where(y == 0, 0, delta * (y * np.power(x, y - 1))), x.shape)
            if self.needs_input_grad[1]:
                gy = unbroadcast(np.where((x == 0) & (y >= 0), 0, delta * (z * np.log(x))), y.shape)
        return _like(gx, x), _like(gy, y)


def integer_power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""$x^y$ of integers where some $y < 0$, as PyTorch's integer kernel (NumPy raises): 1 for
    $x = 1$, $\pm 1$ by the parity of $y$ for $x = -1$, and 0 for any other base (0 included)."""
    x, y = np.broadcast_arrays(x, y)
    negative = y < 0
    z = np.power(x, np.where(negative, 0, y).astype(y.dtype))
    odd = (y % 2) != 0
    at_negative = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)).astype(z.dtype)
    return np.where(negative, at_negative, z)


def _like(g: np.ndarray | None, x: np.ndarray) -> np.ndarray | None:
    """``g`` in ``x``'s dtype (np.where with a Python 0 may promote a float32 gradient)."""
    return g if g is None or g.dtype == x.dtype or x.dtype.kind != "f" else g.astype(x.dtype)


class Exp(Function):
    r"""$a = e^x$; $\partial a / \partial x = a$. Past the largest float (float32: $x > 88.7$) $a$ is
    $\infty$, silently, as PyTorch's (NumPy would warn)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            a = np.exp(x)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):  # 0 * inf = NaN, as PyTorch gives
            return delta * a


class Log(Function):
    r"""$a = \ln x$; $\partial a / \partial x = 1/x$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = NaN, silently as PyTorch
            return np.log(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta / x


class Tanh(Function):
    r"""$a = \tanh z$; $\partial a / \partial z = 1 - a^2$."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = np.tanh(z)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        return delta * (1 - a * a)


class Sigmoid(Function):
    r"""$a = 1 / (1 + e^{-z})$; $\partial a / \partial z = a (1 - a)$.

    Computed as $1/(1 + e^{-z})$, which keeps full relative precision for very negative $z$; where
    $e^{-z}$ overflows (float32: $z < -88.7$) it is $1/\infty = 0$, as in PyTorch, with no warning.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = stable_sigmoid(z)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        if delta.dtype != a.dtype:
            return delta * (a * (1 - a))
        g = 1 - a  # delta * (a * (1 - a)), the same products, in one new array instead of three
        g *= a
        g *= delta
        return g


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function $1/(1 + e^{-z})$ without overflow (see ``Sigmoid``)."""
    # Into a new array (not np.negative(z), which gives a NumPy scalar for a 0-d z), stored in z's
    # memory order: a convolution's output is batch-innermost, and the pooling after it reads that.
    a = np.negative(z, out=np.empty_like(z, z.dtype if z.dtype.kind == "f" else np.float64))
    # e^-z overflows to inf past -z = 88.7 (float32) or 709.8 (float64), and 1/(1 + inf) = 0, the
    # value PyTorch gives there too; the true value is below the smallest normal number. Silencing
    # the overflow warning costs less than capping -z first (np.minimum was a third of the time).
    with np.errstate(over="ignore"):
        np.exp(a, out=a)
    a += 1
    # 1 / a as a division: the same correctly rounded quotient as np.reciprocal, which NumPy runs
    # without its vector loop (a LeNet activation of 1.2 million float32 values: 0.25 against 0.13 ms).
    return np.divide(1, a, out=a)


class ReLU(Function):
    r"""$a = \max(0, z)$; $\partial a / \partial z = 1$ where $a > 0$, else 0."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = maximum_zero(z)  # np.maximum(z, 0), through NumPy's vector loop
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        # delta * [a > 0] as PyTorch's select, exact for a NaN or infinite delta (NaN * 0 would be
        # NaN): see dead_units. The mask is [a != 0], the same for a = max(z, 0) >= 0, except that
        # a NaN unit is live, as in PyTorch (its test is a <= 0). The comparison writes the 0/1 as
        # integers itself: 1.4x faster than a product with a boolean array, converted on the fly.
        delta = delta.astype(np.result_type(delta, a), copy=False)
        live = live_mask(a, np.not_equal, 0, delta.dtype)
        return pass_live(delta, live, out=live if live.dtype != bool else None)


class Sin(Function):
    r"""$a = \sin x$; $\partial a / \partial x = \cos x$ (the sign of $\cos$ is not in $a$, so $x$ is kept)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * np.cos(x)


class Cos(Function):
    r"""$a = \cos x$; $\partial a / \partial x = -\sin x$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * -np.sin(x)


class Sqrt(Function):
    r"""$a = \sqrt{x}$; $\partial a / \partial x = 1 / (2a)$, infinite at $x = 0$ as in PyTorch."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # sqrt(-1) = NaN, silently as PyTorch
            a = np.sqrt(x)
        self.save_for_backward(a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (a,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):  # 1/(2·0) = inf, as PyTorch gives
            return delta / (2 * a)


class Abs(Function):
    r"""$a = |x|$; $\partial a / \partial x = \operatorname{sign} x$, which is 0 at $x = 0$ and at NaN
    (PyTorch's values)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * backend.sign(x)


class Clamp(Function):
    r"""$a = \min(\max(x, \text{low}), \text{high})$ for constant bounds (either may be None);
    $\partial a / \partial x = 1$ where $\text{low} \le x \le \text{high}$ (bounds included, as in
    PyTorch), else 0."""

    def forward(self, x: np.ndarray, low: Any = None, high: Any = None) -> np.ndarray:
        inside = None
        if low is not None:
            inside = x >= low
        if high is not None:
            inside = x <= high if inside is None else inside & (x <= high)
        self.save_for_backward(inside)
        return clamp_array(x, low, high)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (inside,) = self.saved_tensors
        return delta.copy() if inside is None else gated(delta, inside)


def gated(delta: np.ndarray, slope: np.ndarray) -> np.ndarray:
    r"""$\delta \cdot \text{slope}$, and 0 where the slope is 0 even for an infinite or NaN $\delta$.

    PyTorch writes the backward of a clamp or a piecewise activation as a ``where``, so a
    clamped value passes nothing back: ``x.clamp(min=0).sqrt()`` at a negative ``x`` has
    gradient 0, not ``inf * 0``. The product is kept for finite deltas (one pass).

    Examples:
        >>> import numpy as np
        >>> from deltanet.autograd.ops import gated
        >>> gated(np.array([np.inf, 2.0]), np.array([0.0, 1.0])).tolist()
        [0.0, 2.0]
    """
    if slope.dtype == bool:  # a 0/1 mask: the exact select in one pass (dead_units)
        return pass_live(delta, slope)
    with np.errstate(invalid="ignore"):  # inf * 0, replaced below
        g = delta * slope
    if not np.isfinite(g).all():
        g[np.broadcast_to(slope == 0, g.shape)] = 0
    return g


def clamp_array(x: np.ndarray, low: Any = None, high: Any = None) -> np.ndarray:
    """``np.clip`` with PyTorch's ties: where ``x`` equals a bound it is kept, so that the sign of a
    zero survives a bound of the other zero (``clamp(-0.0, min=0.0)`` is -0.0, as PyTorch's
    ``min(max(x, low), high)``; NumPy's clip gives the bound). A missing float bound is passed as
    an infinity: NumPy's clip with ``None`` takes a loop 2x slower."""
    if x.dtype.kind != "f":
        return np.clip(x, low, high)
    z = np.clip(x, -np.inf if low is None else low, np.inf if high is None else high)
    if (low is not None and np.any(np.equal(low, 0))) or (high is not None and np.any(np.equal(high, 0))):
        zeros = np.equal(x, 0)  # only a zero can tie with a zero bound and differ from it
        if zeros.any():
            np.copyto(z, x, where=zeros & (z == 0))
    return z


class Maximum(Function):
    r"""$z = \max(x, y)$ elementwise (broadcast); the larger input gets $\delta$, and where the two are
    equal each gets $\delta / 2$, as in PyTorch."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x, y)
        return np.maximum(y, x)  # x on a tie (NumPy returns its second operand): max(-0.0, 0.0) is -0.0, as PyTorch's

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        return _split_by_winner(self, delta, x, y, x < y, x > y)


class Minimum(Function):
    r"""$z = \min(x, y)$ elementwise (broadcast); the smaller input gets $\delta$, and where the two
    are equal each gets $\delta / 2$, as in PyTorch."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.save_for_backward(x, y)
        return np.minimum(y, x)  # x on a tie, as PyTorch's (see Maximum)

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        return _split_by_winner(self, delta, x, y, x > y, x < y)


def _split_by_winner(
    fn: Function, delta: np.ndarray, x: np.ndarray, y: np.ndarray, x_loses: np.ndarray, y_loses: np.ndarray
) -> tuple:
    """The gradients of an elementwise max or min: all of delta to the winner, half to each on a tie.

    PyTorch's rule is "all of delta unless the input lost", so where x or y is NaN (no one loses a
    comparison with NaN) both inputs get delta."""
    tie = x == y
    # gated: the loser gets 0 even from an infinite or NaN delta, as PyTorch's select
    gx = gy = None
    if fn.needs_input_grad[0]:
        gx = unbroadcast(gated(delta, np.where(tie, 0.5, ~x_loses).astype(delta.dtype, copy=False)), x.shape)
    if fn.needs_input_grad[1]:
        gy = unbroadcast(gated(delta, np.where(tie, 0.5, ~y_loses).astype(delta.dtype, copy=False)), y.shape)
    return gx, gy


class Where(Function):
    r"""$z = x$ where ``condition`` holds, else $y$ (broadcast); $\delta$ goes to the input that was chosen.

    ``condition`` is a boolean array (an option, not an input: it has no gradient).
    """

    def forward(self, x: np.ndarray, y: np.ndarray, condition: np.ndarray) -> np.ndarray:
        self.condition, self.shapes = condition, (x.shape, y.shape)
        return np.where(condition, x, y)

    def backward(self, delta: np.ndarray) -> tuple:
        sx, sy = self.shapes
        zero = np.zeros((), delta.dtype)
        gx = unbroadcast(np.where(self.condition, delta, zero), sx) if self.needs_input_grad[0] else None
        gy = unbroadcast(np.where(self.condition, zero, delta), sy) if self.needs_input_grad[1] else None
        return gx, gy


def _check_integer_divisor(x: np.ndarray, y: np.ndarray, op: str) -> None:
    """Integer division by zero has no value: refuse it as PyTorch does (NumPy would give 0)."""
    if x.dtype.kind in "iub" and y.dtype.kind in "iub" and not y.all():
        raise ZeroDivisionError(f"{op}: integer division by zero")


class FloorDivide(Function):
    r"""$z = \lfloor x / y \rfloor$ elementwise (broadcast), Python's ``//``.

    Like PyTorch's, it has no gradient: ``backward`` through it raises, rather than give the
    derivative of the floor (zero almost everywhere) that would silently stop learning.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        _check_integer_divisor(x, y, "floor_divide")
        with np.errstate(divide="ignore", invalid="ignore"):  # float x // 0 is inf or nan, as in PyTorch
            return np.floor_divide(x, y)

    def backward(self, delta: np.ndarray) -> tuple:
        raise RuntimeError(
            "derivative for floor_divide (//) is not implemented, as in PyTorch: the result is "
            "piecewise constant; detach() its inputs, or use div(...) where a gradient is needed"
        )


class RoundedDivide(Function):
    r"""$z = \lfloor x / y \rfloor$ (``mode="floor"``) or $x / y$ rounded toward zero (``"trunc"``),
    elementwise (broadcast): ``torch.div(x, y, rounding_mode=mode)``.

    Its gradient is 0 for both inputs, as PyTorch's is (the result is piecewise constant);
    unlike ``//``, backward through it does not raise.
    """

    def forward(self, x: np.ndarray, y: np.ndarray, mode: str) -> np.ndarray:
        _check_integer_divisor(x, y, "div")
        self.shapes = (x.shape, y.shape)
        with np.errstate(divide="ignore", invalid="ignore"):  # float x / 0 is inf or nan, as in PyTorch
            if mode == "floor":
                return np.floor_divide(x, y)
            if x.dtype.kind in "iub" and y.dtype.kind in "iub":  # integer division rounded toward zero
                q = np.floor_divide(x, y)
                return q + ((q < 0) & (q * y != x)).astype(q.dtype)
            return np.trunc(np.divide(x, y))

    def backward(self, delta: np.ndarray) -> tuple:
        sx, sy = self.shapes
        gx = np.zeros(sx, delta.dtype) if self.needs_input_grad[0] else None
        gy = np.zeros(sy, delta.dtype) if self.needs_input_grad[1] else None
        return gx, gy


class Remainder(Function):
    r"""$z = x - y \lfloor x / y \rfloor$ elementwise (broadcast), Python's ``%``: the sign of $y$.

    $\partial z / \partial x = 1$ and $\partial z / \partial y = -\lfloor x / y \rfloor$, as in PyTorch.
    """

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        _check_integer_divisor(x, y, "remainder")
        self.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # float x % 0 is nan, as in PyTorch
            z = np.remainder(x, y)
        if z.dtype.kind == "f":  # a zero result has the sign of x in PyTorch (its fmod's), of y in NumPy
            z = np.where(z == 0, np.copysign(z, x), z)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        gx = unbroadcast(delta, x.shape) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = unbroadcast(-delta * np.floor_divide(x, y), y.shape)
        return gx, gy


class Cast(Function):
    """z = x converted to another float dtype (a C-ordered copy; ``clone`` is a cast to the same
    dtype); the gradient is converted back."""

    def forward(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        self.dtype = x.dtype
        return x.astype(dtype, order="C")

    def backward(self, delta: np.ndarray) -> np.ndarray:
        return delta.astype(self.dtype)


# -- linear algebra ------------------------------------------------------------------------------
class MatMul(Function):
    """z = x @ y with NumPy's matmul rules (1-D operands, batched stacks that broadcast); each input
    keeps only the other, and only when its own gradient is wanted (as PyTorch's ``mm``)."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        needs = self.needs_input_grad
        self.shapes = x.shape, y.shape
        self.save_for_backward(x if needs[1] else None, y if needs[0] else None)
        return x @ y

    def backward(self, delta: np.ndarray) -> tuple:
        x, y = self.saved_tensors
        sx, sy = self.shapes
        # Promote 1-D operands as matmul does, so one rule covers every case.
        d = delta
        if len(sy) == 1:
            d = d[..., None]
        if len(sx) == 1:
            d = d[..., None, :]
        gx = gy = None
        if self.needs_input_grad[0]:
            y2 = y[:, None] if y.ndim == 1 else y
            gx = unbroadcast(d @ np.swapaxes(y2, -1, -2), (1, *sx) if len(sx) == 1 else sx).reshape(sx)
        if self.needs_input_grad[1]:
            x2 = x[None, :] if x.ndim == 1 else x
            gy = unbroadcast(np.swapaxes(x2, -1, -2) @ d, (*sy, 1) if len(sy) == 1 else sy).reshape(sy)
        return gx, gy
