r"""``lr_find``: the learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural
Networks", 2017).

Train for a few hundred mini-batch steps while the learning rate grows exponentially from
$\eta_0$ = ``start_lr`` to $\eta_{max}$ = ``end_lr`` over $S$ = ``num_steps`` steps,

$$
\eta_i = \eta_0 \left( \frac{\eta_{max}}{\eta_0} \right)^{i / (S - 1)},
$$

and record the loss of every batch. At small $\eta$ the loss barely moves; over a range it falls
fast; past a point it turns up and diverges. The suggestion is the $\eta$ where the (smoothed)
loss falls fastest, the steepest negative slope of loss against $\log \eta$ before the minimum of
the curve, as in fastai's and PyTorch Lightning's finders. The model's weights and the optimizer's state are
restored afterwards: the test changes nothing.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd.tensor import leaf
from deltanet.nn.module import Module
from deltanet.training import validation as checks
from deltanet.training.evaluation import output_shape, resolve_loss


class LRFinderResult(NamedTuple):
    """What ``lr_find`` measured, as a named tuple.

    Attributes:
        lrs: the learning rates tried, one per step.
        losses: the smoothed batch losses (exponential moving average with bias correction).
        raw_losses: the batch losses as measured.
        suggestion: the learning rate where the loss falls fastest: ``steepest_descent`` of
            ``raw_losses``, which smooths them over a centred window; plot it with
            ``dn.plot.lr_find(result)``.
        min_loss_lr: the learning rate at the lowest smoothed loss (training diverges soon
            after; a tenth of it is the other common rule of thumb).

    Examples:
        >>> import numpy as np
        >>> from deltanet.diagnostics import LRFinderResult
        >>> result = LRFinderResult(np.array([1e-3, 1e-2, 1e-1]), np.array([1.0, 0.5, 2.0]),
        ...                         np.array([1.0, 0.4, 2.5]), suggestion=1e-2, min_loss_lr=1e-2)
        >>> result.suggestion, len(result.lrs)
        (0.01, 3)
    """

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    suggestion: float
    min_loss_lr: float


def _resolve_optimizer(optimizer: Any, model: Module) -> Any:
    if isinstance(optimizer, str):
        from deltanet import optim

        return optim.get(optimizer, model.parameters())
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
        raise ValueError(f"lr_find: optimizer must be a deltanet optimizer or a name such as 'sgd', got {optimizer!r}")
    if getattr(optimizer, "requires_closure", False):
        raise ValueError(
            f"lr_find needs a first-order optimizer whose step takes a learning rate (SGD, Adam, ...), "
            f"got {type(optimizer).__name__}, which searches its own step length"
        )
    return optimizer


def _local_slopes(x: np.ndarray, v: np.ndarray, window: int) -> np.ndarray:
    """Least-squares slope of v against x over the points i - window ... i + window, for each i."""
    slopes = np.zeros(len(x))
    for i in range(len(x)):
        lo, hi = max(0, i - window), min(len(x), i + window + 1)
        dx = x[lo:hi] - x[lo:hi].mean()
        denominator = float(np.dot(dx, dx))
        if denominator > 0:
            slopes[i] = np.dot(dx, v[lo:hi] - v[lo:hi].mean()) / denominator
    return slopes


def steepest_descent(lrs: Any, losses: Any, window: int = 2) -> float:
    r"""The learning rate where ``losses`` falls fastest against $\log \eta$, before the curve's minimum.

    Both the slope and the minimum are taken over the neighbouring points $i - w, \dots, i + w$
    ($w$ = ``window``; centred, so the smoothing does not lag behind the learning rate as a moving
    average does): the minimum of the curve averaged over them, and the least-squares slope of
    $\log L$ (of $L$, if some loss is $\le 0$) against $\log_{10} \eta$ fitted to them. A relative
    measure, $\log L$, makes the early noise of a high loss as small as it is, and the fall of the
    loss by orders of magnitude as large as it is.

    Args:
        lrs: the learning rates $\eta$, increasing.
        losses: the loss $L$ at each learning rate.
        window: the half-width $w$ of the neighbourhood.

    Returns:
        The learning rate of the steepest descent (a tenth of the first learning rate when the
        minimum comes within the first two points).

    Examples:
        >>> import numpy as np
        >>> from deltanet.diagnostics.lr_finder import steepest_descent
        >>> lrs = 10.0 ** np.arange(-5, 1.0)          # 1e-5 ... 1
        >>> losses = np.array([1.0, 1.0, 0.9, 0.5, 0.2, 0.15, 5.0])
        >>> steepest_descent(lrs, losses, window=1)
        0.01
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    v = np.asarray(losses, dtype=np.float64)
    if np.all(v > 0):
        v = np.log(v)
    x = np.log10(lrs)
    kernel = np.ones(2 * window + 1)
    smooth = np.convolve(v, kernel, "same") / np.convolve(np.ones_like(v), kernel, "same")
    end = int(np.argmin(smooth)) + 1
    if end < 3:
        return float(lrs[end - 1] / 10)
    slopes = _local_slopes(x, v, window)[:end]
    return float(lrs[int(np.argmin(slopes))])


