"""Data loading: datasets, samplers, ``DataLoader``, transforms and the shipped datasets —
PyTorch's ``torch.utils.data`` (also importable as ``xarxa.utils.data``).

Imports NumPy and the standard library only.

    from xarxa.data import DataLoader
    import xarxa.data.datasets as datasets      # also xa.datasets
    loader = DataLoader(datasets.digits(), batch_size=32, shuffle=True)
"""
from . import transforms  # noqa: F401
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                      TensorDataset, random_split, val_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)
from .worker import WorkerInfo, get_worker_info
from . import datasets  # noqa: E402,F401  (after dataset: it builds TensorDatasets)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "random_split", "val_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DataLoader", "default_collate", "default_convert", "get_worker_info",
           "WorkerInfo", "transforms", "datasets", "DistributedSampler"]
from .distributed import DistributedSampler  # noqa: E402  (NumPy only; MPI under mpiexec)
