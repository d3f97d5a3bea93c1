"""`Dataset` and `TensorDataset`: indexable collections of samples, as in PyTorch."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "val_split"]


class Dataset:
    """A collection of samples: subclasses implement ``__len__`` and ``__getitem__``.

    ``__getitem__(i)`` returns one sample, usually a tuple ``(input, target)``. A
    dataset may also implement ``__getitems__(indices)`` returning a whole batch at
    once (``TensorDataset`` does); ``DataLoader`` then skips the per-sample collation.
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError


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
        transform: applied to the first tensor (the inputs) of each sample or batch;
            ``xarxa.data.transforms`` work on one (C, H, W) sample or a batch.
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
        if self.transform is not None:
            out[0] = self.transform(out[0])
            out[0] = out[0].numpy() if isinstance(out[0], Tensor) else out[0]
        return tuple(Tensor(np.asarray(o)) for o in out)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return self._pick(index)

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> tuple[Tensor, ...]:
        """A whole batch by one fancy-indexing copy per tensor."""
        return self._pick(np.asarray(indices, dtype=np.int64))

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

    def __getitems__(self, indices):
        picked = self.indices[np.asarray(indices, dtype=np.int64)]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(picked)
        from .dataloader import default_collate
        return default_collate([self.dataset[int(i)] for i in picked])


def _fraction_lengths(fractions: Sequence[float], n: int) -> list[int]:
    """PyTorch's rule: floor(f·n) each, then the remainder one by one, round-robin."""
    lengths = [int(np.floor(f * n)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths


def random_split(dataset: Dataset, lengths: Sequence[int | float], seed: int | None = None
                 ) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing
    to 1 (as in PyTorch: ``floor(f·N)`` each, the remaining samples handed out one by
    one from the first subset on). ``seed`` gives a split independent of the global
    generator; without it the global xarxa generator (``manual_seed``) draws the
    permutation.

    Example:
        >>> train, val = random_split(ds, [0.9, 0.1], seed=0)
    """
    from ..random import generator
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
    rng = np.random.default_rng(seed) if seed is not None else generator()
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
