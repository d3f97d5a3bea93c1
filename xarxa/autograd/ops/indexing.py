"""Indexing ops with PyTorch's names: gather, scatter, index_select, masked_fill, flip,
repeat, sort, topk, and chunk/split (slices through getitem). Their backward moves
gradients back to where the values came from; it never computes new values.

So each backward is linear in the gradient with constant indices: a `linear_map` whose
transpose is the op's forward-direction indexing (gather's is take_along_axis, its
scatter-add's), or a call of `ctx.xp` that means the same on arrays and on Tensors. That
one formula serves first order (arrays) and `create_graph=True` (Tensors) alike."""
from __future__ import annotations

import numpy as np

from ... import backend
from ..function import Function
from ._linear import linear_map
from ._out import into
from ...tensor import Tensor
from ... import return_types
from ._util import normalize_dim
from .shape import getitem, transpose


def _index(index, op: str, name: str = "index") -> np.ndarray:
    """An integer index array (a Tensor, array or list), with the op named when it isn't."""
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected {name} of an integer dtype (int64), got dtype "
                        f"{a.dtype}")
    return a


def _check_range(idx: np.ndarray, size: int, op: str, dim: int) -> None:
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise IndexError(f"{op}: index out of range for dimension {dim} of size {size} "
                         f"(got indices in [{idx.min()}, {idx.max()}])")


class Gather(Function):
    def forward(ctx, x, index=None, dim=0):
        ctx.save_for_backward(x.shape)
        return ctx.xp.take_along_axis(x, index, axis=dim)

    # each gathered element's gradient goes back to where it was read (repeats add up);
    # the transpose of that scatter-add is the gather itself
    def backward(ctx, grad):
        shape, index, dim = ctx.saved[0], ctx.attrs["index"], ctx.attrs["dim"]
        return (linear_map(grad, lambda g: _add_at(g, shape, _along(index, dim)),
                           lambda g: backend.namespace(g).take_along_axis(g, index, axis=dim),
                           "GatherBackward"),)


def _add_at(g, shape, where):
    """A zero array of `shape` with g added at `where` (repeated places add up)."""
    xp = backend.namespace(g)
    dx = xp.zeros(shape, dtype=g.dtype)
    xp.add.at(dx, where, g)
    return dx


def _zero_at(g, where):
    """A copy of g with zeros at `where` (a projection: its own transpose)."""
    dx = g.copy()
    dx[where] = 0
    return dx


def _along(index, dim):
    """The full index tuple that addresses index[...] along `dim` (the other axes by place)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


class Scatter(Function):
    def forward(ctx, x, src, index=None, dim=0, value=None):  # value: the form, for names.py
        out = x.copy()
        out[_along(index, dim)] = src
        return out

    # x's gradient is g where nothing was written; src's is g read at the written places.
    # (Where an index repeats, the last write wins, as on PyTorch's CPU.)
    def backward(ctx, grad):
        where = _along(ctx.attrs["index"], ctx.attrs["dim"])
        dx = dsrc = None
        if ctx.needs_input_grad[0]:
            dx = linear_map(grad, lambda g: _zero_at(g, where), lambda g: _zero_at(g, where),
                            "ScatterBackward")
        if ctx.needs_input_grad[1]:
            shape = grad.shape  # the reading's transpose adds back into the output's shape
            dsrc = linear_map(grad, lambda g: g[where], lambda g: _add_at(g, shape, where),
                              "ScatterBackward")
        return dx, dsrc


class IndexSelect(Function):
    def forward(ctx, x, index=None, dim=0):
        ctx.save_for_backward(x.shape)
        return ctx.xp.take(x, index, axis=dim)

    # the selected slices' gradients add back into place; the transpose is the selection
    def backward(ctx, grad):
        shape, dim, index = ctx.saved[0], ctx.attrs["dim"], ctx.attrs["index"]
        return (linear_map(grad, lambda g: _add_slices(g, shape, index, dim),
                           lambda g: backend.namespace(g).take(g, index, axis=dim),
                           "IndexSelectBackward"),)


def _add_slices(g, shape, index, dim):
    """A zero array of `shape` with g's slices along `dim` added at `index` (repeats add)."""
    xp = backend.namespace(g)
    dx = xp.zeros(shape, dtype=g.dtype)
    xp.add.at(xp.moveaxis(dx, dim, 0), index, xp.moveaxis(g, dim, 0))
    return dx


class MaskedFill(Function):
    def forward(ctx, x, mask=None, value=0.0):
        return ctx.xp.where(mask, np.asarray(value, dtype=x.dtype), x)

    # the filled places got a constant: no gradient there (a projection, its own transpose)
    def backward(ctx, grad):
        mask = ctx.attrs["mask"]
        return (linear_map(grad, lambda g: _masked_zero(g, mask), lambda g: _masked_zero(g, mask),
                           "MaskedFillBackward"),)


