r"""Connectionist temporal classification (Graves et al., 2006): the negative log-likelihood of a
label sequence $\mathbf{l}$ given per-step log-probabilities $x_{t,k}$, summed over every alignment.

An alignment walks the extended label sequence $\mathbf{l}'$ ($\mathbf{l}$ with a blank $b$ before,
between and after its labels, $|\mathbf{l}'| = 2|\mathbf{l}| + 1$ states), one state per time
step: it stays, moves one state on, or skips the blank between two different labels. The forward
variable $\alpha_t(s)$ is the probability of the prefixes that are in state $s$ at step $t$:

$$
\alpha_t(s) = \big(\alpha_{t-1}(s) + \alpha_{t-1}(s - 1)
    + [\, l'_s \ne l'_{s-2} \,]\, \alpha_{t-1}(s - 2)\big)\, y^t_{l'_s},
\qquad p(\mathbf{l} \mid \mathbf{x}) = \alpha_{T-1}(|\mathbf{l}'| - 1) + \alpha_{T-1}(|\mathbf{l}'| - 2)
$$

with $y^t_k = e^{x_{t,k}}$, $\alpha_0(0) = y^0_b$ and $\alpha_0(1) = y^0_{l_1}$. The backward
variable $\beta_t(s)$ is the same sum over the suffixes, run from the last step. Both include
$y^t_{l'_s}$, so $\alpha_t(s) \beta_t(s) / y^t_{l'_s}$ is the probability of the alignments that
pass through state $s$ at step $t$. Everything is computed in log space, as PyTorch's
``aten/src/ATen/native/LossCTC.cpp`` does (its sum $\log \sum_i e^{a_i - m} + m$ with
$m = \max_i a_i$), vectorised over the batch and the states: one Python loop over time.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Function, Tensor
from deltanet.functional.embedding_losses import float_input
from deltanet.functional.losses import _as_tensor, _check_reduction

_OWNER = "ctc_loss"


def _log_add(*a: np.ndarray) -> np.ndarray:
    r"""$\log \sum_i e^{a_i}$ as PyTorch writes it: $\log \sum_i e^{a_i - m} + m$, $m = \max_i a_i$ (0 if $-\infty$)."""
    m = functools.reduce(np.maximum, a)
    m = np.where(m == -np.inf, 0, m).astype(m.dtype, copy=False)
    return np.log(sum(np.exp(a_i - m) for a_i in a)) + m


def _shifted(a: np.ndarray, k: int) -> np.ndarray:
    r"""``a`` moved ``k`` states along the last axis (on for $k > 0$, back for $k < 0$), $-\infty$ coming in."""
    out = np.full_like(a, -np.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CTCNegativeLogLikelihood(Function):
    r"""Per-sample $\ell_n = -\log p(\mathbf{l}_n \mid \mathbf{x}_n)$ for log-probabilities $x$ of shape (T, N, C).

    Its gradient is PyTorch's (Graves et al., eq. 16, with $x$ in place of the softmax's input):

    $$
    \frac{\partial \ell}{\partial x_{t,k}} = e^{x_{t,k}} - \gamma_t(k), \qquad
    \gamma_t(k) = \frac{1}{p(\mathbf{l} \mid \mathbf{x})} \sum_{s : l'_s = k} \frac{\alpha_t(s)\, \beta_t(s)}{y^t_k}
    $$

    for $t$ below the sample's input length, 0 from there on. The derivative with respect to $x$
    itself is $-\gamma_t(k)$; the two agree after ``log_softmax``, whose backward removes any term
    that is the same sum for every step ($\sum_k e^{x_{t,k}} = \sum_k \gamma_t(k) = 1$), which is
    how CTC is used. With ``zero_infinity`` an infinite loss (no alignment fits the input length)
    is 0 and so is its gradient.
    """

    def forward(
        self,
        x: np.ndarray,
        l_prime: np.ndarray,
        input_lengths: np.ndarray,
        target_lengths: np.ndarray,
        zero_infinity: bool,
    ) -> np.ndarray:
        T, N, _ = x.shape
        states = np.arange(l_prime.shape[1])
        valid = states <= 2 * target_lengths[:, None]  # (N, S'): the states of each sample's l'
        # y[t, n, s] = log y^t_{l'_s}; -inf outside l'
        y = np.where(valid, np.take_along_axis(x, l_prime[None], axis=2), -np.inf).astype(x.dtype)
        skip = np.zeros_like(valid)  # [l'_s != l'_{s-2}]: true between two different labels only
        skip[:, 2:] = valid[:, 2:] & (l_prime[:, 2:] != l_prime[:, :-2])

        alpha = np.full_like(y, -np.inf)
        alpha[0, :, :2] = y[0, :, :2]
        rows = np.arange(N)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            for t in range(1, T):  # alpha_t(s) = (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip] alpha_{t-1}(s-2)) y_t
                a = alpha[t - 1]
                alpha[t] = _log_add(a, _shifted(a, 1), np.where(skip, _shifted(a, 2), -np.inf)) + y[t]
            last = alpha[np.maximum(input_lengths - 1, 0), rows]  # (N, S'): alpha at each sample's last step
            end = last[rows, 2 * target_lengths]
            before_end = np.where(target_lengths > 0, last[rows, np.maximum(2 * target_lengths - 1, 0)], -np.inf)
            log_p = _log_add(end, before_end.astype(x.dtype))
        # no step at all: the empty target has probability 1, any other 0
        log_p = np.where(input_lengths == 0, np.where(target_lengths == 0, 0, -np.inf), log_p).astype(x.dtype)
        nll = -log_p
        self.zeroed = (nll == np.inf) & zero_infinity
        if self.needs_input_grad[0]:
            self.save_for_backward(x, l_prime, input_lengths, valid, skip, y, alpha, nll)
        return np.where(self.zeroed, 0, nll).astype(x.dtype)

    def backward(self, delta: np.ndarray) -> tuple:
        if not self.needs_input_grad[0]:
            return (None,)
        x, l_prime, input_lengths, valid, skip, y, alpha, nll = self.saved_tensors
        T, N, C = x.shape
        beta = _log_beta(y, valid, skip, input_lengths)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            # u = log(alpha beta / y), summed per class k over the states with l'_s = k
            u = np.where(valid, alpha + beta - y, -np.inf)
            m = np.max(np.where(np.isnan(u), -np.inf, u), axis=2, keepdims=True)
            m = np.where(m == -np.inf, 0, m)
            cells = (np.arange(T)[:, None, None] * N + np.arange(N)[None, :, None]) * C + l_prime[None]
            total = np.bincount(cells.ravel(), weights=np.exp(u - m).ravel(), minlength=T * N * C)
            log_gamma = np.log(total.reshape(T, N, C)) + m + nll[None, :, None]
            grad = np.exp(x) - np.exp(log_gamma)
        # PyTorch's e^x - e^(log sum(alpha beta) + nll - x) is NaN where x = -inf, in or out of l'
        grad = np.where(x == -np.inf, np.nan, grad) * delta[None, :, None]
        kept = (np.arange(T)[:, None] < input_lengths[None, :]) & ~self.zeroed[None, :]
        return (np.where(kept[:, :, None], grad, 0).astype(x.dtype),)


def _log_beta(y: np.ndarray, valid: np.ndarray, skip: np.ndarray, input_lengths: np.ndarray) -> np.ndarray:
    r"""$\log \beta_t(s)$: from $\beta_{T_n-1}(s) = y^{T_n-1}_{l'_s}$ on the last two states of $\mathbf{l}'$ back to 0.

    $$
    \beta_t(s) = \big(\beta_{t+1}(s) + \beta_{t+1}(s + 1)
        + [\, l'_s \ne l'_{s+2} \,]\, \beta_{t+1}(s + 2)\big)\, y^t_{l'_s}
    $$
    """
    T = y.shape[0]
    last_state = valid.sum(axis=1) - 1  # 2 |l|
    ends = valid & (np.arange(valid.shape[1]) >= (last_state - 1)[:, None])
    skip_on = np.zeros_like(skip)  # [l'_{s+2} != l'_s]
    skip_on[:, :-2] = skip[:, 2:]
    beta = np.full_like(y, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for t in range(T - 1, -1, -1):
            start = np.where(ends, y[t], -np.inf)
            if t + 1 < T:  # beta_t(s) = (beta_{t+1}(s) + beta_{t+1}(s+1) + [skip] beta_{t+1}(s+2)) y_t
                b = beta[t + 1]
                recursed = _log_add(b, _shifted(b, -1), np.where(skip_on, _shifted(b, -2), -np.inf)) + y[t]
            else:
                recursed = np.full_like(start, -np.inf)
            step = (t - (input_lengths - 1))[:, None]  # < 0 before each sample's last step
            beta[t] = np.where(step == 0, start, np.where(step < 0, recursed, -np.inf))
    return beta


def _lengths(value: Any, name: str, batch: int) -> np.ndarray:
    """The lengths as int64: a tensor or array of integers (any shape, as PyTorch flattens it) or a tuple of ints."""
    if isinstance(value, (Tensor, np.ndarray)):
        a = value.array if isinstance(value, Tensor) else value
        if a.dtype.kind not in "iu":
            raise RuntimeError(f"{_OWNER}: {name} must be integral, got dtype {a.dtype}")
        a = a.reshape(-1).astype(np.int64)
    elif isinstance(value, (tuple, list)) and all(check.is_integer(v) for v in value):
        a = np.asarray(value, dtype=np.int64).reshape(-1)
    else:
        raise TypeError(f"{_OWNER}: {name} must be a tensor of integers or a tuple of ints, got {value!r}")
    if a.size != batch:
        raise RuntimeError(f"{_OWNER}: {name} must be of size batch_size ({batch}), got {a.size} lengths")
    return a


def _label_rows(targets: Any, target_lengths: np.ndarray, batch: int) -> np.ndarray:
    """The targets as one row of class indices per sample, (N, max length), from either layout."""
    t = _as_tensor(targets, _OWNER, "targets").array
    if t.dtype.kind not in "iuf":
        raise ValueError(f"{_OWNER}: targets must hold integer class indices, got dtype {t.dtype}")
    if t.ndim not in (1, 2):
        raise RuntimeError(
            f"{_OWNER}: targets must be (N, S) padded or 1-D concatenated (sum(target_lengths),), got shape {t.shape}"
        )
    if t.dtype.kind == "f":  # PyTorch truncates them to integers: refuse a fraction rather than drop it
        fractional = ~np.isfinite(t) | (t != np.trunc(t))
        if fractional.any():
            raise ValueError(
                f"{_OWNER}: class indices must be integers, got the non-integer value {t[fractional].flat[0]}"
            )
    t = t.astype(np.int64)
    longest = int(target_lengths.max(initial=0))
    if t.ndim == 1:
        total = int(target_lengths.sum())
        if t.shape[0] != total:
            raise RuntimeError(
                f"{_OWNER}: concatenated targets must hold sum(target_lengths) = {total} labels, got {t.shape[0]}"
            )
        starts = np.cumsum(target_lengths) - target_lengths
        k = np.arange(longest)
        inside = k < target_lengths[:, None]
        return np.where(inside, t[np.where(inside, starts[:, None] + k, 0)], 0)
    if t.shape[0] != batch:
        raise RuntimeError(f"{_OWNER}: targets must have one row per sample ({batch}), got {t.shape[0]} rows")
    if t.shape[1] < longest:
        raise RuntimeError(
            f"{_OWNER}: targets must have at least max(target_lengths) = {longest} columns, got {t.shape[1]}"
        )
    return t[:, :longest]


def _extended_labels(labels: np.ndarray, target_lengths: np.ndarray, blank: int, classes: int) -> np.ndarray:
    r"""$\mathbf{l}'$: a blank before, between and after the labels, (N, 2S + 1); blanks past each target's end."""
    inside = np.arange(labels.shape[1]) < target_lengths[:, None]
    bad = inside & ((labels < 0) | (labels >= classes) | (labels == blank))
    if bad.any():
        raise ValueError(
            f"{_OWNER}: targets must be class indices in [0, {classes}) other than the blank ({blank}), "
            f"got {labels[bad].flat[0]}"
        )
    l_prime = np.full((labels.shape[0], 2 * labels.shape[1] + 1), blank, dtype=np.int64)
    l_prime[:, 1::2] = np.where(inside, labels, blank)
    return l_prime


def ctc_loss(
    log_probs: Any,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    r"""Connectionist temporal classification loss: $-\log p(\mathbf{l} \mid \mathbf{x})$, summed over all alignments.

    $$
    \ell_n = -\log \sum_{\pi \in \mathcal{B}^{-1}(\mathbf{l}_n)} \prod_{t=0}^{T_n - 1} y^t_{\pi_t},
    \qquad y^t_k = e^{x_{t,n,k}}
    $$

    $\mathcal{B}$ removes repeated labels, then blanks, from a path $\pi$ of $T_n$ classes (the
    sample's input length); the sum is computed by the forward recursion of Graves et al. (2006).
    A target longer than its input can align to gives $\ell_n = \infty$, as in PyTorch
    (``zero_infinity=True`` makes it 0). ``reduction="mean"`` divides each $\ell_n$ by its target
    length (at least 1), then averages over the batch.

    The gradient is PyTorch's, $\partial \ell / \partial x_{t,k} = e^{x_{t,k}} - \gamma_t(k)$ with
    $\gamma_t(k)$ the posterior of class $k$ at step $t$ (Graves et al., eq. 16): it is the
    gradient with respect to the logits of ``log_softmax``, which ``log_probs`` must come from (the
    derivative with respect to $x$ itself is $-\gamma_t(k)$; ``log_softmax``'s backward makes the
    two equal). Steps past a sample's input length get 0.

    Args:
        log_probs: $x$, log-probabilities (``log_softmax`` over the classes), $(T, N, C)$, or $(T, C)$ for one sample.
        targets: class indices, $(N, S)$ padded (row $n$ read up to ``target_lengths[n]``) or 1-D,
            the targets concatenated ($\sum_n S_n$ labels). Not the blank, each in $[0, C)$.
        input_lengths: $T_n \le T$ per sample: a tensor of integers or a tuple of ints.
        target_lengths: $S_n$ per sample: a tensor of integers or a tuple of ints.
        blank: the blank's class index (default 0).
        reduction: "mean" (default; each loss divided by its target length, then averaged), "sum" or "none".
        zero_infinity: replace infinite losses, and their gradients, by 0.

    Returns:
        The loss: a scalar, or one per sample, $(N,)$, with ``reduction="none"`` (a scalar for one sample).

    Raises:
        RuntimeError: where PyTorch raises it: ``log_probs`` not 2-D or 3-D, or empty; ``blank``
            outside $[0, C)$; lengths not integers, not of size $N$, negative, or an input length
            above $T$; targets of the wrong shape or size.
        ValueError: ``log_probs`` not floating-point, a bad ``reduction``; a label outside
            $[0, C)$, equal to the blank or a fraction (PyTorch reads memory out of bounds, takes
            the blank as a label, or truncates: refused here).
        TypeError: lengths that are neither a tensor nor a tuple of ints.

    Shape:
        - log_probs: $(T, N, C)$ or $(T, C)$.
        - targets: $(N, S)$ or $(\sum_n S_n,)$; $(S,)$ or $(1, S)$ for one sample.
        - input_lengths, target_lengths: $(N,)$.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn, deltanet.nn.functional as F
        >>> x = dn.tensor([[[0.0, 0.0]], [[0.0, 0.0]]]).log_softmax(2)  # T = 2 steps, N = 1, C = 2
        >>> round(F.ctc_loss(x, dn.tensor([[1]]), (2,), (1,), reduction="sum").exp().item(), 4)  # 1/p: paths 1b, b1, 11
        1.3333
    """
    reduction = _check_reduction(reduction, _OWNER)
    zero_infinity = check.flag(zero_infinity, "zero_infinity", _OWNER)
    x = float_input(log_probs, "log_probs", _OWNER)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{_OWNER}: log_probs must be (T, N, C) or, for one sample, (T, C), got shape {x.shape}")
    batched = x.ndim == 3
    if not batched:
        x = x.unsqueeze(1)
    T, N, C = x.shape
    if x.size == 0:
        raise RuntimeError(f"{_OWNER}: log_probs tensor must not be empty, got shape {tuple(x.shape)}")
    blank = check.integer(blank, "blank", _OWNER)
    if not 0 <= blank < C:
        raise RuntimeError(f"{_OWNER}: blank must be in label range [0, {C}), got {blank}")
    T_n = _lengths(input_lengths, "input_lengths", N)
    S_n = _lengths(target_lengths, "target_lengths", N)
    for name, lengths in (("input_lengths", T_n), ("target_lengths", S_n)):
        if (lengths < 0).any():
            raise RuntimeError(f"{_OWNER}: Expected {name} to have value at least 0, but got value {lengths.min()}")
    if (T_n > T).any():
        raise RuntimeError(
            f"{_OWNER}: Expected input_lengths to have value at most {T} (the steps of log_probs), "
            f"but got value {T_n.max()}"
        )
    l_prime = _extended_labels(_label_rows(targets, S_n, N), S_n, blank, C)
    loss = CTCNegativeLogLikelihood.apply(
        x, l_prime=l_prime, input_lengths=T_n, target_lengths=S_n, zero_infinity=zero_infinity
    )
    if reduction == "mean":
        return (loss / Tensor._make(np.maximum(S_n, 1).astype(x.dtype))).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)
