r"""Loss functions $L(\hat y, y)$, one ``Function`` each, with their backward rules written as deltas.

The loss ends the forward pass and starts the backward one: its backward hands the network its
first error signal, $\delta = \partial L / \partial a$ for the network's output $a = \hat y$, or
$\partial L / \partial z$ when the output activation is fused into the loss. The fused pairs give
the short and stable deltas of the seeds (per term, before the reduction):

| output activation + loss | loss term | delta |
|---|---|---|
| identity + squared error | $(a - y)^2$ | $2(a - y)$ |
| softmax + cross-entropy | $-\sum_k y_k \log \mathrm{softmax}(z)_k$ | $\mathrm{softmax}(z) - y$ |
| sigmoid + binary cross-entropy | $-y \log \sigma(z) - (1 - y) \log(1 - \sigma(z))$ | $\sigma(z) - y$ |

``reduction`` follows PyTorch: "none" keeps one loss per term, "sum" adds them, "mean" divides
the sum by the number of terms $N$ (so $\delta$ is divided by $N$ too): every element for the
elementwise losses, every sample (and position, for N-d inputs) for the class losses, or the sum
of the class weights of the targets when ``weight`` is given. Names, arguments and defaults are
PyTorch's.

Targets may be Tensors or arrays. Float targets are used in the input's dtype (float32 stays
float32), and they receive a gradient when they require one (``mse_loss(a, b)`` for two outputs).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import Function, Tensor
from deltanet.autograd.conversions import to_dtype
from deltanet.autograd.ops import stable_sigmoid
from deltanet.backend import index_vector, ones_vector

REDUCTIONS = ("mean", "sum", "none")
_LOG2 = math.log(2.0)
_BCE_EPS = float(np.float32(1e-12))  # PyTorch's floor on p(1 - p) in the BCE gradient (a C float)
_LOG_FLOOR = -100.0  # PyTorch clamps BCE's logs here, so p = 0 or 1 gives a finite loss


# -- validation ----------------------------------------------------------------------------------
def _check_reduction(reduction: Any, owner: str) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _check_huber_delta(delta: Any, owner: str) -> float:
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0 < delta < math.inf:
        raise ValueError(f"{owner}: delta must be a positive finite number, got {delta!r}")
    return float(delta)


def _check_label_smoothing(label_smoothing: Any, owner: str) -> float:
    if (
        isinstance(label_smoothing, bool)
        or not isinstance(label_smoothing, (int, float))
        or not 0 <= label_smoothing <= 1
    ):
        raise ValueError(f"{owner}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def _check_margin_options(p: Any, margin: Any, owner: str) -> tuple[int, float]:
    if isinstance(p, bool) or p not in (1, 2):
        raise ValueError(f"{owner}: p must be 1 or 2, got {p!r}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin):
        raise ValueError(f"{owner}: margin must be a finite number, got {margin!r}")
    return int(p), float(margin)


def _as_tensor(x: Any, owner: str, what: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor._make(np.asarray(x))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{owner}: cannot use {what} of type {type(x).__name__}: {err}") from None


def _check_input(a: Tensor, owner: str) -> None:
    if a.array.dtype.kind != "f":
        raise ValueError(f"{owner}: input must be floating-point (float32 or float64), got dtype {a.dtype}")


def _check_finite(y: np.ndarray, owner: str) -> None:
    if y.dtype.kind == "f":
        finite = np.isfinite(y)
        if not finite.all():
            raise ValueError(
                f"{owner}: target contains NaN or Inf ({int(y.size - finite.sum())} of {y.size} "
                f"values); targets must be finite numbers"
            )


def _check_same_shape(a: Tensor, y: Tensor, owner: str) -> None:
    if a.shape != y.shape:
        hint = ""
        if a.size == y.size:
            hint = " (same number of elements: reshape the target, e.g. target.reshape(input.shape))"
        raise ValueError(f"{owner}: input shape {a.shape} and target shape {y.shape} must match{hint}")


def _check_range(
    x: np.ndarray, low: float, high: float, owner: str, what: str, hint: str, allow_nan: bool = False
) -> None:
    inside = (x >= low) & (x <= high)  # False for NaN, so NaN is refused too (unless allowed)
    if allow_nan:
        inside |= np.isnan(x)
    if not inside.all():
        bad = x[~inside]
        shown = "NaN" if np.isnan(bad).any() else f"values from {bad.min():.6g} to {bad.max():.6g}"
        raise ValueError(f"{owner}: {what} must be in [{low:g}, {high:g}], got {shown}{hint}")


def _elementwise_inputs(input: Any, target: Any, owner: str, reduction: str) -> tuple[Tensor, Tensor]:
    _check_reduction(reduction, owner)
    a = _as_tensor(input, owner, "input")
    y = _as_tensor(target, owner, "target")
    _check_input(a, owner)
    _check_same_shape(a, y, owner)
    _check_finite(y.array, owner)
    return a, y


def _regression_inputs(input: Any, target: Any, owner: str, reduction: str) -> tuple[Tensor, Tensor]:
    """``_elementwise_inputs``, then a float target *tensor* wider than the input (``from_numpy`` of
    float64 data for a float32 model) widens the input too: the loss is then float64, as PyTorch's
    mse, l1 and smooth-l1 losses (the gradient goes back in the input's dtype; PyTorch's Huber loss
    keeps the input's dtype)."""
    a, y = _elementwise_inputs(input, target, owner, reduction)
    wider = y.array.dtype.kind == "f" and a.array.dtype.kind == "f" and y.array.dtype.itemsize > a.array.dtype.itemsize
    if wider and isinstance(target, Tensor):  # a NumPy target is data, used in the input's dtype
        a = to_dtype(a, y.array.dtype)
    return a, y


def _class_weight(weight: Any, classes: int, dtype: np.dtype, owner: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight.array if isinstance(weight, Tensor) else weight)
    if w.shape != (classes,):
        raise ValueError(f"{owner}: weight must have one value per class, shape ({classes},), got shape {w.shape}")
    if w.dtype.kind not in "fiu" or not np.isfinite(w).all():
        raise ValueError(f"{owner}: weight must hold finite numbers, got {w!r}")
    return w.astype(dtype)


def _class_indices(y: Tensor, scores: Tensor, owner: str, ignore_index: int | None) -> tuple[np.ndarray, bool]:
    """Check class-index targets of shape (N, d1, ...) for scores (N, C, d1, ...).

    Returns the labels as int64, and whether all of them are classes (none is ``ignore_index``).
    """
    shape = scores.array.shape  # the arrays' shapes, not the Tensor properties (every step)
    expected = shape[:1] + shape[2:]
    classes = shape[1]
    labels = y.array
    if labels.shape != expected:
        raise ValueError(
            f"{owner}: for input of shape {shape} the target must be class indices of "
            f"shape {expected}, got shape {labels.shape}"
        )
    if labels.dtype.kind == "f":
        _check_finite(labels, owner)
        fractional = labels != np.round(labels)
        if fractional.any():
            hint = ""
            if owner == "cross_entropy":
                hint = f" (probability targets must have the input's shape {scores.shape})"
            raise ValueError(
                f"{owner}: class indices must be integers, got the non-integer value "
                f"{labels[fractional].flat[0].item()!r}{hint}"
            )
    elif labels.dtype.kind not in "iub":
        raise ValueError(f"{owner}: class indices must be integers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64, copy=False)
    if labels.size == 0 or (labels.min() >= 0 and labels.max() < classes):
        return labels, True  # the common case, checked with two reductions
    outside = (labels < 0) | (labels >= classes)
    if ignore_index is not None:
        outside &= labels != ignore_index
    if outside.any():
        raise ValueError(
            f"{owner}: class indices must be in [0, {classes}) for {classes} classes, got "
            f"{int(labels[outside].flat[0])} ({int(outside.sum())} target(s) out of range)"
        )
    return labels, False


# -- reductions ----------------------------------------------------------------------------------
def _reduce(loss: np.ndarray, reduction: str, count: float) -> np.ndarray:
    """The sum of ``loss`` over ``count`` for "mean" and "batchmean" (NaN when ``count`` is 0),
    its sum for "sum", ``loss`` itself for "none"."""
    if reduction == "none":
        return loss
    total = np.add.reduce(loss, axis=None)  # loss.sum() without its Python wrapper
    if reduction == "sum":
        return np.asarray(total)
    return np.asarray(total / count) if count else np.asarray(np.nan, dtype=loss.dtype)


def _scaled(delta: np.ndarray, reduction: str, count: float) -> np.ndarray:
    r"""$\partial L / \partial \ell$ per loss term: $\delta$ itself for 'none' and 'sum', $\delta / N$ for 'mean'."""
    return delta / count if reduction in ("mean", "batchmean") and count else delta


# -- elementwise losses --------------------------------------------------------------------------
class _ElementwiseLoss(Function):
    r"""Losses that compare input and target element by element: $\ell_i = \ell(a_i, y_i)$.

    A subclass writes ``loss(a, y)`` (saving what its derivatives need), ``grad_input()`` =
    $\partial \ell / \partial a$ and ``grad_target()`` = $\partial \ell / \partial y$ (None for
    labels); the reduction and the scaling of $\delta$ live here.
    """

    def forward(
        self, a: np.ndarray, y: np.ndarray, reduction: str, weight: np.ndarray | None = None, **options: Any
    ) -> np.ndarray:
        y = y.astype(a.dtype, copy=False)
        # "batchmean" (kl_div's) divides the sum by the batch size, "mean" by the element count.
        count = (a.shape[0] if a.ndim else 1) if reduction == "batchmean" else a.size
        self.reduction, self.count, self.weight = reduction, count, weight
        loss = self.loss(a, y, **options)
        if weight is not None:  # a rescaling per element, broadcast to the input's shape
            loss = loss * weight
        return _reduce(loss, reduction, count)

    def backward(self, delta: np.ndarray) -> tuple:
        d = _scaled(delta, self.reduction, self.count)
        if self.weight is not None:
            d = d * self.weight
        da = d * self.grad_input() if self.needs_input_grad[0] else None
        dy = None
        if self.needs_input_grad[1]:
            g = self.grad_target()
            dy = None if g is None else d * g
        return da, dy

    def loss(self, *args: Any, **options: Any) -> np.ndarray:  # pragma: no cover - abstract: loss(a, y, **options)
        raise NotImplementedError

    def grad_input(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad_target(self) -> np.ndarray | None:
        return -self.grad_input()


class SquaredError(_ElementwiseLoss):
    r"""$\ell = (a - y)^2$; $\partial \ell / \partial a = 2(a - y)$."""

    def loss(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        diff = a - y
        self.save_for_backward(diff)
        return diff * diff

    def grad_input(self) -> np.ndarray:
        (diff,) = self.saved_tensors
        return 2 * diff


class AbsoluteError(_ElementwiseLoss):
    r"""$\ell = |a - y|$; $\partial \ell / \partial a = \mathrm{sign}(a - y)$ (0 where $a = y$ or $a - y$
    is NaN, as PyTorch)."""

    def loss(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        diff = a - y
        self.save_for_backward(diff)
        return np.abs(diff)

    def grad_input(self) -> np.ndarray:
        (diff,) = self.saved_tensors
        return backend.sign(diff)


class Huber(_ElementwiseLoss):
    r"""Huber loss: $\ell = \frac12 d^2$ for $|d| < \delta_H$, else $\delta_H (|d| - \frac12 \delta_H)$.

    With $d = a - y$; $\partial \ell / \partial a = \mathrm{clip}(d, -\delta_H, \delta_H)$.
    """

    def loss(self, a: np.ndarray, y: np.ndarray, huber_delta: float) -> np.ndarray:
        diff = a - y
        self.save_for_backward(diff)
        self.huber_delta = huber_delta
        size = np.abs(diff)
        return np.where(size < huber_delta, 0.5 * diff * diff, huber_delta * (size - 0.5 * huber_delta))

    def grad_input(self) -> np.ndarray:
        (diff,) = self.saved_tensors
        return np.clip(diff, -self.huber_delta, self.huber_delta)


class SmoothL1(_ElementwiseLoss):
    r"""Smooth L1: $\ell = \frac12 d^2 / \beta$ for $|d| < \beta$, else $|d| - \frac12 \beta$ ($d = a - y$).

    $\partial \ell / \partial a = \mathrm{clip}(d / \beta, -1, 1)$; $\beta = 0$ is the L1 loss.
    It is the Huber loss with $\delta_H = \beta$, divided by $\beta$.
    """

    def loss(self, a: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray:
        diff = a - y
        self.save_for_backward(diff)
        self.beta = beta
        size = np.abs(diff)
        if beta == 0:
            return size
        return np.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)

    def grad_input(self) -> np.ndarray:
        (diff,) = self.saved_tensors
        return backend.sign(diff) if self.beta == 0 else np.clip(diff / self.beta, -1.0, 1.0)


class LogCosh(_ElementwiseLoss):
    r"""Log-cosh: $\ell = \log \cosh d = |d| + \log(1 + e^{-2|d|}) - \log 2$ with $d = a - y$.

    $\partial \ell / \partial a = \tanh d$. The rewritten form never evaluates cosh, which overflows
    beyond $|d| \approx 710$ (89 in float32).
    """

    def loss(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        diff = a - y
        self.save_for_backward(diff)
        size = np.abs(diff)
        return size + np.log1p(np.exp(-2 * size)) - _LOG2

    def grad_input(self) -> np.ndarray:
        (diff,) = self.saved_tensors
        return np.tanh(diff)


class BinaryCrossEntropy(_ElementwiseLoss):
    r"""$\ell = -[y \log p + (1 - y) \log(1 - p)]$, each log clamped at $-100$ (as PyTorch).

    $\partial \ell / \partial p = (p - y) / \max(p(1 - p), 10^{-12})$ and
    $\partial \ell / \partial y = \log(1 - p) - \log p$.
    """

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped just below
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
        self.save_for_backward(p, y, log_q - log_p)
        return -(y * log_p + (1 - y) * log_q)

    def grad_input(self) -> np.ndarray:
        p, y, _ = self.saved_tensors
        return (p - y) / np.maximum(p * (1 - p), _BCE_EPS)

    def grad_target(self) -> np.ndarray:
        return self.saved_tensors[2]


class SigmoidBinaryCrossEntropy(_ElementwiseLoss):
    r"""BCE of $p = \sigma(z)$ from the logit $z$: $\ell = (1 - y) z + w_y \, \mathrm{softplus}(-z)$.

    Here $w_y = 1 + (w_+ - 1) y$ for the positive weight $w_+$;
    $\partial \ell / \partial z = \sigma(z) - y$ when $w_+ = 1$, else $(1 - y) - w_y \sigma(-z)$.
    $\mathrm{softplus}(-z) = \max(-z, 0) + \log(1 + e^{-|z|})$ never overflows, so $z = \pm 10^4$ is
    fine.
    """

    def loss(self, z: np.ndarray, y: np.ndarray, pos_weight: np.ndarray | None) -> np.ndarray:
        softplus_neg = np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))
        self.save_for_backward(z, y, softplus_neg)
        self.pos_weight = pos_weight
        if pos_weight is None:
            return (1 - y) * z + softplus_neg
        return (1 - y) * z + (1 + (pos_weight - 1) * y) * softplus_neg

    def grad_input(self) -> np.ndarray:
        z, y, _ = self.saved_tensors
        if self.pos_weight is None:
            return stable_sigmoid(z) - y
        return (1 - y) - (1 + (self.pos_weight - 1) * y) * stable_sigmoid(-z)

    def grad_target(self) -> np.ndarray:
        z, _, softplus_neg = self.saved_tensors
        return -z if self.pos_weight is None else (self.pos_weight - 1) * softplus_neg - z


class Hinge(_ElementwiseLoss):
    r"""Hinge: $\ell = \max(0, 1 - t f)$ with labels $t = \pm 1$.

    $\partial \ell / \partial f = -t$ where $1 - t f > 0$, else 0.
    """

    def loss(self, f: np.ndarray, t: np.ndarray) -> np.ndarray:
        t = np.where(t == 0, -1, t).astype(f.dtype)  # {0, 1} labels: 0 is the negative class
        margin = 1 - t * f
        self.save_for_backward(np.where(margin > 0, -t, 0).astype(f.dtype))
        return np.maximum(margin, 0)

    def grad_input(self) -> np.ndarray:
        return self.saved_tensors[0]

    def grad_target(self) -> None:
        return None  # labels are discrete


# -- class losses (scores of shape (N, C, d1, ...), classes on axis 1) ---------------------------
def _class_view(w: np.ndarray, ndim: int) -> np.ndarray:
    """Shape a per-class vector (C,) to broadcast along axis 1 of an (N, C, d1, ...) array."""
    return w.reshape((1, w.size) + (1,) * (ndim - 2))


class SoftmaxCrossEntropy(Function):
    r"""Fused log-softmax + cross-entropy over axis 1: $\ell = -\sum_k w_k t_k \log s_k$, $s = \mathrm{softmax}(z)$.

    The target $t$ is one-hot (class indices) or probability rows, smoothed to
    $(1 - \epsilon) t + \epsilon / C$. $\delta = \partial \ell / \partial z = s \sum_k w_k t_k - w \odot t$,
    which is $s - y$ for one-hot $y$ and no class weights.
    """

    def forward(
        self,
        z: np.ndarray,
        y: np.ndarray,
        reduction: str,
        label_smoothing: float,
        weight: np.ndarray | None,
        ignore_index: int,
        probabilities: bool,
        plain: bool = False,
    ) -> np.ndarray:
        classes, eps = z.shape[1], label_smoothing
        self.plain = plain
        if plain:
            return self._forward_plain(z, y, reduction)
        # log-sum-exp: e^(+-1e4) never appears. A row that is all -inf (masked) gives NaN, as in
        # PyTorch, without NumPy's warning.
        with np.errstate(invalid="ignore"):
            shifted = z - z.max(axis=1, keepdims=True)
            log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        w = None if weight is None else _class_view(weight, z.ndim)
        self.reduction, self.probabilities, self.eps = reduction, probabilities, eps
        if probabilities:
            y = y.astype(z.dtype, copy=False)
            t = y if eps == 0 else (1 - eps) * y + eps / classes
            wt = t if w is None else w * t
            loss = -(wt * log_s).sum(axis=1)
            self.count = loss.size
            self.save_for_backward(log_s, wt, w)
            return _reduce(loss, reduction, self.count)
        keep = (y != ignore_index).astype(z.dtype)
        labels = np.where(keep, y, 0)[:, None]
        w_n = keep if weight is None else weight[labels[:, 0]] * keep
        loss = -(1 - eps) * w_n * np.take_along_axis(log_s, labels, axis=1)[:, 0]
        if eps:  # the eps/C spread over all classes: -(eps/C) sum_k w_k log s_k
            smooth = log_s.sum(axis=1) if w is None else (w * log_s).sum(axis=1)
            loss -= (eps / classes) * keep * smooth
        if not keep.all():  # an ignored row adds 0, even when its logits are all -inf (0 * NaN is NaN)
            loss[keep == 0] = 0
        self.count = float(w_n.sum())
        self.save_for_backward(log_s, labels, w_n, keep, w)
        return _reduce(loss, reduction, self.count)

    def _forward_plain(self, z: np.ndarray, y: np.ndarray, reduction: str) -> np.ndarray:
        r"""The common case (class indices, no weights, smoothing or ignored targets), fast.

        $\ell_n = \log \sum_k e^{z_{nk} - m_n} - (z_{n y_n} - m_n)$ with $m_n = \max_k z_{nk}$, and
        $s = \mathrm{softmax}(z)$ kept for $\delta = s - \mathrm{onehot}(y)$. Computed on $z^\top$,
        classes by samples (as ``Linear`` stores its output): every operation then runs along rows
        of N values; on an (N, C) layout with few classes, each would loop over N rows of C values.
        """
        zT = z.T if z.T.flags.c_contiguous else np.ascontiguousarray(z.T)  # (C, N)
        n = zT.shape[1]
        # A row of all -inf logits gives NaN here, as in PyTorch, and NumPy's "invalid value" warning:
        # silencing it (np.errstate) would cost about a microsecond on every call of this fast path.
        shifted = zT - zT.max(axis=0)
        # The position of each target logit z_{n, y_n} in the flattened (C, N) array.
        flat = y * n
        flat += index_vector(n)
        picked = shifted.ravel().take(flat)
        s = np.exp(shifted, out=shifted)
        total = ones_vector(len(s), s.dtype) @ s  # sum over the classes
        loss = np.log(total)
        loss -= picked
        s /= total
        self.reduction, self.count = reduction, n
        self.save_for_backward(s, flat)
        return _reduce(loss, reduction, n)

    def backward(self, delta: np.ndarray) -> tuple:
        d = _scaled(delta, self.reduction, self.count)
        if self.plain:
            if not self.needs_input_grad[0]:
                return None, None
            s, flat = self.saved_tensors
            dzT = s * d  # (C, N); d is one number, or one per sample ("none")
            dzT.ravel()[flat] -= d  # delta = (s - onehot(y)) d
            return dzT.T, None
        if self.reduction == "none":
            d = np.expand_dims(d, 1)
        if self.probabilities:
            log_s, wt, w = self.saved_tensors
            dz = dy = None
            if self.needs_input_grad[0]:
                dz = np.exp(log_s) * wt.sum(axis=1, keepdims=True) - wt
                dz *= d
            if self.needs_input_grad[1]:
                dy = -(1 - self.eps) * (log_s if w is None else w * log_s) * d
            return dz, dy
        log_s, labels, w_n, keep, w = self.saved_tensors
        if not self.needs_input_grad[0]:
            return None, None
        classes, eps = log_s.shape[1], self.eps
        s = np.exp(log_s)
        coef = ((1 - eps) * w_n)[:, None]
        if eps:
            total_w = classes if w is None else w.sum()
            smooth = (eps / classes) * keep[:, None]
            dz = s * (coef + smooth * total_w) - smooth * (1 if w is None else w)
        else:
            dz = s * coef
        picked = np.take_along_axis(dz, labels, axis=1)
        np.put_along_axis(dz, labels, picked - coef, axis=1)  # - w_y at the target class
        dz *= d
        if not keep.all():  # an ignored row gets 0 even from a NaN or infinite delta, as PyTorch's
            np.copyto(dz, 0, where=np.expand_dims(keep == 0, 1))
        return dz, None


class NegativeLogLikelihood(Function):
    r"""Negative log-likelihood: $\ell = -w_y x_y$ for log-probabilities $x$ of shape (N, C, d1, ...).

    $\partial \ell / \partial x = -w_y$ at class $y$, 0 elsewhere.
    """

    def forward(
        self, x: np.ndarray, y: np.ndarray, reduction: str, weight: np.ndarray | None, ignore_index: int
    ) -> np.ndarray:
        keep = y != ignore_index
        labels = np.where(keep, y, 0)[:, None]
        w_n = keep.astype(x.dtype) if weight is None else weight[labels[:, 0]] * keep
        loss = -w_n * np.take_along_axis(x, labels, axis=1)[:, 0]
        self.reduction, self.count, self.shape = reduction, float(w_n.sum()), x.shape
        self.save_for_backward(labels, w_n, keep)
        return _reduce(loss, reduction, self.count)

    def backward(self, delta: np.ndarray) -> tuple:
        if not self.needs_input_grad[0]:
            return None, None
        labels, w_n, keep = self.saved_tensors
        d = _scaled(delta, self.reduction, self.count)
        dx = np.zeros(self.shape, dtype=w_n.dtype)
        with np.errstate(invalid="ignore"):  # inf * 0 where a weight is 0: NaN, as PyTorch's product
            picked = np.asarray(-w_n * d)
        if not keep.all():  # PyTorch skips an ignored target: 0 there even for a NaN or infinite delta
            picked = np.where(keep, picked, picked.dtype.type(0))
        np.put_along_axis(dx, labels, picked[:, None], axis=1)
        return dx, None


class MultiMargin(Function):
    r"""Multi-class hinge (``torch.nn.MultiMarginLoss``): $\ell = w_y \sum_{i \ne y} \max(0, m - x_y + x_i)^p / C$.

    $\delta_i = w_y \, p \, h_i^{p-1} [h_i > 0] / C$ for $i \ne y$ (with $h_i = m - x_y + x_i$), and
    $\delta_y = -\sum_{i \ne y} \delta_i$.
    """

    def forward(
        self, x: np.ndarray, y: np.ndarray, reduction: str, p: int, margin: float, weight: np.ndarray | None
    ) -> np.ndarray:
        n, classes = x.shape
        labels = y[:, None]
        h = margin - np.take_along_axis(x, labels, axis=1) + x
        active = h > 0
        np.put_along_axis(active, labels, False, axis=1)
        # max(0, NaN) is NaN (as in PyTorch): a NaN score must not vanish from the loss.
        keep = active | np.isnan(h)
        np.put_along_axis(keep, labels, False, axis=1)
        h = np.where(keep, h, 0)
        w_n = np.ones(n, dtype=x.dtype) if weight is None else weight[y]
        loss = (h if p == 1 else h * h).sum(axis=1) * w_n / classes
        self.reduction, self.count, self.p = reduction, n, p
        self.save_for_backward(labels, active, h, w_n)
        return _reduce(loss, reduction, n)

    def backward(self, delta: np.ndarray) -> tuple:
        if not self.needs_input_grad[0]:
            return None, None
        labels, active, h, w_n = self.saved_tensors
        d = _scaled(delta, self.reduction, self.count)
        if self.reduction == "none":
            d = d[:, None]
        dx = (active if self.p == 1 else 2 * h) * (w_n / active.shape[1])[:, None]
        np.put_along_axis(dx, labels, -dx.sum(axis=1, keepdims=True), axis=1)
        dx *= d
        return dx, None


# -- the functional interface --------------------------------------------------------------------
def mse_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    r"""Mean squared error (L2 loss) over all $N$ elements.

    $$
    L = \frac{1}{N} \sum_i (\hat y_i - y_i)^2, \qquad
    \frac{\partial L}{\partial \hat y_i} = \frac{2 (\hat y_i - y_i)}{N}
    $$

    The seeds' $\frac12 \sum_i (\hat y_i - y_i)^2$ (whose delta is $\hat y - y$) is
    ``0.5 * mse_loss(..., reduction="sum")``.

    Args:
        input: predictions $\hat y$, any shape.
        target: $y$, the same shape (Tensor or array).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> F.mse_loss(dn.tensor([1.0, 2.0]), dn.tensor([0.0, 0.0])).item()
        2.5
    """
    a, y, options = mse_loss_arguments(input, target, reduction=reduction)
    return SquaredError.apply(a, y, **options)


def mse_loss_arguments(input: Any, target: Any, *, reduction: str) -> tuple[Tensor, Tensor, dict[str, Any]]:
    """``mse_loss``'s checks, and what it hands ``SquaredError.apply`` (see ``cross_entropy_arguments``)."""
    a, y = _regression_inputs(input, target, "mse_loss", reduction)
    return a, y, dict(reduction=reduction)


def l1_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error (L1 loss) over all $N$ elements.

    $$
    L = \frac{1}{N} \sum_i |\hat y_i - y_i|, \qquad
    \frac{\partial L}{\partial \hat y_i} = \frac{\mathrm{sign}(\hat y_i - y_i)}{N}
    $$

    Args:
        input: predictions $\hat y$, any shape.
        target: $y$, the same shape.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> F.l1_loss(dn.tensor([1.0, -3.0]), dn.tensor([0.0, 0.0])).item()
        2.0
    """
    a, y = _regression_inputs(input, target, "l1_loss", reduction)
    return AbsoluteError.apply(a, y, reduction=reduction)


def huber_loss(input: Any, target: Any, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    r"""Huber loss (PyTorch's ``HuberLoss``): quadratic near the target like MSE, linear far away like MAE.

    $$
    \ell_i = \begin{cases}
        \frac12 d_i^2 & |d_i| < \delta \\
        \delta \left(|d_i| - \frac12 \delta\right) & \text{otherwise}
    \end{cases},
    \qquad d_i = \hat y_i - y_i
    $$

    and $L$ is the mean of the $\ell_i$. Its derivative is $d_i$ clipped to $[-\delta, \delta]$, so
    outliers pull no harder than $\delta$.

    Args:
        input: predictions $\hat y$, any shape.
        target: $y$, the same shape.
        reduction: "mean" (default), "sum" or "none".
        delta: $\delta > 0$, where the quadratic part turns linear (default 1.0).

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> F.huber_loss(dn.tensor([0.5, 3.0]), dn.tensor([0.0, 0.0]), reduction="none").array.tolist()
        [0.125, 2.5]
    """
    delta = _check_huber_delta(delta, "huber_loss")
    a, y = _elementwise_inputs(input, target, "huber_loss", reduction)
    return Huber.apply(a, y, reduction=reduction, huber_delta=delta)


def smooth_l1_loss(input: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    r"""Smooth L1 loss (Girshick 2015, PyTorch's ``SmoothL1Loss``): quadratic below $\beta$, L1 above.

    $$
    \ell_i = \begin{cases}
        \frac{1}{2} d_i^2 / \beta & |d_i| < \beta \\
        |d_i| - \frac{1}{2} \beta & \text{otherwise}
    \end{cases},
    \qquad d_i = \hat y_i - y_i, \qquad
    \frac{\partial \ell_i}{\partial \hat y_i} = \mathrm{clip}(d_i / \beta, -1, 1)
    $$

    It is ``huber_loss`` with $\delta = \beta$ divided by $\beta$, so its slope far from the target is
    1 whatever $\beta$; $\beta = 0$ gives the L1 loss.

    Args:
        input: predictions $\hat y$, any shape.
        target: $y$, the same shape.
        reduction: "mean" (default), "sum" or "none".
        beta: $\beta \ge 0$, where the quadratic part turns linear (default 1.0).

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> F.smooth_l1_loss(dn.tensor([0.5, 3.0]), dn.tensor([0.0, 0.0]), reduction="none").array.tolist()
        [0.125, 2.5]
    """
    beta = check.number(beta, "beta", "smooth_l1_loss", low=0)
    a, y = _regression_inputs(input, target, "smooth_l1_loss", reduction)
    return SmoothL1.apply(a, y, reduction=reduction, beta=beta)


def log_cosh_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    r"""Log-cosh loss: about $d^2/2$ for small errors $d$ and $|d| - \log 2$ for large ones.

    $$
    L = \frac{1}{N} \sum_i \log \cosh(\hat y_i - y_i), \qquad
    \frac{\partial L}{\partial \hat y_i} = \frac{\tanh(\hat y_i - y_i)}{N}
    $$

    Computed without overflow, as $|d| + \log(1 + e^{-2|d|}) - \log 2$.

    Args:
        input: predictions $\hat y$, any shape.
        target: $y$, the same shape.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> round(F.log_cosh_loss(dn.tensor([1.0, 1e4]), dn.tensor([0.0, 0.0]), reduction="sum").item(), 2)
        9999.74
    """
    a, y = _elementwise_inputs(input, target, "log_cosh_loss", reduction)
    return LogCosh.apply(a, y, reduction=reduction)


def cross_entropy(
    input: Any,
    target: Any,
    *,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    weight: Any = None,
    ignore_index: int = -100,
) -> Tensor:
    r"""Softmax cross-entropy from logits, over the classes on axis 1.

    $$
    \ell_n = -\sum_k y_{nk} \log \mathrm{softmax}(z_n)_k, \qquad
    \frac{\partial \ell_n}{\partial z_n} = \mathrm{softmax}(z_n) - y_n
    $$

    with $y_n$ one-hot for a class index. Log-softmax and the loss are one op, computed with
    log-sum-exp, so logits of $\pm 10^4$ are fine. Do not apply softmax before it. With class
    weights $w$ the term is $-\sum_k w_k y_{nk} \log \mathrm{softmax}(z_n)_k$, and "mean" over
    class-index targets divides by the sum of their weights $w_{y_n}$ (as PyTorch).

    Args:
        input: logits $z$ of shape (N, C) or (N, C, d1, ...) (classes on axis 1, as PyTorch), or
            (C,) for one sample.
        target: class indices of shape (N,) or (N, d1, ...), integers in $[0, C)$ (floats that
            are whole numbers are accepted), or class probabilities of the logits' shape; a
            class index of shape () or probabilities (C,) for one sample.
        reduction: "mean" (default; over samples and positions, or over the class-index
            targets' weights when ``weight`` is given), "sum" or "none" (shape (N, d1, ...)).
        label_smoothing: $\epsilon$ in $[0, 1]$: the target becomes $(1 - \epsilon) y + \epsilon / C$.
        weight: optional rescaling per class, shape (C,).
        ignore_index: class-index targets equal to it add nothing (nor to the mean's count) and get
            no gradient; it may lie outside $[0, C)$ (255 for unlabelled pixels). If every target
            is ignored, "mean" is $0/0$: NaN, with a zero gradient, as in PyTorch. Probability
            targets refuse any other value than the default -100, as PyTorch's.

    Shape:
        - input: $(N, C)$ or $(N, C, d_1, \dots)$.
        - target: $(N)$ or $(N, d_1, \dots)$ for class indices; the input's shape for probabilities.
        - output: $()$; $(N)$ or $(N, d_1, \dots)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> z = dn.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> round(F.cross_entropy(z, [0, 2]).item(), 4)
        0.6691
        >>> round(F.cross_entropy(z, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]).item(), 4)
        0.6691
    """
    single = _one_sample(input, target, "cross_entropy")
    if single is not None:  # PyTorch's unbatched form: logits (C,), a class index () or probabilities (C,)
        options = dict(reduction=reduction, label_smoothing=label_smoothing, weight=weight, ignore_index=ignore_index)
        return cross_entropy(*single, **options).reshape(())
    z, y, options = cross_entropy_arguments(
        input, target, reduction=reduction, label_smoothing=label_smoothing, weight=weight, ignore_index=ignore_index
    )
    return SoftmaxCrossEntropy.apply(z, y, **options)


def _one_sample(input: Any, target: Any, owner: str) -> tuple[Tensor, Tensor] | None:
    """An unbatched sample, scores (C,) with a class index () or with probabilities (C,), as a
    batch of one; None for anything else (the batched checks then speak)."""
    z = _as_tensor(input, owner, "input")  # a Tensor as it is; bad data raises here, by name
    if z.ndim != 1:
        return None
    y = _as_tensor(target, owner, "target")
    if y.ndim == 0 or y.shape == z.shape:
        return z.reshape(1, -1), y.reshape((1,) + tuple(y.shape))
    return None


def cross_entropy_arguments(
    input: Any, target: Any, *, reduction: str, label_smoothing: float, weight: Any, ignore_index: int
) -> tuple[Tensor, Tensor, dict[str, Any]]:
    """``cross_entropy``'s checks, and what it hands ``SoftmaxCrossEntropy.apply``: the logits, the
    targets (class indices as int64) and the options. ``compile_step`` calls the Function with them."""
    owner = "cross_entropy"
    _check_reduction(reduction, owner)
    z = _as_tensor(input, owner, "input")
    y = _as_tensor(target, owner, "target")
    _check_input(z, owner)
    shape = z.array.shape  # the array's, not the Tensor property (every step)
    if len(shape) < 2:
        raise ValueError(
            f"cross_entropy expects logits of shape (N, C) or (N, C, d1, ...), got shape {shape}; "
            f"for a single sample use input.reshape(1, -1)"
        )
    label_smoothing = _check_label_smoothing(label_smoothing, owner)
    w = _class_weight(weight, shape[1], z.array.dtype, owner)
    probabilities = y.array.shape == shape
    all_classes = False
    if probabilities:
        if ignore_index != -100:
            # PyTorch refuses it too: a probability target has no class to ignore.
            raise ValueError(
                f"cross_entropy: ignore_index applies to class-index targets, got ignore_index={ignore_index} "
                f"with probability targets of the logits' shape {shape}; mask those samples out instead"
            )
        _check_finite(y.array, owner)
        _check_range(y.array, 0, 1, owner, "probability targets", "")
    else:
        labels, all_classes = _class_indices(y, z, owner, ignore_index)
        if labels is not y.array:
            y = Tensor._make(labels)
    plain = all_classes and label_smoothing == 0 and w is None and len(shape) == 2 and not 0 <= ignore_index < shape[1]
    plain = plain and not backend.REFERENCE  # DELTANET_REFERENCE=1: the general formula below, for comparison
    options = dict(
        reduction=reduction,
        label_smoothing=label_smoothing,
        weight=w,
        ignore_index=int(ignore_index),
        probabilities=probabilities,
        plain=plain,
    )
    return z, y, options


def nll_loss(
    input: Any, target: Any, *, reduction: str = "mean", weight: Any = None, ignore_index: int = -100
) -> Tensor:
    r"""Negative log-likelihood of class indices, for log-probabilities $x$.

    $$
    \ell_n = -w_{y_n} \, x_{n, y_n}
    $$

    ``nll_loss(log_softmax(z, axis=1), y)`` equals ``cross_entropy(z, y)``; use that fused op
    for training.

    Args:
        input: log-probabilities $x$ of shape (N, C) or (N, C, d1, ...), or (C,) for one sample.
        target: class indices of shape (N,) or (N, d1, ...), integers in $[0, C)$ (shape () for
            one sample).
        reduction: "mean" (default; divided by the sum of the targets' weights), "sum" or "none".
        weight: optional rescaling per class $w$, shape (C,) (all 1 when None).
        ignore_index: targets equal to it add nothing.

    Shape:
        - input: $(N, C)$ or $(N, C, d_1, \dots)$.
        - target: $(N)$ or $(N, d_1, \dots)$.
        - output: $()$; $(N)$ or $(N, d_1, \dots)$ with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.functional as F
        >>> p = np.array([[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]])
        >>> round(F.nll_loss(dn.tensor(np.log(p)), [0, 1, 0]).item(), 2)
        0.38
    """
    owner = "nll_loss"
    _check_reduction(reduction, owner)
    single = _one_sample(input, target, owner)
    if single is not None and single[1].ndim == 1:  # PyTorch's unbatched form: (C,) with a class index ()
        return nll_loss(*single, reduction=reduction, weight=weight, ignore_index=ignore_index).reshape(())
    x = _as_tensor(input, owner, "input")
    _check_input(x, owner)
    if x.ndim < 2:
        raise ValueError(f"nll_loss expects log-probabilities of shape (N, C) or (N, C, d1, ...), got shape {x.shape}")
    labels, _ = _class_indices(_as_tensor(target, owner, "target"), x, owner, ignore_index)
    w = _class_weight(weight, x.shape[1], x.dtype, owner)
    return NegativeLogLikelihood.apply(
        x, Tensor._make(labels), reduction=reduction, weight=w, ignore_index=int(ignore_index)
    )


def binary_cross_entropy(input: Any, target: Any, *, reduction: str = "mean", weight: Any = None) -> Tensor:
    r"""Binary cross-entropy of probabilities $\hat y = p$.

    $$
    \ell_i = -\left[y_i \log p_i + (1 - y_i) \log(1 - p_i)\right]
    $$

    The logs are clamped at $-100$ as in PyTorch, so $p = 0$ or 1 gives a finite loss. After a
    sigmoid, ``binary_cross_entropy_with_logits`` on the logits is more accurate.

    Args:
        input: probabilities $p$ in $[0, 1]$, any shape.
        target: $y$ in $[0, 1]$, the same shape.
        reduction: "mean" (default), "sum" or "none".
        weight: optional rescaling $w_i$ of each term, broadcast to the input's shape: the loss
            becomes $w_i \ell_i$ (and "mean" still divides by the number of elements).

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> round(F.binary_cross_entropy(dn.tensor([0.9, 0.2]), dn.tensor([1.0, 0.0])).item(), 4)
        0.1643
    """
    owner = "binary_cross_entropy"
    p, y = _elementwise_inputs(input, target, owner, reduction)
    # A NaN prediction gives a NaN loss (fit's NaN policy then names the epoch and step of the
    # divergence); only numbers outside [0, 1] are a misuse.
    _check_range(
        p.array,
        0,
        1,
        owner,
        "input probabilities",
        " (apply sigmoid first, or use binary_cross_entropy_with_logits on logits)",
        allow_nan=True,
    )
    _check_range(y.array, 0, 1, owner, "target", "")
    w = _broadcast_weight(weight, p, "weight", owner)
    return BinaryCrossEntropy.apply(p, y, reduction=reduction, weight=w)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, *, reduction: str = "mean", pos_weight: Any = None, weight: Any = None
) -> Tensor:
    r"""Sigmoid + binary cross-entropy from logits $z$, fused and stable.

    $$
    \ell_i = -\left[w_+ \, y_i \log \sigma(z_i) + (1 - y_i) \log(1 - \sigma(z_i))\right]
    = (1 - y_i) z_i + (1 + (w_+ - 1) y_i) \log(1 + e^{-z_i})
    $$

    with $w_+$ = ``pos_weight`` (PyTorch's form). Without ``pos_weight``
    $\partial \ell_i / \partial z_i = \sigma(z_i) - y_i$.

    Args:
        input: logits $z$, any shape.
        target: $y$ in $[0, 1]$, the same shape.
        reduction: "mean" (default), "sum" or "none".
        pos_weight: optional weight $w_+$ of the positive examples, broadcast along the last axis
            (one per class, shape (C,)); $w_+ > 1$ raises recall.
        weight: optional rescaling $w_i$ of each term, broadcast to the input's shape: the loss
            becomes $w_i \ell_i$ (and "mean" still divides by the number of elements).

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> z = dn.tensor([1e4, -1e4, 0.0])
        >>> round(F.binary_cross_entropy_with_logits(z, dn.tensor([1.0, 0.0, 1.0]), reduction="sum").item(), 4)
        0.6931
    """
    owner = "binary_cross_entropy_with_logits"
    z, y = _elementwise_inputs(input, target, owner, reduction)
    _check_range(y.array, 0, 1, owner, "target", "")
    pw = _broadcast_weight(pos_weight, z, "pos_weight", owner, " (give one value per class of the last axis)")
    w = _broadcast_weight(weight, z, "weight", owner)
    return SigmoidBinaryCrossEntropy.apply(z, y, reduction=reduction, weight=w, pos_weight=pw)


def _broadcast_weight(value: Any, a: Tensor, name: str, owner: str, hint: str = "") -> np.ndarray | None:
    """A weight array that broadcasts to the input's shape without growing it, in its dtype."""
    if value is None:
        return None
    w = np.asarray(value.array if isinstance(value, Tensor) else value)
    if w.dtype.kind not in "fiu" or not np.isfinite(w).all():
        raise ValueError(f"{owner}: {name} must hold finite numbers, got {w!r}")
    try:
        fits = np.broadcast_shapes(w.shape, a.shape) == a.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{owner}: {name} of shape {w.shape} does not broadcast to the input's shape {a.shape}{hint}")
    return w.astype(a.dtype)


def hinge_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    r"""Binary hinge loss (the SVM's) for scores $f$ and labels $t = \pm 1$.

    $$
    \ell_i = \max(0, 1 - t_i f_i), \qquad
    \frac{\partial \ell_i}{\partial f_i} = \begin{cases} -t_i & t_i f_i < 1 \\ 0 & \text{otherwise} \end{cases}
    $$

    Labels may be given as $\{-1, +1\}$ or as $\{0, 1\}$: a 0 is read as $-1$ (the negative class).
    Use it on raw scores (identity output).

    Args:
        input: scores $f$, any shape.
        target: labels $t$ in $\{-1, +1\}$ (or $\{0, 1\}$), the same shape.
        reduction: "mean" (default), "sum" or "none".

    Shape:
        - input: $(*)$, any shape.
        - target: $(*)$, the same shape.
        - output: $()$; $(*)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> F.hinge_loss(dn.tensor([2.0, 0.5, 0.5]), dn.tensor([1, 1, -1]), reduction="none").array.tolist()
        [0.0, 0.5, 1.5]
    """
    owner = "hinge_loss"
    f, t = _elementwise_inputs(input, target, owner, reduction)
    labels = t.array
    valid = (labels == 1) | (labels == -1) | (labels == 0)
    if not valid.all():
        raise ValueError(f"{owner}: labels must be -1 or +1 (or 0 and 1), got {labels[~valid].flat[0].item()!r}")
    return Hinge.apply(f, t, reduction=reduction)


def multi_margin_loss(
    input: Any, target: Any, *, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    r"""Multi-class hinge loss, as ``torch.nn.MultiMarginLoss``, for scores $x$ of $C$ classes.

    $$
    \ell_n = \frac{w_{y_n}}{C} \sum_{i \ne y_n} \max(0, m - x_{n y_n} + x_{ni})^p
    $$

    Args:
        input: scores $x$ of shape (N, C).
        target: class indices $y$ of shape (N,).
        p: 1 (default) or 2.
        margin: $m$ (default 1.0).
        weight: optional rescaling per class $w$, shape (C,) (multiplies the loss of samples of
            that class; all 1 when None).
        reduction: "mean" (default; over the N samples), "sum" or "none".

    Shape:
        - input: $(N, C)$.
        - target: $(N)$.
        - output: $()$; $(N)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.functional as F
        >>> round(F.multi_margin_loss(dn.tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 4)
        0.325
    """
    owner = "multi_margin_loss"
    _check_reduction(reduction, owner)
    p, margin = _check_margin_options(p, margin, owner)
    x = _as_tensor(input, owner, "input")
    _check_input(x, owner)
    if x.ndim != 2:
        raise ValueError(f"{owner} expects scores of shape (N, C), got shape {x.shape}")
    labels, _ = _class_indices(_as_tensor(target, owner, "target"), x, owner, None)
    w = _class_weight(weight, x.shape[1], x.dtype, owner)
    return MultiMargin.apply(x, Tensor._make(labels), reduction=reduction, p=p, margin=margin, weight=w)


__all__ = [
    "REDUCTIONS",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "huber_loss",
    "l1_loss",
    "log_cosh_loss",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "smooth_l1_loss",
]
