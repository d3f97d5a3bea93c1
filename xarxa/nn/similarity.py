"""`F.one_hot`, `F.normalize` and `F.cosine_similarity` (PyTorch's), written with the core
ops (norm, clamp, sum), so that their gradients come from those ops' backward."""
from __future__ import annotations

import numpy as np

from ..autograd import ops
from ..tensor import Tensor


def _tensor(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    return x


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64, any shape) as int64 one-hot rows: shape (*tensor.shape, C),
    C = num_classes, or max(tensor) + 1 when num_classes is -1."""
    labels = _tensor(tensor, "one_hot")._data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer (int64) index tensor, got dtype "
                        f"{labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {labels.min()}")
    if num_classes == -1:
        if not labels.size:
            raise ValueError("one_hot: cannot infer the number of classes of an empty "
                             "tensor; pass num_classes")
        num_classes = int(labels.max()) + 1
    elif not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int or -1, got "
                         f"{num_classes}")
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes "
                         f"({num_classes}), got {labels.max()}")
    out = np.zeros(labels.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.int64), 1, axis=-1)
    return Tensor(out)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out=None) -> Tensor:
    """input / max(‖input‖_p, eps) along `dim` (unit vectors, zero vectors stay zero)."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; assign the result instead")
    x = _tensor(input, "normalize")
    n = ops.norm(x, p, dim=dim, keepdim=True)
    return x / ops.clamp(n, eps, None)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos θ between x1 and x2 along `dim` (inputs broadcast): the sum over `dim` of
    x1/max(‖x1‖, eps) · x2/max(‖x2‖, eps), as PyTorch computes it."""
    a, b = _tensor(x1, "cosine_similarity", "x1"), _tensor(x2, "cosine_similarity", "x2")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"cosine_similarity: shapes {a.shape} and {b.shape} do not "
                         "broadcast") from None
    if len(shape) == 0 or not -len(shape) <= dim < len(shape):
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for the broadcast "
                         f"shape {shape}")
    if a.shape != shape:
        a = ops.expand(a, shape)
    if b.shape != shape:
        b = ops.expand(b, shape)
    na = ops.clamp(ops.norm(a, 2, dim=dim, keepdim=True), eps, None)
    nb = ops.clamp(ops.norm(b, 2, dim=dim, keepdim=True), eps, None)
    return ((a / na) * (b / nb)).sum(dim=dim)
