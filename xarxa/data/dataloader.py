"""`DataLoader`: batches of a dataset, shuffled or not (notes 1.4.1–1.4.3).

The batch size *is* the choice between the notes' three ways of descending:

===========================  =========================  ========================
notes                        DataLoader                 updates per epoch
===========================  =========================  ========================
batch gradient descent       ``full_batch=True``        1
                             (or ``batch_size=len(ds)``)
mini-batch gradient descent  ``batch_size=B``           ⌈N/B⌉ (⌊N/B⌋ if drop_last)
stochastic gradient descent  ``batch_size=1``           N
===========================  =========================  ========================

``batch_size=None`` keeps PyTorch's meaning: no batching, samples one by one
without a batch dimension.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Iterator

import numpy as np

from ..random import generator
from ..tensor import Tensor
from .dataset import Dataset

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples: list) -> Any:
    """Stack a list of samples into a batch: tuples field by field, numbers and arrays
    into a Tensor with a new first dimension."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    arrays = [s.numpy() if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    batch = np.stack(arrays)
    if batch.dtype == np.float64 and not any(isinstance(s, (Tensor, np.ndarray))
                                             for s in samples):
        batch = batch.astype(np.float32)  # Python floats: the default dtype, as xa.tensor
    return Tensor(batch)


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a ``Dataset`` (anything with ``__len__`` and ``__getitem__``).
        batch_size: samples per batch; ``None`` for no batching (PyTorch's meaning).
        shuffle: draw a new random order at the start of every epoch.
        drop_last: drop the last, smaller batch.
        seed: give the loader its own random generator (its state is in
            ``state_dict()``); without it, shuffling draws from the global xarxa
            generator, so ``xa.manual_seed`` makes it reproducible.
        full_batch: shorthand for ``batch_size=len(dataset)`` (batch gradient descent).
        collate_fn: turns a list of samples into a batch (``default_collate``).
        sampler: an iterable of dataset indices with ``len()`` giving the order of each
            epoch (e.g. ``DistributedSampler``: this rank's share); excludes ``shuffle``.

    Example:
        >>> loader = DataLoader(train_set, batch_size=32, shuffle=True)
        >>> for x, y in loader:
        ...     opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, full_batch: bool = False,
                 collate_fn: Callable[[list], Any] | None = None, sampler=None):
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__, got "
                            f"{type(dataset).__name__}")
        if full_batch:
            batch_size = len(dataset)
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got "
                             f"{batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last needs a batch_size (got None: no batching)")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        if sampler is not None and (shuffle or full_batch):
            raise ValueError("DataLoader: sampler is mutually exclusive with shuffle and "
                             "full_batch (the sampler decides the order)")
        if sampler is not None and not hasattr(sampler, "__len__"):
            raise TypeError(f"DataLoader: sampler must have __len__ and __iter__, got "
                            f"{type(sampler).__name__}")
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.collate_fn = collate_fn or default_collate
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        """Batches per epoch: the number of optimizer updates an epoch makes."""
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64, count=len(self.sampler))
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else generator()
        return rng.permutation(n)

    def __iter__(self) -> Iterator:
        order = self._order()  # drawn when the epoch starts, as PyTorch does
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        fetch_many = getattr(self.dataset, "__getitems__", None)
        use_fast = fetch_many is not None and self.collate_fn is default_collate
        for k in range(len(self)):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            if use_fast:
                yield fetch_many(idx)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    # The loader's own generator is part of a run's state: resuming a run must draw
    # the same orders as the uninterrupted run would have.
    def state_dict(self) -> dict:
        """``{"rng": state}`` of the loader's own generator (empty without ``seed``)."""
        return {} if self._rng is None else {"rng": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        if state and self._rng is not None:
            self._rng.bit_generator.state = state["rng"]
        elif bool(state) != (self._rng is not None):
            raise ValueError("DataLoader.load_state_dict: the state and this loader disagree "
                             "on having their own generator (seed=)")

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)")
