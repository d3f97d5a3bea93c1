"""Every loss as a `Module` (PyTorch's `nn/modules/loss.py`): a thin wrapper that holds the
options and calls the function of the same name in `loss_functions.py`, where each loss is
written (and which `nn.functional` re-exports).

The constructors of the losses PyTorch has take its arguments in its order, including the
deprecated `size_average`/`reduce` (mapped to `reduction` with PyTorch's warning), so that
positional calls such as `nn.CrossEntropyLoss(weights)` mean the same thing.

The functions stay importable from here too (`xarxa.nn.losses.cross_entropy`), as before.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from . import loss_functions
from ._loss_utils import check_margin, check_reduction, legacy_reduction
from .loss_functions import *  # noqa: F401,F403  (the functions, importable from here)
from .loss_functions import (binary_cross_entropy, binary_cross_entropy_with_logits,
                             cross_entropy, focal_loss, hinge_loss, huber_loss, kl_div,
                             l1_loss, mse_loss, multi_margin_loss, nll_loss,
                             sigmoid_focal_loss, smooth_l1_loss, triplet_margin_loss)
from .module import Module

__all__ = loss_functions.__all__ + [
    "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "HingeLoss", "MultiMarginLoss",
    "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "FocalLoss",
    "SigmoidFocalLoss", "TripletMarginLoss",
]


# -- modules --------------------------------------------------------------------------------

class _Loss(Module):
    def __init__(self, reduction: str = "mean", allowed=("mean", "sum", "none"),
                 size_average=None, reduce=None) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        check_reduction(reduction, type(self).__name__, allowed)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def _buffer(value) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value, dtype=get_default_dtype()))


class L1Loss(_Loss):
    """`l1_loss` as a module."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """`mse_loss` as a module."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """`huber_loss` as a module."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target) -> Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


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


class HingeLoss(_Loss):
    """`hinge_loss` (the notes' ±1 margin loss) as a module."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_margin(margin, "HingeLoss")

    def forward(self, input: Tensor, target) -> Tensor:
        return hinge_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """`multi_margin_loss` as a module."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.p, self.margin = p, check_margin(margin, "MultiMarginLoss")
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """`cross_entropy` (from logits) as a module."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """`nll_loss` (on log-probabilities) as a module."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class KLDivLoss(_Loss):
    """`kl_div` as a module (input: log-probabilities)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(reduction, ("mean", "batchmean", "sum", "none"), size_average, reduce)
        self.log_target = log_target

    def forward(self, input: Tensor, target) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_Loss):
    """`binary_cross_entropy` (on probabilities) as a module."""

    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return binary_cross_entropy(input, target, weight=self.weight,
                                    reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """`binary_cross_entropy_with_logits` as a module (multi-label classification)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class FocalLoss(_Loss):
    """`focal_loss` (the notes' softmax form, per-class α) as a module."""

    def __init__(self, gamma: float = 2.0, alpha=None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.gamma, self.ignore_index = gamma, ignore_index
        self.register_buffer("alpha", _buffer(alpha))

    def forward(self, input: Tensor, target) -> Tensor:
        return focal_loss(input, target, gamma=self.gamma, alpha=self.alpha,
                          ignore_index=self.ignore_index, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, reduction={self.reduction!r}"


class SigmoidFocalLoss(_Loss):
    """`sigmoid_focal_loss` (torchvision's binary focal loss) as a module."""

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.alpha, self.gamma = alpha, gamma

    def forward(self, input: Tensor, target) -> Tensor:
        return sigmoid_focal_loss(input, target, alpha=self.alpha, gamma=self.gamma,
                                  reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """`triplet_margin_loss` (PyTorch's plain-distance triplet loss) as a module."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.margin = check_margin(margin, "TripletMarginLoss")
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                   eps=self.eps, swap=self.swap, reduction=self.reduction)
