"""2-D convolution and transposed convolution (notes §1.5.1 and §1.6.2), im2col + one GEMM.

Layout: tensors are (N, C, H, W), a Conv2d weight is (K, C, FH, FW) and a ConvTranspose2d
weight (C_in, C_out, FH, FW), as in PyTorch. Padding is (top, bottom, left, right), so that
TensorFlow's asymmetric 'same' padding fits. Inside, images are stored in (C, H, W, N)
memory order and outputs are returned in it as transposed views (`_layout.py` says why).

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

A Winograd F(2×2, 3×3) path (forward, dx as the Winograd conv of the padded gradient with
the flipped kernel, dW by the transform's adjoint) serves 3×3 stride-1 convolutions when the
`winograd.ENABLED` switch is on; it is off because it measured slower than the paths above on this
2-core CPU (benchmarks/RESULTS.md), and kept, tested against PyTorch, for a per-shape choice.

Both gradients are themselves convolutions: dx = conv_transpose2d(g, W) with the same
stride, padding, dilation and groups, and dW = conv2d_weight(x, g), the correlation of x
with g (stride and dilation swapped), per group. With conv2d these three ops close under
differentiation, each one's backward written once in terms of the other two (the section
"conv2d and its two gradients" below): the gradients of gradients (create_graph=True) are
graphs of convolutions, while a first-order backward runs the array kernels above.

Output sizes (floor division, as PyTorch), with the extent E = D·(F − 1) + 1:
    conv:            Ho = ⌊(H + P_top + P_bottom − E) / S⌋ + 1
    transposed conv: Ho = (H − 1)·S − 2P + E + output_padding
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ...tensor import Tensor
from . import winograd
from ._layout import CHWN, chwn_matrix, from_chwn, to_chwn


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


# -- conv2d and its two gradients: three ops, closed under differentiation -------------------
# y = C(x, W) is bilinear, and so are its two gradients: the input gradient Cᵢ(g, W)
# (conv_transpose2d) and the weight gradient C_w(x, g) (conv2d_weight), with
#     ⟨g, C(x, W)⟩ = ⟨Cᵢ(g, W), x⟩ = ⟨C_w(x, g), W⟩
# for the same stride, padding, dilation and groups. Each one's VJP is therefore made of the
# other two (ū the gradient of the op's output):
#     C(x, W):    x̄ = Cᵢ(ū, W),   W̄ = C_w(x, ū)
#     Cᵢ(g, W):   ḡ = C(ū, W),    W̄ = C_w(ū, g)
#     C_w(x, g):  x̄ = Cᵢ(g, ū),   ḡ = C(x, ū)
# On arrays (first order) a backward runs the array kernels below, which choose the fastest
# path per shape (a new fast path replaces a kernel, nothing else); on Tensors
# (create_graph=True) the same backward calls the three differentiable ops (`_conv`,
# `_input_grad`, `_weight_grad`), so a gradient is itself a graph of convolutions,
# differentiable to any order.

def _geometry(attrs):
    """A conv2d-shaped node's (stride, padding, dilation, groups), defaults filled in."""
    return (attrs.get("stride", (1, 1)), attrs.get("padding", (0, 0, 0, 0)),
            attrs.get("dilation", (1, 1)), attrs.get("groups", 1))


