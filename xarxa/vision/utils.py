"""torchvision's ``make_grid`` and ``save_image``: tile a batch of images, write a PNG.

The PNG is written here with ``zlib`` and ``struct`` (8-bit grey, grey + alpha, RGB
or RGBA, no PIL needed): ``save_image(x, "samples.png")`` works in any install.

Example:
    >>> from xarxa.vision.utils import make_grid, save_image
    >>> grid = make_grid(images, nrow=8, padding=2)     # (3, H', W')
    >>> save_image(images, "samples.png", normalize=True)
"""
from __future__ import annotations

import math
import os
import struct
import zlib

import numpy as np

from ..tensor import Tensor

__all__ = ["make_grid", "save_image", "png_bytes"]


def _as_array(tensor) -> np.ndarray:
    if isinstance(tensor, (list, tuple)):
        if not tensor:
            raise ValueError("make_grid: got an empty list of images")
        return np.stack([_as_array(t) for t in tensor])
    if isinstance(tensor, Tensor):
        return tensor.numpy()
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"make_grid: expected a Tensor, an ndarray or a list of them, got "
                    f"{type(tensor).__name__}")


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images (N, C, H, W) (or a list of (C, H, W)) into one image.

    Args:
        nrow: images per row; the number of rows is ⌈N / nrow⌉.
        padding: pixels of ``pad_value`` around and between the images.
        normalize: shift and scale to [0, 1]: by ``value_range`` (min, max), values
            clamped to it first, or by the min and max of the batch (of each image with
            ``scale_each=True``).

    Returns:
        A Tensor (C, (H + padding)·rows + padding, (W + padding)·min(nrow, N) + padding)
        of the input's dtype; image k sits at row k // nrow, column k % nrow. As
        torchvision: one-channel images are repeated to 3 channels, an (H, W) or
        (C, H, W) input is one image, and a batch of one is returned without padding.
    """
    a = _as_array(tensor)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        a = (np.concatenate([a] * 3) if a.shape[0] == 1 else a)[None]
    if a.ndim != 4:
        raise ValueError(f"make_grid: expected images (N, C, H, W), (C, H, W) or (H, W), "
                         f"got shape {a.shape}")
    if a.shape[1] == 1:
        a = np.concatenate([a] * 3, axis=1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError(f"make_grid: value_range has to be a tuple (min, max) if "
                            f"specified, got {value_range!r}")
        a = a.copy()  # normalised in place below, never the caller's array
        for img in (a if scale_each else [a]):
            low, high = value_range if value_range is not None else (img.min(), img.max())
            np.clip(img, low, high, out=img)
            img -= low
            img /= max(high - low, 1e-5)
    if a.shape[0] == 1:
        return Tensor(np.array(a[0]))
    n, c, h, w = a.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    step_h, step_w = h + padding, w + padding
    grid = np.full((c, step_h * rows + padding, step_w * cols + padding), pad_value,
                   dtype=a.dtype)
    for k in range(n):
        y, x = divmod(k, cols)
        top, left = y * step_h + padding, x * step_w + padding
        grid[:, top:top + h, left:left + w] = a[k]
    return Tensor(grid)


def png_bytes(pixels: np.ndarray, compression_level: int = 6) -> bytes:
    """Encode uint8 pixels (H, W) or (H, W, C), C = 1 (grey), 2 (grey + alpha), 3 (RGB)
    or 4 (RGBA), as a PNG file (8 bits per sample, no interlacing, filter 0; zlib level
    `compression_level`)."""
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError(f"png_bytes: expected uint8 pixels (H, W) or (H, W, C), got "
                         f"{pixels.dtype} {pixels.shape}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    h, w, c = pixels.shape
    if c not in (1, 2, 3, 4) or h == 0 or w == 0:
        raise ValueError(f"png_bytes: expected 1, 2, 3 or 4 channels and a non-empty "
                         f"image, got shape {pixels.shape}")
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    # Each scanline starts with its filter type byte (0: none).
    scanlines = np.concatenate([np.zeros((h, 1), np.uint8), pixels.reshape(h, w * c)], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    data = zlib.compress(scanlines.tobytes(), compression_level)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Save images as a PNG: ``make_grid(tensor, **kwargs)``, then each value v in [0, 1]
    becomes the byte ⌊255·v + 0.5⌋ clamped to 0..255 (torchvision's conversion).

    Args:
        fp: a file name (ending in ``.png``) or a binary file object.
        format: ``None`` or ``'png'``; other formats are not written here.
    """
    if format is not None and format.lower() != "png":
        raise ValueError(f"save_image: only the PNG format is written here, got "
                         f"format={format!r}")
    is_path = isinstance(fp, (str, os.PathLike))
    if is_path and format is None and os.path.splitext(os.fspath(fp))[1].lower() != ".png":
        raise ValueError(f"save_image: only PNG files are written here; {os.fspath(fp)!r} "
                         f"does not end in .png")
    grid = make_grid(tensor, **kwargs).numpy()
    work = grid.dtype if grid.dtype.kind == "f" else np.dtype(np.float32)
    scaled = grid.astype(work) * work.type(255) + work.type(0.5)
    pixels = np.clip(scaled, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    data = png_bytes(np.ascontiguousarray(pixels))
    if is_path:
        with open(fp, "wb") as f:
            f.write(data)
    else:
        fp.write(data)
