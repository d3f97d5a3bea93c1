"""What the layers share: the creation of a weight and an optional bias.

(Input checks are not here: the ops check their inputs, and `Module.__call__` adds the
layer's name to their errors.)"""
from __future__ import annotations

import numpy as np

from ...dtypes import resolve
from ..module import Module, Parameter


def check_device(device, name: str) -> None:
    """A layer's `device=` argument: None, 'cpu', xa.device('cpu') or another library's
    device object naming the CPU (torch.device('cpu'), by its str); anything else is the
    error of `xarxa.devices.check` (a TypeError, or a RuntimeError naming the unavailable
    device), which names `name`."""
    if device is not None:
        from ...devices import check, device as Device   # the one place that knows devices
        if not isinstance(device, (str, int, Device)) and hasattr(device, "type"):
            device = str(device)
        check(device, name)


def add_weight_and_bias(layer: Module, weight_shape: tuple, bias_size: int, bias: bool,
                        dtype, name: str, device=None) -> None:
    """Register `layer.weight` (uninitialised) and `layer.bias` (or None when `bias` is
    false) in `dtype` on `device` (the CPU); the layer's `reset_parameters()` then gives
    them their values."""
    check_device(device, name)
    dtype = resolve(dtype, name)
    layer.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        layer.bias = Parameter(np.empty(bias_size, dtype=dtype))
    else:
        layer.register_parameter("bias", None)
