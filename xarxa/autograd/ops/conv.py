"""2-D convolution and transposed convolution (notes §1.5.1 and §1.6.2), im2col + one GEMM.

Layout: tensors are (N, C, H, W), a Conv2d weight is (K, C, FH, FW) and a ConvTranspose2d
weight (C_in, C_out, FH, FW), as in PyTorch. Padding is (top, bottom, left, right), so that
TensorFlow's asymmetric 'same' padding fits. Inside, images are stored in (C, H, W, N)
memory order and outputs are returned in it as transposed views (`_layout.py` says why).

This file holds the three differentiable ops, their dispatch and the public wrappers with
their argument checks; the array kernels they run at first order are in `_conv_kernels.py`:
im2col (the input's windows as a matrix, made in cache-sized blocks of output rows) +
GEMM, col2im its adjoint, two stride-1 shortcuts (shifted tap products forward, the
gradient's windows backward), a batched GEMM for groups, strided windows for dilation,
and a Winograd F(2×2, 3×3) path (`winograd.py`, switched off). Which one runs is a
deterministic function of the shapes and options, exported here for inspection:

    forward_path(x_shape, w_shape, stride, padding, dilation, groups)
        -> "winograd" | "shifted_taps" | "im2col"
    grad_path(x_shape, w_shape, stride, padding, dilation, groups, need)
        -> "winograd" | "gradient_windows" | "im2col"

(padding as (top, bottom, left, right), `need` = (dx?, dW?)): no state and no timing, so
the same arguments take the same path every time and in every thread.

Both gradients are themselves convolutions: dx = conv_transpose2d(g, W) with the same
stride, padding, dilation and groups, and dW = conv2d_weight(x, g), the correlation of x
with g (stride and dilation swapped), per group. With conv2d these three ops close under
differentiation, each one's backward written once in terms of the other two (the section
"conv2d and its two gradients" below): the gradients of gradients (create_graph=True) are
graphs of convolutions, while a first-order backward runs the array kernels.

Output sizes (floor division, as PyTorch), with the extent E = D·(F − 1) + 1:
    conv:            Ho = ⌊(H + P_top + P_bottom − E) / S⌋ + 1
    transposed conv: Ho = (H − 1)·S − 2P + E + output_padding
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ...tensor import Tensor
from ._conv_kernels import column_blocks, conv_forward, conv_grads, scatter, window_products
from ._conv_kernels import forward_path, grad_path  # noqa: F401  (exported for inspection)
from ._layout import chwn_matrix, from_chwn, to_chwn


# -- conv2d and its two gradients: three ops, closed under differentiation -------------------
# y = C(x, W) is bilinear, and so are its two gradients: the input gradient Cᵢ(g, W)
# (conv_transpose2d) and the weight gradient C_w(x, g) (conv2d_weight), with
#     ⟨g, C(x, W)⟩ = ⟨Cᵢ(g, W), x⟩ = ⟨C_w(x, g), W⟩
# for the same stride, padding, dilation and groups. Each one's VJP is therefore made of the
# other two (ū the gradient of the op's output):
#     C(x, W):    x̄ = Cᵢ(ū, W),   W̄ = C_w(x, ū)
#     Cᵢ(g, W):   ḡ = C(ū, W),    W̄ = C_w(ū, g)
#     C_w(x, g):  x̄ = Cᵢ(g, ū),   ḡ = C(x, ū)
# On arrays (first order) a backward runs the array kernels (`_conv_kernels.py`), which take
# the fastest path per shape (`forward_path`, `grad_path`: a new fast path changes a kernel
# and its chooser, nothing here); on Tensors (create_graph=True) the same backward calls the
# three differentiable ops (`_conv`, `_input_grad`, `_weight_grad`), so a gradient is itself
# a graph of convolutions, differentiable to any order.

def _geometry(attrs):
    """A conv2d-shaped node's (stride, padding, dilation, groups), defaults filled in."""
    return (attrs.get("stride", (1, 1)), attrs.get("padding", (0, 0, 0, 0)),
            attrs.get("dilation", (1, 1)), attrs.get("groups", 1))


def _in_graph(a, b) -> bool:
    """Whether an operand is a Tensor (create_graph; the other may be a constant array)."""
    return isinstance(a, Tensor) or isinstance(b, Tensor)


def _conv(xp, x, w, stride, padding, dilation, groups):
    """C(x, W), no bias: the op Conv2d on Tensors, its kernel on arrays."""
    if _in_graph(x, w):
        return Conv2d.apply(x, w, None, stride=stride, padding=padding, dilation=dilation,
                            groups=groups)
    y, ho, wo = conv_forward(xp, x, w, stride, padding, dilation, groups)
    return from_chwn(y, x.shape[0], w.shape[0], ho, wo)


def _input_grad(xp, g, w, hw, stride, padding, dilation, groups):
    """Cᵢ(g, W) for an input of size `hw`: on Tensors the op ConvTranspose2d, cropped at
    the conv's top/left padding, with the output_padding that gives `hw` (inside the graph
    it may be negative or ≥ stride, for an asymmetric padding); its kernel on arrays."""
    if not _in_graph(g, w):
        return conv_grads(xp, None, w, g, (True, False), (g.shape[0], w.shape[1] * groups, *hw),
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
    return conv_grads(xp, x, None, g, (False, True), x.shape, w_shape, stride, padding,
                      dilation, groups)[1]


class Conv2d(Function):
    """y = C(x, W) + b."""

    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                groups=1):
        y, ho, wo = conv_forward(ctx.xp, x, w, stride, padding, dilation, groups)
        if b is not None:
            y += b.reshape(-1, 1)
        # the input, not the windows: they are FH·FW/S² times larger (a 3×3 conv's are 9×
        # its input) and backward mostly does without them (see `grad_path`)
        ctx.save_for_backward(x, w)
        return from_chwn(y, x.shape[0], w.shape[0], ho, wo)

    # x̄ = Cᵢ(ḡ, W), W̄ = C_w(x, ḡ), b̄ = Σ ḡ per channel; on arrays both from one kernel
    def backward(ctx, grad):
        xp = ctx.xp
        x, w = ctx.saved
        geo = _geometry(ctx.attrs)
        need = ctx.needs_input_grad
        # Σ ḡ per channel: as fast as a contiguous sum for a CHWN-stored ḡ, and no
        # transposing copy (10× slower) for an NCHW one
        db = grad.sum(axis=(0, 2, 3)) if need[2] else None
        if isinstance(grad, Tensor):              # create_graph: the differentiable ops
            return (_input_grad(xp, grad, w, x.shape[2:], *geo) if need[0] else None,
                    _weight_grad(xp, x, grad, w.shape[2:], *geo) if need[1] else None, db)
        return (*conv_grads(xp, x, w, grad, need, x.shape, w.shape, *geo), db)


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
        out = scatter(ctx.xp, x2, w, groups, n, h, wd, (hf + max(oh, 0), wf + max(ow, 0)),
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
        # the windows of g, (C_out·FH·FW, H·W·N), a block of rows at a time
        dxm, dw = window_products(xp, column_blocks(xp, g, fh, fw, sh, sw, h, wd, dilation),
                                  w.reshape(c_in, -1), x2, wd * n, h * wd * n, need, groups)
        dx = None if dxm is None else from_chwn(dxm, n, c_in, h, wd)
        return dx, None if dw is None else dw.reshape(w.shape), db


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
