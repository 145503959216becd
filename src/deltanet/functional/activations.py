"""Activation functions $a = h(z)$ and their derivatives $h'(z)$, each written from the output $a$
where the seeds write it that way (sigmoid, tanh, ReLU, ELU, softmax).

``sigmoid``, ``tanh`` and ``relu`` are primitives of the autograd layer (``Tensor`` has them as
methods); they are re-exported here so that every activation lives under one name space.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor, as_tensor
from deltanet.autograd.ops import ReLU, Sigmoid, Tanh, stable_sigmoid
from deltanet.autograd.reductions import LogSoftmax, Softmax


def _number(value: Any, name: str, owner: str, finite: bool = True) -> float:
    """A real number, finite (or, with ``finite=False``, not NaN); the message quotes what was given."""
    if not finite:
        if not check.is_number(value) or math.isnan(value):
            raise check.fail(owner, name, "a number", value)
        return float(value)
    return check.number(value, name, owner)


def sigmoid(z: Tensor) -> Tensor:
    r"""Logistic function, the smooth unit of the seeds' neurons: outputs in $(0, 1)$.

    $$
    a = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = a (1 - a)
    $$

    Computed without overflow for any $z$ (finite at $z = \pm 10^4$).

    Args:
        z: the pre-activation $z$ (a tensor, array or list).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.sigmoid(dn.tensor([0.0])).item()
        0.5
    """
    return Sigmoid.apply(as_tensor(z, owner="sigmoid"))


def tanh(z: Tensor) -> Tensor:
    r"""Hyperbolic tangent: a zero-centred sigmoid with outputs in $(-1, 1)$.

    $$
    a = \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}, \qquad \tanh'(z) = 1 - a^2
    $$

    Args:
        z: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.tanh(dn.tensor([0.0])).item()
        0.0
    """
    return Tanh.apply(as_tensor(z, owner="tanh"))


def relu(z: Tensor) -> Tensor:
    r"""Rectified linear unit: the identity for positive inputs and 0 otherwise.

    $$
    a = \max(0, z), \qquad a' = [z > 0]
    $$

    (the derivative at $z = 0$ is taken as 0, as in PyTorch).

    Args:
        z: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.relu(dn.tensor([-1.0, 2.0])).array.tolist()
        [0.0, 2.0]
    """
    return ReLU.apply(as_tensor(z, owner="relu"))


def identity(z: Tensor) -> Tensor:
    """The identity $a = z$, the linear output unit of regression networks; $a' = 1$.

    ``z`` is returned as it is (no copy, no new graph node).

    Args:
        z: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> z = dn.tensor([-1.0, 2.0])
        >>> dn.functional.identity(z) is z
        True
    """
    return z


class Step(Function):
    r"""Heaviside step $a = [z \ge 0]$, Rosenblatt's perceptron unit; its backward raises."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        a = (z >= 0).astype(z.dtype)
        if a.dtype.kind == "f":
            a[np.isnan(z)] = np.nan  # NaN has no sign: it stays NaN rather than becoming 0
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        raise RuntimeError(
            "the step function cannot be trained by backpropagation: its derivative is 0 "
            "everywhere except at z = 0, where it does not exist, so no error signal δ flows "
            "through it. Use sigmoid (its smooth version) to train, or the perceptron rule."
        )


def step(z: Tensor) -> Tensor:
    r"""Heaviside step, the perceptron's unit: 1 where $z \ge 0$, else 0.

    $$
    a = \begin{cases} 1 & z \ge 0 \\ 0 & z < 0 \end{cases}
    $$

    Forward only: its derivative is 0 wherever it exists, so ``backward`` through it raises a
    ``RuntimeError`` (train with ``sigmoid``, its smooth version). A NaN input stays NaN.

    Args:
        z: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape and dtype.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.step(dn.tensor([-0.5, 0.0, 2.0])).array.tolist()
        [0.0, 1.0, 1.0]
    """
    return Step.apply(as_tensor(z, owner="step"))


