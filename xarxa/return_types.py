"""PyTorch's `torch.return_types`: the (values, indices) pairs that `max`/`min` with a
`dim`, `sort` and `topk` return.

Each is a tuple (``values, indices = xa.max(x, 1)`` unpacks it, ``r[0]`` indexes it) whose
fields are also attributes (``r.values``, ``r.indices``), and prints as PyTorch prints it::

    torch.return_types.max(
    values=tensor([5., 4.]),
    indices=tensor([1, 2]))

(the ``torch.`` prefix, as dtypes print ``torch.float32`` and ``x.type()`` is
``'torch.FloatTensor'``: a script's output matches PyTorch's). They are namedtuples for
xarxa's own code (``_fields``, ``_make``: `default_collate` and the data wire keep them).
"""
from __future__ import annotations

from collections import namedtuple

__all__ = ["max", "min", "sort", "topk"]

_PREFIX = "torch.return_types."


def _repr(self) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"{_PREFIX}{type(self).__name__}(\n{fields})"


def _make_type(name: str):
    base = namedtuple(name, ["values", "indices"])
    return type(name, (base,), {
        "__slots__": (), "__repr__": _repr, "__str__": _repr, "__module__": __name__,
        "__doc__": f"The (values, indices) pair of `{name}`, as PyTorch's "
                   f"torch.return_types.{name}."})


max = _make_type("max")    # noqa: A001 - PyTorch's names
min = _make_type("min")    # noqa: A001
sort = _make_type("sort")
topk = _make_type("topk")
