"""Matrix products: matmul (NumPy's @ semantics) and the fused affine map `linear`."""
from __future__ import annotations

from ..function import Function
from ._out import into
from ...tensor import Tensor


class MatMul(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x @ y

    # d(x@y) = (g @ yᵀ, xᵀ @ g); 1-D operands are promoted to matrices and back,
    # and the engine sums broadcast batch dimensions away. `.mT` (the last two axes
    # swapped) means the same on arrays and Tensors, so this also serves create_graph.
    def backward(ctx, grad):
        x, y = ctx.saved
        if x.ndim == 1 and y.ndim == 1:
            return grad * y, grad * x
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = grad
        if x.ndim == 1:
            g2 = g2[..., None, :]
        if y.ndim == 1:
            g2 = g2[..., None]
        dx = dy = None
        if ctx.needs_input_grad[0]:
            dx = g2 @ y2.mT
            if x.ndim == 1:
                dx = dx[..., 0, :]
        if ctx.needs_input_grad[1]:
            dy = x2.mT @ g2
            if y.ndim == 1:
                dy = dy[..., 0]
        return dx, dy


class Linear(Function):
    """x @ wᵀ + b in one node: the layer every MLP repeats, fused for speed."""

    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        out = x @ w.T
        if b is not None:
            out += b
        return out

    # dx = g @ w, dw = gᵀ @ x (batch dims flattened), db = Σ_batch g
    def backward(ctx, grad):
        x, w = ctx.saved
        need = ctx.needs_input_grad
        dx = grad @ w if need[0] else None
        dw = db = None
        g2 = grad.reshape(-1, grad.shape[-1])
        if need[1]:
            dw = g2.T @ x.reshape(-1, x.shape[-1])
        if need[2]:  # False when the bias is None, as for conv2d
            db = g2.sum(axis=0)
        return dx, dw, db


def matmul(x: Tensor, y: Tensor, *, out=None) -> Tensor:
    """Matrix product with NumPy's rules (1-D vectors, broadcast batch dimensions)."""
    if out is not None:
        return into(out, "matmul", lambda: matmul(x, y), x, y)
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"matmul: expected two Tensors, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{x.shape} and {y.shape}")
    k1 = x.shape[-1]
    k2 = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if k1 != k2:
        raise ValueError(f"matmul: inner dimensions differ: {x.shape} @ {y.shape} "
                         f"({k1} ≠ {k2})")
    try:
        return MatMul.apply(x, y)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {x.shape} and {y.shape} do not "
                         "broadcast") from None


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, as `nn.Linear` computes it.

    Shape:
        x (*, in_features), weight (out_features, in_features), bias (out_features,)
        -> (*, out_features)
    """
    for name, t in (("input", x), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor) and not (name == "bias" and t is None):
            raise TypeError(f"linear: expected {name} to be a Tensor, got "
                            f"{type(t).__name__}; convert it with xa.tensor(...)")
    xs, ws = x._data.shape, weight._data.shape
    if not xs or len(ws) != 2 or xs[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {xs} does not fit a weight of shape "
                         f"{ws} (expected input (*, {ws[-1]}))")
    if x._data.dtype != weight._data.dtype:
        raise TypeError(f"linear: input dtype {x._data.dtype} does not match the weight dtype "
                        f"{weight._data.dtype}; convert one of them (e.g. x.float())")
    if bias is not None and bias._data.shape != (ws[0],):
        raise ValueError(f"linear: bias of shape {bias.shape}, expected "
                         f"({weight.shape[0]},)")
    return Linear.apply(x, weight, bias)