class LeakyReLU(Function):
    r"""$a = z$ for $z > 0$, else $\text{slope} \cdot z$; $a' = 1$ or the slope."""

    def forward(self, z: np.ndarray, negative_slope: float) -> np.ndarray:
        positive = z > 0
        self.save_for_backward(positive)
        self.slope = negative_slope
        return np.where(positive, z, z * negative_slope)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (positive,) = self.saved_tensors
        return np.where(positive, delta, delta * self.slope)


def leaky_relu(z: Tensor, negative_slope: float = 0.01) -> Tensor:
    r"""Leaky ReLU: a small slope for negative inputs, so that a unit that is off still passes a gradient.

    $$
    a = \begin{cases} z & z > 0 \\ \text{negative\_slope} \cdot z & z \le 0 \end{cases}
    $$

    which is $\max(z, \text{negative\_slope} \cdot z)$ for a slope in $[0, 1]$; $a'$ is 1 or the slope.

    Args:
        z: the pre-activation $z$.
        negative_slope: the slope for $z \le 0$ (default 0.01, as PyTorch).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.leaky_relu(dn.tensor([-1.0, 2.0]), 0.1).data.tolist()
        [-0.10000000149011612, 2.0]
    """
    negative_slope = _number(negative_slope, "negative_slope", "leaky_relu")
    return LeakyReLU.apply(as_tensor(z, owner="leaky_relu"), negative_slope=negative_slope)


