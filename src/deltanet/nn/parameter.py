"""``torch.nn.parameter``: ``Parameter`` by PyTorch's path (``from torch.nn.parameter import Parameter``).

``UninitializedParameter`` (the lazy layers' placeholder) is not provided: deltanet has no lazy
layers, so ``from torch.nn.parameter import UninitializedParameter`` raises ImportError.

Examples:
    >>> import deltanet as dn
    >>> from deltanet.nn.parameter import Parameter
    >>> Parameter is dn.nn.Parameter
    True
"""

from deltanet.nn.module import Parameter

__all__ = ["Parameter"]
