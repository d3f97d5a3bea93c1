"""`save` / `load`: checkpoints and weights, never pickle.

The format follows the extension: ``.safetensors`` and PyTorch's ``.pt``/``.pth``
(`xarxa.io.safetensors`, `xarxa.io.pth`: exchanging weights with PyTorch), anything
else xarxa's own ``.npz`` checkpoint (`xarxa.io.npz`: any nesting of dicts, lists and
tuples of Tensors, arrays and JSON values, read as a hostile file).

Writes are atomic, whatever the format: the file goes to a temporary file in the
target's directory, is flushed to disk, then renamed over the target (``os.replace``);
an error or Ctrl-C in the middle leaves the previous file untouched. A symlink is
written through (its target is replaced, as ``np.savez`` does). Temporary files are
named ``.<name>~<pid>-<random>.xarxa-tmp`` (cut to fit the file-name limit); a save
removes those of its target left by saves whose process no longer runs (killed
mid-write).
"""
from __future__ import annotations

import os
import re
import tempfile
from typing import Any

from . import devices
from .io import npz as _npz, pth as _pth, safetensors as _safetensors
from .io.npz import MAX_DEPTH

__all__ = ["save", "load", "MAX_DEPTH"]

_TMP_SUFFIX = ".xarxa-tmp"
_TMP_NAME = re.compile(r"\.(?P<base>.*)~(?P<pid>[0-9]+)-[A-Za-z0-9_]+" + re.escape(_TMP_SUFFIX),
                       re.DOTALL)


def _temp_base(directory: str, name: str) -> str:
    """``name`` cut so that ``.<base>~<pid>-<random>.xarxa-tmp`` fits the file-name limit."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not on every OS
        limit = 255
    # '.', '~', a pid of up to 10 digits, '-', mkstemp's 8 random characters, the suffix;
    # the same for every pid, so that any save finds the stale files of another
    room = max(limit - (1 + 1 + 10 + 1 + 8) - len(_TMP_SUFFIX), 1)
    base = name
    while len(os.fsencode(base)) > room:  # the limit counts bytes
        base = base[:-1]
    return base


def _remove_stale_temps(directory: str, base: str) -> None:
    """Remove this target's temporary files left by saves whose process has died."""
    if os.name != "posix":  # os.kill(pid, 0) asks whether pid runs; on Windows it kills
        return
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for entry in names:
        m = _TMP_NAME.fullmatch(entry)
        if m is None or m["base"] != base or int(m["pid"]) == os.getpid():
            continue
        try:
            os.kill(int(m["pid"]), 0)
            continue  # it runs: a save in progress
        except (ProcessLookupError, OverflowError):  # no such process: a killed save's file
            pass
        except OSError:  # PermissionError: it runs, as another user
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except OSError:
            pass


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or a dict of them) to ``path`` atomically.

    A path ending in ``.safetensors`` (a dict of tensors), ``.pt`` or ``.pth`` is written
    in that format, for PyTorch (see `xarxa.io`); any other as this module's ``.npz``.

    Raises:
        TypeError: for values or dict keys it cannot store without pickle.
        ValueError: for what ``load`` could not read back (nesting deeper than
            ``MAX_DEPTH``, integers too long for JSON).
        FileNotFoundError: if the directory does not exist.

    Example:
        >>> xa.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
        ...          "epoch": 3}, "checkpoint.npz")
    """
    path = os.fspath(path)
    _atomic_write(path, _format(path).writer(obj))


def _format(path: str):
    """The `xarxa.io` module reading and writing ``path``: ``.safetensors`` and
    PyTorch's ``.pt``/``.pth`` by extension, xarxa's ``.npz`` for everything else."""
    ext = os.path.splitext(path)[1].lower()
    return {".safetensors": _safetensors, ".pt": _pth, ".pth": _pth}.get(ext, _npz)


def _atomic_write(path: str, write) -> None:
    """Run ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``."""
    target = os.path.realpath(path)  # through a symlink, as np.savez (open) does
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory} does not exist (create it "
                                f"first, e.g. os.makedirs) to write {path}")
    if os.path.isdir(target):
        raise IsADirectoryError(f"save: {path} is a directory; give a file name, e.g. "
                                f"{os.path.join(path, 'checkpoint.npz')}")
    base = _temp_base(directory, os.path.basename(target))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{base}~{os.getpid()}-",
                               suffix=_TMP_SUFFIX)
    try:
        # mkstemp makes the file 0600; give it the mode any new file would get (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)  # atomic on POSIX and Windows: old file or new, never half
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
    _remove_stale_temps(directory, base)


def load(path: str | os.PathLike, map_location=None, weights_only: bool | None = None) -> Any:
    """Read a checkpoint written by ``save``; Tensors come back as Tensors.

    A plain uncompressed ``.npz`` of arrays (``np.savez``) loads as a dict of arrays.
    ``.safetensors``, ``.pt`` and ``.pth`` files are read by `xarxa.io` (a ``torch.save``
    file without running code: only tensors, storages and ordered dicts are rebuilt).

    ``map_location`` and ``weights_only`` are there for PyTorch's scripts
    (``torch.load(PATH, map_location=device, weights_only=True)``): tensors always load
    on the CPU (a device, a string or an int naming another is refused as `.to` refuses
    it; a dict or function is accepted), and every file is read as
    ``weights_only=True`` reads it — ``weights_only=False`` never runs a pickle's code.

    Raises:
        ValueError: naming the file, before reading any array, for anything but a
            checkpoint: pickled content, a text or other file, compressed or encrypted
            members, unknown dtypes, shapes larger than the file holds, malformed or too
            deeply nested metadata, arrays whose names, shapes or dtypes do not match
            what the checkpoint recorded; and for a corrupt or truncated file.

    Example:
        >>> state = xa.load("checkpoint.npz")
        >>> model.load_state_dict(state["model"])
    """
    if map_location is not None and not callable(map_location) and \
            not isinstance(map_location, dict):
        devices.check(map_location, "load")
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be a bool or None, got {weights_only!r}")
    path = os.fspath(path)
    return _format(path).load(path)
