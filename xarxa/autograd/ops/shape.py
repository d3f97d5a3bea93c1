"""Shape ops: reshape (and view, flatten, squeeze, unsqueeze), permute (and transpose),
expand, cat, stack, pad and indexing. Their backward moves gradients, never computes.

Each backward is written once, against `ctx.xp` (NumPy on arrays, `tensor_xp` on the
Tensors of a `create_graph=True` backward), or, for indexing's scatter, as a `linear_map`
whose transpose is the forward's own indexing: so every order of derivative is the same
formula."""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ..function import Function
from ._linear import linear_map
from ._out import into
from ...tensor import Tensor
from ._util import normalize_dim


class Reshape(Function):
    def forward(ctx, x, shape):
        ctx.save_for_backward(x.shape)
        return x.reshape(shape)

    def backward(ctx, grad):
        return (grad.reshape(ctx.saved[0]),)


class Permute(Function):
    def forward(ctx, x, axes):
        return x.transpose(axes)

    # the gradient goes through the inverse permutation (NumPy's transpose, on both)
    def backward(ctx, grad):
        return (ctx.xp.transpose(grad, tuple(np.argsort(ctx.attrs["axes"]))),)


class Expand(Function):
    def forward(ctx, x, shape):
        return ctx.xp.broadcast_to(x, shape)

    # the engine's unbroadcast sums the gradient back to x's shape
    def backward(ctx, grad):
        return (grad,)


class Cat(Function):
    def forward(ctx, *xs, dim=0):
        ctx.save_for_backward([x.shape[dim] for x in xs])
        return ctx.xp.concatenate(xs, axis=dim)

    # each input gets its slice of g
    def backward(ctx, grad):
        sizes, dim = ctx.saved[0], ctx.attrs["dim"]
        bounds = np.cumsum(sizes)[:-1]
        return tuple(ctx.xp.split(grad, bounds, axis=dim))


class Stack(Function):
    def forward(ctx, *xs, dim=0):
        return ctx.xp.stack(xs, axis=dim)

    def backward(ctx, grad):
        dim = ctx.attrs["dim"]
        return tuple(ctx.xp.take(grad, i, axis=dim) for i in range(grad.shape[dim]))


class Pad(Function):
    def forward(ctx, x, widths, value=0.0):
        return ctx.xp.pad(x, widths, constant_values=value)

    # the gradient is the unpadded window of g
    def backward(ctx, grad):
        window = tuple(slice(lo, grad.shape[i] - hi)
                       for i, (lo, hi) in enumerate(ctx.attrs["widths"]))
        return (grad[window],)


class GetItem(Function):
    def forward(ctx, x, index, advanced=False):
        ctx.save_for_backward(x.shape)
        return x[index]

    # scatter g back (linear in g; its transpose is the forward's x[index] itself)
    def backward(ctx, grad):
        shape, index, advanced = ctx.saved[0], ctx.attrs["index"], ctx.attrs["advanced"]
        return (linear_map(grad, lambda g: _scatter_back(g, shape, index, advanced),
                           lambda g: g[index], "GetItemBackward"),)


def _scatter_back(g, shape, index, advanced):
    """A zero array of `shape` with g written at `index`; repeated integer indices
    accumulate (np.add.at)."""
    xp = backend.namespace(g)
    dx = xp.zeros(shape, dtype=g.dtype)
    if advanced:
        xp.add.at(dx, index, g)
    else:
        dx[index] = g
    return dx


# -- wrappers ------------------------------------------------------------------------------

