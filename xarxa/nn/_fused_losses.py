"""The losses that are single graph nodes (`Function` subclasses) for numerics and speed.

Why these are fused instead of composed from core ops:

* `mse_loss`: the notes' workhorse on tiny networks, where each graph node costs a few
  microseconds of Python and the arithmetic almost nothing: one node instead of three
  (sub, mul, mean) takes ~10 µs off every training step of a 2-16-16-1 MLP
  (benchmarks/overhead.py). Backward is the closed form 2(x − t)·g/n.

* `cross_entropy`: log-softmax, gather, class weights, label smoothing and the weighted
  mean in one node. The composed graph would be ~10 nodes with (N, C) temporaries each
  way; the fused backward is the closed form S·Q − q (one pass), and the log-sum-exp
  shift keeps logits of ±1000 finite.
* `binary_cross_entropy_with_logits`: −[t ln σ(x) + (1 − t) ln(1 − σ(x))] composed from
  `log(sigmoid(x))` is −inf for x = −1000 in float32; written as
  (1 − t)·x + softplus(−x) with softplus(−x) = max(−x, 0) + log1p(e^(−|x|)) it is finite
  and accurate for every x, and its gradient σ(x) − t needs no division.
* `binary_cross_entropy`: PyTorch clamps ln p and ln(1 − p) at −100 and divides the
  gradient by max(p(1 − p), 1e-12). A composed clamp(log(p)) would give 0·∞ = NaN (with
  a warning) at p exactly 0 or 1 and a different gradient near them.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ._loss_utils import (check_index_range, check_input, check_reduction,
                          class_weight_array, float_target, index_target_shape)

_BCE_EPSILON = 1e-12  # PyTorch's floor of p(1 − p) in the BCE gradient
_LOG_FLOOR = -100.0   # PyTorch's floor of ln p and ln(1 − p) in BCE


def _scale(grad, reduction: str, denom, shape, xp):
    """The upstream gradient of each element of the unreduced loss, of `shape`."""
    if reduction == "none":
        return grad
    if reduction == "sum":
        return xp.broadcast_to(grad, shape)
    return xp.broadcast_to(grad / denom if denom else grad * 0, shape)


def _reduce_array(loss, reduction: str, denom, dtype, xp):
    if reduction == "none":
        return loss.astype(dtype, copy=False)
    total = loss.sum()
    if reduction == "mean":
        total = total / denom if denom else total * 0
    return xp.asarray(total, dtype=dtype)


class MSE(Function):
    def forward(ctx, x, target, reduction="mean"):
        diff = x - target
        ctx.save_for_backward(diff)
        return _reduce_array(diff * diff, reduction, diff.size, x.dtype, ctx.xp)

    # d Σ(x − t)² = 2(x − t)·g (divided by n for the mean); the target gets the negative
    def backward(ctx, grad):
        (diff,) = ctx.saved
        reduction = ctx.attrs["reduction"]
        if reduction == "mean":
            grad = grad * (2.0 / diff.size) if diff.size else grad * 0
        else:
            grad = grad * 2.0
        dx = diff * grad
        return dx, (-dx if ctx.needs_input_grad[1] else None)


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """L2 / mean squared error: (y − ŷ)² per element, reduced.

    Example:
        >>> F.mse_loss(xa.tensor([1.5, 2.0]), xa.tensor([1.0, 2.0]))   # 0.125
    """
    op = "mse_loss"
    target = float_target(target, check_input(input, op), op)
    check_reduction(reduction, op)
    return MSE.apply(input, target, reduction=reduction)


class CrossEntropy(Function):
    """Softmax cross-entropy from logits; the class axis is 1, targets are indices or
    probabilities (same shape as the logits)."""

    def forward(ctx, x, target, weight=None, ignore_index=-100, label_smoothing=0.0,
                reduction="mean", prob=False):
        xp = ctx.xp
        c = x.shape[1]
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        eps = label_smoothing
        wb = None if weight is None else weight.reshape((1, c) + (1,) * (x.ndim - 2))
        if prob:
            q = target * (1 - eps) + eps / c if eps else target
            q = q * wb if wb is not None else q
            loss = -(q * logp).sum(axis=1)
            denom = x.size // c
            ctx.save_for_backward(logp, q, wb, denom)
        else:
            valid = target != ignore_index
            t = xp.expand_dims(xp.where(valid, target, 0), 1)
            picked = xp.take_along_axis(logp, t, axis=1)[:, 0]
            wt = (weight[t[:, 0]] if weight is not None else xp.ones(valid.shape, x.dtype))
            wt = wt * valid
            loss = -(1 - eps) * wt * picked
            if eps:
                smooth = (logp * wb).sum(axis=1) if wb is not None else logp.sum(axis=1)
                loss = loss - (eps / c) * smooth * valid
            denom = wt.sum()
            ctx.save_for_backward(logp, t, wt, valid, wb, denom)
        return _reduce_array(loss, reduction, denom, x.dtype, xp)

    # loss_i = −Σ_c q_ic ln S_ic  ⇒  ∂/∂x_ic = g_i·(S_ic·Σ_k q_ik − q_ic);
    # for probability targets also ∂/∂t_ic = −g_i·(1 − ε)·w_c·ln S_ic
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        eps, c = a["label_smoothing"], ctx.saved[0].shape[1]
        if a["prob"]:
            logp, q, wb, denom = ctx.saved
            g = xp.expand_dims(_scale(grad, a["reduction"], denom, logp.shape[:1]
                                      + logp.shape[2:], xp), 1)
            dx = g * (xp.exp(logp) * q.sum(axis=1, keepdims=True) - q)
            dt = None
            if ctx.needs_input_grad[1]:
                dt = -g * (1 - eps) * logp
                dt = dt * wb if wb is not None else dt
            return dx, dt
        logp, t, wt, valid, wb, denom = ctx.saved
        g = _scale(grad, a["reduction"], denom, valid.shape, xp)
        w_total = wb.sum() if wb is not None else c
        total = (1 - eps) * wt + (eps / c) * w_total * valid          # Σ_k q_ik
        dx = xp.exp(logp) * xp.expand_dims(total, 1)
        at_t = xp.take_along_axis(dx, t, axis=1) - xp.expand_dims((1 - eps) * wt, 1)
        xp.put_along_axis(dx, t, at_t, axis=1)
        if eps:
            ones = wb if wb is not None else 1.0
            dx -= (eps / c) * ones * xp.expand_dims(valid, 1)
        return dx * xp.expand_dims(g, 1), None


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between softmax(input) and the target, from logits (PyTorch's).

    loss_i = −Σ_c w_c·y_ic·ln S_ic, with y one-hot (integer targets) or given
    probabilities (floating targets of the input's shape). With `label_smoothing` ε the
    target becomes (1 − ε)·y + ε/C. `mean` divides by Σ_i w_{t_i} over non-ignored
    targets (PyTorch's weighted mean; by N·d1… for probability targets). When every target
    is ignored the mean is 0 with a zero gradient (PyTorch returns NaN).

    Shape:
        input: (N, C), (C,) or (N, C, d1, …) for per-pixel losses (segmentation).
        target: (N,), () or (N, d1, …) int64 class indices, or floats of input's shape.
        output: scalar, or the target's index shape with reduction='none'.

    Example:
        >>> F.cross_entropy(xa.tensor([[2.0, 0.5, -1.0]]), xa.tensor([0]))
    """
    op = "cross_entropy"
    check_input(input, op)
    check_reduction(reduction, op)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    w = class_weight_array(weight, c, input.dtype, op)
    t_arr = target._data if isinstance(target, Tensor) else np.asarray(target)
    prob = t_arr.dtype.kind == "f"
    if prob:
        if t_arr.shape != input.shape:
            raise ValueError(f"{op}: probability targets (floating dtype) must have the "
                             f"input's shape {input.shape}, got {t_arr.shape}; class-index "
                             "targets must be integers")
        target = float_target(target, input, op)
    elif t_arr.dtype.kind in "iu":
        expected = index_target_shape(input.shape, op)
        if t_arr.shape != expected:
            raise ValueError(f"{op}: class-index target must have shape {expected} for "
                             f"input of shape {input.shape}, got {t_arr.shape}")
        check_index_range(t_arr, c, ignore_index, op)
        target = t_arr
    else:
        raise TypeError(f"{op}: target must hold int64 class indices or float "
                        f"probabilities, got dtype {t_arr.dtype}")
    one = input.ndim == 1
    if one:
        input = input.reshape(1, c)
        target = target.reshape(1, c) if prob else target.reshape(1)
    out = CrossEntropy.apply(input, target, weight=w, ignore_index=ignore_index,
                             label_smoothing=float(label_smoothing), reduction=reduction,
                             prob=prob)
    return out.reshape(()) if one and reduction == "none" else out


