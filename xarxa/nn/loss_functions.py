"""Every loss of the notes (§1.3) as a function; `xarxa/nn/losses.py` has a thin `Module`
for each, and `nn.functional` re-exports them all (as PyTorch's `functional` does).

Regression: `l1_loss` (MAE), `mse_loss` (MSE), `huber_loss`, `smooth_l1_loss`. Margin:
`hinge_loss` (the notes' ±1 margin loss), `multi_margin_loss`. Likelihood: `cross_entropy`, `nll_loss`,
`kl_div`, `binary_cross_entropy(_with_logits)`, `focal_loss` (softmax form),
`sigmoid_focal_loss` (torchvision's), with `class_weights` for imbalanced data. Metric
learning: `triplet_margin_loss` (PyTorch's); the notes' contrastive and squared-distance
triplet losses live in `xarxa.metric_learning`.

Most are composed from core ops (autograd derives their gradient); `mse_loss`,
`cross_entropy` and the binary cross-entropies are single graph nodes, in
`xarxa/autograd/ops/loss.py` (which says why). Every function checks its arguments here and
reduces with the one rule of `_loss_utils.reduce`.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd.ops import abs as _abs
from ..autograd.ops import clamp, exp, log, log_softmax, relu, sigmoid, sqrt, where
from ..autograd.ops.loss import BCE, MSE, BCEWithLogits, CrossEntropy
from ..dtypes import get_default_dtype
from ..tensor import Tensor
from ._loss_utils import (broadcast_constant, check_index_range, check_input, check_margin,
                          check_probabilities, check_reduction, class_indices,
                          class_weight_array, float_target, index_target_shape, reduce)

__all__ = [
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "multi_margin_loss",
    "cross_entropy", "nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "focal_loss", "sigmoid_focal_loss", "class_weights",
    "triplet_margin_loss",
]


# -- regression -----------------------------------------------------------------------------

def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """L1 / mean absolute error: |y − ŷ| per element (gradient sign(ŷ − y), 0 at 0).

    Shape: input and target of the same shape; output scalar or that shape ('none').
    """
    target = float_target(target, check_input(input, "l1_loss"), "l1_loss")
    return reduce(_abs(input - target), reduction, "l1_loss")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """L2 / mean squared error: (y − ŷ)² per element, reduced.

    Example:
        >>> F.mse_loss(xa.tensor([1.5, 2.0]), xa.tensor([1.0, 2.0]))   # 0.125
    """
    op = "mse_loss"
    target = float_target(target, check_input(input, op), op)
    check_reduction(reduction, op)
    return MSE.apply(input, target, reduction=reduction)


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


def _huber(diff: Tensor, delta: float) -> Tensor:
    """The per-element Huber loss of the errors `diff` (δ > 0)."""
    a = _abs(diff)
    # the quadratic branch squares the error clamped to [−δ, δ]: where() sends it a zero
    # upstream gradient wherever |d| ≥ δ, and 0·d would be 0·∞ = NaN at an infinite error
    small = clamp(diff, -delta, delta)
    return where((a < delta)._data, 0.5 * small * small, delta * (a - 0.5 * delta))


# -- margin losses --------------------------------------------------------------------------

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


# -- log-likelihood losses -----------------------------------------------------------------

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


def _gather_classes(input: Tensor, target, ignore_index, op: str):
    """input[i, t_i, …] as a flat (M,) tensor, the flat targets (ignored → 0), the mask."""
    t = class_indices(target, op)
    expected = index_target_shape(input.shape, op)
    if t.shape != expected:
        raise ValueError(f"{op}: target must have shape {expected} for input of shape "
                         f"{input.shape}, got {t.shape}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    valid = check_index_range(t, c, ignore_index, op).reshape(-1)
    if input.ndim > 2:                                   # (N, C, d…) -> (N·d…, C)
        input = input.permute(0, *range(2, input.ndim), 1)
    x = input.reshape(-1, c)
    safe = np.where(valid, t.reshape(-1), 0)
    return x[np.arange(safe.size), safe], safe, valid, t.shape


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
    picked, safe, valid, shape = _gather_classes(input, target, ignore_index, op)
    wt = (w[safe] if w is not None else np.ones(safe.shape, input.dtype)) * valid
    loss = -picked * wt
    if reduction == "none":
        return loss.reshape(shape)
    return reduce(loss, reduction, op, denom=float(wt.sum(dtype=np.float64)))


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


# -- focal losses ---------------------------------------------------------------------------

def _focal_factor(one_minus_p: Tensor, gamma: float) -> Tensor | float:
    if gamma == 0:
        return 1.0
    if gamma < 1:
        # (1 − p)^γ has an infinite slope at p = 1 for γ < 1: keep the base off 0
        one_minus_p = one_minus_p.clamp(min=float(np.finfo(one_minus_p.dtype).tiny))
    return one_minus_p ** gamma


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
    logp_t, safe, valid, shape = _gather_classes(logp, target, ignore_index, op)
    scale = (a[safe] if a is not None else np.ones(safe.shape, input.dtype)) * valid
    loss = -_focal_factor(1.0 - exp(logp_t), gamma) * logp_t * scale
    if reduction == "none":
        return loss.reshape(shape)
    return reduce(loss, reduction, op, denom=int(valid.sum()))


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


# -- triplet loss with PyTorch's definition -------------------------------------------------

def _pnorm(diff: Tensor, p: float) -> Tensor:
    if p == 1:
        return _abs(diff).sum(dim=-1)
    if p == 2:
        return sqrt((diff * diff).sum(dim=-1))
    return (_abs(diff) ** p).sum(dim=-1) ** (1.0 / p)


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
