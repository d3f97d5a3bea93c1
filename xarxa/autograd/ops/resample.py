"""`interpolate`: resizing images by nearest, area, bilinear and bicubic interpolation, as
PyTorch's `F.interpolate`.

The linear modes are separable: along each axis every output pixel is a weighted sum of
input pixels, so the whole resize is y = R·x·Cᵀ with an (Ho, H) matrix R for the rows and
a (Wo, W) matrix C for the columns — one `Resample2d` node whose backward is the adjoint,
dx = Rᵀ·g·C, for every mode (and linear in g, so its own derivative is the resize again: a
`linear_map` of the two, to any order). The matrices are built here, with the formulas of
ATen's CPU kernels (`UpSample.h`, `UpSampleKernel.cpp`); the vision transforms' `Resize`
uses the same ones.

Source position of output pixel i, with scale s = in/out (1/scale_factor when a scale
factor is given and not recomputed):
    align_corners=False:  x = (i + ½)·s − ½  (bilinear clamps x at 0, bicubic does not)
    align_corners=True:   x = i·(in − 1)/(out − 1)
* bilinear: weights 1 − t and t on ⌊x⌋ and ⌊x⌋ + 1 (t = x − ⌊x⌋), the index clamped into
  the image.
* bicubic: Keys' cubic convolution with a = −0.75 on ⌊x⌋ − 1 … ⌊x⌋ + 2, t clamped to
  [0, 1] and the four indices clamped into the image (the border pixel repeats):
      w(d) = (a + 2)|d|³ − (a + 3)|d|² + 1         for |d| ≤ 1
      w(d) = a|d|³ − 5a|d|² + 8a|d| − 4a            for 1 < |d| < 2
* antialias=True (bilinear and bicubic): the filter (triangle; cubic with a = −0.5, PIL's)
  stretched by s when shrinking, centred at (i + ½)·s, and renormalised over the pixels
  inside the image — what PIL and `interpolate(..., antialias=True)` compute.
* area: adaptive average pooling; nearest: ⌊i·s⌋ (`upsample_nearest`).
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function
from ...tensor import Tensor
from ._linear import linear_map
from .conv import pair
from .pool import _check_4d, adaptive_avg_pool2d, upsample_nearest

MODES = ("nearest", "bilinear", "bicubic", "area")
_CUBIC_A = -0.75          # bicubic without antialias (OpenCV's and PyTorch's)
_CUBIC_A_PIL = -0.5       # bicubic with antialias (PIL's and PyTorch's)


def check_mode(op: str, mode: str, align_corners) -> None:
    """A resampling `mode` of MODES, and `align_corners` only with an interpolating one
    (the checks of `interpolate` and `nn.Upsample`)."""
    if mode not in MODES:
        raise ValueError(f"{op}: mode {mode!r} is not supported; expected one of "
                         f"{', '.join(map(repr, MODES))} (4-D inputs)")
    if align_corners is not None and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"'bilinear' and 'bicubic', got mode {mode!r}")


def _cubic(d, a):
    """Keys' cubic convolution kernel at distances d."""
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _scale(n_in: int, n_out: int, align_corners: bool, scale: float | None) -> float:
    """ATen's area_pixel_compute_scale: input pixels per output pixel."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _source(n_out: int, s: float, align_corners: bool):
    i = np.arange(n_out, dtype=np.float64)
    return i * s if align_corners else (i + 0.5) * s - 0.5


def _scatter(n_in: int, index, weights) -> np.ndarray:
    """The (out, in) matrix with weights[o, k] added at column index[o, k] (clamped)."""
    n_out, taps = index.shape
    m = np.zeros((n_out, n_in))
    rows = np.repeat(np.arange(n_out), taps)
    np.add.at(m, (rows, np.clip(index, 0, n_in - 1).ravel()), weights.ravel())
    return m


def linear_weights(n_in: int, n_out: int, align_corners: bool = False,
                   scale: float | None = None) -> np.ndarray:
    """Bilinear interpolation along one axis as an (n_out, n_in) matrix."""
    x = _source(n_out, _scale(n_in, n_out, align_corners, scale), align_corners)
    x = np.maximum(x, 0.0)
    lo = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
    t = np.clip(x - lo, 0.0, 1.0)
    return _scatter(n_in, np.stack([lo, lo + 1], 1), np.stack([1 - t, t], 1))


def cubic_weights(n_in: int, n_out: int, align_corners: bool = False,
                  scale: float | None = None) -> np.ndarray:
    """Bicubic interpolation (a = −0.75) along one axis as an (n_out, n_in) matrix."""
    x = _source(n_out, _scale(n_in, n_out, align_corners, scale), align_corners)
    lo = np.minimum(np.floor(x).astype(np.int64), n_in - 1)
    t = np.clip(x - lo, 0.0, 1.0)
    taps = np.arange(-1, 3)
    return _scatter(n_in, lo[:, None] + taps, _cubic(t[:, None] - taps, _CUBIC_A))


def antialias_weights(n_in: int, n_out: int, mode: str, align_corners: bool = False,
                      scale: float | None = None) -> np.ndarray:
    """The antialiased filter of `mode` ('bilinear' or 'bicubic') as an (n_out, n_in)
    matrix: stretched by the scale when shrinking, renormalised inside the image."""
    s = _scale(n_in, n_out, align_corners, scale)
    half = 1.0 if mode == "bilinear" else 2.0                 # the filter's half-width
    support = half * s if s >= 1.0 else half
    invscale = 1.0 / s if s >= 1.0 else 1.0
    center = s * (np.arange(n_out) + 0.5)
    # ATen truncates toward zero (an int64 cast), then clips to the image
    lo = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n_in)
    j = np.arange(n_in)
    d = (j - center[:, None] + 0.5) * invscale
    w = np.maximum(0.0, 1.0 - np.abs(d)) if mode == "bilinear" else _cubic(d, _CUBIC_A_PIL)
    w = np.where((j >= lo[:, None]) & (j < hi[:, None]), w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total != 0)


def resample_weights(n_in: int, n_out: int, mode: str, align_corners: bool = False,
                     antialias: bool = False, scale: float | None = None) -> np.ndarray:
    """The (n_out, n_in) float64 matrix of 'bilinear' or 'bicubic' along one axis."""
    if antialias:
        return antialias_weights(n_in, n_out, mode, align_corners, scale)
    return (linear_weights if mode == "bilinear" else cubic_weights)(
        n_in, n_out, align_corners, scale)


def _resample(x, rows, cols):
    """Resample2d's forward kernel: y = R·x·Cᵀ."""
    return rows @ x @ cols.T


