"""The ``.safetensors`` format, read and written with NumPy and json.

Layout (https://github.com/huggingface/safetensors, "Format"):

* 8 bytes: N, the header's length, an unsigned little-endian 64-bit integer;
* N bytes: a UTF-8 JSON object starting with ``{`` (padded with spaces), mapping each
  tensor's name to ``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}``
  and optionally ``"__metadata__"`` to a str -> str map;
* the byte buffer: each tensor's bytes, C order, little-endian, at ``[begin, end)``
  counted from the buffer's start. The tensors cover the buffer exactly: no gaps, no
  overlaps, nothing after the last one.

The reader checks all of that (as the reference implementation does) and raises a
ValueError naming the file and the first violation. bfloat16 tensors load as float32
(exactly: NumPy has no bfloat16); 8-bit and smaller float formats are refused.
"""
from __future__ import annotations

import json
import math
import os
import struct
from typing import Any

import numpy as np

from ..tensor import Tensor
from .atomic import atomic_write
from ._common import as_array, bfloat16_to_float32

__all__ = ["save_file", "load_file", "read_metadata", "writer", "load"]

# safetensors dtype name <-> NumPy dtype (little-endian); "BF16" is read as float32
_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2",
           "F16": "<f2", "BF16": "<u2", "I32": "<i4", "U32": "<u4", "F32": "<f4",
           "F64": "<f8", "I64": "<i8", "U64": "<u8", "C64": "<c8"}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items() if k != "BF16"}
_MAX_HEADER = 100_000_000  # the reference implementation's limit, against hostile files


