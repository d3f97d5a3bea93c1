"""Pytrees, as far as `xarxa.func` needs them: a Tensor, or tuples, lists and dicts of
pytrees. `flatten` gives the Tensors in order and a spec; `unflatten` puts any values
(gradients, Jacobian blocks) back into the same shape of containers."""
from __future__ import annotations

from ..tensor import Tensor

LEAF = None  # the spec of a single Tensor


def flatten(tree, what: str) -> tuple[list, object]:
    """(the Tensors of `tree` in order, its spec); `what` names `tree` in the error for a
    leaf that is not a Tensor."""
    leaves: list = []
    return leaves, _flatten(tree, leaves, what)


def _flatten(tree, leaves: list, what: str):
    if isinstance(tree, Tensor):
        leaves.append(tree)
        return LEAF
    if type(tree) in (tuple, list):
        return type(tree), [_flatten(x, leaves, what) for x in tree]
    if type(tree) is dict:
        return dict, {k: _flatten(v, leaves, what) for k, v in tree.items()}
    raise ValueError(f"{what} must be a Tensor or a tuple, list or dict of Tensors, got "
                     f"{type(tree).__name__}")


def unflatten(spec, values):
    """`values` (a sequence, consumed in order) in the containers `spec` describes."""
    return _unflatten(spec, iter(values))


def _unflatten(spec, values):
    if spec is LEAF:
        return next(values)
    kind, children = spec
    if kind is dict:
        return {k: _unflatten(s, values) for k, s in children.items()}
    return kind(_unflatten(s, values) for s in children)


def describe(spec) -> str:
    """A short picture of a spec for error messages: `*` a Tensor, `(*, *)` a tuple."""
    if spec is LEAF:
        return "*"
    kind, children = spec
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {describe(s)}" for k, s in children.items()) + "}"
    inner = ", ".join(describe(s) for s in children)
    return f"[{inner}]" if kind is list else f"({inner}{',' if len(children) == 1 else ''})"


def map_tensors(tree, fn):
    """`tree` with `fn` applied to each Tensor in it; anything else (an aux value that is
    not a Tensor or a container) is kept as it is."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if type(tree) in (tuple, list):
        return type(tree)(map_tensors(x, fn) for x in tree)
    if type(tree) is dict:
        return {k: map_tensors(v, fn) for k, v in tree.items()}
    return tree
