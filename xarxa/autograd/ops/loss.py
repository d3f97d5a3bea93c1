"""The losses that are single graph nodes, for numerics and speed, and the one reduction rule
of every loss.

Each class is the op only; the checked public function (`F.mse_loss`, `F.cross_entropy`, …)
and its `nn` module are in the loss's family file of `xarxa/nn/losses/` (which names the
node it applies). Why these are fused instead of composed from core ops:

* `MSE`: the notes' workhorse on tiny networks, where each graph node costs a few
  microseconds of Python and the arithmetic almost nothing: one node instead of three
  (sub, mul, mean) takes ~10 µs off every training step of a 2-16-16-1 MLP
  (benchmarks/overhead.py). Backward is the closed form 2(x − t)·g/n.
* `CrossEntropy`: log-softmax, gather, class weights, label smoothing and the weighted
  mean in one node. The composed graph would be ~10 nodes with (N, C) temporaries each
  way; the fused backward is the closed form S·Q − q (one pass), and the log-sum-exp
  shift keeps logits of ±1000 finite.
* `BCEWithLogits`: −[t ln σ(x) + (1 − t) ln(1 − σ(x))] composed from `log(sigmoid(x))` is
  −inf for x = −1000 in float32; written as (1 − t)·x + softplus(−x) with
  softplus(−x) = max(−x, 0) + log1p(e^(−|x|)) it is finite and accurate for every x, and
  its gradient σ(x) − t needs no division.
* `BCE`: PyTorch clamps ln p and ln(1 − p) at −100 and divides the gradient by
  max(p(1 − p), 1e-12). A composed clamp(log(p)) would give 0·∞ = NaN (with a warning) at
  p exactly 0 or 1 and a different gradient near them.

The reduction rule of every loss is written once, here: `_reduce` (forward) and `_upstream`
(its VJP). 'none' keeps the per-element losses, 'sum' adds them, 'mean' divides the sum by a
count (or a total class weight) and is 0 when that is 0 (an empty batch, every target
ignored: PyTorch gives NaN). float16 losses are summed and divided in float32 (as PyTorch
does), so that a mean over more than 65,504 elements neither overflows the count nor the
sum. The fused nodes reduce inside their forward; every composed loss ends in one `Reduce`
node (through `xarxa.nn.losses.reduce`, which checks the `reduction` argument).

Second order (`create_graph=True`): each backward is written once against `ctx.xp` and runs
on Tensors as it is; the values a forward derives from its inputs (x − t, ln S, softplus(−x),
the floored logs) are recomputed in the graph by `graph_saved`, and the two in-place writes
of the arrays' path (`_put_along_axis`, `_isub`) are out-of-place nodes there.
"""
from __future__ import annotations

import math

from ..function import Function
from ...tensor import Tensor
from .reduce import accumulate_dtype, narrow

_BCE_EPSILON = 1e-12  # PyTorch's floor of p(1 − p) in the BCE gradient
_LOG_FLOOR = -100.0   # PyTorch's floor of ln p and ln(1 − p) in BCE


def _reduce(loss, reduction: str, denom, dtype, xp):
    """The per-element `loss` reduced; `denom` is the mean's divisor (a count or a weight
    total, possibly 0 for an empty or fully ignored batch: the mean is then 0)."""
    if reduction == "none":
        return loss.astype(dtype, copy=False)
    total = loss.sum(dtype=accumulate_dtype(loss.dtype))
    if reduction == "mean":
        total = total / denom if denom else total * 0
    return narrow(total, dtype, xp)