def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape; one dimension may be -1 (inferred)."""
    shape = _shape_arg(shape)
    known = math.prod(s for s in shape if s != -1)
    if list(shape).count(-1) > 1 or (-1 not in shape and known != x.numel()) or \
            (-1 in shape and (known == 0 or x.numel() % known)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.numel()} elements) into {shape}")
    return Reshape.apply(x, shape=shape)


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim … end_dim into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    s = normalize_dim(start_dim, x.ndim, "flatten")
    e = normalize_dim(end_dim, x.ndim, "flatten")
    shape = x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:]
    return Reshape.apply(x, shape=shape)


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (only `dim` when given, if its size is 1)."""
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        d = normalize_dim(dim, x.ndim, "squeeze")
        shape = x.shape if x.ndim == 0 or x.shape[d] != 1 else x.shape[:d] + x.shape[d + 1:]
    return Reshape.apply(x, shape=shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at `dim` (−ndim−1 ≤ dim ≤ ndim)."""
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return Reshape.apply(x, shape=x.shape[:d] + (1,) + x.shape[d:])


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the dimensions: output dim i is input dim dims[i]."""
    dims = _shape_arg(dims)
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} "
                         f"dimensions of a tensor of shape {x.shape}")
    return Permute.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    axes = list(range(x.ndim))
    d0 = normalize_dim(dim0, x.ndim, "transpose")
    d1 = normalize_dim(dim1, x.ndim, "transpose")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute.apply(x, axes=tuple(axes))


def expand(x: Tensor, *shape) -> Tensor:
    """Broadcast to `shape` without copying; -1 keeps a dimension's size."""
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: target {shape} has fewer dimensions than {x.shape}")
    full = tuple(x.shape[i - lead] if s == -1 and i >= lead else s
                 for i, s in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, full)
        if np.broadcast_shapes(x.shape, full) != full:
            raise ValueError
    except ValueError:
        raise ValueError(f"expand: cannot expand shape {x.shape} to {shape} (only size-1 "
                         "dimensions can grow)") from None
    return Expand.apply(x, shape=full)


broadcast_to = expand


def _check_same_rank(xs, op):
    if not xs:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for t in xs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}")


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate along an existing dimension; all other sizes must agree."""
    if out is not None:
        tensors = list(tensors)
        return into(out, "cat", lambda: cat(tensors, dim), tensors)
    xs = list(tensors)
    _check_same_rank(xs, "cat")
    d = normalize_dim(dim, xs[0].ndim, "cat")
    for t in xs[1:]:
        if t.ndim != xs[0].ndim or any(a != b for i, (a, b) in
                                       enumerate(zip(t.shape, xs[0].shape)) if i != d):
            raise ValueError(f"cat: shapes {xs[0].shape} and {t.shape} differ outside "
                             f"dim {d}")
    return Cat.apply(*xs, dim=d)


concatenate = cat


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equally shaped tensors along a new dimension."""
    if out is not None:
        tensors = list(tensors)
        return into(out, "stack", lambda: stack(tensors, dim), tensors)
    xs = list(tensors)
    _check_same_rank(xs, "stack")
    d = normalize_dim(dim, xs[0].ndim + 1, "stack")
    for t in xs[1:]:
        if t.shape != xs[0].shape:
            raise ValueError(f"stack: all tensors must have the same shape, got "
                             f"{xs[0].shape} and {t.shape}")
    return Stack.apply(*xs, dim=d)


def pad(x: Tensor, pad: tuple, value: float = 0.0) -> Tensor:
    """Constant padding with PyTorch's convention: `pad` lists (left, right) pairs starting
    from the *last* dimension, e.g. (1, 1, 2, 2) pads W by 1 and H by 2."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of widths covering at most {x.ndim} "
                         f"dimensions, got {tuple(pad)}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative widths are not supported, got {tuple(pad)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad.apply(x, widths=tuple(widths), value=value)


def _index_array(i):
    if isinstance(i, Tensor):
        return i._data
    if isinstance(i, list):
        return np.asarray(i)
    return i


def getitem(x: Tensor, index) -> Tensor:
    """x[index]: slices, ints, None, Ellipsis, integer arrays and boolean masks."""
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(_index_array(i) for i in items)
    advanced = any(isinstance(i, np.ndarray) for i in items)
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError(f"getitem: index arrays must be integer or boolean, got "
                             f"dtype {i.dtype}")
    index = items if isinstance(index, tuple) or advanced else items[0]
    if advanced and not isinstance(index, tuple):
        index = (index,)
    try:
        return GetItem.apply(x, index=index, advanced=advanced)
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} does not fit a tensor of shape "
                         f"{x.shape}: {e}") from None
