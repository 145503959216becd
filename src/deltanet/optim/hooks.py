"""The hooks of an ``Optimizer``, as PyTorch's: before and after ``step()``, around ``state_dict()``
and ``load_state_dict()``.

``register_step_pre_hook(hook)`` calls ``hook(optimizer, args, kwargs)`` before every step (``args``
starts with the optimizer, as PyTorch's; a hook may return new ``(args, kwargs)``);
``register_step_post_hook`` after it. The step is wrapped only once a step hook is registered, so an
optimizer without hooks steps as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from deltanet.autograd.hooks import RemovableHandle, add


class OptimizerHooks:
    """The ``register_*_hook`` methods of ``Optimizer`` (a mixin; the tables are made on first use).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0]))
        >>> opt = dn.optim.SGD([w], lr=0.5)
        >>> handle = opt.register_step_post_hook(lambda o, args, kwargs: print("stepped", w.array))
        >>> w.grad = np.array([1.0])
        >>> opt.step()
        stepped [0.5]
        >>> handle.remove()
        >>> opt.step()
    """

    def _hooks(self, name: str) -> OrderedDict[int, Callable[..., Any]]:
        table = self.__dict__.get(name)
        if table is None:
            table = self.__dict__[name] = OrderedDict()
        return table

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return ``(args, kwargs)``.

        Args:
            hook: the function; ``args`` is ``(optimizer, *step_args)``, as in PyTorch.

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        handle = add(self._hooks("_optimizer_step_pre_hooks"), hook)
        self._wrap_step()
        return handle

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.

        Args:
            hook: the function (its return value is ignored).

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        handle = add(self._hooks("_optimizer_step_post_hooks"), hook)
        self._wrap_step()
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` at the start of ``state_dict()``.

        Args:
            hook: the function.
            prepend: run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        return add(self._hooks("_optimizer_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` at the end of ``state_dict()``; a dict it returns is returned.

        Args:
            hook: the function.
            prepend: run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        return add(self._hooks("_optimizer_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` before ``load_state_dict`` loads; a dict it returns is loaded instead.

        Args:
            hook: the function.
            prepend: run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        return add(self._hooks("_optimizer_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` after ``load_state_dict`` has loaded.

        Args:
            hook: the function.
            prepend: run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` takes the hook away.
        """
        return add(self._hooks("_optimizer_load_state_dict_post_hooks"), hook, prepend)

    def _wrap_step(self) -> None:
        """Put this optimizer's ``step`` behind the step hooks (once; the class's step is unchanged)."""
        if "step" not in self.__dict__:
            self.__dict__["step"] = _HookedStep(self)


class _HookedStep:
    """An optimizer's ``step`` behind its step hooks. An object, not a closure, so that a
    ``copy.deepcopy`` of the optimizer gets one that calls the copy."""

    __slots__ = ("opt",)

    def __init__(self, opt: OptimizerHooks) -> None:
        self.opt = opt

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        opt = self.opt
        args = (opt, *args)
        for hook in list(opt._hooks("_optimizer_step_pre_hooks").values()):
            result = hook(opt, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"a step pre-hook must return None or a tuple (new_args, new_kwargs), got {result!r}"
                    )
                args, kwargs = result
        out = type(opt).step(*args, **kwargs)  # type: ignore[attr-defined]
        for hook in list(opt._hooks("_optimizer_step_post_hooks").values()):
            hook(opt, args, kwargs)
        return out


def run_state_dict_hooks(opt: OptimizerHooks, when: str, *args: Any) -> Any:
    """Run ``opt``'s ``state_dict``/``load_state_dict`` hooks of ``when`` (the table's name); the last
    non-None value a hook returned (a replacement state dict), or None."""
    table = opt.__dict__.get(when)
    result = None
    if table:
        for hook in list(table.values()):
            out = hook(opt, *args)
            if out is not None:
                result = out
                if args:
                    args = (out, *args[1:])
    return result
