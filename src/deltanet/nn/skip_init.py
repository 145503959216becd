r"""``torch.nn.utils.skip_init``: build a module without spending time or random draws on its
initial values, for code that sets every weight itself right after (or loads a ``state_dict``).

Importable by PyTorch's path: ``from deltanet.nn.utils.init import skip_init``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet import backend
from deltanet.nn.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: Any, *args: Any, **kwargs: Any) -> Module:
    r"""``module_cls(*args, **kwargs)`` with its parameters and buffers uninitialized, as
    ``torch.empty`` would leave them: set them before use.

    The constructor runs with a private generator, so the default one (``dn.manual_seed``) is
    neither drawn from nor advanced, as in PyTorch, and the values are then left as they came.
    PyTorch asks the class for a ``device`` argument (it builds on the meta device); deltanet's
    layers take none, so any ``Module`` class works here, and a ``device`` keyword other than
    the CPU is refused.

    Args:
        module_cls: a subclass of ``deltanet.nn.Module``.
        *args: the constructor's positional arguments.
        **kwargs: its keyword arguments (``device`` is taken out: "cpu" or None).

    Returns:
        The module.

    Raises:
        RuntimeError: ``module_cls`` is not a ``Module`` subclass (PyTorch's error), or the
            device is not the CPU.

    Examples:
        >>> import deltanet as dn
        >>> _ = dn.manual_seed(0); first = dn.rand(1).item()
        >>> _ = dn.manual_seed(0)
        >>> layer = dn.nn.utils.skip_init(dn.nn.Linear, 10, 5)
        >>> layer.weight.shape, dn.rand(1).item() == first
        ((5, 10), True)
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    device = kwargs.pop("device", None)
    if device is not None:
        backend.check_device(device)
    with backend.private_rng(np.random.default_rng(0)):
        return module_cls(*args, **kwargs)
