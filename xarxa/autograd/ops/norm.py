"""Batch normalisation (notes §1.5.2): x̂ = (x − μ)/√(σ² + ε), BN(x) = γ·x̂ + β per channel;
layer normalisation (PyTorch's `layer_norm`): the same over the trailing dimensions of each
sample (at the end of this file).

One fused node with the closed-form backward (composing it from mean/var/sub/div would
record ~10 nodes and as many full-size temporaries). Statistics are per channel (dim 1)
over every other dimension: (N, C) and (N, C, L) for BatchNorm1d, (N, C, H, W) for
BatchNorm2d.

Synchronised statistics (SyncBatchNorm across processes): given `reduce`, a function that
sums a float64 array over every process holding a share of the batch, the per-channel sums
of the forward (Σx and the count, then Σ(x − μ)²) and of the backward (Σg, Σg·x̂) are
reduced before use, so that each share is normalised with the whole batch's statistics and
gets its part of the whole batch's input gradient; dγ and dβ stay this share's own sums
(data parallelism adds them up with the other parameter gradients).

Precision: sums over a large float32 batch (100,000 values per channel in a small CNN)
lose digits when accumulated naively, so every per-channel sum is taken pairwise along
the contiguous spatial axis in the input dtype and then over the batch in float64; the
mean, variance and backward coefficients are computed in float64 and cast back once.

Second order (`create_graph=True`): each backward is written once, against `ctx.xp`, and
runs on the graph's Tensors as it is; `graph_saved` recomputes what the forward derived
(x − μ, 1/σ, x̂, γ in float64) from the inputs with the forward's own helpers
(`_batch_stats`, `_layer_stats`), and the arrays' in-place updates are new nodes there
(`_iadd`, `_imul`). Synchronised statistics (`reduce`) have no second order.
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..grad_mode import no_grad
from ...tensor import Tensor
from ._layout import channel_first, inverse, restore
from .activation import relu_array
from ..version import bump_version


_RUN = 256  # values per float32 partial sum of `_channel_sum` and `_channel_dot`
_LONG = 4096  # a B axis at least this long (one image's, or CHWN's whole batch) sums by BLAS


def _channel_sum(xp, x3):
    """Σ over A and B of (C, A, B): pairwise along the contiguous B axis, then float64.
    For a NumPy array with a long B, runs of `_RUN` values are summed by a BLAS
    matrix–vector product with ones (5× faster than NumPy's pairwise sum on a 6 MiB
    batch: 0.05 vs 0.26 ms, and at least as accurate: 256-value float32 partial sums),
    then the partial sums in float64."""
    c, a, b = x3.shape
    if type(x3) is not np.ndarray or b < _LONG:
        return xp.sum(x3.sum(axis=2), axis=1, dtype="float64")
    full = b - b % _RUN
    runs = x3[:, :, :full].reshape(c, a, -1, _RUN)     # a view: B is contiguous
    total = (runs @ np.ones(_RUN, x3.dtype)).reshape(c, -1).sum(axis=1, dtype="float64")
    if full < b:
        total += x3[:, :, full:].sum(axis=2).sum(axis=1, dtype="float64")
    return total


def _channel_dot(xp, a3, b3):
    """Σ a·b over A and B of (C, A, B): float32 partial sums over runs of `_RUN` values
    of B, then float64. einsum adds one value after another, so a single partial sum
    over a long B (H·W·N = 25,088 values for a CHWN batch of 32 28×28 images) left the
    variance about five correct digits: 50× PyTorch's error in the normalised output.
    On Tensors (create_graph=True) the same sum is the product's `_channel_sum`: the
    blocked einsum is an array-level economy (no full-size product), not a different sum."""
    if isinstance(a3, Tensor) or isinstance(b3, Tensor):
        return _channel_sum(xp, a3 * b3)
    c, a, b = a3.shape
    k = max(1, min(b, _RUN))
    full = b - b % k
    total = xp.einsum("carb,carb->car", a3[:, :, :full].reshape(c, a, -1, k),
                      b3[:, :, :full].reshape(c, a, -1, k)).reshape(c, -1).sum(
                          axis=1, dtype="float64")
    if full < b:
        total += xp.einsum("cab,cab->ca", a3[:, :, full:], b3[:, :, full:]).sum(
            axis=1, dtype="float64")
    return total


# The (C, A, B) view of `_layout` and back, spelled with xp.transpose: a Tensor's
# .transpose is PyTorch's (two dims), NumPy's (a permutation) is tensor_xp.transpose.
def _to3(xp, a, perm, shape3):
    """a (N, C, …) as the (C, A, B) of a `channel_first` permutation (`_layout`)."""
    return xp.transpose(a, perm).reshape(shape3)


def _restore(xp, a3, perm, shape):
    """Inverse of `_to3`: the logical-shape view of a (C, A, B) array."""
    return xp.transpose(a3.reshape([shape[i] for i in perm]), inverse(perm))


def _col(v):
    """A per-channel (C,) vector as (C, 1, 1), against a (C, A, B) array (a view)."""
    return v.reshape(-1, 1, 1)


def _iadd(a, b):
    """a + b, in a's own (fresh) buffer on arrays (no full-size temporary); on Tensors
    (create_graph=True) a new node: an in-place write would rebase a Tensor that other
    nodes of the gradient's graph read."""
    if isinstance(a, Tensor):
        return a + b
    a += b
    return a


