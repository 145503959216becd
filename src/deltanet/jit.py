r"""PyTorch's ``torch.jit`` as training scripts use it: ``script`` and ``trace`` return the model itself.

TorchScript compiles a model into a program that runs without Python. deltanet has no such
compiler: its Functions run NumPy eagerly, and a scripted or traced PyTorch model computes what the
eager one does, so ``script(model)`` and ``trace(model, example)`` return ``model`` unchanged (as
``dn.compile`` does), and ``ignore``, ``unused`` and ``export`` return the function they decorate.
Saving a TorchScript archive (``torch.jit.save``, ``scripted.save(path)``) and loading one
(``torch.jit.load``) raise a ``RuntimeError`` that names what deltanet offers instead:
``dn.save(model, path)`` / ``dn.load(path)`` (a zip of JSON and arrays, no pickle), and
``dn.onnx.export`` for a file that runs without Python. ``script`` and ``trace`` give PyTorch
2.13's ``DeprecationWarning`` (it points to ``torch.compile``, which deltanet has too).

Examples:
    >>> import deltanet as dn
    >>> model = dn.nn.Linear(2, 1)
    >>> dn.jit.script(model) is model, dn.jit.trace(model, dn.ones(1, 2)) is model
    (True, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Final

_NO_ARCHIVE = (
    "deltanet has no TorchScript: {what}. Save the model with dn.save(model, path) and read it back "
    "with dn.load(path) (a zip of JSON and arrays, no pickle), or export it with "
    "dn.onnx.export(model, path, input_shape=...) for a file that runs without Python"
)


def _deprecated(who: str) -> None:
    """PyTorch 2.13's warning: TorchScript is deprecated in favour of torch.compile / torch.export."""
    warnings.warn(
        f"`torch.jit.{who}` is deprecated. Please switch to `torch.compile` or `torch.export`.",
        DeprecationWarning,
        stacklevel=3,
    )


def _callable(obj: Any, who: str) -> Any:
    if not callable(obj):
        raise TypeError(f"torch.jit.{who}: expected a module or a function, got {type(obj).__name__}")
    return obj


def script(obj: Any, *args: Any, **kwargs: Any) -> Any:
    r"""PyTorch's ``torch.jit.script``: returns ``obj`` itself (deltanet runs it eagerly, as it is).

    Args:
        obj: the module or function to script.
        args: PyTorch's other arguments (``optimize``, ``example_inputs``, ...), accepted and ignored.
        kwargs: likewise.

    Raises:
        TypeError: ``obj`` is not callable.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(2, 1)
        >>> dn.jit.script(model) is model
        True
    """
    _deprecated("script")
    return _callable(obj, "script")


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    r"""PyTorch's ``torch.jit.trace``: returns ``func`` itself; the example inputs are not run.

    Args:
        func: the module or function to trace.
        example_inputs: the inputs PyTorch would record a trace with.
        args: PyTorch's other arguments (``check_trace``, ``strict``, ...), accepted and ignored.
        kwargs: likewise.

    Raises:
        TypeError: ``func`` is not callable.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(2, 1)
        >>> dn.jit.trace(model, dn.ones(1, 2)) is model
        True
    """
    _deprecated("trace")
    return _callable(func, "trace")


def _decorator(function: Any, who: str) -> Any:
    """``@jit.ignore`` and ``@jit.ignore(drop=True)`` alike: the function, unchanged."""
    if function is None or not callable(function):

        def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
            return _callable(f, who)

        return decorate
    return function


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    r"""PyTorch's ``@torch.jit.ignore``: leaves a method to Python; here, returns it unchanged.

    Args:
        drop: the function when used bare (``@jit.ignore``), or PyTorch's ``drop`` flag
            (``@jit.ignore(drop=True)``).
        kwargs: accepted and ignored.

    Examples:
        >>> import deltanet as dn
        >>> @dn.jit.ignore
        ... def debug(x):
        ...     return x
        >>> debug(3)
        3
    """
    return _decorator(drop, "ignore")


def unused(fn: Any) -> Any:
    r"""PyTorch's ``@torch.jit.unused``: returns the function unchanged.

    Args:
        fn: the method or function.

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.unused(abs)(-2)
        2
    """
    return _callable(fn, "unused")