def _masked_zero(g, mask):
    """g with zeros where the (broadcast) mask is True."""
    return backend.namespace(g).where(mask, 0, g).astype(g.dtype, copy=False)


class Flip(Function):
    def forward(ctx, x, dims=()):
        return ctx.xp.flip(x, dims)

    def backward(ctx, grad):
        return (ctx.xp.flip(grad, ctx.attrs["dims"]),)


class Repeat(Function):
    def forward(ctx, x, reps=()):
        ctx.save_for_backward(x.shape)
        return ctx.xp.tile(x, reps)

    # the gradient of each copy is summed back: split every axis into (reps, size)
    def backward(ctx, grad):
        reps, shape = ctx.attrs["reps"], ctx.saved[0]
        shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split = [n for r, s in zip(reps, shape) for n in (r, s)]
        g = grad.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(ctx.saved[0]),)


class Contiguous(Function):
    """`Tensor.contiguous()` of a strided array: a C-ordered copy (the gradient is g)."""

    def forward(ctx, x):
        return ctx.xp.ascontiguousarray(x)

    def backward(ctx, grad):
        return (grad,)


# -- wrappers ------------------------------------------------------------------------------

def _check_tensor(x, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")


def gather(input: Tensor, dim: int, index, *, out=None) -> Tensor:  # noqa: A002 - PyTorch's name
    """out[i][j] = input[index[i][j]][j] for dim=0 (and so on): values read along `dim` at
    `index`, which has input's number of dimensions (sizes ≤ input's outside `dim`)."""
    if out is not None:
        return into(out, "gather", lambda: gather(input, dim, index), input)
    _check_tensor(input, "gather")
    d = normalize_dim(dim, input.ndim, "gather")
    idx = _index(index, "gather")
    if idx.ndim == 0 or input.ndim == 0:  # 0-d counts as 1-d of one element (PyTorch's)
        from .shape import reshape
        got = gather(reshape(input, 1) if input.ndim == 0 else input, dim, idx.reshape(-1))
        return reshape(got, ()) if idx.ndim == 0 else got
    if idx.ndim != max(input.ndim, 1) or any(
            i != d and n > m for i, (n, m) in enumerate(zip(idx.shape, input.shape))):
        raise ValueError(f"gather: index of shape {idx.shape} does not fit input of shape "
                         f"{input.shape} along dim {d} (same number of dimensions, sizes "
                         "no larger outside dim)")
    _check_range(idx, input.shape[d] if input.ndim else 1, "gather", d)
    if input.ndim and idx.shape != input.shape:  # take_along_axis broadcasts: crop instead
        input = getitem(input, tuple(slice(0, n) if i != d else slice(None)
                                     for i, n in enumerate(idx.shape)))
    return Gather.apply(input, index=idx.astype(np.int64, copy=False), dim=d)


def scatter(input: Tensor, dim: int, index, src=None, value=None) -> Tensor:  # noqa: A002
    """A copy of `input` with out[index[i][j]][j] = src[i][j] for dim=0 (and so on), or
    `value` everywhere `index` points. Out of place; `Tensor.scatter_` writes in place."""
    _check_tensor(input, "scatter")
    if (src is None) == (value is None):
        raise TypeError("scatter: expected exactly one of src (a Tensor) or value (a number)")
    d = normalize_dim(dim, input.ndim, "scatter")
    idx = _index(index, "scatter")
    if input.ndim == 0 or idx.ndim == 0 or (isinstance(src, Tensor) and src.ndim == 0):
        # 0-d tensors count as 1-d of one element, as in PyTorch: the one-hot idiom
        # zeros(10).scatter_(0, tensor(y), value=1)
        from .shape import reshape
        flat = scatter(reshape(input, 1) if input.ndim == 0 else input, dim,
                       idx.reshape(-1) if idx.ndim == 0 else idx,
                       reshape(src, 1) if isinstance(src, Tensor) and src.ndim == 0 else src,
                       value)
        return reshape(flat, ()) if input.ndim == 0 else flat
    if idx.ndim != input.ndim or any(i != d and n > m for i, (n, m)
                                     in enumerate(zip(idx.shape, input.shape))):
        raise ValueError(f"scatter: index of shape {idx.shape} does not fit input of shape "
                         f"{input.shape} along dim {d}")
    _check_range(idx, input.shape[d], "scatter", d)
    if src is None:
        src = Tensor(np.full(idx.shape, value, dtype=input.dtype))
    elif not isinstance(src, Tensor):
        src = Tensor(np.asarray(src, dtype=input.dtype))
    if src.ndim != idx.ndim or any(n > m for n, m in zip(idx.shape, src.shape)):
        raise ValueError(f"scatter: src of shape {src.shape} is smaller than index of shape "
                         f"{idx.shape}")
    if src.shape != idx.shape:
        src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    return Scatter.apply(input, src, index=idx.astype(np.int64, copy=False), dim=d,
                         value=value)


def index_select(input: Tensor, dim: int, index, *, out=None) -> Tensor:  # noqa: A002
    """The entries of `input` at the 1-D `index` along `dim`."""
    if out is not None:
        return into(out, "index_select", lambda: index_select(input, dim, index), input)
    _check_tensor(input, "index_select")
    d = normalize_dim(dim, input.ndim, "index_select")
    idx = _index(index, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: expected a 1-D index, got shape {idx.shape}")
    _check_range(idx, input.shape[d] if input.ndim else 1, "index_select", d)
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), index=idx, dim=0).reshape(())
    return IndexSelect.apply(input, index=idx, dim=d)