class Resample2d(Function):
    def forward(ctx, x, rows=None, cols=None):
        return _resample(x, rows, cols)

    # y = R·x·Cᵀ  =>  dx = Rᵀ·g·C, whose transpose is the resize itself
    def backward(ctx, grad):
        rows, cols = ctx.attrs["rows"], ctx.attrs["cols"]
        return (linear_map(grad, lambda g: rows.T @ g @ cols,
                           lambda gx: _resample(gx, rows, cols), "Resample2dBackward"),)


def _output_size(x, size, scale_factor, op: str):
    """(Ho, Wo) and the per-axis scale factors (None when `size` is given)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    h, w = x.shape[2:]
    if size is not None:
        ho, wo = pair(tuple(size)[-2:] if isinstance(size, (tuple, list)) and len(size) > 2
                      else size, "size", op)
        factors = None
    else:
        factors = tuple(float(f) for f in (scale_factor if isinstance(
            scale_factor, (tuple, list)) else (scale_factor, scale_factor)))
        if len(factors) != 2 or min(factors) <= 0:
            raise ValueError(f"{op}: scale_factor must be a positive number or pair, got "
                             f"{scale_factor!r}")
        ho, wo = math.floor(h * factors[0]), math.floor(w * factors[1])
    if ho <= 0 or wo <= 0:
        raise ValueError(f"{op}: empty output size {(ho, wo)} for input shape {x.shape}")
    return (ho, wo), factors


def interpolate(x: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize images (PyTorch's `F.interpolate`, 4-D inputs).

    Args:
        size: (Ho, Wo) or an int; or scale_factor: a number or (sh, sw), the output being
            ⌊H·sh⌋ × ⌊W·sw⌋ (the factor itself sets the sampling step unless
            `recompute_scale_factor=True`, as PyTorch).
        mode: 'nearest' (the notes' unpooling), 'bilinear', 'bicubic' (a = −0.75, borders
            repeated; values may overshoot the input's range) or 'area' (adaptive average).
        align_corners: for bilinear and bicubic: True maps the corner pixels' centres onto
            each other; False (the default) their outer edges.
        antialias: for bilinear and bicubic: low-pass filter when shrinking (PIL's).

    Shape:
        (N, C, H, W) -> (N, C, Ho, Wo)

    Example:
        >>> F.interpolate(xa.randn(1, 3, 8, 8), scale_factor=2, mode="bicubic").shape
        (1, 3, 16, 16)
    """
    op = "interpolate"
    check_mode(op, mode, align_corners)
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{op}: antialias is only for modes 'bilinear' and 'bicubic', got "
                         f"mode {mode!r}")
    _check_4d(x, op)
    (ho, wo), factors = _output_size(x, size, scale_factor, op)
    if recompute_scale_factor:
        factors = None
    if mode == "nearest":
        if factors is None:
            return upsample_nearest(x, size=(ho, wo))
        return upsample_nearest(x, scale_factor=factors)
    if mode == "area":
        return adaptive_avg_pool2d(x, (ho, wo))
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: mode {mode!r} needs a floating input, got dtype {x.dtype}")
    h, w = x.shape[2:]
    corners = bool(align_corners)
    sh, sw = factors if factors is not None else (None, None)
    rows = resample_weights(h, ho, mode, corners, antialias, sh).astype(x.dtype)
    cols = resample_weights(w, wo, mode, corners, antialias, sw).astype(x.dtype)
    return Resample2d.apply(x, rows=rows, cols=cols)
