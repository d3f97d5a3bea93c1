"""Writing ``torch.save``'s zip format (see `pth`) without torch.

The pickle is emitted opcode by opcode rather than with `pickle.Pickler`, because the
Pickler would import ``torch._utils`` to check the globals it names. Only protocol-2
opcodes that ``torch.load(weights_only=True)`` accepts are used, and only the globals
``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2``/``_v3`` and the
storage classes/dtypes — the same names `pth.load` allows.
"""
from __future__ import annotations

import struct
import zipfile
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from ._common import as_array, state_dict_hint
from .pth import DTYPES, STORAGES

# NumPy dtype -> torch's legacy storage class; the unsigned types past uint8 have none
# and are written as torch.save writes them, through _rebuild_tensor_v3 with a dtype
_STORAGE_OF = {np.dtype(d): n for n, d in STORAGES.items() if d != "bfloat16"}
_V3_DTYPE_OF = {np.dtype(d): n for n, d in DTYPES.items() if d in ("u2", "u4", "u8")}
_ALIGN = 64  # torch aligns each storage record's bytes to 64 (.storage_alignment)


def _at(path: str) -> str:
    return f"'{path}'" if path else "the top level"


class _Pickle:
    """A protocol-2 pickle of a state dict, tensors as persistent storage ids."""

    def __init__(self, where: str):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.storages: list[np.ndarray] = []
        self.where = where

    def global_(self, module: str, name: str) -> None:
        self.out += b"c" + f"{module}\n{name}\n".encode("ascii")  # GLOBAL

    def value(self, v: Any, path: str) -> None:
        o = self.out
        if v is None:
            o += b"N"
        elif isinstance(v, bool):
            o += b"\x88" if v else b"\x89"  # NEWTRUE / NEWFALSE
        elif isinstance(v, int):
            if 0 <= v < 256:
                o += b"K" + bytes([v])  # BININT1
            elif -2**31 <= v < 2**31:
                o += b"J" + struct.pack("<i", v)  # BININT
            else:  # LONG1: little-endian two's complement
                b = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
                o += b"\x8a" + bytes([len(b)]) + b
        elif isinstance(v, float):
            o += b"G" + struct.pack(">d", v)  # BINFLOAT
        elif isinstance(v, str):
            b = v.encode("utf-8", "surrogatepass")
            o += b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE
        elif isinstance(v, dict):
            if isinstance(v, OrderedDict):  # a state_dict: OrderedDict(), as torch does
                self.global_("collections", "OrderedDict")
                o += b")R"  # EMPTY_TUPLE REDUCE
            else:
                o += b"}"  # EMPTY_DICT
            if v:
                o += b"("  # MARK
                for k, x in v.items():
                    if not isinstance(k, (str, int)):
                        raise TypeError(f"{self.where}: .pth dict keys must be str or int, "
                                        f"got {k!r} at {_at(path)}")
                    self.value(k, path)
                    self.value(x, f"{path}.{k}" if path else str(k))
                o += b"u"  # SETITEMS
        elif isinstance(v, (list, tuple)):
            o += b"(" if isinstance(v, tuple) else b"]("  # (MARK) or EMPTY_LIST MARK
            for i, x in enumerate(v):
                self.value(x, f"{path}.{i}" if path else str(i))
            o += b"t" if isinstance(v, tuple) else b"e"  # TUPLE or APPENDS
        elif as_array(v) is not None:
            self.tensor(as_array(v), path)
        else:
            raise TypeError(f"{self.where}: cannot store a {type(v).__name__} at "
                            f"{_at(path)} in a .pth file{state_dict_hint(v)}; only "
                            "tensors, arrays, numbers, strings, None and dicts/lists/"
                            "tuples of them")

    def tensor(self, a: np.ndarray, path: str) -> None:
        dt = a.dtype.newbyteorder("=")
        if dt not in _STORAGE_OF and dt not in _V3_DTYPE_OF:
            raise TypeError(f"{self.where}: dtype {a.dtype} at {_at(path)} has no PyTorch "
                            "equivalent")
        key = str(len(self.storages))
        self.storages.append(np.ascontiguousarray(a, dtype=dt.newbyteorder("<")))
        v3 = dt in _V3_DTYPE_OF
        self.global_("torch._utils", "_rebuild_tensor_v3" if v3 else "_rebuild_tensor_v2")
        self.out += b"(("  # MARK for the arguments, MARK for the persistent id
        self.value("storage", path)
        if v3:  # untyped storage: its size counts bytes
            self.global_("torch.storage", "UntypedStorage")
        else:
            self.global_("torch", _STORAGE_OF[dt])
        self.value(key, path)
        self.value("cpu", path)
        self.value(a.nbytes if v3 else a.size, path)
        self.out += b"tQ"  # TUPLE BINPERSID
        strides = [int(np.prod(a.shape[i + 1:], dtype=np.int64)) for i in range(a.ndim)]
        self.value(0, path)  # storage offset
        self.value(tuple(int(n) for n in a.shape), path)
        self.value(tuple(strides), path)
        self.value(False, path)  # requires_grad
        self.value(OrderedDict(), path)  # backward hooks
        if v3:
            self.global_("torch", _V3_DTYPE_OF[dt])
        self.out += b"tR"  # TUPLE REDUCE


def _record(zf: zipfile.ZipFile, name: str, data) -> None:
    """A stored (uncompressed) record whose bytes start on a 64-byte boundary."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    size = memoryview(data).nbytes
    header = 30 + len(name.encode()) + 4 + (20 if size * 1.05 > zipfile.ZIP64_LIMIT else 0)
    pad = -(zf.fp.tell() + header) % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # torch's padding field
    zf.writestr(info, data)  # sets the size first, so zip64 is used when needed


def write(obj: Any, where: str = "save") -> Callable:
    """Encode ``obj`` now (so that bad input fails before any file is touched) and
    return a function writing the archive to a binary file object."""
    pkl = _Pickle(where)
    try:
        pkl.value(obj, "")
    except RecursionError:
        raise ValueError(f"{where}: the structure is nested too deeply for a .pth file "
                         "(does it contain itself?)") from None
    pkl.out += b"."  # STOP

    def to(f) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            _record(zf, "archive/data.pkl", bytes(pkl.out))
            _record(zf, "archive/.format_version", b"1")
            _record(zf, "archive/.storage_alignment", str(_ALIGN).encode())
            _record(zf, "archive/byteorder", b"little")
            for key, a in enumerate(pkl.storages):
                _record(zf, f"archive/data/{key}", a.reshape(-1).view(np.uint8).data)
            _record(zf, "archive/version", b"3\n")
    return to
