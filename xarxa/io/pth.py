"""PyTorch's ``.pt``/``.pth`` files (``torch.save``), read without running any code.

``torch.save`` writes a zip archive ``<name>/``:

* ``data.pkl`` — a pickle (protocol 2) of the object. Each tensor in it is a call
  ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
  backward_hooks)`` (``_rebuild_tensor_v3(..., dtype)`` for the newer unsigned dtypes),
  and each storage a persistent id ``('storage', torch.FloatStorage, key, location,
  numel)`` (``torch.storage.UntypedStorage`` with ``numel`` in bytes for v3);
* ``data/<key>`` — each storage's raw bytes; ``byteorder`` — ``little`` or ``big``;
  ``version``, ``.format_version``, ``.storage_alignment`` — bookkeeping.

Unpickling a file runs whatever functions it names, so a ``.pth`` from the internet is
a program. `load` uses `pickle.Unpickler` with ``find_class`` overridden by an
allow-list — ordered dicts, the tensor and parameter rebuild functions, the storage
classes and dtypes, nothing else (a subset of what ``torch.load(weights_only=True)``
accepts) — and any other global is refused (`UnsafePickleError`) before anything runs.
What the allowed names resolve to are xarxa's own small functions, which build NumPy
arrays from the archive's bytes without importing torch; they and the values they
return refuse pickle's BUILD (``__setstate__``), so a file cannot tamper with them.
Tensors come back as xarxa Tensors (copies: views that shared a storage in PyTorch
no longer share memory); bfloat16 becomes float32 (exactly).
"""
from __future__ import annotations

import io
import os
import pickle
import reprlib
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from ..tensor import Tensor
from .atomic import atomic_write
from ._common import bfloat16_to_float32
from ._pickle_scan import check as _check_hash_sizes

__all__ = ["load", "save", "writer", "UnsafePickleError"]

# torch's legacy storage class name <-> NumPy dtype: one table for the reader and writer
STORAGES = {"DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2",
            "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2",
            "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "b1",
            "ComplexFloatStorage": "c8", "ComplexDoubleStorage": "c16",
            "BFloat16Storage": "bfloat16"}
# torch dtype name -> NumPy dtype, for _rebuild_tensor_v3 (which torch.save uses for
# the dtypes that have no legacy storage class: uint16/32/64)
DTYPES = {"float64": "f8", "float32": "f4", "float16": "f2", "bfloat16": "bfloat16",
          "int64": "i8", "int32": "i4", "int16": "i2", "int8": "i1", "uint8": "u1",
          "bool": "b1", "complex64": "c8", "complex128": "c16", "uint16": "u2",
          "uint32": "u4", "uint64": "u8"}


_MAX_GROWTH = 64  # loaded tensors may take this many times the file's size, no more


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A ``.pth`` file names a global outside the allow-list; nothing of it was run."""


# -- what the allowed globals resolve to --------------------------------------------------
class _Sealed:
    """Base of everything the unpickler hands out: BUILD (``__setstate__``) is refused."""
    __slots__ = ()

    def __setstate__(self, state):
        raise pickle.UnpicklingError(f"BUILD on {self!r} is not allowed")


class _Allowed(_Sealed):
    """An allow-listed callable (the target of pickle's REDUCE)."""
    __slots__ = ("name", "fn")

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self):
        return self.name


class _Marker(_Sealed):
    """A storage class or a dtype named by the pickle: just its NumPy dtype."""
    __slots__ = ("name", "dtype", "storage")

    def __init__(self, name, dtype, storage):
        self.name, self.dtype, self.storage = name, dtype, storage

    def __repr__(self):
        return self.name


class _Storage(_Sealed):
    """A storage's bytes (``raw``, uint8), their byte order and the class's dtype;
    ``budget`` (shared by a file's storages) holds how many bytes tensors may still take."""
    __slots__ = ("key", "raw", "big", "dtype", "budget")

    def __init__(self, key, raw, big, dtype, budget):
        self.key, self.raw, self.big, self.dtype, self.budget = key, raw, big, dtype, budget


