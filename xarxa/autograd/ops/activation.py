"""Activation functions. `sigmoid`, `softmax` and `log_softmax` are fused single nodes
because the composed forms overflow for large |x| (and are slower)."""
from __future__ import annotations

import warnings

from ..function import Function
from ...tensor import Tensor
from ._util import floating, normalize_dim


class ReLU(Function):
    def forward(ctx, x):
        out = ctx.xp.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    # d relu(x) = g·[x > 0]  (0 at x = 0, as in PyTorch)
    def backward(ctx, grad):
        return (grad * (ctx.saved[0] > 0),)


class Sigmoid(Function):
    def forward(ctx, x):
        xp = ctx.xp
        z = xp.exp(-xp.abs(x))  # never overflows
        out = xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
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
        return (grad * (1 - out * out),)


class Step(Function):
    def forward(ctx, x):
        return (x >= 0).astype(x.dtype)

    # the Heaviside step is flat almost everywhere: its gradient is taken as 0
    # (the Dirac delta at 0 is ignored), which is why perceptrons need their own rule
    def backward(ctx, grad):
        return (ctx.xp.zeros_like(grad),)


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


def relu(x: Tensor) -> Tensor:
    """max(0, x)."""
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^(−x)), stable for any x; σ' = σ(1 − σ)."""
    return Sigmoid.apply(floating(x))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(floating(x))


def step(x: Tensor) -> Tensor:
    """Heaviside step of the notes: 1 where x ≥ 0, else 0. Its gradient is defined as 0."""
    return Step.apply(x)


heaviside = step


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