def _imul(a, b):
    """a · b, in a's own buffer on arrays; a new node on Tensors (see `_iadd`)."""
    if isinstance(a, Tensor):
        return a * b
    a *= b
    return a


def _batch_stats(xp, x3, eps, reduce=None):
    """The training statistics of (C, A, B) values: xc = x − μ (in x's dtype), μ, σ²
    (biased) and 1/√(σ² + ε) (float64, per channel) and the count M per channel (the
    whole batch's with `reduce`). Arrays in the forward; the same lines on the graph's
    Tensors in `graph_saved`."""
    m = x3.shape[1] * x3.shape[2]
    if reduce is None:
        mean = _channel_sum(xp, x3) / m
    else:                        # the whole batch's: sums over every process
        total = reduce(xp.append(_channel_sum(xp, x3), float(m)))
        m = total[-1]
        mean = total[:-1] / m
    xc = x3 - _col(mean.astype(x3.dtype))
    var = _channel_dot(xp, xc, xc)
    var = (var if reduce is None else reduce(var)) / m
    return xc, mean, var, 1.0 / xp.sqrt(var + eps), m


class BatchNorm(Function):
    """Works on a (C, A, B) view of its input (`_layout.channel_first`), whatever the
    input's memory order, and returns its output in that same order."""

    def forward(ctx, x, weight=None, bias=None, eps=1e-5, running=None, reduce=None):
        xp = ctx.xp
        x3, perm = channel_first(x)
        c = x3.shape[0]
        dt = x.dtype
        gamma = xp.ones(c) if weight is None else weight.astype(xp.float64)
        beta = xp.zeros(c) if bias is None else bias.astype(xp.float64)
        if running is None:  # training: the batch's own statistics
            xc, mean, var, invstd, m = _batch_stats(xp, x3, eps, reduce)
            out = xc * _col((gamma * invstd).astype(dt))
            out += _col(beta.astype(dt))
            ctx.save_for_backward(xc, invstd, gamma, perm, m)
            # the batch statistics (float64) are aux outputs, for the running averages
            # (and the count of values per channel when they are the processes' together)
            if reduce is not None:
                return restore(out, perm, x.shape), mean, var, xp.asarray(m)
            return restore(out, perm, x.shape), mean, var
        else:  # evaluation: the running statistics, an affine map per channel
            mean, var = (xp.asarray(r, dtype=xp.float64) for r in running)
            invstd = 1.0 / xp.sqrt(var + eps)
            scale = gamma * invstd
            out = x3 * _col(scale.astype(dt))
            out += _col((beta - mean * scale).astype(dt))
            ctx.save_for_backward(x3, invstd, gamma, perm, mean)
        return restore(out, perm, x.shape)

    def graph_saved(ctx) -> tuple:
        """The saved values as the graph's Tensors (create_graph=True): the (C, A, B) view
        of x and, in training, the batch statistics recomputed from it by the forward's own
        `_batch_stats`; γ from the weight input (a constant 1 without one); the running
        statistics of evaluation are constants."""
        from .. import tensor_xp as txp
        if ctx.attrs.get("reduce") is not None:
            raise NotImplementedError(
                f"{ctx.label}: double backward (create_graph=True) is not supported with "
                "synchronised statistics (reduce=, SyncBatchNorm)")
        x, weight = ctx.inputs[0], ctx.inputs[1]
        saved, perm = ctx.saved, ctx.saved[3]
        x3 = _to3(txp, x, perm, saved[0].shape)
        gamma = saved[2] if weight is None else txp.asarray(weight, txp.float64)
        if ctx.attrs.get("running") is not None:     # evaluation: affine in x
            return (x3, saved[1], gamma, perm, saved[4])
        xc, _, _, invstd, m = _batch_stats(txp, x3, ctx.attrs.get("eps", 1e-5))
        return (xc, invstd, gamma, perm, m)

    # training (M values per channel, x̂ = xc·s, s = 1/√(σ²+ε)):
    #   dβ = Σg, dγ = Σ g·x̂, dx = γ·s·(g − Σg/M − x̂·Σ(g·x̂)/M)
    #   (synchronised: the sums in dx, and M, over every process's share)
    # evaluation: dx = g·γ·s, dγ = Σ g·(x − μ_run)·s, dβ = Σg
    def backward(ctx, grad):
        xp = ctx.xp
        need = ctx.needs_input_grad
        x3, invstd, gamma, perm = ctx.saved[:4]
        g3 = _to3(xp, grad, perm, x3.shape)   # same element order as x3
        dt = grad.dtype
        sum_g = _channel_sum(xp, g3)
        dx = dgamma = None
        if ctx.attrs.get("running") is None:
            xc, m = x3, ctx.saved[4]
            sum_gxc = _channel_dot(xp, g3, xc)
            if need[1]:
                dgamma = sum_gxc * invstd
            if need[0]:
                all_g, all_gxc = sum_g, sum_gxc
                reduce = ctx.attrs.get("reduce")
                if reduce is not None:            # the whole batch's sums (dγ, dβ: ours)
                    both = reduce(xp.concatenate([sum_g, sum_gxc]))
                    all_g, all_gxc = both[:len(sum_g)], both[len(sum_g):]
                scale = gamma * invstd
                dx = xc * _col((-scale * invstd * invstd * all_gxc / m).astype(dt))
                dx = _iadd(dx, _col((-scale * all_g / m).astype(dt)))
                dx = _iadd(dx, g3 * _col(scale.astype(dt)))
                dx = _restore(xp, dx, perm, grad.shape)
        else:
            mean = ctx.saved[4]
            if need[1]:
                dgamma = (_channel_dot(xp, g3, x3) - mean * sum_g) * invstd
            if need[0]:
                dx = _restore(xp, g3 * _col((gamma * invstd).astype(dt)), perm, grad.shape)
        dbeta = sum_g if len(need) > 2 and need[2] else None
        return dx, dgamma, dbeta


