"""The image transforms, torchvision-shaped: one set, for `xarxa.data` datasets and
`xarxa.vision` alike (`xarxa.vision.transforms` re-exports them beside `Resize`).

Two kinds of image pass through them, as in torchvision:

* a **Tensor** (..., C, H, W) — after ``ToTensor``, or a sample of a ``TensorDataset``
  (which hands its transform each sample as a Tensor); leading dimensions are a batch
  that gets the same random parameters, as torchvision's;
* an **image array**, uint8 (H, W) or (H, W, C): what ``vision.datasets.MNIST`` returns
  where torchvision returns a PIL image (there is no PIL here). ``ToTensor`` turns it into
  a float32 (C, H, W) Tensor in [0, 1]; ``Pad``, ``CenterCrop``, ``RandomCrop`` and
  ``RandomHorizontalFlip`` accept it before ``ToTensor`` and return an array of the same
  layout, as they return a PIL image for a PIL image.

Random transforms draw from xarxa's generator (the thread's, `xa.random.use_generator`),
so ``xa.manual_seed`` makes them repeatable and a resumed run repeats them. The results are
new Tensors that do not record a graph (torchvision's tensor transforms are
differentiable; these are for data).

Example:
    >>> from xarxa.data import transforms as T
    >>> aug = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(),
    ...                  T.Normalize((0.2860,), (0.3530,))])
    >>> train_set = TensorDataset(x, y, transform=aug)     # applied to each sample
"""
from __future__ import annotations

import numbers
from typing import Callable, Sequence

import numpy as np

from ..autograd.version import bump_version
from ..random import generator
from ..tensor import Tensor

__all__ = ["CenterCrop", "Compose", "Lambda", "Normalize", "Pad", "RandomCrop",
           "RandomHorizontalFlip", "ToTensor"]


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


# -- the two kinds of image, as (..., C, H, W) arrays -------------------------------------

def unpack_image(img, name: str) -> tuple[np.ndarray, Callable[[np.ndarray], object]]:
    """``img`` as a (..., C, H, W) array and a function turning a result back into
    ``img``'s kind (a Tensor, or an (H, W[, C]) image array)."""
    if isinstance(img, Tensor):
        a = img.numpy()
        if a.ndim < 2:
            raise ValueError(f"{name}: expected a tensor image (..., C, H, W) with at least "
                             f"2 dimensions, got shape {a.shape}")
        # A copy (not a view of the input) in its own contiguous array.
        return a, lambda out: Tensor(np.array(out, order="C"))
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], lambda out: np.ascontiguousarray(out[0])
        if img.ndim == 3:
            return img.transpose(2, 0, 1), lambda out: np.ascontiguousarray(
                out.transpose(1, 2, 0))
        raise ValueError(f"{name}: expected an image array (H, W) or (H, W, C), got shape "
                         f"{img.shape}")
    raise TypeError(f"{name}: expected a Tensor (..., C, H, W) or an image array (H, W) or "
                    f"(H, W, C) as the datasets return, got {type(img).__name__}")


def setup_size(size, name: str) -> tuple[int, int]:
    """int -> (size, size); (s,) -> (s, s); (h, w) -> (h, w), as torchvision."""
    if isinstance(size, numbers.Integral):
        size = (int(size), int(size))
    elif isinstance(size, Sequence) and len(size) in (1, 2):
        size = (int(size[0]), int(size[-1]))
    else:
        raise ValueError(f"{name}: size must be an int or a sequence (h, w), got {size!r}")
    if min(size) <= 0:
        raise ValueError(f"{name}: size must be positive, got {size}")
    return size


