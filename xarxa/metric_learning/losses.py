"""The metric-learning losses (§1.3.8), all in one place: the notes' contrastive and triplet
ranking losses, PyTorch's `triplet_margin_loss`, and the triplet types (easy, semi-hard,
hard) that the miners select by — each function (its checks and math) with its `nn` module
below it.

All are composed from core ops and end in the one `reduce` of `xarxa.nn.losses`.
`triplet_margin_loss` and `TripletMarginLoss` are also `F.triplet_margin_loss` and
`nn.TripletMarginLoss` (PyTorch's names; `xarxa.nn.losses` re-exports them from here).
"""
from __future__ import annotations

import numpy as np

from ..autograd.ops import abs as _abs
from ..autograd.ops import relu, sqrt, where
from ..autograd.record import call_scope
from ..nn.losses._common import _Loss, check_input, check_margin, check_reduction, reduce
from ..tensor import Tensor
from .distances import check_metric, squared_and_plain

__all__ = ["contrastive_loss", "triplet_loss", "triplet_margin_loss", "triplet_types",
           "classify_triplets", "EASY", "SEMI_HARD", "HARD",
           "ContrastiveLoss", "TripletLoss", "TripletMarginLoss"]

EASY, SEMI_HARD, HARD = 0, 1, 2
TRIPLET_TYPES = {"easy": EASY, "semi-hard": SEMI_HARD, "hard": HARD}


def _embeddings(x, op: str, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x))
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {x.dtype}")
    return x


@call_scope("contrastive_loss")
def contrastive_loss(x1, x2, target, margin: float = 1.0, metric: str = "euclidean",
                     squared_hinge: bool = True, reduction: str = "mean") -> Tensor:
    """The notes' contrastive loss on pairs of embeddings:

        L = y·d²(x1, x2) + (1 − y)·max²(0, m − d(x1, x2))

    with y = 1 for a positive (same identity) pair and 0 for a negative one.
    `squared_hinge=False` uses the plain hinge max(0, m − d) of exercise 1.7.

    Shape: x1, x2 (N, D) or (D,); target (N,) or () of 0/1. Output scalar or (N,).

    Example (exercise 1.7, L1 distance, m = 4):
        >>> contrastive_loss(xa.tensor([1.0]), xa.tensor([3.0]), 0, margin=4.0,
        ...                  metric="l1", squared_hinge=False)          # 2
    """
    op = "contrastive_loss"
    x1, x2 = _embeddings(x1, op, "x1"), _embeddings(x2, op, "x2")
    check_metric(metric, op)
    check_reduction(reduction, op)
    m = check_margin(margin, op)
    if x1.shape != x2.shape or x1.ndim not in (1, 2):
        raise ValueError(f"{op}: x1 and x2 must share a shape (N, D) or (D,), got "
                         f"{x1.shape} and {x2.shape}")
    y = target._data if isinstance(target, Tensor) else np.asarray(target)
    if y.shape != x1.shape[:-1]:
        raise ValueError(f"{op}: target must have shape {x1.shape[:-1]} (one label per "
                         f"pair), got {y.shape}")
    if y.size and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{op}: target must be 1 (positive pair) or 0 (negative pair), got "
                         f"{np.unique(y[(y != 0) & (y != 1)])[:5].tolist()}")
    y = y.astype(x1.dtype)
    sq, d = squared_and_plain(x1, x2, metric)
    hinge = relu(m - d)
    negative = hinge * hinge if squared_hinge else hinge
    return reduce(y * sq + (1 - y) * negative, reduction, op)


def _triplet_distances(anchor, positive, negative, metric: str, squared: bool, op: str):
    a = _embeddings(anchor, op, "anchor")
    p = _embeddings(positive, op, "positive")
    n = _embeddings(negative, op, "negative")
    check_metric(metric, op)
    if not a.shape == p.shape == n.shape or a.ndim not in (1, 2):
        raise ValueError(f"{op}: anchor, positive and negative must share a shape (N, D) or "
                         f"(D,), got {a.shape}, {p.shape}, {n.shape}")
    sq_ap, d_ap = squared_and_plain(a, p, metric)
    sq_an, d_an = squared_and_plain(a, n, metric)
    return (sq_ap, sq_an) if squared else (d_ap, d_an)


@call_scope("triplet_loss")
def triplet_loss(anchor, positive, negative, margin: float = 1.0, metric: str = "euclidean",
                 squared: bool = True, reduction: str = "mean") -> Tensor:
    """The notes' triplet ranking loss max(0, m + d²(a, p) − d²(a, n)).

    `squared=False` uses plain distances (then, for 'euclidean', it is PyTorch's
    `triplet_margin_loss` with ε = 0).

    Shape: anchor, positive, negative (N, D) or (D,). Output scalar or (N,).
    """
    op = "triplet_loss"
    check_reduction(reduction, op)
    m = check_margin(margin, op)
    d_ap, d_an = _triplet_distances(anchor, positive, negative, metric, squared, op)
    return reduce(relu(m + d_ap - d_an), reduction, op)


