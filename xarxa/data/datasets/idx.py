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


def _read_bytes(path: str | os.PathLike) -> bytes:
    """Return the (decompressed) bytes of ``path``; corrupt gzip becomes ValueError."""
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated or damaged download: say which file, not just "CRC check failed".
        raise ValueError(f"read_idx: {path}: corrupt or truncated gzip data ({exc})") from exc


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
        ValueError: naming ``path``, if the magic number or dtype code is invalid
            or the file is not exactly header + product(dims) * itemsize bytes.

    Example:
        >>> labels = read_idx("train-labels-idx1-ubyte.gz")   # doctest: +SKIP
        >>> labels.shape, labels.dtype
        ((60000,), dtype('uint8'))
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"read_idx: {path}: file has {len(data)} bytes, fewer than the 4-byte magic number"
        )
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"read_idx: {path}: bad magic number {data[:4].hex()}, expected 0000<dtype><ndim>"
        )
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(
            f"read_idx: {path}: unknown dtype code 0x{code:02X}, expected one of {known}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"read_idx: {path}: truncated header, {ndim} dimensions need {header} bytes, "
            f"file has {len(data)}"
        )
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    # math.prod on Python ints: large dims cannot overflow, and ndim == 0 gives 1 value.
    expected = header + math.prod(dims) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"read_idx: {path}: expected {expected} bytes for shape {dims} of {dtype.name}, "
            f"file has {len(data)} ({'truncated' if len(data) < expected else 'trailing data'})"
        )
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    # Native byte order and a writable copy, so callers may modify it freely.
    return values.astype(dtype.newbyteorder("="))
