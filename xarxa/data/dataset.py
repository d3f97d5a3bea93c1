"""Datasets, as in PyTorch (``torch.utils.data.dataset``): `Dataset` (indexable),
`IterableDataset` (a stream), `TensorDataset`, `Subset`, `ConcatDataset`, `ChainDataset`,
`random_split`, and xarxa's `val_split`."""
from __future__ import annotations

import bisect
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from ..tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "random_split", "val_split"]


class Dataset:
    """A collection of samples: subclasses implement ``__len__`` and ``__getitem__``.

    ``__getitem__(i)`` returns one sample, usually a tuple ``(input, target)``. Two
    optional methods fetch a whole batch at once:

    - ``__getitems__(indices)``, PyTorch's: returns the list of samples, which the
      loader's ``collate_fn`` then turns into a batch;
    - ``__getbatch__(indices)``, xarxa's: returns the batch itself, exactly what
      ``default_collate`` would make of the samples (``TensorDataset`` gathers it with
      one fancy-indexing copy per tensor). The loader uses it only with the default
      ``collate_fn``.

    ``a + b`` is ``ConcatDataset([a, b])``.
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement ``__iter__`` (and may implement ``__len__``).

    With ``DataLoader(num_workers=k)`` every worker iterates its own copy of the dataset:
    shard the stream with ``get_worker_info()`` (``id``, ``num_workers``) in ``__iter__``,
    or each sample comes ``k`` times. ``a + b`` chains two streams.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
        ...         return iter(range(start, 100, step))
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__: a "
                        "stream of unknown length")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it "
                        "cannot be indexed")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


def _as_array(t, what: str) -> np.ndarray:
    if isinstance(t, Tensor):
        return t.numpy()
    if isinstance(t, np.ndarray):
        return t
    raise TypeError(f"TensorDataset: {what} must be a Tensor or an ndarray, got "
                    f"{type(t).__name__}")


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension.

    Args:
        *tensors: Tensors or arrays, each (N, ...); sample i is
            ``(tensors[0][i], tensors[1][i], ...)``.
        transform: applied to the first tensor (the inputs) of each sample, given as a
            Tensor (images as (C, H, W) tensor images: ``xarxa.data.transforms``); a batch
            is transformed sample by sample, so random transforms draw per sample.
        classes: the class names, ``classes[i]`` naming label i (torchvision's
            ``.classes``); None when the targets are no class indices (regression).

    Shape:
        every tensor: (N, ...) with the same N.

    Example:
        >>> ds = TensorDataset(xa.randn(100, 2), xa.randint(0, 2, (100,)),
        ...                    classes=["no", "yes"])
        >>> x, y = ds[0]
        >>> X, Y = ds.tensors            # all samples at once
    """

    def __init__(self, *tensors, transform: Callable | None = None,
                 classes: Sequence[str] | None = None):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [_as_array(t, f"tensor {i}") for i, t in enumerate(tensors)]
        sizes = [a.shape[0] if a.ndim else None for a in arrays]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [a.shape for a in arrays]
            raise ValueError(f"TensorDataset: every tensor needs the same first dimension, "
                             f"got shapes {shapes}")
        if classes is not None:
            if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
                raise TypeError(f"TensorDataset: classes must be a list of names (str), got "
                                f"{classes!r}")
            classes = list(classes)
        self.arrays = arrays
        self.transform = transform
        self.classes: list[str] | None = classes

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The whole tensors, as given (no transform): ``X, y = ds.tensors``."""
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def _pick(self, index) -> tuple[Tensor, ...]:
        out = [a[index] for a in self.arrays]
        if self.transform is not None:  # per sample, as a Dataset's transform is in PyTorch
            if isinstance(index, np.ndarray):  # a batch: each sample draws its own
                out[0] = np.stack([self._transformed(x) for x in out[0]]) if len(out[0]) \
                    else out[0]
            else:
                out[0] = self._transformed(out[0])
        return tuple(Tensor(np.asarray(o)) for o in out)

    def _transformed(self, sample) -> np.ndarray:
        """The transform of one input sample, given as a Tensor (torchvision's tensor
        image (C, H, W) for image data), back as an array."""
        result = self.transform(Tensor(np.asarray(sample)))
        return result.numpy() if isinstance(result, Tensor) else np.asarray(result)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return self._pick(index)

    def __getbatch__(self, indices: Sequence[int] | np.ndarray) -> list[Tensor]:
        """A whole batch (``default_collate``'s list of stacked tensors) by one
        fancy-indexing copy per tensor."""
        return list(self._pick(np.asarray(indices, dtype=np.int64)))

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({len(self)} samples: {shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def classes(self) -> list[str] | None:
        """The class names of the underlying dataset (None if it has none)."""
        return getattr(self.dataset, "classes", None)

    def __getitem__(self, index: int):
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices) -> list:
        """The samples at ``indices`` (PyTorch's protocol: a list, collated by the loader)."""
        picked = self.indices[np.asarray(indices, dtype=np.int64)].tolist()
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(picked)
        return [self.dataset[i] for i in picked]

    def __getbatch__(self, indices):
        """The collated batch (the underlying dataset's fast path when it has one)."""
        if hasattr(self.dataset, "__getbatch__"):
            return self.dataset.__getbatch__(self.indices[np.asarray(indices, dtype=np.int64)])
        from .collate import default_collate
        return default_collate(self.__getitems__(indices))


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other (``a + b`` for two).

    ``cumulative_sizes[i]`` is the number of samples in ``datasets[:i + 1]``.
    """

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use "
                                "ChainDataset)")
            if not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"ConcatDataset: every dataset needs __len__ and __getitem__, "
                                f"got {type(d).__name__}")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        index = index + n if index < 0 else int(index)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets (streams) one after the other."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def _fraction_lengths(fractions: Sequence[float], n: int) -> list[int]:
    """PyTorch's rule: floor(f·n) each, then the remainder one by one, round-robin."""
    lengths = [int(np.floor(f * n)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing
    to 1 (as in PyTorch: ``floor(f·N)`` each, the remaining samples handed out one by
    one from the first subset on). ``generator`` (as for ``RandomSampler``: an
    ``xa.Generator``, a NumPy generator or a ``torch.Generator``-like object) or ``seed``
    give a split independent of the default generator; without them the current thread's
    default generator (``manual_seed``, ``xa.random.use_generator``) draws the permutation.

    Example:
        >>> train, val = random_split(ds, [0.9, 0.1], seed=0)
    """
    from ..random import generator as global_generator
    from .sampler import numpy_generator
    rng = numpy_generator(generator, "random_split")
    if seed is not None and rng is not None:
        raise ValueError("random_split: give generator= or seed=, not both")
    lengths = list(lengths)
    n = len(dataset)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in lengths):
        if min(lengths) < 0 or sum(lengths) != n:
            raise ValueError(f"random_split: lengths {lengths} must be non-negative and sum "
                             f"to the dataset's {n} samples")
    elif all(isinstance(x, (float, np.floating)) for x in lengths):
        if min(lengths) < 0 or not np.isclose(sum(lengths), 1.0):
            raise ValueError(f"random_split: fractions {lengths} must be non-negative and sum "
                             "to 1")
        lengths = _fraction_lengths(lengths, n)
    else:
        raise TypeError(f"random_split: lengths must be all integers (sample counts) or all "
                        f"floats (fractions), got {lengths!r}")
    if rng is None:
        rng = np.random.default_rng(seed) if seed is not None else global_generator()
    perm = rng.permutation(n)
    bounds = np.cumsum([0, *lengths])
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def val_split(dataset: Dataset, fraction: float = 0.1, seed: int | None = 0
              ) -> tuple[Subset, Subset]:
    """(train, validation): a held-out validation set carved from a training set.

    The notes (1.4.6) keep three sets apart: the model learns on the training part,
    hyper-parameters and early stopping look at the validation part, and the test
    set is scored once, at the end. ``floor(fraction·N)`` random samples (drawn by
    ``seed``, so the same every run; None: the global generator) form the
    validation part, the rest the training part; the two are disjoint and cover
    ``dataset``. ``fraction=0`` gives an empty validation part.

    Example:
        >>> train, val = val_split(xa.datasets.digits(), 0.1)
        >>> len(train), len(val)
        (1295, 143)
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)) \
            or not 0.0 <= fraction < 1.0:
        raise ValueError(f"val_split: fraction must be a number in [0, 1), got {fraction!r}")
    n_val = int(np.floor(float(fraction) * len(dataset)))
    train, val = random_split(dataset, [len(dataset) - n_val, n_val], seed=seed)
    return train, val
