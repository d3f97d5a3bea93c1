"""The array kernels of conv.py's three ops (first order: NumPy arrays in, arrays out), and
the per-shape choice of their algorithm.

im2col copies the sliding windows of the padded input, read through a strided *view*
(no intermediate copy), into a contiguous matrix `cols` of shape (C·FH·FW, Ho·Wo·N):
in CHWN order every copied run is W·N values long. The convolution is then a GEMM,
W(K, C·FH·FW) @ cols, whose (K, Ho·Wo·N) result *is* the output in CHWN order. col2im, its
adjoint, adds each kernel position's block back with one strided `+=` per position
(FH·FW NumPy calls on long runs, no `np.add.at`).

Cache-sized blocks: the window matrix is never made whole. `column_blocks` copies the
columns of a few output rows at a time (about BLOCK_BYTES, into one reused buffer) and
each block's GEMM reads them at once, writing its columns of the output; dW sums the
blocks' products, col2im adds each block back as it is made, and the shifted-taps
products are summed block by block. The copy is then read from cache instead of memory:
writing the 9·C·H·W·N matrix (9× the input) whole and reading it back cost ResNet-8's
16-channel layers a quarter of their forward + backward time (benchmarks/RESULTS.md,
"cache-sized window blocks"). Block sizes follow from the shapes alone, so the arithmetic
is as deterministic as the path choice below.

Two stride-1 shortcuts copy fewer values than the input's windows (C·FH·FW rows): backward
takes dx and dW from the *output gradient's* windows (K·FH·FW rows, `_gradient_windows`)
when K ≤ C (K ≤ 2C with dx), and forward, when K < C, multiplies every kernel tap at once,
(FH·FW·K × C)·x, and adds the shifted K-row products (`_add_shifted_taps`).

Dilation D spaces a kernel's taps D pixels apart (its extent is D·(F − 1) + 1): im2col
reads the windows with D-times larger strides and col2im adds each tap's block D pixels
further on. Groups G split the channels into G independent convolutions: the weight is
(K, C/G, FH, FW), the im2col rows of group g are the contiguous block of its C/G channels,
so the GEMM becomes one batched GEMM over the G blocks (`grouped_mm`; depthwise when
G = C). The shortcuts above serve the dense, undilated case (G = 1, D = 1: every notes
network) and are unchanged by it; grouped and dilated convolutions take the im2col path.

A Winograd F(2×2, 3×3) path (winograd.py: forward, dx as the Winograd conv of the padded
gradient with the flipped kernel, dW by the transform's adjoint) serves 3×3 stride-1
convolutions when the `winograd.ENABLED` switch is on; it is off because it measured slower
than the paths above on this 2-core CPU (benchmarks/RESULTS.md), and kept, tested against
PyTorch, for a per-shape choice.

The choice is deterministic: `forward_path` and `grad_path` are pure functions of the
shapes and the conv's options (and of the `winograd.ENABLED` switch), with no state and no
timing, and each path's condition is written once, there; `conv_forward` and `conv_grads`
branch on what they return. The same arguments take the same path on every call and in
every thread:

    path                forward (`forward_path`)       gradients (`grad_path`)
    "winograd"          `winograd.applies`: ENABLED, 3×3, S = D = G = 1, padding ≤ 1,
                        C and K ≥ winograd.MIN_CHANNELS (the same rule for both)
    "shifted_taps"      S = D = G = 1, K < C,          —
                        kernel larger than 1×1
    "gradient_windows"  —                              S = D = G = 1, padding < kernel
                                                       on every side, K ≤ C (K ≤ 2C with dx)
    "im2col"            everything else                everything else (dW by the input's
                                                       windows, dx by col2im)

ConvTranspose2d's own forward and backward (`scatter`, then `column_blocks` of its
gradient) have one path each.
"""
from __future__ import annotations

import numpy as np

from . import winograd
from ._layout import chwn_matrix, from_chwn, to_chwn

