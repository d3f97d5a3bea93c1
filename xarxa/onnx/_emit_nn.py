"""Export of the layers' ops: convolution and its transpose, batch and layer normalisation,
embedding, the poolings and every upsampling of the notes (§1.6.2) in standard ONNX:
nearest-neighbour as `Resize`, max-unpooling as `MaxUnpool` fed by `MaxPool`'s indices, and
bed-of-nails as a fixed depthwise `ConvTranspose` whose kernel holds one 1 (the nail).

Grouped and dilated convolutions are written when the op (or its layer) carries `groups` /
`dilation`; without them both are 1.
"""
from __future__ import annotations

import numpy as np

from ..autograd.ops import conv as C, pool as P
from ..autograd.ops.embedding import Embedding
from ..autograd.ops.norm import BatchNorm, BatchNormReLU, LayerNorm
from ._emit import emits, unsqueeze


def _pair(value, default=1) -> list[int]:
    value = default if value is None else value
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * 2


def _layer_attr(op, layer_type: str, name: str):
    """An attribute of the op's layer, when the innermost layer is of that type."""
    module = op.module
    if module is not None and any(t.__name__ == layer_type for t in type(module).__mro__):
        return getattr(module, name, None)
    return None


@emits(C.Conv2d)
def _conv2d(g, op):
    x, w = op.values[0], op.values[1]
    pt, pb, pl, pr = (int(p) for p in op.attrs["padding"])
    groups = op.attrs.get("groups") or max(x.shape[1] // w.shape[1], 1)
    dilation = op.attrs.get("dilation", _layer_attr(op, "Conv2d", "dilation"))
    inputs = [n for n in op.names[:3] if n]
    return [g.node("Conv", inputs, kernel_shape=list(w.shape[2:]),
                   strides=_pair(op.attrs["stride"]), pads=[pt, pl, pb, pr],
                   dilations=_pair(dilation), group=int(groups))]


@emits(C.ConvTranspose2d)
def _conv_transpose2d(g, op):
    w = op.values[1]
    ph, pw = _pair(op.attrs["padding"], 0)
    groups = op.attrs.get("groups", _layer_attr(op, "ConvTranspose2d", "groups")) or 1
    dilation = op.attrs.get("dilation", _layer_attr(op, "ConvTranspose2d", "dilation"))
    inputs = [n for n in op.names[:3] if n]
    return [g.node("ConvTranspose", inputs, kernel_shape=list(w.shape[2:]),
                   strides=_pair(op.attrs["stride"]), pads=[ph, pw, ph, pw],
                   output_padding=_pair(op.attrs.get("output_padding"), 0),
                   dilations=_pair(dilation), group=int(groups))]


def _per_channel(g, name: str, ndim: int) -> str:
    """A (C,) vector shaped (C, 1, …, 1) to broadcast over (N, C, …)."""
    return unsqueeze(g, name, list(range(1, ndim - 1))) if ndim > 2 else name


@emits(BatchNorm)
def _batch_norm(g, op):
    """Evaluation: BatchNormalization with the running statistics (its momentum is
    PyTorch's 1 − momentum). Without running statistics, the batch's own, written out."""
    x, xv, a = op.names[0], op.values[0], op.attrs
    c = xv.shape[1]
    scale = op.names[1] if len(op.names) > 1 and op.names[1] else \
        g.const(np.ones(c, xv.dtype), what="scale")
    bias = op.names[2] if len(op.names) > 2 and op.names[2] else \
        g.const(np.zeros(c, xv.dtype), what="bias")
    eps = float(a.get("eps", 1e-5))
    running = a.get("running")
    if running is not None:
        mean = op.tracer.array_name(running[0], "running_mean")
        var = op.tracer.array_name(running[1], "running_var")
        momentum = _layer_attr(op, "_BatchNorm", "momentum")
        if not isinstance(momentum, (int, float)):
            momentum = 0.1
        return [g.node("BatchNormalization", [x, scale, bias, mean, var], epsilon=eps,
                       momentum=1.0 - float(momentum))]
    axes = [0] + list(range(2, xv.ndim))
    centered = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centered, centered]), axes, True)
    std = g.node("Sqrt", [g.node("Add", [var, g.scalar(eps, xv)])])
    y = g.node("Mul", [g.node("Div", [centered, std]), _per_channel(g, scale, xv.ndim)])
    return [g.node("Add", [y, _per_channel(g, bias, xv.ndim)])]


@emits(BatchNormReLU)
def _batch_norm_relu(g, op):
    """The fused training-speed node (nn.Sequential's BatchNorm → ReLU) as ONNX's two ops."""
    return [g.node("Relu", _batch_norm(g, op))]


@emits(LayerNorm)
def _layer_norm(g, op):
    x, xv, k = op.names[0], op.values[0], int(op.attrs.get("k", 1))
    scale = op.names[1] if len(op.names) > 1 and op.names[1] else \
        g.const(np.ones(xv.shape[xv.ndim - k:], xv.dtype), what="scale")
    inputs = [x, scale] + ([op.names[2]] if len(op.names) > 2 and op.names[2] else [])
    return [g.node("LayerNormalization", inputs, axis=-k,
                   epsilon=float(op.attrs.get("eps", 1e-5)))]


@emits(Embedding)
def _embedding(g, op):
    idx = op.tracer.array_name(op.attrs["indices"], "indices")
    return [g.node("Gather", [op.names[0], idx], axis=0)]


