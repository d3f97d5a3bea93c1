"""Data loading: ``Dataset``, ``TensorDataset``, ``DataLoader``, transforms and datasets.

Imports NumPy and the standard library only.

    from xarxa.data import DataLoader
    import xarxa.data.datasets as datasets      # also xa.datasets
    loader = DataLoader(datasets.digits(), batch_size=32, shuffle=True)
"""
from . import transforms  # noqa: F401
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split, val_split
from . import datasets  # noqa: E402,F401  (after dataset: it builds TensorDatasets)

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "val_split", "DataLoader",
           "default_collate", "transforms", "datasets"]
from .distributed import DistributedSampler  # noqa: E402  (NumPy only; MPI under mpiexec)
__all__.append("DistributedSampler")
