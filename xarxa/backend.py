"""Array backends: the one place that knows which array library holds a tensor's data.

Ops never import NumPy for their math; they use the namespace of their inputs
(`ctx.xp`), obtained here, so that a CuPy backend can be added without touching op code.
"""
from __future__ import annotations

import numpy as np


def namespace(array):
    """The array module (`numpy`, later `cupy`) that owns `array`."""
    if type(array) is np.ndarray or not hasattr(array, "__array_namespace__"):
        return np  # also for Python scalars and NumPy scalars
    module = type(array).__module__.split(".")[0]
    if module == "cupy":  # pragma: no cover - no GPU backend yet
        import cupy
        return cupy
    return np


# glibc's malloc hands large freed blocks (>~32 MiB after its dynamic threshold, or any
# mmap'd block) back to the OS, so a training loop page-faults its big temporaries in again
# on every step (~4,100 faults per LeNet-5 step measured here; the step got 1.6x faster
# without them). These settings keep freed memory in the process instead. They are set
# once, at import, and can be switched off with XARXA_MALLOC_TUNING=0.
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOC_SETTINGS = {_M_MMAP_THRESHOLD: 1 << 30, _M_TRIM_THRESHOLD: 2 << 30,
                    _M_TOP_PAD: 256 << 20}
allocator_tuned = False


def tune_allocator() -> bool:
    """Apply the glibc `mallopt` settings above; returns True when they took effect."""
    global allocator_tuned
    import os
    import sys
    if allocator_tuned or os.environ.get("XARXA_MALLOC_TUNING", "1") == "0" \
            or not sys.platform.startswith("linux"):
        return allocator_tuned
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        allocator_tuned = all(libc.mallopt(k, v) == 1 for k, v in _MALLOC_SETTINGS.items())
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        allocator_tuned = False
    return allocator_tuned