def triplet_types(d_ap, d_an, margin: float):
    """Classify triplets from their anchor-positive and anchor-negative distances (§1.3.8):

        HARD (2)       d_an ≤ d_ap             the negative is closer: loss ≥ m
        SEMI_HARD (1)  d_ap < d_an < d_ap + m  further, but inside the margin: 0 < loss < m
        EASY (0)       d_an ≥ d_ap + m         loss 0

    Pass the distances the loss uses (squared ones for the notes' triplet loss). The
    boundaries follow the loss: d_an = d_ap costs the full margin (hard), d_an = d_ap + m
    costs nothing (easy). Returns an int64 array.
    """
    m = check_margin(margin, "triplet_types")
    d_ap = d_ap._data if isinstance(d_ap, Tensor) else np.asarray(d_ap)
    d_an = d_an._data if isinstance(d_an, Tensor) else np.asarray(d_an)
    out = np.full(np.broadcast_shapes(d_ap.shape, d_an.shape), SEMI_HARD, dtype=np.int64)
    out[np.broadcast_to(d_an <= d_ap, out.shape)] = HARD
    out[np.broadcast_to(d_an >= d_ap + m, out.shape)] = EASY
    return out


def classify_triplets(anchor, positive, negative, margin: float = 1.0,
                      metric: str = "euclidean", squared: bool = True):
    """EASY / SEMI_HARD / HARD for each triplet of embeddings, with the distances (squared
    by default) of `triplet_loss`. Returns an int64 array of shape (N,)."""
    d_ap, d_an = _triplet_distances(anchor, positive, negative, metric, squared,
                                    "classify_triplets")
    return triplet_types(d_ap, d_an, margin)


class ContrastiveLoss(_Loss):
    """`contrastive_loss` as a module."""

    def __init__(self, margin: float = 1.0, metric: str = "euclidean",
                 squared_hinge: bool = True, reduction: str = "mean") -> None:
        super().__init__(reduction)
        check_metric(metric, "ContrastiveLoss")
        self.margin = check_margin(margin, "ContrastiveLoss")
        self.metric, self.squared_hinge = metric, squared_hinge

    def forward(self, x1, x2, target) -> Tensor:
        return contrastive_loss(x1, x2, target, self.margin, self.metric, self.squared_hinge,
                                self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, metric={self.metric!r}, reduction={self.reduction!r}"


class TripletLoss(_Loss):
    """`triplet_loss` (the notes' squared-distance triplet loss) as a module."""

    def __init__(self, margin: float = 1.0, metric: str = "euclidean", squared: bool = True,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        check_metric(metric, "TripletLoss")
        self.margin = check_margin(margin, "TripletLoss")
        self.metric, self.squared = metric, squared

    def forward(self, anchor, positive, negative) -> Tensor:
        return triplet_loss(anchor, positive, negative, self.margin, self.metric, self.squared,
                            self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, metric={self.metric!r}, reduction={self.reduction!r}"


# -- PyTorch's triplet loss, with plain (not squared) p-norm distances -----------------------

def _pnorm(diff: Tensor, p: float) -> Tensor:
    if p == 1:
        return _abs(diff).sum(dim=-1)
    if p == 2:
        return sqrt((diff * diff).sum(dim=-1))
    return (_abs(diff) ** p).sum(dim=-1) ** (1.0 / p)


@call_scope("triplet_margin_loss")
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, reduction: str = "mean") -> Tensor:
    """PyTorch's triplet loss with plain (not squared) p-norm distances:
    max(0, m + d(a, p) − d(a, n)), d(x, y) = ‖x − y + ε‖_p; `swap` uses min(d(a,n), d(p,n)).

    The notes' squared-distance form is `xarxa.metric_learning.triplet_loss`.

    Shape: anchor, positive, negative (N, D) or (D,).
    """
    op = "triplet_margin_loss"
    for name, x in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_input(x, op, name)
    if not anchor.shape == positive.shape == negative.shape or anchor.ndim not in (1, 2):
        raise ValueError(f"{op}: anchor, positive and negative must share a shape (N, D) or "
                         f"(D,), got {anchor.shape}, {positive.shape}, {negative.shape}")
    m = check_margin(margin, op)
    if not p > 0:
        raise ValueError(f"{op}: p must be positive, got {p}")
    d_ap = _pnorm(anchor - positive + eps, p)
    d_an = _pnorm(anchor - negative + eps, p)
    if swap:
        d_pn = _pnorm(positive - negative + eps, p)
        d_an = where((d_pn < d_an)._data, d_pn, d_an)
    return reduce(relu(m + d_ap - d_an), reduction, op)


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
