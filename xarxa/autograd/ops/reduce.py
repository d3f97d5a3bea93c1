"""Reductions: sum, mean, max, min (routing), var (composed), argmax/argmin (no gradient)."""
from __future__ import annotations

import builtins
from collections import namedtuple

from ..function import Function
from ...tensor import Tensor
from ._util import normalize_dim, normalize_dims

MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _expand_back(grad, shape, axes, keepdim, xp):
    """Re-insert the reduced axes of `grad` so that it broadcasts against `shape`."""
    if axes is None:  # a full reduction: one value everywhere (cheaper than broadcast_to)
        return xp.full(shape, grad.reshape(()), dtype=grad.dtype)
    if not keepdim:
        grad = xp.expand_dims(grad, axes)
    return xp.broadcast_to(grad, shape)


class Sum(Function):
    def forward(ctx, x, axes=None, keepdim=False):
        ctx.save_for_backward(x.shape)
        return x.sum(axis=axes, keepdims=keepdim)

    # d(Σx) = g copied to every summed element
    def backward(ctx, grad):
        a = ctx.attrs
        return (_expand_back(grad, ctx.saved[0], a["axes"], a["keepdim"], ctx.xp),)


class Mean(Function):
    def forward(ctx, x, axes=None, keepdim=False):
        n = x.size // builtins.max(1, _count_out(x.shape, axes))
        ctx.save_for_backward(x.shape, n)
        # sum / n: the same value as x.mean(), without np.mean's Python-level overhead
        out = ctx.xp.add.reduce(x, axis=axes, keepdims=keepdim)
        return out / n if n else out * float("nan")

    # d(mean x) = g / n for each of the n averaged elements
    def backward(ctx, grad):
        shape, n = ctx.saved
        a = ctx.attrs
        return (_expand_back(grad / n, shape, a["axes"], a["keepdim"], ctx.xp),)


def _count_out(shape, axes):
    if axes is None:
        return 1
    n = 1
    for i, s in enumerate(shape):
        if i not in axes:
            n *= s
    return n


class MaxReduce(Function):
    """max (or min with `largest=False`); the node routes g to one element per slice."""

    def forward(ctx, x, dim=None, keepdim=False, largest=True):
        xp = ctx.xp
        pick = xp.argmax if largest else xp.argmin
        if dim is None:
            index = pick(x)
            ctx.save_for_backward(x.shape, index)
            return x.reshape(-1)[index].reshape((1,) * x.ndim if keepdim else ())
        index = xp.expand_dims(pick(x, axis=dim), dim)
        ctx.save_for_backward(x.shape, index)
        out = xp.take_along_axis(x, index, axis=dim)
        return out if keepdim else out.squeeze(dim)

    # router: the whole g goes to the (first) maximal element of each slice
    def backward(ctx, grad):
        shape, index = ctx.saved
        xp, dim = ctx.xp, ctx.attrs.get("dim")
        dx = xp.zeros(shape, dtype=grad.dtype)
        if dim is None:
            dx.reshape(-1)[index] = grad.reshape(())
        else:
            g = grad if ctx.attrs.get("keepdim") else xp.expand_dims(grad, dim)
            xp.put_along_axis(dx, index, g, axis=dim)
        return (dx,)


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Sum over `dim` (an int, a tuple, or None for all elements)."""
    axes = normalize_dims(dim, x.ndim, "sum")
    return Sum.apply(x, axes=axes, keepdim=keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over `dim` (all elements when None)."""
    if x.dtype.kind != "f":
        raise TypeError(f"mean: expected a floating tensor, got dtype {x.dtype}; "
                        "convert it with .float() first")
    return Mean.apply(x, axes=normalize_dims(dim, x.ndim, "mean"), keepdim=keepdim)


def _max_min(x: Tensor, dim, keepdim: bool, largest: bool, op: str):
    if x.numel() == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    if dim is None:
        return MaxReduce.apply(x, dim=None, keepdim=keepdim, largest=largest)
    d = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:
        return MaxMin(MaxReduce.apply(x, dim=None, keepdim=False, largest=largest),
                      Tensor._from_op(x._data.astype("int64") * 0, None))
    values = MaxReduce.apply(x, dim=d, keepdim=keepdim, largest=largest)
    pick = x._data.argmax if largest else x._data.argmin
    indices = pick(axis=d, keepdims=keepdim).astype("int64")
    return MaxMin(values, Tensor._from_op(indices, None))


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The largest element, or with `dim` a `(values, indices)` pair as in PyTorch.

    The gradient is routed to the selected element only (the notes' max node); when
    several elements tie, to the first of them (the one `argmax` returns).
    """
    return _max_min(x, dim, keepdim, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """The smallest element, or with `dim` a `(values, indices)` pair; routes like `max`."""
    return _max_min(x, dim, keepdim, False, "min")


def var(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Variance Σ(x − mean)² / (n − correction); `correction=1` is PyTorch's unbiased default.

    Composed from mean, sub, mul and sum: no backward of its own.
    """
    axes = normalize_dims(dim, x.ndim, "var")
    n = x.numel() // _count_out(x.shape, axes)
    centered = x - mean(x, dim=dim, keepdim=True)
    return sum(centered * centered, dim=dim, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Standard deviation, √var."""
    from .elementwise import sqrt
    return sqrt(var(x, dim, keepdim, correction))


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when `dim` is None)."""
    if dim is None:
        return Tensor._from_op(x._data.argmax().astype("int64"), None)
    d = normalize_dim(dim, x.ndim, "argmax")
    return Tensor._from_op(x._data.argmax(axis=d, keepdims=keepdim).astype("int64"), None)


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when `dim` is None)."""
    if dim is None:
        return Tensor._from_op(x._data.argmin().astype("int64"), None)
    d = normalize_dim(dim, x.ndim, "argmin")
    return Tensor._from_op(x._data.argmin(axis=d, keepdims=keepdim).astype("int64"), None)

