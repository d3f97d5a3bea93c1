"""PyTorch's ``torch.utils`` names: ``xarxa.utils.data`` is ``xarxa.data``, so that
``import xarxa as torch`` then ``torch.utils.data.DataLoader`` works."""
from . import data  # noqa: F401

__all__ = ["data"]