class ToTensor:
    """Convert an image array (H, W) or (H, W, C) to a Tensor (C, H, W).

    uint8 values 0..255 become float32 in [0, 1] (value / 255); other dtypes keep
    their values and dtype — torchvision's rules for NumPy arrays. A Tensor is refused,
    as torchvision refuses it (it is already converted).
    """

    def __call__(self, pic) -> Tensor:
        if isinstance(pic, Tensor) or not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: pic should be an image array (H, W) or (H, W, C) "
                            f"(what the datasets return), got {type(pic).__name__}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, got "
                             f"{pic.ndim} dimensions (shape {pic.shape})")
        chw = np.ascontiguousarray((pic[:, :, None] if pic.ndim == 2 else pic)
                                   .transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            chw = chw.astype(np.float32) / np.float32(255)
        return Tensor(chw)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """(x − mean[c]) / std[c] per channel of a float Tensor (..., C, H, W).

    ``mean``/``std``: sequences of one value per channel (or one value for all).
    ``inplace=True`` writes into the input's array.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a Tensor (..., C, H, W) (apply ToTensor "
                            f"first), got {type(tensor).__name__}")
        a = tensor.numpy()
        if a.dtype.kind != "f":
            raise TypeError(f"Normalize: input tensor should be a float tensor, got {a.dtype}")
        if a.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor image of size (..., C, H, W), "
                             f"got shape {a.shape}")
        mean = np.asarray(self.mean, dtype=a.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=a.dtype).reshape(-1, 1, 1)
        if np.any(std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to {a.dtype}, "
                             f"leading to division by zero (std={self.std!r})")
        channels = a.shape[-3]
        if mean.shape[0] not in (1, channels) or std.shape[0] not in (1, channels):
            raise ValueError(f"Normalize: {mean.shape[0]} means and {std.shape[0]} stds for "
                             f"an image with {channels} channels (shape {a.shape})")
        if not self.inplace:
            return Tensor((a - mean) / std)
        np.subtract(a, mean, out=a)
        np.divide(a, std, out=a)
        bump_version(tensor)
        return tensor

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _parse_padding(padding, name: str) -> tuple[int, int, int, int]:
    """int p -> all sides; (lr, tb); (left, top, right, bottom): torchvision's order."""
    if isinstance(padding, numbers.Integral):
        p = (int(padding),) * 4
    elif isinstance(padding, Sequence) and len(padding) in (1, 2, 4) and all(
            isinstance(v, numbers.Integral) for v in padding):
        p = tuple(int(v) for v in padding)
        p = p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p)
    else:
        raise ValueError(f"{name}: padding must be an int or a sequence of 1, 2 or 4 ints "
                         f"(left, top, right, bottom), got {padding!r}")
    if min(p) < 0:
        raise ValueError(f"{name}: padding must be non-negative, got {padding!r}")
    return p


def _pad(a: np.ndarray, ltrb: tuple, fill, mode: str, name: str) -> np.ndarray:
    """Pad the last two axes of a (..., C, H, W) array by (left, top, right, bottom)."""
    left, top, right, bottom = ltrb
    h, w = a.shape[-2:]
    if mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
        raise ValueError(f"{name}: reflect padding {ltrb} must be smaller than the image "
                         f"size {(h, w)} on each side")
    if mode == "symmetric" and (max(top, bottom) > h or max(left, right) > w):
        raise ValueError(f"{name}: symmetric padding {ltrb} must not exceed the image "
                         f"size {(h, w)}")
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if mode != "constant":
        return np.pad(a, widths, mode=mode)
    fill = np.asarray(fill, dtype=np.float64).ravel()
    if fill.size == 1:
        return np.pad(a, widths, constant_values=fill.item())
    channels = a.shape[-3]
    if fill.size != channels:
        raise ValueError(f"{name}: fill has {fill.size} values for an image with "
                         f"{channels} channels")
    out = np.pad(a, widths)
    interior = np.zeros(out.shape[-2:], dtype=bool)
    interior[top:top + h, left:left + w] = True
    out[..., ~interior] = fill.astype(a.dtype)[:, None]   # border pixels, per channel
    return out


