"""Argument checks and reductions shared by every loss (functions and modules)."""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, op: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, "
                         f"got {reduction!r}")


def reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    """The per-element losses averaged ('mean'), added ('sum') or kept ('none')."""
    check_reduction(reduction, op)
    if reduction == "none":
        return loss
    if loss.numel() == 0:
        # an empty batch: 0 (the empty sum), not NaN with a warning, so training goes on
        return loss.sum()
    return loss.mean() if reduction == "mean" else loss.sum()


def check_input(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {x.dtype}")
    return x


def float_target(target, input: Tensor, op: str, name: str = "target") -> Tensor:
    """A floating target of exactly `input`'s shape, in `input`'s dtype.

    A shape mismatch is an error, not a broadcast: (N, 1) outputs against (N,) targets
    would silently become an (N, N) loss.
    """
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if target.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be numeric, got dtype {target.dtype}")
    if target.shape != input.shape:
        raise ValueError(f"{op}: {name} shape {target.shape} does not match input shape "
                         f"{input.shape}")
    if target.dtype != input.dtype:
        if target.dtype.kind != "f":
            target = Tensor(target._data.astype(input.dtype))
        else:
            target = target.to(input.dtype)
    return target


def check_margin(margin, op: str) -> float:
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        raise TypeError(f"{op}: margin must be a real number, got {margin!r}")
    if not margin >= 0:
        raise ValueError(f"{op}: margin must be non-negative, got {margin}")
    return float(margin)


def class_weight_array(weight, num_classes: int, dtype, op: str, name: str = "weight"):
    """A per-class argument (`weight=`, focal loss's `alpha=`) as a constant array of shape
    (C,) in the input's dtype (None stays None); errors name the argument."""
    if weight is None:
        return None
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (num_classes,):
        raise ValueError(f"{op}: {name} must have shape ({num_classes},) (one per class), "
                         f"got {w.shape}")
    if w.dtype.kind not in "fiu":
        raise TypeError(f"{op}: {name} must be numeric, got dtype {w.dtype}")
    return w.astype(dtype, copy=False)


def class_indices(target, op: str) -> np.ndarray:
    """An integer target array (class indices), with a clear error for float targets."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices (int64), got dtype "
                        f"{t.dtype}")
    return t


def check_index_range(t: np.ndarray, num_classes: int, ignore_index, op: str) -> np.ndarray:
    """The mask of non-ignored targets; raise when one lies outside [0, C)."""
    valid = t != ignore_index if ignore_index is not None else np.ones(t.shape, bool)
    bad = valid & ((t < 0) | (t >= num_classes))
    if bad.any():
        value = int(t[bad].reshape(-1)[0])
        raise ValueError(f"{op}: target class index {value} is out of range: expected "
                         f"0 ≤ index < {num_classes}"
                         + (f" or ignore_index={ignore_index}" if ignore_index is not None
                            else ""))
    return valid


def index_target_shape(input_shape: tuple, op: str) -> tuple:
    """The target shape that class indices must have: input's shape without dim 1."""
    if len(input_shape) == 1:
        return ()
    return input_shape[:1] + input_shape[2:]