FORWARD_PATHS = ("winograd", "shifted_taps", "im2col")
# Window matrices are made in blocks of output rows of about this many bytes, each used by
# its GEMM (or added back by col2im) while still in this CPU's cache instead of written to
# memory whole and read back: measured in benchmarks/RESULTS.md ("cache-sized window
# blocks"; 1, 4 and 8 MiB tried, 4 best or tied on every layer measured).
BLOCK_BYTES = 1 << 22
GRAD_PATHS = ("winograd", "gradient_windows", "im2col")


def forward_path(x_shape, w_shape, stride, padding, dilation, groups) -> str:
    """The algorithm of C(x, W) for these shapes and options: "winograd", "shifted_taps"
    or "im2col" (padding a 4-tuple). A pure function: the same arguments, the same path."""
    k, c = w_shape[0], x_shape[1]
    if winograd.applies(w_shape, stride, padding, dilation, groups):
        return "winograd"
    # fewer output than input channels (DenseNet's layers, U-Net's decoders): every
    # tap's product W[:, :, p, q]·x in one GEMM, then FH·FW shifted adds of K-row
    # blocks; 1.3–3.5× faster than copying the C·FH·FW-row windows of x
    if tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and groups == 1 and k < c \
            and w_shape[2] * w_shape[3] > 1:
        return "shifted_taps"
    return "im2col"


def grad_path(x_shape, w_shape, stride, padding, dilation, groups, need) -> str:
    """The algorithm of conv2d's gradients Cᵢ(g, W) and C_w(x, g) for these shapes and
    options, `need` = (dx?, dW?, …) saying which are asked for: "winograd",
    "gradient_windows" or "im2col". A pure function: the same arguments, the same path."""
    k, c = w_shape[0], x_shape[1]
    fh, fw = w_shape[2:]
    pt, pb, pl, pr = padding
    if winograd.applies(w_shape, stride, padding, dilation, groups):
        return "winograd"
    # the g's windows (K·FH·FW rows) against the input's (C·FH·FW) and, for dx, col2im's
    if tuple(stride) == (1, 1) and max(pt, pb) < fh and max(pl, pr) < fw \
            and tuple(dilation) == (1, 1) and groups == 1 \
            and (k <= c or (need[0] and k <= 2 * c)):
        return "gradient_windows"
    return "im2col"


def _windows(xp, x, fh, fw, sh, sw, rows, wo, dilation):
    """The strided (read-only) view (C, FH, FW, i1 − i0, Wo, N) of the windows of output
    rows `rows` = (i0, i1) in the padded, CHWN-stored x: no copy."""
    n, c = x.shape[:2]
    s = x.strides
    dh, dw = dilation
    i0, i1 = rows
    return xp.lib.stride_tricks.as_strided(
        x[:, :, i0 * sh:], shape=(c, fh, fw, i1 - i0, wo, n),
        strides=(s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw, s[0]), writeable=False)


