"""What the layers share: input checks whose errors name the layer and the shapes, and
the creation of a weight and an optional bias."""
from __future__ import annotations

import numpy as np

from ...dtypes import resolve
from ...tensor import Tensor
from ..module import Module, Parameter


def add_weight_and_bias(layer: Module, weight_shape: tuple, bias_size: int, bias: bool,
                        dtype, name: str) -> None:
    """Register `layer.weight` (uninitialised) and `layer.bias` (or None when `bias` is
    false) in `dtype`; the layer's `reset_parameters()` then gives them their values."""
    dtype = resolve(dtype, name)
    layer.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(np.empty(bias_size, dtype=dtype))
    else:
        layer.register_parameter("bias", None)


def check_image(x, layer: str, channels: int | None = None) -> None:
    """x must be a 4-D (N, C, H, W) Tensor with `channels` channels."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{layer}: expected {channels} input channels, got {x.shape[1]} "
                         f"(input shape {x.shape})")


def named(layer: str, fn, *args, **kwargs):
    """Call an op, re-raising its ValueError with the layer's name in front."""
    try:
        return fn(*args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{layer}: {error}") from None
