"""The stateless API (`import xarxa.nn.functional as F`): every op and loss as a function.

Layers hold parameters and call these; use them directly when you hold the tensors:

    y = F.relu(F.conv2d(x, w, b, stride=1, padding="same"))
    y, idx = F.max_pool2d(y, 2, return_indices=True)

The ops are written in `xarxa/autograd/ops/`, the losses in `xarxa/nn/loss_functions.py`.
"""
from ..autograd.ops import *  # noqa: F401,F403  (every core op: relu, softmax, cat, ...)
from ..autograd.ops import (adaptive_avg_pool2d, avg_pool2d, batch_norm,  # noqa: F401
                            bed_of_nails_unpool, conv2d, conv_transpose2d, elu, embedding,
                            gelu, interpolate, layer_norm, leaky_relu, linear, log_softmax,
                            max_pool2d, max_unpool2d, relu, sigmoid, silu, softmax, softplus,
                            step, tanh, upsample_nearest)
from .layers.dropout import dropout, dropout2d  # noqa: F401
from .loss_functions import *  # noqa: F401,F403  (every loss function: cross_entropy, ...)
from .similarity import cosine_similarity, normalize, one_hot  # noqa: F401


def upsample(x, size=None, scale_factor=None, mode: str = "nearest"):
    """Alias of `interpolate` (PyTorch's older name)."""
    return interpolate(x, size=size, scale_factor=scale_factor, mode=mode)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """PyTorch's `F.pairwise_distance`: ‖x1 − x2 + eps‖_p over the last dimension, row by
    row (inputs broadcast). `eps` keeps the 2-norm's gradient finite where x1 = x2; the
    notes' distances without it are `xarxa.metric_learning.paired_distance`."""
    return norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)
