"""Import of the shape and indexing ops: Reshape, Flatten, (Un)Squeeze, Transpose, Expand,
Concat, Split, Slice, Gather, Tile, Pad, and the shape arithmetic PyTorch writes around
them (Shape, Size, ConstantOfShape, Range), computed with NumPy on integer tensors."""
from __future__ import annotations

import math

import numpy as np

from ..autograd import ops
from ..tensor import Tensor
from ._convert import Unsupported, is_float, arr, const, converts, ints


def _reshape(x, shape):
    return x.reshape(tuple(shape)) if is_float(x) else const(arr(x).reshape(tuple(shape)))


@converts("Reshape")
def _reshape_node(m, args, a):
    x, shape = args[0], ints(args[1])
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if n == 0 else n for i, n in enumerate(shape)]
    return (_reshape(x, shape),)


@converts("Flatten")
def _flatten(m, args, a):
    x = args[0]
    axis = int(a.get("axis", 1)) % (x.ndim + 1) if x.ndim else 0
    return (_reshape(x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))),)


@converts("Unsqueeze")
def _unsqueeze(m, args, a):
    x = args[0]
    axes = ints(args[1]) if len(args) > 1 and args[1] is not None else a["axes"]
    n = x.ndim + len(axes)
    axes = sorted(d % n for d in axes)
    shape = list(x.shape)
    for d in axes:
        shape.insert(d, 1)
    return (_reshape(x, shape),)


@converts("Squeeze")
def _squeeze(m, args, a):
    x = args[0]
    axes = ints(args[1]) if len(args) > 1 and args[1] is not None else a.get("axes")
    drop = {d % x.ndim for d in axes} if axes else {i for i, n in enumerate(x.shape) if n == 1}
    return (_reshape(x, [n for i, n in enumerate(x.shape) if i not in drop]),)


@converts("Transpose")
def _transpose(m, args, a):
    x = args[0]
    perm = a.get("perm") or list(reversed(range(x.ndim)))
    if not is_float(x):
        return (const(arr(x).transpose(perm)),)
    return (ops.permute(x, perm),)


@converts("Expand")
def _expand(m, args, a):
    x = args[0]
    shape = np.broadcast_shapes(tuple(x.shape), tuple(ints(args[1])))
    if not is_float(x):
        return (const(np.broadcast_to(arr(x), shape).copy()),)
    return (ops.broadcast_to(x, shape),)


@converts("Concat")
def _concat(m, args, a):
    xs = [x for x in args if x is not None]
    axis = int(a["axis"])
    if not any(is_float(x) for x in xs):
        return (const(np.concatenate([arr(x) for x in xs], axis=axis)),)
    return (ops.cat(xs, dim=axis),)


@converts("Split")
def _split(m, args, a):
    x, axis = args[0], int(a.get("axis", 0))
    if len(args) > 1 and args[1] is not None:
        sizes = ints(args[1])
    elif a.get("split"):
        sizes = list(a["split"])
    else:
        n = a.get("num_outputs", a["_outputs"])
        step = -(-x.shape[axis] // n)
        sizes = [min(step, x.shape[axis] - i * step) for i in range(n)]
    return tuple(ops.split(x, sizes, dim=axis))


def _slice_index(shape, starts, ends, axes, steps):
    index = [slice(None)] * len(shape)
    for start, end, axis, step in zip(starts, ends, axes, steps):
        n = shape[axis]
        if step > 0:
            start = min(max(start + n if start < 0 else start, 0), n)
            end = min(max(end + n if end < 0 else end, 0), n)
        else:
            start = min(max(start + n if start < 0 else start, -1), n - 1)
            end = min(max(end + n if end < 0 else end, -1), n - 1)
            if end < 0:
                end = None
            if start < 0:
                start, end = 0, 0
        index[axis % len(shape)] = slice(start, end, step)
    return tuple(index)


@converts("Slice")
def _slice(m, args, a):
    x = args[0]
    starts, ends = ints(args[1]), ints(args[2])
    axes = ints(args[3]) if len(args) > 3 and args[3] is not None else list(range(len(starts)))
    steps = ints(args[4]) if len(args) > 4 and args[4] is not None else [1] * len(starts)
    axes = [d % x.ndim for d in axes]
    index = _slice_index(x.shape, starts, ends, axes, steps)
    return (x[index] if is_float(x) else const(arr(x)[index]),)


@converts("Gather")
def _gather(m, args, a):
    """np.take: the index may have any shape (a table look-up when axis = 0)."""
    x, idx = args[0], arr(args[1]).astype(np.int64)
    axis = int(a.get("axis", 0)) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    if not is_float(x):
        return (const(np.take(arr(x), idx, axis=axis)),)
    out = ops.index_select(x, axis, Tensor(idx.reshape(-1)))
    return (out.reshape(tuple(x.shape[:axis]) + idx.shape + tuple(x.shape[axis + 1:])),)


@converts("GatherElements")
def _gather_elements(m, args, a):
    x, idx = args[0], arr(args[1]).astype(np.int64)
    axis = int(a.get("axis", 0)) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return (ops.gather(x, axis, Tensor(idx)),)


@converts("Tile")
def _tile(m, args, a):
    reps = ints(args[1])
    return (args[0].repeat(*reps) if is_float(args[0]) else const(np.tile(arr(args[0]), reps)),)


@converts("Pad")
def _pad(m, args, a):
    x = args[0]
    if a.get("mode", "constant") != "constant":
        raise Unsupported(f"Pad mode {a.get('mode')!r} (only 'constant')")
    pads = ints(args[1])
    value = float(arr(args[2])) if len(args) > 2 and args[2] is not None else 0.0
    axes = ints(args[3]) if len(args) > 3 and args[3] is not None else list(range(x.ndim))
    if min(pads, default=0) < 0:
        raise Unsupported("Pad with negative pads (cropping)")
    k = len(axes)
    widths = {d % x.ndim: (pads[i], pads[i + k]) for i, d in enumerate(axes)}
    flat = []
    for d in reversed(range(x.ndim)):   # PyTorch's order: the last dimension first
        flat += list(widths.get(d, (0, 0)))
    return (ops.pad(x, tuple(flat), value),)


@converts("Shape")
def _shape(m, args, a):
    shape = np.asarray(args[0].shape, dtype=np.int64)
    return (const(shape[a.get("start", 0):a.get("end", None)]),)


@converts("Size")
def _size(m, args, a):
    return (const(np.int64(args[0].numel())),)


@converts("ConstantOfShape")
def _constant_of_shape(m, args, a):
    value = arr(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return (const(np.full(ints(args[0]), value.reshape(-1)[0], dtype=value.dtype)),)


@converts("Range")
def _range(m, args, a):
    start, limit, delta = (arr(t).reshape(()) for t in args)
    return (const(np.arange(start, limit, delta).astype(start.dtype)),)
