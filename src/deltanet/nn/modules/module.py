"""``torch.nn.modules.module``: ``Module`` (deltanet.nn.module's) by PyTorch's path.

Examples:
    >>> from deltanet.nn.modules.module import Module
    >>> Module.__module__
    'deltanet.nn.module'
"""

from deltanet.nn.module import Module

__all__ = ["Module"]