class _Array(_Sealed):
    """A rebuilt tensor, turned into a Tensor once unpickling has finished."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


def _short(v) -> str:
    """A file's value in an error message: reprlib bounds the depth and length (a full
    repr of tuples shared through the memo can be 10**30 characters)."""
    return reprlib.repr(v)


def _rebuild(storage, offset, size, stride, dtype=None):
    """The tensor ``storage[offset + sum(i_k * stride_k)]``, copied out as an array."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"a tensor's storage is a {type(storage).__name__}")
    dtype = dtype.dtype if isinstance(dtype, _Marker) else storage.dtype
    bf16 = dtype == "bfloat16"
    dt = np.dtype("u2" if bf16 else dtype).newbyteorder(">" if storage.big else "<")
    if storage.raw.nbytes % dt.itemsize:
        raise pickle.UnpicklingError(f"storage {storage.key} holds {storage.raw.nbytes} "
                                     f"bytes, not a whole number of {dt} elements")
    flat = storage.raw.view(dt)
    size, stride = tuple(size), tuple(stride)
    ints = all(type(v) is int and v >= 0 for v in (offset, *size, *stride))
    if not ints or len(size) != len(stride):
        raise pickle.UnpicklingError(f"bad tensor geometry: offset {_short(offset)}, "
                                     f"size {_short(size)}, stride {_short(stride)}")
    nbytes = int(np.prod(size, dtype=object)) * dt.itemsize
    if nbytes > storage.budget[0]:  # views of one storage, or stride-0 ones, can be many
        raise pickle.UnpicklingError(  # times its size: a hostile file's memory bomb
            f"its tensors would take more than {_MAX_GROWTH} times the file's size")
    storage.budget[0] -= nbytes
    if 0 in size:
        a = np.empty(size, dtype=dt)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= flat.size:
            raise pickle.UnpicklingError(
                f"tensor of size {size}, stride {stride}, offset {offset} reads element "
                f"{last} of storage {storage.key}, which holds {flat.size}")
        a = np.lib.stride_tricks.as_strided(flat[offset:], size,
                                            tuple(s * dt.itemsize for s in stride))
    a = np.array(a, dtype=dt.newbyteorder("="), order="C")  # own, native, writable copy
    return _Array(bfloat16_to_float32(a) if bf16 else a)


def _tensor_v2(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    return _rebuild(storage, offset, size, stride)


def _tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype, metadata=None):
    if not isinstance(dtype, _Marker) or dtype.storage:
        raise pickle.UnpicklingError(f"_rebuild_tensor_v3 needs a dtype, got {_short(dtype)}")
    return _rebuild(storage, offset, size, stride, dtype)


def _parameter(data, requires_grad, hooks, state=None):
    if not isinstance(data, _Array):
        raise pickle.UnpicklingError(f"a parameter's data is a {type(data).__name__}")
    return data


def _ordered_dict(*args):
    # pickle writes OrderedDict() and then SETITEMS, whose keys _pickle_scan checks;
    # OrderedDict(pairs) would hash keys it has not seen (lists hide them from the scan)
    if args:
        raise pickle.UnpicklingError("OrderedDict is called with arguments, which "
                                     "pickle never writes")
    return OrderedDict()


_ALLOWED = {
    "collections.OrderedDict": _ordered_dict,
    "torch._utils._rebuild_tensor": _rebuild,  # the pre-v2 signature is _rebuild's own
    "torch._utils._rebuild_tensor_v2": _tensor_v2,
    "torch._utils._rebuild_tensor_v3": _tensor_v3,
    "torch._utils._rebuild_parameter": _parameter,
    "torch._utils._rebuild_parameter_with_state": _parameter,
}
_ALLOWED = {name: _Allowed(name, fn) for name, fn in _ALLOWED.items()}
_ALLOWED.update({f"torch.{n}": _Marker(f"torch.{n}", d, True) for n, d in STORAGES.items()})
_ALLOWED.update({f"torch.{n}": _Marker(f"torch.{n}", d, False) for n, d in DTYPES.items()})
_ALLOWED.update({n: _Marker(n, "u1", True) for n in ("torch.UntypedStorage",
                                                     "torch.storage.UntypedStorage")})


