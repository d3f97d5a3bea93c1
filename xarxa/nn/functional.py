"""The stateless API (`import xarxa.nn.functional as F`): what `torch.nn.functional` holds.

Layers hold parameters and call these; use them directly when you hold the tensors:

    y = F.relu(F.conv2d(x, w, b, stride=1, padding="same"))
    y, idx = F.max_pool2d(y, 2, return_indices=True)

The ops are written in `xarxa/autograd/ops/`, the losses in `xarxa/nn/` (`nn.losses`).
Tensor arithmetic, reductions and shape ops (`add`, `sum`, `cat` …) are not here, as in
PyTorch: they are `xarxa.add`, `xarxa.sum`, `xarxa.cat` … and Tensor methods. The names
PyTorch lacks are the notes' own: `step` (the perceptron's Heaviside step, 1 at 0),
`bed_of_nails_unpool`, `hinge_loss`, `focal_loss`, `sigmoid_focal_loss`, `class_weights`
(tests/test_namespaces.py says why each is here). Names that moved away still resolve, with
a DeprecationWarning naming their new place (`_MOVED` below).
"""
from .. import _namespace
from ..autograd.ops import (adaptive_avg_pool2d, avg_pool2d, batch_norm, bed_of_nails_unpool,
                            conv2d, conv_transpose2d, elu, embedding, gelu, hardtanh,
                            interpolate, layer_norm, leaky_relu, linear, log_softmax,
                            max_pool2d, max_unpool2d, pad, relu, relu6, sigmoid, silu,
                            softmax, softplus, step, tanh, upsample_nearest)
from ..autograd.ops import norm as _norm
from .layers.dropout import dropout, dropout2d
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, class_weights,
                     cross_entropy, focal_loss, hinge_loss, huber_loss, kl_div, l1_loss,
                     mse_loss, multi_margin_loss, nll_loss, sigmoid_focal_loss,
                     smooth_l1_loss, triplet_margin_loss)
from .similarity import cosine_similarity, normalize, one_hot

__all__ = [
    # activations
    "relu", "relu6", "hardtanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid",
    "tanh", "softmax", "log_softmax", "step",
    # layers' maps
    "linear", "conv2d", "conv_transpose2d", "batch_norm", "layer_norm", "embedding", "dropout",
    "dropout2d", "pad",
    # pooling and upsampling
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_unpool2d", "interpolate",
    "upsample", "upsample_nearest", "bed_of_nails_unpool",
    # similarity and encodings
    "cosine_similarity", "pairwise_distance", "normalize", "one_hot",
    # losses
    "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "multi_margin_loss",
    "cross_entropy", "nll_loss", "kl_div", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "focal_loss", "sigmoid_focal_loss", "class_weights",
    "triplet_margin_loss",
]


def upsample(x, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Alias of `interpolate` (PyTorch's older name)."""
    return interpolate(x, size=size, scale_factor=scale_factor, mode=mode,
                       align_corners=align_corners)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """PyTorch's `F.pairwise_distance`: ‖x1 − x2 + eps‖_p over the last dimension, row by
    row (inputs broadcast). `eps` keeps the 2-norm's gradient finite where x1 = x2; the
    notes' distances without it are `xarxa.metric_learning.paired_distance`."""
    return _norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)


_OPS = "xarxa.autograd.ops."
# old name -> new path (or (path, advice)): the ops that torch.nn.functional lacks, which
# `from ..autograd.ops import *` used to put here; resolved with a DeprecationWarning
_MOVED = {
    **{name: "xarxa." + name for name in (
        "abs", "acos", "add", "argmax", "argmin", "asin", "atan", "atan2", "bmm",
        "broadcast_to", "cat", "ceil", "chunk", "clamp", "concatenate", "cos", "cosh", "div",
        "eq", "erf", "exp", "expm1", "flatten", "flip", "floor", "gather", "ge", "gt",
        "index_select", "le", "log", "log10", "log1p", "log2", "lt", "masked_fill", "matmul",
        "max", "maximum", "mean", "meshgrid", "min", "minimum", "mm", "mul", "ne", "neg",
        "norm", "permute", "pow", "reciprocal", "reshape", "round", "rsqrt", "scatter", "sign",
        "sin", "sinh", "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "sub",
        "sum", "t", "tan", "topk", "transpose", "unsqueeze", "var", "where")},
    "heaviside": "xarxa.nn.functional.step",
    "cast": (_OPS + "cast", "Tensor.to(dtype)"),
    "getitem": (_OPS + "getitem", "Tensor.__getitem__ (x[index])"),
    **{name: (_OPS + name, f"Tensor.{name}") for name in ("expand", "repeat", "view")},
}
__getattr__, __dir__ = _namespace.surface(__name__, __all__, _MOVED)
