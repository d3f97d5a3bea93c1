"""Small helpers shared by the op wrappers: constants and argument checks."""
from __future__ import annotations

import numpy as np

from ...tensor import Tensor


def constant(value, like: Tensor):
    """A non-Tensor operand as an array that keeps `like`'s dtype (no silent upcast)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float, np.number)):
        dtype = like._data.dtype
        if dtype.kind in "iub" and isinstance(value, float):
            from ...dtypes import get_default_dtype
            dtype = get_default_dtype()
        return np.asarray(value, dtype=dtype)
    return np.asarray(value)


def floating(x: Tensor) -> Tensor:
    """x if it is floating, else its values in the default float dtype: what PyTorch gives
    for float-valued ops (exp, sigmoid, …) of integer tensors, where NumPy would give
    float64 or truncate. Integer tensors have no gradient, so no graph is lost."""
    if x._data.dtype.kind == "f":
        return x
    from ...dtypes import get_default_dtype
    return Tensor(x._data.astype(get_default_dtype()))


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in [0, ndim), with a clear error when out of range."""
    size = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -size <= dim < size:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} "
                         f"dimension(s) (expected {-size} ≤ dim < {size})")
    return int(dim) % size


def normalize_dims(dim, ndim: int, op: str):
    """None (all dims), an int, or a tuple of ints -> None or a tuple of non-negative ints."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(normalize_dim(d, ndim, op) for d in dim)
    return (normalize_dim(dim, ndim, op),)


def check_broadcast(op: str, a, b) -> None:
    """Raise a named error when two shapes do not broadcast."""
    sa, sb = np.shape(a), np.shape(b)
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(f"{op}: shapes {sa} and {sb} cannot be broadcast together "
                         "(trailing dimensions must be equal or 1)") from None
