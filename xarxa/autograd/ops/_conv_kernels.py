"""The array kernels of conv.py's three ops (first order: NumPy arrays in, arrays out), and
the per-shape choice of their algorithm.

im2col copies the sliding windows of the padded input, read through a strided *view*
(no intermediate copy), into one contiguous matrix `cols` of shape (C·FH·FW, Ho·Wo·N):
in CHWN order every copied run is W·N values long. The convolution is then one GEMM,
W(K, C·FH·FW) @ cols, whose (K, Ho·Wo·N) result *is* the output in CHWN order. col2im, its
adjoint, adds each kernel position's block back with one strided `+=` per position
(FH·FW NumPy calls on long runs, no `np.add.at`).

Two stride-1 shortcuts copy fewer values than the input's windows (C·FH·FW rows): backward
takes dx and dW from the *output gradient's* windows (K·FH·FW rows, `_gradient_windows`)
when K ≤ C (K ≤ 2C with dx), and forward, when K < C, multiplies every kernel tap at once,
(FH·FW·K × C)·x, and adds the shifted K-row products (`_sum_shifted_taps`).

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

ConvTranspose2d's own forward and backward (`scatter`, then `im2col` of its gradient) have
one path each.
"""
from __future__ import annotations

from . import winograd
from ._layout import chwn_matrix, from_chwn, to_chwn

FORWARD_PATHS = ("winograd", "shifted_taps", "im2col")
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


def im2col(xp, x, fh, fw, sh, sw, ho, wo, dilation=(1, 1)):
    """Windows of the padded, CHWN-stored x as a contiguous (C·FH·FW, Ho·Wo·N) matrix
    (taps `dilation` pixels apart)."""
    n, c = x.shape[:2]
    s = x.strides
    dh, dw = dilation
    windows = xp.lib.stride_tricks.as_strided(
        x, shape=(c, fh, fw, ho, wo, n),
        strides=(s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw, s[0]), writeable=False)
    cols = xp.empty((c, fh, fw, ho, wo, n), dtype=x.dtype)
    cols[...] = windows
    return cols.reshape(c * fh * fw, -1)


def col2im(xp, cols, c, n, hp, wp, fh, fw, sh, sw, ho, wo, dilation=(1, 1)):
    """Adjoint of im2col: add the (C·FH·FW, Ho·Wo·N) columns back into a padded image,
    returned as a (C, Hp, Wp, N) array (CHWN memory order)."""
    blocks = cols.reshape(c, fh, fw, ho, wo, n)
    dh, dw = dilation
    overlap = sh < dh * (fh - 1) + 1 or sw < dw * (fw - 1) + 1   # windows share pixels
    tiles = (sh, sw) == (fh, fw) and (ho * sh, wo * sw) == (hp, wp) \
        and (dh, dw) == (1, 1)                                     # every pixel written once
    out = (xp.empty if tiles else xp.zeros)((c, hp, wp, n), dtype=cols.dtype)
    for p in range(fh):
        for q in range(fw):
            i, j = p * dh, q * dw
            view = out[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
            if overlap:
                view += blocks[:, p, q]
            else:  # windows do not overlap: plain assignment
                view[...] = blocks[:, p, q]
    return out


def _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation=(1, 1)):
    """The im2col matrix of x (N, C, H, W) zero-padded by `padding`: a free view for a
    1×1 stride-1 unpadded kernel on a CHWN-stored x, else one padding copy (when needed)
    and the window copy."""
    xpad = to_chwn(xp, x, padding)
    if (fh, fw, sh, sw) == (1, 1, 1, 1):
        return chwn_matrix(xpad)
    return im2col(xp, xpad, fh, fw, sh, sw, ho, wo, dilation)


def grouped_mm(a, b, groups, ta=False, tb=False):
    """op(a) @ op(b) for each group, op the transpose where `ta`/`tb` says: a (G·R, ·) and
    b (G·S, ·) are G blocks of rows, one per group, and the G products come back stacked by
    rows. One group is the plain GEMM; more are one batched GEMM (G = C: depthwise)."""
    if groups == 1:
        return (a.T if ta else a) @ (b.T if tb else b)
    a3 = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    b3 = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    out = (a3.transpose(0, 2, 1) if ta else a3) @ (b3.transpose(0, 2, 1) if tb else b3)
    return out.reshape(-1, out.shape[2])


