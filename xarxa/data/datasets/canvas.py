"""A segmentation dataset built from real images: Fashion-MNIST items on a larger canvas.

``fashion_canvas(train, size=64, items=(1, 3), seed=0)`` places 1 to 3 Fashion-MNIST
items (28×28) at random positions of a black ``size``×``size`` canvas and labels every
pixel: 0 for the background, c + 1 for a pixel of an item of class c (notes §1.6.1: a
segmentation network needs such ground-truth masks). Nothing is stored or downloaded:
the layout of every canvas (which items, where) is drawn from the seed when the dataset
is made, and the pixels are composed from the IDX files' images when a sample or batch
is read.
"""
from __future__ import annotations

import numbers
import os

import numpy as np

from ...tensor import Tensor
from ..dataset import Dataset
from .mnist_files import CLASSES, load_mnist_family_arrays

__all__ = ["FashionCanvas", "fashion_canvas", "CANVAS_CLASSES", "FOREGROUND"]

CANVAS_CLASSES = ["background"] + CLASSES["fashion-mnist"]
FOREGROUND = 0.1   # an item's pixel brighter than this belongs to it (25.5 of 255)
_ITEM = 28
_CHUNK = 1000      # canvases drawn per generator: canvas i never depends on n
_TRIES = 20        # positions tried per item before it may overlap an earlier one


