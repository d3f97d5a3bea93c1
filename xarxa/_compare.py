"""`is_tensor`, `isclose`, `allclose` and `equal` (PyTorch's names): comparisons that give a
bool tensor or a Python bool, never a graph. Their tolerances are PyTorch's defaults."""
from __future__ import annotations

import numpy as np

from .tensor import Tensor


def is_tensor(obj) -> bool:
    """True if `obj` is a xarxa Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


def _arrays(op: str, input, other):  # noqa: A002 - PyTorch's names
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    a, b = input._data, other._data
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast") from None
    return a, b


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """|input − other| ≤ atol + rtol·|other|, elementwise (a bool tensor)."""
    a, b = _arrays("isclose", input, other)
    return Tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True if `isclose` holds for every element."""
    a, b = _arrays("allclose", input, other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and the same elements."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"equal: expected {name} to be a Tensor, got {type(t).__name__}")
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))
