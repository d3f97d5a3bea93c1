"""`DistributedSampler`: each rank's share of a dataset, every sample once per epoch.

The partition and the padding are PyTorch's (``torch.utils.data.DistributedSampler``):
the epoch's order (a permutation drawn from ``seed + epoch``, the same on every rank, or
``0 … N-1`` without shuffling) is padded by repeating its first indices up to a multiple
of the number of ranks (or cut down to one, with ``drop_last``), and rank r takes every
``num_replicas``-th index starting at r. Only the permutation itself differs from
PyTorch's (NumPy's generator instead of ``torch.randperm``).
"""
from __future__ import annotations

import math
import numbers
from typing import Iterator

import numpy as np

__all__ = ["DistributedSampler"]


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DistributedSampler: {name} must be an integer, got {value!r}")
    return int(value)


class DistributedSampler:
    """Indices of this rank's share of ``dataset``: pass it as ``DataLoader(sampler=…)``.

    Args:
        dataset: anything with ``__len__``.
        num_replicas, rank: the number of ranks and this one (default: the MPI world's,
            which is initialised if needed: one rank without ``mpiexec``).
        shuffle: a new order every epoch, drawn from ``seed + epoch`` (call ``set_epoch``
            at the start of each epoch; ``fit`` does).
        seed: the same on every rank.
        drop_last: cut the tail that does not divide among the ranks instead of padding
            it with repeated samples.

    Example:
        >>> sampler = DistributedSampler(train, shuffle=True, seed=0)
        >>> loader = DataLoader(train, batch_size=32, sampler=sampler)
        >>> for epoch in range(10):
        ...     sampler.set_epoch(epoch)
        ...     for x, y in loader: ...
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        if not hasattr(dataset, "__len__"):
            raise TypeError(f"DistributedSampler: dataset must have __len__, got "
                            f"{type(dataset).__name__}")
        if num_replicas is None or rank is None:
            from .. import distributed as dist  # NumPy only; MPI only under mpiexec
            dist.init_process_group()
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        num_replicas, rank = _count(num_replicas, "num_replicas"), _count(rank, "rank")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got "
                             f"{num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in "
                             f"the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = bool(shuffle), _count(seed, "seed"), \
            bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def order(self) -> np.ndarray:
        """The epoch's order of the whole dataset, before padding and partition (the same
        on every rank)."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng(self.seed + self.epoch).permutation(n)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch."""
        order = self.order()
        if not self.drop_last and self.total_size > len(order):
            reps = math.ceil(self.total_size / len(order))  # pad with the first indices
            order = np.tile(order, reps)[:self.total_size]
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Draw the order of epoch ``epoch`` (the same on every rank)."""
        self.epoch = _count(epoch, "epoch")

    def __repr__(self) -> str:
        return (f"DistributedSampler(rank {self.rank} of {self.num_replicas}, "
                f"{self.num_samples} samples each, shuffle={self.shuffle}, seed={self.seed}, "
                f"drop_last={self.drop_last})")