def _check_args(size, items, seed, n) -> tuple[int, int]:
    fn = "fashion_canvas"
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < _ITEM:
        raise ValueError(f"{fn}: size must be an integer ≥ {_ITEM} (one item), got {size!r}")
    pair = (items, items) if isinstance(items, numbers.Integral) else tuple(items)
    if (len(pair) != 2 or not all(isinstance(k, numbers.Integral) and not isinstance(k, bool)
                                  for k in pair) or not 1 <= pair[0] <= pair[1]):
        raise ValueError(f"{fn}: items must be a count or a pair (low, high) with "
                         f"1 ≤ low ≤ high, got {items!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{fn}: seed must be a non-negative integer, got {seed!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1):
        raise ValueError(f"{fn}: n must be a positive integer (or None), got {n!r}")
    return int(pair[0]), int(pair[1])


def _boxes(images: np.ndarray) -> np.ndarray:
    """Each item's foreground bounding box (top, bottom, left, right), ends exclusive."""
    fg = images > FOREGROUND
    rows, cols = fg.any(axis=2), fg.any(axis=1)
    out = np.zeros((len(images), 4), dtype=np.int64)
    for k, axis in ((0, rows), (2, cols)):
        has = axis.any(axis=1)
        out[:, k] = np.where(has, axis.argmax(axis=1), 0)
        out[:, k + 1] = np.where(has, _ITEM - axis[:, ::-1].argmax(axis=1), 0)
    return out


class FashionCanvas(Dataset):
    """The canvases of ``fashion_canvas``: sample i is ``(image, mask)``.

    Attributes:
        classes: the 11 mask labels' names, ``'background'`` first.
        counts (n,), sources, tops, lefts (n, high): the layout; canvas i holds items
            ``sources[i, :counts[i]]`` (indices into ``item_images``) with their top-left
            corners at ``(tops[i, j], lefts[i, j])``, painted in that order.
        item_images (M, 28, 28), item_labels (M,): the Fashion-MNIST split used.
    """

    def __init__(self, item_images: np.ndarray, item_labels: np.ndarray, size: int,
                 items: tuple[int, int], seed: int, train: bool, n: int):
        self.item_images, self.item_labels = item_images, item_labels
        self.size, self.items, self.seed, self.train = size, items, seed, train
        self.classes = list(CANVAS_CLASSES)
        self.counts, self.sources, self.tops, self.lefts = self._layout(n)

    def _layout(self, n: int):
        """Draw which items go where, _CHUNK canvases per generator seeded by (seed, split,
        chunk): a canvas does not change with n. Each item tries _TRIES positions for one
        whose foreground box misses the earlier items' boxes; if none does, it takes the
        last one and overlaps (the later item wins, see ``render``)."""
        low, high = self.items
        span, boxes = self.size - _ITEM + 1, _boxes(self.item_images)
        counts = np.zeros(n, np.int64)
        sources, tops, lefts = (np.zeros((n, high), np.int64) for _ in range(3))
        for start in range(0, n, _CHUNK):
            rng = np.random.default_rng([self.seed, int(self.train), start // _CHUNK])
            k = min(_CHUNK, n - start)
            counts[start:start + k] = rng.integers(low, high + 1, _CHUNK)[:k]
            sources[start:start + k] = rng.integers(0, len(self.item_images), (_CHUNK, high))[:k]
            tries = rng.integers(0, span, (_CHUNK, high, _TRIES, 2))[:k].tolist()
            for i in range(k):
                placed = []
                for j in range(int(counts[start + i])):
                    t0, t1, l0, l1 = boxes[sources[start + i, j]].tolist()
                    for top, left in tries[i][j]:
                        box = (top + t0, top + t1, left + l0, left + l1)
                        if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3]
                                   and b[2] < box[3] for b in placed):
                            break
                    placed.append(box)
                    tops[start + i, j], lefts[start + i, j] = top, left
        return counts, sources, tops, lefts

    def __len__(self) -> int:
        return len(self.counts)

    def placements(self, index: int) -> list[tuple[int, int, int, int]]:
        """Canvas ``index``'s items in painting order: (item index, class, top, left)."""
        i = int(index)
        return [(int(s), int(self.item_labels[s]), int(top), int(left)) for s, top, left in
                zip(self.sources[i, :self.counts[i]], self.tops[i, :self.counts[i]],
                    self.lefts[i, :self.counts[i]])]

    def render(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """Images float32 (B, 1, size, size) in [0, 1] and masks int64 (B, size, size).

        Items are painted in order. Where an item's pixel is foreground (> FOREGROUND) it
        replaces the canvas pixel and the mask becomes its class + 1: where two items
        overlap, the later one wins. Its faint pixels (≤ FOREGROUND) only brighten the
        background (max), so that a pixel is foreground in the mask exactly when the
        image is brighter than FOREGROUND there.
        """
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise IndexError(f"FashionCanvas: index out of range for {len(self)} canvases")
        images = np.zeros((idx.size, 1, self.size, self.size), np.float32)
        masks = np.zeros((idx.size, self.size, self.size), np.int64)
        for b, i in enumerate(idx.tolist()):
            for s, label, top, left in self.placements(i):
                item = self.item_images[s]
                box = (slice(top, top + _ITEM), slice(left, left + _ITEM))
                image, mask = images[b, 0][box], masks[b][box]
                fg = item > FOREGROUND
                image[...] = np.where(fg, item, np.where(mask == 0, np.maximum(image, item),
                                                         image))
                mask[fg] = label + 1
        return images, masks

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        images, masks = self.render([index])
        return Tensor(images[0]), Tensor(masks[0])

    def __getbatch__(self, indices) -> list[Tensor]:
        """A whole batch [images, masks] at once (what the loader would collate)."""
        images, masks = self.render(indices)
        return [Tensor(images), Tensor(masks)]

    def __repr__(self) -> str:
        return (f"FashionCanvas({len(self)} canvases {self.size}×{self.size}, items "
                f"{self.items[0]}–{self.items[1]}, {'train' if self.train else 'test'}, "
                f"seed {self.seed})")


def fashion_canvas(train: bool = True, size: int = 64, items=(1, 3), seed: int = 0,
                   root: str | os.PathLike | None = None, n: int | None = None
                   ) -> FashionCanvas:
    """Fashion-MNIST items on a ``size``×``size`` black canvas with per-pixel labels.

    Each canvas holds between ``items[0]`` and ``items[1]`` items (uniformly; an int is a
    fixed count) drawn from the Fashion-MNIST training split (``train=True``) or test split
    (held-out items for held-out canvases), each at a uniformly random position; an item
    tries 20 positions for one where its foreground box overlaps no earlier item's, and
    overlaps (the later item wins) only when none does. The layout is a function of
    ``seed``, ``train``, ``size`` and ``items`` only: canvas i is the same whatever ``n``.

    Args:
        train: canvases of training items (True) or of test items (False).
        size: the canvas side, ≥ 28.
        items: the number of items per canvas, (low, high) inclusive, or an int.
        seed: the layout's seed.
        root: where to look for the IDX files first (see ``mnist_family``); nothing is
            downloaded.
        n: the number of canvases (default: as many as the split has images, 60,000 or
            10,000).

    Shape:
        samples: image float32 (1, size, size) in [0, 1]; mask int64 (size, size) with 0 =
        background and c + 1 = an item of Fashion-MNIST class c (``.classes``, 11 names).

    Example:
        >>> train = fashion_canvas(train=True, n=2000)                  # doctest: +SKIP
        >>> image, mask = train[0]
        >>> train.classes[int(mask.numpy().max())]
    """
    low_high = _check_args(size, items, seed, n)
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"fashion_canvas: train must be a bool, got {train!r}")
    x, y = load_mnist_family_arrays("fashion-mnist", root=root, train=bool(train))
    return FashionCanvas(x[:, 0], y, int(size), low_high, int(seed), bool(train),
                         len(x) if n is None else int(n))