class BatchNormReLU(BatchNorm):
    """relu(BatchNorm(x)) as one node: the ReLU is applied in place to the batch norm's
    fresh output (no second full-size array, no second node), and the backward masks the
    incoming gradient with that output (`grad · [out > 0]`, exactly ReLU's backward) before
    batch norm's own. Same values, bit for bit, as BatchNorm then ReLU."""

    def forward(ctx, x, weight=None, bias=None, eps=1e-5, running=None, reduce=None):
        res = BatchNorm.forward(ctx, x, weight, bias, eps, running, reduce)
        out = res[0] if type(res) is tuple else res
        relu_array(ctx.xp, out, out=out)
        ctx.save_for_backward(*ctx.saved, out)
        return res

    def graph_saved(ctx) -> tuple:
        """Batch norm's values (`BatchNorm.graph_saved`) and the output, a Tensor of this
        node (the ReLU mask's source: a constant of the graph, as ReLU's own)."""
        out = Tensor._from_op(ctx.saved[-1], ctx)
        return (*BatchNorm.graph_saved(ctx), out)

    # training: the same formula as BatchNorm's, evaluated in the masked gradient's own
    # (fresh) buffer, so that dx costs one full-size temporary instead of two
    def backward(ctx, grad):
        xp = ctx.xp
        gm = grad * (ctx.saved[-1] > 0)
        if ctx.attrs.get("running") is not None:
            return BatchNorm.backward(ctx, gm)
        need = ctx.needs_input_grad
        xc, invstd, gamma, perm, m = ctx.saved[:5]
        g3 = _to3(xp, gm, perm, xc.shape)
        dt = gm.dtype
        sum_g = _channel_sum(xp, g3)
        sum_gxc = _channel_dot(xp, g3, xc)
        dx = None
        dgamma = sum_gxc * invstd if need[1] else None
        dbeta = sum_g if len(need) > 2 and need[2] else None
        if need[0]:
            all_g, all_gxc = sum_g, sum_gxc
            reduce = ctx.attrs.get("reduce")
            if reduce is not None:
                both = reduce(xp.concatenate([sum_g, sum_gxc]))
                all_g, all_gxc = both[:len(sum_g)], both[len(sum_g):]
            scale = gamma * invstd
            tmp = xc * _col((-scale * invstd * invstd * all_gxc / m).astype(dt))
            tmp = _iadd(tmp, _col((-scale * all_g / m).astype(dt)))
            g3 = _imul(g3, _col(scale.astype(dt)))
            g3 = _iadd(g3, tmp)        # g3: a view of gm, or a fresh copy in x's order
            dx = _restore(xp, g3, perm, gm.shape)
        return dx, dgamma, dbeta


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5, *,
               reduce=None, activation: str | None = None) -> Tensor:
    """Normalise each channel (dim 1) with the batch statistics (training) or the running
    ones (evaluation), then scale by γ (`weight`) and shift by β (`bias`).

    In training, the running statistics (if given) are updated in place:
    r ← (1 − momentum)·r + momentum·batch_stat, with the unbiased batch variance, as
    PyTorch does.

    `reduce` (xarxa's, keyword-only; `nn.SyncBatchNorm` passes it): a function returning
    the sum over every process of a float64 array; in training the statistics are then the
    whole batch's, spread over the processes (see the module docstring).

    `activation` (xarxa's, keyword-only): "relu" returns relu(batch_norm(...)) from one
    fused node (`BatchNormReLU`: one full-size pass and array fewer), the same values and
    gradients as the two ops; `nn.Sequential` uses it for a BatchNorm followed by a ReLU.

    Shape:
        (N, C), (N, C, L) or (N, C, H, W); running_mean, running_var, weight, bias (C,).
    """
    op = "batch_norm"
    if activation not in (None, "relu"):
        raise ValueError(f"{op}: activation must be None or 'relu', got {activation!r}")
    fn = BatchNorm if activation is None else BatchNormReLU
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input with a channel dimension (N, C, ...), "
                         f"got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"{op}: {name} of shape {tuple(t.shape)} does not match the "
                             f"{c} channels of the input (shape {x.shape})")
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: evaluation mode needs running_mean and running_var")
        running = (_array(running_mean), _array(running_var))
        return fn.apply(x, weight, bias, eps=float(eps), running=running)
    per_channel = x.numel() // c if c else 0
    if reduce is not None:
        out, mean, var, count = fn.apply(x, weight, bias, eps=float(eps), reduce=reduce)
        per_channel = int(count.item())
    elif per_channel > 1:
        out, mean, var = fn.apply(x, weight, bias, eps=float(eps))
    if per_channel <= 1:
        where = " over every process" if reduce is not None else ""
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got "
                         f"input shape {x.shape}{where}")
    with no_grad():
        unbiased = var._data * (per_channel / (per_channel - 1))
        for buf, value in ((running_mean, mean._data), (running_var, unbiased)):
            if buf is not None:
                data = _array(buf)
                data *= 1 - momentum
                data += (momentum * value).astype(data.dtype)
                if isinstance(buf, Tensor):
                    bump_version(buf)
    return out


