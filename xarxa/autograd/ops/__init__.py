"""Every differentiable op of xarxa, one `Function` subclass each, grouped by family."""
from types import ModuleType as _ModuleType

from .activation import (elu, gelu, heaviside, leaky_relu, log_softmax, relu,  # noqa: F401
                         sigmoid, silu, softmax, softplus, step, tanh)
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
                   interpolate, max_pool2d, max_unpool2d, upsample_nearest)
from .math import (acos, asin, atan, atan2, ceil, cos, cosh, eq, erf, expm1,  # noqa: F401
                   floor, ge, gt, le, log10, log1p, log2, lt, meshgrid, ne, reciprocal,
                   round, rsqrt, sign, sin, sinh, square, tan)
from .indexing import (chunk, flip, gather, index_select, masked_fill,  # noqa: F401
                       repeat, scatter, sort, split, t, topk)
from .vector import bmm, mm, norm  # noqa: F401  (after `.norm`: the name is the function)

# `from xarxa.autograd.ops import *` (in xarxa/__init__.py) exports the ops only, never the
# family modules that the imports above bind here (`norm`, `shape`, `pool`, `linalg` …)
__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
