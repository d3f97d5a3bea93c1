"""Dropout: during training, zero each element (`Dropout`) or each whole channel
(`Dropout2d`) with probability p and scale the rest by 1/(1 − p) (inverted dropout), so
evaluation needs no rescaling."""
from __future__ import annotations

import warnings

import numpy as np

from ...autograd import ops
from ...random import generator
from ...tensor import Tensor
from ..module import Module


def _check_p(p, op: str) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be in [0, 1], got {p}")
    return float(p)


def _apply_mask(x: Tensor, p: float, mask_shape: tuple, inplace: bool) -> Tensor:
    """x · keep/(1 − p), with `keep` drawn with xarxa's generator for a `mask_shape` that
    broadcasts to x (whole channels share one draw). The mask is a constant of the graph:
    the gradient is g·mask/(1 − p). `inplace` multiplies x itself (`x.mul_`)."""
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1.0:
        mask = np.zeros((), dtype=dtype)
    else:
        keep = generator().random(mask_shape, dtype=np.float32) >= p
        mask = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    return x.mul_(Tensor(mask)) if inplace else ops.mul(x, mask)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout of each element with xarxa's generator (`xa.manual_seed` makes the
    mask repeatable); `inplace=True` overwrites x."""
    p = _check_p(p, "dropout")
    if not training or p == 0.0:
        return x
    return _apply_mask(x, p, x.shape, inplace)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Inverted dropout of whole channels of (N, C, H, W) feature maps: each map x[n, c] is
    zeroed with probability p (neighbouring pixels are correlated, so dropping single
    pixels would hardly regularise a CNN).

    A 3-D input is taken as (N, C, L) with a warning, as PyTorch does today.
    """
    p = _check_p(p, "dropout2d")
    if not isinstance(x, Tensor):
        raise TypeError(f"dropout2d: expected a Tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D (N, C, H, W) input (or 3-D (N, C, L)), "
                         f"got shape {x.shape}")
    if x.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input; as in PyTorch it is taken as (N, C, L) "
                      "and whole rows x[n, c] are dropped (use dropout1d-style input, or "
                      "add the batch dimension for (C, H, W) images)", UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return x
    return _apply_mask(x, p, x.shape[:2] + (1,) * (x.ndim - 2), inplace)


class Dropout(Module):
    """Zeroes elements with probability `p` in training mode; identity in eval mode.

    Shape:
        any shape -> the same shape.
    """

    counts_as_layer = False          # it belongs to the layer before it
    receptive_field_step = "same"

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p, self.inplace = _check_p(p, type(self).__name__), inplace

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


class Dropout2d(Dropout):
    """Zeroes whole channels (feature maps) with probability `p` in training mode.

    Shape:
        (N, C, H, W) -> the same shape.
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training, self.inplace)
