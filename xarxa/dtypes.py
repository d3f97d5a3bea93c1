"""Data types: NumPy dtypes under PyTorch's names, and the default float type."""
from __future__ import annotations

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001 - PyTorch's names, shadowing the builtins here
half, float, double = float16, float32, float64  # noqa: A001
long, int = int64, int32  # noqa: A001

_default = {"float": float32}
_SUPPORTED = {float16, float32, float64, int8, int16, int32, int64, uint8, bool}


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default["float"]


def set_default_dtype(dtype) -> None:
    """Make `dtype` (float32 or float64) the type of tensors made from Python floats."""
    dtype = resolve(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default["float"] = dtype


def resolve(dtype, op: str = "tensor") -> np.dtype:
    """Turn `xa.float32`, `np.float32`, `'float32'`, `torch.float32`-like names into a dtype."""
    if dtype is None:
        return get_default_dtype()
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
