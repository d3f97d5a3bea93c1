"""Reverse-mode differentiation: walk the graph backwards from one tensor.

The walk is iterative (a 10,000-op chain must not hit Python's recursion limit), keeps
a node -> gradient table that is popped as it goes, accumulates into leaves' `.grad`,
and frees every node's saved arrays unless `retain_graph=True`.
"""
from __future__ import annotations

from .function import Function


def unbroadcast(grad, shape: tuple, op: str = "op"):
    """Sum `grad` down to `shape`, undoing NumPy broadcasting (the one place it is undone).

    Leading axes that broadcasting added are summed away; axes where the input had
    size 1 are summed with keepdims.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"{op}: gradient of shape {grad.shape} cannot be reduced to the "
                         f"input shape {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        raise ValueError(f"{op}: gradient of shape {grad.shape} does not match the input "
                         f"shape {shape}")
    return grad


def _topological_order(root: Function) -> list[Function]:
    """Nodes reachable from `root`, each after every node that consumes it."""
    order: list[Function] = []
    visited = {id(root)}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for t in node.inputs:
            child = getattr(t, "_ctx", None)
            if child is not None and id(child) not in visited:
                visited.add(id(child))
                stack.append((child, False))
    order.reverse()
    return order


def backward(tensor, grad, retain_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) · grad into every leaf that requires a gradient."""
    from ..tensor import Tensor

    root = tensor._ctx
    if root is None:
        _accumulate(tensor, grad, set())
        return
    if root.freed:
        raise RuntimeError(
            f"backward: the graph through {root.name} was already freed by an earlier "
            "backward(); call backward(retain_graph=True) the first time to go through "
            "it twice")
    order = _topological_order(root)
    grads = {id(root): grad}
    handed: set[int] = {id(grad)}  # arrays already owned by someone: copy before storing
    for node in order:
        if node.freed:
            raise RuntimeError(
                f"backward: the graph through {node.name} was already freed by an earlier "
                "backward(); use retain_graph=True the first time")
        g = grads.pop(id(node), None)
        if node.out_ref is not None:
            out = node.out_ref()
            if out is not None and g is not None:
                out.grad = Tensor(g.copy() if out.grad is None else out.grad._data + g)
        if g is None:  # this branch does not reach the root
            continue
        input_grads = node.backward(g)
        for t, ig, needed in zip(node.inputs, input_grads, node.needs_input_grad):
            if not needed or ig is None:
                continue
            if ig.shape != t._data.shape:
                ig = unbroadcast(ig, t._data.shape, node.name)
            if ig.dtype != t._data.dtype:
                ig = ig.astype(t._data.dtype)
            child = t._ctx
            if child is None:
                _accumulate(t, ig, handed)
            else:
                key = id(child)
                previous = grads.get(key)
                grads[key] = ig if previous is None else previous + ig
        if not retain_graph:
            node.saved = ()
            node.inputs = ()
            node.freed = True


def _accumulate(leaf, g, handed: set[int]) -> None:
    """Add `g` into `leaf.grad`, never aliasing an array someone else holds."""
    from ..tensor import Tensor

    if leaf.grad is None:
        if id(g) in handed or g.base is not None or not g.flags.writeable:
            g = g.copy()
        handed.add(id(g))
        leaf.grad = Tensor(g)
    else:
        leaf.grad._data = leaf.grad._data + g
