"""The log-likelihood losses: cross-entropy (from logits), NLL, KL divergence and the binary
cross-entropies, with `class_weights` for imbalanced data (exercise 1.6) — each function
(its checks and math) with its `nn` module below it.

`cross_entropy`, `binary_cross_entropy` and `binary_cross_entropy_with_logits` are one
fused graph node each (`CrossEntropy`, `BCE`, `BCEWithLogits` in
`xarxa/autograd/ops/loss.py`, which says why); `nll_loss` and `kl_div` are composed from
core ops and end in the one `reduce`.
"""
from __future__ import annotations

import numbers

import numpy as np

from ...autograd.ops import exp, log, where
from ...autograd.ops.loss import BCE, BCEWithLogits, CrossEntropy
from ...autograd.record import call_scope
from ...dtypes import get_default_dtype
from ...tensor import Tensor
from ._common import (_Loss, as_buffer, broadcast_constant, check_index_range, check_input,
                      check_probabilities, check_reduction, class_indices,
                      class_weight_array, float_target, gather_classes, index_target_shape,
                      reduce)

__all__ = ["cross_entropy", "nll_loss", "kl_div", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "class_weights",
           "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss"]


@call_scope("cross_entropy")
def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between softmax(input) and the target, from logits (PyTorch's).

    loss_i = −Σ_c w_c·y_ic·ln S_ic, with y one-hot (integer targets) or given
    probabilities (floating targets of the input's shape). With `label_smoothing` ε the
    target becomes (1 − ε)·y + ε/C. `mean` divides by Σ_i w_{t_i} over non-ignored
    targets (PyTorch's weighted mean; by N·d1… for probability targets). When every target
    is ignored the mean is 0 with a zero gradient (PyTorch returns NaN).

    Shape:
        input: (N, C), (C,) or (N, C, d1, …) for per-pixel losses (segmentation).
        target: (N,), () or (N, d1, …) int64 class indices, or floats of input's shape.
        output: scalar, or the target's index shape with reduction='none'.

    Example:
        >>> F.cross_entropy(xa.tensor([[2.0, 0.5, -1.0]]), xa.tensor([0]))
    """
    op = "cross_entropy"
    check_input(input, op)
    check_reduction(reduction, op)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    w = class_weight_array(weight, c, input.dtype, op)
    t_arr = target._data if isinstance(target, Tensor) else np.asarray(target)
    prob = t_arr.dtype.kind == "f"
    if prob:
        if t_arr.shape != input.shape:
            raise ValueError(f"{op}: probability targets (floating dtype) must have the "
                             f"input's shape {input.shape}, got {t_arr.shape}; class-index "
                             "targets must be integers")
        target = float_target(target, input, op)
    elif t_arr.dtype.kind in "iu":
        expected = index_target_shape(input.shape, op)
        if t_arr.shape != expected:
            raise ValueError(f"{op}: class-index target must have shape {expected} for "
                             f"input of shape {input.shape}, got {t_arr.shape}")
        check_index_range(t_arr, c, ignore_index, op)
        target = t_arr
    else:
        raise TypeError(f"{op}: target must hold int64 class indices or float "
                        f"probabilities, got dtype {t_arr.dtype}")
    one = input.ndim == 1
    if one:
        input = input.reshape(1, c)
        target = target.reshape(1, c) if prob else target.reshape(1)
    out = CrossEntropy.apply(input, target, weight=w, ignore_index=ignore_index,
                             label_smoothing=float(label_smoothing), reduction=reduction,
                             prob=prob)
    return out.reshape(()) if one and reduction == "none" else out


class CrossEntropyLoss(_Loss):
    """`cross_entropy` (from logits) as a module."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", as_buffer(weight))
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


@call_scope("nll_loss")
def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood −w_y·input[y] of log-probabilities (PyTorch's).

    `mean` divides by Σ w_{y_i} over non-ignored targets (0 if there are none).

    Shape: input (N, C), (C,) or (N, C, d1, …); target (N,), () or (N, d1, …).
    """
    op = "nll_loss"
    check_input(input, op)
    check_reduction(reduction, op)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a scalar")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    w = class_weight_array(weight, c, input.dtype, op)
    picked, safe, valid, shape = gather_classes(input, target, ignore_index, op)
    wt = (w[safe] if w is not None else np.ones(safe.shape, input.dtype)) * valid
    loss = -picked * wt
    if reduction == "none":
        return loss.reshape(shape)
    return reduce(loss, reduction, op, denom=float(wt.sum(dtype=np.float64)))


class NLLLoss(_Loss):
    """`nll_loss` (on log-probabilities) as a module."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", as_buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


@call_scope("kl_div")
def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence D(p‖q) = Σ p·ln(p/q) with PyTorch's argument convention: `input` is
    ln q (log-probabilities), `target` is p (or ln p with `log_target=True`).

    Terms with p = 0 are 0, even where ln q = −inf (PyTorch gives NaN there: 0·∞). A target
    that is NaN or negative (not a probability) gives NaN, as in PyTorch. `reduction=
    'batchmean'` (sum / N) is the mathematical KL per sample; 'mean' averages over every
    element, as PyTorch's default does.
    """
    op = "kl_div"
    check_input(input, op)
    check_reduction(reduction, op, ("mean", "batchmean", "sum", "none"))
    target = float_target(target, input, op)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        pos, zero = (target > 0)._data, (target == 0)._data
        log_p = where(pos | zero, log(where(pos, target, 1.0)), float("nan"))  # NaN at p < 0
        with np.errstate(invalid="ignore"):   # 0·(0 − ln q) = 0·∞ at ln q = −inf: masked
            loss = where(zero, 0.0, target * (log_p - input))
    if reduction == "batchmean":
        return reduce(loss, "mean", op, denom=input.shape[0] if input.ndim else 1)
    return reduce(loss, reduction, op)


class KLDivLoss(_Loss):
    """`kl_div` as a module (input: log-probabilities)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(reduction, ("mean", "batchmean", "sum", "none"), size_average, reduce)
        self.log_target = log_target

    def forward(self, input: Tensor, target) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


@call_scope("binary_cross_entropy")
def binary_cross_entropy(input: Tensor, target, weight=None,
                         reduction: str = "mean") -> Tensor:
    """−w·[t·ln p + (1 − t)·ln(1 − p)] for probabilities p (PyTorch's, logs floored at −100
    so that p = 0 or 1 gives finite values). Prefer `binary_cross_entropy_with_logits`.

    Shape:
        input, target: any shape, the same. output: scalar, or input's shape ('none').

    Example:
        >>> F.binary_cross_entropy(xa.tensor([0.9, 0.0]), xa.tensor([1.0, 0.0]))
    """
    op = "binary_cross_entropy"
    check_input(input, op)
    check_reduction(reduction, op)
    target = float_target(target, input, op)
    check_probabilities(input._data, op, hint="; apply sigmoid first or use "
                        "binary_cross_entropy_with_logits")
    w = broadcast_constant(weight, input, op, "weight")
    return BCE.apply(input, target, weight=w, reduction=reduction)


class BCELoss(_Loss):
    """`binary_cross_entropy` (on probabilities) as a module."""

    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", as_buffer(weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return binary_cross_entropy(input, target, weight=self.weight,
                                    reduction=self.reduction)


@call_scope("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input: Tensor, target, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """−w·[p·t·ln σ(x) + (1 − t)·ln(1 − σ(x))] from logits x, one independent sigmoid per
    element (multi-label); finite and accurate for any logit (PyTorch's).

    `pos_weight` (p) multiplies the positive term and broadcasts along the last (class)
    dimension; `weight` rescales each element.

    Shape:
        input, target: any shape, the same. output: scalar, or input's shape ('none').

    Example:
        >>> F.binary_cross_entropy_with_logits(xa.tensor([1000.0, -3.0]), xa.tensor([1., 0.]))
    """
    op = "binary_cross_entropy_with_logits"
    check_input(input, op)
    check_reduction(reduction, op)
    target = float_target(target, input, op)
    w = broadcast_constant(weight, input, op, "weight")
    pw = broadcast_constant(pos_weight, input, op, "pos_weight")
    return BCEWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


class BCEWithLogitsLoss(_Loss):
    """`binary_cross_entropy_with_logits` as a module (multi-label classification)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", as_buffer(weight))
        self.register_buffer("pos_weight", as_buffer(pos_weight))

    def forward(self, input: Tensor, target) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)


def class_weights(labels, num_classes: int | None = None,
                  method: str = "inverse_frequency") -> Tensor:
    """Per-class weights α_k for an imbalanced data set (exercise 1.6), for `weight=`.

    method:
        'inverse_frequency': α_k = 1 / f_k with f_k = n_k / N (80/10/10 % → 1/0.8, 1/0.1,
            1/0.1, the exercise's answer);
        'normalized': the same, scaled to sum to 1;
        'balanced': N / (C·n_k) (scikit-learn's), so that Σ_k n_k·α_k = N.
    A class without samples gets weight 0 (it never appears as a target).

    Shape: labels (N,) integer class indices; returns (C,) in the default float dtype.

    Example:
        >>> class_weights(xa.tensor([0] * 8 + [1, 2]))     # tensor([1.25, 10., 10.])
    """
    op = "class_weights"
    t = class_indices(labels, op).reshape(-1)
    if t.size == 0:
        raise ValueError(f"{op}: labels is empty")
    if t.min() < 0:
        raise ValueError(f"{op}: class indices must be non-negative, got {t.min()}")
    c = int(t.max()) + 1 if num_classes is None else int(num_classes)
    check_index_range(t, c, None, op)
    counts = np.bincount(t, minlength=c).astype(np.float64)
    inv = np.divide(t.size, counts, out=np.zeros(c), where=counts > 0)
    if method == "inverse_frequency":
        w = inv
    elif method == "normalized":
        w = inv / inv.sum()
    elif method == "balanced":
        w = inv / c
    else:
        raise ValueError(f"{op}: method must be 'inverse_frequency', 'normalized' or "
                         f"'balanced', got {method!r}")
    return Tensor(w.astype(get_default_dtype()))
