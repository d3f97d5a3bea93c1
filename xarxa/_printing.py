"""How a tensor prints: PyTorch's text, character for character, so that a student's output
matches the tutorial's.

The rules (PyTorch's `torch/_tensor_str.py`, re-derived on NumPy arrays):

- Floats: one format for the whole tensor, chosen from its finite non-zero values. All
  integer-valued: `1.` (or `1.0000e+08` in scientific mode); else `precision` decimals
  (4). Scientific notation when the largest / smallest magnitude exceeds 1000, the largest
  exceeds 1e8 or the smallest is below 1e-4 (or as `set_printoptions(sci_mode=)` forces).
  Every element is right-aligned to the widest; `nan`/`inf` print bare.
- Integers and bools print as Python prints them (`True`, `-3`), right-aligned.
- Over `threshold` (1000) elements, only `edgeitems` (3) rows/items at each end of every
  dimension are shown, with `...` between; rows wrap at `linewidth` (80) characters.
- Suffixes after the values: `dtype=` unless the dtype is the default float, int64 or bool
  (for an empty tensor: unless the default float), `size=` for empty tensors that are not
  1-D, then `grad_fn=<AddBackward0>` or `requires_grad=True`, wrapped like PyTorch's.
  xarxa adds `name='w'` last for a named tensor (`xa.tensor(..., name='w')`).

The options are process-wide, as PyTorch's are (`set_printoptions`, `printoptions`).
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from .dtypes import get_default_dtype

_INT64, _BOOL = np.dtype("int64"), np.dtype("bool")

class _Options:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth = 4, 1000, 3, 80
        self.sci_mode = None


OPTIONS = _Options()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (PyTorch's `torch.set_printoptions`).

    Args:
        precision: digits after the decimal point (4).
        threshold: tensors with more elements than this are summarised with `...` (1000).
        edgeitems: items shown at each end of a summarised dimension (3).
        linewidth: characters per line before wrapping (80).
        profile: 'default', 'short' (precision 2, edgeitems 2) or 'full' (no
            summarising); the other arguments then override it.
        sci_mode: True/False forces scientific notation on/off; None (the default, and
            what every call that does not pass it sets) lets the values decide.

    Example:
        >>> xa.set_printoptions(precision=2)
        >>> xa.tensor([1.12345])
        tensor([1.12])
        >>> xa.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one "
                             f"of {sorted(_PROFILES)}")
        (OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems,
         OPTIONS.linewidth) = _PROFILES[profile]
    if precision is not None:
        OPTIONS.precision = precision
    if threshold is not None:
        OPTIONS.threshold = threshold
    if edgeitems is not None:
        OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        OPTIONS.linewidth = linewidth
    OPTIONS.sci_mode = sci_mode  # as PyTorch: not passing it resets it to None


def get_printoptions() -> dict:
    """The current options, as keyword arguments for `set_printoptions`."""
    return {name: getattr(OPTIONS, name) for name in _Options.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a `with` block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# -- the values -------------------------------------------------------------------------

class _Formatter:
    """One format for every element of a tensor, chosen from (a summary of) its values."""

    def __init__(self, a: np.ndarray):
        self.floating = a.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        p = OPTIONS.precision
        if not self.floating:
            for v in a.ravel().tolist():
                self.width = max(self.width, len(str(v)))
            return
        flat = a.ravel()
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return
        magnitudes = np.abs(values).astype(np.float64)
        low, high = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if OPTIONS.sci_mode is None:
            self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        else:
            self.sci_mode = bool(OPTIONS.sci_mode)
        if self.sci_mode:
            texts, extra = (f"{v:.{p}e}" for v in values.tolist()), 0
        elif self.int_mode:
            texts, extra = (f"{v:.0f}" for v in values.tolist()), 1  # the "." it gets
        else:
            texts, extra = (f"{v:.{p}f}" for v in values.tolist()), 0
        self.width = max(len(t) for t in texts) + extra

    def format(self, v) -> str:
        if not self.floating:
            text = str(v)
        elif self.sci_mode:
            text = f"{v:{self.width}.{OPTIONS.precision}e}"
        elif self.int_mode:
            text = f"{v:.0f}"
            if math.isfinite(v):
                text += "."
        else:
            text = f"{v:.{OPTIONS.precision}f}"
        return text.rjust(self.width)


def _summary(a: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows (edgeitems at both ends of every dim)."""
    k = OPTIONS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:k], a[-k:])) if a.shape[0] > 2 * k else a
    if not k:
        return a[(slice(0, 0),) * a.ndim]
    rows = list(range(k)) + list(range(a.shape[0] - k, a.shape[0])) \
        if a.shape[0] > 2 * k else range(a.shape[0])
    return np.stack([_summary(a[i]) for i in rows])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    k = OPTIONS.edgeitems
    per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (fmt.width + 2)))
    if summarize and not k:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * k:
        items = ([fmt.format(v) for v in a[:k].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-k:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    k, n = OPTIONS.edgeitems, a.shape[0]
    if summarize and n > 2 * k:
        rows = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(k)] + ["..."]
                + [_nested(a[i], indent + 1, summarize, fmt) for i in range(n - k, n)])
    else:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def values_str(a: np.ndarray, indent: int) -> str:
    """The bracketed values of a non-empty array, as PyTorch lays them out after `indent`
    characters of prefix."""
    summarize = a.size > OPTIONS.threshold
    return _nested(a, indent, summarize, _Formatter(_summary(a) if summarize else a))


# -- the whole repr ---------------------------------------------------------------------

def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """`repr(t)` (and `str(t)`): PyTorch's text for the tensor `t`."""
    a = t._data
    # PyTorch's prefix: `tensor(` for tensors and parameters, the class name for others
    kind = type(t).__name__
    prefix = "tensor(" if kind in ("Tensor", "Parameter") else f"{kind}("
    indent = len(prefix)
    default = get_default_dtype().dtype
    suffixes = []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype != default:
            suffixes.append(f"dtype={t.dtype}")
        body = "[]"
    else:
        if not OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if a.dtype not in (default, _INT64, _BOOL):
            suffixes.append(f"dtype={t.dtype}")
        body = values_str(a, indent)
    if t._ctx is not None:
        suffixes.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if t.name:
        suffixes.append(f"name={t.name!r}")
    return _with_suffixes(prefix + body, suffixes, indent)
