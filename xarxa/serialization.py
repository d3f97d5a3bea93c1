"""`save` / `load`: checkpoints as ``.npz`` files, never pickle.

A checkpoint is any nesting of dicts, lists and tuples whose leaves are Tensors,
NumPy arrays or scalars, and plain JSON values (numbers, strings, booleans, None) —
a model's ``state_dict()``, an optimizer's, a scheduler's, the random generator's
state, an epoch counter. ``save`` writes

* every array as one ``.npy`` member of a zip archive (the ``.npz`` layout; NumPy can
  read it with ``np.load(path, allow_pickle=False)``), named by its dotted path
  (``model.0.weight``, ``optimizer.state.3.exp_avg``);
* one member ``__xarxa__.npy`` holding UTF-8 JSON: the structure, with each array
  replaced by a reference to its member plus its shape and dtype, and every
  non-array value inline. Dict keys keep their type (``str`` or ``int``), so an
  optimizer's integer-keyed state comes back as it went in.

Writes are atomic: the archive goes to a temporary file in the same directory, is
flushed to disk, then renamed over ``path`` (``os.replace``); an error or Ctrl-C in
the middle leaves the previous file untouched. ``load`` uses
``allow_pickle=False`` throughout, refuses files with pickled content, and checks
that every array the structure names is present with the recorded shape and dtype
and that nothing else is.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load"]

_META = "__xarxa__"
_FORMAT = "xarxa-checkpoint"
_VERSION = 1
_ARRAY_KINDS = "biufcU"  # bool, ints, floats, complex, unicode: no object arrays


# -- encoding ---------------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path: list) -> str:
        base = ".".join(str(p) for p in path) or "value"
        name, k = base, 1
        while name in self.arrays or name == _META:
            name, k = f"{base}#{k}", k + 1
        return name

    def node(self, value: Any, path: list) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, Tensor):
            return self._array(value.numpy(), path, "tensor")
        if isinstance(value, np.ndarray):
            return self._array(value, path, "array")
        if isinstance(value, np.generic):
            return self._array(np.asarray(value), path, "scalar")
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int, got {k!r} at "
                                    f"{self._where(path)}")
                items.append([k, self.node(v, path + [k])])
            return {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.node(v, path + [i]) for i, v in enumerate(value)]}
        hint = " (save its state_dict() instead)" if hasattr(value, "state_dict") else ""
        raise TypeError(f"save: cannot store a {type(value).__name__} at "
                        f"{self._where(path)}{hint}; only tensors, arrays, numbers, "
                        "strings, None and dicts/lists/tuples of them")

    @staticmethod
    def _where(path: list) -> str:
        return "'" + ".".join(str(p) for p in path) + "'" if path else "the top level"

    def _array(self, a: np.ndarray, path: list, kind: str) -> dict:
        if a.dtype.kind not in _ARRAY_KINDS:
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


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or a dict of them) to ``path`` atomically.

    Example:
        >>> xa.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
        ...          "epoch": 3}, "checkpoint.npz")
    """
    enc = _Encoder()
    tree = enc.node(obj, [])
    meta = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree},
                      allow_nan=True).encode("utf-8")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory} does not exist (create it "
                                f"first, e.g. os.makedirs) to write {path}")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        # mkstemp makes the file 0600; give it the mode any new file would get (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            _write(f, enc.arrays, meta)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows: old file or new, never half
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temp behind
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable (best effort; not possible on every OS)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# -- decoding ---------------------------------------------------------------------------
def _refuse_pickle(path: str, detail: str):
    return ValueError(f"load: {path} contains pickled data ({detail}); xarxa never "
                      "unpickles files, since loading a pickle can run arbitrary code. Save "
                      "checkpoints with xa.save")


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    try:
        npz = np.load(path, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e):
            raise _refuse_pickle(path, "not an .npz archive") from None
        raise ValueError(f"load: {path} is not a valid .npz checkpoint ({e})") from None
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"load: {path} is not a valid .npz checkpoint ({e})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} holds a single .npy array of shape {npz.shape}, "
                         "not a checkpoint archive")
    with npz:
        names = list(npz.zip.namelist())
        odd = [n for n in names if not n.endswith(".npy")]
        if any(n.endswith(".pkl") or "pickle" in n for n in odd):
            raise _refuse_pickle(path, "members " + ", ".join(odd[:3]))
        if odd:
            raise ValueError(f"load: {path} is not an xarxa checkpoint: unexpected members "
                             + ", ".join(odd[:5]))
        arrays = {}
        for name in npz.files:
            try:
                arrays[name] = npz[name]
            except ValueError as e:
                if "pickle" in str(e) or "Object arrays" in str(e):
                    raise _refuse_pickle(path, f"object array '{name}'") from None
                raise ValueError(f"load: {path}: member '{name}' is corrupt ({e})") from None
            except (zipfile.BadZipFile, EOFError, OSError) as e:
                raise ValueError(f"load: {path}: member '{name}' is corrupt ({e})") from None
    return arrays


class _Decoder:
    def __init__(self, path: str, arrays: dict[str, np.ndarray]):
        self.path, self.arrays, self.used = path, arrays, set()

    def node(self, n: Any) -> Any:
        if not isinstance(n, dict):
            return n
        if "dict" in n:
            return {k: self.node(v) for k, v in n["dict"]}
        if "list" in n:
            return [self.node(v) for v in n["list"]]
        if "tuple" in n:
            return tuple(self.node(v) for v in n["tuple"])
        for kind in ("tensor", "array", "scalar"):
            if kind in n:
                a = self._array(n[kind], n)
                if kind == "tensor":
                    return Tensor(a)
                return a[()] if kind == "scalar" else a
        raise ValueError(f"load: {self.path}: unknown entry {sorted(n)} in the structure")

    def _array(self, name: str, n: dict) -> np.ndarray:
        if name not in self.arrays:
            raise ValueError(f"load: {self.path}: array '{name}' is missing from the file")
        a = self.arrays[name]
        if list(a.shape) != n["shape"] or a.dtype.str != n["dtype"]:
            raise ValueError(f"load: {self.path}: array '{name}' has shape {a.shape} and dtype "
                             f"{a.dtype}, the checkpoint recorded {tuple(n['shape'])} "
                             f"and {np.dtype(n['dtype'])}")
        self.used.add(name)
        return a


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by ``save``; Tensors come back as Tensors.

    A plain ``.npz`` of arrays (``np.savez``) loads as a dict of arrays.

    Raises:
        ValueError: for pickled content, a corrupt or truncated file, or arrays whose
            names, shapes or dtypes do not match what the checkpoint recorded.

    Example:
        >>> state = xa.load("checkpoint.npz")
        >>> model.load_state_dict(state["model"])
    """
    path = os.fspath(path)
    arrays = _read_arrays(path)
    if _META not in arrays:
        return arrays
    raw = arrays.pop(_META)
    try:
        meta = json.loads(bytes(raw.astype(np.uint8)).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"load: {path}: its metadata is corrupt ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise ValueError(f"load: {path}: not an xarxa checkpoint (bad metadata header)")
    if meta.get("version", 0) > _VERSION:
        raise ValueError(f"load: {path} was written by a newer xarxa (format version "
                         f"{meta['version']}, this one reads up to {_VERSION})")
    dec = _Decoder(path, arrays)
    obj = dec.node(meta["tree"])
    extra = sorted(set(arrays) - dec.used)
    if extra:
        raise ValueError(f"load: {path}: arrays not named by the checkpoint's structure: "
                         + ", ".join(extra[:5]))
    return obj

