"""How the loader and its worker processes talk, without pickle.

A message is one JSON header followed by the raw bytes of each array it carries, every
part sent as one ``Connection.send_bytes`` frame; arrays are received straight into
freshly allocated NumPy arrays (``recv_bytes_into``, no intermediate copy). Nothing a
worker sends is ever unpickled: the structure is rebuilt from a closed list of types —
Tensors, arrays, NumPy scalars, numbers, strings, bytes, None, lists, tuples,
namedtuples (classes already imported in the main process) and dicts. Anything else in
a batch is a TypeError in the worker, which reports it like any other error.
"""
from __future__ import annotations

import json
import sys

import numpy as np

from ..tensor import Tensor

__all__ = ["dumps", "write", "send", "loads", "recv"]

_SENDABLE = ("Tensors, NumPy arrays, NumPy scalars, numbers, strings, bytes, None, lists, "
             "tuples, namedtuples and dicts")


def _array(a: np.ndarray, arrays: list) -> int:
    if a.dtype.hasobject:
        raise TypeError(f"DataLoader worker: an array of dtype {a.dtype} (Python objects) "
                        f"cannot be sent to the main process without pickle; batches may "
                        f"hold {_SENDABLE}")
    arrays.append(a if a.flags.c_contiguous else a.copy(order="C"))  # keeps 0-d arrays 0-d
    return len(arrays) - 1


def _encode(x, arrays: list):
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, Tensor):
        return {"T": _array(x.numpy(), arrays)}
    if isinstance(x, np.ndarray):
        return {"A": _array(x, arrays)}
    if isinstance(x, (np.bool_, np.number)):
        return {"S": _array(np.asarray(x), arrays)}
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, bytes):
        return {"B": _array(np.frombuffer(x, np.uint8), arrays)}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        cls = type(x)
        return {"N": [cls.__module__, cls.__qualname__], "v": [_encode(v, arrays) for v in x]}
    if isinstance(x, tuple):
        return {"U": [_encode(v, arrays) for v in x]}
    if isinstance(x, list):
        return {"L": [_encode(v, arrays) for v in x]}
    if isinstance(x, dict):
        return {"D": [[_encode(k, arrays), _encode(v, arrays)] for k, v in x.items()]}
    raise TypeError(f"DataLoader worker: a batch holds a {type(x).__module__}."
                    f"{type(x).__qualname__}, which cannot be sent to the main process "
                    f"without pickle; batches may hold {_SENDABLE}")


def _namedtuple_class(module: str, qualname: str):
    """The namedtuple class, if its module is already imported (nothing is imported here);
    None otherwise (the fields then come back as a plain tuple)."""
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    ok = isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields")
    return obj if ok else None


def _decode(x, arrays: list):
    if not isinstance(x, dict):
        return x
    (tag, value), *rest = x.items()
    if tag == "T":
        return Tensor(arrays[value])
    if tag == "A":
        return arrays[value]
    if tag == "S":
        return arrays[value][()]
    if tag == "B":
        return arrays[value].tobytes()
    if tag == "U":
        return tuple(_decode(v, arrays) for v in value)
    if tag == "L":
        return [_decode(v, arrays) for v in value]
    if tag == "D":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in value}
    if tag == "N":
        fields = [_decode(v, arrays) for v in x["v"]]
        cls = _namedtuple_class(*value)
        return cls(*fields) if cls is not None else tuple(fields)
    raise ValueError(f"DataLoader: malformed message from a worker (tag {tag!r})")


def dumps(header: dict, payload=None) -> list:
    """The frames of a message. Encoding comes first, so that a TypeError leaves nothing
    half-sent."""
    arrays: list = []
    header = dict(header, tree=_encode(payload, arrays),
                  arrays=[[np.lib.format.dtype_to_descr(a.dtype), a.shape] for a in arrays])
    return [json.dumps(header).encode()] + [a.reshape(-1).view(np.uint8) for a in arrays
                                            if a.nbytes]


def write(conn, frames: list) -> None:
    for frame in frames:
        conn.send_bytes(frame)


def send(conn, header: dict, payload=None) -> None:
    write(conn, dumps(header, payload))


def loads(first: bytes, conn) -> tuple[dict, object]:
    """(header, payload) of a message whose first frame is ``first``; its arrays are read
    from ``conn`` straight into new arrays."""
    header = json.loads(first)
    arrays = []
    for descr, shape in header.pop("arrays"):
        descr = [tuple(f) for f in descr] if isinstance(descr, list) else descr
        a = np.empty(shape, dtype=np.lib.format.descr_to_dtype(descr))
        if a.nbytes:
            conn.recv_bytes_into(a.reshape(-1).view(np.uint8))
        arrays.append(a)
    return header, _decode(header.pop("tree"), arrays)


def recv(conn) -> tuple[dict, object]:
    """The next message; EOFError when the other end has closed."""
    return loads(conn.recv_bytes(), conn)
