"""Helpers shared by the weight-file formats: what counts as a tensor, what to save in place
of a model, bfloat16."""
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


def is_module(value) -> bool:
    """Whether ``value`` is a model (an ``nn.Module``: it has a state dict and submodules)."""
    return callable(getattr(value, "state_dict", None)) and \
        callable(getattr(value, "named_modules", None))


# Why a whole model is refused: PyTorch would pickle it, and refuses to read that by default.
WHOLE_MODULE = ("a whole module is a pickle of its class and code, which xarxa never writes; "
                "PyTorch >= 2.6 refuses to load such a file by default too (torch.load's "
                "weights_only=True)")


def state_dict_hint(value) -> str:
    """What to save in place of ``value`` (a model, an optimizer), for the TypeError."""
    if is_module(value):
        return f" (save its state_dict() instead: {WHOLE_MODULE})"
    return " (save its state_dict() instead)" if hasattr(value, "state_dict") else ""


def bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 values, given as their uint16 bit patterns, widened exactly to float32.

    NumPy has no bfloat16; a bfloat16 is the upper half of a float32, so shifting its
    bits up by 16 gives the same number (NaN, infinities and subnormals included).
    """
    return (bits.astype(np.uint32) << 16).view(np.float32)
