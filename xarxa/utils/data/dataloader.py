"""``torch.utils.data.dataloader`` → ``xarxa.data.dataloader`` (and ``get_worker_info``)."""
from ...data.dataloader import DataLoader, default_collate, default_convert
from ...data.worker import get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
