"""Dropout: during training, zero each element with probability p and scale the rest by
1/(1 − p) (inverted dropout), so evaluation needs no rescaling."""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...random import generator
from ...tensor import Tensor
from ..module import Module


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout with xarxa's generator (`xa.manual_seed` makes the mask repeatable).

    The mask is a constant of the graph: the gradient is g·mask/(1 − p).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return ops.mul(x, np.zeros((), dtype=x.dtype))
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    keep = generator().random(x.shape, dtype=np.float32) >= p
    mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    return ops.mul(x, mask)


class Dropout(Module):
    """Zeroes elements with probability `p` in training mode; identity in eval mode.

    Shape:
        any shape -> the same shape.
    """

    counts_as_layer = False          # it belongs to the layer before it
    receptive_field_step = "same"

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
