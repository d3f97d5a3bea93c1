"""PyTorch's `out=` argument, in one place: `add(x, y, out=t)` writes the result into `t`
and returns `t`.

As in PyTorch: the result is computed without a graph, and refused (RuntimeError) when grad
mode is on and an input or `out` requires grad; it is cast to `out`'s dtype unless that
loses its kind (a float result into an integer `out`, an integer one into a bool `out`:
RuntimeError); an `out` of another shape is resized — silently when it is empty, else with
PyTorch's UserWarning — and then holds a new array (views of the old one no longer see
it); `out`'s version counter is bumped (autograd/version.py), so a graph that saved it
refuses to use the overwritten values. Ops with two results (`max(x, dim)`, `sort`, `topk`)
take a pair `out=(values, indices)` and return it as their usual named pair.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..grad_mode import is_grad_enabled, no_grad
from ..version import bump_version
from ...tensor import Tensor


def _requires_grad(values) -> bool:
    for v in values:
        if isinstance(v, Tensor):
            if v.requires_grad:
                return True
        elif isinstance(v, (list, tuple)) and _requires_grad(v):  # cat/stack's sequence
            return True
    return False


def _type_name(dtype) -> str:
    from ...dtypes import legacy_name
    try:
        return legacy_name(dtype)
    except KeyError:
        return str(dtype)


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """PyTorch's rule: no cast from floating to integral, nor from non-bool to bool."""
    if src.kind == "f" and dst.kind in "iub":
        return False
    if src.kind in "iu" and dst.kind == "b":
        return False
    return True


def _write(op: str, out, value: np.ndarray) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    dst = out._data.dtype
    if not _can_cast(value.dtype, dst):
        raise RuntimeError(f"result type {_type_name(value.dtype)} can't be cast to the "
                           f"desired output type {_type_name(dst)}")
    if out._data.shape != value.shape:
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out._data.shape)}, which does not match the required output shape "
                f"{list(value.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You "
                "can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                "elements with t.resize_(0).", UserWarning, stacklevel=4)
        out._data = value.astype(dst, copy=True)
    else:
        np.copyto(out._data, value, casting="unsafe")
    bump_version(out)


def into(out, op: str, compute, *inputs):
    """Run `compute()` (the op without `out`) without a graph, write its result into `out`
    (a Tensor, or a pair of Tensors for a two-result op) and return `out`. `inputs` are the
    op's arguments, checked for gradients as PyTorch checks them."""
    if is_grad_enabled() and (_requires_grad(inputs) or _requires_grad(
            out if isinstance(out, (list, tuple)) else (out,))):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires "
                           "grad.")
    with no_grad():
        result = compute()
    if isinstance(result, tuple):
        if not isinstance(out, (list, tuple)) or len(out) != len(result):
            raise TypeError(f"{op}(): argument 'out' must be a tuple of {len(result)} "
                            f"Tensors, got {type(out).__name__}")
        for o, r in zip(out, result):
            _write(op, o, r._data)
        return type(result)(*out)
    _write(op, out, result._data)
    return out