def lr_find(
    model: Module,
    X: Any,
    y: Any,
    loss: Any,
    optimizer: Any,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    batch_size: int = 32,
    smoothing: float = 0.98,
    diverge: float = 4.0,
    rng: Any = None,
) -> LRFinderResult:
    r"""Run the learning-rate range test and suggest a learning rate.

    Every step draws the next mini-batch (a new shuffle of the data each pass), sets the
    learning rate of every parameter group to $\eta_i$ (see the module docstring), and takes one
    optimizer step. The loss $L_i$ of step $i$ is smoothed by a moving average with bias
    correction,

    $$
    \bar L_i = \beta \bar L_{i-1} + (1 - \beta) L_i, \qquad \hat L_i = \frac{\bar L_i}{1 - \beta^{i+1}},
    $$

    and the test stops early when $\hat L_i$ exceeds ``diverge`` times its best value or $L_i$ is
    not finite.

    Args:
        model: the network (its weights are restored afterwards).
        X: inputs, shape (N, features...).
        y: targets, as for ``fit``.
        loss: a loss module, callable or name.
        optimizer: the optimizer to test (its state is restored afterwards), or a name.
        start_lr: the first learning rate $\eta_0 > 0$.
        end_lr: the last learning rate $\eta_{max} > \eta_0$.
        num_steps: steps $S$ (learning rates tried), at least 5.
        batch_size: samples per step.
        smoothing: $\beta$ of the moving average, in $[0, 1)$.
        diverge: stop when the smoothed loss exceeds this multiple of its minimum (> 1).
        rng: seed or generator of the shuffle (default: ``dn.manual_seed``'s).

    Returns:
        An ``LRFinderResult`` with the curve and ``suggestion``.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> rng = np.random.default_rng(0)
        >>> X = rng.standard_normal((256, 3)); y = X @ np.array([[1.0], [-2.0], [0.5]])
        >>> model = dn.nn.Linear(3, 1, dtype="float64", rng=0)
        >>> before = model.weight.array.copy()
        >>> result = dn.lr_find(model, X, y, "mse", dn.optim.SGD(model.parameters(), lr=0.1),
        ...                     start_lr=1e-4, end_lr=10, num_steps=60, rng=0)
        >>> 0.01 < result.suggestion < 1.0, bool((model.weight.array == before).all())
        (True, True)
    """
    checks.check_model(model, "lr_find")
    start_lr = check.number(start_lr, "start_lr", "lr_find", low=0, low_open=True)
    end_lr = check.number(end_lr, "end_lr", "lr_find", low=0, low_open=True)
    if not start_lr < end_lr:
        raise ValueError(f"lr_find: start_lr must be smaller than end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    num_steps = check.integer(num_steps, "num_steps", "lr_find", low=5)
    batch_size = check.integer(batch_size, "batch_size", "lr_find", low=1)  # one step per mini-batch
    smoothing = check.number(smoothing, "smoothing", "lr_find", low=0, high=1, high_open=True)
    diverge = check.number(diverge, "diverge", "lr_find", low=1, low_open=True)
    loss_fn = resolve_loss(loss)
    optimizer = _resolve_optimizer(optimizer, model)
    X = checks.check_X(X, model)
    y = checks.check_y(y, len(X), checks.loss_kind(loss_fn), output_shape(model, X), X.dtype)
    generator = backend.get_rng(rng)

    weights = {k: v.clone() for k, v in model.state_dict().items()}  # state_dict() would follow the steps
    opt_state = optimizer.state_dict()
    group_lrs = [g["lr"] for g in optimizer.param_groups]
    was_training = model.training
    n = len(X)
    size = min(int(batch_size), n)
    factor = (end_lr / start_lr) ** (1.0 / (num_steps - 1))
    lrs: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    average, best = 0.0, math.inf
    order = generator.permutation(n)
    position = 0
    model.train()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(int(num_steps)):
                lr = start_lr * factor**i
                for group in optimizer.param_groups:
                    group["lr"] = lr
                if position + size > n:
                    order, position = generator.permutation(n), 0
                index = order[position : position + size]
                position += size
                optimizer.zero_grad()
                L = loss_fn(model(leaf(X[index])), leaf(y[index]))
                value = float(L.array)
                if not math.isfinite(value):
                    break
                average = smoothing * average + (1 - smoothing) * value
                smoothed = average / (1 - smoothing ** (i + 1))
                lrs.append(lr)
                raw.append(value)
                smooth.append(smoothed)
                best = min(best, smoothed)
                if i > 0 and smoothed > diverge * best:
                    break
                L.backward()
                optimizer.step()
    finally:
        model.load_state_dict(weights)
        optimizer.load_state_dict(opt_state)
        for group, lr in zip(optimizer.param_groups, group_lrs):
            group["lr"] = lr
        optimizer.zero_grad()
        model.train(was_training)
    if len(lrs) < 2:
        raise ValueError(
            f"lr_find: the loss was not finite from the first steps (start_lr={start_lr}); "
            f"check the data and the model, or start lower"
        )
    lr_array, losses = np.array(lrs), np.array(smooth)
    window = max(2, len(lrs) // 10)
    return LRFinderResult(
        lr_array,
        losses,
        np.array(raw),
        steepest_descent(lr_array, np.array(raw), window),
        float(lr_array[int(np.argmin(losses))]),
    )


__all__ = ["LRFinderResult", "lr_find", "steepest_descent"]
