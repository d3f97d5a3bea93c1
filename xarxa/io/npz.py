"""xarxa's checkpoint format: an uncompressed ``.npz`` archive, never pickle.

A checkpoint is any nesting of dicts, lists and tuples whose leaves are Tensors,
NumPy arrays or scalars, and plain JSON values (numbers, strings, booleans, None) —
a model's ``state_dict()``, an optimizer's, a scheduler's, the random generator's
state, an epoch counter. ``writer`` produces

* every array as one uncompressed ``.npy`` member of a zip archive (the ``.npz``
  layout; NumPy can read it with ``np.load(path, allow_pickle=False)``), named by its
  dotted path (``model.0.weight``, ``optimizer.state.3.exp_avg``);
* one member ``__xarxa__.npy`` holding UTF-8 JSON: the structure, with each array
  replaced by a reference to its member plus its shape and dtype, and every
  non-array value inline. Dict keys keep their type (``str`` or ``int``), so an
  optimizer's integer-keyed state comes back as it went in.

``load`` treats the file as hostile: it checks the zip directory and every member's
``.npy`` header (no compression, no pickle, a known dtype, a shape the member's bytes
can hold, members that fit in the file) and the metadata (well-formed, at most
``MAX_DEPTH`` levels deep, naming every array with its shape and dtype, and nothing
else) before it reads any array, and raises a ``ValueError`` naming the file otherwise.

`xarxa.save`/`xarxa.load` (``serialization.py``) choose this format for every extension
but ``.safetensors``/``.pt``/``.pth`` and write it atomically.
"""
from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import state_dict_hint

__all__ = ["writer", "load", "MAX_DEPTH"]

_META = "__xarxa__"
_FORMAT = "xarxa-checkpoint"
_VERSION = 1
_ARRAY_KINDS = "biufcU"  # bool, ints, floats, complex, unicode: no object arrays
MAX_DEPTH = 100  # levels of dicts/lists/tuples; a training state is 3 or 4 deep
_ARRAY_ENTRIES = ("tensor", "array", "scalar")
_UNSAFE_IN_MEMBER = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # NUL ends a zip name


# -- encoding ---------------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path: list) -> str:
        # Member names are for people reading the archive; the metadata maps them back,
        # so any key works: characters a zip name cannot hold are replaced, and long
        # names are cut (``#k`` keeps them distinct).
        base = ".".join(str(p) for p in path) or "value"
        base = _UNSAFE_IN_MEMBER.sub("_", base)[:200]
        name, k = base, 1
        while name in self.arrays or name == _META:
            name, k = f"{base}#{k}", k + 1
        return name

    def node(self, value: Any, path: list) -> Any:
        if value is None or isinstance(value, (bool, str, float)):
            return value
        if isinstance(value, int):
            self._check_int(value, path, "value")
            return value
        if isinstance(value, Tensor):
            return self._array(value.numpy(), path, "tensor")
        if isinstance(value, np.ndarray):
            return self._array(value, path, "array")
        if isinstance(value, np.generic):
            return self._array(np.asarray(value), path, "scalar")
        if isinstance(value, (dict, list, tuple)) and len(path) >= MAX_DEPTH:
            raise ValueError(f"save: the structure is nested deeper than {MAX_DEPTH} levels at "
                             f"{self._where(path[:3])}... (does it contain itself?); load "
                             "would refuse it")
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                if isinstance(k, np.integer):
                    k = int(k)
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int, got {k!r} at "
                                    f"{self._where(path)}")
                if isinstance(k, int):
                    self._check_int(k, path, "key")
                items.append([k, self.node(v, path + [k])])
            return {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.node(v, path + [i]) for i, v in enumerate(value)]}
        raise TypeError(f"save: cannot store a {type(value).__name__} at "
                        f"{self._where(path)}{state_dict_hint(value)}; only tensors, arrays, "
                        "numbers, strings, None and dicts/lists/tuples of them")

    def _check_int(self, value: int, path: list, what: str) -> None:
        try:
            str(value)  # what json.dumps does; past sys.get_int_max_str_digits() it fails
        except ValueError:
            raise ValueError(f"save: the {value.bit_length()}-bit integer {what} at "
                             f"{self._where(path)} has more than "
                             f"{sys.get_int_max_str_digits()} digits: load could not read "
                             "it back; store it as a string") from None

    @staticmethod
    def _where(path: list) -> str:
        return "'" + ".".join(str(p) for p in path) + "'" if path else "the top level"

    def _array(self, a: np.ndarray, path: list, kind: str) -> dict:
        if a.dtype.kind not in _ARRAY_KINDS or a.dtype.itemsize == 0:
            raise TypeError(f"save: array of dtype {a.dtype} at {self._where(path)} cannot be "
                            "stored without pickle")
        name = self._name(path)
        self.arrays[name] = a
        return {kind: name, "shape": list(a.shape), "dtype": a.dtype.str}


