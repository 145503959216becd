"""Containers: ``Sequential`` (the layers of an MLP, in order) and ``ModuleList``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from deltanet.nn.module import Module


class Sequential(Module):
    r"""Apply modules one after another: the feed-forward network of the seeds.

    $$
    a^{(l)} = f_l\big(a^{(l-1)}\big), \quad a^{(0)} = x, \qquad \hat y = a^{(L)}
    $$

    Sub-modules are named ``"0"``, ``"1"``, ... so ``state_dict`` keys match PyTorch's
    (``0.weight``, ``2.bias``). Indexing gives a layer, slicing a new ``Sequential``.

    Args:
        *layers: the modules, in the order they are applied.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Sequential(dn.nn.Linear(4, 16), dn.nn.Sigmoid(), dn.nn.Linear(16, 3))
        >>> model(dn.tensor([[5.1, 3.5, 1.4, 0.2]])).shape
        (1, 3)
        >>> list(model.state_dict())[:2]
        ['0.weight', '0.bias']
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            self.append(layer, index=i)

    def append(self, layer: Module, index: int | None = None) -> Sequential:
        """Add ``layer`` at the end (or under the name ``str(index)``); returns self."""
        if not isinstance(layer, Module):
            raise TypeError(
                f"Sequential takes Module instances, got {type(layer).__name__} "
                f"(did you pass a class instead of an instance, e.g. nn.ReLU instead of nn.ReLU()?)"
            )
        setattr(self, str(len(self._modules) if index is None else index), layer)
        return self

    def get_config(self) -> dict[str, Any]:
        """The layers as they are now (appended ones included), each as a nested config."""
        return {"layers": [{"class": type(m).__name__, "config": m.get_config()} for m in self]}

    def forward(self, x: Any) -> Any:
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        return layers[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered (``0.weight``, ``1.weight``, ...).

    Unlike a plain Python list, its modules' parameters appear in ``parameters()`` and
    ``state_dict()``. It has no ``forward``: the owning module decides how to call them.

    Args:
        modules: an iterable of modules (empty by default).

    Examples:
        >>> import deltanet as dn
        >>> layers = dn.nn.ModuleList([dn.nn.Linear(2, 2) for _ in range(3)])
        >>> len(layers.parameters())
        6
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList takes Module instances, got {type(module).__name__}")
        setattr(self, str(len(self._modules)), module)
        return self

    def get_config(self) -> dict[str, Any]:
        """The modules as they are now (appended ones included), each as a nested config."""
        return {"modules": [{"class": type(m).__name__, "config": m.get_config()} for m in self]}

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