class Pad:
    """Pad the image's borders.

    Args:
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: the constant for ``padding_mode='constant'``: a number, or one per channel.
        padding_mode: ``'constant'``, ``'edge'`` (repeat the last pixel), ``'reflect'``
            (mirror without the edge pixel) or ``'symmetric'`` (mirror with it).
    """

    def __init__(self, padding, fill=0, padding_mode: str = "constant"):
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Pad: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode
        self._ltrb = _parse_padding(padding, "Pad")

    def __call__(self, img):
        a, back = unpack_image(img, "Pad")
        return back(_pad(a, self._ltrb, self.fill, self.padding_mode, "Pad"))

    def __repr__(self) -> str:
        return (f"Pad(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class CenterCrop:
    """Cut the central ``size`` (h, w) window; round((H − h) / 2) rows above it (Python's
    round, half to even, as torchvision). A crop larger than the image zero-pads it first."""

    def __init__(self, size):
        self.size = setup_size(size, "CenterCrop")

    def __call__(self, img):
        a, back = unpack_image(img, "CenterCrop")
        (h, w), (H, W) = self.size, a.shape[-2:]  # noqa: N806
        if h > H or w > W:
            ltrb = ((w - W) // 2 if w > W else 0, (h - H) // 2 if h > H else 0,
                    (w - W + 1) // 2 if w > W else 0, (h - H + 1) // 2 if h > H else 0)
            a = _pad(a, ltrb, 0, "constant", "CenterCrop")
            H, W = a.shape[-2:]  # noqa: N806
        top, left = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
        return back(a[..., top:top + h, left:left + w])

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


def _crop_params(image_size, output_size) -> tuple[int, int, int, int]:
    (H, W), (h, w) = image_size, output_size  # noqa: N806
    if H < h or W < w:
        raise ValueError(f"RandomCrop: required crop size {(h, w)} is larger than the "
                         f"input image size {(H, W)}")
    if (H, W) == (h, w):
        return 0, 0, H, W
    # As torchvision: the row first, then the column.
    top = int(generator().integers(0, H - h + 1))
    left = int(generator().integers(0, W - w + 1))
    return top, left, h, w


class RandomCrop:
    """Cut a ``size`` window at a random place, after optional padding.

    Args:
        size: int or (h, w).
        padding: as ``Pad``'s, applied first (None: no padding).
        pad_if_needed: pad an image smaller than ``size`` (both sides by the shortfall,
            as torchvision) instead of raising.
        fill, padding_mode: as ``Pad``'s.

    The top row is drawn uniformly from 0..H−h, then the left column from 0..W−w, with
    xarxa's global generator; a batch (N, C, H, W) gets one window for all images.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {_PADDING_MODES}, "
                             f"got {padding_mode!r}")
        self.size = setup_size(size, "RandomCrop")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode
        self._ltrb = None if padding is None else _parse_padding(padding, "RandomCrop")

    @staticmethod
    def get_params(img, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, h, w) of a random crop of ``output_size`` from ``img``."""
        return _crop_params(unpack_image(img, "RandomCrop")[0].shape[-2:], output_size)

    def __call__(self, img):
        a, back = unpack_image(img, "RandomCrop")
        name, fill, mode = "RandomCrop", self.fill, self.padding_mode
        if self._ltrb is not None:
            a = _pad(a, self._ltrb, fill, mode, name)
        h, w = self.size
        if self.pad_if_needed and a.shape[-1] < w:
            extra = w - a.shape[-1]
            a = _pad(a, (extra, 0, extra, 0), fill, mode, name)
        if self.pad_if_needed and a.shape[-2] < h:
            extra = h - a.shape[-2]
            a = _pad(a, (0, extra, 0, extra), fill, mode, name)
        top, left, h, w = _crop_params(a.shape[-2:], self.size)
        return back(a[..., top:top + h, left:left + w])

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left–right with probability ``p`` (one draw per call)."""

    def __init__(self, p: float = 0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must lie in [0, 1], got {p}")
        self.p = p

    def __call__(self, img):
        a, back = unpack_image(img, "RandomHorizontalFlip")
        if generator().random() < self.p:
            return back(np.ascontiguousarray(a[..., ::-1]))
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
