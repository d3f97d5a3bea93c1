"""Reductions: sum, mean, max, min (routing), var/std (one node), argmax/argmin (no
gradient).

float16 is summed in float32 and divided there (PyTorch's accumulate type): a float16 count
above 65,504 is inf, so `x / n` in float16 would give 0 for any mean of that many elements.
"""
from __future__ import annotations

import builtins
import warnings

from ... import backend
from ..function import Function
from ._linear import linear_map
from ._out import into
from ...tensor import Tensor
from ... import return_types
from ._util import normalize_dim, normalize_dims



def accumulate_dtype(dtype):
    """The dtype to sum `dtype` values in: float32 for float16, else None (the same)."""
    return "float32" if dtype.kind == "f" and dtype.itemsize < 4 else None


def narrow(a, dtype, xp):
    """`a` (accumulated in float32) back in float16: beyond its range it is ±inf, as in
    PyTorch, without NumPy's overflow warning."""
    if accumulate_dtype(dtype) is None:     # float32/float64: nothing to narrow (hot path)
        return xp.asarray(a, dtype=dtype)
    with xp.errstate(over="ignore"):
        return xp.asarray(a, dtype=dtype)


def _keep_dims(grad, shape, axes):
    """`grad` of a reduction over `axes` without keepdim, with the reduced axes back as
    size 1. A reshape, not `expand_dims`: the same view on arrays (NumPy's expand_dims is
    this reshape after Python-level checks), and the same call on Tensors."""
    return grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _expand_back(grad, shape, axes, keepdim, xp):
    """Re-insert the reduced axes of `grad` so that it broadcasts against `shape`."""
    if axes is None:  # a full reduction: one value everywhere (cheaper than broadcast_to)
        return xp.full(shape, grad.reshape(()), dtype=grad.dtype)
    if not keepdim:
        grad = _keep_dims(grad, shape, axes)
    return xp.broadcast_to(grad, shape)


def _count_in(shape, axes) -> int:
    """How many elements each output value reduces (a Python int: it never overflows)."""
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


class Sum(Function):
    def forward(ctx, x, axes=None, keepdim=False):
        ctx.save_for_backward(x.shape)
        acc = accumulate_dtype(x.dtype)
        if acc is None:
            return x.sum(axis=axes, keepdims=keepdim)
        return narrow(x.sum(axis=axes, keepdims=keepdim, dtype=acc), x.dtype, ctx.xp)

    # d(Σx) = g copied to every summed element
    def backward(ctx, grad):
        a = ctx.attrs
        return (_expand_back(grad, ctx.saved[0], a["axes"], a["keepdim"], ctx.xp),)


class Mean(Function):
    def forward(ctx, x, axes=None, keepdim=False):
        n = _count_in(x.shape, axes)
        ctx.save_for_backward(x.shape, n)
        acc = accumulate_dtype(x.dtype)
        # sum / n: the same value as x.mean(), without np.mean's Python-level overhead
        out = ctx.xp.add.reduce(x, axis=axes, keepdims=keepdim, dtype=acc)
        out = out / n if n else out * float("nan")   # the mean of nothing is NaN (PyTorch)
        return out if acc is None else narrow(out, x.dtype, ctx.xp)

    # d(mean x) = g / n for each of the n averaged elements
    def backward(ctx, grad):
        shape, n = ctx.saved
        a = ctx.attrs
        acc = accumulate_dtype(grad.dtype)
        if acc is None:
            g = grad / n if n else grad
        else:                                   # float16: n may exceed 65,504
            g = narrow(grad.astype(acc) / n if n else grad, grad.dtype, ctx.xp)
        return (_expand_back(g, shape, a["axes"], a["keepdim"], ctx.xp),)


