"""How the loader and its worker processes talk, without pickle.

A message is one JSON header followed by the raw bytes of each array it carries, every
part sent as one ``Connection.send_bytes`` frame; arrays are received straight into
freshly allocated NumPy arrays (``recv_bytes_into``, no intermediate copy). Nothing a
worker sends is ever unpickled: the structure is rebuilt from a closed list of kinds —
Tensors, arrays, NumPy scalars, numbers, strings, bytes, None, lists, tuples and dicts of
exactly those types, and, by the name of their class, enum members, named tuples and
mappings (OrderedDict, defaultdict, Mapping or dict subclasses). Such a class is looked
up, never imported, in the modules the receiving process has already imported: workers
are forked from the main process, so a class that a dataset's samples use is there under
the same name. Anything else — a subclass of a plain type included, which would come back
as its base — is a TypeError naming the type, never a silent change of type.
"""
from __future__ import annotations

import collections
import collections.abc
import enum
import json
import sys

import numpy as np

from ..tensor import Tensor

__all__ = ["dumps", "write", "send", "loads", "recv"]

_SENDABLE = ("Tensors, NumPy arrays, NumPy scalars, numbers, strings, bytes, None, lists, "
             "tuples, dicts, and enum members, named tuples and mappings of classes defined "
             "at the top level of a module")
_PLAIN = (type(None), bool, int, float, str)  # JSON carries these as they are


def _array(a: np.ndarray, arrays: list) -> int:
    if type(a) is not np.ndarray:  # a masked array, a matrix, a memmap: its kind would be lost
        raise TypeError(f"DataLoader worker: a batch holds a {_type_name(type(a))}, which "
                        f"cannot be sent to the main process without pickle (only plain "
                        f"arrays can; np.asarray() makes one)")
    if a.dtype.hasobject:
        raise TypeError(f"DataLoader worker: an array of dtype {a.dtype} (Python objects) "
                        f"cannot be sent to the main process without pickle; batches may "
                        f"hold {_SENDABLE}")
    arrays.append(a if a.flags.c_contiguous else a.copy(order="C"))  # keeps 0-d arrays 0-d
    return len(arrays) - 1


def _type_name(cls) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', cls)}"


def _find(module: str, qualname: str):
    """``module.qualname`` if that module is already imported, else None. Only dictionary
    look-ups: nothing is imported and no code runs."""
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, "__dict__", {}).get(part)
    return obj


def _name(obj, what: str) -> list:
    """``[module, qualname]`` under which the main process finds ``obj`` again; a TypeError
    when the name does not lead back to it (a class made inside a function, say)."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)) or \
            _find(module, qualname) is not obj:
        raise TypeError(f"DataLoader worker: a batch holds {what} {_type_name(obj)}, which "
                        f"cannot be sent to the main process without pickle: it is not "
                        f"found under that name (define it at the top level of a module)")
    return [module, qualname]


def _mapping(x, arrays: list) -> dict:
    """A mapping other than a plain dict, as pickle would take it apart: its class, its
    items when it is a dict, its instance ``__dict__``, a defaultdict's factory."""
    cls = type(x)
    if any(vars(c).get("__slots__") for c in cls.__mro__):
        raise TypeError(f"DataLoader worker: a batch holds a {_type_name(cls)}, which keeps "
                        f"state in __slots__ and cannot be sent to the main process "
                        f"without pickle")
    out = {"M": _name(cls, "a mapping of class")}
    if isinstance(x, dict):
        out["items"] = [[_encode(k, arrays), _encode(v, arrays)] for k, v in x.items()]
    if isinstance(x, collections.defaultdict) and x.default_factory is not None:
        out["factory"] = _name(x.default_factory, "the defaultdict factory")
    if getattr(x, "__dict__", None):
        out["state"] = _encode(dict(vars(x)), arrays)
    return out


def _encode(x, arrays: list):
    if type(x) in _PLAIN:
        return x
    if type(x) is Tensor:
        return {"T": _array(x.numpy(), arrays)}
    if type(x) is np.ndarray:
        return {"A": _array(x, arrays)}
    if isinstance(x, np.generic):  # numbers, np.str_, np.datetime64, ...: a 0-d array
        return {"S": _array(np.asarray(x), arrays)}
    if type(x) is bytes:
        return {"B": _array(np.frombuffer(x, np.uint8), arrays)}
    if isinstance(x, enum.Enum):  # IntEnum included: not a plain int on the way back
        return {"E": _name(type(x), "an enum member of class"), "v": _encode(x.value, arrays)}
    if isinstance(x, tuple) and hasattr(x, "_fields") and hasattr(x, "_make"):
        # collections.namedtuple, typing.NamedTuple
        return {"N": _name(type(x), "a named tuple of class"),
                "v": [_encode(v, arrays) for v in x]}
    if type(x) is tuple:
        return {"U": [_encode(v, arrays) for v in x]}
    if type(x) is list:
        return {"L": [_encode(v, arrays) for v in x]}
    if type(x) is dict:
        return {"D": [[_encode(k, arrays), _encode(v, arrays)] for k, v in x.items()]}
    if isinstance(x, collections.abc.Mapping):
        return _mapping(x, arrays)
    raise TypeError(f"DataLoader worker: a batch holds a {_type_name(type(x))}, which cannot "
                    f"be sent to the main process without pickle; batches may hold "
                    f"{_SENDABLE}")


def _class(name: list, base: type, what: str) -> type:
    """The class ``name`` sent by a worker, if the main process has it and it is a ``base``."""
    cls = _find(*name)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"DataLoader: a worker sent {what} {'.'.join(name)}, which the main "
                        f"process cannot find (import its module in the main process, "
                        f"before the loader starts its workers)")
    return cls


def _rebuild_mapping(x: dict, arrays: list):
    """The mapping ``_mapping`` took apart, put together as pickle does: the class's
    ``__new__``, then its items, then its instance ``__dict__``."""
    cls = _class(x["M"], collections.abc.Mapping, "a mapping of class")
    if issubclass(cls, dict) != ("items" in x):
        raise ValueError("DataLoader: malformed message from a worker (mapping)")
    try:
        obj = cls.__new__(cls)
    except TypeError as e:
        raise TypeError(f"DataLoader: a worker sent a mapping of class {_type_name(cls)}, "
                        f"which cannot be made without arguments to __new__ ({e})") from None
    if "factory" in x:
        factory = _find(*x["factory"])
        if not callable(factory):
            raise TypeError(f"DataLoader: a worker sent a defaultdict whose factory "
                            f"{'.'.join(x['factory'])} the main process cannot find")
        obj.default_factory = factory
    for k, v in x.get("items", ()):
        obj[_decode(k, arrays)] = _decode(v, arrays)
    if "state" in x:
        obj.__dict__.update(_decode(x["state"], arrays))
    return obj


def _decode(x, arrays: list):
    if not isinstance(x, dict):
        return x
    tag, value = next(iter(x.items()))
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
        cls = _class(value, tuple, "a named tuple of class")
        return cls._make(_decode(v, arrays) for v in x["v"])
    if tag == "E":
        return _class(value, enum.Enum, "an enum member of class")(_decode(x["v"], arrays))
    if tag == "M":
        return _rebuild_mapping(x, arrays)
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