def _broadcast_constant(value, input: Tensor, op: str, name: str):
    """weight= / pos_weight= as a constant array that broadcasts to the input's shape."""
    if value is None:
        return None
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    try:
        shape = np.broadcast_shapes(arr.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ValueError(f"{op}: {name} of shape {arr.shape} does not broadcast to the "
                         f"input shape {input.shape}")
    return arr.astype(input.dtype, copy=False)


class BCEWithLogits(Function):
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        xp = ctx.xp
        sp = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))     # softplus(−x) = −ln σ(x)
        lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
        loss = (1 - t) * x + lw * sp
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, sp)
        return _reduce_array(loss, reduction, x.size, x.dtype, xp)

    # ∂/∂x = w·((1 − t) − l·σ(−x)) = w·(σ(x) − t) when l = 1;  ∂/∂t = w·(−x + (p − 1)·sp),
    # with l = 1 + (p − 1)·t the pos_weight factor and sp = softplus(−x)
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        x, t, sp = ctx.saved
        g = _scale(grad, a["reduction"], x.size, x.shape, xp)
        if a["weight"] is not None:
            g = g * a["weight"]
        pw = a["pos_weight"]
        z = xp.exp(-xp.abs(x))
        sig = xp.where(x >= 0, 1 / (1 + z), z / (1 + z))            # stable σ(x)
        if pw is None:
            dx = g * (sig - t)
        else:
            dx = g * ((1 - t) - (1 + (pw - 1) * t) * (1 - sig))
        dt = None
        if ctx.needs_input_grad[1]:
            dt = g * (-x + (pw - 1) * sp if pw is not None else -x)
        return dx, dt


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """−w·[p·t·ln σ(x) + (1 − t)·ln(1 − σ(x))] from logits x, one independent sigmoid per
    element (multi-label); finite and accurate for any logit (PyTorch's).

    `pos_weight` (p) multiplies the positive term and broadcasts along the last (class)
    dimension; `weight` rescales each element.

    Shape:
        input, target: any shape, the same. output: scalar, or input's shape ('none').

    Example:
        >>> F.binary_cross_entropy_with_logits(xa.tensor([1000.0, -3.0]), xa.tensor([1., 0.]))
    """
    op = "binary_cross_entropy_with_logits"
    check_input(input, op)
    check_reduction(reduction, op)
    target = float_target(target, input, op)
    w = _broadcast_constant(weight, input, op, "weight")
    pw = _broadcast_constant(pos_weight, input, op, "pos_weight")
    return BCEWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


