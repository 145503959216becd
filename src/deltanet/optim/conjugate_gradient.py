r"""Full-batch nonlinear conjugate gradients (``optim.CG``) through SciPy's ``scipy.optimize.minimize``.

The seeds (Suk) count conjugate gradients among the "more efficient (robust and fast) methods" for
batch training: instead of a fixed step $-\eta \nabla E$, each direction adds a multiple of the
previous one to $-\nabla E$, and a line search chooses its length. PyTorch has no CG; its
protocol is LBFGS's (``optim.LBFGS``, PyTorch's algorithm in NumPy): ``step(closure)``, where the closure
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
from deltanet.optim.optimizer import Optimizer, _check_number, _check_positive_int, loss_value


def _scipy_optimize() -> Any:
    try:
        from scipy import optimize
    except ImportError:
        raise ImportError(
            "deltanet.optim.CG runs scipy.optimize.minimize, and SciPy is not installed: "
            "pip install 'deltanet[scipy]' (or pip install scipy)"
        ) from None
    return optimize


class CG(Optimizer):
    r"""Nonlinear conjugate gradients (Polak-Ribière) on the full batch, via SciPy's ``CG``.

    Each direction is the negative gradient plus a multiple of the previous direction, so that
    successive steps do not undo each other; the step length comes from a line search. It stops
    when $\max_w \lvert \partial E / \partial w \rvert \le$ ``tol`` or after ``max_iter``
    iterations. ``step`` returns the loss at the final point; ``result`` keeps SciPy's result.

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
        >>> w.array.round(6)
        array([ 1., -3.])
    """

    requires_closure = True
    _n_work = 0

    def __init__(self, params: Any, max_iter: int = 100, tol: float = 1e-7) -> None:
        _scipy_optimize()  # fail at construction, not after the first epoch
        super().__init__(params, dict(max_iter=max_iter, tol=tol))
        self.result: Any = None

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError(
                f"{type(self).__name__} minimizes all parameters together and takes one param "
                f"group, not several (per-group options have no meaning here)"
            )
        super().add_param_group(param_group)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_positive_int(name, "max_iter", group["max_iter"])
        _check_number(name, "tol", group["tol"])

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
        bounds = np.cumsum([0] + [p.array.size for p in params])
        x0 = np.empty(int(bounds[-1]), dtype=np.float64)
        for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
            x0[lo:hi] = p.array.reshape(-1)
        last: dict[str, Any] = {"x": None, "loss": None}

        def loss_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
                p.array[...] = x[lo:hi].reshape(p.array.shape)
                p.grad = None  # a closure that forgets zero_grad would accumulate
            changed_in_place(params)  # a graph recorded before saw the old values
            with enable_grad():
                loss = closure()
            grad = np.zeros_like(x0)
            for p, lo, hi in zip(params, bounds[:-1], bounds[1:]):
                if p.grad is not None:
                    grad[lo:hi] = p.grad.array.reshape(-1)
            last["x"], last["loss"] = x.copy(), loss
            return loss_value(name, loss), grad

        result = optimize.minimize(
            loss_and_grad,
            x0,
            jac=True,
            method="CG",
            options={"maxiter": int(group["max_iter"]), "gtol": float(group["tol"])},
        )
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