def row_blocks(ho, row_bytes):
    """Output rows in blocks [(i0, i1), …] of about BLOCK_BYTES of window columns each (at
    least one row per block)."""
    rows = max(1, BLOCK_BYTES // max(row_bytes, 1))
    return [(i, min(i + rows, ho)) for i in range(0, ho, rows)]


def column_blocks(xp, x, fh, fw, sh, sw, ho, wo, dilation=(1, 1)):
    """im2col a block of output rows at a time: yields (i0, i1, cols), cols the
    (C·FH·FW, (i1 − i0)·Wo·N) windows of output rows i0:i1 (columns i0·Wo·N to i1·Wo·N
    of the whole matrix), copied into one reused buffer: use each block before asking for
    the next."""
    n, c = x.shape[:2]
    blocks = row_blocks(ho, c * fh * fw * wo * n * x.itemsize)
    size = c * fh * fw * (blocks[0][1] - blocks[0][0]) * wo * n
    buf = xp.empty(size, dtype=x.dtype)
    for i0, i1 in blocks:
        cols = buf[:c * fh * fw * (i1 - i0) * wo * n].reshape(c, fh, fw, i1 - i0, wo, n)
        cols[...] = _windows(xp, x, fh, fw, sh, sw, (i0, i1), wo, dilation)
        yield i0, i1, cols.reshape(c * fh * fw, -1)


def _col2im_rows(out, cols, i0, fh, fw, sh, sw, wo, dilation, overlap):
    """Add the (C·FH·FW, r·Wo·N) columns of output rows i0:i0 + r back into the padded
    image `out` (C, Hp, Wp, N), one strided `+=` per kernel tap (a plain write where no
    two windows share a pixel)."""
    c, _, _, n = out.shape
    blocks = cols.reshape(c, fh, fw, -1, wo, n)
    r = blocks.shape[3]
    dh, dw = dilation
    for p in range(fh):
        for q in range(fw):
            i, j = i0 * sh + p * dh, q * dw
            view = out[:, i:i + sh * (r - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
            if overlap:
                view += blocks[:, p, q]
            else:  # windows do not overlap: plain assignment
                view[...] = blocks[:, p, q]


def _canvas(xp, c, n, hp, wp, fh, fw, sh, sw, ho, wo, dilation, dtype):
    """col2im's (C, Hp, Wp, N) image and whether windows overlap: zeroed unless the
    windows tile it (every pixel written exactly once)."""
    dh, dw = dilation
    overlap = sh < dh * (fh - 1) + 1 or sw < dw * (fw - 1) + 1   # windows share pixels
    tiles = (sh, sw) == (fh, fw) and (ho * sh, wo * sw) == (hp, wp) and (dh, dw) == (1, 1)
    return (xp.empty if tiles else xp.zeros)((c, hp, wp, n), dtype=dtype), overlap


def _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation=(1, 1)):
    """The im2col matrix of x (N, C, H, W) zero-padded by `padding`, in blocks of output
    rows (`column_blocks`): one free view for a 1×1 stride-1 unpadded kernel on a
    CHWN-stored x, else one padding copy (when needed) and the blocks' window copies."""
    xpad = to_chwn(xp, x, padding)
    if (fh, fw, sh, sw) == (1, 1, 1, 1):
        yield 0, ho, chwn_matrix(xpad)
        return
    yield from column_blocks(xp, xpad, fh, fw, sh, sw, ho, wo, dilation)


def grouped_mm(a, b, groups, ta=False, tb=False, out=None):
    """op(a) @ op(b) for each group, op the transpose where `ta`/`tb` says: a (G·R, ·) and
    b (G·S, ·) are G blocks of rows, one per group, and the G products come back stacked by
    rows (into `out` when given). One group is the plain GEMM; more are one batched GEMM
    (G = C: depthwise)."""
    if groups == 1:
        if tb and not ta and out is None and b.shape[0] > a.shape[0]:
            # a weight gradient g·colsᵀ (a long sum, a small result) with more rows in
            # cols: as (cols·gᵀ)ᵀ, so that the larger side is the one OpenBLAS splits
            # between its threads (0.64–0.89× the time on LeNet-5's, the BN CNN's and
            # ResNet-8's layers; the other way round it is 1.1–1.9× slower)
            return (b @ a.T).T
        return np.matmul(a.T if ta else a, b.T if tb else b, out=out)
    a3 = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    b3 = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    prod = (a3.transpose(0, 2, 1) if ta else a3) @ (b3.transpose(0, 2, 1) if tb else b3)
    prod = prod.reshape(-1, prod.shape[2])
    if out is None:
        return prod
    out[...] = prod
    return out


def window_products(xp, blocks, left, right, width, total, need, groups=1):
    """The two products of a window matrix V (`total` columns) that a backward needs,
    taken block by block while each block of V (`blocks`, as `column_blocks` yields them,
    `width` columns per output row) is in cache: left·V (its columns written block by
    block) when need[0], and right·Vᵀ (summed over the blocks) when need[1], per group;
    None where not needed."""
    first = second = None
    for i0, i1, cols in blocks:
        part = slice(i0 * width, i1 * width)
        if need[0]:
            if first is None:
                first = xp.empty((left.shape[0], total), dtype=xp.result_type(left, cols))
            grouped_mm(left, cols, groups, out=first[:, part])
        if need[1]:   # a fresh product each block: summed in the first one's buffer
            prod = grouped_mm(right[:, part], cols, groups, tb=True)
            second = prod if second is None else xp.add(second, prod, out=second)
    return first, second


def _gradient_windows(xp, grad, fh, fw, padding, h, wd):
    """im2col (as `column_blocks`) of a stride-1 conv's output gradient zero-padded by
    F − 1 − P: a (K·FH·FW, H·W·N) matrix whose row (k, p', q') is g[k] shifted onto the
    input's grid, so that both gradients are one GEMM each with no window copy of the input:
        dx = W̃ · windows(g)        (W̃: the kernel flipped, in/out channels swapped)
        dW̃ = windows(g) · xᵀ       (then flipped back)
    The copy is K·FH·FW·M values instead of C·FH·FW·M for the input's windows (and the
    C·FH·FW-row col2im of dx), so it wins whenever K ≤ C, and with dx also for K ≤ 2C."""
    pt, pb, pl, pr = padding
    gpad = to_chwn(xp, grad, (fh - 1 - pt, fh - 1 - pb, fw - 1 - pl, fw - 1 - pr))
    return column_blocks(xp, gpad, fh, fw, 1, 1, h, wd)


def _add_shifted_taps(y, z, r0, pt, pl):
    """y[k, i, j] += Σ_{p,q} z[p, q, k, i + p − pt − r0, j + q − pl] over the input rows
    r0:r0 + R that z (FH, FW, K, R, W, N) holds (the products of every kernel tap with
    those rows): a stride-1 conv assembled from its taps' products, block by block (input
    row r reaches output row r − p + pt; terms outside y or z are zero padding)."""
    fh, fw, _, r, wd, _ = z.shape
    ho, wo = y.shape[1:3]
    for p in range(fh):
        top = r0 + pt - p                          # the output row of z's first row
        i0, i1 = max(0, top), min(ho, top + r)
        for q in range(fw):
            j0, j1 = max(0, pl - q), min(wo, wd + pl - q)
            if i0 < i1 and j0 < j1:
                y[:, i0:i1, j0:j1] += z[p, q, :, i0 - top:i1 - top, j0 + q - pl:j1 + q - pl]


def _crop_chwn(full, top, h, left, w):
    """(C, Hp, Wp, N) -> the (N, C, h, w) view of its window at (top, left), made dense."""
    if (top, left) != (0, 0) or full.shape[1:3] != (h, w):
        full = full[:, top:top + h, left:left + w].copy()
    return full.transpose(3, 0, 1, 2)


def conv_forward(xp, x, w, stride, padding, dilation, groups):
    """C(x, W) on arrays: the output as a (K, Ho·Wo·N) CHWN matrix, and (Ho, Wo)."""
    n, c, h, wd = x.shape
    k, _, fh, fw = w.shape
    sh, sw = stride
    dh, dw = dilation
    pt, pb, pl, pr = padding
    ho = (h + pt + pb - dh * (fh - 1) - 1) // sh + 1
    wo = (wd + pl + pr - dw * (fw - 1) - 1) // sw + 1
    path = forward_path(x.shape, w.shape, stride, padding, dilation, groups)
    if path == "winograd":
        y = winograd.conv(xp, x, w, padding)
    elif path == "shifted_taps":   # every tap's product, a block of input rows at a time
        taps = w.transpose(2, 3, 0, 1).reshape(fh * fw * k, c)
        xm = chwn_matrix(x)
        y = xp.zeros((k, ho, wo, n), dtype=xp.result_type(x, w))
        for r0, r1 in row_blocks(h, fh * fw * k * wd * n * y.itemsize):
            z = taps @ xm[:, r0 * wd * n:r1 * wd * n]
            _add_shifted_taps(y, z.reshape(fh, fw, k, r1 - r0, wd, n), r0, pt, pl)
        y = y.reshape(k, -1)
    else:   # each block's GEMM writes its columns of y while the block is in cache
        w2 = w.reshape(k, -1)
        y = xp.empty((k, ho * wo * n), dtype=xp.result_type(x, w))
        for i0, i1, cols in _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation):
            grouped_mm(w2, cols, groups, out=y[:, i0 * wo * n:i1 * wo * n])
    return y, ho, wo


def scatter(xp, g2, w, groups, n, ho, wo, canvas, top, left, h, wd, stride, dilation):
    """Cᵢ by col2im: each pixel of the (K, Ho·Wo·N) gradient matrix g2 scatters its
    kernel-weighted copy (Wᵀ·g2) onto a zeroed (Hc, Wc) `canvas`, overlaps adding; the
    (h, wd) window at (top, left) comes back as an (N, C, h, wd) view of CHWN memory.
    Wᵀ·g2 is made a block of g2's rows at a time, added back while still in cache."""
    k, cg, fh, fw = w.shape
    c = cg * groups
    w2 = w.reshape(k, -1)
    full, overlap = _canvas(xp, c, n, *canvas, fh, fw, *stride, ho, wo, dilation,
                            xp.result_type(g2, w))
    for i0, i1 in row_blocks(ho, c * fh * fw * wo * n * full.itemsize):
        cols = grouped_mm(w2, g2[:, i0 * wo * n:i1 * wo * n], groups, ta=True)
        _col2im_rows(full, cols, i0, fh, fw, *stride, wo, dilation, overlap)
    return _crop_chwn(full, top, h, left, wd)


# y = W·cols + b (per group)  =>  dW = g·colsᵀ, dx = col2im(Wᵀ·g); for stride 1 (dense,
# undilated) both are taken from the gradient's windows when that copies less. Every
# window matrix is made and used a block of rows at a time (`column_blocks`), dW summed
# over the blocks.
def conv_grads(xp, x, w, grad, need, x_shape, w_shape, stride, padding, dilation, groups):
    """Cᵢ(g, W) and C_w(x, g) on arrays, as `need` = (dx?, dW?) asks: both of conv2d's
    gradients in one kernel, as the stride-1 paths share the gradient's windows. x is read
    only for dW, W only for dx; `x_shape` and `w_shape` give the sizes."""
    n, c, h, wd = x_shape
    k, _, fh, fw = w_shape
    sh, sw = stride
    pt, pb, pl, pr = padding
    ho, wo = grad.shape[2:]
    dx = dw = None
    path = grad_path(x_shape, w_shape, stride, padding, dilation, groups, need)
    if path == "winograd":
        if need[1]:
            dw = winograd.weight_grad(xp, x, grad, padding)
        if need[0]:
            flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)    # (C, K, 3, 3)
            dx = from_chwn(winograd.conv(xp, grad, flipped, (2 - pt, 2 - pb, 2 - pl,
                                                               2 - pr)), n, c, h, wd)
        return dx, dw
    if path == "gradient_windows":      # windows (K·FH·FW, H·W·N): dx = W̃·V, dW̃ᵀ = x·Vᵀ
        flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1) if need[0] else None
        dxm, dwt = window_products(xp, _gradient_windows(xp, grad, fh, fw, padding, h, wd),
                                   flipped, chwn_matrix(x) if need[1] else None, wd * n,
                                   h * wd * n, need)
        if need[1]:
            flipped = dwt.T.reshape(k, fh, fw, c)[:, ::-1, ::-1]
            dw = xp.ascontiguousarray(flipped.transpose(0, 3, 1, 2))
        if need[0]:
            dx = from_chwn(dxm, n, c, h, wd)
        return dx, dw
    g = chwn_matrix(grad)                     # a free view when grad is stored CHWN
    if need[1]:
        blocks = _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation)
        dw = window_products(xp, blocks, None, g, wo * n, ho * wo * n, (False, True),
                             groups)[1].reshape(w_shape)
    if need[0]:
        dx = scatter(xp, g, w, groups, n, ho, wo, (h + pt + pb, wd + pl + pr), pt, pl,
                     h, wd, stride, dilation)
    return dx, dw
