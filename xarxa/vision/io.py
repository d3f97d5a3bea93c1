"""Reading and writing image files as torchvision.io does: uint8 tensors (C, H, W).

    img = read_image("cat.jpg")                       # (3, H, W) uint8
    grey = read_image("cat.png", ImageReadMode.GRAY)  # (1, H, W)
    write_png(img, "copy.png"); write_jpeg(img, "copy.jpg", quality=90)

Decoding (PNG, JPEG, GIF, BMP, WEBP … whatever Pillow reads) and JPEG encoding use Pillow,
an optional dependency (``pip install 'xarxa[vision]'``), imported on first use: without
it these functions raise an ImportError saying so. PNG encoding needs nothing (zlib, as
``utils.save_image``). The decoders are Pillow's, not torchvision's libpng/libjpeg builds:
lossless formats give the same pixels; JPEG pixels and colour-to-grey conversions
(``mode=GRAY`` of an RGB file: Pillow's ITU-R 601 luma) can differ from torchvision's by a
unit or two of 255. Palette images decode to RGB (RGBA with transparency), 16-bit PNGs to
uint16, as torchvision's decoders do.
"""
from __future__ import annotations

import io as _io
import os
from enum import Enum

import numpy as np

from ..io.atomic import atomic_write
from ..tensor import Tensor
from .utils import png_bytes

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_png",
           "decode_jpeg", "read_image", "encode_png", "encode_jpeg", "write_png",
           "write_jpeg"]


class ImageReadMode(Enum):
    """The channels to decode to: as stored (UNCHANGED), 1 (GRAY), 2 (GRAY_ALPHA), 3 (RGB)
    or 4 (RGB_ALPHA); the names as strings work too."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4          # torchvision's alias


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
              ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}


def _pil_image():
    """Pillow's Image module, or an ImportError with the install hint."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("xarxa.vision.io: decoding images and writing JPEGs needs Pillow, "
                          "an optional dependency: pip install 'xarxa[vision]' (or pip "
                          "install pillow)") from None
    return Image


def _mode(mode, fn: str) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str) and mode.upper() in ImageReadMode.__members__:
        return ImageReadMode[mode.upper()]
    raise ValueError(f"{fn}: mode must be an ImageReadMode (UNCHANGED, GRAY, GRAY_ALPHA, RGB, "
                     f"RGB_ALPHA) or its name, got {mode!r}")


def read_file(path) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    with open(path, "rb") as f:
        return Tensor(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data) -> None:
    """Write a 1-D uint8 tensor's bytes to ``filename`` (atomically: a failed write leaves
    the previous file)."""
    raw = _bytes(data, "write_file")
    atomic_write(os.fspath(filename), lambda f: f.write(raw))


