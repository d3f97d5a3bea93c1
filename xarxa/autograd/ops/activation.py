"""Activation functions. `sigmoid`, `softmax` and `log_softmax` are fused single nodes
because the composed forms overflow for large |x| (and are slower); so are PyTorch's
leaky_relu, elu, gelu, silu and softplus (one node each instead of five to ten).

`inplace=True` (PyTorch's `F.relu(x, inplace=True)`) writes the result into `x`: inside
the graph it is recorded as a graph op that rebases `x` (see `autograd/version.py`), so
the version counter guards it like `x.relu_()`.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..function import Function
from ._out import into
from ..grad_mode import is_grad_enabled, no_grad
from ..version import bump_version
from ..version import leaf_error, rebase
from ...tensor import Tensor
from ._erf import erf_array
from ._layout import layout_of
from .elementwise import clamp, graph_input
from .math import erf
from ._util import floating, normalize_dim


def _sigmoid(xp, x):
    """σ(x) on an array, in x's dtype, without overflow for any x; on a Tensor (a backward
    with create_graph), the differentiable `sigmoid`."""
    if isinstance(x, Tensor):
        return Sigmoid.apply(x)
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


# max(x, 0) against a block of zeros: NumPy's loop for an array and a scalar is not
# vectorised like the one for two arrays (2.7× slower on a 6 MiB float32 array, 0.59 vs
# 0.22 ms; benchmarks/RESULTS.md, "NumPy's slow loops"), and a small zero block read again
# and again stays in the L1 cache. Bit for bit the same results (signed zeros, NaNs).
_ZERO_BLOCK = 16384
_zero_blocks: dict = {}


def _flat(a):
    """a's memory as a flat view when it is dense in some axis order, else None."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    t = a.transpose(layout_of(a))
    return t.reshape(-1) if t.flags.c_contiguous else None


def relu_array(xp, x, out=None):
    """max(x, 0) of an array, into `out` (x itself for in place) or a new array stored
    like x; the same values as `xp.maximum(x, 0, out=out)`, faster on large NumPy arrays."""
    if x.size < 2 * _ZERO_BLOCK or type(x) is not np.ndarray or x.dtype.kind != "f":
        return xp.maximum(x, 0, out=out)       # small (an MLP's): no extra work
    if out is None:
        out = xp.empty_like(x)
    fx, fo = _flat(x), _flat(out)
    if fx is None or fo is None or x.strides != out.strides:
        return xp.maximum(x, 0, out=out)
    zeros = _zero_blocks.get(x.dtype)
    if zeros is None:                          # one read-only block per dtype, shared
        zeros = np.zeros(_ZERO_BLOCK, x.dtype)
        zeros.flags.writeable = False
        zeros = _zero_blocks.setdefault(x.dtype, zeros)
    full = x.size - x.size % _ZERO_BLOCK
    np.maximum(fx[:full].reshape(-1, _ZERO_BLOCK), zeros,
               out=fo[:full].reshape(-1, _ZERO_BLOCK))
    np.maximum(fx[full:], 0, out=fo[full:])
    return out


class ReLU(Function):
    def forward(ctx, x):
        out = relu_array(ctx.xp, x)
        ctx.save_for_backward(out)
        return out

    # d relu(x) = g·[x > 0]  (0 at x = 0, as in PyTorch)
    def backward(ctx, grad):
        return (grad * (ctx.saved[0] > 0),)


class Sigmoid(Function):
    def forward(ctx, x):
        out = _sigmoid(ctx.xp, x)  # never overflows
        ctx.save_for_backward(out)
        return out

    # dσ(x) = g·σ(x)(1 − σ(x))
    def backward(ctx, grad):
        out = ctx.saved[0]
        return (grad * out * (1 - out),)


class Tanh(Function):
    def forward(ctx, x):
        out = ctx.xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    # d tanh(x) = g·(1 − tanh²(x))
    def backward(ctx, grad):
        out = ctx.saved[0]
        if isinstance(grad, Tensor):      # create_graph: new nodes, nothing written to
            return (grad * (1 - out * out),)
        xp = ctx.xp                       # 1 − tanh², then ·g, in one fresh buffer (the
        d = xp.multiply(out, out, out=xp.empty_like(out))    # same products: 0.8× the
        xp.subtract(1, d, out=d)                             # time of three arrays)
        d *= grad
        return (d,)


class Step(Function):
    def forward(ctx, x):
        return (x >= 0).astype(x.dtype)

    # the Heaviside step is flat almost everywhere: its gradient is taken as 0
    # (the Dirac delta at 0 is ignored), which is why perceptrons need their own rule
    def backward(ctx, grad):
        return (ctx.xp.zeros_like(grad),)


class LeakyReLU(Function):
    def forward(ctx, x, negative_slope=0.01):
        positive = x > 0
        ctx.save_for_backward(positive)
        return ctx.xp.where(positive, x, x * negative_slope)

    # d leaky_relu(x) = g where x > 0, else a·g (a at 0, as in PyTorch)
    def backward(ctx, grad):
        return (ctx.xp.where(ctx.saved[0], grad, grad * ctx.attrs["negative_slope"]),)