def masked_fill(input: Tensor, mask, value) -> Tensor:  # noqa: A002
    """`input` with `value` wherever the bool `mask` (broadcast to input's shape) is True."""
    _check_tensor(input, "masked_fill")
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype.kind != "b":
        raise TypeError(f"masked_fill: expected a bool mask, got dtype {m.dtype}")
    try:
        if np.broadcast_shapes(m.shape, input.shape) != input.shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the "
                         f"input's shape {input.shape}") from None
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got "
                             f"shape {value.shape}")
        value = value.item()
    return MaskedFill.apply(input, mask=m, value=value)


def flip(input: Tensor, dims) -> Tensor:  # noqa: A002
    """Reverse the order of the elements along each of `dims`."""
    _check_tensor(input, "flip")
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(normalize_dim(d, input.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"flip: dims {dims} name a dimension twice")
    return Flip.apply(input, dims=axes)


def repeat(input: Tensor, *sizes) -> Tensor:  # noqa: A002
    """Tile `input` sizes[i] times along dimension i (PyTorch's `Tensor.repeat`)."""
    _check_tensor(input, "repeat")
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < input.ndim:
        raise ValueError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller "
                         f"than the number of tensor dims ({input.ndim})")
    if any(not isinstance(s, (int, np.integer)) or s < 0 for s in sizes):
        raise ValueError(f"repeat: expected non-negative integers, got {sizes}")
    return Repeat.apply(input, reps=tuple(int(s) for s in sizes))


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces along `dim`: of `split_size_or_sections` each (the last may be smaller), or of
    the listed sizes (which must add up to the dimension's size). Each is a slice."""
    _check_tensor(tensor, "split")
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    s = split_size_or_sections
    if isinstance(s, (int, np.integer)):
        if s <= 0:
            raise ValueError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] or [0]
    else:
        sizes = [int(v) for v in s]
        if sum(sizes) != n or any(v < 0 for v in sizes):
            raise ValueError(f"split: sizes {sizes} must be non-negative and add up to "
                             f"{n}, the size of dim {d}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(tensor, (slice(None),) * d + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """At most `chunks` pieces along `dim`, each of ceil(size / chunks) (as PyTorch)."""
    _check_tensor(input, "chunk")
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: expected a positive number of chunks, got {chunks}")
    n = input.shape[normalize_dim(dim, input.ndim, "chunk")]
    return split(input, max(-(-n // chunks), 1), dim)


def sort(input: Tensor, dim: int = -1, descending: bool = False,  # noqa: A002
         stable: bool = False, *, out=None):
    """(values, indices) sorted along `dim`; values are differentiable, indices int64."""
    if out is not None:
        return into(out, "sort", lambda: sort(input, dim, descending, stable), input)
    _check_tensor(input, "sort")
    d = normalize_dim(dim, input.ndim, "sort")
    if input.ndim == 0:
        return return_types.sort(input * 1, Tensor(np.zeros((), np.int64)))
    a = input._data
    # a stable sort of -a keeps equal elements in order for descending=True as well
    order = np.argsort(-a if descending else a, axis=d, kind="stable")
    return return_types.sort(gather(input, d, order), Tensor(order.astype(np.int64)))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True, *, out=None):  # noqa: A002
    """The `k` largest (or smallest) entries along `dim`, as (values, indices), always in
    sorted order (sorted=False is accepted: any order is allowed then)."""
    if out is not None:
        return into(out, "topk", lambda: topk(input, k, dim, largest, sorted), input)
    _check_tensor(input, "topk")
    d = normalize_dim(dim, input.ndim, "topk")
    n = input.shape[d] if input.ndim else 1
    if not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueError(f"topk: k ({k}) out of range for dimension {d} of size {n}")
    values, indices = sort(input, d, descending=largest)
    if input.ndim == 0:
        return return_types.topk(values, indices)
    cut = (slice(None),) * d + (slice(0, k),)
    return return_types.topk(getitem(values, cut), Tensor(indices._data[cut]))


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose a matrix (dims 0 and 1); a 0-D or 1-D tensor is returned as it is."""
    _check_tensor(input, "t")
    if input.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape "
                         f"{input.shape}; use transpose(dim0, dim1) or .mT")
    return transpose(input, 0, 1) if input.ndim == 2 else input
