"""Resizing an array image as torchvision's ``Resize`` does on tensors.

Resizing is separable: ``out = Wh @ img @ Ww.T`` with one (out, in) weight matrix per axis,
built by the core's ``F.interpolate`` (``xarxa/autograd/ops/resample.py`` holds the formulas
of ATen's kernels for bilinear and bicubic, with and without antialias); nearest is an
index lookup, source ⌊i·in/out⌋ (PyTorch's ``'nearest'``, not ``'nearest-exact'``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.ops.resample import resample_weights


def nearest_indices(n_in: int, n_out: int) -> np.ndarray:
    # ATen computes the scale and the product in float32; doing the same keeps the
    # floor on the same side where i·in/out is an integer up to rounding.
    scale = np.float32(n_in) / np.float32(n_out)
    src = np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(src, n_in - 1)


def resize_array(a: np.ndarray, size: tuple[int, int], mode: str, antialias: bool
                 ) -> np.ndarray:
    """Resize the last two axes of ``a`` (..., H, W) to ``size`` (h, w) by ``mode``
    ('nearest', 'bilinear' or 'bicubic'; align_corners=False).

    Floating arrays keep their dtype; integer arrays are computed in float32, rounded back
    (half to even, as torch.round) and clamped to the dtype's range (bicubic overshoots),
    as torchvision does for uint8 tensors.
    """
    (h_in, w_in), (h, w) = a.shape[-2:], size
    if mode == "nearest":
        return a[..., nearest_indices(h_in, h)[:, None], nearest_indices(w_in, w)]
    work = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    wh = resample_weights(h_in, h, mode, antialias=antialias).astype(work)
    ww = resample_weights(w_in, w, mode, antialias=antialias).astype(work)
    out = wh @ a.astype(work, copy=False) @ ww.T
    if a.dtype.kind == "f":
        return out
    info = np.iinfo(a.dtype)
    return np.clip(np.round(out), info.min, info.max).astype(a.dtype)
