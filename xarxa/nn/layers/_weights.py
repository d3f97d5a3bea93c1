"""What the layers share: the creation of a weight and an optional bias.

(Input checks are not here: the ops check their inputs, and `Module.__call__` adds the
layer's name to their errors.)"""
from __future__ import annotations

import numpy as np

from ...dtypes import resolve
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
