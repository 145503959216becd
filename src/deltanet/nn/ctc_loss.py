r"""``nn.CTCLoss``, with PyTorch's arguments and defaults; ``forward`` calls
``deltanet.functional.ctc_loss``."""

from __future__ import annotations

from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor
from deltanet.functional.ctc_loss import ctc_loss
from deltanet.nn.loss import Loss


class CTCLoss(Loss):
    r"""Connectionist temporal classification loss: $-\log p(\mathbf{l} \mid \mathbf{x})$ over all alignments.

    $$
    \ell_n = -\log \sum_{\pi \in \mathcal{B}^{-1}(\mathbf{l}_n)} \prod_{t=0}^{T_n - 1} y^t_{\pi_t}
    $$

    Called as ``loss(log_probs, targets, input_lengths, target_lengths)``; see
    ``deltanet.nn.functional.ctc_loss`` for the arguments and for the gradient, which is PyTorch's
    ($e^{x_{t,k}} - \gamma_t(k)$: right for ``log_probs`` that come from ``log_softmax``).

    Args:
        blank: the blank's class index (default 0).
        reduction: "mean" (default; each loss divided by its target length, then averaged), "sum" or "none".
        zero_infinity: replace infinite losses (a target longer than its input can align to), and
            their gradients, by 0.

    Shape:
        - log_probs: $(T, N, C)$ or $(T, C)$, log-probabilities over the classes.
        - targets: $(N, S)$ padded, or 1-D, the targets concatenated.
        - input_lengths, target_lengths: $(N,)$, tensors of integers or tuples of ints.
        - output: a scalar; $(N,)$ with ``reduction="none"``.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([[[0.0, 0.0]], [[0.0, 0.0]]]).log_softmax(2)  # T = 2, N = 1, C = 2
        >>> round(dn.nn.CTCLoss(reduction="sum")(x, dn.tensor([[1]]), (2,), (1,)).item(), 4)  # -log 3/4
        0.2877
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = check.integer(blank, "blank", "CTCLoss", low=0)
        self.zero_infinity = check.flag(zero_infinity, "zero_infinity", "CTCLoss")

    def __call__(  # type: ignore[override]
        self, log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return self.forward(log_probs, targets, input_lengths, target_lengths)

    def forward(  # type: ignore[override]
        self, log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return ctc_loss(
            log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction, self.zero_infinity
        )

    def extra_repr(self) -> str:
        return f"blank={self.blank}, reduction={self.reduction!r}, zero_infinity={self.zero_infinity}"
