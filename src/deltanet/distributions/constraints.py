r"""The sets that a distribution's parameters and values live in, as ``torch.distributions.constraints``.

Each constraint answers ``check(value)`` with a boolean tensor, one entry per event (an event of
``event_dim`` right-most dimensions is valid when all of its entries are). The distributions ask
these when ``validate_args`` is on: a scale must lie in $(0, \infty)$, a probability vector on the
simplex $\{p : p_i \ge 0, \sum_i p_i = 1\}$, a value of ``log_prob`` in the support.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.distributions import constraints
    >>> constraints.positive.check(dn.tensor([1.0, -1.0])).tolist()
    [True, False]
    >>> constraints.simplex
    Simplex()
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.autograd import Tensor, as_tensor


def _array(value: Any) -> np.ndarray:
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def _bound(value: Any) -> Any:
    return _array(value) if isinstance(value, Tensor) else value


class Constraint:
    """A set of values: ``check(value)`` says, per event, whether the value lies in it.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import constraints
        >>> constraints.unit_interval.check(dn.tensor([0.5, 2.0])).tolist()
        [True, False]
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: Any) -> Tensor:
        """A boolean tensor of the batch shape: True where the event lies in the set."""
        return as_tensor(self._check(_array(value)))

    def _check(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    # A parameter whose set depends on another parameter: not checked on its own.
    def __init__(self, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def _check(self, x: np.ndarray) -> np.ndarray:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    """Whether ``constraint`` depends on other parameters (and so is not checked on its own).

    Args:
        constraint: a constraint.

    Examples:
        >>> from deltanet.distributions import constraints
        >>> constraints.is_dependent(constraints.dependent), constraints.is_dependent(constraints.real)
        (True, False)
    """
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def _check(self, x: np.ndarray) -> np.ndarray:
        return x == x  # False for NaN


class _Boolean(Constraint):
    is_discrete = True

    def _check(self, x: np.ndarray) -> np.ndarray:
        return (x == 0) | (x == 1)


class _GreaterThan(Constraint):
    """Values above a bound (``greater_than``; ``greater_than_eq`` includes the bound).

    Args:
        lower_bound: the bound, a number or a tensor that broadcasts with the values.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import constraints
        >>> constraints.greater_than(1.0).check(dn.tensor([1.0, 2.0])).tolist()
        [False, True]
    """

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _check(self, x: np.ndarray) -> np.ndarray:
        return _bound(self.lower_bound) < x

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def _check(self, x: np.ndarray) -> np.ndarray:
        return _bound(self.lower_bound) <= x

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """Values below a bound (``less_than``).

    Args:
        upper_bound: the bound, a number or a tensor that broadcasts with the values.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import constraints
        >>> constraints.less_than(1.0).check(dn.tensor([0.0, 1.0])).tolist()
        [True, False]
    """

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def _check(self, x: np.ndarray) -> np.ndarray:
        return x < _bound(self.upper_bound)

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """Values between two bounds (``interval`` closed, ``half_open_interval`` without the upper
    bound, ``integer_interval`` integers only).

    Args:
        lower_bound: the lower bound.
        upper_bound: the upper bound.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import constraints
        >>> constraints.interval(0.0, 1.0).check(dn.tensor([1.0, 2.0])).tolist()
        [True, False]
    """

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, x: np.ndarray) -> np.ndarray:
        return (_bound(self.lower_bound) <= x) & (x <= _bound(self.upper_bound))

    def __repr__(self) -> str:
        return f"{type(self).__name__.lstrip('_')}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    def _check(self, x: np.ndarray) -> np.ndarray:
        return (_bound(self.lower_bound) <= x) & (x < _bound(self.upper_bound))


class _IntegerInterval(_Interval):
    is_discrete = True

    def _check(self, x: np.ndarray) -> np.ndarray:
        return (x % 1 == 0) & (self.lower_bound <= x) & (x <= self.upper_bound)


class _NonnegativeInteger(Constraint):
    is_discrete = True

    def _check(self, x: np.ndarray) -> np.ndarray:
        return (x % 1 == 0) & (x >= 0)

    def __repr__(self) -> str:
        return "IntegerGreaterThan(lower_bound=0)"


class _Simplex(Constraint):
    event_dim = 1

    def _check(self, x: np.ndarray) -> np.ndarray:
        return np.all(x >= 0, axis=-1) & (np.abs(x.sum(-1) - 1) < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def _check(self, x: np.ndarray) -> np.ndarray:
        return np.all((x == 0) | (x == 1), axis=-1) & (x.sum(-1) == 1)


class _LowerCholesky(Constraint):
    event_dim = 2

    def _check(self, x: np.ndarray) -> np.ndarray:
        lower = np.all(np.tril(x) == x, axis=(-2, -1))
        return lower & np.all(np.diagonal(x, axis1=-2, axis2=-1) > 0, axis=-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def _check(self, x: np.ndarray) -> np.ndarray:
        if x.shape[-1] != x.shape[-2]:
            return np.zeros(x.shape[:-2], dtype=bool)
        symmetric = np.all(np.isclose(x, np.swapaxes(x, -1, -2), atol=1e-6), axis=(-2, -1))
        if not symmetric.all():
            return symmetric
        return np.asarray(np.linalg.eigvalsh(x).min(-1) > 0)


class _IndependentConstraint(Constraint):
    """A constraint whose last ``reinterpreted_batch_ndims`` dimensions form one event (``independent``).

    Args:
        base_constraint: the constraint of each entry.
        reinterpreted_batch_ndims: how many right-most dimensions form the event.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.distributions import constraints
        >>> constraints.independent(constraints.positive, 1).check(dn.tensor([[1.0, -1.0]])).tolist()
        [False]
    """

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def _check(self, x: np.ndarray) -> np.ndarray:
        result = self.base_constraint._check(x)
        n = self.reinterpreted_batch_ndims
        if result.ndim < n:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {x.ndim}")
        return np.asarray(result.reshape(result.shape[: result.ndim - n] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _NonnegativeInteger()
simplex = _Simplex()
one_hot = _OneHot()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
real_vector = _IndependentConstraint(real, 1)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
independent = _IndependentConstraint

__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]
