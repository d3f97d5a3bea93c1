"""Tensor's in-place updates: `+=`, `add_`, `relu_`, `copy_`, `fill_`, `uniform_`,
`x[i] = v` … (a mixin of `Tensor`, kept apart so that tensor.py stays one page per concept).

Outside the graph (no_grad, or nothing requires grad) they write the array and bump the
version counter. Inside it, arithmetic and activations are graph ops that rebase the tensor
(autograd/version.py: rebase); a leaf that requires grad refuses, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import version
from .autograd.grad_mode import is_grad_enabled
from .autograd.version import bump_version

Tensor: Any = None  # xarxa.tensor.Tensor, bound there at import (the tensor <-> ops cycle)
ops: Any = None     # xarxa.autograd.ops, bound there too


class InPlaceOps:
    """The in-place methods of `Tensor`."""

    __slots__ = ()

    # -- in-place updates ---------------------------------------------------------------
    # Outside the graph (no_grad, or nothing requires grad) they write the array and bump
    # the version counter. Inside it, arithmetic and activations are graph ops that rebase
    # the tensor (autograd/version.py: rebase); a leaf that requires grad refuses, as in PyTorch.
    def _check_inplace(self, op: str) -> None:
        """For writes that have no graph form (fill_, copy_, setitem)."""
        if is_grad_enabled() and (self.requires_grad or self._ctx is not None):
            if self._ctx is None:
                raise version.leaf_error(op)
            raise RuntimeError(f"{op}: in-place write into a tensor inside the graph is not "
                               "supported; build the value out of place (xa.where, xa.cat)")

    def _inplace(self, op: str, fn, other, graph_op) -> "Tensor":
        if is_grad_enabled() and (self.requires_grad or getattr(other, "requires_grad", False)):
            if self._ctx is None and self.requires_grad:
                raise version.leaf_error(op)
            return version.rebase(self, graph_op(self, other), op)
        other = other._data if isinstance(other, Tensor) else other
        fn(self._data, other, out=self._data, casting="same_kind")
        bump_version(self)
        return self

    def __iadd__(self, other):
        return self._inplace("add_", np.add, other, ops.add)

    def __isub__(self, other):
        return self._inplace("sub_", np.subtract, other, ops.sub)

    def __imul__(self, other):
        return self._inplace("mul_", np.multiply, other, ops.mul)

    def __itruediv__(self, other):
        return self._inplace("div_", np.divide, other, ops.div)

    def add_(self, other, alpha: float = 1.0):
        return self.__iadd__(other if alpha == 1.0 else other * alpha)

    def sub_(self, other, alpha: float = 1.0):
        return self.__isub__(other if alpha == 1.0 else other * alpha)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other):
        return self.__itruediv__(other)

    def relu_(self):
        """max(0, x) in place (a graph op inside the graph, like `nn.ReLU(inplace=True)`)."""
        return self._inplace("relu_", lambda d, _, out, casting: np.maximum(d, 0, out=out),
                             None, lambda x, _: ops.relu(x))

    def _inplace_result(self, op: str, result, other=None) -> "Tensor":
        """Write an out-of-place op's `result(x)` into self: a graph op (rebase) inside the
        graph, a plain write outside it (the op's checks run either way)."""
        if is_grad_enabled() and (self.requires_grad or getattr(other, "requires_grad", False)):
            if self._ctx is None and self.requires_grad:
                raise version.leaf_error(op)
            return version.rebase(self, result(self), op)
        from .autograd import no_grad
        with no_grad():
            out = result(self)
        np.copyto(self._data, out._data, casting="same_kind")
        bump_version(self)
        return self

    def masked_fill_(self, mask, value) -> "Tensor":
        """`masked_fill` in place (a graph op inside the graph, like `relu_`)."""
        return self._inplace_result("masked_fill_", lambda x: ops.masked_fill(x, mask, value))

    def scatter_(self, dim: int, index, src=None, value=None) -> "Tensor":
        """`scatter` in place (a graph op inside the graph, like `relu_`)."""
        if value is None and src is not None and not isinstance(src, Tensor):
            src, value = None, src  # x.scatter_(dim, index, 0.5): the value form
        return self._inplace_result("scatter_", lambda x: ops.scatter(x, dim, index, src, value),
                                    src)

    def copy_(self, other) -> "Tensor":
        """Overwrite the values with `other`'s (broadcast, cast to this dtype)."""
        self._check_inplace("copy_")
        src = other._data if isinstance(other, Tensor) else np.asarray(other)
        try:
            np.copyto(self._data, src, casting="unsafe")
        except ValueError:
            raise ValueError(f"copy_: source of shape {src.shape} does not broadcast to "
                             f"{self.shape}") from None
        bump_version(self)
        return self

    def fill_(self, value) -> "Tensor":
        """Set every element to `value` (a number or a one-element tensor)."""
        self._check_inplace("fill_")
        self._data.fill(value.item() if isinstance(value, Tensor) else value)
        bump_version(self)
        return self

    def zero_(self) -> "Tensor":
        """Set every element to 0."""
        return self.fill_(0)

    def _fill_random(self, op: str, draw, generator) -> "Tensor":
        self._check_inplace(op)
        if self._data.dtype.kind != "f":
            raise TypeError(f"{op}: expected a floating point tensor, got dtype {self.dtype}")
        from .random import resolve_generator
        self._data[...] = draw(resolve_generator(generator, op), self._data.shape)
        bump_version(self)
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> "Tensor":
        """Overwrite with samples from U[a, b) (the generator seeded by `manual_seed`)."""
        if not a <= b:
            raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
        return self._fill_random("uniform_", lambda rng, s: rng.uniform(a, b, s), generator)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> "Tensor":
        """Overwrite with samples from N(mean, std²) (the generator of `manual_seed`)."""
        if not std >= 0:
            raise ValueError(f"normal_: expected std >= 0, got std={std}")
        return self._fill_random("normal_", lambda rng, s: rng.normal(mean, std, s), generator)

    def __setitem__(self, index, value) -> None:
        self._check_inplace("setitem")
        index = index._data if isinstance(index, Tensor) else index
        self._data[index] = value._data if isinstance(value, Tensor) else value
        bump_version(self)