# -- the restricted unpickler --------------------------------------------------------------
class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str, big: bool,
                 path: str, size: int, budget: int):
        super().__init__(io.BytesIO(data))
        self.archive, self.prefix, self.big, self.path = archive, prefix, big, path
        self.size = size
        self.storages: dict[str, _Storage] = {}
        self.budget = [budget]

    def find_class(self, module: str, name: str):
        # Every global of every opcode (GLOBAL, STACK_GLOBAL, INST, EXT*) comes here.
        found = _ALLOWED.get(f"{module}.{name}")
        if found is None:
            raise UnsafePickleError(
                f"load: {self.path} refers to the global '{module}.{name}', which is not "
                "allowed: xarxa's .pth reader rebuilds only tensors, storages and ordered "
                "dicts (as torch.load(weights_only=True) does), so nothing from this file "
                "was run. Load state dicts saved with torch.save(model.state_dict(), ...)")
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _Marker) and pid[1].storage and isinstance(pid[2], str)
                and type(pid[4]) is int):
            raise pickle.UnpicklingError(f"unsupported persistent id {_short(pid)}")
        _, kind, key, _location, numel = pid
        if key not in self.storages:
            record = f"{self.prefix}data/{key}"
            if record not in self.archive.NameToInfo:
                raise pickle.UnpicklingError(f"storage '{key}' is missing (no record "
                                             f"{record} in the archive)")
            # raw bytes count against the budget too, before they are read
            nbytes = self.archive.getinfo(record).file_size
            if nbytes > self.budget[0]:
                raise pickle.UnpicklingError(f"its storages and tensors would take more "
                                             f"than {_MAX_GROWTH} times the file's size")
            self.budget[0] -= nbytes
            raw = _read(self.archive, record, self.size)
            itemsize = 2 if kind.dtype == "bfloat16" else np.dtype(kind.dtype).itemsize
            if len(raw) != numel * itemsize:
                raise pickle.UnpicklingError(f"storage '{key}' holds {len(raw)} bytes, "
                                             f"{numel} {kind!r} elements need "
                                             f"{numel * itemsize}")
            self.storages[key] = _Storage(key, np.frombuffer(raw, np.uint8), self.big,
                                          kind.dtype, self.budget)
        return self.storages[key]


def _read(archive: zipfile.ZipFile, name: str, file_size: int) -> bytes:
    """A record's bytes; torch stores records uncompressed, and inflating data whose
    size cannot be checked first is how zip bombs work, so anything else is refused."""
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        raise pickle.UnpicklingError(f"record {name} is compressed or encrypted, which "
                                     "torch.save never does")
    if info.file_size != info.compress_size or info.file_size > file_size:
        raise pickle.UnpicklingError(f"record {name} declares {info.file_size} bytes")
    return archive.read(info)


def _disjoint(archive: zipfile.ZipFile, f) -> None:
    """Refuse records whose bytes overlap. Each record's data follows its own local
    header, but a forged central directory can declare sizes that run over the next
    records, so that 1,000 records of a 0.5 MB file read the same 256 KiB each (250 MiB;
    CPython 3.11's zipfile does not check). torch.save never overlaps records, and then
    all records together hold at most the file's size."""
    spans = []
    for info in archive.infolist():
        f.seek(info.header_offset)
        head = f.read(30)  # the local header: its name and extra field lengths
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise ValueError(f"record {info.filename} has no local header")
        n, extra = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:], "little")
        spans.append((info.header_offset, info.header_offset + 30 + n + extra
                      + info.compress_size, info.filename))
    spans.sort()
    for (_, end, a), (start, _, b) in zip(spans, spans[1:]):
        if start < end:
            raise ValueError(f"records {a} and {b} overlap (byte {start}), which "
                             "torch.save never writes: a forged archive")
    if spans and spans[-1][1] > archive.start_dir:
        raise ValueError(f"record {spans[-1][2]} runs into the zip's central directory")