def _write(file, arrays: dict[str, np.ndarray], meta: bytes) -> None:
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        members = {**arrays, _META: np.frombuffer(meta, dtype=np.uint8)}
        for name, a in members.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(a), allow_pickle=False)


def writer(obj: Any):
    """A function writing ``obj`` as a checkpoint into an open binary file (for
    `io.atomic.atomic_write`); the whole structure is checked before any write."""
    enc = _Encoder()
    tree = enc.node(obj, [])
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree},
                      allow_nan=True).encode("utf-8")
    return lambda f: _write(f, enc.arrays, meta)


# -- decoding ---------------------------------------------------------------------------
# Everything a hostile file can make the zip and .npy readers raise, besides
# FileNotFoundError and friends, which pass through as they are.
# (A MemoryError is not among them: allocations are checked against the file's size
# first, so one that fails is genuine, not a sign of a hostile file.)
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, TypeError,
                OverflowError, NotImplementedError, RuntimeError, SyntaxError, RecursionError)


def _refuse_pickle(path: str, detail: str):
    return ValueError(f"load: {path} contains pickled data ({detail}); xarxa never "
                      "unpickles files, since loading a pickle can run arbitrary code. Save "
                      "checkpoints with xa.save")


def _not_a_checkpoint(path: str, why: str):
    return ValueError(f"load: {path} is not an xarxa checkpoint ({why})")