def _conv_forward(xp, x, w, stride, padding, dilation, groups):
    """C(x, W) on arrays: the output as a (K, Ho·Wo·N) CHWN matrix, and (Ho, Wo)."""
    n, c, h, wd = x.shape
    k, _, fh, fw = w.shape
    sh, sw = stride
    dh, dw = dilation
    pt, pb, pl, pr = padding
    ho = (h + pt + pb - dh * (fh - 1) - 1) // sh + 1
    wo = (wd + pl + pr - dw * (fw - 1) - 1) // sw + 1
    if winograd.applies(w.shape, stride, padding, dilation, groups):
        y = winograd.conv(xp, x, w, padding)
    elif (sh, sw, dh, dw, groups) == (1, 1, 1, 1, 1) and k < c and fh * fw > 1:
        # fewer output than input channels (DenseNet's layers, U-Net's decoders): every
        # tap's product W[:, :, p, q]·x in one GEMM, then FH·FW shifted adds of K-row
        # blocks; 1.3–3.5× faster than copying the C·FH·FW-row windows of x
        taps = w.transpose(2, 3, 0, 1).reshape(fh * fw * k, c) @ chwn_matrix(x)
        y = _sum_shifted_taps(xp, taps.reshape(fh, fw, k, h, wd, n), pt, pl, h, wd,
                              ho, wo).reshape(k, -1)
    else:
        cols = _columns(xp, x, padding, fh, fw, sh, sw, ho, wo, dilation)
        y = grouped_mm(w.reshape(k, -1), cols, groups)
    return y, ho, wo


def _scatter(xp, g2, w, groups, n, ho, wo, canvas, top, left, h, wd, stride, dilation):
    """Cᵢ by col2im: each pixel of the (K, Ho·Wo·N) gradient matrix g2 scatters its
    kernel-weighted copy (Wᵀ·g2) onto a zeroed (Hc, Wc) `canvas`, overlaps adding; the
    (h, wd) window at (top, left) comes back as an (N, C, h, wd) view of CHWN memory."""
    k, cg, fh, fw = w.shape
    cols = grouped_mm(w.reshape(k, -1), g2, groups, ta=True)     # (C·FH·FW, Ho·Wo·N)
    full = col2im(xp, cols, cg * groups, n, *canvas, fh, fw, *stride, ho, wo, dilation)
    return _crop_chwn(full, top, h, left, wd)


# y = W·cols + b (per group)  =>  dW = g·colsᵀ, dx = col2im(Wᵀ·g); for stride 1 (dense,
# undilated) both are taken from the gradient's windows when that copies less
def _conv_grads(xp, x, w, grad, need, x_shape, w_shape, stride, padding, dilation, groups):
    """Cᵢ(g, W) and C_w(x, g) on arrays, as `need` = (dx?, dW?) asks: both of conv2d's
    gradients in one kernel, as the stride-1 paths share the gradient's windows. x is read
    only for dW, W only for dx; `x_shape` and `w_shape` give the sizes."""
    n, c, h, wd = x_shape
    k, _, fh, fw = w_shape
    sh, sw = stride
    pt, pb, pl, pr = padding
    ho, wo = grad.shape[2:]
    dx = dw = None
    if winograd.applies(w_shape, stride, padding, dilation, groups):
        if need[1]:
            dw = winograd.weight_grad(xp, x, grad, padding)
        if need[0]:
            flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)    # (C, K, 3, 3)
            dx = from_chwn(winograd.conv(xp, grad, flipped, (2 - pt, 2 - pb, 2 - pl,
                                                               2 - pr)), n, c, h, wd)
        return dx, dw
    if (sh, sw) == (1, 1) and max(pt, pb) < fh and max(pl, pr) < fw \
            and dilation == (1, 1) and groups == 1 \
            and (k <= c or (need[0] and k <= 2 * c)):
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
        dx = _scatter(xp, g, w, groups, n, ho, wo, (h + pt + pb, wd + pl + pr), pt, pl,
                      h, wd, stride, dilation)
    return dx, dw


def _in_graph(a, b) -> bool:
    """Whether an operand is a Tensor (create_graph; the other may be a constant array)."""
    return isinstance(a, Tensor) or isinstance(b, Tensor)


def _conv(xp, x, w, stride, padding, dilation, groups):
    """C(x, W), no bias: the op Conv2d on Tensors, its kernel on arrays."""
    if _in_graph(x, w):
        return Conv2d.apply(x, w, None, stride=stride, padding=padding, dilation=dilation,
                            groups=groups)
    y, ho, wo = _conv_forward(xp, x, w, stride, padding, dilation, groups)
    return from_chwn(y, x.shape[0], w.shape[0], ho, wo)