def _finish(obj: Any, path: str) -> Any:
    """Replace the rebuilt arrays by Tensors; only plain values may remain.

    Every container is walked once, memoised by identity: a pickle's memo (BINGET)
    shares one object among many places, so 1 KB of tuples nested 30 deep, each holding
    its child 10 times, is 10**30 places but 300 objects (walking places never ends).
    Lists and dicts are memoised before their items, so cycles through them come back
    to the copy being filled; a tuple exists only once its items do, so one reached
    again while its own items are being walked contains itself, and is refused."""
    seen: dict[int, Any] = {}
    busy = object()  # seen[id] of a tuple or set whose items are being walked

    def walk(v):
        if isinstance(v, _Array):
            return Tensor(v.array)
        if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
            return v
        if id(v) in seen:  # shared (or, for lists and dicts, cyclic) structure
            if seen[id(v)] is busy:
                raise ValueError(f"load: {path} holds a {type(v).__name__} that contains "
                                 "itself, which no state dict does")
            return seen[id(v)]
        if isinstance(v, dict):  # OrderedDict included; dropping any BUILD attributes
            out = seen[id(v)] = type(v)() if type(v) in (dict, OrderedDict) else {}
            out.update((walk(k), walk(x)) for k, x in v.items())
            return out
        if isinstance(v, list):
            out = seen[id(v)] = []
            out.extend(walk(x) for x in v)
            return out
        if isinstance(v, (tuple, set, frozenset)):
            seen[id(v)] = busy
            out = seen[id(v)] = type(v)(walk(x) for x in v)
            return out
        raise ValueError(f"load: {path} holds a {v!r} ({type(v).__name__}) outside a tensor; "
                         "xarxa reads tensors and plain containers of them")
    try:
        return walk(obj)
    except RecursionError:
        raise ValueError(f"load: {path} is nested too deeply to be a state dict") from None


def load(path: str | os.PathLike) -> Any:
    """Read a ``torch.save`` file (a state dict, or a dict of them) without running code.

    Raises:
        UnsafePickleError: (a ValueError and a pickle.UnpicklingError) when the pickle
            names a global outside the allow-list.
        ValueError: for a file that is not a ``torch.save`` zip archive (including the
            pre-1.6 non-zip format and TorchScript archives), or a corrupt one.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(4)
        size = os.fstat(f.fileno()).st_size
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            what = (" a plain pickle (torch.save's pre-1.6 format, or pickle.dump)"
                    if head[:1] == b"\x80" else f" not a zip archive (it starts with {head!r})")
            raise ValueError(f"load: {path} is{what}; xarxa reads only the zip format that "
                             "torch.save writes since PyTorch 1.6, and never unpickles a "
                             "plain pickle (re-save it with a current PyTorch)")
        try:
            with zipfile.ZipFile(f) as archive:
                _disjoint(archive, f)
                obj = _unpickle(archive, path, size)
        except (UnsafePickleError, ValueError) as e:
            if isinstance(e, UnsafePickleError) or str(e).startswith("load: "):
                raise
            raise ValueError(f"load: {path} is not a valid torch.save file: {e}") from None
        except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, TypeError, KeyError,
                IndexError, AttributeError, OverflowError, MemoryError,
                RecursionError) as e:
            raise ValueError(f"load: {path} is not a valid torch.save file: "
                             f"{type(e).__name__}: {e}") from None
    try:
        return _finish(obj, path)
    except TypeError as e:  # e.g. a tensor used as a dict key or set member
        raise ValueError(f"load: {path} holds an unsupported structure ({e})") from None


def _unpickle(archive: zipfile.ZipFile, path: str, size: int) -> Any:
    names = archive.namelist()
    if any(n.endswith("/constants.pkl") for n in names):
        raise ValueError(f"load: {path} is a TorchScript archive (torch.jit.save); save "
                         "model.state_dict() with torch.save and load that instead")
    pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkl) != 1:
        raise ValueError(f"load: {path} is a zip archive with {len(pkl)} data.pkl records, "
                         "not a torch.save file")
    prefix = pkl[0][:-len("data.pkl")]
    big = prefix + "byteorder" in names and \
        _read(archive, prefix + "byteorder", size).strip() == b"big"
    data = _read(archive, pkl[0], size)
    _check_hash_sizes(data, path)  # hash bombs (dict keys of shared tuples), before unpickling
    return _Unpickler(data, archive, prefix, big, path, size, _MAX_GROWTH * size).load()


def writer(obj: Any, where: str = "save"):
    """Encode ``obj`` now (bad input fails before any file is touched) and return a
    function writing ``torch.save``'s archive of it to a binary file object."""
    from ._pth_writer import write  # it imports this module's tables
    return write(obj, where)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` as ``torch.save`` does, atomically: ``torch.load(path,
    weights_only=True)`` reads it. Tensors, arrays and NumPy scalars become tensors;
    dicts (OrderedDict kept), lists, tuples, str, int, float, bool and None stay.
    ``xa.save(obj, "model.pth")`` does the same."""
    atomic_write(os.fspath(path), writer(obj))
