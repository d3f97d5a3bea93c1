"""What every loss shares: the one reduction helper (`reduce`), the argument checks and the
base of the `nn` modules (`_Loss`: the `reduction` argument, PyTorch's deprecated
`size_average`/`reduce` pair, the repr).

`reduce` is the public helper for a loss of your own (docs/extending.md): compose the
per-element loss from ops, then `return reduce(loss, reduction, "my_loss")`.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from ...autograd.ops.loss import Reduce
from ...dtypes import get_default_dtype
from ...tensor import Tensor
from ..module import Module

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str, op: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, "
                         f"got {reduction!r}")


def legacy_reduction(size_average, reduce) -> str:
    """PyTorch's deprecated `size_average`/`reduce` pair as a `reduction` (its
    `_Reduction.legacy_get_string`, with its warning): reduce=False -> 'none', else
    size_average=False -> 'sum', else 'mean' (None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


def reduce(loss: Tensor, reduction: str, op: str, denom=None) -> Tensor:
    """The one reduction of every loss: 'none' keeps the per-element losses, 'sum' adds them,
    'mean' divides their sum by `denom` (default: their number; a weighted loss passes its
    total weight). A mean over nothing (an empty batch, every target ignored) is 0, not NaN
    with a warning, so that training goes on (PyTorch gives NaN). Any other reduction is a
    ValueError naming `op`.

    One graph node, `Reduce`, whose rule (`_reduce` and its VJP `_upstream` in
    `xarxa/autograd/ops/loss.py`) is the one the fused loss nodes apply inside theirs.
    """
    check_reduction(reduction, op)
    if reduction == "none":
        return loss
    return Reduce.apply(loss, reduction=reduction, denom=denom, op=op)


def check_probabilities(x: np.ndarray, op: str, name: str = "input", hint: str = "") -> None:
    """Raise unless every value of `x` lies in [0, 1]; a NaN is named in the message (it
    fails the check, but min/max would hide it)."""
    if x.size == 0 or (np.all(x >= 0) and np.all(x <= 1)):
        return
    nan = np.isnan(x)
    rest = x[~nan]
    found = [f"values in [{rest.min()}, {rest.max()}]"] if rest.size else []
    if nan.any():
        found.append(f"{int(nan.sum())} NaN value(s)")
    raise ValueError(f"{op}: {name} must hold probabilities in [0, 1], got "
                     f"{' and '.join(found)}{hint}")


def check_input(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {x.dtype}")
    return x


def float_target(target, input: Tensor, op: str, name: str = "target") -> Tensor:
    """A floating target of exactly `input`'s shape, in `input`'s dtype.

    A shape mismatch is an error, not a broadcast: (N, 1) outputs against (N,) targets
    would silently become an (N, N) loss.
    """
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    # (the arrays' shapes and dtypes: every loss call comes through here)
    if target._data.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be numeric, got dtype {target.dtype}")
    if target._data.shape != input._data.shape:
        raise ValueError(f"{op}: {name} shape {target.shape} does not match input shape "
                         f"{input.shape}")
    if target._data.dtype != input._data.dtype:
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


def gather_classes(input: Tensor, target, ignore_index, op: str):
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


def broadcast_constant(value, input: Tensor, op: str, name: str):
    """weight= / pos_weight= as a constant array that broadcasts to the input's shape."""
    if value is None:
        return None
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    try:
        shape = np.broadcast_shapes(arr.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ValueError(f"{op}: {name} of shape {arr.shape} does not broadcast to the "
                         f"input shape {input.shape}")
    return arr.astype(input.dtype, copy=False)


# -- the base of the nn modules ---------------------------------------------------------------

class _Loss(Module):
    """A loss module: holds `reduction` (checked here, once) and calls its function."""

    def __init__(self, reduction: str = "mean", allowed=REDUCTIONS, size_average=None,
                 reduce=None) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        check_reduction(reduction, type(self).__name__, allowed)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def as_buffer(value) -> Tensor | None:
    """A module's `weight=`/`alpha=`/`pos_weight=` argument as a Tensor buffer (or None)."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value, dtype=get_default_dtype()))
