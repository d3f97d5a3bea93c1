"""Vector norms (`norm`, PyTorch's `torch.norm`/`linalg.vector_norm`) and the checked matrix
products `mm` (2-D @ 2-D) and `bmm` (batched 3-D @ 3-D), which are `matmul` after a shape
check that names the op (`matmul` itself broadcasts, so it would accept what these refuse).
"""
from __future__ import annotations

import math

from ..function import Function
from ._out import into
from ...tensor import Tensor
from ._util import normalize_dims


class Norm(Function):
    """(Σ|x|ᵖ)^(1/p) over `axes` (all when None); p = inf / −inf: max / min |x|; p = 0: the
    number of non-zero elements."""

    def forward(ctx, x, p, axes, keepdim):
        xp = ctx.xp
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        elif p == math.inf:
            out = xp.abs(x).max(axis=axes, keepdims=True)
        elif p == -math.inf:
            out = xp.abs(x).min(axis=axes, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = xp.abs(x).sum(axis=axes, keepdims=True)
        else:
            out = (xp.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1 / p)
        if not keepdim:
            out = out.reshape(_reduced_shape(x.shape, axes))
        # the output itself (not a reshaped copy of it), so that with create_graph the
        # saved norm is this node's output Tensor (Function.graph_saved)
        ctx.save_for_backward(x, out)
        return out

    # PyTorch's norm_backward, with norm = ‖x‖ₚ (kept dims) and g the upstream gradient:
    #   p = 2:      g·x/norm                         (0 where norm = 0)
    #   p = 1:      g·sign(x)
    #   p = ±inf:   g·sign(x)·[|x| = norm]/count     (ties share the gradient)
    #   p < 1:      g·norm^(1−p)·sign(x)·|x|^(p−1)   (0 where x = 0)
    #   1 < p < 2:  g/norm^(p−1)·sign(x)·|x|^(p−1)   (0 where norm = 0)
    #   p > 2:      g/norm^(p−1)·x·|x|^(p−2)         (0 where norm = 0)
    #   p = 0:      none (a count does not depend on the values)
    def backward(ctx, grad):
        x, norm = ctx.saved
        p, axes = ctx.attrs["p"], ctx.attrs["axes"]
        xp = ctx.xp
        kept = tuple(1 if axes is None or i in axes else s for i, s in enumerate(x.shape))
        norm, g = norm.reshape(kept), grad.reshape(kept)     # reduced dims kept, to broadcast
        if p == 0:
            return (None,)   # PyTorch's: no gradient at all (x.grad stays None)
        if p == 1:
            return (g * xp.sign(x),)
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 2:
                return (g * xp.where(norm == 0, 0, x / norm),)
            if math.isinf(p):
                at_norm = (xp.abs(x) == norm) | (xp.isnan(x) & xp.isnan(norm))
                count = at_norm.sum(axis=axes, keepdims=True)
                return (xp.sign(x) * at_norm * (g / count),)
            a = xp.abs(x)
            if p < 1:
                scaled = xp.where(x == 0, 0, xp.sign(x) * a ** (p - 1))
                return (scaled * (g * norm ** (1 - p)),)
            scaled = xp.sign(x) * a ** (p - 1) if p < 2 else x * a ** (p - 2)
            return (scaled * xp.where(norm == 0, 0, g / norm ** (p - 1)),)


def _reduced_shape(shape, axes):
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False,  # noqa: A002
         dtype=None, *, out=None) -> Tensor:
    """The p-norm of `input` over `dim` (all elements when None), PyTorch's `torch.norm`:
    p = 'fro' (Frobenius, the 2-norm of the elements: the default), any number, inf or
    -inf (max / min |x|), 0 (count of non-zeros). Differentiable, with PyTorch's gradient
    conventions at 0 (see `Norm.backward`).

    Example:
        >>> xa.norm(xa.tensor([[3.0, 4.0]]), dim=1)    # tensor([5.])
    """
    if out is not None:
        return into(out, "norm", lambda: norm(input, p, dim, keepdim, dtype), input)
    if not isinstance(input, Tensor):
        raise TypeError(f"norm: expected a Tensor, got {type(input).__name__}")
    if dtype is not None:
        from ...dtypes import resolve
        input = input.to(resolve(dtype, "norm"))
    if input.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating point tensor, got dtype {input.dtype} "
                        "(convert it with .float())")
    axes = normalize_dims(dim, input.ndim, "norm") if input.ndim else None
    if p is None:
        p = 2
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p={p!r} is not supported; expected 'fro' or a number "
                             "(the nuclear norm 'nuc' is not implemented)")
        if axes is not None and len(axes) > 2:
            raise ValueError(f"norm: p='fro' takes at most 2 dims, got dim={dim}")
        p = 2
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"norm: p must be 'fro' or a number, got {type(p).__name__}")
    if axes is not None and len(set(axes)) != len(axes):
        raise ValueError(f"norm: dim {dim} repeats a dimension")
    return Norm.apply(input, p=float(p), axes=axes, keepdim=bool(keepdim))


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """The matrix product of two 2-D tensors (n×m @ m×p -> n×p); no broadcasting."""
    if out is not None:
        return into(out, "mm", lambda: mm(input, mat2), input, mat2)
    from .linalg import matmul
    a, b = _shapes("mm", input, mat2)
    if len(a) != 2 or len(b) != 2:
        raise ValueError(f"mm: expected two 2-D matrices, got shapes {a} and {b} (use "
                         "matmul or @ for other shapes)")
    if a[1] != b[0]:
        raise ValueError(f"mm: mat1 and mat2 shapes cannot be multiplied "
                         f"({a[0]}x{a[1]} and {b[0]}x{b[1]})")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """Batched matrix product of two 3-D tensors (b×n×m @ b×m×p -> b×n×p); no broadcasting."""
    if out is not None:
        return into(out, "bmm", lambda: bmm(input, mat2), input, mat2)
    from .linalg import matmul
    a, b = _shapes("bmm", input, mat2)
    if len(a) != 3 or len(b) != 3:
        raise ValueError(f"bmm: expected two 3-D tensors (batch, rows, columns), got shapes "
                         f"{a} and {b}")
    if a[0] != b[0] or a[2] != b[1]:
        raise ValueError(f"bmm: shapes {a} and {b} cannot be multiplied: expected mat2 of "
                         f"shape ({a[0]}, {a[2]}, p)")
    return matmul(input, mat2)


def _shapes(op: str, x, y):
    for name, t in (("input", x), ("mat2", y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} for {name}")
    if x.dtype != y.dtype:
        raise TypeError(f"{op}: expected both tensors of the same dtype, got {x.dtype} and "
                        f"{y.dtype}")
    return x.shape, y.shape