def _input_grad(xp, g, w, hw, stride, padding, dilation, groups):
    """Cᵢ(g, W) for an input of size `hw`: on Tensors the op ConvTranspose2d, cropped at
    the conv's top/left padding, with the output_padding that gives `hw` (inside the graph
    it may be negative or ≥ stride, for an asymmetric padding); its kernel on arrays."""
    if not _in_graph(g, w):
        return _conv_grads(xp, None, w, g, (True, False), (g.shape[0], w.shape[1] * groups, *hw),
                           w.shape, stride, padding, dilation, groups)[0]
    (sh, sw), (pt, _, pl, _), (dh, dw) = stride, padding, dilation
    (ho, wo), (fh, fw) = g.shape[2:], w.shape[2:]
    out_pad = (hw[0] - ((ho - 1) * sh - 2 * pt + dh * (fh - 1) + 1),
               hw[1] - ((wo - 1) * sw - 2 * pl + dw * (fw - 1) + 1))
    return ConvTranspose2d.apply(g, w, None, stride=stride, padding=(pt, pl),
                                 output_padding=out_pad, dilation=dilation, groups=groups)


def _weight_grad(xp, x, g, kernel_size, stride, padding, dilation, groups):
    """C_w(x, g) for a kernel of `kernel_size`: the op Conv2dWeight on Tensors, its kernel
    on arrays."""
    if _in_graph(x, g):
        return Conv2dWeight.apply(x, g, kernel_size=tuple(kernel_size), stride=stride,
                                  padding=padding, dilation=dilation, groups=groups)
    w_shape = (g.shape[1], x.shape[1] // groups, *kernel_size)
    return _conv_grads(xp, x, None, g, (False, True), x.shape, w_shape, stride, padding,
                       dilation, groups)[1]


class Conv2d(Function):
    """y = C(x, W) + b."""

    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                groups=1):
        y, ho, wo = _conv_forward(ctx.xp, x, w, stride, padding, dilation, groups)
        if b is not None:
            y += b.reshape(-1, 1)
        # the input, not the windows: they are FH·FW/S² times larger (a 3×3 conv's are 9×
        # its input) and backward mostly does without them (see `_gradient_windows`)
        ctx.save_for_backward(x, w)
        return from_chwn(y, x.shape[0], w.shape[0], ho, wo)

    # x̄ = Cᵢ(ḡ, W), W̄ = C_w(x, ḡ), b̄ = Σ ḡ per channel; on arrays both from one kernel
    def backward(ctx, grad):
        xp = ctx.xp
        x, w = ctx.saved
        geo = _geometry(ctx.attrs)
        need = ctx.needs_input_grad
        db = None
        if need[2]:     # a contiguous reduction when grad is stored CHWN
            db = xp.transpose(grad, CHWN).reshape(w.shape[0], -1).sum(axis=1)
        if isinstance(grad, Tensor):              # create_graph: the differentiable ops
            return (_input_grad(xp, grad, w, x.shape[2:], *geo) if need[0] else None,
                    _weight_grad(xp, x, grad, w.shape[2:], *geo) if need[1] else None, db)
        return (*_conv_grads(xp, x, w, grad, need, x.shape, w.shape, *geo), db)


