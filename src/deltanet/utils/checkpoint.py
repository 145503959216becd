r"""``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential``, which here save no memory.

PyTorch's activation checkpointing drops the activations of a block in the forward pass and
computes them again in the backward pass: less memory for more time, and by its contract the
same values and gradients as calling the block. deltanet keeps the activations (its graph holds
what each ``Function`` saved), so ``checkpoint(fn, *args)`` is ``fn(*args)``: the same values and
gradients, without the memory saving. What differs between PyTorch's two variants is kept:

- ``use_reentrant=True`` (PyTorch's default when the argument is left out, with a warning):
  keyword arguments are refused, and when no input tensor requires a gradient the output does
  not either (PyTorch warns "None of the inputs have requires_grad=True. Gradients will be None",
  and the block's parameters get no gradient); ``context_fn`` and ``debug`` are refused.
- ``use_reentrant=False``: keyword arguments are passed on; the parameters always get gradients.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.utils.checkpoint import checkpoint
    >>> block = dn.nn.Linear(2, 2)
    >>> x = dn.ones(1, 2, requires_grad=True)
    >>> bool((checkpoint(block, x, use_reentrant=False) == block(x)).all())
    True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from deltanet import _checks as check
from deltanet.autograd import Tensor, no_grad
from deltanet.nn.containers import Sequential


def _noop_context_fn() -> Any:
    return None


def _reentrant(owner: str, use_reentrant: Any) -> bool:
    if use_reentrant is None:
        warnings.warn(
            f"{owner}: the use_reentrant parameter should be passed explicitly, as PyTorch asks; "
            f"use_reentrant=False is recommended. Taking PyTorch's default, use_reentrant=True.",
            UserWarning,
            stacklevel=3,
        )
        return True
    return check.flag(use_reentrant, "use_reentrant", owner)


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable[[], Any] = _noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    r"""Run ``function(*args, **kwargs)`` as PyTorch's activation checkpoint does: same values, same gradients.

    $y = f(x)$ with $\partial L / \partial x$ and the gradients of $f$'s parameters as without the
    checkpoint; deltanet keeps the activations, so no memory is saved (see the module docstring).

    Args:
        function: the block to run (a module or any callable).
        *args: its positional inputs.
        use_reentrant: PyTorch's variant; None warns and takes True, as PyTorch does.
        context_fn: PyTorch's context managers for the forward and recomputation; only with
            ``use_reentrant=False``, and it must be the default (no recomputation happens here).
        determinism_check: "default" or "none"; accepted (nothing is recomputed to check).
        debug: only False with ``use_reentrant=True``; accepted with False.
        early_stop: accepted; nothing is recomputed.
        **kwargs: keyword inputs of ``function`` (``use_reentrant=False`` only);
            ``preserve_rng_state`` is taken off (random ops run once, so they draw once).

    Returns:
        What ``function`` returns.

    Raises:
        ValueError: keyword inputs, ``context_fn`` or ``debug`` with ``use_reentrant=True``, or a
            ``context_fn`` of its own (deltanet does not recompute, so it would never run twice).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.utils.checkpoint import checkpoint
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> checkpoint(lambda t: (t * t).sum(), x, use_reentrant=False).backward()
        >>> x.grad.tolist()
        [2.0, 4.0]
    """
    owner = "checkpoint"
    reentrant = _reentrant(owner, use_reentrant)
    kwargs.pop("preserve_rng_state", True)
    check.one_of(determinism_check, "determinism_check", ("default", "none"), owner)
    check.flag(debug, "debug", owner)
    check.flag(early_stop, "early_stop", owner)
    if reentrant:
        if kwargs:
            raise ValueError(f"{owner}: unexpected keyword arguments with use_reentrant=True: {','.join(kwargs)}")
        if context_fn is not _noop_context_fn or debug:
            raise ValueError(f"{owner}: passing context_fn or debug is only supported when use_reentrant=False")
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None", UserWarning, stacklevel=2
            )
            with no_grad():
                return function(*args)
        return function(*args)
    if context_fn is not _noop_context_fn:
        raise ValueError(
            f"{owner}: context_fn is not supported: deltanet keeps the activations and never "
            f"recomputes the block, so the recomputation's context would never run"
        )
    return function(*args, **kwargs)


def checkpoint_sequential(
    functions: Sequential | Sequence[Callable[..., Any]],
    segments: int,
    input: Any,
    use_reentrant: bool | None = None,
    **kwargs: Any,
) -> Any:
    r"""Run a sequence of modules in ``segments`` checkpointed pieces, as PyTorch's: the same output.

    $y = f_n(\dots f_2(f_1(x)))$, all segments but the last through ``checkpoint`` (whose
    ``use_reentrant`` rules apply to each), the last one called directly, as in PyTorch.

    Args:
        functions: an ``nn.Sequential`` or a list of modules or functions.
        segments: how many pieces to cut it into (an integer >= 1).
        input: the input of the first function.
        use_reentrant: PyTorch's variant; None warns and takes True.
        **kwargs: only ``preserve_rng_state`` (accepted).

    Returns:
        The output of the last function.

    Raises:
        ValueError: other keyword arguments, or ``segments`` not a positive integer.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.utils.checkpoint import checkpoint_sequential
        >>> model = dn.nn.Sequential(dn.nn.Linear(2, 3), dn.nn.ReLU(), dn.nn.Linear(3, 1))
        >>> x = dn.ones(4, 2)
        >>> bool((checkpoint_sequential(model, 2, x, use_reentrant=False) == model(x)).all())
        True
    """
    owner = "checkpoint_sequential"
    reentrant = _reentrant(owner, use_reentrant)
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"{owner}: unexpected keyword arguments: {','.join(kwargs)}")
    segments = check.integer(segments, "segments", owner, low=1)
    layers = list(functions.children()) if isinstance(functions, Sequential) else list(functions)

    def run(start: int, end: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = layers[j](x)
            return x

        return forward

    # PyTorch's cut: segments of len // segments functions, the rest in the last one.
    size = len(layers) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(layers) - 1)(input)
