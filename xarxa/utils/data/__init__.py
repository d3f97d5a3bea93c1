"""``torch.utils.data`` → ``xarxa.utils.data``: the names of ``xarxa.data`` (one
implementation, re-exported), with PyTorch's submodules ``dataset``, ``sampler``,
``dataloader`` and ``distributed``.

    from xarxa.utils.data import DataLoader, TensorDataset, random_split
"""
from ...data import *  # noqa: F401,F403
from ...data import __all__  # noqa: F401
from . import dataloader, dataset, distributed, sampler  # noqa: F401,E402