class ConvTranspose2d(Function):
    """y = Cᵢ(x, W) + b: conv2d's input gradient (scatter, crop) as an op."""

    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1), groups=1):
        n, _, h, wd = x.shape
        _, c_out, fh, fw = w.shape                 # c_out per group
        (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
        oh, ow = output_padding
        # scatter every input pixel's kernel-weighted copy (col2im of Wᵀ·x), then crop;
        # output_padding adds rows no window reaches (< 0, only inside a graph: crops more)
        hf = (h - 1) * sh + dh * (fh - 1) + 1
        wf = (wd - 1) * sw + dw * (fw - 1) + 1
        x2 = chwn_matrix(x)                                   # (C_in, H·W·N)
        out = _scatter(ctx.xp, x2, w, groups, n, h, wd, (hf + max(oh, 0), wf + max(ow, 0)),
                       ph, pw, hf - 2 * ph + oh, wf - 2 * pw + ow, stride, dilation)
        if b is not None:
            out += b.reshape(c_out * groups, 1, 1)
        ctx.save_for_backward(x2, w, x.shape)
        return out

    def graph_saved(ctx):
        # x2 is the input's CHWN matrix, kept so that backward need not make it again; the
        # graph's backward (create_graph) takes the input Tensor itself
        return ctx.inputs[0], ctx.inputs[1], ctx.saved[2]

    # x̄ = C(ḡ, W), W̄ = C_w(ḡ, x) (ḡ the conv's image, x its output side), b̄ = Σ ḡ; on
    # arrays the adjoint of the forward: x̄ = W·im2col(ḡ), W̄ = x·im2col(ḡ)ᵀ (per group),
    # one im2col for both
    def backward(ctx, grad):
        xp = ctx.xp
        x2, w, (n, c_in, h, wd) = ctx.saved
        need = ctx.needs_input_grad
        _, _, fh, fw = w.shape
        attrs = ctx.attrs
        stride = sh, sw = attrs.get("stride", (1, 1))
        ph, pw = attrs.get("padding", (0, 0))
        dilation = dh, dw_ = attrs.get("dilation", (1, 1))
        groups = attrs.get("groups", 1)
        hf = (h - 1) * sh + dh * (fh - 1) + 1           # rows the windows can reach
        wf = (wd - 1) * sw + dw_ * (fw - 1) + 1
        ho, wo = grad.shape[2:]
        db = grad.sum(axis=(0, 2, 3)) if need[2] else None
        if isinstance(grad, Tensor):              # create_graph: the differentiable ops
            # the conv whose input gradient this is reads ḡ from (−ph, −pw) to (hf, wf);
            # rows past that (output_padding > padding) are cropped, so that its floor
            # gives x's h × wd
            if ho > hf - ph or wo > wf - pw:
                grad = grad[:, :, :hf - ph, :wf - pw]
            geo = (stride, (ph, hf - ph - grad.shape[2], pw, wf - pw - grad.shape[3]),
                   dilation, groups)
            return (_conv(xp, grad, w, *geo) if need[0] else None,
                    _weight_grad(xp, grad, x2, (fh, fw), *geo) if need[1] else None, db)
        # the cropped borders received no gradient: pad g back to the full scatter size
        g = to_chwn(xp, grad, (ph, max(hf - ph - ho, 0), pw, max(wf - pw - wo, 0)))
        gcols = im2col(xp, g, fh, fw, sh, sw, h, wd, dilation)   # (C_out·FH·FW, H·W·N)
        dx = dw = None
        if need[0]:
            dx = from_chwn(grouped_mm(w.reshape(c_in, -1), gcols, groups), n, c_in, h, wd)
        if need[1]:
            dw = grouped_mm(x2, gcols, groups, tb=True).reshape(w.shape)
        return dx, dw, db


class Conv2dWeight(Function):
    """W = C_w(x, g): conv2d's weight gradient as an op (PyTorch's
    `torch.nn.grad.conv2d_weight`), made by a convolution's backward with create_graph."""

    def forward(ctx, x, g, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0, 0, 0),
                dilation=(1, 1), groups=1):
        ctx.save_for_backward(x, g)
        return _weight_grad(ctx.xp, x, g, kernel_size, stride, padding, dilation, groups)

    # ⟨ū, C_w(x, g)⟩ = ⟨C(x, ū), g⟩ = ⟨Cᵢ(g, ū), x⟩
    def backward(ctx, grad):
        xp = ctx.xp
        x, g = ctx.saved
        geo = _geometry(ctx.attrs)
        need = ctx.needs_input_grad
        return (_input_grad(xp, g, grad, x.shape[2:], *geo) if need[0] else None,
                _conv(xp, x, grad, *geo) if need[1] else None)