class Var(Function):
    """Σ(x − x̄)² / (n − correction), or its square root with `sqrt=True`, as one node."""

    def forward(ctx, x, axes=None, keepdim=False, correction=1, sqrt=False):
        xp = ctx.xp
        n = _count_in(x.shape, axes)
        dof = builtins.max(n - correction, 0)
        acc = accumulate_dtype(x.dtype)
        xa = x if acc is None else x.astype(acc)
        # n or dof = 0 gives NaN or inf, as in PyTorch (var/std warn about it)
        with xp.errstate(divide="ignore", invalid="ignore"):
            centered = xa - xa.sum(axis=axes, keepdims=True) / n
            out = (centered * centered).sum(axis=axes, keepdims=keepdim) / dof
            if sqrt:
                out = xp.sqrt(out)
        ctx.save_for_backward(centered, out, dof)
        return narrow(out, x.dtype, xp)

    # d var = g·2(x − x̄)/(n − c);  d std = d var / (2·std), taken as 0 where std = 0 (constant
    # values: PyTorch's choice, where 0·∞ would give NaN)
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        centered, out, dof = ctx.saved
        g = grad if accumulate_dtype(grad.dtype) is None else grad.astype(centered.dtype)
        with xp.errstate(divide="ignore", invalid="ignore"):
            if a["sqrt"]:
                g = xp.where(out == 0, 0, g / (2 * out))
            if not a["keepdim"] and a["axes"] is not None:
                g = _keep_dims(g, centered.shape, a["axes"])
            dx = (2.0 / dof if dof else float("inf")) * g * centered
        return (narrow(dx, grad.dtype, xp),)

    def graph_saved(ctx):
        """For create_graph: `centered` (x − x̄) rebuilt from the input with differentiable
        ops; `out` is the output node — or, where the output was narrowed to float16, rebuilt
        from `centered` in float32 (the saved value is float32)."""
        centered, out, dof = ctx.saved
        a = ctx.attrs
        x = ctx.inputs[0]
        if x._data.dtype != centered.dtype:   # float16, accumulated in float32
            x = x.astype(centered.dtype)
        rebuilt = x - mean(x, a["axes"], True)
        if id(out) == ctx.out_id:
            out = Tensor._from_op(out, ctx)
        else:
            out = sum(rebuilt * rebuilt, a["axes"], a["keepdim"]) / dof
            out = out.sqrt() if a["sqrt"] else out
        return rebuilt, out, dof


class MaxReduce(Function):
    """max (or min with `largest=False`); the node routes g to one element per slice."""

    def forward(ctx, x, dim=None, keepdim=False, largest=True):
        xp = ctx.xp
        pick = xp.argmax if largest else xp.argmin
        index = pick(x) if dim is None else xp.expand_dims(pick(x, axis=dim), dim)
        ctx.save_for_backward(x.shape, index)
        return _pick(x, index, dim, keepdim)

    # router: the whole g goes to the (first) maximal element of each slice; a linear map
    # of g whose transpose reads a gradient of x back at those elements (create_graph)
    def backward(ctx, grad):
        shape, index = ctx.saved
        a = ctx.attrs
        dim, keepdim = a.get("dim"), a.get("keepdim")
        return (linear_map(grad, lambda g: _route(g, shape, index, dim, keepdim),
                           lambda gx: _pick(gx, index, dim, keepdim), "MaxReduceBackward"),)


def _route(grad, shape, index, dim, keepdim):
    """MaxReduce's backward kernel: `grad` written at the selected elements, 0 elsewhere."""
    xp = backend.namespace(grad)
    dx = xp.zeros(shape, dtype=grad.dtype)
    if dim is None:
        dx.reshape(-1)[index] = grad.reshape(())
    else:
        g = grad if keepdim else xp.expand_dims(grad, dim)
        xp.put_along_axis(dx, index, g, axis=dim)
    return dx


def _pick(gx, index, dim, keepdim):
    """The transpose of `_route`: an input-shaped `gx` read at the selected elements (the
    forward of MaxReduce with the selection fixed)."""
    xp = backend.namespace(gx)
    if dim is None:
        return gx.reshape(-1)[index].reshape((1,) * gx.ndim if keepdim else ())
    out = xp.take_along_axis(gx, index, axis=dim)
    return out if keepdim else out.squeeze(dim)


