"""The focal losses: the notes' softmax form with per-class α (§1.3) and torchvision's binary
(sigmoid) form — each function (its checks and math) with its `nn` module below it.

Both are composed from core ops (the sigmoid form from the fused `BCEWithLogits` node
of `binary_cross_entropy_with_logits`) and end in the one `reduce`.
"""
from __future__ import annotations

import numpy as np

from ...autograd.ops import exp, log_softmax, sigmoid
from ...autograd.record import call_scope
from ...tensor import Tensor
from ._common import (_Loss, as_buffer, check_input, check_reduction, class_weight_array,
                      float_target, gather_classes, reduce)
from .likelihood import binary_cross_entropy_with_logits

__all__ = ["focal_loss", "sigmoid_focal_loss", "FocalLoss", "SigmoidFocalLoss"]


def _focal_factor(one_minus_p: Tensor, gamma: float) -> Tensor | float:
    if gamma == 0:
        return 1.0
    if gamma < 1:
        # (1 − p)^γ has an infinite slope at p = 1 for γ < 1: keep the base off 0
        one_minus_p = one_minus_p.clamp(min=float(np.finfo(one_minus_p.dtype).tiny))
    return one_minus_p ** gamma


@call_scope("focal_loss")
def focal_loss(input: Tensor, target, gamma: float = 2.0, alpha=None,
               ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """The notes' focal loss (softmax form): −α_y·(1 − S_y)^γ·ln S_y from logits.

    α is an optional per-class weight vector (C,). γ = 0 and α = None give the
    cross-entropy. `mean` averages over the non-ignored samples/pixels (the notes' 1/N).

    Shape: input (N, C), (C,) or (N, C, d1, …) logits; target (N,), () or (N, d1, …).

    Example:
        >>> F.focal_loss(xa.randn(4, 3), xa.tensor([0, 2, 1, 1]), gamma=2.0)
    """
    op = "focal_loss"
    check_input(input, op)
    check_reduction(reduction, op)
    if not gamma >= 0:
        raise ValueError(f"{op}: gamma must be non-negative, got {gamma}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    a = class_weight_array(alpha, c, input.dtype, op, name="alpha")
    logp = log_softmax(input, dim=0 if input.ndim == 1 else 1)
    logp_t, safe, valid, shape = gather_classes(logp, target, ignore_index, op)
    scale = (a[safe] if a is not None else np.ones(safe.shape, input.dtype)) * valid
    loss = -_focal_factor(1.0 - exp(logp_t), gamma) * logp_t * scale
    if reduction == "none":
        return loss.reshape(shape)
    return reduce(loss, reduction, op, denom=int(valid.sum()))


class FocalLoss(_Loss):
    """`focal_loss` (the notes' softmax form, per-class α) as a module."""

    def __init__(self, gamma: float = 2.0, alpha=None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.gamma, self.ignore_index = gamma, ignore_index
        self.register_buffer("alpha", as_buffer(alpha))

    def forward(self, input: Tensor, target) -> Tensor:
        return focal_loss(input, target, gamma=self.gamma, alpha=self.alpha,
                          ignore_index=self.ignore_index, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, reduction={self.reduction!r}"


@call_scope("sigmoid_focal_loss")
def sigmoid_focal_loss(input: Tensor, target, alpha: float = 0.25, gamma: float = 2.0,
                       reduction: str = "none") -> Tensor:
    """The published binary focal loss (Lin et al. 2017) as torchvision defines it:

        α_t·(1 − p_t)^γ·BCE(x, t),  p_t = σ(x)·t + (1 − σ(x))·(1 − t),
        α_t = α·t + (1 − α)·(1 − t)  (no α weighting when α < 0)

    The default reduction is torchvision's 'none'.

    Shape: input (logits) and target (0/1 floats) of any shape, the same.
    """
    op = "sigmoid_focal_loss"
    check_input(input, op)
    check_reduction(reduction, op)
    target = float_target(target, input, op)
    if not gamma >= 0:
        raise ValueError(f"{op}: gamma must be non-negative, got {gamma}")
    p = sigmoid(input)
    ce = binary_cross_entropy_with_logits(input, target, reduction="none")
    p_t = p * target + (1.0 - p) * (1.0 - target)
    loss = ce * _focal_factor(1.0 - p_t, gamma)
    if alpha >= 0:
        loss = (alpha * target + (1.0 - alpha) * (1.0 - target)) * loss
    return reduce(loss, reduction, op)


class SigmoidFocalLoss(_Loss):
    """`sigmoid_focal_loss` (torchvision's binary focal loss) as a module."""

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.alpha, self.gamma = alpha, gamma

    def forward(self, input: Tensor, target) -> Tensor:
        return sigmoid_focal_loss(input, target, alpha=self.alpha, gamma=self.gamma,
                                  reduction=self.reduction)