def export(fn: Any) -> Any:
    r"""PyTorch's ``@torch.jit.export``: returns the method unchanged.

    Args:
        fn: the method.

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.export(abs)(-2)
        2
    """
    return _callable(fn, "export")


def is_scripting() -> bool:
    r"""False: code never runs inside TorchScript here (``if not torch.jit.is_scripting():``).

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.is_scripting()
        False
    """
    return False


def is_tracing() -> bool:
    r"""False: code never runs inside a trace here.

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.is_tracing()
        False
    """
    return False


def freeze(mod: Any, *args: Any, **kwargs: Any) -> Any:
    r"""PyTorch's ``torch.jit.freeze`` (constants folded into a scripted model): returns ``mod``.

    Args:
        mod: the (scripted) module.
        args: accepted and ignored.
        kwargs: accepted and ignored.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(2, 1)
        >>> dn.jit.freeze(dn.jit.script(model.eval())) is model
        True
    """
    return _callable(mod, "freeze")


def optimize_for_inference(mod: Any, other_methods: Any = None) -> Any:
    r"""PyTorch's ``torch.jit.optimize_for_inference``: returns ``mod`` (nothing to fuse in NumPy).

    Args:
        mod: the (scripted) module.
        other_methods: accepted and ignored.

    Examples:
        >>> import deltanet as dn
        >>> model = dn.nn.Linear(2, 1).eval()
        >>> dn.jit.optimize_for_inference(model) is model
        True
    """
    return _callable(mod, "optimize_for_inference")


def annotate(the_type: Any, the_value: Any) -> Any:
    r"""PyTorch's ``torch.jit.annotate`` (a type hint for TorchScript): returns ``the_value``.

    Args:
        the_type: the type TorchScript would give the value.
        the_value: the value.

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.annotate(list, [])
        []
    """
    return the_value


class ScriptModule:
    r"""TorchScript's module class, for ``isinstance`` checks: no deltanet object is one.

    ``script`` and ``trace`` return the module itself, so ``isinstance(m, torch.jit.ScriptModule)``
    is False and code takes its branch for plain modules (``torch.save(model.state_dict(), ...)``).

    Examples:
        >>> import deltanet as dn
        >>> isinstance(dn.jit.script(dn.nn.Linear(2, 1)), dn.jit.ScriptModule)
        False
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(_NO_ARCHIVE.format(what="a ScriptModule cannot be built"))


def save(m: Any, f: Any, *args: Any, **kwargs: Any) -> None:
    r"""PyTorch's ``torch.jit.save``: refused, naming ``dn.save`` and ``dn.onnx.export``.

    Args:
        m: the scripted or traced module.
        f: the file.
        args: PyTorch's other arguments.
        kwargs: likewise.

    Raises:
        RuntimeError: always: deltanet writes no TorchScript archive.

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.save(dn.nn.Linear(2, 1), "model.pt")
        Traceback (most recent call last):
        ...
        RuntimeError: deltanet has no TorchScript: torch.jit.save cannot write a TorchScript archive. ...
    """
    raise RuntimeError(_NO_ARCHIVE.format(what="torch.jit.save cannot write a TorchScript archive"))


def load(f: Any, *args: Any, **kwargs: Any) -> Any:
    r"""PyTorch's ``torch.jit.load``: refused, naming ``dn.load``.

    Args:
        f: the file.
        args: PyTorch's other arguments (``map_location``, ...).
        kwargs: likewise.

    Raises:
        RuntimeError: always: deltanet reads no TorchScript archive (it would hold code to run).

    Examples:
        >>> import deltanet as dn
        >>> dn.jit.load("model.pt")
        Traceback (most recent call last):
        ...
        RuntimeError: deltanet has no TorchScript: torch.jit.load cannot read a TorchScript archive. ...
    """
    raise RuntimeError(_NO_ARCHIVE.format(what="torch.jit.load cannot read a TorchScript archive"))


__all__ = [
    "Final",  # typing.Final: TorchScript's constant marker
    "ScriptModule",
    "annotate",
    "export",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "trace",
    "unused",
]
