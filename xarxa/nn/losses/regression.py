"""The regression losses of the notes (§1.3): L1 (MAE), L2 (MSE), Huber and PyTorch's smooth
L1 — each function (its checks and math) with its `nn` module below it.

`mse_loss` is one fused graph node, `MSE` in `xarxa/autograd/ops/loss.py` (which says why);
the others are composed from core ops and end in the one `reduce`.
"""
from __future__ import annotations

from ...autograd.ops import abs as _abs
from ...autograd.ops import clamp, where
from ...autograd.ops.loss import MSE
from ...autograd.record import call_scope
from ...tensor import Tensor
from ._common import _Loss, check_input, check_reduction, float_target, reduce

__all__ = ["l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss",
           "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss"]


@call_scope("l1_loss")
def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """L1 / mean absolute error: |y − ŷ| per element (gradient sign(ŷ − y), 0 at 0).

    Shape: input and target of the same shape; output scalar or that shape ('none').
    """
    target = float_target(target, check_input(input, "l1_loss"), "l1_loss")
    return reduce(_abs(input - target), reduction, "l1_loss")


class L1Loss(_Loss):
    """`l1_loss` as a module."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


@call_scope("mse_loss")
def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """L2 / mean squared error: (y − ŷ)² per element, reduced.

    Example:
        >>> F.mse_loss(xa.tensor([1.5, 2.0]), xa.tensor([1.0, 2.0]))   # 0.125
    """
    op = "mse_loss"
    target = float_target(target, check_input(input, op), op)
    check_reduction(reduction, op)
    return MSE.apply(input, target, reduction=reduction)


class MSELoss(_Loss):
    """`mse_loss` as a module."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


def _huber(diff: Tensor, delta: float) -> Tensor:
    """The per-element Huber loss of the errors `diff` (δ > 0)."""
    a = _abs(diff)
    # the quadratic branch squares the error clamped to [−δ, δ]: where() sends it a zero
    # upstream gradient wherever |d| ≥ δ, and 0·d would be 0·∞ = NaN at an infinite error
    small = clamp(diff, -delta, delta)
    return where((a < delta)._data, 0.5 * small * small, delta * (a - 0.5 * delta))


@call_scope("huber_loss")
def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """The notes' Huber loss (§1.3.5), identical to PyTorch's `huber_loss`:

        ½ (y − ŷ)²           if |y − ŷ| < δ
        δ (|y − ŷ| − ½ δ)    otherwise

    quadratic near 0 (small steps near the optimum), linear far away (robust to outliers).

    Example:
        >>> F.huber_loss(xa.tensor([1.9]), xa.tensor([2.0]), delta=0.11)   # 0.005
    """
    op = "huber_loss"
    target = float_target(target, check_input(input, op), op)
    if not delta > 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    return reduce(_huber(input - target, delta), reduction, op)


class HuberLoss(_Loss):
    """`huber_loss` as a module."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target) -> Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


@call_scope("smooth_l1_loss")
def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """PyTorch's smooth L1 loss: the Huber loss with δ = β divided by β,

        ½ (y − ŷ)² / β       if |y − ŷ| < β
        |y − ŷ| − ½ β        otherwise

    so that its linear part has slope 1 for any β (β = 0 is the L1 loss).

    Example:
        >>> F.smooth_l1_loss(xa.tensor([1.5, 4.0]), xa.tensor([1.0, 2.0]))   # (0.125 + 1.5)/2
    """
    op = "smooth_l1_loss"
    target = float_target(target, check_input(input, op), op)
    if not beta >= 0:
        raise ValueError(f"{op}: beta must be non-negative, got {beta}")
    diff = input - target
    return reduce(_huber(diff, beta) / beta if beta > 0 else _abs(diff), reduction, op)


class SmoothL1Loss(_Loss):
    """`smooth_l1_loss` as a module."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target) -> Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)
