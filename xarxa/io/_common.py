"""Helpers shared by the weight-file formats: what counts as a tensor, bfloat16."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def as_array(value) -> np.ndarray | None:
    """The array behind a Tensor, an ndarray or a NumPy scalar; None for anything else."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value)
    return None


def bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 values, given as their uint16 bit patterns, widened exactly to float32.

    NumPy has no bfloat16; a bfloat16 is the upper half of a float32, so shifting its
    bits up by 16 gives the same number (NaN, infinities and subnormals included).
    """
    return (bits.astype(np.uint32) << 16).view(np.float32)
