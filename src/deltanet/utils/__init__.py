"""Layer 6: PyTorch's ``torch.utils`` spellings; ``deltanet.utils.data`` is ``torch.utils.data``.

Examples:
    >>> import deltanet as dn
    >>> dn.utils.data.DataLoader.__name__
    'DataLoader'
"""

from deltanet.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
