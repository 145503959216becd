r"""L-BFGS (limited-memory quasi-Newton), as ``torch.optim.LBFGS``: PyTorch's algorithm in NumPy.

The seeds (Suk) call quasi-Newton methods the "more efficient (robust and fast) methods" for
batch training: instead of the fixed step $-\eta \nabla E$, each step goes along
$d = -H \nabla E$, where $H$ approximates the inverse Hessian from the last ``history_size``
pairs of weight changes $s = t d$ and gradient changes $y = \nabla E_{new} - \nabla E_{old}$.
$H$ is never formed: the two-loop recursion (``lbfgs_direction``) applies it to the gradient
in $O(m n)$ for $m$ pairs and $n$ weights. The step length $t$ (the learning rate $\eta$ of this
step) is ``lr``, or comes from a strong-Wolfe line search (``line_search.strong_wolfe``).

``step(closure)`` follows PyTorch's protocol and arithmetic, branch for branch: the closure zeroes
the gradients, computes the loss on the whole training set, calls ``loss.backward()`` and
returns the loss; one ``step`` runs up to ``max_iter`` iterations and returns the loss at the
starting point. The flat vectors and scalars keep the parameters' dtype, as PyTorch's tensors do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd import Tensor, enable_grad
from deltanet.autograd.inplace import changed_in_place
from deltanet.optim.line_search import strong_wolfe
from deltanet.optim.optimizer import Optimizer, _check_number, _check_positive_int, _load_value, loss_value

#: The options of deltanet's earlier (SciPy) LBFGS that PyTorch's has not, and what replaced them.
_REMOVED = {"tol": "tolerance_grad", "ftol": "tolerance_change"}


def lbfgs_direction(
    g: np.ndarray, old_dirs: list[np.ndarray], old_stps: list[np.ndarray], ro: list[Any], H_diag: Any, al: list[Any]
) -> np.ndarray:
    r"""The L-BFGS direction $d = -H g$ by the two-loop recursion (the inverse Hessian $H$ stays implicit).

    With the pairs $(s_i, y_i)$ = (``old_stps[i]``, ``old_dirs[i]``), $\rho_i = 1 / (y_i \cdot s_i)$
    and the initial scaling $\gamma$ = ``H_diag`` (so that $H_0 = \gamma I$):

    ```text
    q ← −g
    for i = m−1, …, 0:   α_i ← ρ_i s_i·q ;  q ← q − α_i y_i
    r ← γ q
    for i = 0, …, m−1:   β ← ρ_i y_i·r ;   r ← r + (α_i − β) s_i
    d ← r
    ```

    Args:
        g: the flat gradient.
        old_dirs: the gradient changes $y_i$, oldest first.
        old_stps: the weight changes $s_i$, oldest first.
        ro: the $\rho_i$.
        H_diag: $\gamma = s \cdot y / y \cdot y$ of the newest pair.
        al: a list of at least $m$ slots, filled with the $\alpha_i$ (PyTorch keeps it in the state).

    Returns:
        The direction $d$ (a new array).

    Examples:
        >>> import numpy as np
        >>> from deltanet.optim.lbfgs import lbfgs_direction
        >>> # E = w0^2 + 2 w1^2: one pair (s, y = A s) already gives the Newton step along it
        >>> s = np.array([1.0, 0.0]); y = np.array([2.0, 0.0])
        >>> lbfgs_direction(np.array([2.0, 0.0]), [y], [s], [1 / y.dot(s)], s.dot(y) / y.dot(y), [None])
        array([-1.,  0.])
    """
    num_old = len(old_dirs)
    q = -g
    for i in range(num_old - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(num_old):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


class LBFGS(Optimizer):
    r"""Limited-memory BFGS on the full batch, as ``torch.optim.LBFGS`` (the same iterates).

    Each iteration stores the newest pair $(s, y)$ when $y \cdot s > 10^{-10}$, takes the direction
    $d = -H \nabla E$ (``lbfgs_direction``; $d = -\nabla E$ at first) and the step length
    $t = \eta$ = ``lr`` (the first one scaled by $\min(1, 1 / \lVert \nabla E \rVert_1)$), or a
    strong-Wolfe line search from there, then moves $W \leftarrow W + t d$. It stops after
    ``max_iter`` iterations or ``max_eval`` loss evaluations, when
    $\max \lvert \nabla E \rvert \le$ ``tolerance_grad``, when $\nabla E \cdot d >$
    $-$``tolerance_change``, when $\max \lvert t d \rvert \le$ ``tolerance_change``, or when the
    loss changed by less than ``tolerance_change``. The state (``func_evals``, ``n_iter``, ``d``,
    ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``,
    ``al``) carries over to the next ``step``, as PyTorch's, on the first parameter.

    Args:
        params: Parameters (one group: PyTorch's LBFGS takes no per-parameter options).
        lr: the step length $\eta$ (default 1).
        max_iter: the most iterations per ``step`` (default 20).
        max_eval: the most loss evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when $\max \lvert \nabla E \rvert$ is at most this.
        tolerance_change: stop when the loss, the weights or the slope change less than this.
        history_size: the number $m$ of pairs $(s, y)$ kept (default 100).
        line_search_fn: None (fixed steps) or ``"strong_wolfe"``.
        **removed: the options ``tol`` and ``ftol`` of deltanet's earlier SciPy-based LBFGS are
            refused (TypeError naming ``tolerance_grad`` and ``tolerance_change``).

    Raises:
        ValueError: an option out of range, or more than one param group.
        TypeError: ``tol`` or ``ftol``, or another unknown keyword.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> opt = dn.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - dn.tensor(np.array([1.0, -3.0]))) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> loss = opt.step(closure)  # the loss at the starting point, as PyTorch returns
        >>> w.array.round(6), loss.item(), opt.state[w]["func_evals"]
        (array([ 1., -3.]), 10.0, 3)
    """

    requires_closure = True
    _n_work = 0

    def __init__(
        self,
        params: Any,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
        **removed: Any,
    ) -> None:
        for key in removed:
            if key in _REMOVED:
                raise TypeError(
                    f"LBFGS: {key}= is not an option of PyTorch's LBFGS, which deltanet's follows; "
                    f"use {_REMOVED[key]}= (tolerance_grad on max |gradient|, tolerance_change on the "
                    f"change of the loss, the weights and the slope)"
                )
            raise TypeError(f"LBFGS.__init__() got an unexpected keyword argument {key!r}")
        _check_positive_int("LBFGS", "max_iter", max_iter)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_number(name, "lr", group["lr"])
        _check_positive_int(name, "max_iter", group["max_iter"])
        _check_positive_int(name, "max_eval", group["max_eval"])
        _check_number(name, "tolerance_grad", group["tolerance_grad"])
        _check_number(name, "tolerance_change", group["tolerance_change"])
        _check_positive_int(name, "history_size", group["history_size"])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"{name}: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    # -- the flat view of the parameters ------------------------------------------------------
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> np.ndarray:
        """Every gradient in one flat vector (zeros for a parameter without one)."""
        return np.concatenate(
            [np.zeros(p.array.size, p.dtype) if p._grad is None else p._grad.array.reshape(-1) for p in self._params]
        )

    def _add_grad(self, t: Any, d: np.ndarray) -> None:
        """$W \\leftarrow W + t d$ on every parameter (its slice of the flat ``d``)."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += t * d[offset : offset + n].reshape(p.array.shape)
            offset += n
        changed_in_place(self._params)

    def _set_param(self, x: list[np.ndarray]) -> None:
        for p, data in zip(self._params, x):
            p.array[...] = data
        changed_in_place(self._params)

    def _evaluate(self, closure: Callable[[], Any]) -> Any:
        with enable_grad():
            return closure()

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray], t: Any, d: np.ndarray) -> Any:
        """The loss and flat gradient at $x + t d$; the weights are put back to $x$."""
        self._add_grad(t, d)
        loss = loss_value("LBFGS", self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- the step ------------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's loss at the starting point.

        Args:
            closure: zeroes the gradients, computes the loss, calls ``loss.backward()`` and
                returns the loss (a one-element Tensor or a number).

        Raises:
            ValueError: no closure, or a closure that does not return a scalar loss.
        """
        if closure is None:
            raise ValueError(
                "LBFGS.step needs a closure that zeroes the gradients, computes the loss on the "
                "full batch, calls loss.backward() and returns the loss"
            )
        self._step_count += 1
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # LBFGS has one global state, kept on the first parameter (as PyTorch).
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        # the loss and the gradient at the start
        orig_loss = self._evaluate(closure)
        loss = loss_value("LBFGS", orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss  # already optimal

        # the state of the previous step (None before the first iteration)
        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        H_diag: Any = state.get("H_diag")
        prev_flat_grad: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        opt_cond = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the direction d = -H g
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad  # the change of the gradient
                s = d * t  # the change of the weights
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)  # the scaling gamma of H_0 = gamma I
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = lbfgs_direction(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # the step length t (eta): lr, the first one scaled by min(1, 1 / |g|_1)
            if state["n_iter"] == 1:
                scale = 1.0 / np.abs(flat_grad).sum()
                t = (scale if scale < 1.0 else 1.0) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)  # the slope along d
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = [p.array.copy() for p in self._params]

                def obj_func(x: list[np.ndarray], t: Any, d: np.ndarray) -> Any:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step
                if n_iter != max_iter:  # the last iteration's loss is not evaluated (as PyTorch)
                    loss = loss_value("LBFGS", self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # the stopping rules
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break  # the weights hardly move
            if abs(loss - prev_loss) < tolerance_change:
                break  # the loss hardly changes

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=H_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    # -- state -------------------------------------------------------------------------------
    def _load_state_value(self, i: int, key: str, value: Any, p: Tensor) -> Any:
        """The global state's flat vectors, lists and scalars, in the parameters' dtype."""
        dtype = np.result_type(*(q.dtype for q in self._params))
        n = sum(q.array.size for q in self._params)
        if key in ("d", "prev_flat_grad"):
            return None if value is None else _flat(key, value, dtype, n)
        if key in ("old_dirs", "old_stps"):
            return [_flat(key, v, dtype, n) for v in value]
        if key in ("ro", "al"):
            return [_scalar(v, dtype) for v in value]
        if key in ("t", "H_diag"):
            return _scalar(value, dtype)
        if key == "prev_loss":
            return None if value is None else float(np.asarray(value))
        if key in ("func_evals", "n_iter"):
            return int(np.asarray(value))
        return _load_value("LBFGS", i, key, value, p)


def _flat(key: str, value: Any, dtype: Any, n: int) -> np.ndarray:
    array = np.array(np.asarray(value.array if isinstance(value, Tensor) else value), dtype=dtype)
    if array.shape != (n,):
        raise ValueError(
            f"LBFGS.load_state_dict: state {key!r} has shape {array.shape}, expected ({n},) "
            f"(every parameter's elements in one vector)"
        )
    return array


def _scalar(value: Any, dtype: Any) -> Any:
    """A float becomes a scalar of the parameters' dtype (PyTorch's 0-d tensor); None and ints stay."""
    if value is None or isinstance(value, (bool, int)):
        return value
    return np.asarray(value.array if isinstance(value, Tensor) else value, dtype=dtype)[()]
