"""Tensor constructors: `tensor`, `zeros`, `ones`, `full`, `arange`, `eye`, `rand`, `randn`
and their `*_like` forms. Python floats give float32 (the default dtype), Python ints
int64, bools bool; an ndarray keeps its dtype unless `dtype=` says otherwise."""
from __future__ import annotations

import numpy as np

from . import dtypes
from .random import generator
from .tensor import Tensor


def _finish(array, requires_grad: bool, name: str | None) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, name=name)


def tensor(data, dtype=None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, an array, a Tensor).

    Example:
        >>> w = xa.tensor(2.0, requires_grad=True, name="w")
    """
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        array = np.array(data, dtype=dtypes.resolve(dtype, "tensor"))
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
        array = np.array(data)
    else:
        array = np.array(data)
        if array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype(), copy=False)
        elif array.dtype.kind in "iu":
            array = array.astype(dtypes.int64, copy=False)
        elif array.dtype.kind not in "b":
            raise TypeError(f"tensor: cannot make a tensor from data of dtype "
                            f"{array.dtype} ({type(data).__name__})")
    if array.dtype not in dtypes._SUPPORTED:
        raise TypeError(f"tensor: unsupported dtype {array.dtype}")
    return _finish(array, requires_grad, name)


def as_tensor(data, dtype=None) -> Tensor:
    """Like `tensor`, but shares `data`'s memory when it is already an array of that dtype."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    if isinstance(data, np.ndarray) and (dtype is None or
                                         data.dtype == dtypes.resolve(dtype, "as_tensor")):
        return Tensor(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    return Tensor(array)


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"expected a shape of non-negative integers, got {shape}")
    return tuple(int(s) for s in shape)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _finish(np.zeros(_shape(shape), dtypes.resolve(dtype, "zeros")), requires_grad,
                   None)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _finish(np.ones(_shape(shape), dtypes.resolve(dtype, "ones")), requires_grad,
                   None)


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`."""
    if dtype is None and isinstance(fill_value, bool):
        dtype = dtypes.bool_
    elif dtype is None and isinstance(fill_value, int):
        dtype = dtypes.int64
    return _finish(np.full(_shape((shape,)), fill_value, dtypes.resolve(dtype, "full")),
                   requires_grad, None)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); integer arguments give int64."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else None
    return _finish(np.arange(start, end, step, dtype=dtypes.resolve(dtype, "arange")),
                   requires_grad, None)


def linspace(start, end, steps: int, dtype=None) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    return Tensor(np.linspace(start, end, steps, dtype=dtypes.resolve(dtype, "linspace")))


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix."""
    return _finish(np.eye(n, m, dtype=dtypes.resolve(dtype, "eye")), requires_grad, None)


def rand(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator seeded by `manual_seed`."""
    dtype = dtypes.resolve(dtype, "rand")
    return _finish(generator().random(_shape(shape)).astype(dtype), requires_grad, None)


def randn(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by `manual_seed`."""
    dtype = dtypes.resolve(dtype, "randn")
    return _finish(generator().standard_normal(_shape(shape)).astype(dtype), requires_grad,
                   None)


def randint(low: int, high: int, shape, dtype=None) -> Tensor:
    """Integers in [low, high) (int64 by default)."""
    dtype = dtypes.resolve(dtype or dtypes.int64, "randint")
    return Tensor(generator().integers(low, high, _shape((shape,))).astype(dtype))


def randperm(n: int) -> Tensor:
    """A random permutation of 0 … n−1 (int64)."""
    return Tensor(generator().permutation(n).astype(dtypes.int64))


def _like(x: Tensor, make, dtype, requires_grad):
    return _finish(make(x.shape, dtypes.resolve(dtype, "like") if dtype is not None
                        else x.dtype), requires_grad, None)


def zeros_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _like(x, np.zeros, dtype, requires_grad)


def ones_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _like(x, np.ones, dtype, requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: np.full(s, fill_value, d), dtype, requires_grad)


def rand_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: generator().random(s).astype(d), dtype, requires_grad)


def randn_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: generator().standard_normal(s).astype(d), dtype,
                 requires_grad)