def _upstream(grad, reduction: str, denom, shape, xp):
    """The upstream gradient of each element of the unreduced loss, of `shape` (float32 for
    float16 losses: g/n would underflow or overflow in float16; callers cast back)."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        acc = accumulate_dtype(grad.dtype)
        if acc is not None:          # (astype(None) would be float64, not "the same")
            grad = grad.astype(acc)
        grad = grad / denom if denom else grad * 0
    return xp.broadcast_to(grad, shape)


class Reduce(Function):
    """The reduction of a composed loss's per-element losses, by the rule above; `denom` is
    the mean's divisor (default: the number of elements); `op` names the loss (for its
    PyTorch node name, autograd/names.py)."""

    def forward(ctx, loss, reduction="mean", denom=None, op=None):
        n = loss.size if denom is None else denom
        ctx.save_for_backward(loss.shape, n, reduction)
        return _reduce(loss, reduction, n, loss.dtype, ctx.xp)

    # d(Σ l) = g on every element; d(Σ l / n) = g / n (0 when n is 0)
    def backward(ctx, grad):
        shape, n, reduction = ctx.saved
        return (narrow(_upstream(grad, reduction, n, shape, ctx.xp), grad.dtype, ctx.xp),)


class MSE(Function):
    def forward(ctx, x, target, reduction="mean"):
        diff = x - target
        ctx.save_for_backward(diff)
        return _reduce(diff * diff, reduction, diff.size, x.dtype, ctx.xp)

    def graph_saved(ctx) -> tuple:
        """x − t, recomputed in the graph (create_graph=True)."""
        return (ctx.inputs[0] - ctx.inputs[1],)

    # d Σ(x − t)² = 2(x − t)·g (divided by n for the mean); the target gets the negative
    def backward(ctx, grad):
        (diff,) = ctx.saved
        n = math.prod(diff.shape)        # (a Tensor's .size is PyTorch's method)
        scale = (2.0 / n if n else 0.0) if ctx.attrs["reduction"] == "mean" else 2.0
        if diff.dtype.itemsize >= 4:         # the hot path: float32/float64
            dx = diff * (grad * scale)
        else:                                # float16: 2/n stays in float32 (n > 65,504)
            dx = narrow(diff * (grad.astype(accumulate_dtype(diff.dtype)) * scale),
                        diff.dtype, ctx.xp)
        return dx, (-dx if ctx.needs_input_grad[1] else None)


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
            q = _soft_targets(target, eps, c, wb)
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
            denom = wt.sum(dtype=accumulate_dtype(wt.dtype))
            ctx.save_for_backward(logp, t, wt, valid, wb, denom)
        return _reduce(loss, reduction, denom, x.dtype, xp)

    def graph_saved(ctx) -> tuple:
        """ln S (and the soft targets q, from the target input) recomputed in the graph
        (create_graph=True); the class weights, the targets' weights, masks and the mean's
        divisor come from `weight` and the class indices, constants (attributes, not inputs)."""
        from .activation import log_softmax
        x, target = ctx.inputs
        logp = log_softmax(x, dim=1)
        if not ctx.attrs["prob"]:
            return (logp, *ctx.saved[1:])
        _, _, wb, denom = ctx.saved
        return logp, _soft_targets(target, ctx.attrs["label_smoothing"], x.shape[1],
                                   wb), wb, denom

    # loss_i = −Σ_c q_ic ln S_ic  ⇒  ∂/∂x_ic = g_i·(S_ic·Σ_k q_ik − q_ic);
    # for probability targets also ∂/∂t_ic = −g_i·(1 − ε)·w_c·ln S_ic
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        eps, logp = a["label_smoothing"], ctx.saved[0]
        c, dtype = logp.shape[1], logp.dtype
        if a["prob"]:
            logp, q, wb, denom = ctx.saved
            g = xp.expand_dims(_upstream(grad, a["reduction"], denom, logp.shape[:1]
                                         + logp.shape[2:], xp), 1)
            dx = g * (xp.exp(logp) * q.sum(axis=1, keepdims=True) - q)
            dt = None
            if ctx.needs_input_grad[1]:
                dt = -g * (1 - eps) * logp
                dt = xp.asarray(dt * wb if wb is not None else dt, dtype=dtype)
            return xp.asarray(dx, dtype=dtype), dt
        logp, t, wt, valid, wb, denom = ctx.saved
        g = _upstream(grad, a["reduction"], denom, valid.shape, xp)
        w_total = wb.sum() if wb is not None else c
        total = (1 - eps) * wt + (eps / c) * w_total * valid          # Σ_k q_ik
        total = xp.asarray(total, dtype=logp.dtype)  # (a float times a bool mask: float64)
        dx = xp.exp(logp) * _class_axis(total)
        at_t = xp.take_along_axis(dx, t, axis=1) - _class_axis((1 - eps) * wt)
        dx = _put_along_axis(xp, dx, t, at_t, 1)
        if eps:
            ones = wb if wb is not None else 1.0
            smooth = (eps / c) * ones * _class_axis(valid)             # a constant
            dx = _isub(dx, smooth)
        return xp.asarray(dx * xp.expand_dims(g, 1), dtype=dtype), None


def _soft_targets(target, eps: float, c: int, wb):
    """The probability targets as `CrossEntropy` weighs them: (1 − ε)·t + ε/C, times the
    class weights (arrays in the forward, the target input's Tensor in `graph_saved`)."""
    q = target * (1 - eps) + eps / c if eps else target
    return q * wb if wb is not None else q


def _class_axis(a):
    """(N, d…) -> (N, 1, d…): a per-target constant against the (N, C, d…) logits (a
    reshape, so that it stays an array when the gradient is a Tensor)."""
    return a.reshape(a.shape[:1] + (1,) + a.shape[1:])


def _put_along_axis(xp, a, index, values, axis: int):
    """NumPy's put_along_axis, returning `a`: written in place on arrays; on Tensors
    (create_graph=True) the out-of-place `scatter`, a node of the gradient's graph."""
    if isinstance(a, Tensor):
        from .indexing import scatter
        return scatter(a, axis, index, values)
    xp.put_along_axis(a, index, values, axis=axis)
    return a


def _isub(a, b):
    """a − b, in a's own (fresh) buffer on arrays; on Tensors (create_graph=True) a new
    node, since an in-place write would rebase a Tensor of the gradient's graph."""
    if isinstance(a, Tensor):
        return a - b
    a -= b
    return a


def cross_entropy_targets(xp, target, shape, weight=None, ignore_index=-100,
                          label_smoothing=0.0, prob=False):
    """The distribution q that `CrossEntropy` compares softmax(x) with, and its mean's divisor:
    loss_i = −Σ_c q_ic·ln S_ic with the class weights, label smoothing and ignored targets
    folded into q, exactly as the node's forward and backward apply them (`shape` is the
    logits' (N, C, d…); the other arguments are the node's attrs). The node itself never
    builds q for class-index targets (a gather is cheaper); `inspect.trace` uses it for the
    notes' row ∂L/∂S = −q/S."""
    c, eps = shape[1], label_smoothing
    tail = (1,) * (len(shape) - 2)
    wb = None if weight is None else weight.reshape((1, c) + tail)
    if prob:
        q = target * (1 - eps) + eps / c if eps else target
        return (q * wb if wb is not None else q), math.prod(shape) // c
    valid = target != ignore_index
    t = xp.where(valid, target, 0)
    wt = (weight[t] if weight is not None else xp.ones(valid.shape)) * valid
    onehot = xp.arange(c).reshape((1, c) + tail) == xp.expand_dims(t, 1)
    q = (1 - eps) * onehot * xp.expand_dims(wt, 1)
    if eps:
        q = q + (eps / c) * (wb if wb is not None else 1.0) * xp.expand_dims(valid, 1)
    return q, wt.sum()


def _softplus_neg(xp, x):
    """softplus(−x) = −ln σ(x) = max(−x, 0) + ln(1 + e^(−|x|)), finite for every x."""
    return xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class BCEWithLogits(Function):
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        xp = ctx.xp
        sp = _softplus_neg(xp, x)
        lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
        loss = (1 - t) * x + lw * sp
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, sp)
        return _reduce(loss, reduction, x.size, x.dtype, xp)

    def graph_saved(ctx) -> tuple:
        """softplus(−x) recomputed from the input in the graph (create_graph=True)."""
        from .. import tensor_xp
        x, t = ctx.inputs
        return x, t, _softplus_neg(tensor_xp, x)

    # ∂/∂x = w·((1 − t) − l·σ(−x)) = w·(σ(x) − t) when l = 1;  ∂/∂t = w·(−x + (p − 1)·sp),
    # with l = 1 + (p − 1)·t the pos_weight factor and sp = softplus(−x)
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        x, t, sp = ctx.saved
        g = _upstream(grad, a["reduction"], math.prod(x.shape), x.shape, xp)
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
            dt = xp.asarray(g * (-x + (pw - 1) * sp if pw is not None else -x), dtype=x.dtype)
        return xp.asarray(dx, dtype=x.dtype), dt


