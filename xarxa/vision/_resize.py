"""Resampling along one axis as an (out, in) weight matrix, as PyTorch's interpolate does.

Resizing an image is separable: ``out = Wh @ img @ Ww.T`` with one matrix per axis, so
each mode is just how it builds that matrix. The formulas are those of ATen's CPU
kernels (``UpSample.h``, ``UpSampleKernel.cpp``) for ``align_corners=False``:

* nearest: source index ⌊i·in/out⌋ (PyTorch's ``'nearest'``, not ``'nearest-exact'``).
* bilinear: source position s = (i + ½)·in/out − ½, clamped at 0; weights 1 − frac and
  frac on ⌊s⌋ and ⌊s⌋ + 1 (the last pixel repeats at the border).
* bilinear with antialias: the triangle filter stretched by the scale when shrinking
  (support = scale), centred at (i + ½)·scale and renormalised over the pixels inside
  the image — what PIL and ``interpolate(..., antialias=True)`` compute. For enlarging
  it gives plain bilinear.
"""
from __future__ import annotations

import numpy as np


def nearest_indices(n_in: int, n_out: int) -> np.ndarray:
    # ATen computes the scale and the product in float32; doing the same keeps the
    # floor on the same side where i·in/out is an integer up to rounding.
    scale = np.float32(n_in) / np.float32(n_out)
    src = np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(src, n_in - 1)


def bilinear_weights(n_in: int, n_out: int) -> np.ndarray:
    scale = n_in / n_out
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    lo = np.floor(src).astype(np.int64)
    frac = np.clip(src - lo, 0.0, 1.0)
    hi = np.minimum(lo + 1, n_in - 1)
    w = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(w, (rows, lo), 1.0 - frac)
    np.add.at(w, (rows, hi), frac)     # adds onto lo at the last pixel: weight 1 there
    return w


def antialias_bilinear_weights(n_in: int, n_out: int) -> np.ndarray:
    scale = n_in / n_out
    support = scale if scale >= 1.0 else 1.0      # triangle half-width, in input pixels
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    center = (np.arange(n_out) + 0.5) * scale
    # ATen truncates toward zero (an int64 cast), then clips to the image.
    lo = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n_in)
    j = np.arange(n_in)
    inside = (j >= lo[:, None]) & (j < hi[:, None])
    w = np.where(inside, np.maximum(0.0, 1.0 - np.abs((j - center[:, None] + 0.5) * invscale)),
                 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total != 0)


def resize_array(a: np.ndarray, size: tuple[int, int], mode: str, antialias: bool
                 ) -> np.ndarray:
    """Resize the last two axes of ``a`` (..., H, W) to ``size`` (h, w).

    Floating arrays keep their dtype; integer arrays are computed in float32 and rounded
    back (half to even, as torch.round), as torchvision does for uint8 tensors.
    """
    (h_in, w_in), (h, w) = a.shape[-2:], size
    if mode == "nearest":
        return a[..., nearest_indices(h_in, h)[:, None], nearest_indices(w_in, w)]
    weights = antialias_bilinear_weights if antialias else bilinear_weights
    work = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    wh, ww = weights(h_in, h).astype(work), weights(w_in, w).astype(work)
    out = wh @ a.astype(work, copy=False) @ ww.T
    if a.dtype.kind == "f":
        return out
    info = np.iinfo(a.dtype)
    return np.clip(np.round(out), info.min, info.max).astype(a.dtype)
