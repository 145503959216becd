r"""PyTorch's names for complex numbers, on deltanet's real tensors: ``real``, ``imag``, ``conj``,
``conj_physical``, ``resolve_conj``, ``resolve_neg``, ``is_conj`` and ``is_neg``.

deltanet has no complex dtype, so every tensor is real: its real part, its conjugate and its
resolved forms are the tensor itself (the same object, as PyTorch returns for a real tensor, so
that ``x.real[0] = 1`` writes into ``x``), and ``imag`` raises PyTorch's error. Code written for
real and complex inputs alike (``z.conj() @ w``, ``x.real``) then runs unchanged.
"""

from __future__ import annotations

from typing import Any

from deltanet.autograd.dtypes import _tensor_argument
from deltanet.autograd.tensor import Tensor


def real(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The real part of ``input``: the tensor itself (every deltanet tensor is real).

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, -2.0])
        >>> dn.real(x) is x, x.real is x
        (True, True)
    """
    return _tensor_argument(input, "real")


def imag(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The imaginary part, which a real tensor does not have: PyTorch's ``RuntimeError``.

    Args:
        input: a tensor.

    Raises:
        RuntimeError: always (deltanet has no complex dtype).

    Examples:
        >>> import deltanet as dn
        >>> dn.imag(dn.tensor([1.0]))
        Traceback (most recent call last):
        ...
        RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    _tensor_argument(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def conj(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""The complex conjugate $\bar x$: for a real tensor, the tensor itself.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0, -2.0])
        >>> x.conj() is x
        True
    """
    return _tensor_argument(input, "conj")


def conj_physical(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The conjugate, computed at once: for a real tensor, the tensor itself.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0])
        >>> dn.conj_physical(x) is x
        True
    """
    return _tensor_argument(input, "conj_physical")


def resolve_conj(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """A lazily conjugated tensor made concrete: deltanet conjugates nothing lazily, so the tensor itself.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0])
        >>> x.resolve_conj() is x
        True
    """
    return _tensor_argument(input, "resolve_conj")


def resolve_neg(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """A lazily negated tensor made concrete: deltanet negates nothing lazily, so the tensor itself.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> x = dn.tensor([1.0])
        >>> x.resolve_neg() is x
        True
    """
    return _tensor_argument(input, "resolve_neg")


def is_conj(input: Any) -> bool:  # noqa: A002 - PyTorch's name
    """Whether ``input`` carries a lazy conjugation: never in deltanet.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_conj(dn.tensor([1.0]))
        False
    """
    _tensor_argument(input, "is_conj")
    return False


def is_neg(input: Any) -> bool:  # noqa: A002 - PyTorch's name
    """Whether ``input`` carries a lazy negation: never in deltanet.

    Args:
        input: a tensor.

    Examples:
        >>> import deltanet as dn
        >>> dn.is_neg(dn.tensor([1.0]))
        False
    """
    _tensor_argument(input, "is_neg")
    return False
