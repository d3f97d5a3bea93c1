"""`save` / `load`: checkpoints and weights, never pickle.

The format follows the extension: ``.safetensors`` and PyTorch's ``.pt``/``.pth``
(`xarxa.io.safetensors`, `xarxa.io.pth`: exchanging weights with PyTorch), anything
else xarxa's own ``.npz`` checkpoint (`xarxa.io.npz`: any nesting of dicts, lists and
tuples of Tensors, arrays and JSON values, read as a hostile file).

Writes are atomic, whatever the format (`xarxa.io.atomic`): an error or Ctrl-C in the
middle leaves the previous file untouched.
"""
from __future__ import annotations

import os
from typing import Any

from . import devices
from .io import npz as _npz, pth as _pth, safetensors as _safetensors
from .io._common import WHOLE_MODULE, is_module
from .io.atomic import atomic_write
from .io.npz import MAX_DEPTH

__all__ = ["save", "load", "MAX_DEPTH"]

def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or a dict of them) to ``path`` atomically.

    A path ending in ``.safetensors`` (a dict of tensors), ``.pt`` or ``.pth`` is written
    in that format, for PyTorch (see `xarxa.io`); any other as this module's ``.npz``.

    Raises:
        TypeError: for values or dict keys it cannot store without pickle, and for a
            whole model (``torch.save(model, PATH)``): save ``model.state_dict()``.
        ValueError: for what ``load`` could not read back (nesting deeper than
            ``MAX_DEPTH``, integers too long for JSON).
        FileNotFoundError: if the directory does not exist.

    Example:
        >>> xa.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
        ...          "epoch": 3}, "checkpoint.npz")
    """
    if is_module(obj):  # torch.save(model, PATH), the tutorials' other way
        raise TypeError(f"save: cannot save a whole {type(obj).__name__} module, only its "
                        "weights: xa.save(model.state_dict(), path), then "
                        "model.load_state_dict(xa.load(path)) on a model your code builds; "
                        f"{WHOLE_MODULE}")
    path = os.fspath(path)
    atomic_write(path, _format(path).writer(obj))


def _format(path: str):
    """The `xarxa.io` module reading and writing ``path``: ``.safetensors`` and
    PyTorch's ``.pt``/``.pth`` by extension, xarxa's ``.npz`` for everything else."""
    ext = os.path.splitext(path)[1].lower()
    return {".safetensors": _safetensors, ".pt": _pth, ".pth": _pth}.get(ext, _npz)


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
