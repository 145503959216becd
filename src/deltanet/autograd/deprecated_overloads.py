r"""PyTorch's deprecated scalar-first overloads of the in-place updates, which older optimizers use.

PyTorch 1.x wrote its optimizers as ``p.data.add_(-lr, d_p)``,
``exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)`` and
``p.data.addcdiv_(-step_size, exp_avg, denom)``: the scalar first. PyTorch still accepts these
forms, with a ``UserWarning`` naming the one to use (``add_(other, *, alpha=...)``,
``addcmul_(tensor1, tensor2, *, value=...)``), and so does deltanet, with the same warning.

Examples:
    >>> import warnings
    >>> import deltanet as dn
    >>> p = dn.tensor([1.0, 1.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     p.add_(-0.5, dn.tensor([1.0, 2.0]))
    tensor([0.5000, 0.0000])
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any


def scalar_first(owner: str, args: tuple, keyword: str, given: Any, names: str) -> tuple:
    """Sort the positional ``args`` of ``owner`` called with one more than its signature takes:
    PyTorch's deprecated overload ``owner(Number scalar, *tensors)``; warn as PyTorch does.

    Args:
        owner: the method's name, for the messages (``"add_"``).
        args: every positional argument of the call.
        keyword: the name of the scalar's keyword in the current signature (``"alpha"``).
        given: that keyword's value as called (1, its default, when not given).
        names: the current signature's tensor arguments, for the messages (``"Tensor other"``).

    Returns:
        ``(scalar, tensors)``: the scalar, and the tensor arguments in order.

    Raises:
        TypeError: ``args`` is not the deprecated overload's (one argument more than the current
            signature's, the first a number, the keyword not given as well).

    Examples:
        >>> import warnings
        >>> from deltanet.autograd.deprecated_overloads import scalar_first
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     scalar_first("add_", (0.5, "g"), "alpha", 1, "Tensor other")
        (0.5, ('g',))
    """
    wanted = len(names.split(","))
    first = args[0]
    if len(args) != wanted + 1 or not isinstance(first, numbers.Number) or isinstance(first, bool) or given != 1:
        raise TypeError(
            f"{owner}() takes ({names}, *, Number {keyword}=1), or PyTorch's deprecated "
            f"(Number {keyword}, {names}); got {len(args)} positional arguments"
            f"{'' if isinstance(first, numbers.Number) else f' starting with a {type(first).__name__}'}"
            f"{'' if given == 1 else f' and {keyword}={given!r}'}"
        )
    warnings.warn(
        f"This overload of {owner} is deprecated:\n\t{owner}(Number {keyword}, {names})\n"
        f"Consider using one of the following signatures instead:\n"
        f"\t{owner}({names}, *, Number {keyword} = 1)",
        UserWarning,
        stacklevel=3,
    )
    return first, args[1:]


__all__ = ["scalar_first"]
