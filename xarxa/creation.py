"""Tensor constructors: `tensor`, `zeros`, `ones`, `full`, `empty`, `arange`, `linspace`,
`eye`, `rand`, `randn`, `randint`, `randperm` and their `*_like` forms, with PyTorch's
signatures: the shape as `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))`, and the
keywords `dtype=`, `device=` and `requires_grad=` on every one of them.

Python floats give float32 (the default dtype), Python ints int64, bools bool; an ndarray
keeps its dtype unless `dtype=` says otherwise. `device=` accepts 'cpu' (or a `xa.device`);
any other device is the error of `xarxa.devices.check`.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .devices import check as _check_device
from .random import generator as _global_generator
from .random import resolve_generator as _rng
from .tensor import Tensor


def _finish(array, requires_grad: bool, name: str | None = None) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, name=name)


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           name: str | None = None, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, an array, a Tensor).

    Example:
        >>> w = xa.tensor(2.0, requires_grad=True, name="w")
    """
    _check_device(device, "tensor")
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


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like `tensor`, but shares `data`'s memory when it is already an array of that dtype."""
    _check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or
                                     data.dtype == dtypes.resolve(dtype, "as_tensor")):
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


def _shape(shape: tuple, size, op: str) -> tuple:
    """`(2, 3)` from `f(2, 3)`, `f((2, 3))`, `f([2, 3])` or `f(size=(2, 3))`."""
    if size is not None:
        if shape:
            raise TypeError(f"{op}: give the shape either positionally or as size=, not both")
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"{op}: expected a shape of non-negative integers, got "
                             f"{tuple(shape)}")
    return tuple(int(s) for s in shape)


def _make(op, shape, size, dtype, device, requires_grad, fill):
    _check_device(device, op)
    return _finish(fill(_shape(shape, size, op), dtypes.resolve(dtype, op)), requires_grad)


def zeros(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make("zeros", shape, size, dtype, device, requires_grad, np.zeros)


def ones(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make("ones", shape, size, dtype, device, requires_grad, np.ones)


def empty(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not set (whatever the memory held), as PyTorch's `empty`."""
    return _make("empty", shape, size, dtype, device, requires_grad, np.empty)


def _fill_dtype(fill_value, dtype):
    """PyTorch's dtype for `full`: bool for bools, int64 for ints, else the default float."""
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        return dtypes.bool
    if dtype is None and isinstance(fill_value, (int, np.integer)):
        return dtypes.int64
    return dtype


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = _fill_dtype(fill_value, dtype)
    return _make("full", (size,), None, dtype, device, requires_grad,
                 lambda s, d: np.full(s, fill_value, d))


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); integer arguments give int64."""
    _check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else None
    return _finish(np.arange(start, end, step, dtype=dtypes.resolve(dtype, "arange")),
                   requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    _check_device(device, "linspace")
    return _finish(np.linspace(start, end, steps, dtype=dtypes.resolve(dtype, "linspace")),
                   requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix."""
    _check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=dtypes.resolve(dtype, "eye")), requires_grad)


def rand(*shape, size=None, generator=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator seeded by `manual_seed`."""
    rng = _rng(generator, "rand")
    return _make("rand", shape, size, dtype, device, requires_grad,
                 lambda s, d: rng.random(s).astype(d))


def randn(*shape, size=None, generator=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by `manual_seed`."""
    rng = _rng(generator, "randn")
    return _make("randn", shape, size, dtype, device, requires_grad,
                 lambda s, d: rng.standard_normal(s).astype(d))


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64 by default), PyTorch's overloads:
    `randint(high, size)`, `randint(low, high, size)`, with `low=`, `high=`, `size=` as
    keywords (`randint(10, size=(3,))`, `randint(2, 10, size=(3,))`)."""
    if len(args) > 3:
        raise TypeError(f"randint: expected randint(high, size) or randint(low, high, size), "
                        f"got {len(args)} positional arguments")
    given = {"low": low, "high": high, "size": size}
    names = {3: ("low", "high", "size"),
             2: ("low", "high") if size is not None else ("high", "size"),
             1: ("low",) if high is not None else ("high",), 0: ()}[len(args)]
    for name, value in zip(names, args):
        if given[name] is not None:
            raise TypeError(f"randint: got multiple values for argument '{name}'")
        given[name] = value
    low, high, size = (0 if given["low"] is None else given["low"]), given["high"], given["size"]
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size); "
                        f"missing {'high' if high is None else 'size'}")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints, not {type(size).__name__} "
                        "(write size=(n,))")
    if not low < high:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    rng = _rng(generator, "randint")
    dtype = dtypes.int64 if dtype is None else dtype
    return _make("randint", (), size, dtype, device, requires_grad,
                 lambda s, d: rng.integers(low, high, s).astype(d))


def randperm(n: int, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 … n−1 (int64 by default)."""
    _check_device(device, "randperm")
    dtype = dtypes.resolve(dtypes.int64 if dtype is None else dtype, "randperm")
    return _finish(_rng(generator, "randperm").permutation(n).astype(dtype), requires_grad)


def _like(op, x: Tensor, fill, dtype, device, requires_grad):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    _check_device(device, op)
    dtype = x.dtype if dtype is None else dtypes.resolve(dtype, op)
    return _finish(fill(x.shape, dtype), requires_grad)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of x's shape (and dtype unless `dtype=`)."""
    return _like("zeros_like", x, np.zeros, dtype, device, requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of x's shape (and dtype unless `dtype=`)."""
    return _like("ones_like", x, np.ones, dtype, device, requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An unset tensor of x's shape (and dtype unless `dtype=`)."""
    return _like("empty_like", x, np.empty, dtype, device, requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """`fill_value` in x's shape (and dtype unless `dtype=`)."""
    return _like("full_like", x, lambda s, d: np.full(s, fill_value, d), dtype, device,
                 requires_grad)


def rand_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of x's shape (and dtype unless `dtype=`)."""
    return _like("rand_like", x, lambda s, d: _global_generator().random(s).astype(d), dtype,
                 device, requires_grad)


def randn_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples of x's shape (and dtype unless `dtype=`)."""
    return _like("randn_like", x, lambda s, d: _global_generator().standard_normal(s).astype(d),
                 dtype, device, requires_grad)
