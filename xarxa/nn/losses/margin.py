"""The margin losses: the notes' ±1 hinge loss (§1.3.6) and PyTorch's multi-class
`multi_margin_loss` — each function (its checks and math) with its `nn` module below it.

Both are composed from core ops and end in the one `reduce`. The margin losses on
embeddings (contrastive, triplet) are in `xarxa.metric_learning.losses`.
"""
from __future__ import annotations

import numpy as np

from ...autograd.ops import relu, where
from ...autograd.record import call_scope
from ...tensor import Tensor
from ._common import (_Loss, as_buffer, check_index_range, check_input, check_margin,
                      class_indices, class_weight_array, float_target, index_target_shape,
                      reduce)

__all__ = ["hinge_loss", "multi_margin_loss", "HingeLoss", "MultiMarginLoss"]


@call_scope("hinge_loss")
def hinge_loss(input: Tensor, target, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """The notes' hinge loss max(0, m − y·f(x)) for labels y = ±1 (§1.3.6).

    Not PyTorch's `hinge_embedding_loss`, which is defined differently.

    Shape: input (scores f(x)) and target (±1) of the same shape.
    """
    op = "hinge_loss"
    check_input(input, op)
    m = check_margin(margin, op)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.size and not np.all((t == 1) | (t == -1)):
        bad = np.unique(t[(t != 1) & (t != -1)])[:5].tolist()
        raise ValueError(f"{op}: target labels must be -1 or 1, got {bad}")
    target = float_target(target, input, op)
    return reduce(relu(m - target * input), reduction, op)


class HingeLoss(_Loss):
    """`hinge_loss` (the notes' ±1 margin loss) as a module."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = check_margin(margin, "HingeLoss")

    def forward(self, input: Tensor, target) -> Tensor:
        return hinge_loss(input, target, margin=self.margin, reduction=self.reduction)


@call_scope("multi_margin_loss")
def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss (PyTorch's): Σ_{c≠y} w_y·max(0, m − x_y + x_c)^p / C.

    Shape: input (N, C) or (C,); target (N,) or () class indices.
    """
    op = "multi_margin_loss"
    check_input(input, op)
    if p not in (1, 2):
        raise ValueError(f"{op}: p must be 1 or 2, got {p}")
    m = check_margin(margin, op)
    if input.ndim not in (1, 2):
        raise ValueError(f"{op}: input must have shape (N, C) or (C,), got {input.shape}")
    t = class_indices(target, op)
    c = input.shape[-1]
    if t.shape != index_target_shape(input.shape, op):
        raise ValueError(f"{op}: target must have shape {index_target_shape(input.shape, op)}"
                         f" for input of shape {input.shape}, got {t.shape}")
    check_index_range(t, c, None, op)
    w = class_weight_array(weight, c, input.dtype, op)
    x = input.reshape(-1, c)
    t = t.reshape(-1)
    rows = np.arange(t.size)
    x_y = x[rows, t].reshape(-1, 1)
    others = np.ones(x.shape, dtype=bool)
    others[rows, t] = False                              # the sum skips c = y
    with np.errstate(invalid="ignore"):   # m − x_y + x_y is ∞ − ∞ for an infinite x_y
        h = relu(m - x_y + x)
    # where(), not h·mask: the skipped NaN would survive 0·NaN (and 0·∞ in the gradient)
    h = where(others, h, 0.0)
    if p == 2:
        h = h * h
    per = h.sum(dim=1) / c
    if w is not None:
        per = per * w[t]
    return reduce(per.reshape(index_target_shape(input.shape, op)), reduction, op)


class MultiMarginLoss(_Loss):
    """`multi_margin_loss` as a module."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.p, self.margin = p, check_margin(margin, "MultiMarginLoss")
        self.register_buffer("weight", as_buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)
