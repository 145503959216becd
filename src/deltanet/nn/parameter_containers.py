"""``ParameterList`` and ``ParameterDict``: parameters held in a list or a dict, registered as PyTorch's.

A Python list of ``Parameter``s assigned to a module is invisible to ``parameters()``, the
optimizer and ``state_dict()``; these containers register each under its position (``"0"``,
``"1"``, ...) or key, so that ``scales.0`` is a ``state_dict`` key as in PyTorch. A plain tensor
put into one becomes a ``Parameter`` (requiring a gradient), as in PyTorch. They print as PyTorch
prints them, with deltanet's dtype names (``float32``, not ``torch.float32``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from deltanet.autograd import Tensor
from deltanet.nn.module import Module, Parameter


def _as_parameter(value: Any, owner: str) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.array)
    raise TypeError(f"{owner} holds tensors (each becomes a Parameter), got {type(value).__name__}")


def _state_not_settings(container: Module) -> ValueError:
    """The error of ``get_config`` on a container of parameters (``dn.save`` shows it by name)."""
    return ValueError(
        f"{type(container).__name__} holds parameters, not settings, so it is not saved as a model of "
        f"its own: save the module that owns it (dn.save(model)) or its state_dict()"
    )


def _describe(p: Parameter) -> str:
    size = "x".join(str(n) for n in p.shape)
    return f"Parameter containing: [{p.dtype} of size {size}]"


class ParameterList(Module):
    """A list of parameters registered under their positions (``0``, ``1``, ...).

    Supports indexing (negative too), slicing (a new ``ParameterList``), assignment, iteration,
    ``len``, ``append``, ``extend`` and ``+=``, as PyTorch's.

    Args:
        values: an iterable of tensors or parameters (tensors become parameters).

    Shape:
        No ``forward``: each parameter keeps its own shape; the owning module uses them.

    Examples:
        >>> import deltanet as dn
        >>> scales = dn.nn.ParameterList([dn.nn.Parameter(dn.ones(2)) for _ in range(2)])
        >>> scales.append(dn.zeros(3))
        ParameterList(
            (0): Parameter containing: [float32 of size 2]
            (1): Parameter containing: [float32 of size 2]
            (2): Parameter containing: [float32 of size 3]
        )
        >>> [name for name, _ in scales.named_parameters()]
        ['0', '1', '2']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def get_config(self) -> dict[str, Any]:
        """Refused: a ParameterList holds parameters (state), not constructor settings, so it cannot be
        rebuilt on its own by ``dn.load``; save the module that owns it, or its ``state_dict()``."""
        raise _state_not_settings(self)

    def _position(self, index: Any) -> int:
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"ParameterList indices must be integers or slices, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a ParameterList of {n}")
        return index % n

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[str(self._position(index))]

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, str(self._position(index)), _as_parameter(value, "ParameterList"))

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` (a tensor becomes a parameter) at the end; returns self."""
        setattr(self, str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every value of ``values``; returns self."""
        if isinstance(values, Tensor):
            raise TypeError("ParameterList.extend takes an iterable of tensors, got a single tensor (use append)")
        for value in list(values):
            self.append(value)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def extra_repr(self) -> str:
        return "\n".join(f"  ({name}): {_describe(p)}" for name, p in self._parameters.items())


class ParameterDict(Module):
    """A dict of parameters registered under their keys, in insertion order.

    Supports ``d[key]``, assignment, ``del``, ``in``, ``len``, iteration over the keys, ``keys``,
    ``values``, ``items``, ``get``, ``pop`` and ``update``, as PyTorch's.

    Args:
        parameters: a mapping of name to tensor, or an iterable of (name, tensor) pairs.

    Shape:
        No ``forward``: each parameter keeps its own shape; the owning module uses them.

    Examples:
        >>> import deltanet as dn
        >>> gains = dn.nn.ParameterDict({"left": dn.nn.Parameter(dn.ones(2))})
        >>> gains["right"] = dn.zeros(2)
        >>> list(gains.keys()), gains["right"].requires_grad
        (['left', 'right'], True)
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def get_config(self) -> dict[str, Any]:
        """Refused: a ParameterDict holds parameters (state), not constructor settings, so it cannot be
        rebuilt on its own by ``dn.load``; save the module that owns it, or its ``state_dict()``."""
        raise _state_not_settings(self)

    def _key(self, key: Any) -> str:
        key = self._check_name(key, "parameter")
        if hasattr(type(self), key):
            raise KeyError(f"ParameterDict: the key {key!r} would hide the method of that name; choose another")
        return key

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, self._key(key), _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._parameters)

    def values(self) -> list[Parameter]:
        """The parameters, in insertion order."""
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Parameter]]:
        """The (key, parameter) pairs, in insertion order."""
        return list(self._parameters.items())

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter under ``key``, or ``default``."""
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        """Remove the parameter under ``key`` and return it."""
        value = self[key]
        del self[key]
        return value

    def update(self, parameters: Any) -> None:
        """Add or replace the parameters of a mapping or of an iterable of (key, tensor) pairs; the keys
        of a plain ``dict`` go in sorted order (PyTorch's), those of an ``OrderedDict`` in theirs."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs: Any = parameters.items()
        elif isinstance(parameters, Mapping):  # PyTorch sorts the keys of a plain mapping
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"  ({name}): {_describe(p)}" for name, p in self._parameters.items())
