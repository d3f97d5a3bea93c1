"""Array backends: the one place that knows which array library holds a tensor's data.

Ops never import NumPy for their math; they use the namespace of their inputs
(`ctx.xp`), obtained here, so that a CuPy backend can be added without touching op code.
"""
from __future__ import annotations

import numpy as np


def namespace(array):
    """The array module (`numpy`, later `cupy`) that owns `array`."""
    if type(array) is np.ndarray or not hasattr(array, "__array_namespace__"):
        return np
    module = type(array).__module__.split(".")[0]
    if module == "cupy":  # pragma: no cover - no GPU backend yet
        import cupy
        return cupy
    return np