class LayerNorm(Function):
    """Normalises over the last `k` axes; μ, σ² (biased) per sample, in the input dtype
    (the normalised groups are small: a few thousand values at most, summed pairwise)."""

    def forward(ctx, x, weight=None, bias=None, k=1, eps=1e-5):
        xhat, rstd = _layer_stats(ctx.xp, x, k, eps)
        ctx.save_for_backward(xhat, rstd, weight)
        out = xhat * weight if weight is not None else xhat
        return out + bias if bias is not None else out

    def graph_saved(ctx) -> tuple:
        """x̂ and 1/σ recomputed from the input in the graph (create_graph=True) by the
        forward's own `_layer_stats`; the weight is the weight input."""
        from .. import tensor_xp
        a = ctx.attrs
        return (*_layer_stats(tensor_xp, ctx.inputs[0], a.get("k", 1), a.get("eps", 1e-5)),
                ctx.inputs[1])

    # ĝ = g·γ, over the M normalised values of a sample:
    #   dx = s·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  dγ = Σ_samples g·x̂,  dβ = Σ_samples g
    def backward(ctx, grad):
        xhat, rstd, weight = ctx.saved
        need, k = ctx.needs_input_grad, ctx.attrs.get("k", 1)
        axes = tuple(range(grad.ndim - k, grad.ndim))
        batch = tuple(range(grad.ndim - k))
        dx = dgamma = dbeta = None
        if need[0]:
            gh = grad * weight if weight is not None else grad
            dx = rstd * (gh - gh.mean(axis=axes, keepdims=True)
                         - xhat * (gh * xhat).mean(axis=axes, keepdims=True))
        if len(need) > 1 and need[1]:
            dgamma = (grad * xhat).sum(axis=batch)
        if len(need) > 2 and need[2]:
            dbeta = grad.sum(axis=batch)
        return dx, dgamma, dbeta