class ELU(Function):
    def forward(ctx, x, alpha=1.0):
        xp = ctx.xp
        ctx.save_for_backward(x)
        return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))

    # d elu(x) = g where x > 0, else α·eˣ·g
    def backward(ctx, grad):
        xp, x = ctx.xp, ctx.saved[0]
        return (xp.where(x > 0, grad, grad * ctx.attrs["alpha"] * xp.exp(xp.minimum(x, 0))),)

    def graph_saved(ctx):
        """For create_graph: x, also after `elu_` rewrote it in place (`graph_input`)."""
        return (graph_input(ctx.inputs[0], ctx.saved[0]),)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


class GELU(Function):
    def forward(ctx, x, approximate="none"):
        xp = ctx.xp
        if approximate == "tanh":   # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
            t = xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + erf_array(xp, x * (1 / math.sqrt(2))))   # Φ(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    # exact: d(xΦ(x)) = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π)
    # tanh:  d = g·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²))
    def backward(ctx, grad):
        xp = ctx.xp
        x, saved = ctx.saved
        if ctx.attrs["approximate"] == "tanh":
            inner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return (grad * (0.5 * (1 + saved) + 0.5 * x * (1 - saved * saved) * inner),)
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return (grad * (saved + x * pdf),)

    def graph_saved(ctx):
        """For create_graph: t (tanh form) or Φ(x) rebuilt from x with differentiable ops."""
        x = graph_input(ctx.inputs[0], ctx.saved[0])
        if ctx.attrs["approximate"] == "tanh":
            return x, Tanh.apply(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
        return x, 0.5 * (1 + erf(x * (1 / math.sqrt(2))))


class SiLU(Function):
    def forward(ctx, x):
        s = _sigmoid(ctx.xp, x)
        ctx.save_for_backward(x, s)
        return x * s

    # d(x·σ(x)) = g·σ(x)(1 + x(1 − σ(x)))
    def backward(ctx, grad):
        x, s = ctx.saved
        return (grad * s * (1 + x * (1 - s)),)

    def graph_saved(ctx):
        """For create_graph: σ(x) rebuilt from x (a Sigmoid node)."""
        x = graph_input(ctx.inputs[0], ctx.saved[0])
        return x, Sigmoid.apply(x)


class Softplus(Function):
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = ctx.xp
        z = x * beta if beta != 1.0 else x
        ctx.save_for_backward(z)
        # log(1 + eᶻ) = max(z, 0) + log(1 + e^(−|z|)): finite for any z
        soft = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
        if beta != 1.0:
            soft = soft / beta
        return xp.where(z > threshold, x, soft)   # linear above the threshold, as PyTorch

    # d softplus(x) = g·σ(βx) (g above the threshold)
    def backward(ctx, grad):
        z = ctx.saved[0]
        return (ctx.xp.where(z > ctx.attrs["threshold"], grad, grad * _sigmoid(ctx.xp, z)),)

    def graph_saved(ctx):
        """For create_graph: z = βx rebuilt from x (z is x itself when β = 1)."""
        beta = ctx.attrs["beta"]
        return (ctx.inputs[0] * beta if beta != 1.0 else graph_input(ctx.inputs[0], ctx.saved[0]),)


class Softmax(Function):
    def forward(ctx, x, dim=-1, temperature=1.0):
        xp = ctx.xp
        if x.size == 0:   # an empty dimension (or batch): an empty result, as in PyTorch
            out = x.copy()
            ctx.save_for_backward(out)
            return out
        z = x / temperature if temperature != 1.0 else x
        e = xp.exp(z - z.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    # dS = S ⊙ (g − Σ g⊙S) / T
    def backward(ctx, grad):
        out = ctx.saved[0]
        a = ctx.attrs
        dx = out * (grad - (grad * out).sum(axis=a["dim"], keepdims=True))
        return (dx / a["temperature"] if a["temperature"] != 1.0 else dx,)


class LogSoftmax(Function):
    def forward(ctx, x, dim=-1):
        xp = ctx.xp
        if x.size == 0:   # an empty dimension (or batch): an empty result, as in PyTorch
            out = x.copy()
            ctx.save_for_backward(out)
            return out
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    # d log S = g − S·Σg
    def backward(ctx, grad):
        out = ctx.saved[0]
        return (grad - ctx.xp.exp(out) * grad.sum(axis=ctx.attrs["dim"], keepdims=True),)


def _in_place(x: Tensor, op: str, compute) -> Tensor:
    """Write `compute(x)` into `x` and return `x`: a graph op that rebases `x` when `x` is
    in the graph, a plain write (version bumped) otherwise; a leaf that requires grad is
    refused with PyTorch's message."""
    if is_grad_enabled() and x.requires_grad:
        if x._ctx is None:
            raise leaf_error(op)
        return rebase(x, compute(x), op)
    with no_grad():
        out = compute(x)
    x._data[...] = out._data
    bump_version(x)
    return x


def _float_input(x, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}")
    return x


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x); `inplace=True` writes into x (as `x.relu_()`)."""
    if inplace:
        return x.relu_()
    return ReLU.apply(x)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x limited to [min_val, max_val] (PyTorch's `F.hardtanh`), composed from `clamp`:
    the gradient passes where min_val ≤ x ≤ max_val (PyTorch's hardtanh stops it at the two
    bounds themselves, a difference only for inputs exactly on a bound)."""
    _float_input(x, "hardtanh")
    lo, hi = float(min_val), float(max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val ({lo}) must not exceed max_val ({hi})")
    if inplace:
        return _in_place(x, "hardtanh_", lambda t: clamp(t, lo, hi))
    return clamp(x, lo, hi)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6) (PyTorch's `F.relu6`, MobileNet's activation): `hardtanh(x, 0, 6)`."""
    return hardtanh(x, 0.0, 6.0, inplace)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope·x (PyTorch's `F.leaky_relu`)."""
    _float_input(x, "leaky_relu")
    slope = float(negative_slope)
    if inplace:
        return _in_place(x, "leaky_relu_", lambda t: LeakyReLU.apply(t, negative_slope=slope))
    return LeakyReLU.apply(x, negative_slope=slope)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else α(eˣ − 1) (PyTorch's `F.elu`)."""
    _float_input(x, "elu")
    alpha = float(alpha)
    if inplace:
        return _in_place(x, "elu_", lambda t: ELU.apply(t, alpha=alpha))
    return ELU.apply(x, alpha=alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), Φ the standard normal CDF; `approximate='tanh'` uses
    ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's `F.gelu`)."""
    _float_input(x, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate=approximate)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (swish; PyTorch's `F.silu`)."""
    _float_input(x, "silu")
    if inplace:
        return _in_place(x, "silu_", SiLU.apply)
    return SiLU.apply(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·log(1 + e^(βx)), and x itself where βx > threshold (PyTorch's `F.softplus`)."""
    _float_input(x, "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero, got 0")
    return Softplus.apply(x, beta=float(beta), threshold=float(threshold))


def sigmoid(x: Tensor, *, out=None) -> Tensor:
    """σ(x) = 1 / (1 + e^(−x)), stable for any x; σ' = σ(1 − σ)."""
    if out is not None:
        return into(out, "sigmoid", lambda: sigmoid(x), x)
    return Sigmoid.apply(floating(x))


def tanh(x: Tensor, *, out=None) -> Tensor:
    """Hyperbolic tangent."""
    if out is not None:
        return into(out, "tanh", lambda: tanh(x), x)
    return Tanh.apply(floating(x))


def step(x: Tensor) -> Tensor:
    """Heaviside step of the notes: 1 where x ≥ 0, else 0. Its gradient is defined as 0."""
    return Step.apply(x)


def _check_float(x: Tensor, op: str) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}")


def _implicit_dim(dim, op: str) -> int:
    """`dim`, or the last dimension with PyTorch's warning when it is not given."""
    if dim is not None:
        return dim
    warnings.warn(f"{op}: implicit dimension choice is deprecated (as in PyTorch); the last "
                  "dimension was used. Pass dim= explicitly, e.g. dim=-1 or dim=1 for the "
                  "classes of an (N, C) batch", UserWarning, stacklevel=3)
    return -1


def softmax(x: Tensor, dim: int | None = None, temperature: float = 1.0) -> Tensor:
    """S_i = e^(x_i/T) / Σ_j e^(x_j/T) along `dim`; large T flattens, small T sharpens.

    Without `dim` the last dimension is used, with a warning (PyTorch deprecates the
    implicit choice).

    Example:
        >>> xa.softmax(xa.tensor([1.0, 2.0]), dim=0, temperature=10.0)
    """
    _check_float(x, "softmax")
    if temperature <= 0:
        raise ValueError(f"softmax: temperature must be positive, got {temperature}")
    d = normalize_dim(_implicit_dim(dim, "softmax"), x.ndim, "softmax")
    return Softmax.apply(x, dim=d, temperature=float(temperature))


def log_softmax(x: Tensor, dim: int | None = None, temperature: float = 1.0) -> Tensor:
    """log S along `dim`, computed with the log-sum-exp shift (finite for any logits).
    Without `dim`: the last dimension, with a warning (as `softmax`)."""
    _check_float(x, "log_softmax")
    if temperature <= 0:
        raise ValueError(f"log_softmax: temperature must be positive, got {temperature}")
    d = normalize_dim(_implicit_dim(dim, "log_softmax"), x.ndim, "log_softmax")
    if temperature != 1.0:
        x = x / temperature
    return LogSoftmax.apply(x, dim=d)