def _gradient_windows(xp, grad, fh, fw, padding, h, wd):
    """im2col of a stride-1 conv's output gradient zero-padded by F − 1 − P: a
    (K·FH·FW, H·W·N) matrix whose row (k, p', q') is g[k] shifted onto the input's grid, so
    that both gradients are one GEMM each with no window copy of the input:
        dx = W̃ · windows(g)        (W̃: the kernel flipped, in/out channels swapped)
        dW̃ = windows(g) · xᵀ       (then flipped back)
    The copy is K·FH·FW·M values instead of C·FH·FW·M for the input's windows (and the
    C·FH·FW-row col2im of dx), so it wins whenever K ≤ C, and with dx also for K ≤ 2C."""
    pt, pb, pl, pr = padding
    gpad = to_chwn(xp, grad, (fh - 1 - pt, fh - 1 - pb, fw - 1 - pl, fw - 1 - pr))
    return im2col(xp, gpad, fh, fw, 1, 1, h, wd)


def _sum_shifted_taps(xp, z, pt, pl, h, wd, ho, wo):
    """y[k, i, j] = Σ_{p,q} z[p, q, k, i + p − pt, j + q − pl] (terms outside the input
    are zero padding): a stride-1 conv assembled from its kernel taps' products."""
    fh, fw, k, _, _, n = z.shape
    covers = pt < fh and pl < fw and (ho, wo) == (h, wd)   # tap (pt, pl) fills all of y
    y = z[pt, pl].copy() if covers else xp.zeros((k, ho, wo, n), dtype=z.dtype)
    for p in range(fh):
        i0, i1 = max(0, pt - p), min(ho, h + pt - p)
        for q in range(fw):
            j0, j1 = max(0, pl - q), min(wo, wd + pl - q)
            if (covers and (p, q) == (pt, pl)) or i0 >= i1 or j0 >= j1:
                continue
            y[:, i0:i1, j0:j1] += z[p, q, :, i0 + p - pt:i1 + p - pt, j0 + q - pl:j1 + q - pl]
    return y


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
    elif path == "shifted_taps":
        taps = w.transpose(2, 3, 0, 1).reshape(fh * fw * k, c) @ chwn_matrix(x)
        y = _sum_shifted_taps(xp, taps.reshape(fh, fw, k, h, wd, n), pt, pl, h, wd,
                              ho, wo).reshape(k, -1)
    else:
        cols = _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation)
        y = grouped_mm(w.reshape(k, -1), cols, groups)
    return y, ho, wo


def scatter(xp, g2, w, groups, n, ho, wo, canvas, top, left, h, wd, stride, dilation):
    """Cᵢ by col2im: each pixel of the (K, Ho·Wo·N) gradient matrix g2 scatters its
    kernel-weighted copy (Wᵀ·g2) onto a zeroed (Hc, Wc) `canvas`, overlaps adding; the
    (h, wd) window at (top, left) comes back as an (N, C, h, wd) view of CHWN memory."""
    k, cg, fh, fw = w.shape
    cols = grouped_mm(w.reshape(k, -1), g2, groups, ta=True)     # (C·FH·FW, Ho·Wo·N)
    full = col2im(xp, cols, cg * groups, n, *canvas, fh, fw, *stride, ho, wo, dilation)
    return _crop_chwn(full, top, h, left, wd)


# y = W·cols + b (per group)  =>  dW = g·colsᵀ, dx = col2im(Wᵀ·g); for stride 1 (dense,
# undilated) both are taken from the gradient's windows when that copies less
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
    if path == "gradient_windows":
        gcols = _gradient_windows(xp, grad, fh, fw, padding, h, wd)   # (K·FH·FW, M)
        if need[1]:
            flipped = (gcols @ chwn_matrix(x).T).reshape(k, fh, fw, c)[:, ::-1, ::-1]
            dw = xp.ascontiguousarray(flipped.transpose(0, 3, 1, 2))
        if need[0]:
            flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)
            dx = from_chwn(flipped @ gcols, n, c, h, wd)
        return dx, dw
    g = chwn_matrix(grad)                     # a free view when grad is stored CHWN
    if need[1]:
        cols = _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation)
        dw = grouped_mm(g, cols, groups, tb=True).reshape(w_shape)
        del cols                              # before dx's columns, as large, are made
    if need[0]:
        dx = scatter(xp, g, w, groups, n, ho, wo, (h + pt + pb, wd + pl + pr), pt, pl,
                     h, wd, stride, dilation)
    return dx, dw
