r"""The strong-Wolfe line search of ``LBFGS(line_search_fn="strong_wolfe")``, as PyTorch's ``_strong_wolfe``.

Along a descent direction $d$ from the weights $x$, the line search looks for a step length
$t$ (the learning rate $\eta$ of this one step) whose point $x + t d$ satisfies the strong Wolfe
conditions, with $\phi(t) = E(x + t d)$ and $\phi'(t) = \nabla E(x + t d) \cdot d$:

$$
\phi(t) \le \phi(0) + c_1 t \phi'(0) \quad \text{(sufficient decrease)}, \qquad
\lvert \phi'(t) \rvert \le -c_2 \phi'(0) \quad \text{(curvature)}.
$$

It first brackets an interval that contains such a point, stepping outwards by cubic
interpolation, then zooms into the bracket. PyTorch ported both phases from Torch7's
``lswolfe.lua`` and ``polyinterp.lua``; this is the same algorithm, comparison for comparison, on
NumPy scalars and arrays (the scalars keep the parameters' dtype, as PyTorch's 0-d tensors do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def cubic_interpolate(
    x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None
) -> Any:
    r"""The minimizer of the cubic through two points with their values and slopes, kept in ``bounds``.

    With the points $x_1, x_2$, values $f_1, f_2$ and slopes $g_1, g_2$ (for $x_1 \le x_2$):

    ```text
    d1 ← g1 + g2 − 3 (f1 − f2) / (x1 − x2)
    d2 ← √(d1² − g1 g2)            (no real minimizer when d1² − g1 g2 < 0: the middle of the bounds)
    x  ← x2 − (x2 − x1) (g2 + d2 − d1) / (g2 − g1 + 2 d2)
    return min(max(x, low), high)
    ```

    Args:
        x1, f1, g1: the first point, its value and its slope.
        x2, f2, g2: the second point, its value and its slope.
        bounds: ``(low, high)``; the interval between ``x1`` and ``x2`` when None.

    Returns:
        The step length, a number.

    Examples:
        >>> from deltanet.optim.line_search import cubic_interpolate
        >>> # phi(t) = (t - 1)^2 at t = 0 and t = 3: the minimum is at 1
        >>> float(cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0))
        1.0
    """
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(
    obj_func: Callable[[list[np.ndarray], Any, np.ndarray], tuple[float, np.ndarray]],
    x: list[np.ndarray],
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Any, int]:
    r"""A step length $t$ along ``d`` that satisfies the strong Wolfe conditions (PyTorch's ``_strong_wolfe``).

    Args:
        obj_func: ``obj_func(x, t, d)`` returns the loss and the flat gradient at $x + t d$.
        x: the weights at the start (one array per parameter).
        t: the first trial step length.
        d: the direction (flat).
        f: the loss at $x$.
        g: the flat gradient at $x$.
        gtd: the slope $g \cdot d$ at $x$ (negative: a descent direction).
        c1: the sufficient-decrease constant $c_1$.
        c2: the curvature constant $c_2$.
        tolerance_change: stop zooming when the bracket is shorter than this (times $\max |d|$).
        max_ls: the most loss evaluations.

    Returns:
        ``(loss, flat_grad, t, evaluations)``: the best point found, its step length and how many
        times ``obj_func`` ran.

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.line_search import strong_wolfe
        >>> def obj_func(x, t, d):  # E(w) = (w - 1)^2 along d from x
        ...     w = x[0] + t * d
        ...     return float(((w - 1) ** 2).sum()), 2 * (w - 1)
        >>> x, g = [np.zeros(1)], np.array([-2.0])
        >>> loss, grad, t, evals = strong_wolfe(obj_func, x, 1.0, -g, 1.0, g, g @ -g)
        >>> float(t), loss, evals
        (0.5, 0.0, 2)
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    # evaluate the objective and its gradient at the first trial step
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # bracket an interval that contains a point satisfying the Wolfe conditions
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Any] = []
    bracket_f: list[Any] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[Any] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate: a cubic step between 1.01 t and 10 t
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:  # out of evaluations: between the start and the last trial
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break  # the bracket is too small
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # A trial too close to an end of the bracket makes little progress: twice in a row, or at
        # (or past) an end, move it to 0.1 of the bracket's length from the nearest end.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease, or not below the lowest point: the new high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # the Wolfe conditions hold
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old low end becomes the high end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            # the new point is the new low end
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
