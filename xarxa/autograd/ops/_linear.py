"""Linear maps given by two array kernels, differentiable to any order.

Many backward passes are a linear map of the gradient with constant side data: pooling's
scatter into the argmax positions, gather's scatter-add, interpolation's weighted spread,
unbroadcasting. On arrays (first order) such a backward simply runs its kernel; with
`create_graph=True` the gradient is a Tensor and the same kernel must become a node of the
graph. `linear_map(g, A, At)` does both: on an array it is `A(g)`; on a Tensor it records a
`LinearMap` node whose VJP is `At` (and whose VJP's VJP is `A` again) — so an op that has a
forward kernel and a backward kernel already has every derivative, with no third formula.
"""
from __future__ import annotations

from ..function import Function
from ...tensor import Tensor


class LinearMap(Function):
    """y = A(x) for a linear A given as kernels on arrays: `apply` (A) and `transpose` (Aᵀ),
    with every constant (indices, shapes, fixed weights) inside them."""

    def forward(ctx, x, apply, transpose, name="LinearMap"):
        return apply(x)

    # d⟨A(x), g⟩/dx = Aᵀ(g): the transpose kernel, itself a LinearMap when recorded
    def backward(ctx, grad):
        a = ctx.attrs
        return (linear_map(grad, a["transpose"], a["apply"], a["name"] + "Backward"),)

    @property
    def label(self) -> str:
        return self.attrs.get("name", "LinearMap")


def linear_map(x, apply, transpose, name: str = "LinearMap"):
    """`apply(x)` for an array `x`; for a Tensor, the same value as a differentiable node
    whose gradient is `transpose` (see the module docstring)."""
    if isinstance(x, Tensor):
        return LinearMap.apply(x, apply=apply, transpose=transpose, name=name)
    return apply(x)