class BCE(Function):
    def forward(ctx, x, t, weight=None, reduction="mean"):
        xp = ctx.xp
        with np.errstate(divide="ignore"):   # ln 0 = −inf, floored at −100 just below
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        loss = (t - 1) * log_1mx - t * log_x
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, log_x, log_1mx)
        return _reduce_array(loss, reduction, x.size, x.dtype, xp)

    # ∂/∂x = w·(x − t) / max(x(1 − x), 1e-12) (PyTorch's floor); ∂/∂t = w·(ln(1−x) − ln x)
    # with both logs floored at −100 (PyTorch gives ±inf at x ∈ {0, 1})
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        x, t, log_x, log_1mx = ctx.saved
        g = _scale(grad, a["reduction"], x.size, x.shape, xp)
        if a["weight"] is not None:
            g = g * a["weight"]
        dx = g * (x - t) / xp.maximum((1 - x) * x, _BCE_EPSILON)
        dt = g * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return dx, dt


def binary_cross_entropy(input: Tensor, target, weight=None,
                         reduction: str = "mean") -> Tensor:
    """−w·[t·ln p + (1 − t)·ln(1 − p)] for probabilities p (PyTorch's, logs floored at −100
    so that p = 0 or 1 gives finite values). Prefer `binary_cross_entropy_with_logits`.

    Shape:
        input, target: any shape, the same. output: scalar, or input's shape ('none').

    Example:
        >>> F.binary_cross_entropy(xa.tensor([0.9, 0.0]), xa.tensor([1.0, 0.0]))
    """
    op = "binary_cross_entropy"
    check_input(input, op)
    check_reduction(reduction, op)
    target = float_target(target, input, op)
    x = input._data
    if x.size and not (np.all(x >= 0) and np.all(x <= 1)):
        raise ValueError(f"{op}: input must hold probabilities in [0, 1], got values in "
                         f"[{np.nanmin(x)}, {np.nanmax(x)}]; apply sigmoid first or use "
                         "binary_cross_entropy_with_logits")
    w = _broadcast_constant(weight, input, op, "weight")
    return BCE.apply(input, target, weight=w, reduction=reduction)