class PReLU(Function):
    r"""$a = z$ for $z > 0$, else $\alpha z$ with $\alpha$ learned.

    $\partial L / \partial \alpha = \sum_{z \le 0} \delta z$ over the elements that $\alpha$ applies to.
    """

    def forward(self, z: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        alpha_b = _channel_view(alpha, z)
        positive = z > 0
        self.save_for_backward(z, alpha_b, positive)
        self.alpha_shape = alpha.shape
        return np.where(positive, z, alpha_b * z)

    def backward(self, delta: np.ndarray) -> tuple:
        z, alpha_b, positive = self.saved_tensors
        gz = np.where(positive, delta, delta * alpha_b) if self.needs_input_grad[0] else None
        ga = None
        if self.needs_input_grad[1]:
            contrib = np.where(positive, 0, delta * z)
            if len(self.alpha_shape) and self.alpha_shape[0] > 1:
                axes = tuple(i for i in range(z.ndim) if i != 1)
                ga = contrib.sum(axis=axes).reshape(self.alpha_shape)
            else:
                ga = np.asarray(contrib.sum()).reshape(self.alpha_shape)
        return gz, ga


def _channel_view(alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    r"""Shape $\alpha$ of shape (C,) to broadcast along axis 1 (channels), as PyTorch's PReLU does."""
    if alpha.size == 1:
        return alpha.reshape(())
    if z.ndim < 2 or z.shape[1] != alpha.size:
        raise ValueError(
            f"prelu: {alpha.size} parameters need an input with {alpha.size} channels on axis 1, got shape {z.shape}"
        )
    return alpha.reshape((1, alpha.size) + (1,) * (z.ndim - 2))


def prelu(z: Tensor, alpha: Tensor) -> Tensor:
    r"""Parametric ReLU (He et al. 2015): a leaky ReLU whose negative slope $\alpha$ is learned.

    $$
    a = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}, \qquad
    \frac{\partial L}{\partial \alpha} = \sum_{z \le 0} \delta \, z
    $$

    where the sum runs over every element that $\alpha$ applies to.

    Args:
        z: the pre-activation $z$.
        alpha: $\alpha$, one value of shape $(1,)$, or one per channel of shape $(C,)$ applied
            along axis 1.

    Shape:
        - input: $(*)$ with one $\alpha$; $(N, C, *)$ with $C$ of them.
        - alpha: $(1,)$ or $(C,)$.
        - output: the input's shape.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.prelu(dn.tensor([-2.0, 3.0]), dn.tensor([0.25])).array.tolist()
        [-0.5, 3.0]
    """
    return PReLU.apply(as_tensor(z, owner="prelu"), as_tensor(alpha, owner="prelu"))


class ELU(Function):
    r"""$a = z$ for $z > 0$, else $\alpha (e^z - 1)$; $a' = 1$, or $a + \alpha$ (from the output)."""

    output_copied_on_edit = True  # PyTorch saves the input (indices for max pooling), not the output

    def forward(self, z: np.ndarray, alpha: float) -> np.ndarray:
        # z > 0, so a NaN gets the slope a + alpha = NaN: PyTorch's vectorized loop (its scalar loop,
        # for the last few values of a tensor, tests z <= 0 and gives it slope 1)
        positive = z > 0
        a = np.where(positive, z, alpha * np.expm1(np.minimum(z, 0)))
        self.save_for_backward(positive, a)
        self.alpha = alpha
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        positive, a = self.saved_tensors
        return np.where(positive, delta, delta * (a + self.alpha))


def elu(z: Tensor, alpha: float = 1.0) -> Tensor:
    r"""Exponential linear unit (Clevert et al. 2016): smooth, with negative outputs down to $-\alpha$.

    $$
    a = \begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}, \qquad
    a' = \begin{cases} 1 & z > 0 \\ a + \alpha & z \le 0 \end{cases}
    $$

    Args:
        z: the pre-activation $z$.
        alpha: $\alpha$; $a$ tends to $-\alpha$ as $z \to -\infty$ (default 1.0).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.functional.elu(dn.tensor([-1.0])).item(), 4)
        -0.6321
    """
    alpha = _number(alpha, "alpha", "elu")
    return ELU.apply(as_tensor(z, owner="elu"), alpha=alpha)


class SiLU(Function):
    r"""$a = z \, \sigma(z)$ (swish); $a' = \sigma(z) + a (1 - \sigma(z))$."""

    output_copied_on_edit = True  # PyTorch saves the input (indices for max pooling), not the output

    def forward(self, z: np.ndarray) -> np.ndarray:
        s = stable_sigmoid(z)
        a = z * s
        self.save_for_backward(s, a)
        return a

    def backward(self, delta: np.ndarray) -> np.ndarray:
        s, a = self.saved_tensors
        return delta * (s + a * (1 - s))


def silu(z: Tensor) -> Tensor:
    r"""Swish, or SiLU (sigmoid-weighted linear unit): the input times its sigmoid.

    $$
    a = z \, \sigma(z) = \frac{z}{1 + e^{-z}}, \qquad a' = \sigma(z) + a \, (1 - \sigma(z))
    $$

    Args:
        z: the pre-activation $z$.

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.functional.silu(dn.tensor([1.0])).item(), 4)
        0.7311
    """
    return SiLU.apply(as_tensor(z, owner="silu"))


class Softplus(Function):
    r"""$a = \log(1 + e^{\beta z}) / \beta$, linear above ``threshold`` (as PyTorch); $a' = \sigma(\beta z)$."""

    def forward(self, z: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        bz = beta * z
        self.save_for_backward(bz)
        self.threshold = threshold
        soft = (np.maximum(bz, 0) + np.log1p(np.exp(-np.abs(bz)))) / beta
        return np.where(bz > threshold, z, soft)

    def backward(self, delta: np.ndarray) -> np.ndarray:
        (bz,) = self.saved_tensors
        return np.where(bz > self.threshold, delta, delta * stable_sigmoid(bz))


def softplus(z: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""Softplus, a smooth ReLU, computed without overflow (finite at $z = \pm 10^4$).

    $$
    a = \frac{1}{\beta} \log\left(1 + e^{\beta z}\right), \qquad a' = \sigma(\beta z)
    $$

    Where $\beta z$ exceeds ``threshold`` the output is $z$ itself, as in PyTorch.

    Args:
        z: the pre-activation $z$.
        beta: $\beta > 0$, the sharpness (default 1).
        threshold: above this value of $\beta z$ the function is taken as linear (default 20).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.functional.softplus(dn.tensor([0.0])).item(), 4)
        0.6931
    """
    beta = _number(beta, "beta", "softplus")
    threshold = _number(threshold, "threshold", "softplus", finite=False)  # inf: never linear
    if not 0 < beta < math.inf:
        raise ValueError(f"softplus: beta must be positive and finite, got {beta}")
    return Softplus.apply(as_tensor(z, owner="softplus"), beta=beta, threshold=threshold)


def softmax(z: Tensor, axis: int = -1) -> Tensor:
    r"""Softmax along ``axis``: outputs in $(0, 1)$ that sum to 1, read as class probabilities.

    $$
    s_i = \frac{e^{z_i}}{\sum_k e^{z_k}}, \qquad
    \frac{\partial L}{\partial z_i} = s_i \Big(\delta_i - \sum_k \delta_k s_k\Big)
    $$

    The maximum is subtracted from $z$ first, so large logits do not overflow. To train a
    classifier, give the logits to ``cross_entropy``, which fuses the softmax with the loss.

    Args:
        z: the logits $z$.
        axis: the axis that holds the classes (default the last).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape, summing to 1 along ``axis``.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.softmax(dn.tensor([[0.0, 0.0]])).array.tolist()
        [[0.5, 0.5]]
    """
    return Softmax.apply(as_tensor(z, owner="softmax"), axis=axis)


def log_softmax(z: Tensor, axis: int = -1) -> Tensor:
    r"""Logarithm of the softmax along ``axis``, computed stably with log-sum-exp.

    $$
    \log s_i = z_i - \log \sum_k e^{z_k}, \qquad
    \frac{\partial L}{\partial z_i} = \delta_i - s_i \sum_k \delta_k
    $$

    Args:
        z: the logits $z$.
        axis: the axis that holds the classes (default the last).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.functional.log_softmax(dn.tensor([[0.0, 0.0]])).item(0), 4)
        -0.6931
    """
    return LogSoftmax.apply(as_tensor(z, owner="log_softmax"), axis=axis)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def erf(z: np.ndarray) -> np.ndarray:
    r"""The error function $\mathrm{erf}(z) = \frac{2}{\sqrt\pi} \int_0^z e^{-t^2} dt$, elementwise.

    NumPy has none: each value goes through Python's ``math.erf`` (the C library's, the one
    PyTorch's CPU kernels call), so the result is exact but costs about 80 ns per element.
    Computed in float64 and returned in ``z``'s dtype.
    """
    values = np.fromiter(map(math.erf, z.ravel().tolist()), dtype=np.float64, count=z.size)
    return values.reshape(z.shape).astype(z.dtype, copy=False)


class GELU(Function):
    r"""$a = z \, \Phi(z)$ (exact) or its tanh approximation; $a' = \Phi(z) + z \varphi(z)$.

    $\Phi$ is the standard normal CDF and $\varphi$ its density. With ``approximate="tanh"``,
    $a = \frac12 z (1 + \tanh u)$, $u = \sqrt{2/\pi}(z + 0.044715 z^3)$, and
    $a' = \frac12 (1 + \tanh u) + \frac12 z (1 - \tanh^2 u) \, \sqrt{2/\pi}(1 + 3 \cdot 0.044715 z^2)$.
    """

    def forward(self, z: np.ndarray, approximate: str) -> np.ndarray:
        self.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (z + _GELU_CUBIC * z * z * z))
            self.save_for_backward(z, t)
            return 0.5 * z * (1.0 + t)
        cdf = 0.5 * (1.0 + erf(z * z.dtype.type(1.0 / math.sqrt(2.0))))
        self.save_for_backward(z, cdf)
        return z * cdf

    def backward(self, delta: np.ndarray) -> np.ndarray:
        z, saved = self.saved_tensors
        if self.approximate == "tanh":
            t = saved
            du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * z * z)
            return delta * (0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du)
        density = np.exp(-0.5 * z * z) * z.dtype.type(1.0 / math.sqrt(2.0 * math.pi))
        return delta * (saved + z * density)


def gelu(z: Tensor, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit (Hendrycks & Gimpel 2016): the input weighted by its normal CDF.

    $$
    a = z \, \Phi(z) = \frac{z}{2} \left(1 + \mathrm{erf}\big(z / \sqrt{2}\big)\right), \qquad
    a' = \Phi(z) + z \, \varphi(z)
    $$

    With ``approximate="tanh"`` (as BERT and GPT-2 use), $\Phi(z)$ is replaced by
    $\frac12 \big(1 + \tanh(\sqrt{2/\pi}\,(z + 0.044715 z^3))\big)$, as in PyTorch. The exact form
    evaluates $\mathrm{erf}$ element by element with Python's ``math.erf`` (NumPy has none), which
    is exact but slower than the tanh form.

    Args:
        z: the pre-activation $z$.
        approximate: "none" (default, the exact form) or "tanh".

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape.

    Examples:
        >>> import deltanet as dn
        >>> round(dn.functional.gelu(dn.tensor([1.0])).item(), 4)
        0.8413
        >>> round(dn.functional.gelu(dn.tensor([1.0]), approximate="tanh").item(), 4)
        0.8412
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_as_float(z, "gelu"), approximate=approximate)


def _as_float(z: Any, owner: str) -> Tensor:
    """A floating-point tensor (integer data would make the formulas compute in integers)."""
    z = as_tensor(z, owner=owner)
    if z.dtype.kind != "f":
        raise ValueError(f"{owner}: expected a floating-point input, got dtype {z.dtype}")
    return z


def implicit_softmax_dim(ndim: int) -> int:
    """The axis PyTorch's ``softmax(x)`` without ``dim`` picks: 0 for 0-, 1- and 3-D inputs, else 1.

    That legacy rule reads a 3-D input as (C, H, W) and a 4-D one as (N, C, H, W); for 1-D and
    2-D inputs it is the last axis.
    """
    return 0 if ndim in (0, 1, 3) else 1


def softmin(z: Tensor, axis: int = -1) -> Tensor:
    r"""Softmin along ``axis``: the softmax of $-z$, weights that favour the smallest values.

    $$
    s_i = \frac{e^{-z_i}}{\sum_k e^{-z_k}}
    $$

    Args:
        z: the inputs $z$ (distances, costs).
        axis: the axis to normalize along (default the last).

    Shape:
        - input: $(*)$, any shape.
        - output: $(*)$, the same shape, summing to 1 along ``axis``.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.softmin(dn.tensor([[1.0, 1.0]])).tolist()
        [[0.5, 0.5]]
    """
    return softmax(-as_tensor(z, owner="softmin"), axis=axis)


def glu(z: Tensor, dim: int = -1) -> Tensor:
    r"""Gated linear unit (Dauphin et al. 2017): the first half of ``dim`` gated by the sigmoid of the second.

    $$
    a = z_{[:h]} \odot \sigma(z_{[h:]}), \qquad h = \tfrac12 \, \text{size of } z \text{ along } \texttt{dim}
    $$

    Args:
        z: the input, with an even size along ``dim``.
        dim: the axis that is halved (default the last).

    Shape:
        - input: $(*_1, 2h, *_2)$.
        - output: $(*_1, h, *_2)$.

    Raises:
        ValueError: the size along ``dim`` is odd, or the input is 0-D.

    Examples:
        >>> import deltanet as dn
        >>> dn.functional.glu(dn.tensor([[2.0, 0.0]])).tolist()
        [[1.0]]
    """
    z = _as_float(z, "glu")
    dim = check.axis(dim, "dim", "glu")
    if z.ndim == 0:
        raise ValueError("glu: expected an input with at least one axis, got a 0-D tensor")
    if not -z.ndim <= dim < z.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for a {z.ndim}-D input")
    size = z.shape[dim]
    if size % 2:
        raise ValueError(f"glu: the size along dim must be even (it is halved), got size {size} on dim {dim}")
    first, second = z.split(size // 2, dim)
    return first * sigmoid(second)