# -- writing ------------------------------------------------------------------------------
def _encode(tensors: Any, metadata: dict | None, where: str):
    """(header bytes, arrays in data order) for a flat dict of name -> tensor."""
    if not isinstance(tensors, dict):
        raise TypeError(f"{where}: a .safetensors file holds a dict of name -> tensor, got "
                        f"{type(tensors).__name__}")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: .safetensors tensor names are strings, got {name!r}")
        if name == "__metadata__":
            raise ValueError(f"{where}: '__metadata__' is reserved in .safetensors; pass "
                             "metadata= instead")
        a = as_array(value)
        if a is None:
            raise TypeError(f"{where}: a .safetensors file holds tensors only, got a "
                            f"{type(value).__name__} at {name!r} (save a checkpoint with "
                            "other values as .npz)")
        if a.dtype.newbyteorder("=") not in _NAMES:
            raise TypeError(f"{where}: dtype {a.dtype} of {name!r} has no .safetensors name "
                            f"(supported: {', '.join(sorted(map(str, _NAMES)))})")
        arrays[name] = a
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError(f"{where}: .safetensors metadata must be a dict of str -> str, got "
                        f"{metadata!r}")
    # Data goes in order of decreasing item size (stable), as the reference writer does,
    # so that every tensor starts aligned for its dtype; the header keeps the dict's order.
    order = sorted(arrays, key=lambda k: -arrays[k].dtype.itemsize)
    offsets, end = {}, 0
    for name in order:
        offsets[name] = [end, end + arrays[name].nbytes]
        end += arrays[name].nbytes
    header = {"__metadata__": metadata} if metadata else {}
    for name, a in arrays.items():
        header[name] = {"dtype": _NAMES[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                        "data_offsets": offsets[name]}
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # pad so the buffer starts 8-byte aligned
    return raw, [arrays[k] for k in order]


def writer(tensors: dict, metadata: dict[str, str] | None = None, where: str = "save"):
    """Check ``tensors`` (name -> Tensor/array) now, so that bad input fails before any
    file is touched, and return a function writing them to a binary file object."""
    header, arrays = _encode(tensors, metadata, where)

    def write(f) -> None:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for a in arrays:
            a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
            f.write(a.reshape(-1).view(np.uint8).data)
    return write


def save_file(tensors: dict, path: str | os.PathLike,
              metadata: dict[str, str] | None = None) -> None:
    """Write a flat dict of tensors (a ``state_dict()``) to ``path``, atomically.

    ``xa.save(state_dict, "model.safetensors")`` does the same without metadata.

    Example:
        >>> save_file(model.state_dict(), "model.safetensors", metadata={"epoch": "3"})
    """
    atomic_write(os.fspath(path), writer(tensors, metadata, "save_file"))


# -- reading ------------------------------------------------------------------------------
def _bad(path: str, why: str) -> ValueError:
    return ValueError(f"load: {path} is not a valid .safetensors file: {why}")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _read_header(f, path: str, size: int) -> tuple[dict, int]:
    """(header dict, byte offset of the buffer); checks the framing."""
    if size < 8:
        raise _bad(path, f"{size} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > _MAX_HEADER or 8 + n > size:
        raise _bad(path, f"header length {n} does not fit a file of {size} bytes")
    raw = f.read(n)
    if not raw.startswith(b"{"):
        raise _bad(path, "the header does not start with '{'")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise _bad(path, f"the header is not valid JSON ({e})") from None
    except RecursionError:  # json parses recursively: '[' * 100_000 is 100 KB
        raise _bad(path, "the header is nested too deeply to be JSON of tensors") from None
    if not isinstance(header, dict):
        raise _bad(path, "the header is not a JSON object")
    return header, 8 + n


def _metadata(header: dict, path: str) -> dict[str, str]:
    meta = header.pop("__metadata__", None) or {}
    if not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise _bad(path, "__metadata__ must map strings to strings")
    return meta


def _non_negative_ints(xs) -> bool:
    return isinstance(xs, list) and all(type(x) is int and x >= 0 for x in xs)


def _entries(header: dict, path: str, buffer_size: int) -> dict[str, tuple]:
    """name -> (NumPy dtype, shape, begin, end), every field and the coverage checked."""
    entries = {}
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise _bad(path, f"entry {name!r} must have exactly the keys dtype, shape, "
                             f"data_offsets, got {info!r}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _DTYPES:
            raise _bad(path, f"tensor {name!r} has dtype {dtype!r}, which xarxa cannot hold "
                             f"(supported: {', '.join(_DTYPES)})")
        if not _non_negative_ints(shape):
            raise _bad(path, f"tensor {name!r} has shape {shape!r}, not a list of "
                             "non-negative integers")
        if not (_non_negative_ints(offsets) and len(offsets) == 2 and offsets[0] <= offsets[1]):
            raise _bad(path, f"tensor {name!r} has data_offsets {offsets!r}, not [begin, "
                             "end] with 0 <= begin <= end")
        # Exact Python integers: np.prod in int64 overflows on a dimension of 2**70 and
        # wraps [2**32, 2**32] to 0 bytes, which would pass the check below. NumPy holds
        # at most 64 dimensions, and refuses arrays whose nonzero dimensions multiply
        # (times the item size) past 2**63, even when one dimension is 0.
        itemsize = np.dtype(_DTYPES[dtype]).itemsize
        if len(shape) > 64:
            raise _bad(path, f"tensor {name!r} has {len(shape)} dimensions, NumPy holds "
                             "at most 64")
        if math.prod(max(n, 1) for n in shape) * itemsize >= 2 ** 63:
            raise _bad(path, f"tensor {name!r} has shape {shape}, too large for any array")
        nbytes = math.prod(shape) * itemsize
        if offsets[1] - offsets[0] != nbytes:
            raise _bad(path, f"tensor {name!r} of dtype {dtype} and shape {shape} needs "
                             f"{nbytes} bytes, its data_offsets {offsets} span "
                             f"{offsets[1] - offsets[0]}")
        entries[name] = (np.dtype(_DTYPES[dtype]), tuple(shape), *offsets, dtype == "BF16")
    end = 0
    for name, (_, _, begin, stop, _) in sorted(entries.items(), key=lambda e: e[1][2:4]):
        if begin != end:
            raise _bad(path, f"tensor {name!r} starts at byte {begin} of the buffer, "
                             f"expected {end} (tensors must tile the buffer, no gap or "
                             "overlap)")
        end = stop
    if end != buffer_size:
        raise _bad(path, f"the tensors cover {end} bytes, the buffer holds {buffer_size}")
    return entries


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` map of a ``.safetensors`` file ({} if it has none)."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        header, _ = _read_header(f, path, os.fstat(f.fileno()).st_size)
    return _metadata(header, path)


def load_file(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read a ``.safetensors`` file: a dict of name -> Tensor, in the header's order.

    Raises:
        ValueError: naming the file and what is wrong, if it breaks the format.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        header, start = _read_header(f, path, size)
        _metadata(header, path)
        entries = _entries(header, path, size - start)
        out = {}
        for name, (dtype, shape, begin, end, bf16) in entries.items():
            a = np.empty(shape, dtype=dtype)
            f.seek(start + begin)
            if f.readinto(a.reshape(-1).view(np.uint8)) != end - begin:
                raise _bad(path, f"tensor {name!r} is truncated")
            a = a.astype(dtype.newbyteorder("="), copy=False)
            out[name] = Tensor(bfloat16_to_float32(a) if bf16 else a)
    return out


load = load_file  # the name xa.load dispatches to
