"""``torch.utils.data.dataloader``: ``DataLoader`` with PyTorch's defaults, and the collate functions."""

from deltanet.data.collate import default_collate, default_convert
from deltanet.data.loader import DataLoader, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
