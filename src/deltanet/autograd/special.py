r"""Special functions and fused arithmetic, with PyTorch's names: ``erf``, ``erfc``, ``erfinv``,
``lerp``, ``addcmul``, ``addcdiv``, ``addmm``, ``baddbmm`` and ``nan_to_num``.

NumPy has no error function: ``erf`` and ``erfc`` take each value through Python's ``math.erf`` and
``math.erfc`` (the C library's, correct to the last bit or so), and ``erfinv`` starts from Giles'
approximation and refines it with Newton steps on ``math.erf``. Float32 inputs are computed in
float64 and rounded once. The fused ops are written with the primitives (so their gradients are
those of the primitives), in PyTorch's order of rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.elementwise import _check_same_dtype, _tensor, bmm, mm, where
from deltanet.autograd.function import Function
from deltanet.autograd.ops import unbroadcast
from deltanet.autograd.tensor import Tensor, leaf

_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)
TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


def _through(fn: Any, x: np.ndarray) -> np.ndarray:
    """A Python function of one float applied to every element, in float64, back in ``x``'s dtype."""
    return np.asarray(fn(x.astype(np.float64)), dtype=np.float64).astype(x.dtype, copy=False)


def erfinv_array(x: np.ndarray) -> np.ndarray:
    r"""$\mathrm{erf}^{-1}(x)$ elementwise in float64: Giles' approximation, then Newton steps."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - x) * (1.0 + x))
        small = w < 5.0
        ws, wl = w - 2.5, np.sqrt(w) - 3.0
        ps = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                         -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], ws)  # fmt: skip
        pl = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)  # fmt: skip
        y = np.where(small, ps, pl) * x
        inside = np.abs(x) < 1
        # Newton on erf near 0, on erfc in the tails (1 - |x| is exact there; erf(y) - x would cancel).
        tail = np.abs(x) > 0.5
        t = np.where(tail, 1.0 - np.abs(x), 1.0)
        for _ in range(6):
            a = np.where(inside, np.abs(y), 0.0)
            slope = TWO_OVER_ROOT_PI * np.exp(-a * a)
            near = (np.asarray(_erf(a), dtype=np.float64) - np.abs(x)) / slope
            c = np.asarray(_erfc(a), dtype=np.float64)
            far = (np.log(t) - np.log(np.where(tail, c, 1.0))) * c / slope  # Newton on log erfc: the tail's scale
            y = np.where(inside, np.copysign(a - np.where(tail, far, near), x), y)
    y = np.where(np.abs(x) == 1, np.copysign(np.inf, x), y)
    return np.where((np.abs(x) > 1) | np.isnan(x), np.nan, y)


class Erf(Function):
    r"""$z = \mathrm{erf}(x)$; $\partial z / \partial x = \frac{2}{\sqrt\pi} e^{-x^2}$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return _through(_erf, x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * (x.dtype.type(TWO_OVER_ROOT_PI) * np.exp(-x * x))


class Erfc(Function):
    r"""$z = \mathrm{erfc}(x) = 1 - \mathrm{erf}(x)$; $\partial z / \partial x = -\frac{2}{\sqrt\pi} e^{-x^2}$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.save_for_backward(x)
        return _through(_erfc, x)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (x,) = self.saved_tensors
        return delta * (x.dtype.type(-TWO_OVER_ROOT_PI) * np.exp(-x * x))


class Erfinv(Function):
    r"""$z = \mathrm{erf}^{-1}(x)$ for $-1 \le x \le 1$; $\partial z / \partial x = \frac{\sqrt\pi}{2} e^{z^2}$."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        z = erfinv_array(x).astype(x.dtype, copy=False)
        self.save_for_backward(z)
        return z

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (z,) = self.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return delta * (z.dtype.type(1.0 / TWO_OVER_ROOT_PI) * np.exp(z * z))


def _float(x: Any, owner: str) -> Tensor:
    t = _tensor(x)
    if t.array.dtype.kind != "f":  # integers go to the default dtype, as in PyTorch
        t = t.to(backend.DEFAULT_DTYPE)
    return t


def erf(input: Any) -> Tensor:
    r"""The error function $\mathrm{erf}(x) = \frac{2}{\sqrt\pi} \int_0^x e^{-t^2} dt$, elementwise.

    Args:
        input: a tensor (integers give float32).

    Examples:
        >>> import deltanet as dn
        >>> round(dn.erf(dn.tensor([0.5])).item(), 6)
        0.5205
    """
    return Erf.apply(_float(input, "erf"))


def erfc(input: Any) -> Tensor:
    r"""The complementary error function $\mathrm{erfc}(x) = 1 - \mathrm{erf}(x)$, accurate in the tail.

    Args:
        input: a tensor (integers give float32).

    Examples:
        >>> import deltanet as dn
        >>> dn.erfc(dn.tensor([0.0], dtype=dn.float64)).item()
        1.0
    """
    return Erfc.apply(_float(input, "erfc"))


def erfinv(input: Any) -> Tensor:
    r"""The inverse error function: $y$ with $\mathrm{erf}(y) = x$; $\pm\infty$ at $\pm 1$, NaN outside $[-1, 1]$.

    Args:
        input: a tensor (integers give float32).

    Examples:
        >>> import deltanet as dn
        >>> round(dn.erfinv(dn.tensor([0.5], dtype=dn.float64)).item(), 6)
        0.476936
    """
    return Erfinv.apply(_float(input, "erfinv"))


# -- fused arithmetic ----------------------------------------------------------------------------
def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    r"""Linear interpolation $\text{input} + w (\text{end} - \text{input})$, rounded as PyTorch's:
    $\text{end} - (\text{end} - \text{input})(1 - w)$ where $w \ge 0.5$.

    Args:
        input: the start (a float tensor).
        end: the end (a tensor of the same dtype).
        weight: $w$, a number or a tensor (differentiable too).

    Examples:
        >>> import deltanet as dn
        >>> dn.lerp(dn.tensor([0.0, 10.0]), dn.tensor([10.0, 20.0]), 0.25).tolist()
        [2.5, 12.5]
    """
    start, stop = _tensor(input), _tensor(end)
    if start.array.dtype.kind != "f" or stop.array.dtype != start.array.dtype:
        raise ValueError(f"lerp: input and end must be float tensors of one dtype, got {start.dtype} and {stop.dtype}")
    w = weight if isinstance(weight, Tensor) else check.number(weight, "weight", "lerp", finite=False)
    if not isinstance(w, Tensor):  # a number: a constant of the inputs' dtype, as PyTorch's scalar weight
        w = leaf(np.asarray(w, dtype=start.array.dtype))
    return Lerp.apply(start, stop, w)


class Lerp(Function):
    r"""$z = a + w (b - a)$, rounded as PyTorch's ($b - (b - a)(1 - w)$ where $w \ge 0.5$), broadcast.

    $\partial z / \partial a = 1 - w$, $\partial z / \partial b = w$, $\partial z / \partial w = b - a$,
    each a product with $\delta$ as in PyTorch: an infinite $\delta$ gives $a$ the gradient
    $\infty (1 - w)$, where the composed $a + w (b - a)$ gave $\infty - \infty w = $ NaN.
    """

    def forward(self, start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
        self.save_for_backward(start, end, weight)
        span = end - start
        return np.where(weight < 0.5, start + weight * span, end - span * (1 - weight))

    def backward(self, delta: np.ndarray) -> tuple:
        start, end, weight = self.saved_tensors
        need = self.needs_input_grad
        with np.errstate(invalid="ignore"):  # inf * 0 = NaN, silently as PyTorch
            g_start = unbroadcast(delta * (1 - weight), start.shape) if need[0] else None
            g_end = unbroadcast(delta * weight, end.shape) if need[1] else None
            g_weight = unbroadcast(delta * (end - start), weight.shape) if need[2] else None
        return g_start, g_end, g_weight


def _scalar(value: Any, name: str, owner: str) -> Any:
    check.number(value, name, owner, finite=False)
    return value  # an int stays an int: integer tensors stay integer, as in PyTorch


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    r"""$\text{input} + v \cdot t_1 \cdot t_2$, elementwise with broadcasting.

    Args:
        input: a tensor.
        tensor1: $t_1$.
        tensor2: $t_2$.
        value: $v$ (1 by default).

    Examples:
        >>> import deltanet as dn
        >>> dn.addcmul(dn.ones(2), dn.tensor([1.0, 2.0]), dn.tensor([3.0, 4.0]), value=0.5).tolist()
        [2.5, 5.0]
    """
    v = _scalar(value, "value", "addcmul")
    t1 = _tensor(tensor1)
    return _tensor(input) + (t1 if v == 1 else t1 * v) * tensor2


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    r"""$\text{input} + v \cdot t_1 / t_2$, elementwise with broadcasting (Adam's update step).

    Args:
        input: a tensor.
        tensor1: $t_1$.
        tensor2: $t_2$.
        value: $v$ (1 by default).

    Raises:
        ValueError: ``tensor1`` and ``tensor2`` are both integer tensors (PyTorch refuses integer division here).

    Examples:
        >>> import deltanet as dn
        >>> dn.addcdiv(dn.zeros(2), dn.tensor([1.0, 2.0]), dn.tensor([4.0, 4.0]), value=2).tolist()
        [0.5, 1.0]
    """
    v = _scalar(value, "value", "addcdiv")
    t1, t2 = _tensor(tensor1), _tensor(tensor2)
    if t1.array.dtype.kind in "biu" and t2.array.dtype.kind in "biu":
        raise ValueError("addcdiv: integer division of tensor1 by tensor2 is not supported; use tensor1.float()")
    return _tensor(input) + (t1 if v == 1 else t1 * v) / t2


def _add_product(input: Any, product: Tensor, beta: Any, alpha: Any, owner: str, same_dtype: bool = True) -> Tensor:
    b, a = _scalar(beta, "beta", owner), _scalar(alpha, "alpha", owner)
    scaled = product if a == 1 else product * a
    if b == 0:  # input is ignored, NaN and inf included (PyTorch's rule), but gets a zero gradient
        x = _tensor(input)
        if same_dtype:
            _check_same_dtype(owner, x, product)
        return scaled + where(leaf(np.zeros(np.broadcast_shapes(x.shape, product.shape), bool)), x, 0.0)
    x = _tensor(input)
    if same_dtype:  # PyTorch's matrix products refuse a mix; addr (an outer product) promotes
        _check_same_dtype(owner, x, product)
    return (x if b == 1 else x * b) + scaled


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    r"""$\beta \cdot \text{input} + \alpha (M_1 M_2)$: a matrix product added to ``input`` (broadcast);
    with $\beta = 0$ ``input`` is ignored, NaN included.

    Args:
        input: a tensor that broadcasts to the product's shape.
        mat1: $M_1$, of shape $(n, m)$.
        mat2: $M_2$, of shape $(m, p)$.
        beta: $\beta$.
        alpha: $\alpha$.

    Examples:
        >>> import deltanet as dn
        >>> dn.addmm(dn.ones(2), dn.eye(2), dn.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
        [[2.0, 3.0], [4.0, 5.0]]
    """
    return _add_product(input, mm(_tensor(mat1), mat2), beta, alpha, "addmm")


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    r"""$\beta \cdot \text{input} + \alpha (B_1 B_2)$ for batches of matrices (``bmm``), added to ``input``.

    Args:
        input: a tensor that broadcasts to the product's shape $(b, n, p)$.
        batch1: $B_1$, of shape $(b, n, m)$.
        batch2: $B_2$, of shape $(b, m, p)$.
        beta: $\beta$ (0 ignores ``input``).
        alpha: $\alpha$.

    Examples:
        >>> import deltanet as dn
        >>> dn.baddbmm(dn.zeros(1, 1, 1), dn.ones(1, 1, 2), dn.ones(1, 2, 1), alpha=0.5).tolist()
        [[[1.0]]]
    """
    return _add_product(input, bmm(_tensor(batch1), batch2), beta, alpha, "baddbmm")


def nan_to_num(input: Any, nan: Any = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:
    r"""``input`` with NaN, $+\infty$ and $-\infty$ replaced: by ``nan``, and by the dtype's largest and
    smallest finite values unless ``posinf`` and ``neginf`` are given. The gradient passes where the
    input is finite and is 0 where a value was replaced.

    Args:
        input: a tensor (integer and bool tensors come back as a copy).
        nan: the value for NaN.
        posinf: the value for $+\infty$ (None: the largest finite value of the dtype).
        neginf: the value for $-\infty$ (None: the smallest finite value of the dtype).

    Examples:
        >>> import deltanet as dn
        >>> dn.nan_to_num(dn.tensor([float("nan"), 1.0, float("-inf")]), posinf=9.0, neginf=-9.0).tolist()
        [0.0, 1.0, -9.0]
    """
    x = _tensor(input)
    values = [check.number(v, name, "nan_to_num", finite=False) if v is not None else None
              for v, name in ((nan, "nan"), (posinf, "posinf"), (neginf, "neginf"))]  # fmt: skip
    if x.array.dtype.kind != "f":
        return leaf(x.array.copy())
    info = np.finfo(x.array.dtype)
    posinf = info.max if values[1] is None else values[1]
    return NanToNum.apply(x, nan=float(nan), posinf=posinf, neginf=info.min if values[2] is None else values[2])


class NanToNum(Function):
    r"""$z = x$ where $x$ is finite, else the replacement; $\partial z / \partial x = [x \text{ finite}]$,
    multiplied as PyTorch's ``grad * isfinite(x)``: a NaN or infinite $\delta$ at a replaced value
    gives NaN there (a select would give 0)."""

    def forward(self, x: np.ndarray, *, nan: float, posinf: float, neginf: float) -> np.ndarray:
        self.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # inf * 0 = NaN, silently as PyTorch
            return delta * self.finite
