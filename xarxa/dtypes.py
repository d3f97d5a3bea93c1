"""Data types under PyTorch's names, and the default float type.

`xa.float32` … are `xarxa.dtype` objects: they print as PyTorch's do (`torch.float32`, so
that a script's output matches its tutorial's), carry PyTorch's attributes
(`is_floating_point`, `is_signed`, `itemsize`, `to_complex()` …) and stand for the NumPy
dtype of the same name everywhere NumPy takes a dtype: they compare equal to it
(`xa.float32 == np.float32`, `== np.dtype('float32')`, `== 'float32'`), hash like it, and
`np.dtype(xa.float32)`, `np.zeros(3, xa.float32)`, `a.astype(xa.float32)` work through their
`.dtype` attribute (the NumPy dtype itself; NumPy's other attributes, `kind`, `type`,
`name` …, are forwarded). `Tensor.dtype` returns these objects, one per NumPy dtype (so
`x.dtype is xa.float32` holds, as in PyTorch); inside the library, ops read the array's
NumPy dtype (`t._data.dtype`) and `resolve` turns anything dtype-like into a NumPy dtype.
"""
from __future__ import annotations

import numpy as np


class dtype:  # noqa: N801 - PyTorch's class name (`torch.dtype`)
    """A PyTorch-style dtype wrapping one NumPy dtype (see the module docstring)."""

    __slots__ = ("dtype", "kind", "_text", "is_floating_point", "is_complex", "is_signed",
                 "itemsize")

    def __init__(self, np_dtype: np.dtype, text: str):
        self.dtype = np_dtype  # what NumPy reads when it is given this object as a dtype
        self.kind = np_dtype.kind
        self._text = text
        self.is_floating_point = np_dtype.kind == "f"
        self.is_complex = np_dtype.kind == "c"
        self.is_signed = np_dtype.kind in "fic"
        self.itemsize = np_dtype.itemsize

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__

    def __eq__(self, other):
        if self is other:  # one object per dtype (`of`): the common case, and the cheapest
            return True
        if other.__class__ is dtype:
            return False
        if isinstance(other, np.dtype):
            return self.dtype == other
        if other is None:  # np.dtype(None) is float64: None is no dtype here
            return False
        if type(other).__module__ == "torch":  # torch.float32 equals xa.float32
            return self._text == str(other)
        try:
            return self.dtype == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other):
        if self is other:
            return False
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __getattr__(self, name: str):  # NumPy's attributes: type, name, char, str …
        if name.startswith("__") or name == "dtype":  # (unset slot: no recursion)
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __reduce__(self):
        return of, (self.dtype,)

    def __copy__(self) -> "dtype":
        return self

    def __deepcopy__(self, memo) -> "dtype":
        return self

    def to_complex(self) -> "dtype":
        """The complex dtype of this float dtype (float32 -> complex64), as PyTorch's."""
        return of(np.result_type(self.dtype, np.complex64))

    def to_real(self) -> "dtype":
        """The real dtype of this complex dtype (complex64 -> float32); others are kept."""
        return of(np.empty(0, self.dtype).real.dtype) if self.is_complex else self


_DType = dtype  # the class, for functions below whose argument is named `dtype`
_BY_NP: dict = {}  # NumPy dtype -> its one xarxa dtype (Tensor.dtype looks it up here)


def of(np_dtype) -> dtype:
    """The `xarxa.dtype` of a NumPy dtype (made once per dtype; a byte-swapped dtype has the
    native one's: PyTorch's dtypes have no byte order)."""
    np_dtype = np.dtype(np_dtype)
    found = _BY_NP.get(np_dtype)
    if found is None:
        native = np_dtype.newbyteorder("=")
        found = _BY_NP.get(native)
        if found is None:
            found = _BY_NP[native] = _DType(native, "torch." + native.name)
        _BY_NP[np_dtype] = found
    return found


float16 = of("float16")
float32 = of("float32")
float64 = of("float64")
int8 = of("int8")
int16 = of("int16")
int32 = of("int32")
int64 = of("int64")
uint8 = of("uint8")
bool = of("bool")  # noqa: A001 - PyTorch's names, shadowing the builtins here
half, float, double = float16, float32, float64  # noqa: A001
short, long, int = int16, int64, int32  # noqa: A001

_default = {"float": float32}
# The NumPy dtypes a Tensor may hold (a set of NumPy dtypes: hot membership tests)
_SUPPORTED = {d.dtype for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                bool)}


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default["float"]


def set_default_dtype(dtype) -> None:
    """Make `dtype` (float32 or float64) the type of tensors made from Python floats."""
    dtype = resolve(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {of(dtype)}")
    _default["float"] = of(dtype)


def resolve(dtype, op: str = "tensor") -> np.dtype:
    """Turn `xa.float32`, `np.float32`, `'float32'`, `torch.float32`-like names into a NumPy
    dtype (None: the default float dtype)."""
    if dtype is None:
        return _default["float"].dtype
    if dtype.__class__ is _DType:
        result = dtype.dtype
    else:
        if type(dtype).__module__.startswith("torch"):  # torch.float32 -> "float32"
            dtype = str(dtype).removeprefix("torch.")
        try:
            result = np.dtype(dtype)
        except TypeError:
            result = None
    if result is None or result not in _SUPPORTED:
        raise TypeError(f"{op}: unknown or unsupported dtype {dtype!r}; expected one of "
                        "float16, float32, float64, int8, int16, int32, int64, uint8, bool")
    return result


# PyTorch's legacy tensor-type names: `x.type()` is 'torch.FloatTensor' for float32.
_LEGACY_NAMES = {float16: "Half", float32: "Float", float64: "Double", int8: "Char",
                 int16: "Short", int32: "Int", int64: "Long", uint8: "Byte", bool: "Bool"}


def legacy_name(dtype) -> str:
    """'Float' for float32, 'Long' for int64 … (the `FloatTensor` of `Tensor.type()`)."""
    return _LEGACY_NAMES[np.dtype(dtype)]