def _bytes(data, fn: str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    a = data._data if isinstance(data, Tensor) else np.asarray(data)
    if a.dtype != np.uint8 or a.ndim != 1:
        raise ValueError(f"{fn}: expected a 1-D uint8 tensor of encoded bytes, got dtype "
                         f"{a.dtype} and shape {tuple(a.shape)}")
    return a.tobytes()


def decode_image(input, mode=ImageReadMode.UNCHANGED,  # noqa: A002 - torchvision's name
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode an encoded image (a 1-D uint8 tensor of its bytes, or a file path) to a
    uint8 (C, H, W) tensor (uint16 for 16-bit PNGs), C as ``mode`` asks.

    Example:
        >>> decode_image(read_file("cat.png"), mode="RGB").shape
        (3, 480, 640)
    """
    fn = "decode_image"
    mode = _mode(mode, fn)
    if isinstance(input, (str, os.PathLike)):
        input = read_file(input)   # noqa: A001
    raw = _bytes(input, fn)
    Image = _pil_image()  # noqa: N806 - the module's name
    try:
        img = Image.open(_io.BytesIO(raw))
        img.load()
    except Exception as e:         # Pillow's UnidentifiedImageError, truncated files …
        raise ValueError(f"{fn}: cannot decode these {len(raw)} bytes as an image: "
                         f"{e}") from None
    if apply_exif_orientation:
        from PIL import ImageOps
        img = ImageOps.exif_transpose(img)
    return Tensor(_to_chw(img, mode))


def _to_chw(img, mode: ImageReadMode) -> np.ndarray:
    """A Pillow image as a (C, H, W) array in `mode`."""
    if mode is ImageReadMode.UNCHANGED:
        if img.mode in ("I;16", "I;16B", "I;16L"):
            return np.asarray(img, dtype=np.uint16)[None].copy()
        if img.mode == "P":
            has_alpha = "transparency" in img.info
            img = img.convert("RGBA" if has_alpha else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.mode else ("L" if img.mode in ("1", "I", "F")
                                                             else "RGB"))
    else:
        if img.mode == "P":             # a palette: expand first, then convert
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        img = img.convert(_PIL_MODES[mode])
    a = np.asarray(img, dtype=np.uint8)
    a = a[:, :, None] if a.ndim == 2 else a
    return np.ascontiguousarray(a.transpose(2, 0, 1))


def decode_png(input, mode=ImageReadMode.UNCHANGED,  # noqa: A002
               apply_exif_orientation: bool = False) -> Tensor:
    """``decode_image`` for PNG bytes."""
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu",  # noqa: A002
                apply_exif_orientation: bool = False) -> Tensor:
    """``decode_image`` for JPEG bytes (a list of them gives a list; ``device`` 'cpu')."""
    if str(device) != "cpu":
        raise RuntimeError(f"decode_jpeg: device {device!r} is not available: this build of "
                           "xarxa runs on the CPU only")
    if isinstance(input, list):
        return [decode_image(i, mode, apply_exif_orientation) for i in input]
    return decode_image(input, mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Read an image file into a uint8 (C, H, W) tensor (``decode_image`` of its bytes).

    Example:
        >>> img = read_image("cat.jpg")             # (3, H, W), values 0 … 255
        >>> x = img.float() / 255                   # what a model takes
    """
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _pixels(input, fn: str, channels: tuple) -> np.ndarray:
    """A uint8 (C, H, W) tensor as the (H, W, C) array encoders take."""
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    if a.dtype != np.uint8:
        raise ValueError(f"{fn}: expected a uint8 tensor, got dtype {a.dtype}")
    if a.ndim != 3 or a.shape[0] not in channels or 0 in a.shape:
        raise ValueError(f"{fn}: expected a (C, H, W) image with C in {channels}, got shape "
                         f"{tuple(a.shape)}")
    return np.ascontiguousarray(a.transpose(1, 2, 0))


def encode_png(input, compression_level: int = 6) -> Tensor:  # noqa: A002
    """Encode a uint8 (C, H, W) image (C = 1, 2, 3 or 4) as PNG: a 1-D uint8 tensor."""
    if not 0 <= int(compression_level) <= 9:
        raise ValueError(f"encode_png: compression_level must be between 0 and 9, got "
                         f"{compression_level}")
    data = png_bytes(_pixels(input, "encode_png", (1, 2, 3, 4)), int(compression_level))
    return Tensor(np.frombuffer(data, dtype=np.uint8).copy())


def encode_jpeg(input, quality: int = 75) -> Tensor:  # noqa: A002
    """Encode a uint8 (C, H, W) image (C = 1 or 3) as JPEG of ``quality`` 1 … 100: a 1-D
    uint8 tensor (a list of images gives a list)."""
    if isinstance(input, list):
        return [encode_jpeg(i, quality) for i in input]
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"encode_jpeg: quality must be between 1 and 100, got {quality}")
    pixels = _pixels(input, "encode_jpeg", (1, 3))
    Image = _pil_image()  # noqa: N806
    buf = _io.BytesIO()
    Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(
        buf, format="JPEG", quality=int(quality))
    return Tensor(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input, filename, compression_level: int = 6) -> None:  # noqa: A002
    """Write a uint8 (C, H, W) image as a PNG file."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality: int = 75) -> None:  # noqa: A002
    """Write a uint8 (C, H, W) image (C = 1 or 3) as a JPEG file."""
    write_file(filename, encode_jpeg(input, quality))
