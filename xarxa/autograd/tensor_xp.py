"""NumPy's names on Tensors: the array namespace an op's `backward` sees when the gradient
itself is to be differentiated (`create_graph=True`).

Every op writes its VJP once, against `ctx.xp`: on a first-order backward `ctx.xp` is NumPy
and the formula runs on arrays at NumPy's speed, recording nothing; on a backward with
`create_graph=True` the engine hands the same `backward` Tensors (the gradient, and the
saved values as graph Tensors, see `Function.graph_saved`) and this namespace as `ctx.xp`,
so the same lines build a differentiable graph of the gradient out of xarxa's own ops. The
arithmetic operators, comparisons, `.reshape`, `.astype`, `.sum(axis=, keepdims=)` and
`.T` already mean the same on both; what differs between NumPy and torch (`transpose` with
a full permutation, `concatenate`, `expand_dims`, `take_along_axis`, …) is spelled here
with NumPy's meaning.

Functions here take NumPy's arguments (`axis`, `keepdims`); each is a few lines over
xarxa's differentiable ops, so its own derivatives come from those ops (to any order).
"""
from __future__ import annotations

import numpy as np

from . import ops as _ops
from ..tensor import Tensor

# Array-level helpers with no graph meaning: the same object in both namespaces.
errstate = np.errstate
float16, float32, float64 = np.float16, np.float32, np.float64
newaxis = None
pi, e, inf, nan = np.pi, np.e, np.inf, np.nan

exp, log, sqrt, abs, sign = _ops.exp, _ops.log, _ops.sqrt, _ops.abs, _ops.sign  # noqa: A001
sin, cos, tan, sinh, cosh, tanh = _ops.sin, _ops.cos, _ops.tan, _ops.sinh, _ops.cosh, _ops.tanh
expm1, log1p, erf, square = _ops.expm1, _ops.log1p, _ops.erf, _ops.square
maximum, minimum, where, matmul = _ops.maximum, _ops.minimum, _ops.where, _ops.matmul
multiply, divide, subtract, negative = _ops.mul, _ops.div, _ops.sub, _ops.neg
reciprocal = _ops.reciprocal


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def asarray(x, dtype=None) -> Tensor:
    x = _tensor(x)
    return x if dtype is None or x._data.dtype == dtype else _ops.cast(x, np.dtype(dtype))


def ascontiguousarray(x) -> Tensor:
    """Layout is NumPy's concern: the value is the same Tensor."""
    return x


def add(x, y) -> Tensor:
    return _ops.add(x, y)


def zeros_like(x, dtype=None) -> Tensor:
    return Tensor(np.zeros(x.shape, dtype or x._data.dtype))


def ones_like(x, dtype=None) -> Tensor:
    return Tensor(np.ones(x.shape, dtype or x._data.dtype))


def full_like(x, value, dtype=None) -> Tensor:
    return Tensor(np.full(x.shape, value, dtype or x._data.dtype))


def zeros(shape, dtype=np.float64) -> Tensor:
    return Tensor(np.zeros(shape, dtype))


def isnan(x) -> Tensor:
    return Tensor(np.isnan(_tensor(x)._data))


def isinf(x) -> Tensor:
    return Tensor(np.isinf(_tensor(x)._data))


def sum(x, axis=None, keepdims=False, dtype=None) -> Tensor:  # noqa: A001
    out = _ops.sum(_tensor(x), axis, keepdims)
    return out if dtype is None else asarray(out, dtype)


def mean(x, axis=None, keepdims=False) -> Tensor:
    return _ops.mean(_tensor(x), axis, keepdims)


def reshape(x, shape) -> Tensor:
    return _ops.reshape(_tensor(x), tuple(shape) if not isinstance(shape, int) else (shape,))


def transpose(x, axes=None) -> Tensor:
    """NumPy's transpose: all axes reversed, or permuted by `axes`."""
    x = _tensor(x)
    return _ops.permute(x, tuple(axes) if axes is not None else tuple(range(x.ndim))[::-1])


def swapaxes(x, a: int, b: int) -> Tensor:
    return _ops.transpose(_tensor(x), a, b)


def moveaxis(x, source, destination) -> Tensor:
    x = _tensor(x)
    order = [i for i in range(x.ndim) if i != source % x.ndim]
    order.insert(destination % x.ndim, source % x.ndim)
    return _ops.permute(x, tuple(order))


def expand_dims(x, axis) -> Tensor:
    x = _tensor(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in sorted(a % (x.ndim + len(axes)) for a in axes):  # positions in the result
        x = _ops.unsqueeze(x, a)
    return x


def squeeze(x, axis=None) -> Tensor:
    return _ops.squeeze(_tensor(x), axis)


def broadcast_to(x, shape) -> Tensor:
    return _ops.broadcast_to(_tensor(x), tuple(shape))


def concatenate(arrays, axis=0) -> Tensor:
    return _ops.cat([_tensor(a) for a in arrays], dim=axis)


def stack(arrays, axis=0) -> Tensor:
    return _ops.stack([_tensor(a) for a in arrays], dim=axis)


def split(x, indices_or_sections, axis=0) -> list:
    """NumPy's split: a number of equal sections, or the indices where to cut."""
    x = _tensor(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        sizes = [n // indices_or_sections] * indices_or_sections
    else:
        cuts = [0, *indices_or_sections, n]
        sizes = [b - a for a, b in zip(cuts, cuts[1:])]
    return list(_ops.split(x, sizes, dim=axis))


def flip(x, axis=None) -> Tensor:
    x = _tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else \
        (axis if isinstance(axis, tuple) else (axis,))
    return _ops.flip(x, dims)


def take_along_axis(x, indices, axis) -> Tensor:
    """NumPy's take_along_axis (torch's gather, with NumPy's index broadcasting)."""
    x = _tensor(x)
    indices = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    shape = list(np.broadcast_shapes(
        tuple(1 if i == axis % x.ndim else n for i, n in enumerate(x.shape)),
        tuple(1 if i == axis % x.ndim else n for i, n in enumerate(indices.shape))))
    shape[axis % x.ndim] = x.shape[axis % x.ndim]
    x = _ops.broadcast_to(x, tuple(shape)) if tuple(shape) != tuple(x.shape) else x
    index_shape = list(shape)
    index_shape[axis % x.ndim] = indices.shape[axis % x.ndim]
    return _ops.gather(x, axis, Tensor(np.broadcast_to(indices, index_shape).astype(np.int64)))


def full(shape, fill_value, dtype=None) -> Tensor:
    """A Tensor `fill_value` (0-d) broadcast to `shape` stays in the graph."""
    if isinstance(fill_value, Tensor):
        value = fill_value.reshape(()) if fill_value.ndim else fill_value
        value = asarray(value, dtype)
        return _ops.broadcast_to(value, tuple(shape))
    return Tensor(np.full(shape, fill_value, dtype))


def take(x, indices, axis=None) -> Tensor:
    """NumPy's take: entries at the integer `indices` along `axis` (of the flattened `x`
    when None); a scalar index drops that axis, an array's shape replaces it."""
    x = _tensor(x)
    if axis is None:
        x, axis = _ops.reshape(x, (-1,)), 0
    axis %= x.ndim
    idx = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    picked = _ops.index_select(x, axis, idx.reshape(-1))
    return _ops.reshape(picked, x.shape[:axis] + idx.shape + x.shape[axis + 1:])
