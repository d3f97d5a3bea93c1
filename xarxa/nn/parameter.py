"""`Parameter`: the Tensor a `Module` registers as trainable (PyTorch's nn/parameter.py)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a `Module` registers as trainable (requires_grad=True by default).

    `Parameter(t)` shares `t`'s array; lists and numbers become float32 like `xa.tensor`.

    Example:
        >>> w = nn.Parameter(xa.randn(3, 2))
        >>> w.requires_grad
        True
    """

    def __init__(self, data=None, requires_grad: bool = True, name: str | None = None):
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        elif isinstance(data, np.ndarray):
            array = data
        else:
            from ..creation import tensor
            array = tensor(data)._data
        super().__init__(array, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):  # pragma: no cover - pickling is not supported
        raise TypeError("Parameter: pickling is not supported; use xa.save / state_dict")
