"""Classification and segmentation metrics on NumPy arrays.

Every function accepts NumPy arrays, lists, or any object with a ``.numpy()``
method (a xarxa ``Tensor``), and returns a Python ``float`` or a NumPy array.

How ``pred`` is read (``target`` is always class indices, shape (N,)):

* integer or bool array (N,): predicted class indices;
* float array (N,) or (N, 1): probability of class 1 in a binary problem,
  class 1 predicted when ``p >= threshold`` (the notes' decision threshold γ;
  ``threshold=None`` means 0.5);
* float array (N, C), C >= 2: scores or probabilities, the argmax is predicted
  (ties go to the lower index, like ``np.argmax``); no threshold applies, and
  passing one is an error rather than silently ignored. In ``precision``, ``recall``
  and ``f1_score`` a *binary* problem given as (N, 2) probabilities follows the
  notes' rule instead: class c is predicted for a sample when ``p_c >= threshold``
  (exercise 1.3), each class decided one-vs-rest.

A quotient with an empty denominator (a class never predicted, or with no true
samples) is 0.0, like scikit-learn's ``zero_division=0``, with no warning.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np

__all__ = [
    "accuracy",
    "top_k_accuracy",
    "confusion_matrix",
    "precision",
    "recall",
    "f1_score",
    "iou",
    "mean_iou",
]

Average = Literal["macro", "micro"] | None


# ---------------------------------------------------------------- input helpers


def _to_numpy(x: Any) -> np.ndarray:
    # Tensors (xarxa or others) expose .numpy(); anything else goes through asarray.
    if not isinstance(x, np.ndarray) and hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def _check_threshold(fn: str, threshold: float | None) -> float:
    """The decision threshold to use (None: 0.5), checked to be a probability."""
    if threshold is None:
        return 0.5
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"{fn}: threshold must be a real number, got {threshold!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"{fn}: threshold must lie in [0, 1], got {threshold!r}")
    return float(threshold)


def _as_class_indices(fn: str, what: str, x: np.ndarray) -> np.ndarray:
    """Integer/bool labels (or integral floats) of shape (N,) or (N, 1) -> int64 (N,)."""
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{fn}: {what} must have shape (N,), got {x.shape}")
    if x.dtype.kind in "biu":
        return x.astype(np.int64)
    if x.dtype.kind == "f" and np.all(np.isfinite(x)) and np.all(x == np.round(x)):
        return x.astype(np.int64)  # e.g. float {0., 1.} targets kept for a BCE loss
    raise TypeError(f"{fn}: {what} must hold integer class indices, got dtype {x.dtype}")


def _check_probabilities(fn: str, p: np.ndarray) -> None:
    if p.size and not (np.all(p >= 0.0) and np.all(p <= 1.0)):
        raise ValueError(
            f"{fn}: thresholded predictions must be probabilities in [0, 1], got values in "
            f"[{p.min()}, {p.max()}]; pass integer class indices, or apply sigmoid/softmax"
        )


def _predicted_labels(fn: str, pred: np.ndarray, threshold: float | None
                      ) -> tuple[np.ndarray, int]:
    """Turn ``pred`` into class indices (N,); also return the class count it implies (0: none)."""
    if pred.dtype.kind in "biu":
        if threshold is not None:
            raise ValueError(f"{fn}: threshold applies to probabilities; pred holds class "
                             f"indices ({pred.dtype}, shape {pred.shape}), drop threshold")
        return _as_class_indices(fn, "pred", pred), 0
    if pred.dtype.kind != "f":
        raise TypeError(f"{fn}: pred must be numeric, got dtype {pred.dtype}")
    if pred.ndim == 1 or (pred.ndim == 2 and pred.shape[1] == 1):
        threshold = _check_threshold(fn, threshold)
        p = pred.reshape(-1)
        _check_probabilities(fn, p)
        return (p >= threshold).astype(np.int64), 2
    if pred.ndim == 2:
        if threshold is not None:
            # The argmax of C scores has no threshold; ignoring one would be a silent lie.
            raise ValueError(
                f"{fn}: threshold applies to binary probabilities of shape (N,) or (N, 1); "
                f"pred has shape {pred.shape} (N, C), scored by its argmax. Drop threshold, "
                "or pass the probability of class 1, e.g. pred[:, 1]")
        return np.argmax(pred, axis=1).astype(np.int64), pred.shape[1]
    raise ValueError(f"{fn}: pred must have shape (N,) or (N, C), got {pred.shape}")


def _num_classes(fn: str, num_classes: int | None, implied: int, *labels: np.ndarray) -> int:
    """Resolve the class count and check every label lies in [0, K)."""
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
                or num_classes < 1:
            raise ValueError(f"{fn}: num_classes must be a positive integer, got {num_classes!r}")
        k = int(num_classes)
    else:
        k = max([implied] + [int(a.max()) + 1 for a in labels if a.size])
    for a in labels:
        if a.size and (a.min() < 0 or a.max() >= k):
            raise ValueError(
                f"{fn}: class indices must lie in [0, {k}), got values in [{a.min()}, {a.max()}]"
            )
    return k


def _check_lengths(fn: str, n_pred: int, n_target: int) -> None:
    if n_pred != n_target:
        raise ValueError(f"{fn}: pred has {n_pred} samples but target has {n_target}")
    if n_target == 0:
        raise ValueError(f"{fn}: got no samples to score")


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, 0.0 where den == 0 (zero_division=0), without warnings."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


# ---------------------------------------------------------------- accuracy


def accuracy(pred: Any, target: Any, threshold: float | None = None) -> float:
    """Fraction of samples whose predicted class equals ``target``.

    ``threshold`` (default 0.5) decides binary probabilities; it is an error with
    (N, C) scores (their argmax is the prediction) or class indices.

    Shape:
        pred: (N,) class indices, (N,) binary probabilities, or (N, C) scores.
        target: (N,) class indices.

    Example:
        >>> accuracy([[0.8, 0.2], [0.3, 0.7]], [0, 0])
        0.5
    """
    labels, _ = _predicted_labels("accuracy", _to_numpy(pred), threshold)
    target = _as_class_indices("accuracy", "target", _to_numpy(target))
    _check_lengths("accuracy", labels.size, target.size)
    return float(np.mean(labels == target))


def top_k_accuracy(scores: Any, target: Any, k: int) -> float:
    """Fraction of samples whose true class is among the ``k`` highest scores.

    Ties are broken toward the lower class index, as ``np.argmax`` does, so
    ``top_k_accuracy(s, t, 1) == accuracy(s, t)``.

    Shape:
        scores: (N, C) float. target: (N,) class indices.

    Example:
        >>> top_k_accuracy([[0.1, 0.5, 0.4]], [2], k=2)
        1.0
    """
    fn = "top_k_accuracy"
    scores = _to_numpy(scores)
    if scores.ndim != 2 or scores.dtype.kind not in "fiu":
        raise ValueError(f"{fn}: scores must be a numeric (N, C) array, got {scores.shape}")
    target = _as_class_indices(fn, "target", _to_numpy(target))
    _check_lengths(fn, scores.shape[0], target.size)
    c = scores.shape[1]
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= c:
        raise ValueError(f"{fn}: k must be an integer in [1, {c}], got {k!r}")
    _num_classes(fn, c, c, target)
    true_score = scores[np.arange(target.size), target][:, None]
    # Rank of the true class: classes scoring higher, plus equal ones with a lower index.
    before = (scores > true_score) | ((scores == true_score) & (np.arange(c) < target[:, None]))
    return float(np.mean(before.sum(axis=1) < k))


# ---------------------------------------------------------------- confusion matrix


def confusion_matrix(
    pred: Any, target: Any, num_classes: int | None = None, threshold: float | None = None
) -> np.ndarray:
    """Count matrix ``M[i, j]`` = samples of true class i predicted as class j.

    Rows are true classes and columns predicted classes, as in scikit-learn.
    ``num_classes`` defaults to C for (N, C) scores, 2 for binary probabilities,
    otherwise the largest label + 1.

    Shape:
        pred: (N,), (N, 1) or (N, C). target: (N,). Returns int64 (K, K).

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 0, 1]).tolist()
        [[1, 1], [0, 1]]
    """
    fn = "confusion_matrix"
    labels, implied = _predicted_labels(fn, _to_numpy(pred), threshold)
    target = _as_class_indices(fn, "target", _to_numpy(target))
    _check_lengths(fn, labels.size, target.size)
    k = _num_classes(fn, num_classes, implied, labels, target)
    return np.bincount(target * k + labels, minlength=k * k).reshape(k, k).astype(np.int64)


# ---------------------------------------------------------------- precision / recall / F1


def _counts(fn: str, pred: Any, target: Any, num_classes: int | None,
            threshold: float | None):
    """Per-class true positives, false positives and false negatives (each (K,))."""
    pred = _to_numpy(pred)
    target = _as_class_indices(fn, "target", _to_numpy(target))
    if pred.dtype.kind == "f" and pred.ndim == 2 and pred.shape[1] == 2:
        # The notes' binary rule: class c is predicted when p_c >= γ, one-vs-rest.
        threshold = _check_threshold(fn, threshold)
        _check_probabilities(fn, pred)
        _check_lengths(fn, pred.shape[0], target.size)
        k = _num_classes(fn, num_classes, 2, target)
        if k != 2:
            raise ValueError(f"{fn}: (N, 2) probabilities need num_classes=2, got {k}")
        decided = pred >= threshold
    else:
        labels, implied = _predicted_labels(fn, pred, threshold)
        _check_lengths(fn, labels.size, target.size)
        k = _num_classes(fn, num_classes, implied, labels, target)
        decided = labels[:, None] == np.arange(k)
    truth = target[:, None] == np.arange(k)
    tp = np.sum(decided & truth, axis=0)
    fp = np.sum(decided & ~truth, axis=0)
    fn_ = np.sum(~decided & truth, axis=0)
    return tp, fp, fn_


def _reduce(fn: str, per_class: np.ndarray, present: np.ndarray, average: Average,
            micro: float) -> np.ndarray | float:
    if average is None:
        return per_class
    if average == "macro":
        # Mean over classes seen in target or predictions, as scikit-learn does
        # when it infers the labels; an absent class would only add a 0.
        return float(per_class[present].mean()) if present.any() else 0.0
    if average == "micro":
        return micro
    raise ValueError(f"{fn}: average must be None, 'macro' or 'micro', got {average!r}")


def precision(
    pred: Any, target: Any, *, average: Average = None, num_classes: int | None = None,
    threshold: float | None = None,
) -> np.ndarray | float:
    """Precision TP / (TP + FP) per class, or its macro / micro average.

    ``average=None`` returns a float64 array (K,) indexed by class.

    Example (the notes' exercise 1.3, classes cat=0 and dog=1):
        >>> probs = [[.8, .2], [.3, .7], [.4, .6], [.2, .8], [.7, .3]]
        >>> precision(probs, [0, 1, 0, 1, 0], threshold=0.5)[1]   # "Dog"
        np.float64(0.6666666666666666)
    """
    tp, fp, fn_ = _counts("precision", pred, target, num_classes, threshold)
    micro = float(_divide(tp.sum(), tp.sum() + fp.sum()))
    return _reduce("precision", _divide(tp, tp + fp), tp + fp + fn_ > 0, average, micro)


def recall(
    pred: Any, target: Any, *, average: Average = None, num_classes: int | None = None,
    threshold: float | None = None,
) -> np.ndarray | float:
    """Recall TP / (TP + FN) per class, or its macro / micro average.

    Example (the notes' exercise 1.3):
        >>> probs = [[.8, .2], [.3, .7], [.4, .6], [.2, .8], [.7, .3]]
        >>> float(recall(probs, [0, 1, 0, 1, 0], threshold=0.5)[1])
        1.0
    """
    tp, fp, fn_ = _counts("recall", pred, target, num_classes, threshold)
    micro = float(_divide(tp.sum(), tp.sum() + fn_.sum()))
    return _reduce("recall", _divide(tp, tp + fn_), tp + fp + fn_ > 0, average, micro)


def f1_score(
    pred: Any, target: Any, *, average: Average = None, num_classes: int | None = None,
    threshold: float | None = None,
) -> np.ndarray | float:
    """F1 = 2 TP / (2 TP + FP + FN) per class (the harmonic mean of precision and
    recall), or its macro average (mean of per-class F1) / micro average.

    Example:
        >>> f1_score([0, 1, 1, 1], [0, 1, 0, 1], average="macro")
        0.7333333333333334
    """
    tp, fp, fn_ = _counts("f1_score", pred, target, num_classes, threshold)
    micro = float(_divide(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn_.sum()))
    return _reduce("f1_score", _divide(2 * tp, 2 * tp + fp + fn_), tp + fp + fn_ > 0,
                   average, micro)


# ---------------------------------------------------------------- segmentation


def _iou_parts(fn: str, pred: Any, target: Any, num_classes: int, ignore_index: int | None):
    pred, target = _to_numpy(pred), _to_numpy(target)
    if pred.dtype.kind == "f" and pred.ndim == target.ndim + 1 and pred.ndim >= 2:
        pred = np.argmax(pred, axis=1)  # (N, C, H, W) scores -> (N, H, W) labels
    if pred.shape != target.shape:
        raise ValueError(f"{fn}: pred shape {pred.shape} does not match target {target.shape}")
    for what, a in (("pred", pred), ("target", target)):
        if a.dtype.kind not in "biu":
            raise TypeError(f"{fn}: {what} must hold integer class indices, got {a.dtype}")
    pred, target = pred.reshape(-1).astype(np.int64), target.reshape(-1).astype(np.int64)
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if target.size == 0:
        raise ValueError(f"{fn}: no pixels to score (all empty or ignored)")
    k = _num_classes(fn, num_classes, 0, pred, target)
    cm = np.bincount(target * k + pred, minlength=k * k).reshape(k, k)
    inter = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - inter
    present = union > 0
    if ignore_index is not None and 0 <= ignore_index < k:
        present[ignore_index] = False
    return _divide(inter, union), present


def iou(pred: Any, target: Any, num_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """Intersection over union |P ∩ T| / |P ∪ T| of every class, over all pixels.

    Pixels whose target is ``ignore_index`` are left out. A class absent from
    both maps scores 0.0 (and is skipped by ``mean_iou``).

    Shape:
        pred: (N, H, W) class indices, or (N, C, H, W) scores (argmax over C).
        target: (N, H, W) class indices. Returns float64 (num_classes,).

    Example:
        >>> iou([[[0, 1], [1, 1]]], [[[0, 0], [1, 1]]], num_classes=2).tolist()
        [0.5, 0.6666666666666666]
    """
    values, _ = _iou_parts("iou", pred, target, num_classes, ignore_index)
    return values


def mean_iou(pred: Any, target: Any, num_classes: int, ignore_index: int | None = None) -> float:
    """Mean of ``iou`` over the classes present in ``pred`` or ``target``.

    Example:
        >>> mean_iou([[[0, 1], [1, 1]]], [[[0, 0], [1, 1]]], num_classes=3)
        0.5833333333333333
    """
    values, present = _iou_parts("mean_iou", pred, target, num_classes, ignore_index)
    return float(values[present].mean()) if present.any() else 0.0
