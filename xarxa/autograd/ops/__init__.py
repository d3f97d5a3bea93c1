"""Every differentiable op of xarxa, one `Function` subclass each, grouped by family."""
from .activation import (heaviside, log_softmax, relu, sigmoid, softmax, step,  # noqa: F401
                         tanh)
from .elementwise import (abs, add, cast, clamp, div, exp, log, maximum,  # noqa: F401
                          minimum, mul, neg, pow, sqrt, sub, where)
from .linalg import linear, matmul  # noqa: F401
from .reduce import argmax, argmin, max, mean, min, std, sum, var  # noqa: F401
from .shape import (broadcast_to, cat, concatenate, expand, flatten, getitem,  # noqa: F401
                    pad, permute, reshape, squeeze, stack, transpose, unsqueeze, view)