def _check_kind(path: str, head: bytes) -> None:
    """Refuse, from its first bytes, a file that is not a zip archive, saying what it is."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    if not head:
        raise _not_a_checkpoint(path, "the file is empty")
    if head.startswith(b"\x93NUMPY"):
        raise _not_a_checkpoint(path, "it holds a single .npy array (np.save), not a "
                                "checkpoint archive")
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:  # pickle protocols 2-5
        raise _refuse_pickle(path, f"pickle protocol {head[1]}")
    raise _not_a_checkpoint(path, f"not a zip archive: it starts with {head[:16]!r}")


class _Member:
    """One ``.npy`` member, its header checked: shape, dtype, order."""
    __slots__ = ("info", "shape", "dtype")

    def __init__(self, path: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        self.info = info
        name = info.filename
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(f"load: {path}: member '{name}' is compressed (zip method "
                             f"{info.compress_type}); xa.save never compresses, and inflating "
                             "data whose size cannot be checked first is how zip bombs work. "
                             "Save it uncompressed (xa.save or np.savez)")
        if info.flag_bits & 0x1:
            raise ValueError(f"load: {path}: member '{name}' is encrypted")
        if info.file_size != info.compress_size:
            raise ValueError(f"load: {path}: member '{name}' is corrupt (stored with "
                             f"{info.compress_size} bytes, declared {info.file_size})")
        try:
            with zf.open(info) as fp:  # the header only: a few hundred bytes
                version = np.lib.format.read_magic(fp)
                if version == (1, 0):
                    header = np.lib.format.read_array_header_1_0(fp)
                elif version == (2, 0):
                    header = np.lib.format.read_array_header_2_0(fp)
                else:
                    raise ValueError(f".npy format version {version} is not supported")
                start = fp.tell()
        except _READ_ERRORS as e:
            raise ValueError(f"load: {path}: member '{name}' is corrupt or not a .npy array "
                             f"({e})") from None
        self.shape, _, self.dtype = header  # (C or Fortran order: read_array handles it)
        if self.dtype.hasobject:
            raise _refuse_pickle(path, f"object array '{name}'")
        if self.dtype.kind not in _ARRAY_KINDS or self.dtype.itemsize == 0:
            raise ValueError(f"load: {path}: member '{name}' has dtype {self.dtype}, which "
                             "a checkpoint cannot hold (bool, int, float, complex or str)")
        if any(d < 0 for d in self.shape):
            raise ValueError(f"load: {path}: member '{name}' declares a negative shape "
                             f"{self.shape}")
        need = self.dtype.itemsize
        for d in self.shape:
            need *= d  # Python ints: no overflow
        if need != info.file_size - start:
            raise ValueError(f"load: {path}: member '{name}' declares shape {self.shape} of "
                             f"{self.dtype} ({need} bytes) but holds {info.file_size - start} "
                             "bytes")

    def read(self, path: str, zf: zipfile.ZipFile) -> np.ndarray:
        """The array (the header was checked: its size is what the member holds)."""
        try:
            with zf.open(self.info) as fp:  # reading to the end also checks the CRC
                a = np.lib.format.read_array(fp, allow_pickle=False)
        except _READ_ERRORS as e:
            raise ValueError(f"load: {path}: member '{self.info.filename}' is corrupt "
                             f"({e})") from None
        return a


def _members(path: str, zf: zipfile.ZipFile, file_size: int) -> dict[str, _Member]:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    odd = [n for n in names if not n.endswith(".npy")]
    if any(n.endswith(".pkl") or "pickle" in n for n in odd):
        raise _refuse_pickle(path, "members " + ", ".join(odd[:3]))
    if odd:
        raise _not_a_checkpoint(path, "unexpected members " + ", ".join(odd[:5]))
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"load: {path}: members appear twice: {', '.join(twice[:5])}")
    members = {i.filename[:-4]: _Member(path, zf, i) for i in infos}
    declared = sum(i.file_size for i in infos)
    if declared > file_size:  # entries that overlap: a few bytes read as many arrays
        raise ValueError(f"load: {path}: its members declare {declared} bytes, more than the "
                         f"file's {file_size}")
    return members


def _metadata(path: str, zf: zipfile.ZipFile, member: _Member) -> dict:
    if member.dtype != np.uint8 or len(member.shape) != 1:
        raise ValueError(f"load: {path}: its metadata is corrupt (an array of shape "
                         f"{member.shape} and dtype {member.dtype}, expected bytes)")
    raw = member.read(path, zf)
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except RecursionError:
        raise ValueError(f"load: {path}: its metadata is nested too deeply to read") from None
    except (UnicodeDecodeError, ValueError) as e:  # JSONDecodeError, too many int digits
        raise ValueError(f"load: {path}: its metadata is corrupt ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise _not_a_checkpoint(path, "bad metadata header")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or "tree" not in meta:
        raise ValueError(f"load: {path}: its metadata is corrupt (version {version!r}, "
                         f"keys {sorted(meta)[:5]})")
    if version > _VERSION:
        raise ValueError(f"load: {path} was written by a newer xarxa (format version "
                         f"{version}, this one reads up to {_VERSION})")
    return meta


class _Decoder:
    """Rebuilds the structure from the metadata, checking every entry; with
    ``read=False`` it only checks (arrays come back as None), reading nothing."""

    def __init__(self, path: str, zf: zipfile.ZipFile, members: dict[str, _Member],
                 read: bool):
        self.path, self.zf, self.members, self.read, self.used = path, zf, members, read, set()

    def _bad(self, what: str) -> ValueError:
        return ValueError(f"load: {self.path}: its metadata is malformed ({what})")

    def node(self, n: Any, depth: int = 0) -> Any:
        if n is None or isinstance(n, (bool, str, int, float)):
            return n
        if depth >= MAX_DEPTH:
            raise ValueError(f"load: {self.path}: the structure is nested deeper than "
                             f"{MAX_DEPTH} levels")
        if not isinstance(n, dict):
            raise self._bad(f"a bare {type(n).__name__} where an entry belongs")
        kind = [k for k in ("dict", "list", "tuple") + _ARRAY_ENTRIES if k in n]
        if len(kind) != 1:
            raise self._bad(f"unknown entry with keys {sorted(n)[:5]}")
        kind = kind[0]
        if kind in _ARRAY_ENTRIES:
            return self._array(kind, n)
        if len(n) != 1 or not isinstance(n[kind], list):
            raise self._bad(f"a '{kind}' entry must hold a list")
        if kind == "list":
            return [self.node(v, depth + 1) for v in n[kind]]
        if kind == "tuple":
            return tuple(self.node(v, depth + 1) for v in n[kind])
        out: dict = {}
        for item in n[kind]:
            if (not isinstance(item, list) or len(item) != 2 or isinstance(item[0], bool)
                    or not isinstance(item[0], (str, int))):
                raise self._bad(f"a dict item must be a [str or int key, value] pair, got "
                                f"{str(item)[:60]}")
            if item[0] in out:
                raise self._bad(f"the key {item[0]!r} appears twice")
            out[item[0]] = self.node(item[1], depth + 1)
        return out

    def _array(self, kind: str, n: dict) -> Any:
        name, shape, dtype = n[kind], n.get("shape"), n.get("dtype")
        if set(n) != {kind, "shape", "dtype"} or not isinstance(name, str):
            raise self._bad(f"a '{kind}' entry needs a member name, a shape and a dtype, got "
                            f"{str(n)[:80]}")
        if (not isinstance(shape, list) or (kind == "scalar" and shape)
                or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                           for d in shape)):
            raise self._bad(f"array '{name}' has shape {str(shape)[:60]}, expected a list of "
                            "sizes")
        try:
            dt = np.dtype(dtype) if isinstance(dtype, str) else None
        except (TypeError, ValueError, OverflowError, SyntaxError, RecursionError):
            dt = None
        if dt is None or dt.kind not in _ARRAY_KINDS or dt.itemsize == 0:
            raise ValueError(f"load: {self.path}: array '{name}' has an unknown dtype "
                             f"{str(dtype)[:40]!r}")
        if name not in self.members:
            raise ValueError(f"load: {self.path}: array '{name}' is missing from the file")
        if name in self.used:
            raise self._bad(f"array '{name}' is named twice")
        m = self.members[name]
        if list(m.shape) != shape or m.dtype != dt:
            raise ValueError(f"load: {self.path}: array '{name}' has shape {m.shape} and dtype "
                             f"{m.dtype}, the checkpoint recorded {tuple(shape)} and {dt}")
        self.used.add(name)
        if not self.read:
            return None
        a = m.read(self.path, self.zf)
        if kind == "tensor":
            return Tensor(a)
        return a[()] if kind == "scalar" else a


def load(path: str) -> Any:
    """Read a checkpoint written by ``writer`` (or a plain uncompressed ``np.savez`` file,
    as a dict of arrays); raise a ``ValueError`` naming the file for anything else."""
    with open(path, "rb") as f:
        _check_kind(path, f.read(16))
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except _READ_ERRORS as e:
            raise ValueError(f"load: {path} is not a valid .npz checkpoint ({e})") from None
        with zf:
            members = _members(path, zf, os.fstat(f.fileno()).st_size)
            if _META not in members:
                return {name: m.read(path, zf) for name, m in members.items()}
            meta = _metadata(path, zf, members.pop(_META))
            check = _Decoder(path, zf, members, read=False)  # every check before any read
            check.node(meta["tree"])
            extra = sorted(set(members) - check.used)
            if extra:
                raise ValueError(f"load: {path}: arrays not named by the checkpoint's "
                                 "structure: " + ", ".join(extra[:5]))
            return _Decoder(path, zf, members, read=True).node(meta["tree"])
