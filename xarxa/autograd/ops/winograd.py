"""Winograd minimal filtering F(2×2, 3×3) for 3×3, stride-1, undilated, ungrouped
convolutions with padding 0 or 1: the forward (`conv`), the input gradient (the Winograd
conv of the padded gradient with the flipped kernel, run by _conv_kernels.py) and the weight
gradient (`weight_grad`). `_conv_kernels.forward_path` and `grad_path` route to it when
`applies(...)`; it is off (`ENABLED = False`) because it measured slower than the im2col
paths on this CPU.
"""
from __future__ import annotations

import numpy as np

from ._layout import to_chwn


# -- Winograd F(2×2, 3×3) --------------------------------------------------------------------
# Lavin & Gray's minimal filtering: every 2×2 output tile of a 3×3 stride-1 conv is
# Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A with d the tile's 4×4 input window, so the C-channel sums become
# 16 GEMMs (one per position ξ of the 4×4 transformed tile) of K×C by C×P, P = tiles·N:
# 16/36 = 1/2.25 of im2col's multiplications, and the transformed input (16·C·P ≈ 4·C·H·W·N
# values) is under half of im2col's 9·C·H·W·N. The transforms are additions only, done as
# whole-array NumPy passes on CHWN images (runs of N values).

# Off: measured 1.06–1.15× slower forward and 1.24–1.33× forward + backward than the im2col
# paths on ResNet-8's 16/32/64-channel layers, on this 2-core CPU (benchmarks/RESULTS.md,
# "Winograd F(2×2, 3×3)"); the path is kept, tested against PyTorch, for a later per-shape
# choice. With one input channel its 16 GEMMs have an inner dimension of 1 and run ~20×
# slower than im2col, hence the channel floor.
ENABLED = False
MIN_CHANNELS = 8

_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
_BT = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0],
                [0.0, 1.0, 0.0, -1.0]])
_AT = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]])
_BB = np.kron(_BT, _BT)     # (16, 16): the 2-D input transform of a flattened 4×4 tile
_AA = np.kron(_AT, _AT)     # (4, 16): the 2-D output transform


def applies(w_shape, stride, padding, dilation, groups):
    """The deterministic per-shape choice: when switched on, 3×3, stride 1, undilated, one
    group, padding 0 or 1 on every side, at least MIN_CHANNELS in and out."""
    return ENABLED and tuple(w_shape[2:]) == (3, 3) and tuple(stride) == (1, 1) \
        and tuple(dilation) == (1, 1) and groups == 1 and max(padding) <= 1 \
        and min(w_shape[:2]) >= MIN_CHANNELS


def _weight(xp, w):
    """G g Gᵀ per (k, c): (K, C, 3, 3) -> (16, K, C)."""
    k, c = w.shape[:2]
    g = xp.asarray(_G, dtype=w.dtype)
    u = xp.tensordot(g, w, axes=([1], [2]))              # (4, K, C, 3)
    u = xp.tensordot(u, g, axes=([3], [1]))              # (4, K, C, 4)
    return xp.ascontiguousarray(u.transpose(0, 3, 1, 2)).reshape(16, k, c)


def _input(xp, x, padding, th, tw):
    """Bᵀ d B of every 4×4 window (stride 2) of x (N, C, H, W) zero-padded by `padding` and
    on the bottom/right up to 2·th + 2 × 2·tw + 2: (16, C, th·tw·N). One copy gathers the
    windows (4× the input, not im2col's 9×), one (16 × 16) GEMM, (Bᵀ ⊗ Bᵀ)·windows, applies
    the transform on both cores (element-wise passes were 1.3–1.6× slower: one core)."""
    pt, pb, pl, pr = padding
    n, c, h, wd = x.shape
    xpad = to_chwn(xp, x, (pt, 2 * th + 2 - h - pt, pl, 2 * tw + 2 - wd - pl))
    X = xpad.transpose(1, 2, 3, 0)                       # (C, Hp, Wp, N), contiguous
    s = X.strides
    windows = xp.lib.stride_tricks.as_strided(
        X, shape=(4, 4, c, th, tw, n), strides=(s[1], s[2], s[0], 2 * s[1], 2 * s[2], s[3]),
        writeable=False)
    d = xp.empty(windows.shape, dtype=x.dtype)
    d[...] = windows
    return (xp.asarray(_BB, dtype=x.dtype) @ d.reshape(16, -1)).reshape(16, c, -1)


def _output(xp, m, k, th, tw, n, ho, wo):
    """Aᵀ m A of every transformed tile m (16, K, th·tw·N), one (4 × 16) GEMM, assembled
    into the (K, Ho·Wo·N) CHWN output (tiles past Ho or Wo cropped)."""
    t = (xp.asarray(_AA, dtype=m.dtype) @ m.reshape(16, -1)).reshape(2, 2, k, th, tw, n)
    y = xp.empty((k, ho, wo, n), dtype=m.dtype)
    for a in range(2):
        for b in range(2):
            y[:, a::2, b::2] = t[a, b][:, :(ho - a + 1) // 2, :(wo - b + 1) // 2]
    return y.reshape(k, -1)


def conv(xp, x, w, padding):
    """A 3×3 stride-1 conv of x (N, C, H, W) by w (K, C, 3, 3): the (K, Ho·Wo·N) CHWN
    output matrix."""
    n, _, h, wd = x.shape
    k = w.shape[0]
    pt, pb, pl, pr = padding
    ho, wo = h + pt + pb - 2, wd + pl + pr - 2
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    v = _input(xp, x, padding, th, tw)
    m = xp.matmul(_weight(xp, w), v)            # 16 GEMMs (K, C) @ (C, P)
    del v
    return _output(xp, m, k, th, tw, n, ho, wo)


def _grad_tiles(xp, grad, th, tw):
    """A dY Aᵀ of every 2×2 tile of the output gradient (N, K, Ho, Wo), zero past Ho/Wo:
    (16, K, th·tw·N), the adjoint of `_output`."""
    n, k, ho, wo = grad.shape
    G = to_chwn(xp, grad, (0, 2 * th - ho, 0, 2 * tw - wo)).transpose(1, 2, 3, 0)
    tiles = xp.empty((2, 2, k, th, tw, n), dtype=grad.dtype)
    for a in range(2):
        for b in range(2):
            tiles[a, b] = G[:, a::2, b::2]
    return (xp.asarray(_AA.T, dtype=grad.dtype) @ tiles.reshape(4, -1)).reshape(16, k, -1)


def weight_grad(xp, x, grad, padding):
    """dW (K, C, 3, 3) of a 3×3 stride-1 conv: Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G, the
    Σ over tiles and batch being 16 GEMMs (K, P) @ (P, C)."""
    n, c, h, wd = x.shape
    k, ho, wo = grad.shape[1:]
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    mg = _grad_tiles(xp, grad, th, tw)
    v = _input(xp, x, padding, th, tw)
    du = xp.matmul(mg, v.transpose(0, 2, 1)).reshape(4, 4, k, c)
    g = xp.asarray(_G, dtype=x.dtype)
    dw = xp.tensordot(g, du, axes=([0], [0]))            # (3, 4, K, C)
    dw = xp.tensordot(dw, g, axes=([1], [0]))            # (3, K, C, 3)
    return xp.ascontiguousarray(dw.transpose(1, 2, 0, 3))
