"""Reader for the IDX format of MNIST, Fashion-MNIST and KMNIST.

An IDX file is a 4-byte magic number ``00 00 <dtype code> <ndim>``, then ``ndim``
big-endian uint32 dimension sizes, then the values, big-endian, in C order.
Files may be gzipped; that is detected from the gzip magic bytes ``1f 8b``, not
from the file name, because mirrors rename files freely.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["read_idx", "IDX_DTYPES"]

# dtype code -> big-endian NumPy dtype, from the format description (LeCun et al.).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_DIMS = 64  # NumPy's limit on an array's dimensions
# Deflate cannot compress better than about 1032:1; a gzip file whose header declares
# more than this many bytes per compressed byte is lying, and is refused before inflating.
_MAX_GZIP_RATIO = 1100
_CHUNK = 1 << 20


def _read_exact(f, n: int, path, what: str) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise ValueError(f"read_idx: {path}: truncated header, {what} need {n} bytes, "
                         f"the file ends after {len(data)}")
    return data


def _read_idx(f, path, file_size: int, gzipped: bool) -> np.ndarray:
    """Read from the open (maybe gzip) stream ``f``: the header first, then exactly the
    data it declares, so that a bad header is refused before anything is inflated."""
    magic = f.read(4)
    if len(magic) < 4:
        raise ValueError(f"read_idx: {path}: file has {len(magic)} bytes, fewer than the "
                         "4-byte magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"read_idx: {path}: bad magic number {magic.hex()}, expected 0000<dtype><ndim>"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(
            f"read_idx: {path}: unknown dtype code 0x{code:02X}, expected one of {known}"
        )
    if ndim > _MAX_DIMS:
        raise ValueError(f"read_idx: {path}: the header declares {ndim} dimensions, NumPy "
                         f"arrays have at most {_MAX_DIMS}")
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", _read_exact(f, 4 * ndim, path, f"{ndim} dimension sizes"))
    dtype = IDX_DTYPES[code]
    # math.prod on Python ints: large dims cannot overflow, and ndim == 0 gives 1 value.
    nbytes = math.prod(dims) * dtype.itemsize
    expected = header + nbytes

    def size_error(actual: str, kind: str) -> ValueError:
        return ValueError(f"read_idx: {path}: expected {expected} bytes for shape {dims} of "
                          f"{dtype.name}, file has {actual} ({kind})")
    if not gzipped and file_size != expected:  # known before reading any data
        raise size_error(str(file_size), "truncated" if file_size < expected else
                         "trailing data")
    if gzipped and expected > _MAX_GZIP_RATIO * file_size:
        raise ValueError(f"read_idx: {path}: the header declares shape {dims} of "
                         f"{dtype.name} ({expected} bytes), more than a {file_size}-byte "
                         "gzip file can inflate to")
    values = np.empty(nbytes, dtype=np.uint8)
    view, got = memoryview(values), 0
    while got < nbytes:  # in chunks: GzipFile.readinto reads into a temporary first
        n = f.readinto(view[got:got + _CHUNK])
        if not n:
            break
        got += n
    if got < nbytes:
        raise size_error(str(header + got), "truncated")
    if f.read(1):  # for gzip this also reaches the end, where the CRC is checked
        raise size_error(f"more than {expected}", "trailing data")
    # Native byte order, so callers may compute with it freely (values is ours: writable).
    return values.view(dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (plain or gzipped) into a native-endian NumPy array.

    Args:
        path: the file to read.

    Returns:
        An array whose shape is the header's dimensions and whose dtype is the
        header's type (uint8, int8, int16, int32, float32 or float64), in native
        byte order.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: naming ``path``, if the magic number, dtype code or number of
            dimensions is invalid, or the (inflated) file is not exactly header +
            product(dims) * itemsize bytes. The header is read and checked first, and
            a gzip stream is inflated only as far as the header declares.

    Example:
        >>> labels = read_idx("train-labels-idx1-ubyte.gz")   # doctest: +SKIP
        >>> labels.shape, labels.dtype
        ((60000,), dtype('uint8'))
    """
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC  # by content: mirrors rename files freely
        raw.seek(0)
        file_size = os.fstat(raw.fileno()).st_size
        if not gzipped:
            return _read_idx(raw, path, file_size, False)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                return _read_idx(f, path, file_size, True)
        except (OSError, EOFError, zlib.error) as exc:
            # A truncated or damaged download: say which file, not just "CRC check failed".
            raise ValueError(f"read_idx: {path}: corrupt or truncated gzip data ({exc})") \
                from exc
