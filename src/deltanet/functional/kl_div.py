r"""The Kullback-Leibler divergence loss, as ``torch.nn.functional.kl_div``.

The input holds log-probabilities $x = \log q$ of the model and the target the probabilities
$p$ of the reference distribution (or their logarithms with ``log_target=True``); the loss is
$\mathrm{KL}(p \,\|\, q) = \sum_k p_k (\log p_k - \log q_k)$, summed per element before the
reduction:

$$
\ell_i = p_i (\log p_i - x_i), \qquad
\frac{\partial \ell_i}{\partial x_i} = -p_i, \qquad
\frac{\partial \ell_i}{\partial p_i} = \log p_i + 1 - x_i
$$

with $0 \log 0 = 0$. With ``log_target=True`` the target is $t = \log p$ and
$\ell_i = e^{t_i} (t_i - x_i)$, $\partial \ell_i / \partial t_i = e^{t_i} (t_i - x_i + 1)$.

The mathematical KL divergence of a batch of distributions is ``reduction="batchmean"`` (the sum
divided by the batch size). PyTorch's default "mean" divides by the number of *elements* instead,
which is the KL divergence divided by the number of classes too; it is kept as the default, as in
PyTorch (which warns about it, and so does this module).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.losses import _as_tensor, _check_finite, _check_input, _check_same_shape, _ElementwiseLoss

REDUCTIONS = ("mean", "batchmean", "sum", "none")


def check_reduction(reduction: Any, owner: str) -> str:
    """One of ``REDUCTIONS``, or ValueError naming ``owner``."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    return reduction


class KLDivergence(_ElementwiseLoss):
    r"""$\ell = p (\log p - x)$, or $e^t (t - x)$ for a log target $t$ (see the module docstring)."""

    def loss(self, x: np.ndarray, target: np.ndarray, log_target: bool) -> np.ndarray:
        self.log_target = log_target
        if log_target:
            p = np.exp(target)
            self.save_for_backward(x, target, p)
            with np.errstate(invalid="ignore"):  # p = 0 with t = -inf gives NaN, as in PyTorch
                return p * (target - x)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 log 0 = 0; a negative p gives NaN, as in PyTorch
            log_p = np.log(target)
            plogp = np.where(target == 0, 0.0, target * log_p)
        self.save_for_backward(x, target, log_p)
        return plogp - target * x

    def grad_input(self) -> np.ndarray:
        _, target, saved = self.saved_tensors
        return -(saved if self.log_target else target)

    def grad_target(self) -> np.ndarray:
        x, target, saved = self.saved_tensors
        with np.errstate(invalid="ignore"):
            if self.log_target:
                return saved * (target - x + 1)
            return saved + 1 - x


def kl_div(input: Any, target: Any, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    r"""Kullback-Leibler divergence of the target distribution $p$ from the input's, for log-probabilities $x$.

    $$
    \ell_i = p_i \left(\log p_i - x_i\right), \qquad
    \frac{\partial \ell_i}{\partial x_i} = -p_i
    $$

    with $0 \log 0 = 0$; the input must be log-probabilities (``log_softmax`` of the logits), the
    target probabilities (or log-probabilities with ``log_target=True``). "batchmean" gives
    $\frac1N \sum_n \mathrm{KL}(p_n \| q_n)$, the divergence per sample; PyTorch's default
    "mean" divides by the number of elements instead (and warns, as here).

    Args:
        input: log-probabilities $x = \log q$, e.g. of shape $(N, C)$.
        target: $p$ (or $\log p$ with ``log_target``), the same shape.
        reduction: "mean" (default: sum over the number of elements), "batchmean" (sum over $N$),
            "sum" or "none".
        log_target: the target holds $\log p$ rather than $p$.

    Raises:
        ValueError: an unknown reduction, a shape mismatch, a NaN or infinite target, or integer
            input.

    Shape:
        - input: $(*)$, any shape, the batch on axis 0.
        - target: the input's shape.
        - output: $()$; the input's shape with ``reduction="none"``.

    Examples:
        >>> import numpy as np, deltanet as dn, deltanet.functional as F
        >>> x = dn.tensor(np.log([[0.5, 0.5]]))
        >>> round(F.kl_div(x, dn.tensor([[0.9, 0.1]]), reduction="batchmean").item(), 4)
        0.3681
    """
    owner = "kl_div"
    check_reduction(reduction, owner)
    log_target = check.flag(log_target, "log_target", owner)
    x = _as_tensor(input, owner, "input")
    y = _as_tensor(target, owner, "target")
    _check_input(x, owner)
    _check_same_shape(x, y, owner)
    _check_finite(y.array, owner)
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the number of "
            "classes; 'batchmean' divides by the batch size only and is the KL divergence per sample "
            "(PyTorch gives the same warning)",
            UserWarning,
            stacklevel=2,
        )
    return KLDivergence.apply(x, y, reduction=reduction, log_target=log_target)


__all__ = ["kl_div"]
