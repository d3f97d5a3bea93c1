"""Every differentiable op of xarxa, one `Function` subclass each, grouped by family."""
from .activation import (elu, gelu, hardtanh, leaky_relu, log_softmax,  # noqa: F401
                         relu, relu6, sigmoid, silu, softmax, softplus, step, tanh)
from .elementwise import (abs, add, cast, clamp, div, exp, log, maximum,  # noqa: F401
                          minimum, mul, neg, pow, sqrt, sub, where)
from .linalg import linear, matmul  # noqa: F401
from .reduce import argmax, argmin, max, mean, min, std, sum, var  # noqa: F401
from .shape import (broadcast_to, cat, concatenate, expand, flatten, getitem,  # noqa: F401
                    pad, permute, reshape, squeeze, stack, transpose, unsqueeze, view)
from .conv import conv2d, conv_transpose2d  # noqa: F401
from .norm import batch_norm, layer_norm  # noqa: F401
from .embedding import embedding  # noqa: F401
from .pool import (adaptive_avg_pool2d, avg_pool2d, bed_of_nails_unpool,  # noqa: F401
                   max_pool2d, max_unpool2d, upsample_nearest)
from .resample import interpolate  # noqa: F401
from .math import (acos, asin, atan, atan2, ceil, cos, cosh, eq, erf, expm1,  # noqa: F401
                   floor, ge, gt, heaviside, le, log10, log1p, log2, lt, meshgrid, ne,
                   reciprocal, round, rsqrt, sign, sin, sinh, square, tan)
from .indexing import (chunk, flip, gather, index_select, masked_fill,  # noqa: F401
                       repeat, scatter, sort, split, t, topk)
from .vector import bmm, mm, norm  # noqa: F401  (after `.norm`: the name is the function)

# Every public op, checked against tests/op_table.py (the op table). Those PyTorch has at its
# top level are re-exported by `xarxa`, its `nn.functional` ones (and the notes' `step` and
# `bed_of_nails_unpool`) by `xarxa.nn.functional`; cast, getitem, view, expand and repeat are
# reached as Tensor methods.
__all__ = ["abs", "acos", "adaptive_avg_pool2d", "add", "argmax", "argmin", "asin", "atan",
           "atan2", "avg_pool2d", "batch_norm", "bed_of_nails_unpool", "bmm",
           "broadcast_to", "cast", "cat", "ceil", "chunk", "clamp", "concatenate", "conv2d",
           "conv_transpose2d", "cos", "cosh", "div", "elu", "embedding", "eq", "erf", "exp",
           "expand", "expm1", "flatten", "flip", "floor", "gather", "ge", "gelu", "getitem",
           "gt", "hardtanh", "heaviside", "index_select", "interpolate", "layer_norm", "le",
           "leaky_relu", "linear", "log", "log10", "log1p", "log2", "log_softmax", "lt",
           "masked_fill", "matmul", "max", "max_pool2d", "max_unpool2d", "maximum", "mean",
           "meshgrid", "min", "minimum", "mm", "mul", "ne", "neg", "norm", "pad", "permute",
           "pow", "reciprocal", "relu", "relu6", "repeat", "reshape", "round", "rsqrt",
           "scatter", "sigmoid", "sign", "silu", "sin", "sinh", "softmax", "softplus",
           "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "step", "sub",
           "sum", "t", "tan", "tanh", "topk", "transpose", "unsqueeze", "upsample_nearest",
           "var", "view", "where"]
