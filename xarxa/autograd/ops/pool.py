"""Pooling and unpooling (notes §1.5.2, §1.6.2): max (with saved argmax), average,
adaptive average, max-unpooling, nearest-neighbour and bed-of-nails upsampling.

Windows are visited one kernel position (p, q) at a time: each position is a strided
view x[:, :, p::S, q::S] of output size, so a pool is FH·FW vectorised NumPy calls on
output-sized arrays, whatever the kernel, stride or padding.

Output size (PyTorch, floor): Ho = ⌊(H + 2P − F)/S⌋ + 1; max-unpooling inverts it,
Ho = (H − 1)·S − 2P + F.

Every backward here is linear in the gradient with constant side data (argmax, indices,
window geometry), so each is a `linear_map` of two array kernels: the backward's own (A)
and the forward-direction one (Aᵀ: the op's forward, or for max pooling the gather at the
saved argmax). On arrays that is the backward kernel alone; with `create_graph=True` the
pair is a differentiable node, to any order.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ..function import Function
from ...tensor import Tensor
from ._layout import empty_in_layout, layout_of, same_layout
from ._linear import linear_map
from .conv import check_stride, pair


def _window(x, p, q, sh, sw, ho, wo):
    """The (N, C, Ho, Wo) view of kernel position (p, q) of every window."""
    return x[:, :, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw]


def _pad(xp, x, ph, pw, value):
    """x padded by (ph, pw) with `value`, stored in x's memory order."""
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = empty_in_layout(xp, (n, c, h + 2 * ph, w + 2 * pw), layout_of(x), x.dtype)
    out[...] = value
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _unpad(xp, x, ph, pw):
    if not (ph or pw):
        return x
    return x[:, :, ph:x.shape[2] - ph, pw:x.shape[3] - pw].copy(order="K")


