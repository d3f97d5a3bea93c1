"""PyTorch's legacy tensor types, for the old scripts and tutorials that still use them:
`FloatTensor`, `DoubleTensor`, `HalfTensor`, `LongTensor`, `IntTensor`, `ShortTensor`,
`CharTensor`, `ByteTensor`, `BoolTensor`, and the type names of `Tensor.type`.

As in PyTorch they are not subclasses: ``xa.FloatTensor([1, 2])`` is a float32 `Tensor`
made from data, ``xa.FloatTensor(2, 3)`` (or a `Size`) an uninitialised one of that shape,
``xa.FloatTensor()`` an empty one; ``isinstance(x, xa.FloatTensor)`` says whether ``x`` is
a float32 tensor, and ``x.type(xa.FloatTensor)``, ``x.type('torch.FloatTensor')`` cast.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .devices import check as _check_device
from .tensor import Tensor

# legacy name -> the dtype's name (PyTorch's table, less bfloat16/complex: xarxa lacks them)
_TYPES = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16",
          "LongTensor": "int64", "IntTensor": "int32", "ShortTensor": "int16",
          "CharTensor": "int8", "ByteTensor": "uint8", "BoolTensor": "bool"}
# the prefixes of a type name: PyTorch's ('torch.FloatTensor', what `Tensor.type()` returns,
# as dtypes print as `torch.float32`) and xarxa's own ('xarxa.FloatTensor')
_PREFIXES = ("xarxa.", "torch.")

__all__ = list(_TYPES)


class tensortype(type):  # noqa: N801 - PyTorch's name: type(torch.FloatTensor)
    """The metaclass of the legacy types: calling one makes a Tensor of its dtype, and
    ``isinstance`` checks the dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == np.dtype(cls._numpy)

    def __call__(cls, *args, device=None):
        return _construct(cls, args, device)

    @property
    def dtype(cls):
        """This type's dtype (``xa.FloatTensor.dtype`` is ``xa.float32``)."""
        return getattr(dtypes, cls._numpy)


def _is_size(value) -> bool:
    # a Size (PyTorch's shape tuple, xarxa's too) gives a shape, any other tuple gives data
    return isinstance(value, tuple) and type(value).__name__ == "Size"


def _construct(cls, args: tuple, device):
    """``cls(*args)`` as PyTorch's legacy constructor reads it (see the module docstring)."""
    op = cls.__name__
    _check_device(device, op)
    dtype = dtypes.resolve(cls._numpy, op)
    if len(args) == 1 and isinstance(args[0], Tensor):
        data = args[0]
        if data._data.dtype != dtype:  # as PyTorch: no silent cast of a tensor
            raise TypeError(f"{op}: expected a tensor of dtype {np.dtype(dtype)}, got "
                            f"{data._data.dtype}; cast it with .to() or .type()")
        return data.view_as(data)  # an alias in the graph, as PyTorch's
    return Tensor(legacy_array(args, dtype, op))


def legacy_array(args: tuple, dtype, op: str) -> np.ndarray:
    """The array of a legacy constructor's arguments (not a Tensor): none gives an empty
    array, integers or a `Size` an uninitialised one of that shape, one sequence its values
    cast to `dtype` (`xa.FloatTensor(...)`, and `xa.Tensor(...)` with the default dtype)."""
    dtype = np.dtype(dtype)
    if not args:
        return np.empty(0, dtype=dtype)
    if len(args) == 1 and _is_size(args[0]):
        args = tuple(args[0])
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        if any(a < 0 for a in args):
            raise ValueError(f"{op}: expected a shape of non-negative integers, got {args}")
        return np.empty(tuple(int(a) for a in args), dtype=dtype)
    if len(args) > 1:
        raise TypeError(f"{op}: expected data (a list, an array, a tensor) or a shape of "
                        f"integers, got {args}")
    data = args[0]
    if isinstance(data, (int, float, complex, np.number)) or isinstance(data, (str, bytes)):
        raise TypeError(f"{op}: data must be a sequence (got {type(data).__name__})")
    values = np.asarray(data)
    if dtype.kind in "iu" and values.dtype.kind in "iuf" and values.size:
        _check_range(values, dtype, op)
    # a cast of the values, as PyTorch's: LongTensor([1.7]) is 1, ByteTensor([-1]) is 255
    return np.array(values, dtype=dtype, copy=True)


def _check_range(values: np.ndarray, dtype: np.dtype, op: str) -> None:
    """PyTorch's overflow check of the legacy constructors: a value above the type's
    largest, or below its smallest, is refused, except that a negative integer wraps
    into an unsigned type (``ByteTensor([-1])`` is 255)."""
    info = np.iinfo(dtype)
    low = values.min()
    wraps = dtype.kind == "u" and values.dtype.kind in "iu"
    if values.max() > info.max or (low < info.min and not wraps) or np.isnan(low):
        raise ValueError(f"{op}: a value cannot be converted to type {dtype} without "
                         f"overflow (range {info.min} to {info.max}, got values from {low} "
                         f"to {values.max()})")


for _name, _numpy in _TYPES.items():
    globals()[_name] = tensortype(_name, (), {
        "_numpy": _numpy, "__module__": "xarxa",
        "__doc__": f"PyTorch's legacy {_name}: a {_numpy} Tensor from data or a shape."})
del _name, _numpy


def dtype_of(kind, op: str = "Tensor.type"):
    """The dtype that ``kind`` names: a dtype, a legacy type (``xa.FloatTensor``) or its
    name (``'torch.FloatTensor'``, ``'xarxa.LongTensor'``); ``'torch.cuda.FloatTensor'``
    asks for the GPU, which `xarxa.devices.check` refuses."""
    if isinstance(kind, tensortype):
        return dtypes.resolve(kind._numpy, op)
    if isinstance(kind, str) and kind.endswith("Tensor"):
        prefix, _, name = kind.rpartition(".")
        if prefix + "." in _PREFIXES and name in _TYPES:
            return dtypes.resolve(_TYPES[name], op)
        if prefix.endswith(".cuda") and prefix[:-len(".cuda")] + "." in _PREFIXES:
            _check_device("cuda", op)
        raise TypeError(f"{op}: unknown tensor type {kind!r}; expected one of "
                        f"{', '.join('torch.' + n for n in _TYPES)} or a dtype")
    return dtypes.resolve(kind, op)