def sum(x: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:  # noqa: A001
    """Sum over `dim` (an int, a tuple, or None for all elements)."""
    if out is not None:
        return into(out, "sum", lambda: sum(x, dim, keepdim), x)
    axes = normalize_dims(dim, x.ndim, "sum")
    return Sum.apply(x, axes=axes, keepdim=keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """Arithmetic mean over `dim` (all elements when None)."""
    if out is not None:
        return into(out, "mean", lambda: mean(x, dim, keepdim), x)
    if x.dtype.kind != "f":
        raise TypeError(f"mean: expected a floating tensor, got dtype {x.dtype}; "
                        "convert it with .float() first")
    return Mean.apply(x, axes=normalize_dims(dim, x.ndim, "mean"), keepdim=keepdim)


def _max_min(x: Tensor, dim, keepdim: bool, largest: bool, op: str):
    if dim is None:
        if x.numel() == 0:
            raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape} over "
                             "all its elements; pass dim= to reduce a non-empty dimension")
        return MaxReduce.apply(x, dim=None, keepdim=keepdim, largest=largest)
    d = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:
        pair = return_types.max if largest else return_types.min
        return pair(MaxReduce.apply(x, dim=None, keepdim=False, largest=largest),
                    Tensor._from_op(x._data.astype("int64") * 0, None))
    if x.shape[d] == 0:   # an empty batch along another dim is fine: empty results
        raise ValueError(f"{op}: cannot reduce dim {d} of size 0 (input shape {x.shape})")
    values = MaxReduce.apply(x, dim=d, keepdim=keepdim, largest=largest)
    pick = x._data.argmax if largest else x._data.argmin
    indices = pick(axis=d, keepdims=keepdim).astype("int64")
    pair = return_types.max if largest else return_types.min
    return pair(values, Tensor._from_op(indices, None))


def max(x: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """The largest element, or with `dim` a `(values, indices)` pair as in PyTorch.

    The gradient is routed to the selected element only (the notes' max node); when
    several elements tie, to the first of them (the one `argmax` returns).
    """
    if out is not None:
        return into(out, "max", lambda: max(x, dim, keepdim), x)
    return _max_min(x, dim, keepdim, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """The smallest element, or with `dim` a `(values, indices)` pair; routes like `max`."""
    if out is not None:
        return into(out, "min", lambda: min(x, dim, keepdim), x)
    return _max_min(x, dim, keepdim, False, "min")


def _var(x: Tensor, dim, keepdim: bool, correction: int, sqrt: bool, op: str) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}; "
                        "convert it with .float() first")
    axes = normalize_dims(dim, x.ndim, op)
    n = _count_in(x.shape, axes)
    kept = () if axes is None else tuple(i for i in range(x.ndim) if i not in axes)
    if n - correction <= 0 and _count_in(x.shape, kept):   # a non-empty NaN/inf result
        warnings.warn(f"{op}: degrees of freedom ≤ 0 ({n} values per result, "
                      f"correction={correction}): the result is NaN or inf, as in PyTorch",
                      UserWarning, stacklevel=3)
    return Var.apply(x, axes=axes, keepdim=keepdim, correction=correction, sqrt=sqrt)


def var(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1, *, out=None) -> Tensor:
    """Variance Σ(x − mean)² / (n − correction); `correction=1` is PyTorch's unbiased default.

    Along a dimension of an empty batch (shape (0, 3), dim=1) the result is empty.
    """
    if out is not None:
        return into(out, "var", lambda: var(x, dim, keepdim, correction), x)
    return _var(x, dim, keepdim, correction, False, "var")


def std(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1, *, out=None) -> Tensor:
    """Standard deviation √var; its gradient is 0 (not NaN) where all values are equal."""
    if out is not None:
        return into(out, "std", lambda: std(x, dim, keepdim, correction), x)
    return _var(x, dim, keepdim, correction, True, "std")


def argmax(x: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """Index of the largest element (of the flattened tensor when `dim` is None)."""
    if out is not None:
        return into(out, "argmax", lambda: argmax(x, dim, keepdim), x)
    if dim is None:
        return Tensor._from_op(x._data.argmax().astype("int64"), None)
    d = normalize_dim(dim, x.ndim, "argmax")
    return Tensor._from_op(x._data.argmax(axis=d, keepdims=keepdim).astype("int64"), None)


def argmin(x: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """Index of the smallest element (of the flattened tensor when `dim` is None)."""
    if out is not None:
        return into(out, "argmin", lambda: argmin(x, dim, keepdim), x)
    if dim is None:
        return Tensor._from_op(x._data.argmin().astype("int64"), None)
    d = normalize_dim(dim, x.ndim, "argmin")
    return Tensor._from_op(x._data.argmin(axis=d, keepdims=keepdim).astype("int64"), None)

