"""`Variable`: PyTorch's deprecated wrapper, kept for the old scripts and tutorials that
still write it. Since PyTorch 0.4 every Tensor is a Variable, so here as there:
``Variable(t, requires_grad=True)`` is a new leaf sharing ``t``'s data (what
``t.detach().requires_grad_(True)`` gives), ``Variable(t)`` one that does not require a
gradient, and ``isinstance(x, Variable)`` holds for every Tensor.
"""
from __future__ import annotations

import warnings

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        from ..tensor import Tensor
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data.detach()``, tracking gradients when
    ``requires_grad`` (see the module docstring). ``volatile`` has had no effect since
    PyTorch 0.4: use ``with xa.no_grad():``.

    Example:
        >>> w = Variable(xa.zeros(3), requires_grad=True)  # xa.zeros(3, requires_grad=True)
    """

    def __new__(cls, data, requires_grad: bool = False, volatile: bool | None = None):
        from ..tensor import Tensor
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable: data has to be a tensor, but got "
                            f"{type(data).__name__}")
        if volatile is not None:
            warnings.warn("Variable: volatile was removed and now has no effect; use "
                          "`with xa.no_grad():` instead", UserWarning, stacklevel=2)
        return data.detach().requires_grad_(bool(requires_grad))
