"""Export of the shape and indexing ops: reshapes (written to hold for any batch size),
permutations, concatenation, padding, slicing (`x[...]`), gathers, flips and repeats."""
from __future__ import annotations

import numpy as np

from ..autograd.ops import indexing as I, shape as S
from ._emit import INT64_MIN, emits, reshape_to, unsqueeze


@emits(S.Reshape)
def _reshape(g, op):
    return [reshape_to(g, op.names[0], op.values[0].shape, op.outs[0].shape)]


@emits(S.Permute)
def _permute(g, op):
    return [g.node("Transpose", [op.names[0]], perm=[int(a) for a in op.attrs["axes"]])]


@emits(S.Expand)
def _expand(g, op):
    """Dims the input already has are written as 1 (keep): a batch of any size expands."""
    shape, in_shape = list(op.outs[0].shape), op.values[0].shape
    lead = len(shape) - len(in_shape)
    target = [1 if i >= lead and in_shape[i - lead] == n else n for i, n in enumerate(shape)]
    return [g.node("Expand", [op.names[0], g.ints(target)])]


@emits(S.Cat)
def _cat(g, op):
    return [g.node("Concat", list(op.names), axis=int(op.attrs["dim"]))]


@emits(S.Stack)
def _stack(g, op):
    d = int(op.attrs["dim"])
    return [g.node("Concat", [unsqueeze(g, n, [d]) for n in op.names], axis=d)]


@emits(S.Pad)
def _pad(g, op):
    widths = op.attrs["widths"]
    pads = [int(w[0]) for w in widths] + [int(w[1]) for w in widths]
    value = g.scalar(op.attrs.get("value", 0.0), op.values[0])
    return [g.node("Pad", [op.names[0], g.ints(pads, "pads"), value], mode="constant")]


def _slice_bounds(s: slice, n: int):
    """(start, end, step) of a Python slice on a dimension of size n, in ONNX's terms."""
    start, stop, step = s.indices(n)
    if step < 0 and stop < 0:
        stop = INT64_MIN   # through index 0 (ONNX clamps a negative-step end to -1)
    return start, stop, step


@emits(S.GetItem)
def _getitem(g, op):
    x, xv, index = op.names[0], op.values[0], op.attrs["index"]
    items = index if isinstance(index, tuple) else (index,)
    if op.attrs.get("advanced"):
        arrays = [k for k, i in enumerate(items) if isinstance(i, np.ndarray)]
        plain = all(isinstance(i, slice) and i == slice(None) for k, i in enumerate(items)
                    if k not in arrays)
        if len(arrays) != 1 or items[arrays[0]].dtype.kind == "b" or not plain:
            raise g.unsupported("only one integer index array (the other axes whole) has an "
                                "ONNX form (Gather)")
        k = arrays[0]
        idx = op.tracer.array_name(items[k].astype(np.int64, copy=False), "index")
        return [g.node("Gather", [x, idx], axis=k)]
    given = sum(1 for i in items if i is not None and i is not Ellipsis)
    full: list = []
    for i in items:
        full.extend([slice(None)] * (xv.ndim - given) if i is Ellipsis else [i])
    starts, ends, axes, steps, d = [], [], [], [], 0
    sliced = list(xv.shape)
    for i in full:
        if i is None:
            continue
        if isinstance(i, slice):
            start, end, step = _slice_bounds(i, xv.shape[d])
            size = len(range(*i.indices(xv.shape[d])))
        else:
            start, end, step, size = int(i) % xv.shape[d], int(i) % xv.shape[d] + 1, 1, 1
        if size != xv.shape[d] or step != 1:
            starts.append(start), ends.append(end), axes.append(d), steps.append(step)
            sliced[d] = size
        d += 1
    y = x
    if axes:
        y = g.node("Slice", [x, g.ints(starts, "starts"), g.ints(ends, "ends"),
                             g.ints(axes, "axes"), g.ints(steps, "steps")])
    return [reshape_to(g, y, tuple(sliced), op.outs[0].shape)]


@emits(I.IndexSelect)
def _index_select(g, op):
    idx = op.tracer.array_name(op.attrs["index"], "index")
    return [g.node("Gather", [op.names[0], idx], axis=int(op.attrs["dim"]))]


@emits(I.Gather)
def _gather(g, op):
    idx = op.tracer.array_name(op.attrs["index"], "index")
    return [g.node("GatherElements", [op.names[0], idx], axis=int(op.attrs["dim"]))]


@emits(I.MaskedFill)
def _masked_fill(g, op):
    mask = op.tracer.array_name(np.asarray(op.attrs["mask"], dtype=bool), "mask")
    value = g.scalar(op.attrs.get("value", 0.0), op.values[0])
    return [g.node("Where", [mask, value, op.names[0]])]


@emits(I.Flip)
def _flip(g, op):
    dims = [int(d) for d in op.attrs["dims"]]
    n = len(dims)
    return [g.node("Slice", [op.names[0], g.ints([-1] * n, "starts"),
                             g.ints([INT64_MIN] * n, "ends"), g.ints(dims, "axes"),
                             g.ints([-1] * n, "steps")])]


@emits(I.Repeat)
def _repeat(g, op):
    reps, shape = [int(r) for r in op.attrs["reps"]], op.values[0].shape
    x = op.names[0]
    if len(reps) > len(shape):   # PyTorch's repeat adds leading dimensions first
        x = unsqueeze(g, x, list(range(len(reps) - len(shape))))
    return [g.node("Tile", [x, g.ints(reps, "repeats")])]
