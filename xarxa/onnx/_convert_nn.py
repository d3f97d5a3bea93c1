"""Import of the layers' ONNX ops: Conv, ConvTranspose, BatchNormalization,
LayerNormalization, the poolings, MaxUnpool and nearest-neighbour Resize (2-D images,
(N, C, H, W), as xarxa's layers).

ONNX's MaxPool indices count over the whole tensor ((n·C + c)·H·W + h·W + w); xarxa's count
within a plane: they are converted both ways, so a graph's indices mean what ONNX says.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import ops
from ..nn import functional as F
from ..tensor import Tensor
from ._convert import Unsupported, arr, const, converts, ints


def _four_d(x, op: str) -> None:
    if x.ndim != 4:
        raise Unsupported(f"{op} on a {x.ndim}-D input (xarxa's layers are 2-D: (N, C, H, W))")


def _pads(a, x, kernel, strides, dilations=(1, 1)) -> list[int]:
    """[top, left, bottom, right] from `pads` or `auto_pad` (SAME_UPPER/LOWER, VALID)."""
    auto = a.get("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        return list(a.get("pads", [0, 0, 0, 0]))
    if auto == "VALID":
        return [0, 0, 0, 0]
    begin, end = [], []
    for n, k, s, d in zip(x.shape[2:], kernel, strides, dilations):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small, large = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else large)
        end.append(large if auto == "SAME_UPPER" else small)
    return begin + end


def _symmetric(pads, op: str) -> tuple[int, int]:
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise Unsupported(f"{op} with unequal padding {pads} on the two sides")
    return pads[0], pads[1]


def _conv_options(a, kernel) -> tuple[list, list, int]:
    strides = list(a.get("strides", [1, 1]))
    dilations = list(a.get("dilations", [1, 1]))
    return strides, dilations, int(a.get("group", 1))


def _grouping(dilations, group) -> dict:
    """The keywords for a dilated or grouped convolution (none for the plain one)."""
    extra = {}
    if tuple(dilations) != (1, 1):
        extra["dilation"] = tuple(dilations)
    if group != 1:
        extra["groups"] = group
    return extra


def _conv_inputs(args, a, op: str):
    """x, w, b (or None), the kernel size, strides, dilations and group of a Conv /
    ConvTranspose node."""
    x, w = args[0], args[1]
    b = args[2] if len(args) > 2 else None
    _four_d(x, op)
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    return (x, w, b, kernel, *_conv_options(a, kernel))


@converts("Conv")
def _conv(m, args, a):
    x, w, b, kernel, strides, dilations, group = _conv_inputs(args, a, "Conv")
    top, left, bottom, right = _pads(a, x, kernel, strides, dilations)
    return (F.conv2d(x, w, b, tuple(strides), (top, bottom, left, right),
                     **_grouping(dilations, group)),)


@converts("ConvTranspose")
def _conv_transpose(m, args, a):
    x, w, b, kernel, strides, dilations, group = _conv_inputs(args, a, "ConvTranspose")
    extra = _grouping(dilations, group)
    out_pad = list(a.get("output_padding", [0, 0]))
    full = [(n - 1) * s + (k - 1) * d + 1 for n, s, k, d in
            zip(x.shape[2:], strides, kernel, dilations)]
    if "output_shape" in a:   # the padding that gives this size (ONNX's rule)
        total = [f + p - o for f, p, o in zip(full, out_pad, a["output_shape"][-2:])]
        upper = a.get("auto_pad") == "SAME_UPPER"
        begin = [t // 2 if upper else t - t // 2 for t in total]
        pads = begin + [t - s for t, s in zip(total, begin)]
    else:
        pads = _pads(a, x, kernel, strides, dilations) if a.get("auto_pad", "NOTSET") in \
            ("NOTSET", "", "VALID") else [0, 0, 0, 0]
    if pads[0] == pads[2] and pads[1] == pads[3] and \
            all(p < max(s, d) for p, s, d in zip(out_pad, strides, dilations)):
        return (F.conv_transpose2d(x, w, b, tuple(strides), (pads[0], pads[1]),
                                   tuple(out_pad), **extra),)
    # unequal sides: the full output, the output padding's rows, then the window ONNX keeps
    y = F.conv_transpose2d(x, w, None, tuple(strides), 0, 0, **extra)
    if any(out_pad):
        y = ops.pad(y, (0, out_pad[1], 0, out_pad[0]))
    y = y[:, :, pads[0]:full[0] + out_pad[0] - pads[2], pads[1]:full[1] + out_pad[1] - pads[3]]
    return (y if b is None else y + b.reshape(1, -1, 1, 1),)


@converts("BatchNormalization")
def _batch_norm(m, args, a):
    """Running statistics in evaluation; in training (the module's `train()`), the batch's,
    and the running ones updated with PyTorch's momentum = 1 − ONNX's."""
    x, scale, bias, mean, var = args[:5]
    if a["_outputs"] > 1:
        raise Unsupported("BatchNormalization's running-statistics outputs")
    return (F.batch_norm(x, mean, var, scale, bias, training=m.training,
                         momentum=1.0 - float(a.get("momentum", 0.9)),
                         eps=float(a.get("epsilon", 1e-5))),)


@converts("LayerNormalization")
def _layer_norm(m, args, a):
    x, scale = args[0], args[1]
    bias = args[2] if len(args) > 2 else None
    if a["_outputs"] > 1:
        raise Unsupported("LayerNormalization's mean and inverse-deviation outputs")
    axis = int(a.get("axis", -1)) % x.ndim
    shape = tuple(x.shape[axis:])
    if tuple(scale.shape) != shape:
        scale = scale.reshape(shape) if scale.numel() == math.prod(shape) else \
            ops.broadcast_to(scale, shape)
    if bias is not None and tuple(bias.shape) != shape:
        bias = bias.reshape(shape) if bias.numel() == math.prod(shape) else \
            ops.broadcast_to(bias, shape)
    return (F.layer_norm(x, shape, scale, bias, float(a.get("epsilon", 1e-5))),)


def _pool_window(a, x, op: str):
    _four_d(x, op)
    if a.get("ceil_mode", 0):
        raise Unsupported(f"{op} with ceil_mode=1")
    if any(d != 1 for d in a.get("dilations", [1, 1])):
        raise Unsupported(f"{op} with dilations")
    kernel = list(a["kernel_shape"])
    strides = list(a.get("strides", [1, 1]))
    return kernel, strides, _pads(a, x, kernel, strides)


@converts("MaxPool")
def _max_pool(m, args, a):
    x = args[0]
    kernel, strides, pads = _pool_window(a, x, "MaxPool")
    indices = a["_outputs"] > 1
    if not indices and (pads[0] != pads[2] or pads[1] != pads[3]):
        x = ops.pad(x, (pads[1], pads[3], pads[0], pads[2]), float("-inf"))
        pads = [0, 0, 0, 0]
    if indices and a.get("storage_order", 0):
        raise Unsupported("MaxPool indices in column-major order (storage_order=1)")
    out = F.max_pool2d(x, tuple(kernel), tuple(strides), _symmetric(pads, "MaxPool"),
                       return_indices=indices)
    if not indices:
        return (out,)
    y, idx = out
    n, c, h, w = x.shape
    plane = np.arange(n * c, dtype=np.int64).reshape(n, c, 1, 1) * (h * w)
    return y, const(arr(idx).astype(np.int64) + plane)


@converts("AveragePool")
def _average_pool(m, args, a):
    x = args[0]
    kernel, strides, pads = _pool_window(a, x, "AveragePool")
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise Unsupported(f"AveragePool with unequal padding {pads}")
    padding = (pads[0], pads[1])
    out = F.avg_pool2d(x, tuple(kernel), tuple(strides), padding)
    if any(padding) and not a.get("count_include_pad", 0):   # mean of the real pixels only
        ones = Tensor(np.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype))
        out = out / F.avg_pool2d(ones, tuple(kernel), tuple(strides), padding)
    return (out,)


@converts("GlobalAveragePool", "GlobalMaxPool")
def _global_pool(m, args, a, op_type=None):
    x = args[0]
    if op_type == "GlobalAveragePool":
        if x.ndim == 4:
            return (F.adaptive_avg_pool2d(x, 1),)
        return (ops.mean(x, dim=tuple(range(2, x.ndim)), keepdim=True),)
    out = x
    for d in reversed(range(2, x.ndim)):
        out = ops.max(out, dim=d, keepdim=True)[0]
    return (out,)


@converts("MaxUnpool")
def _max_unpool(m, args, a):
    x, idx = args[0], arr(args[1]).astype(np.int64)
    _four_d(x, "MaxUnpool")
    kernel = list(a["kernel_shape"])
    strides = list(a.get("strides", [1, 1]))
    pads = list(a.get("pads", [0, 0, 0, 0]))
    if len(args) > 2 and args[2] is not None:
        size = tuple(ints(args[2])[-2:])
    else:
        size = tuple((n - 1) * s - (p0 + p1) + k for n, s, k, p0, p1 in
                     zip(x.shape[2:], strides, kernel, pads[:2], pads[2:]))
    per_plane = np.mod(idx, size[0] * size[1])
    return (F.max_unpool2d(x, Tensor(per_plane), tuple(kernel), tuple(strides), 0,
                           output_size=size),)


@converts("Resize", "Upsample")
def _resize(m, args, a, op_type=None):
    """Nearest-neighbour upsampling by whole factors (or to sizes), source ⌊i·H/Ho⌋."""
    x = args[0]
    _four_d(x, op_type)
    mode = a.get("mode", "nearest")
    transform = a.get("coordinate_transformation_mode", "half_pixel")
    if mode != "nearest" or transform not in ("asymmetric", "half_pixel"):
        raise Unsupported(f"{op_type} mode {mode!r} with {transform!r} coordinates (only "
                          "nearest-neighbour)")
    scales = sizes = None
    if op_type == "Upsample":
        scales = arr(args[1]).tolist()
    elif len(args) > 3 and args[3] is not None and arr(args[3]).size:
        sizes = ints(args[3])
    elif len(args) > 2 and args[2] is not None:
        scales = arr(args[2]).tolist()
    if scales is not None:
        if scales[:2] != [1, 1] or any(float(s) != int(s) for s in scales[2:]):
            raise Unsupported(f"{op_type} by scales {scales} (whole factors on H and W only)")
        if transform == "asymmetric" and a.get("nearest_mode", "round_prefer_floor") \
                not in ("floor", "round_prefer_floor"):
            raise Unsupported(f"{op_type} nearest_mode {a.get('nearest_mode')!r}")
        return (F.upsample_nearest(x, scale_factor=(int(scales[2]), int(scales[3]))),)
    if list(sizes[:2]) != list(x.shape[:2]):
        raise Unsupported(f"{op_type} to sizes {sizes} that change N or C")
    if sizes[2] % x.shape[2] or sizes[3] % x.shape[3]:
        raise Unsupported(f"{op_type} to sizes {sizes}, not whole multiples of the input")
    return (F.upsample_nearest(x, size=(sizes[2], sizes[3])),)