def _floored_logs(xp, x):
    """ln x and ln(1 − x), each floored at −100 (PyTorch's BCE)."""
    with xp.errstate(divide="ignore"):   # ln 0 = −inf, floored at −100 just below
        return xp.maximum(xp.log(x), _LOG_FLOOR), xp.maximum(xp.log1p(-x), _LOG_FLOOR)


class BCE(Function):
    def forward(ctx, x, t, weight=None, reduction="mean"):
        xp = ctx.xp
        log_x, log_1mx = _floored_logs(xp, x)
        loss = (t - 1) * log_1mx - t * log_x
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, log_x, log_1mx)
        return _reduce(loss, reduction, x.size, x.dtype, xp)

    def graph_saved(ctx) -> tuple:
        """The floored logs recomputed from the input in the graph (create_graph=True)."""
        from .. import tensor_xp
        x, t = ctx.inputs
        return (x, t, *_floored_logs(tensor_xp, x))

    # ∂/∂x = w·(x − t) / max(x(1 − x), 1e-12) (PyTorch's floor); ∂/∂t = w·(ln(1−x) − ln x)
    # with both logs floored at −100 (PyTorch gives ±inf at x ∈ {0, 1})
    def backward(ctx, grad):
        xp, a = ctx.xp, ctx.attrs
        x, t, log_x, log_1mx = ctx.saved
        g = _upstream(grad, a["reduction"], math.prod(x.shape), x.shape, xp)
        if a["weight"] is not None:
            g = g * a["weight"]
        dx = g * (x - t) / xp.maximum((1 - x) * x, _BCE_EPSILON)
        dt = g * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return xp.asarray(dx, dtype=x.dtype), (None if dt is None
                                               else xp.asarray(dt, dtype=x.dtype))