def _pool_attrs(a) -> dict:
    ph, pw = _pair(a["padding"], 0)
    return dict(kernel_shape=_pair(a["kernel"]), strides=_pair(a["stride"]),
                pads=[ph, pw, ph, pw])


@emits(P.MaxPool2d)
def _max_pool2d(g, op):
    """MaxPool; its ONNX indices count over the whole tensor ((n·C + c)·H·W + h·W + w), where
    xarxa's count within a plane (h·W + w): MaxUnpool takes the ONNX ones as they are, any
    other use gets them modulo H·W (written only if something uses them)."""
    if not op.attrs.get("return_indices"):
        return [g.node("MaxPool", [op.names[0]], **_pool_attrs(op.attrs))]
    out, idx = g.node("MaxPool", [op.names[0]], outputs=2, **_pool_attrs(op.attrs))
    h, w = op.values[0].shape[2:]
    scope = g.scope
    op.tracer.global_indices[id(op.outs[1])] = idx

    def per_plane():
        saved, g.scope = g.scope, scope
        try:
            return g.node("Mod", [idx, g.const(np.int64(h * w), what="plane")])
        finally:
            g.scope = saved
    op.tracer.lazy(op.results[1], per_plane)
    return [out, None]


@emits(P.AvgPool2d)
def _avg_pool2d(g, op):
    return [g.node("AveragePool", [op.names[0]], count_include_pad=1, **_pool_attrs(op.attrs))]


@emits(P.AdaptiveAvgPool2d)
def _adaptive_avg_pool2d(g, op):
    ho, wo = op.attrs["out_size"]
    h, w = op.values[0].shape[2:]
    if (ho, wo) == (1, 1):
        return [g.node("GlobalAveragePool", [op.names[0]])]
    if h % ho or w % wo:   # cells of different sizes: Aₕ·x·A_wᵀ, A's rows average a cell
        dtype = op.values[0].dtype
        rows = g.const(_cell_means(h, ho, dtype), what="cells")
        cols = g.const(_cell_means(w, wo, dtype).T, what="cells")
        return [g.node("MatMul", [g.node("MatMul", [rows, op.names[0]]), cols])]
    k = [h // ho, w // wo]
    return [g.node("AveragePool", [op.names[0]], kernel_shape=k, strides=k, pads=[0] * 4)]


def _cell_means(size: int, out: int, dtype) -> np.ndarray:
    """(out, size): row i averages PyTorch's adaptive cell [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        lo, hi = i * size // out, -(-(i + 1) * size // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


@emits(P.MaxUnpool2d)
def _max_unpool2d(g, op):
    idx = op.tracer.global_indices.get(id(op.attrs["indices"]))
    if idx is None:
        raise g.unsupported("max-unpooling needs indices made by max_pool2d(..., "
                            "return_indices=True) in the same model")
    (h, w), (ho, wo) = op.values[0].shape[2:], op.attrs["out_size"]
    kernel = _layer_attr(op, "MaxUnpool2d", "kernel_size")
    if kernel is None:   # functional: a pooling that tiles (kernel = stride = the factor)
        kernel = stride = (ho // h, wo // w)
        padding = (0, 0)
    else:
        stride, padding = op.module.stride, op.module.padding
    kernel, stride, padding = _pair(kernel), _pair(stride), _pair(padding, 0)
    inputs = [op.names[0], idx]
    if ((h - 1) * stride[0] - 2 * padding[0] + kernel[0],
            (w - 1) * stride[1] - 2 * padding[1] + kernel[1]) != (ho, wo):
        lead = g.node("Shape", [op.names[0]], start=0, end=2)
        inputs.append(g.node("Concat", [lead, g.ints([ho, wo])], axis=0))
    return [g.node("MaxUnpool", inputs, kernel_shape=kernel, strides=stride,
                   pads=[padding[0], padding[1], padding[0], padding[1]])]


@emits(P.UpsampleNearest)
def _upsample_nearest(g, op):
    """Integer factors: Resize (nearest, source ⌊i/s⌋); other sizes: the rows and columns
    xarxa picked, gathered."""
    x, a = op.names[0], op.attrs
    if a.get("factor") is not None:
        fh, fw = a["factor"]
        scales = g.const(np.array([1, 1, fh, fw], np.float32), what="scales")
        return [g.node("Resize", [x, "", scales], mode="nearest",
                       coordinate_transformation_mode="asymmetric", nearest_mode="floor")]
    rows = g.const(np.asarray(a["rows"], np.int64), what="rows")
    cols = g.const(np.asarray(a["cols"], np.int64), what="cols")
    return [g.node("Gather", [g.node("Gather", [x, rows], axis=2), cols], axis=3)]


@emits(P.BedOfNails)
def _bed_of_nails(g, op):
    """Each value at `position` of its s×s block, zeros elsewhere: a transposed convolution
    of stride s, one channel per group, whose s×s kernel is 1 at the nail and 0 elsewhere."""
    x = op.values[0]
    (fh, fw), (p, q) = op.attrs["factor"], op.attrs["position"]
    kernel = np.zeros((x.shape[1], 1, fh, fw), dtype=x.dtype)
    kernel[:, 0, p, q] = 1
    return [g.node("ConvTranspose", [op.names[0], g.const(kernel, what="nails")],
                   kernel_shape=[fh, fw], strides=[fh, fw], pads=[0, 0, 0, 0],
                   group=int(x.shape[1]))]
