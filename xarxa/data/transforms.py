"""Simple image transforms: normalise, pad, random horizontal flip, random crop.

Each transform takes one image (C, H, W) or a batch (N, C, H, W), as an array or a
Tensor, and returns the same kind. Random transforms decide per image and draw from
the global xarxa generator, so ``xa.manual_seed`` makes them reproducible and a
resumed run (which restores that generator) repeats them.

Example:
    >>> from xarxa.data import transforms as T
    >>> aug = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(),
    ...                  T.Normalize(0.2860, 0.3530)])
    >>> train_set = TensorDataset(x, y, transform=aug)
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..random import generator
from ..tensor import Tensor

__all__ = ["Compose", "Normalize", "Pad", "RandomHorizontalFlip", "RandomCrop", "Lambda"]


def _unwrap(x, name: str) -> tuple[np.ndarray, bool]:
    is_tensor = isinstance(x, Tensor)
    a = x.numpy() if is_tensor else np.asarray(x)
    if a.ndim not in (3, 4):
        raise ValueError(f"{name}: expected an image (C, H, W) or a batch (N, C, H, W), got "
                         f"shape {a.shape}")
    return a, is_tensor


def _wrap(a: np.ndarray, is_tensor: bool):
    return Tensor(a) if is_tensor else a


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"


class Lambda:
    """Wrap a function as a transform (torchvision's: ``lambd`` must be callable). The one
    ``Lambda``: ``xarxa.vision.transforms`` re-exports it."""

    def __init__(self, lambd: Callable):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self) -> str:
        return "Lambda()"


class Normalize:
    """(x − mean) / std per channel; ``mean``/``std`` are numbers or one per channel."""

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]):
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be > 0, got {std!r}")

    def __call__(self, x):
        a, is_tensor = _unwrap(x, "Normalize")
        channels = a.shape[-3]
        if self.mean.shape[0] not in (1, channels) or self.std.shape[0] not in (1, channels):
            raise ValueError(f"Normalize: {self.mean.shape[0]} means / {self.std.shape[0]} "
                             f"stds for an image with {channels} channels")
        out = ((a - self.mean) / self.std).astype(a.dtype if a.dtype.kind == "f"
                                                  else np.float32, copy=False)
        return _wrap(out, is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"


class Pad:
    """Zero-pad ``padding`` pixels on every side (e.g. 28×28 → 32×32 for LeNet-5)."""

    def __init__(self, padding: int, value: float = 0.0):
        if padding < 0:
            raise ValueError(f"Pad: padding must be >= 0, got {padding}")
        self.padding, self.value = int(padding), value

    def __call__(self, x):
        a, is_tensor = _unwrap(x, "Pad")
        p = self.padding
        widths = [(0, 0)] * (a.ndim - 2) + [(p, p), (p, p)]
        return _wrap(np.pad(a, widths, constant_values=self.value), is_tensor)

    def __repr__(self) -> str:
        return f"Pad({self.padding})"


class RandomHorizontalFlip:
    """Mirror each image left–right with probability ``p``."""

    def __init__(self, p: float = 0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must lie in [0, 1], got {p}")
        self.p = p

    def __call__(self, x):
        a, is_tensor = _unwrap(x, "RandomHorizontalFlip")
        if a.ndim == 3:
            flip = generator().random() < self.p
            return _wrap(a[..., ::-1].copy() if flip else a, is_tensor)
        flip = generator().random(a.shape[0]) < self.p
        out = a.copy()
        out[flip] = a[flip][..., ::-1]
        return _wrap(out, is_tensor)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Zero-pad by ``padding``, then cut a random ``size``×``size`` window per image."""

    def __init__(self, size: int | tuple[int, int], padding: int = 0):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding = int(padding)

    def __call__(self, x):
        a, is_tensor = _unwrap(x, "RandomCrop")
        if self.padding:
            a = Pad(self.padding)(a)
        h, w = self.size
        H, W = a.shape[-2:]  # noqa: N806
        if h > H or w > W:
            raise ValueError(f"RandomCrop: crop {self.size} is larger than the padded image "
                             f"{(H, W)}")
        batch = a[None] if a.ndim == 3 else a
        tops = generator().integers(0, H - h + 1, size=batch.shape[0])
        lefts = generator().integers(0, W - w + 1, size=batch.shape[0])
        out = np.stack([img[:, t:t + h, s:s + w] for img, t, s in zip(batch, tops, lefts)])
        return _wrap(out[0] if a.ndim == 3 else out, is_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop({self.size}, padding={self.padding})"
