r"""``torch.nn.utils.stateless.functional_call``: call a module with some of its parameters and
buffers replaced for that one call. ``deltanet.func.functional_call`` (``torch.func``'s) is
this function, also taking a tuple of dicts; the ``stateless`` spelling warns that PyTorch
deprecates it, as PyTorch's does.

Importable by PyTorch's path: ``from deltanet.nn.utils.stateless import functional_call``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from deltanet.nn.module import Module

__all__ = ["functional_call"]

_ABSENT = object()


def _untied(module: Module, replacements: dict[str, Any]) -> dict[str, Any]:
    """``replacements`` with each given tensor also under the other names of its tied tensor
    (PyTorch's ``_untie_named_tensors_map``); two different values for one tied tensor raise."""
    named = list(module.named_parameters(remove_duplicate=False)) + list(module.named_buffers(remove_duplicate=False))
    names_of: dict[int, set[str]] = {}
    for name, tensor in named:
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    untied = dict(replacements)
    for given in [n for n in replacements if n in tied]:
        values = {id(replacements[n]) for n in tied[given] if n in replacements}
        if len(values) != 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(tied[given])}, which are tied. "
                f"Consider using tie_weights=False"
            )
        for name in tied[given]:
            untied[name] = replacements[given]
    return untied


def _owner(model: Module, name: str) -> tuple[Module, str]:
    """The module that holds the dotted ``name`` and the attribute's own name."""
    path, _, attribute = name.rpartition(".")
    return (model.get_submodule(path) if path else model), attribute


@contextmanager
def reparametrized(
    module: Module, replacements: dict[str, Any], tie_weights: bool = True, strict: bool = False
) -> Iterator[None]:
    r"""Inside the block, each dotted name of ``replacements`` (a parameter, a buffer, or any
    other attribute) holds the tensor given for it; the originals are back afterwards, also when
    the block raises. A replacement that the block reassigned (``self.count = self.count + 1``)
    is written back into ``replacements``, as PyTorch's ``_reparametrize_module`` does.

    Args:
        module: the model.
        replacements: dotted name to tensor.
        tie_weights: a replacement also stands in for the other names of its tied tensor.
        strict: every parameter and buffer must be given, and no other name.

    Raises:
        ValueError: with ``tie_weights``, two different values for one tied tensor.
        RuntimeError: with ``strict``, an unexpected or missing name.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.stateless import reparametrized
        >>> m = dn.nn.Linear(1, 1)
        >>> with reparametrized(m, {"bias": dn.tensor([5.0])}):
        ...     m.bias.tolist()
        [5.0]
    """
    untied = _untied(module, replacements) if tie_weights else dict(replacements)
    if strict:
        valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        unexpected, missing = sorted(set(untied) - valid), sorted(valid - set(untied))
        lines = [f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected else []
        lines += [f"Missing key(s): {', '.join(map(repr, missing))}."] if missing else []
        if lines:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(lines))
    saved = []
    try:
        for name, value in untied.items():
            owner, attribute = _owner(module, name)
            registry = owner._parameters if attribute in owner._parameters else None
            saved.append((name, owner, attribute, registry, owner.__dict__.get(attribute, _ABSENT)))
            if registry is not None:
                registry[attribute] = value
            object.__setattr__(owner, attribute, value)
        yield
    finally:
        for name, owner, attribute, registry, old in reversed(saved):
            now = owner.__dict__.get(attribute, _ABSENT)
            if name in replacements and now is not _ABSENT:
                replacements[name] = now
            if registry is not None:
                registry[attribute] = old
            if old is _ABSENT:
                if now is not _ABSENT:
                    object.__delattr__(owner, attribute)
            else:
                object.__setattr__(owner, attribute, old)


def call(module: Module, replacements: dict[str, Any], args: Any, kwargs: Any, tie_weights: bool, strict: bool) -> Any:
    """``module(*args, **kwargs)`` inside ``reparametrized`` (a non-tuple ``args`` is the one argument)."""
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with reparametrized(module, replacements, tie_weights=tie_weights, strict=strict):
        return module(*args, **(kwargs or {}))


def functional_call(
    module: Module,
    parameters_and_buffers: dict[str, Any],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    r"""Call ``module`` with some parameters and buffers replaced, for this call only (PyTorch's
    deprecated ``torch.nn.utils.stateless.functional_call``; it warns as PyTorch's does and then
    does what ``deltanet.func.functional_call`` does).

    Args:
        module: the model.
        parameters_and_buffers: dotted name to tensor.
        args: the positional arguments (a single non-tuple value is the only one).
        kwargs: the keyword arguments.
        tie_weights: a replacement also stands in for the other names of its tied tensor.
        strict: every parameter and buffer must be given, and no other name.

    Raises:
        ValueError: with ``tie_weights``, two different values for one tied tensor.
        RuntimeError: with ``strict``, an unexpected or missing name.

    Examples:
        >>> import warnings, deltanet as dn
        >>> from deltanet.nn.utils.stateless import functional_call
        >>> m = dn.nn.Linear(2, 1)
        >>> params = {"weight": dn.tensor([[1.0, 2.0]]), "bias": dn.tensor([0.5])}
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     functional_call(m, params, dn.tensor([[1.0, 1.0]])).tolist()
        [[3.5]]
    """
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in a "
        "future version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in "
        "replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return call(module, parameters_and_buffers, args, kwargs, tie_weights, strict)
