"""Every differentiable op of xarxa, one `Function` subclass each, grouped by family."""
from .activation import (heaviside, log_softmax, relu, sigmoid, softmax, step,  # noqa: F401
                         tanh)
from .elementwise import (abs, add, cast, clamp, div, exp, log, maximum,  # noqa: F401
                          minimum, mul, neg, pow, sqrt, sub, where)
from .linalg import linear, matmul  # noqa: F401
from .reduce import argmax, argmin, max, mean, min, std, sum, var  # noqa: F401
from .shape import (broadcast_to, cat, concatenate, expand, flatten, getitem,  # noqa: F401
                    pad, permute, reshape, squeeze, stack, transpose, unsqueeze, view)
from .conv import conv2d, conv_transpose2d  # noqa: F401
from .norm import batch_norm  # noqa: F401
from .pool import (adaptive_avg_pool2d, avg_pool2d, bed_of_nails_unpool,  # noqa: F401
                   interpolate, max_pool2d, max_unpool2d, upsample_nearest)