# -- wrappers ------------------------------------------------------------------------------

def pair(value, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints as (h, w): the one check of the 2-D ops' size arguments
    (kernel_size, stride, padding, output_size …), also used by the layers that store them."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and \
            all(isinstance(v, (int, np.integer)) for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def check_stride(stride, op: str) -> tuple[int, int]:
    """A positive int or pair of ints as (sh, sw)."""
    s = pair(stride, "stride", op)
    if s[0] <= 0 or s[1] <= 0:
        raise ValueError(f"{op}: stride must be positive, got {stride!r}")
    return s


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ⌈N/S⌉, total padding max((⌈N/S⌉−1)·S + F − N, 0), the
    smaller half before and the extra pixel (odd totals, e.g. even kernels) after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_padding(padding, hw, kernel, stride, op: str) -> tuple[int, int, int, int]:
    """int, pair, 4-tuple (top, bottom, left, right), 'same' or 'valid' -> 4-tuple."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            return (same_padding(hw[0], kernel[0], stride[0])
                    + same_padding(hw[1], kernel[1], stride[1]))
        raise ValueError(f"{op}: unknown padding {padding!r}; expected an int, a pair, "
                         "'same' or 'valid'")
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        p = tuple(int(v) for v in padding)
    else:
        ph, pw = pair(padding, "padding", op)
        p = (ph, ph, pw, pw)
    if min(p) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return p


def check_dilation(dilation, op: str) -> tuple[int, int]:
    """A positive int or pair of ints as (dh, dw)."""
    d = pair(dilation, "dilation", op)
    if d[0] <= 0 or d[1] <= 0:
        raise ValueError(f"{op}: dilation must be positive, got {dilation!r}")
    return d


def check_groups(groups, in_channels: int, out_channels: int, op: str) -> int:
    """A positive int dividing both channel counts (PyTorch's rule for the layers)."""
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
        if count % groups:
            raise ValueError(f"{op}: {name} ({count}) must be divisible by groups ({groups})")
    return int(groups)


def _check_input(x, w, groups, op: str, transposed: bool) -> int:
    """Tensors, 4-D, one dtype; groups divides the weight's dim 0 and the input has the
    channels the weight expects: (K, C/G, …) for conv2d, (C_in, C_out/G, …) transposed."""
    if not isinstance(x, Tensor) or not isinstance(w, Tensor):
        raise TypeError(f"{op}: expected Tensors for input and weight, got "
                        f"{type(x).__name__} and {type(w).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got shape {w.shape}")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if w.shape[0] % groups:
        raise ValueError(f"{op}: the weight of shape {w.shape} has {w.shape[0]} channels in "
                         f"dim 0, not divisible by groups={groups}")
    expects = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != expects:
        grouped = "" if groups == 1 else f" with groups={groups}"
        raise ValueError(f"{op}: input has {x.shape[1]} channels but the weight of shape "
                         f"{w.shape}{grouped} expects {expects} (input shape {x.shape})")
    if x.dtype != w.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} differs from weight dtype {w.dtype}")
    return int(groups)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
           padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (what deep learning calls convolution), im2col + one GEMM.

    Args:
        stride: int or (sh, sw), positive.
        padding: int, (ph, pw), (top, bottom, left, right), 'valid' (0) or 'same' (output
            ⌈N/S⌉, split as TensorFlow does, also for stride > 1 and even kernels).
        dilation: int or (dh, dw): taps D pixels apart (extent E = D·(F − 1) + 1).
        groups: G splits the input and output channels into G independent convolutions
            (G = C: depthwise); C and K must be divisible by G.

    Shape:
        x (N, C, H, W), weight (K, C/G, FH, FW), bias (K,) -> (N, K, Ho, Wo) with
        Ho = ⌊(H + P_top + P_bottom − E)/S⌋ + 1 (floored when not divisible, as PyTorch).

    Example:
        >>> y = xa.conv2d(xa.randn(8, 1, 28, 28), xa.randn(6, 1, 5, 5), padding="same")
        >>> xa.conv2d(xa.randn(2, 4, 9, 9), xa.randn(4, 1, 3, 3), groups=4).shape  # depthwise
        (2, 4, 7, 7)
    """
    op = "conv2d"
    groups = _check_input(x, weight, groups, op, transposed=False)
    stride = check_stride(stride, op)
    dilation = check_dilation(dilation, op)
    fh, fw = weight.shape[2:]
    extent = (dilation[0] * (fh - 1) + 1, dilation[1] * (fw - 1) + 1)
    pad = conv_padding(padding, x.shape[2:], extent, stride, op)
    hp, wp = x.shape[2] + pad[0] + pad[1], x.shape[3] + pad[2] + pad[3]
    if extent[0] > hp or extent[1] > wp:
        dilated = "" if dilation == (1, 1) else f" dilated by {dilation} to {extent}"
        raise ValueError(f"{op}: kernel {(fh, fw)}{dilated} is larger than the padded input "
                         f"({hp}, {wp}) (input shape {x.shape}, padding {pad})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"{op}: bias of shape {bias.shape}, expected ({weight.shape[0]},)")
    if dilation == (1, 1) and groups == 1:    # the notes' convolution: the shortest attrs
        return Conv2d.apply(x, weight, bias, stride=stride, padding=pad)
    return Conv2d.apply(x, weight, bias, stride=stride, padding=pad, dilation=dilation,
                        groups=groups)


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed convolution: the adjoint (gradient) of `conv2d` with the same kernel,
    stride, padding, dilation and groups; each input pixel scatters a kernel-weighted copy,
    overlaps add. Arguments in PyTorch's order (groups before dilation).

    Shape:
        x (N, C_in, H, W), weight (C_in, C_out/G, FH, FW), bias (C_out,) ->
        (N, C_out, Ho, Wo), Ho = (H − 1)·S − 2P + D·(FH − 1) + 1 + output_padding.
        output_padding (< S or < D, as PyTorch) picks one of the S input sizes that conv2d
        maps to H.
    """
    op = "conv_transpose2d"
    groups = _check_input(x, weight, groups, op, transposed=True)
    stride = check_stride(stride, op)
    dilation = check_dilation(dilation, op)
    ph, pw = pair(padding, "padding", op)
    oh, ow = pair(output_padding, "output_padding", op)
    if min(ph, pw, oh, ow) < 0:
        raise ValueError(f"{op}: padding and output_padding must be non-negative, got "
                         f"{padding!r} and {output_padding!r}")
    if (oh >= stride[0] and oh >= dilation[0]) or (ow >= stride[1] and ow >= dilation[1]):
        raise ValueError(f"{op}: output_padding {(oh, ow)} must be smaller than the stride "
                         f"{stride} or the dilation {dilation}")
    fh, fw = weight.shape[2:]
    ho = (x.shape[2] - 1) * stride[0] - 2 * ph + dilation[0] * (fh - 1) + 1 + oh
    wo = (x.shape[3] - 1) * stride[1] - 2 * pw + dilation[1] * (fw - 1) + 1 + ow
    if ho <= 0 or wo <= 0:
        raise ValueError(f"{op}: padding {(ph, pw)} leaves an empty output ({ho}, {wo}) for "
                         f"input shape {x.shape} and kernel {(fh, fw)}")
    c_out = weight.shape[1] * groups
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(f"{op}: bias of shape {bias.shape}, expected ({c_out},)")
    if dilation == (1, 1) and groups == 1:
        return ConvTranspose2d.apply(x, weight, bias, stride=stride, padding=(ph, pw),
                                     output_padding=(oh, ow))
    return ConvTranspose2d.apply(x, weight, bias, stride=stride, padding=(ph, pw),
                                 output_padding=(oh, ow), dilation=dilation, groups=groups)
