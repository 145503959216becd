"""Containers: ``Sequential`` (the layers of an MLP, in order), ``ModuleList`` and ``ModuleDict``.

Their sub-modules are registered, so their parameters appear in ``parameters()`` and
``state_dict()`` under PyTorch's keys (``0.weight`` for a list, ``encoder.weight`` for a dict).
Indexing, slicing, ``append``, ``extend``, ``insert``, ``del`` and ``pop`` behave as in PyTorch,
renumbering the positional names so that they stay ``"0"``, ``"1"``, ...
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from deltanet.nn.module import Module


def _check_module(module: Any, owner: str) -> Module:
    if not isinstance(module, Module):
        hint = ""
        if isinstance(module, type) and issubclass(module, Module):
            name = module.__name__
            hint = f" (did you pass a class instead of an instance, e.g. nn.{name} instead of nn.{name}()?)"
        raise TypeError(f"{owner} takes Module instances, got {type(module).__name__}{hint}")
    return module


class _Indexed(Module):
    """The list behaviour that ``Sequential`` and ``ModuleList`` share, on ``self._modules``."""

    def _index(self, index: Any) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(index).__name__}")
        n = len(self._modules)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a {type(self).__name__} of {n} modules")
        return index % n

    def _reset(self, items: list[tuple[str, Module]]) -> None:
        """Re-register ``items`` as the children, in order."""
        for name in list(self._modules):
            delattr(self, name)
        for name, module in items:
            setattr(self, name, module)

    def _renumbered(self, modules: list[Module]) -> None:
        self._reset([(str(i), m) for i, m in enumerate(modules)])

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[self._index(index)]
        setattr(self, name, _check_module(module, type(self).__name__))

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._index(index)]
        self._renumbered(modules)

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (the names after it shift by one)."""
        modules = list(self._modules.values())
        modules.insert(index, _check_module(module, type(self).__name__))
        self._renumbered(modules)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index`` (the last by default)."""
        modules = list(self._modules.values())
        module = modules.pop(self._index(index))
        self._renumbered(modules)
        return module


class Sequential(_Indexed):
    r"""Apply modules one after another: the feed-forward network of the seeds.

    $$
    a^{(l)} = f_l\big(a^{(l-1)}\big), \quad a^{(0)} = x, \qquad \hat y = a^{(L)}
    $$

    Sub-modules are named ``"0"``, ``"1"``, ... so ``state_dict`` keys match PyTorch's
    (``0.weight``, ``2.bias``), or by the keys of an ``OrderedDict`` given as the only argument.
    Indexing gives a layer; slicing a new ``Sequential`` that keeps the names (as PyTorch's).

    Args:
        *layers: the modules, in the order they are applied; or one ``OrderedDict`` (or dict) of
            name to module; or (name, module) pairs (the form saved files use).

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 16), dn.nn.Sigmoid(), dn.nn.Linear(16, 3))
        >>> model(dn.tensor([[5.1, 3.5, 1.4, 0.2]])).shape
        (1, 3)
        >>> list(model.state_dict())[:2]
        ['0.weight', '0.bias']
    """

    def __init__(self, *layers: Any) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], Mapping):
            named = list(layers[0].items())
        else:
            named = [
                tuple(layer) if isinstance(layer, (tuple, list)) and len(layer) == 2 else (str(i), layer)
                for i, layer in enumerate(layers)
            ]
        for name, layer in named:
            if not isinstance(name, str):
                raise TypeError(f"Sequential: module names must be strings, got {name!r}")
            self.add_module(name, _check_module(layer, "Sequential"))

    def append(self, layer: Module, index: int | None = None) -> Sequential:
        """Add ``layer`` at the end (or under the name ``str(index)``); returns self."""
        setattr(self, str(len(self._modules) if index is None else index), _check_module(layer, "Sequential"))
        return self

    def extend(self, layers: Iterable[Module]) -> Sequential:
        """Append every module of ``layers``; returns self."""
        for layer in layers:
            self.append(layer)
        return self

    def _positional(self) -> bool:
        return list(self._modules) == [str(i) for i in range(len(self._modules))]

    def get_config(self) -> dict[str, Any]:
        """The layers as they are now (appended ones included), each as a nested config.

        Layers with names of their own are saved as ``[name, config]`` pairs.
        """
        nodes = [{"class": type(m).__name__, "config": m.get_config()} for m in self._modules.values()]
        if self._positional():
            return {"layers": nodes}
        return {"layers": [[name, node] for name, node in zip(self._modules, nodes)]}

    def forward(self, x: Any) -> Any:
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __add__(self, other: Sequential) -> Sequential:
        """A new ``Sequential`` of this one's layers, then ``other``'s (the same module objects)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential + : the other operand must be a Sequential, got {type(other).__name__}")
        return Sequential(*self._modules.values(), *other._modules.values())

    def __iadd__(self, other: Sequential) -> Sequential:
        """Append ``other``'s layers (the same module objects); returns self."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential += : the other operand must be a Sequential, got {type(other).__name__}")
        return self.extend(list(other._modules.values()))

    def __mul__(self, times: int) -> Sequential:
        """A new ``Sequential`` of this one's layers ``times`` times over (the same module objects, as
        PyTorch: ``(s * 2)[0] is (s * 2)[2]``, their parameters shared)."""
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"Sequential * : the number of repeats must be a positive integer, got {times!r}")
        return Sequential(*(list(self._modules.values()) * times))

    __rmul__ = __mul__

    def __delitem__(self, index: int | slice) -> None:
        """Remove the layers at ``index``; the rest are numbered again from 0, named layers too, as
        PyTorch's ``Sequential`` does (its ``state_dict`` keys after ``del``)."""
        super().__delitem__(index)
        _Indexed._renumbered(self, list(self._modules.values()))

    def pop(self, index: int = -1) -> Module:
        """Remove and return the layer at ``index`` (the last by default); the rest are numbered again
        from 0, as after ``del``."""
        module = super().pop(index)
        _Indexed._renumbered(self, list(self._modules.values()))
        return module

    def _renumbered(self, modules: list[Module]) -> None:
        if self._positional():
            super()._renumbered(modules)
        else:  # named layers keep their names
            names = {id(m): n for n, m in self._modules.items()}
            self._reset([(names.get(id(m), str(i)), m) for i, m in enumerate(modules)])


