"""`Dataset` and `TensorDataset`: indexable collections of samples, as in PyTorch."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


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

    Shape:
        every tensor: (N, ...) with the same N.

    Example:
        >>> ds = TensorDataset(xa.randn(100, 2), xa.randint(0, 2, (100,)))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors, transform: Callable | None = None):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [_as_array(t, f"tensor {i}") for i, t in enumerate(tensors)]
        sizes = [a.shape[0] if a.ndim else None for a in arrays]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [a.shape for a in arrays]
            raise ValueError(f"TensorDataset: every tensor needs the same first dimension, "
                             f"got shapes {shapes}")
        self.arrays = arrays
        self.transform = transform

    @property
    def tensors(self) -> tuple[Tensor, ...]:
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

    def __getitem__(self, index: int):
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices):
        picked = self.indices[np.asarray(indices, dtype=np.int64)]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(picked)
        from .dataloader import default_collate
        return default_collate([self.dataset[int(i)] for i in picked])


def random_split(dataset: Dataset, lengths: Sequence[int], seed: int | None = None
                 ) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``seed`` gives a split independent of the global generator; without it the
    global xarxa generator (``manual_seed``) draws the permutation.
    """
    from ..random import generator
    if sum(lengths) != len(dataset):
        raise ValueError(f"random_split: lengths {list(lengths)} sum to {sum(lengths)}, the "
                         f"dataset has {len(dataset)} samples")
    rng = np.random.default_rng(seed) if seed is not None else generator()
    perm = rng.permutation(len(dataset))
    bounds = np.cumsum([0, *lengths])
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
