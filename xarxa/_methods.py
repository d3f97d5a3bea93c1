"""Binds the ops to `Tensor` as methods (x.sum(), x.relu() …), PyTorch style."""
from __future__ import annotations

import numpy as np

from .autograd.ops import *  # noqa: F401,F403
from .autograd.ops import _util

_METHODS = ("sum mean max min var std argmax argmin reshape view flatten squeeze "
            "unsqueeze permute transpose expand exp log sqrt abs clamp relu sigmoid "
            "tanh step softmax log_softmax matmul pow maximum minimum").split()


def constant_like(value, like):
    """A non-Tensor operand (number, list, array) as a constant Tensor of `like`'s dtype."""
    from .tensor import Tensor
    return Tensor(_util.constant(value, like))


def attach_methods(cls) -> None:
    namespace = globals()
    for name in _METHODS:
        setattr(cls, name, namespace[name])
    cls.clip = namespace["clamp"]
    cls.any = lambda self: cls(np.any(self._data))
    cls.all = lambda self: cls(np.all(self._data))
