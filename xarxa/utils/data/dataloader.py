"""``torch.utils.data.dataloader`` → ``xarxa.data.dataloader`` (and ``get_worker_info``)."""
from ...data.dataloader import *  # noqa: F401,F403
from ...data.dataloader import __all__ as _names
from ...data.worker import get_worker_info  # noqa: F401

__all__ = [*_names, "get_worker_info"]