class MaxPool2d(Function):
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), out_size=(1, 1),
                return_indices=False):
        xp = ctx.xp
        (fh, fw), (sh, sw), (ph, pw), (ho, wo) = kernel, stride, padding, out_size
        xpad = _pad(xp, x, ph, pw, -xp.inf)
        views = [_window(xpad, k // fw, k % fw, sh, sw, ho, wo) for k in range(fh * fw)]
        if len(views) == 1:
            out = views[0].copy()
        else:
            out = xp.maximum(views[0], views[1])
            for view in views[2:]:
                xp.maximum(out, view, out=out)
        # argmax = index of the first window position holding the maximum (PyTorch's tie
        # rule): count the leading positions that do not hold it. Boolean `&`/`+=` passes
        # are several times faster than masked copies (np.copyto(where=)).
        arg = xp.zeros_like(out, dtype=np.int8 if fh * fw < 128 else np.int32)
        if len(views) > 1:
            missing = views[0] != out
            arg += missing
            for view in views[1:-1]:
                missing &= view != out
                arg += missing
        ctx.save_for_backward(arg, x.shape)
        if return_indices:  # an aux output: flat index into each input plane, as PyTorch
            rows = xp.arange(ho).reshape(ho, 1) * sh - ph + arg // fw
            cols = xp.arange(wo) * sw - pw + arg % fw
            return out, rows * x.shape[3] + cols
        return out

    # the gradient goes to each window's maximum (the saved argmax), adding on overlaps;
    # its transpose reads a gradient of x back at the argmax positions
    def backward(ctx, grad):
        arg, shape = ctx.saved
        a = ctx.attrs
        return (linear_map(grad, lambda g: _max_scatter(g, arg, shape, a),
                           lambda gx: _max_gather(gx, arg, a), "MaxPool2dBackward"),)


def _max_scatter(grad, arg, shape, a):
    """MaxPool2d's backward kernel: each window's gradient added at its argmax."""
    xp = backend.namespace(grad)
    (fh, fw), (sh, sw), (ph, pw) = a["kernel"], a["stride"], a["padding"]
    ho, wo = grad.shape[2:]
    n, c, h, w = shape
    grad = same_layout(xp, grad, arg)   # one pass here saves mixed-layout passes below
    dx = empty_in_layout(xp, (n, c, h + 2 * ph, w + 2 * pw), layout_of(arg), grad.dtype)
    if not _tiles(a, ho, wo, h, w):
        dx[...] = 0
    overlap = sh < fh or sw < fw
    for k in range(fh * fw):
        view = _window(dx, k // fw, k % fw, sh, sw, ho, wo)
        if overlap:
            view += grad * (arg == k)
        else:
            xp.multiply(grad, arg == k, out=view)
    return _unpad(xp, dx, ph, pw)


def _max_gather(gx, arg, a):
    """The transpose of `_max_scatter`: each window's value of gx (input-shaped) at the
    window's saved argmax — max pooling with the argmax fixed (padding reads zeros)."""
    xp = backend.namespace(gx)
    fw, (sh, sw), (ph, pw) = a["kernel"][1], a["stride"], a["padding"]
    ho, wo = arg.shape[2:]
    gpad = _pad(xp, gx, ph, pw, 0)
    out = xp.zeros(arg.shape, dtype=gx.dtype)
    for k in range(a["kernel"][0] * fw):
        xp.copyto(out, _window(gpad, k // fw, k % fw, sh, sw, ho, wo), where=arg == k)
    return out


def _tiles(attrs, ho, wo, h, w) -> bool:
    """True when the windows cover the input exactly once (stride = kernel, no padding)."""
    (fh, fw), (sh, sw), (ph, pw) = attrs["kernel"], attrs["stride"], attrs["padding"]
    return (sh, sw) == (fh, fw) and not (ph or pw) and ho * fh == h and wo * fw == w


class AvgPool2d(Function):
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), out_size=(1, 1)):
        ctx.save_for_backward(x.shape)
        return _avg_pool(x, kernel, stride, padding, out_size)

    # every input of a window receives g / (FH·FW); the transpose is the pool itself
    def backward(ctx, grad):
        shape, = ctx.saved
        a = ctx.attrs
        return (linear_map(grad, lambda g: _avg_spread(g, shape, a),
                           lambda gx: _avg_pool(gx, **a), "AvgPool2dBackward"),)


def _avg_pool(x, kernel, stride, padding, out_size):
    """AvgPool2d's forward kernel on arrays."""
    xp = backend.namespace(x)
    (fh, fw), (sh, sw), (ph, pw), (ho, wo) = kernel, stride, padding, out_size
    xpad = _pad(xp, x, ph, pw, 0)
    out = _window(xpad, 0, 0, sh, sw, ho, wo).copy(order="K")
    for k in range(1, fh * fw):
        out += _window(xpad, k // fw, k % fw, sh, sw, ho, wo)
    out *= x.dtype.type(1.0 / (fh * fw))  # padded zeros count, as PyTorch's default
    return out


def _avg_spread(grad, shape, a):
    """AvgPool2d's backward kernel: g / (FH·FW) to every input of each window."""
    xp = backend.namespace(grad)
    n, c, h, w = shape
    (fh, fw), (sh, sw), (ph, pw) = a["kernel"], a["stride"], a["padding"]
    ho, wo = grad.shape[2:]
    share = grad * grad.dtype.type(1.0 / (fh * fw))
    overlap = sh < fh or sw < fw
    dx = empty_in_layout(xp, (n, c, h + 2 * ph, w + 2 * pw), layout_of(grad), grad.dtype)
    if not _tiles(a, ho, wo, h, w):
        dx[...] = 0
    for k in range(fh * fw):
        view = _window(dx, k // fw, k % fw, sh, sw, ho, wo)
        if overlap:
            view += share
        else:
            view[...] = share
    return _unpad(xp, dx, ph, pw)


def _adaptive_ranges(size: int, out: int):
    """PyTorch's cells: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉) for i < out."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


class AdaptiveAvgPool2d(Function):
    def forward(ctx, x, out_size=(1, 1)):
        ctx.save_for_backward(x.shape)
        return _adaptive_avg(x, out_size)

    # each cell's gradient is shared equally among the inputs it averaged; the transpose
    # is the pool itself
    def backward(ctx, grad):
        shape, = ctx.saved
        a = ctx.attrs
        return (linear_map(grad, lambda g: _adaptive_spread(g, shape),
                           lambda gx: _adaptive_avg(gx, **a), "AdaptiveAvgPool2dBackward"),)


def _adaptive_avg(x, out_size):
    """AdaptiveAvgPool2d's forward kernel on arrays."""
    xp = backend.namespace(x)
    n, c, h, w = x.shape
    ho, wo = out_size
    if (ho, wo) == (1, 1):  # global average pooling
        return x.reshape(n, c, h * w).mean(axis=2).reshape(n, c, 1, 1)
    if (ho, wo) == (h, w):  # one input per cell (VGG's 7×7 pool at 224×224)
        return x.copy()
    out = xp.empty((n, c, ho, wo), dtype=x.dtype)
    for i, (h0, h1) in enumerate(_adaptive_ranges(h, ho)):
        for j, (w0, w1) in enumerate(_adaptive_ranges(w, wo)):
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return out


def _adaptive_spread(grad, shape):
    """AdaptiveAvgPool2d's backward kernel: each cell's gradient over its inputs."""
    xp = backend.namespace(grad)
    n, c, h, w = shape
    ho, wo = grad.shape[2:]
    if (ho, wo) == (1, 1):
        share = grad * grad.dtype.type(1.0 / (h * w))
        return xp.broadcast_to(share, (n, c, h, w)).copy()
    if (ho, wo) == (h, w):
        return grad.copy()
    dx = xp.zeros((n, c, h, w), dtype=grad.dtype)
    for i, (h0, h1) in enumerate(_adaptive_ranges(h, ho)):
        for j, (w0, w1) in enumerate(_adaptive_ranges(w, wo)):
            scale = grad.dtype.type(1.0 / ((h1 - h0) * (w1 - w0)))
            dx[:, :, h0:h1, w0:w1] += (grad[:, :, i, j] * scale)[:, :, None, None]
    return dx


class MaxUnpool2d(Function):
    def forward(ctx, x, indices=None, out_size=(1, 1)):
        return _unpool(x, indices, out_size)

    # each input value went to one output position: read the gradient back from there
    # (the transpose puts it back: the unpooling itself)
    def backward(ctx, grad):
        a = ctx.attrs
        return (linear_map(grad, lambda g: _unpool_gather(g, a["indices"]),
                           lambda gx: _unpool(gx, **a), "MaxUnpool2dBackward"),)


def _unpool(x, indices, out_size):
    """MaxUnpool2d's forward kernel: x put at `indices` of zero planes."""
    xp = backend.namespace(x)
    n, c, h, w = x.shape
    ho, wo = out_size
    flat = indices.reshape(n * c, h * w)
    out = xp.zeros((n * c, ho * wo), dtype=x.dtype)
    xp.put_along_axis(out, flat, x.reshape(n * c, h * w), axis=1)
    return out.reshape(n, c, ho, wo)


def _unpool_gather(grad, idx):
    """MaxUnpool2d's backward kernel: the gradient read at `idx`."""
    xp = backend.namespace(grad)
    n, c, h, w = idx.shape
    g = grad.reshape(n * c, -1)
    return xp.take_along_axis(g, idx.reshape(n * c, h * w), axis=1).reshape(idx.shape)


class UpsampleNearest(Function):
    def forward(ctx, x, rows=None, cols=None, factor=None, in_size=None):
        return _nearest(x, rows, cols, factor)

    # every output copies one input: sum the gradients of its copies (the transpose
    # copies again: the upsampling itself)
    def backward(ctx, grad):
        a = ctx.attrs
        return (linear_map(grad, lambda g: _nearest_sum(g, **a),
                           lambda gx: _nearest(gx, **a), "UpsampleNearestBackward"),)


def _nearest(x, rows=None, cols=None, factor=None, in_size=None):
    """UpsampleNearest's forward kernel: output (i, j) copies input (rows[i], cols[j])."""
    n, c, h, w = x.shape
    if factor is not None:  # integer factors: a broadcast view, one copy
        fh, fw = factor
        big = backend.namespace(x).broadcast_to(x[:, :, :, None, :, None],
                                                (n, c, h, fh, w, fw))
        return big.reshape(n, c, h * fh, w * fw)
    return x[:, :, rows][:, :, :, cols]


def _nearest_sum(grad, rows=None, cols=None, factor=None, in_size=None):
    """UpsampleNearest's backward kernel: each input's copies' gradients summed."""
    n, c, ho, wo = grad.shape
    if factor is not None:
        fh, fw = factor
        return grad.reshape(n, c, ho // fh, fh, wo // fw, fw).sum(axis=(3, 5))
    xp = backend.namespace(grad)
    h, w = in_size
    tmp = xp.zeros((n, c, h, wo), dtype=grad.dtype)
    xp.add.at(tmp, (slice(None), slice(None), rows), grad)
    dx = xp.zeros((n, c, h, w), dtype=grad.dtype)
    xp.add.at(dx, (slice(None), slice(None), slice(None), cols), tmp)
    return dx


class BedOfNails(Function):
    def forward(ctx, x, factor=(2, 2), position=(0, 0)):
        return _nails(x, factor, position)

    # only the nails received the input: the gradient is read back at the nails (the
    # transpose nails it again)
    def backward(ctx, grad):
        a = ctx.attrs
        return (linear_map(grad, lambda g: _nails_gather(g, **a),
                           lambda gx: _nails(gx, **a), "BedOfNailsBackward"),)


def _nails(x, factor, position):
    """BedOfNails' forward kernel: x at `position` of each factor-sized block of zeros."""
    n, c, h, w = x.shape
    (fh, fw), (p, q) = factor, position
    out = backend.namespace(x).zeros((n, c, h * fh, w * fw), dtype=x.dtype)
    out[:, :, p::fh, q::fw] = x
    return out


def _nails_gather(grad, factor, position):
    """BedOfNails' backward kernel: the gradient read at the nails."""
    (fh, fw), (p, q) = factor, position
    return backend.namespace(grad).ascontiguousarray(grad[:, :, p::fh, q::fw])


# -- wrappers ------------------------------------------------------------------------------

def _check_4d(x, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


def _pool_args(x, kernel_size, stride, padding, op: str):
    _check_4d(x, op)
    kernel = pair(kernel_size, "kernel_size", op)
    if min(kernel) <= 0:
        raise ValueError(f"{op}: kernel_size must be positive, got {kernel_size!r}")
    stride = kernel if stride is None else check_stride(stride, op)
    pad = pair(padding, "padding", op)
    if min(pad) < 0 or pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding must be between 0 and half the kernel size, got "
                         f"{padding!r} for kernel {kernel}")
    h, w = x.shape[2] + 2 * pad[0], x.shape[3] + 2 * pad[1]
    if kernel[0] > h or kernel[1] > w:
        raise ValueError(f"{op}: kernel {kernel} is larger than the padded input ({h}, {w}) "
                         f"(input shape {x.shape})")
    out = ((h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1)
    return kernel, stride, pad, out


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0, return_indices: bool = False):
    """Maximum over each FH×FW window (stride defaults to the kernel size).

    Returns the pooled tensor, and with `return_indices=True` also the flat index of each
    maximum in its input plane (for `max_unpool2d`).

    Shape:
        (N, C, H, W) -> (N, C, ⌊(H + 2P − F)/S⌋ + 1, ⌊(W + 2P − F)/S⌋ + 1)
    """
    kernel, stride, pad, out = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    return MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=pad, out_size=out,
                           return_indices=bool(return_indices))


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Mean over each window (zero padding counts in the mean, as PyTorch's default)."""
    kernel, stride, pad, out = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    return AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=pad, out_size=out)


def adaptive_avg_pool2d(x: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size whatever the input size (1 = global average
    pooling, for fully convolutional networks). Output cell i averages the input rows
    [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉), as PyTorch: cells overlap when H is not a multiple of Ho, and
    an output larger than the input repeats input values (VGG's 7×7 pool on small images)."""
    _check_4d(x, "adaptive_avg_pool2d")
    ho, wo = pair(output_size, "output_size", "adaptive_avg_pool2d")
    if ho <= 0 or wo <= 0:
        raise ValueError(f"adaptive_avg_pool2d: output size {(ho, wo)} must be positive")
    return AdaptiveAvgPool2d.apply(x, out_size=(ho, wo))


def max_unpool2d(x: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Put each value back at the position its max-pooling `indices` recorded; zeros
    elsewhere (notes §1.6.2).

    Shape:
        (N, C, H, W) -> (N, C, (H − 1)·S − 2P + F, …) or `output_size` (its last two
        entries), which disambiguates inputs that max-pooling floored.
    """
    op = "max_unpool2d"
    _check_4d(x, op)
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else check_stride(stride, op)
    ph, pw = pair(padding, "padding", op)
    if output_size is None:
        out = ((x.shape[2] - 1) * stride[0] - 2 * ph + kernel[0],
               (x.shape[3] - 1) * stride[1] - 2 * pw + kernel[1])
    else:
        out = tuple(int(v) for v in tuple(output_size)[-2:])
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.shape != x.shape:
        raise ValueError(f"{op}: indices of shape {idx.shape} must match the input shape "
                         f"{x.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= out[0] * out[1]):
        raise ValueError(f"{op}: indices range over [{idx.min()}, {idx.max()}] but the "
                         f"output {out} has only {out[0] * out[1]} positions per plane "
                         f"(input shape {x.shape})")
    return MaxUnpool2d.apply(x, indices=idx, out_size=out)


def upsample_nearest(x: Tensor, scale_factor=None, size=None) -> Tensor:
    """Nearest-neighbour unpooling: each value repeated over its block (notes §1.6.2).

    Output (H·s, W·s) for `scale_factor` s, or `size`; source index ⌊i·H/Ho⌋ (PyTorch's
    'nearest')."""
    op = "upsample_nearest"
    _check_4d(x, op)
    h, w = x.shape[2:]
    if (scale_factor is None) == (size is None):
        raise ValueError(f"{op}: give exactly one of scale_factor and size")
    if size is not None:
        ho, wo = pair(size, "size", op)
        sh, sw = h / ho, w / wo
    else:
        fh, fw = (scale_factor, scale_factor) if np.isscalar(scale_factor) else scale_factor
        if fh <= 0 or fw <= 0:
            raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
        ho, wo = int(np.floor(h * fh)), int(np.floor(w * fw))
        if float(fh).is_integer() and float(fw).is_integer():
            return UpsampleNearest.apply(x, factor=(int(fh), int(fw)))
        sh, sw = 1 / fh, 1 / fw
    if ho <= 0 or wo <= 0:
        raise ValueError(f"{op}: empty output size {(ho, wo)} for input shape {x.shape}")
    if ho % h == 0 and wo % w == 0 and size is not None:
        return UpsampleNearest.apply(x, factor=(ho // h, wo // w))
    # float32 arithmetic, as PyTorch computes the source index
    rows = np.minimum(np.floor(np.arange(ho, dtype=np.float32) * np.float32(sh)), h - 1)
    cols = np.minimum(np.floor(np.arange(wo, dtype=np.float32) * np.float32(sw)), w - 1)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    return UpsampleNearest.apply(x, rows=rows, cols=cols, factor=None, in_size=(h, w))


def bed_of_nails_unpool(x: Tensor, scale_factor=2, position=(0, 0)) -> Tensor:
    """Bed-of-nails unpooling (notes §1.6.2): each value at a fixed `position` (row, col)
    of its s×s output block, zeros elsewhere.

    Shape:
        (N, C, H, W) -> (N, C, H·s, W·s)
    """
    op = "bed_of_nails_unpool"
    _check_4d(x, op)
    factor = pair(scale_factor, "scale_factor", op)
    if min(factor) <= 0:
        raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
    pos = pair(position, "position", op)
    if not (0 <= pos[0] < factor[0] and 0 <= pos[1] < factor[1]):
        raise ValueError(f"{op}: position {pos} must lie inside the {factor} block")
    return BedOfNails.apply(x, factor=factor, position=pos)
