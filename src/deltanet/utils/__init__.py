"""Layer 6: PyTorch's ``torch.utils`` spellings; ``deltanet.utils.data`` is ``torch.utils.data``.

Examples:
    >>> import deltanet as dn
    >>> dn.utils.data.DataLoader.__name__
    'DataLoader'
"""

from deltanet.utils import data

__all__ = ["data"]
