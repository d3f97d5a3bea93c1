"""`Size`: the shape of a tensor, PyTorch's `torch.Size` — a tuple of ints that prints as
`torch.Size([2, 3])` and knows its `numel()`.

It is a plain tuple otherwise (it equals and hashes like one and NumPy takes it as a shape);
slicing it or adding a tuple to it gives a `Size`, as in PyTorch. `Tensor.shape` and
`Tensor.size()` return one.
"""
from __future__ import annotations

import math
import operator

_tuple_new = tuple.__new__


class Size(tuple):
    """The shape of a tensor (PyTorch's `torch.Size`).

    Example:
        >>> xa.zeros(2, 3).shape
        torch.Size([2, 3])
        >>> xa.Size([2, 3]).numel()
        6
    """

    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for i, s in enumerate(sizes):
            if not hasattr(type(s), "__index__"):
                raise TypeError(f"Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(s).__name__}')")
        return _tuple_new(cls, [operator.index(s) for s in sizes])

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for `Size([])`)."""
        return math.prod(self)

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return _tuple_new(Size, item) if isinstance(index, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _tuple_new(Size, tuple.__add__(other, self))

    def __mul__(self, n):
        return _tuple_new(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return Size, (tuple(self),)
