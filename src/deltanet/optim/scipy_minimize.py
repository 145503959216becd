r"""Full-batch quasi-Newton (L-BFGS) and conjugate gradients through ``scipy.optimize.minimize``.

The seeds (Suk) call them the "more efficient (robust and fast) methods" for batch training:
instead of a fixed step $-\eta \nabla E$, they choose each step's direction from the gradients seen so far
and its length by a line search. ``step(closure)`` follows PyTorch's LBFGS protocol: the closure
zeroes the gradients, computes the loss on the whole training set, calls ``loss.backward()`` and
returns the loss. One ``step`` runs a whole minimization (up to ``max_iter`` iterations) on the
parameters flattened into one float64 vector; the parameters keep their dtype (float32 parameters
see the rounded point, which limits the attainable precision).

SciPy is an optional extra: ``pip install 'deltanet[scipy]'``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet.autograd import Tensor, enable_grad
from deltanet.autograd.inplace import changed_in_place
from deltanet.optim.optimizer import Optimizer, _check_number, _check_positive_int


def _scipy_optimize() -> Any:
    try:
        from scipy import optimize
    except ImportError:
        raise ImportError(
            "deltanet.optim.LBFGS and CG run scipy.optimize.minimize, and SciPy is not installed: "
            "pip install 'deltanet[scipy]' (or pip install scipy)"
        ) from None
    return optimize


class _ScipyMinimizer(Optimizer):
    """Shared machinery: flatten the parameters, run ``scipy.optimize.minimize``, write back."""

    requires_closure = True
    _n_work = 0
    _method = ""

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        _scipy_optimize()  # fail at construction, not after the first epoch
        super().__init__(params, defaults)
        self.result: Any = None

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError(
                f"{type(self).__name__} minimizes all parameters together and takes one param "
                f"group, not several (per-group options have no meaning here)"
            )
        super().add_param_group(param_group)

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Minimize the closure's loss over the parameters; returns the loss at the final point.

        Args:
            closure: zeroes the gradients, computes the loss, calls ``loss.backward()`` and
                returns the loss (a one-element Tensor or a number).
        """
        name = type(self).__name__
        if closure is None:
            raise ValueError(
                f"{name}.step needs a closure that zeroes the gradients, computes the loss on the "
                f"full batch, calls loss.backward() and returns the loss"
            )
        optimize = _scipy_optimize()
        group = self.param_groups[0]
        params: list[Tensor] = group["params"]
        bounds = np.cumsum([0] + [p.data.size for p in params])
        x0 = np.empty(int(bounds[-1]), dtype=np.float64)
        for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
            x0[lo:hi] = p.data.reshape(-1)
        last: dict[str, Any] = {"x": None, "loss": None}

        def loss_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
                p.data[...] = x[lo:hi].reshape(p.data.shape)
                p.grad = None  # a closure that forgets zero_grad would accumulate
            changed_in_place(params)  # a graph recorded before saw the old values
            with enable_grad():
                loss = closure()
            grad = np.zeros_like(x0)
            for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
                if p.grad is not None:
                    grad[lo:hi] = p.grad.data.reshape(-1)
            last["x"], last["loss"] = x.copy(), loss
            return _loss_value(name, loss), grad

        result = optimize.minimize(loss_and_grad, x0, jac=True, method=self._method, options=self._options(group))
        evaluations = int(result.nfev)
        if last["x"] is None or not np.array_equal(result.x, last["x"]):
            # The line search's last trial point was not the best: evaluate the result again, so
            # that the parameters, their gradients and the returned loss agree.
            loss_and_grad(result.x)
            evaluations += 1
        self.result = result
        st = self.state.setdefault(params[0], {"func_evals": 0, "n_iter": 0})
        st["func_evals"] += evaluations
        st["n_iter"] += int(result.nit)
        self._step_count += 1
        return last["loss"]


