"""Devices under PyTorch's names: `xa.device('cpu')`, `Tensor.device`, `.to(device, dtype)`,
`device=` on factories, `set_default_device`.

The names are the ones a CuPy backend ('cuda') will plug into later (DESIGN principle 6).
This build has one device, the CPU. As in PyTorch, a `device` object only *names* a device
(`xa.device('cuda')` can be built, e.g. for a `map_location`), and asking to put a tensor on
one that is not available is an error: here a RuntimeError naming the device and saying that
only the CPU exists in this build (`check` below, the one place that says it).
"""
from __future__ import annotations

import numpy as np

from . import dtypes

# PyTorch's device types: any of them can be named, only the CPU can hold tensors here
TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
         "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
         "privateuseone")
AVAILABLE = ("cpu",)


class device:  # noqa: N801 - PyTorch's name
    """A device name: `device('cpu')`, `device('cpu:0')`, `device('cpu', 0)`, `device(other)`.

    Equality, hashing and repr follow PyTorch: `device('cpu') == device('cpu')`, while a
    device never equals a string (compare `d.type == 'cpu'`), and `device('cpu')` differs
    from `device('cpu:0')` (one has no index). Used as a context manager (`with
    xa.device('cpu'):`) it sets the default device of the factories inside the block.
    """

    __slots__ = ("_type", "_index", "_previous")

    def __init__(self, type, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            type, index = "cuda", int(type)  # PyTorch: a bare index names an accelerator
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or a device, got "
                            f"{_describe(type)}")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(f"device: type {type!r} must not include an index because "
                                   f"index was passed explicitly: {index}")
            type, _, number = type.partition(":")
            if not number.isdigit() or type not in TYPES:
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in TYPES:
            raise RuntimeError(f"Expected one of {', '.join(TYPES)} device type at start of "
                               f"device string: {type}")
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
                raise TypeError(f"device: index must be an integer, got {_describe(index)}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            index = int(index)
        self._type, self._index = type, index

    @property
    def type(self) -> str:
        """'cpu', 'cuda', …"""
        return self._type

    @property
    def index(self) -> int | None:
        """The device number, or None when not given."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other) -> bool:
        if not isinstance(other, device):
            return False if isinstance(other, str) else NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash(("device", self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self) -> "device":
        self._previous = _default[0]
        set_default_device(self)
        return self

    def __exit__(self, *exc) -> bool:
        _default[0] = self._previous
        return False


CPU = device("cpu")  # what `Tensor.device` returns
_default = [CPU]


def _describe(value) -> str:
    return f"{value!r} ({type(value).__name__})"


def check(dev, where: str) -> device:
    """`dev` (a string, a device, an int or None) as an available device, or the error.

    `where` names the function the user called, for the message. None means the default
    device. Called by every factory and by `.to`, so that one message says what is wrong.
    """
    if dev is None:
        return _default[0]
    if dev is CPU:
        return CPU
    if not isinstance(dev, device):
        if not isinstance(dev, (str, int, np.integer)) or isinstance(dev, bool):
            raise TypeError(f"{where}: expected a device ('cpu', xa.device('cpu')), got "
                            f"{_describe(dev)}")
        dev = device(dev)
    if dev.type not in AVAILABLE:
        raise RuntimeError(
            f"{where}: device '{dev}' is not available: this build of xarxa runs on the CPU "
            f"only (xa.cuda.is_available() is False). Use device='cpu', or pick the device "
            f"as PyTorch scripts do: xa.device('cuda' if xa.cuda.is_available() else 'cpu')")
    return dev


def set_default_device(dev) -> None:
    """Make `dev` the device of tensors made by the factories; only 'cpu' (or None, which
    restores it) is accepted in this build."""
    _default[0] = CPU if dev is None else check(dev, "set_default_device")


def get_default_device() -> device:
    """The device the factories put new tensors on (`device('cpu')`)."""
    return _default[0]


def _is_dtype(value) -> bool:
    """A dtype given to `.to` (xa.float32, np.float32, torch.float32), not a device."""
    if isinstance(value, (np.dtype, dtypes.dtype)):
        return True
    if isinstance(value, type) and issubclass(value, np.generic):
        return True
    return type(value).__module__ == "torch" and type(value).__name__ == "dtype"


_TO_FORMS = ("to(dtype, non_blocking=False, copy=False), "
             "to(device=None, dtype=None, non_blocking=False, copy=False) or "
             "to(other_tensor, non_blocking=False, copy=False)")


def parse_to(args: tuple, kwargs: dict, where: str = "to"):
    """PyTorch's three forms of `.to(...)` -> (device, dtype, non_blocking, copy).

    `device` is checked (an unavailable device is the error of `check`); `dtype` is returned
    as given (None when not asked for): the caller resolves it. Shared by `Tensor.to` and
    `Module.to`.
    """
    kwargs = dict(kwargs)
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"{where}: unexpected keyword argument(s) {sorted(unknown)}; "
                        f"expected {_TO_FORMS}")
    if kwargs.pop("memory_format", None) is not None:
        raise TypeError(f"{where}: memory_format is not supported (xarxa tensors are "
                        "contiguous NumPy arrays)")
    args = list(args)
    named = {}
    if args and hasattr(args[0], "_data") and hasattr(args[0], "dtype"):  # to(other)
        other = args.pop(0)
        named["device"], named["dtype"] = other.device, other.dtype
        order = ("non_blocking", "copy")
    elif args and _is_dtype(args[0]):
        named["dtype"] = args.pop(0)
        order = ("non_blocking", "copy")
    else:
        order = ("device", "dtype", "non_blocking", "copy")
    if len(args) > len(order):
        raise TypeError(f"{where}: too many positional arguments; expected {_TO_FORMS}")
    named.update(zip(order, args))
    for key, value in kwargs.items():
        if key in named:
            raise TypeError(f"{where}: got multiple values for argument '{key}'")
        named[key] = value
    dtype = named.get("dtype")
    if dtype is not None and not _is_dtype(dtype):
        raise TypeError(f"{where}: expected a dtype such as xa.float32 for dtype, got "
                        f"{_describe(dtype)}; expected {_TO_FORMS}")
    dev = named.get("device")
    if dev is not None:
        dev = check(dev, where)
    return dev, dtype, bool(named.get("non_blocking", False)), bool(named.get("copy", False))
