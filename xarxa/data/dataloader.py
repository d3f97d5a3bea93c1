"""`DataLoader`: batches of a dataset, shuffled or not (notes 1.4.1–1.4.3), with
PyTorch's arguments (``torch.utils.data.DataLoader``).

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

import functools
import multiprocessing
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from ..random import generator as _global_generator
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .fetch import fetch, stream
from .sampler import BatchSampler, RandomSampler, SequentialSampler, numpy_generator
from .worker import Spec, WorkerIterator, WorkerPool

__all__ = ["DataLoader", "default_collate", "default_convert"]


def _flag(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DataLoader: {name} must be an integer, got {value!r}")


class DataLoader:
    """Iterate over a dataset in batches.

    Args (PyTorch's, in PyTorch's order):
        dataset: a map-style dataset (``__len__`` and ``__getitem__``) or an
            ``IterableDataset``.
        batch_size: samples per batch; ``None`` for no batching (PyTorch's meaning).
        shuffle: a new random order every epoch (``RandomSampler``).
        sampler: the order of the indices (a ``Sampler`` or any iterable); excludes
            ``shuffle``.
        batch_sampler: yields whole lists of indices; excludes ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers: worker processes loading batches in parallel (0: in this process).
            The batches and their order are the same as with 0.
        collate_fn: a list of samples to a batch (``default_collate``; without batching
            ``default_convert`` of each sample).
        pin_memory: accepted and ignored: there is only the CPU (no pinned memory).
        drop_last: drop the last, smaller batch.
        timeout: seconds to wait for a worker's batch before a RuntimeError (0: no limit;
            only with workers).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after
            its seeding.
        multiprocessing_context: ``None`` or ``'fork'`` (the one start method used, see
            ``xarxa.data.worker``).
        generator: the loader's own random stream (a ``numpy.random.Generator`` or a
            ``torch.Generator``-like object with ``initial_seed()``): each epoch draws
            the workers' base seed and then the shuffled order from it. Without it (and
            without ``seed``), the global xarxa generator (``xa.manual_seed``) is used.
        prefetch_factor: batches requested ahead per worker (default 2 with workers).
        persistent_workers: keep the workers from one epoch to the next.
        pin_memory_device, in_order: accepted; batches always come in order.
        seed: xarxa's shorthand for ``generator=np.random.default_rng(seed)``; the
            generator's state is in ``state_dict()`` (checkpoints resume the same orders).
        full_batch: shorthand for ``batch_size=len(dataset)`` (batch gradient descent).

    Example:
        >>> loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=2)
        >>> for x, y in loader:
        ...     opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None, full_batch: bool = False):
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and (not hasattr(dataset, "__len__")
                             or not hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__ (or be an "
                            f"IterableDataset), got {type(dataset).__name__}")
        _flag(num_workers, "num_workers")
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got "
                             f"{timeout!r}")
        if timeout and num_workers == 0:
            raise ValueError("DataLoader: timeout applies to worker processes; with "
                             "num_workers=0 it must be 0")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if prefetch_factor is not None:
            _flag(prefetch_factor, "prefetch_factor")
            if prefetch_factor < 1:
                raise ValueError(f"DataLoader: prefetch_factor must be at least 1, got "
                                 f"{prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        context = self._context(multiprocessing_context, num_workers)
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed= or generator=, not both")
        if full_batch and batch_sampler is not None:
            raise ValueError("DataLoader: full_batch and batch_sampler are mutually exclusive")
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        elif len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if full_batch:
            batch_size = len(dataset) if sampler is None else len(sampler)
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size!r}")

        self._rng = np.random.default_rng(seed) if seed is not None else \
            numpy_generator(generator, "DataLoader")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=self._rng) if shuffle else \
                SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.dataset, self.sampler, self.batch_sampler = dataset, sampler, batch_sampler
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle, self.drop_last, self.seed = shuffle, bool(drop_last), seed
        self.generator = generator
        self.num_workers, self.timeout, self.worker_init_fn = int(num_workers), timeout, \
            worker_init_fn
        self.prefetch_factor = (prefetch_factor or 2) if num_workers else None
        self.persistent_workers, self.pin_memory = bool(persistent_workers), bool(pin_memory)
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self.multiprocessing_context = multiprocessing_context
        self._context_object = context
        self._iterable = iterable
        self._auto_collation = self.batch_sampler is not None or (iterable and
                                                                   batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)
        self._pool: WorkerPool | None = None

    @staticmethod
    def _context(context, num_workers: int):
        """The multiprocessing context: fork, the one start method the workers use."""
        if context is None:
            return None
        if num_workers == 0:
            raise ValueError(f"DataLoader: multiprocessing_context can only be used with "
                             f"multi-process loading (num_workers > 0), but got "
                             f"num_workers={num_workers}")
        if isinstance(context, str):
            if context not in multiprocessing.get_all_start_methods():
                raise ValueError(f"DataLoader: multiprocessing_context option should specify a "
                                 f"valid start method in "
                                 f"{multiprocessing.get_all_start_methods()!r}, but got "
                                 f"multiprocessing_context={context!r}")
            context = multiprocessing.get_context(context)
        method = getattr(context, "get_start_method", lambda: None)()
        if method != "fork":
            raise ValueError(f"DataLoader: workers are started with 'fork' only (their batches "
                             f"come back without pickle), got multiprocessing_context "
                             f"{method or context!r}")
        return context

    def __len__(self) -> int:
        """Batches per epoch: the number of optimizer updates an epoch makes."""
        if self._iterable:
            n = len(self.dataset)  # TypeError for a stream without a length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _index_batches(self):
        """The epoch's indices: lists of them, or single ones without batching."""
        if self._iterable:
            return None
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __iter__(self) -> Iterator:
        # As PyTorch does, every epoch first draws the workers' base seed (with or
        # without workers, so that both give the same orders), then the order itself.
        rng = self._rng if self._rng is not None else _global_generator()
        base_seed = int(rng.integers(2 ** 62))
        if self.num_workers == 0:
            return self._single_process()
        if self._pool is None or not self._pool.alive:
            spec = Spec(self.dataset, self._iterable, self._auto_collation, self.batch_size,
                        self.drop_last, self.collate_fn, self.worker_init_fn, self.num_workers)
            pool = WorkerPool(spec, base_seed, self._context_object)
            if not self.persistent_workers:
                return WorkerIterator(pool, self._index_batches(), self.prefetch_factor,
                                      self.timeout, persistent=False)
            self._pool = pool
        return WorkerIterator(self._pool, self._index_batches(), self.prefetch_factor,
                              self.timeout, persistent=True)

    def _single_process(self) -> Iterator:
        if self._iterable:
            return self._single_stream()
        # map() rather than a generator: a StopIteration raised by the dataset or collate_fn
        # must end the caller's loop at that batch and leave the iterator going on with the
        # next one, as PyTorch's iterator and the workers do; a generator would turn it
        # into a RuntimeError (PEP 479). The samplers draw their order lazily all the same.
        load = functools.partial(fetch, self.dataset, auto_collation=self._auto_collation,
                                 collate_fn=self.collate_fn)
        return map(load, self._index_batches())

    def _single_stream(self) -> Iterator:
        yield from stream(iter(self.dataset), self._auto_collation, self.batch_size,
                          self.drop_last, self.collate_fn)

    # The loader's own generator is part of a run's state: resuming a run must draw
    # the same orders as the uninterrupted run would have.
    def state_dict(self) -> dict:
        """``{"rng": state}`` of the loader's own generator (``seed=``/``generator=``;
        empty without one)."""
        return {} if self._rng is None else {"rng": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        if state and self._rng is not None:
            self._rng.bit_generator.state = state["rng"]
        elif bool(state) != (self._rng is not None):
            raise ValueError("DataLoader.load_state_dict: the state and this loader disagree "
                             "on having their own generator (seed= or generator=)")

    def __repr__(self) -> str:
        size = "a stream" if self._iterable else f"{len(self.dataset)} samples"
        return (f"DataLoader({size}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers})")