class LBFGS(_ScipyMinimizer):
    r"""Limited-memory BFGS (quasi-Newton) on the full batch, via SciPy's L-BFGS-B.

    Each iteration approximates the inverse Hessian $H^{-1}$ from the last ``history_size``
    pairs of steps and gradient changes, and searches along $-H^{-1} \nabla E$ for a step that
    satisfies the Wolfe conditions. It stops when $\max_w \lvert \partial E / \partial w \rvert \le$
    ``tol``, when the relative decrease of $E$ falls below ``ftol``, or after ``max_iter``
    iterations or ``max_eval`` evaluations.

    Args:
        params: Parameters (one group).
        max_iter: the most iterations per ``step``.
        max_eval: the most loss evaluations per ``step`` (default $1.25 \times$ ``max_iter``).
        tol: the tolerance on $\max_w \lvert \partial E / \partial w \rvert$.
        ftol: the tolerance on the relative decrease
            $(E_k - E_{k+1}) / \max(\lvert E_k \rvert, \lvert E_{k+1} \rvert, 1)$.
        history_size: the number of correction pairs kept.

    Raises:
        ImportError: SciPy is not installed.
        ValueError: an option out of range, or more than one param group.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> opt = dn.optim.LBFGS([w], max_iter=50)
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - dn.tensor(np.array([1.0, -3.0]))) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> loss = opt.step(closure)
        >>> w.data.round(6), round(loss.item(), 9)
        (array([ 1., -3.]), 0.0)
    """

    _method = "L-BFGS-B"

    def __init__(
        self,
        params: Any,
        max_iter: int = 100,
        max_eval: int | None = None,
        tol: float = 1e-7,
        ftol: float = 1e-12,
        history_size: int = 10,
    ) -> None:
        defaults = dict(max_iter=max_iter, max_eval=max_eval, tol=tol, ftol=ftol, history_size=history_size)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_positive_int(name, "max_iter", group["max_iter"])
        _check_positive_int(name, "max_eval", group["max_eval"], allow_none=True)
        _check_number(name, "tol", group["tol"])
        _check_number(name, "ftol", group["ftol"])
        _check_positive_int(name, "history_size", group["history_size"])

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        max_eval = group["max_eval"]
        if max_eval is None:
            max_eval = group["max_iter"] * 5 // 4
        return {
            "maxiter": int(group["max_iter"]),
            "maxfun": int(max_eval),
            "gtol": float(group["tol"]),
            "ftol": float(group["ftol"]),
            "maxcor": int(group["history_size"]),
        }


class CG(_ScipyMinimizer):
    r"""Nonlinear conjugate gradients (Polak-Ribière) on the full batch, via SciPy's ``CG``.

    Each direction is the negative gradient plus a multiple of the previous direction, so that
    successive steps do not undo each other; the step length comes from a line search. It stops
    when $\max_w \lvert \partial E / \partial w \rvert \le$ ``tol`` or after ``max_iter``
    iterations.

    Args:
        params: Parameters (one group).
        max_iter: the most iterations per ``step``.
        tol: the tolerance on $\max_w \lvert \partial E / \partial w \rvert$.

    Raises:
        ImportError: SciPy is not installed.
        ValueError: an option out of range, or more than one param group.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.zeros(2))
        >>> opt = dn.optim.CG([w], max_iter=50)
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - dn.tensor(np.array([1.0, -3.0]))) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> _ = opt.step(closure)
        >>> w.data.round(6)
        array([ 1., -3.])
    """

    _method = "CG"

    def __init__(self, params: Any, max_iter: int = 100, tol: float = 1e-7) -> None:
        super().__init__(params, dict(max_iter=max_iter, tol=tol))

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_positive_int(name, "max_iter", group["max_iter"])
        _check_number(name, "tol", group["tol"])

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        return {"maxiter": int(group["max_iter"]), "gtol": float(group["tol"])}


def _loss_value(owner: str, loss: Any) -> float:
    if isinstance(loss, Tensor):
        if loss.size != 1:
            raise ValueError(f"{owner}: the closure must return a scalar loss, got shape {loss.shape}")
        return float(loss.item())
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: the closure must return the loss (a Tensor or a number), got {loss!r}") from None