def _layer_stats(xp, x, k: int, eps: float):
    """x̂ = (x − μ)/√(σ² + ε) over the last `k` axes, and 1/√(σ² + ε) (kept dims)."""
    axes = tuple(range(x.ndim - k, x.ndim))
    xc = x - x.mean(axis=axes, keepdims=True)
    rstd = 1 / xp.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    return xc * rstd, rstd


def layer_norm(x: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its trailing `normalized_shape` dimensions, then scale by
    γ (`weight`) and shift by β (`bias`), both of shape `normalized_shape` (PyTorch's
    `F.layer_norm`). Unlike batch norm, no statistics are kept: training and evaluation
    compute the same thing.

    Example:
        >>> xa.layer_norm(xa.randn(4, 10, 16), (16,))    # each of the 40 rows: mean 0, var 1
    """
    op = "layer_norm"
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
        tuple(normalized_shape)
    if not shape or not all(isinstance(n, (int, np.integer)) and n > 0 for n in shape):
        raise ValueError(f"{op}: normalized_shape must be a non-empty sequence of positive "
                         f"ints, got {normalized_shape!r}")
    shape = tuple(int(n) for n in shape)
    if x.ndim < len(shape) or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"{op}: input of shape {x.shape} does not end with normalized_shape "
                         f"{shape}: expected input of shape (*, {', '.join(map(str, shape))})")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"{op}: {name} of shape {tuple(t.shape)} does not match "
                             f"normalized_shape {shape}")
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{op}: {name} has dtype {t.dtype}, the input {x.dtype}; "
                            "expected the same dtype (no silent upcast)")
    return LayerNorm.apply(x, weight, bias, k=len(shape), eps=float(eps))


def _array(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)
