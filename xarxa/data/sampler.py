"""Samplers: the order in which a `DataLoader` visits a dataset (``torch.utils.data.sampler``).

A sampler is an iterable of dataset indices (or, for a batch sampler, of lists of
indices) with a ``len()``. The names, arguments, orders of the deterministic samplers
and the error messages are PyTorch's; the random ones draw from NumPy generators, so
their permutations are reproducible but not the same numbers as ``torch.randperm``.

``generator=`` (here and in ``DataLoader``/``random_split``) takes:

- ``None``: draw from the current thread's default generator (``xa.manual_seed`` makes it
  repeatable, ``xa.random.use_generator`` sets it per thread), at the moment each epoch's
  order is drawn;
- a ``numpy.random.Generator`` or an ``xa.Generator``: drawn from, its state advancing epoch
  after epoch (as a ``torch.Generator`` does in PyTorch);
- a PyTorch-style generator object with ``initial_seed()`` (what
  ``torch.Generator().manual_seed(0)`` returns): a NumPy generator is seeded once from
  its ``initial_seed()`` when the sampler is built.
"""
from __future__ import annotations

import numbers
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..random import Generator
from ..random import generator as _default_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "numpy_generator"]


def numpy_generator(generator, fn: str) -> np.random.Generator | None:
    """The NumPy generator that ``generator=`` stands for (None: the thread's default one,
    looked up when drawing). See the module docstring for what is accepted."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):  # its own stream: the sampler advances it
        return generator.numpy
    initial_seed = getattr(generator, "initial_seed", None)
    if callable(initial_seed) and callable(getattr(generator, "manual_seed", None)):
        return np.random.default_rng(int(initial_seed()))
    raise TypeError(f"{fn}: generator must be None, a numpy.random.Generator or a "
                    f"generator with manual_seed()/initial_seed() (e.g. torch.Generator), got "
                    f"{type(generator).__name__}")


def _rng(own: np.random.Generator | None) -> np.random.Generator:
    return own if own is not None else _default_generator()


class Sampler:
    """Base class of samplers: subclasses implement ``__iter__`` (indices, or lists of
    indices for a batch sampler) and usually ``__len__``.

    As in PyTorch, the base class defines no ``__len__``: a sampler without one works,
    only ``len(loader)`` needs it. ``data_source`` is accepted and ignored (PyTorch's
    deprecated argument).

    Example:
        >>> class LongestFirst(Sampler):
        ...     def __init__(self, lengths): self.lengths = lengths
        ...     def __len__(self): return len(self.lengths)
        ...     def __iter__(self): return iter(np.argsort(self.lengths)[::-1].tolist())
    """

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, …, len(data_source) - 1``, every epoch."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def _epoch_order(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of ``data_source``, drawn anew every epoch.

    Args:
        data_source: anything with ``len()``.
        replacement: draw ``num_samples`` indices independently (with repeats).
        num_samples: how many indices per epoch (default ``len(data_source)``); without
            replacement and more than ``len(data_source)``, whole permutations follow
            one another, the last one cut (PyTorch's rule).
        generator: see the module docstring.

    The whole epoch's order is drawn at the first index, so that a training step
    drawing random numbers in between cannot change it.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        self._own_rng = numpy_generator(generator, "RandomSampler")
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        n = self.num_samples
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={n}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_order(self) -> np.ndarray:
        n, k, rng = len(self.data_source), self.num_samples, _rng(self._own_rng)
        if n == 0:
            raise ValueError("RandomSampler: data_source is empty, there is nothing to draw")
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        perms = [rng.permutation(n) for _ in range(-(-k // n))]
        return np.concatenate(perms)[:k]

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_order().tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a new random order every epoch."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator
        self._own_rng = numpy_generator(generator, "SubsetRandomSampler")

    def _epoch_order(self) -> np.ndarray:
        return np.asarray(self.indices)[_rng(self._own_rng).permutation(len(self.indices))]

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_order().tolist()

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices of ``0 … len(weights) - 1``, index i with probability
    proportional to ``weights[i]`` (e.g. the inverse class frequency, to balance classes).
    Without replacement an index is drawn at most once."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) \
                or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and "
                             "not all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                             f"replacement from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples, self.replacement = w, int(num_samples), replacement
        self.generator = generator
        self._own_rng = numpy_generator(generator, "WeightedRandomSampler")

    def _epoch_order(self) -> np.ndarray:
        return _rng(self._own_rng).choice(len(self.weights), size=self.num_samples,
                                          replace=self.replacement,
                                          p=self.weights / self.weights.sum())

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_order().tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last, shorter
    list is dropped when ``drop_last``.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool
                 ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list]:
        size = self.batch_size
        order_of = getattr(self.sampler, "_epoch_order", None)
        if order_of is not None:  # xarxa's samplers: slice the epoch's order, no Python loop
            order = order_of()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            for start in range(0, stop, size):
                yield order[start:start + size].tolist()
            return
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