class ModuleList(_Indexed):
    """A list of modules whose parameters are registered (``0.weight``, ``1.weight``, ...).

    Unlike a plain Python list, its modules' parameters appear in ``parameters()`` and
    ``state_dict()``. It has no ``forward``: the owning module decides how to call them. It
    supports indexing, slicing (a new ``ModuleList``), ``append``, ``extend``, ``insert``,
    ``pop``, ``del``, ``+`` and ``+=``, as PyTorch's.

    Args:
        modules: an iterable of modules (empty by default).

    Examples:
        >>> import deltanet as dn
        >>> layers = dn.nn.ModuleList([dn.nn.Linear(2, 2) for _ in range(3)])
        >>> len(layers.parameters())
        6
        >>> layers.insert(0, dn.nn.ReLU())
        >>> [type(m).__name__ for m in layers]
        ['ReLU', 'Linear', 'Linear', 'Linear']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        setattr(self, str(len(self._modules)), _check_module(module, "ModuleList"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend takes an iterable of modules, got a single Module (use append)")
        for module in list(modules):
            self.append(module)
        return self

    def get_config(self) -> dict[str, Any]:
        """The modules as they are now (appended ones included), each as a nested config."""
        return {"modules": [{"class": type(m).__name__, "config": m.get_config()} for m in self]}

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return list(self._modules.values())[self._index(index)]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __repr__(self) -> str:
        # PyTorch's: a run of modules that print alike is one line, "(0-2): 3 x Linear(...)".
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        runs: list[list[Any]] = []
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            head = f"({first}): " if first == last else f"({first}-{last}): {last - first + 1} x "
            lines.append((head + text).replace("\n", "\n  "))
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys (``encoder.weight``).

    Keys keep their insertion order, as in a Python dict and in PyTorch's ``ModuleDict``. It has
    no ``forward``: the owning module decides how to call them.

    Args:
        modules: a mapping of name to module, or an iterable of (name, module) pairs.

    Examples:
        >>> import deltanet as dn
        >>> heads = dn.nn.ModuleDict({"cls": dn.nn.Linear(4, 3), "box": dn.nn.Linear(4, 4)})
        >>> list(heads.keys()), list(heads.state_dict())[:2]
        (['cls', 'box'], ['cls.weight', 'cls.bias'])
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> list[str]:
        """The names, in insertion order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        """(name, module) pairs, in insertion order."""
        return list(self._modules.items())

    def update(self, modules: Any) -> None:
        """Add or replace modules from a mapping or an iterable of (name, module) pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update takes a mapping or (name, module) pairs, got {pair!r}")
            self[pair[0]] = pair[1]

    def pop(self, key: str) -> Module:
        """Remove and return the module ``key``."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._modules):
            del self[key]

    def get_config(self) -> dict[str, Any]:
        """The modules as they are now, as ``[name, config]`` pairs in order."""
        return {"modules": [[k, {"class": type(m).__name__, "config": m.get_config()}] for k, m in self.items()]}


__all__ = ["ModuleDict", "ModuleList", "Sequential"]
