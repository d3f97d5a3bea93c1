"""Reverse-mode differentiation: walk the graph backwards from one tensor.

The walk is iterative (a 10,000-op chain must not hit Python's recursion limit), keeps
a node -> gradient table that is popped as it goes, accumulates into leaves' `.grad`,
and frees every node's saved arrays unless `retain_graph=True`.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import backend

from . import function, hooks
from .function import Function, _writes


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
    """Nodes reachable from `root`, each after every node that consumes it.

    Nodes are numbered as they are created (`Function.seq`), always after their inputs'
    nodes, so sorting the reachable set by that number, newest first, is such an order;
    the walk that finds the set is an explicit stack (no recursion limit).
    """
    reachable = [root]
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for t in node.inputs:
            child = getattr(t, "_ctx", None)  # constants (raw arrays) have no node
            if child is not None and child.seq > node.seq:  # rebased by an in-place op
                child = node_of(t, node.seq)
            if child is not None and child not in seen:
                seen.add(child)
                reachable.append(child)
                stack.append(child)
    reachable.sort(key=_seq, reverse=True)
    return reachable


_seq = operator.attrgetter("seq")


def node_of(t, seq: int):
    """The node that made `t`'s value as a node numbered `seq` saw it.

    An input's node is always older than its consumer, unless an in-place op rebased the
    tensor afterwards (`inplace.rebase`): then follow the snapshots of what it was."""
    node = t._ctx
    while node is not None and node.seq > seq:
        node = node.rebased_input._ctx
    return node


def _freed_error(node: Function) -> RuntimeError:
    return RuntimeError(
        f"backward: the graph through {node.name} was already freed by an earlier "
        "backward(); call backward(retain_graph=True) the first time to go through it twice")


def backward(tensor, grad, retain_graph: bool = False, capture=None) -> None:
    """Accumulate d(tensor)/d(leaf) · grad into every leaf that requires a gradient.

    With `capture` (a `grad.Capture`, for `xa.autograd.grad`), no `.grad` is touched: the
    gradients of the tensors it names (leaves by id, non-leaves by node) are summed into it.
    """
    Tensor = function.Tensor
    root = tensor._ctx
    handed: set[int] = {id(grad)}  # arrays already owned by someone: copy before storing
    accumulate = _accumulate if capture is None else capture.leaf
    if root is None:
        if hooks._leaf_hooks and hooks.leaf_hooks(tensor):
            grad = hooks.run(hooks.leaf_hooks(tensor), grad, grad.shape)
        accumulate(tensor, grad, handed, Tensor)
        return
    if root.freed:
        raise _freed_error(root)
    grads = {root: grad}  # node -> gradient of its output, popped as the walk goes
    pending: dict = {}  # id(leaf with hooks) -> (leaf, summed gradient), hooked at the end
    for node in _topological_order(root):
        if node.freed:
            raise _freed_error(node)
        g = grads.pop(node, None)
        if node.hooks is not None and g is not None:  # register_hook on a non-leaf
            g = hooks.run(node.hooks, g, g.shape)
        if capture is not None:
            if g is not None and node in capture.nodes:
                capture.node(node, g)
        elif node.out_ref is not None:  # retain_grad() or recording: keep it on the tensor
            out = node.out_ref()
            if out is not None and g is not None:
                out._grad = Tensor(g.copy() if out._grad is None else out._grad._data + g)
        if g is not None:  # None: this branch does not reach the root
            if node.epoch < _writes[0]:  # something was written in place since the node
                _check_versions(node)
            inputs = node.inputs
            input_grads = node.backward(g)
            if type(input_grads) is not tuple or len(input_grads) != len(inputs):
                raise _contract_error(node, input_grads)
            for t, ig, needed in zip(inputs, input_grads, node.needs_input_grad):
                if not needed or ig is None:
                    continue
                data = t._data
                try:
                    if isinstance(ig, Tensor):
                        raise TypeError
                    if ig.shape != data.shape:
                        ig = unbroadcast(ig, data.shape, node.name)
                    if ig.dtype != data.dtype:
                        if ig.dtype.kind != "f":
                            raise TypeError
                        ig = ig.astype(data.dtype)
                except (AttributeError, TypeError, ValueError):
                    raise _entry_error(node, _position(inputs, t), ig, data) from None
                child = t._ctx
                if child is not None and child.seq > node.seq:  # rebased by an in-place op
                    child = node_of(t, node.seq)
                if child is None:
                    if hooks._leaf_hooks and hooks.leaf_hooks(t):  # summed first, hooked once
                        previous = pending.get(id(t))
                        pending[id(t)] = (t, ig if previous is None else previous[1] + ig)
                    else:
                        accumulate(t, ig, handed, Tensor)
                else:
                    previous = grads.get(child)
                    grads[child] = ig if previous is None else previous + ig
        if not retain_graph:
            node.saved = ()
            node.inputs = ()
            node.freed = True
    for leaf, g in pending.values():
        accumulate(leaf, hooks.run(hooks.leaf_hooks(leaf), g, g.shape), handed, Tensor)


def _contract_error(node: Function, result) -> TypeError:
    n = len(node.inputs)
    if type(result) is tuple:
        what = f"a tuple of {len(result)}"
    else:
        what = f"a {type(result).__name__}"
    return TypeError(f"{node.name}.backward must return a tuple with one gradient (or None) "
                     f"per input: {n} input(s), got {what}")


def _entry_error(node: Function, i: int, ig, data) -> Exception:
    """TypeError for a gradient that is not a float array, ValueError for a wrong shape."""
    error = TypeError
    if isinstance(ig, function.Tensor):
        got = "a Tensor (backward works on arrays: return grad arrays, e.g. t.numpy())"
    elif hasattr(ig, "dtype") and hasattr(ig, "shape"):
        got = f"an array of dtype {ig.dtype} and shape {ig.shape}"
        error = ValueError if ig.dtype.kind == "f" else TypeError
    else:
        got = f"a {type(ig).__name__}"
    return error(f"{node.name}.backward: the gradient for input {i} must be a float array "
                     f"of the input's shape {data.shape} (or one that broadcasts to it), "
                     f"got {got}")


def _position(inputs, t) -> int:
    return next(i for i, x in enumerate(inputs) if x is t)


def _check_versions(node: Function) -> None:
    """Refuse to run `node.backward` on saved values that were written in place since the
    node was made (PyTorch's "modified by an inplace operation" error).

    Only storages written after the node's epoch and overlapping an array the node saved
    count: writing a tensor the op did not save (the input of an add) is harmless.
    """
    Tensor = function.Tensor
    saved = [a._data if isinstance(a, Tensor) else a for a in node.saved]
    saved = [a for a in saved if hasattr(a, "__array_interface__")
             or hasattr(a, "__cuda_array_interface__")]
    if not saved:
        return
    for i, t in enumerate(node.inputs):
        box = getattr(t, "_version_box", None)
        if box is not None and box[1] > node.epoch and _overlaps(saved, t._data):
            label = f"{t.name!r}" if t.name else f"input {i}"
            raise RuntimeError(
                f"backward: {label} of {node.name} (shape {t.shape}, dtype {t.dtype}) was "
                f"modified by an in-place operation after {node.name} saved it for the "
                f"backward pass: it is at version {box[0]}, written after the graph was "
                "built. Do the in-place update after backward() (e.g. optimizer.step() "
                "after loss.backward()), or use an out-of-place op (x = x + 1)")
    if node.out_written is not None and _overlaps(saved, node.out_written):
        raise RuntimeError(
            f"backward: the output of {node.name} was modified by an in-place operation "
            f"after {node.name} saved it for the backward pass; use an out-of-place op")


def _overlaps(saved: list, data) -> bool:
    xp = np if type(data) is np.ndarray else backend.namespace(data)
    return any(xp.may_share_memory(a, data) for a in saved)


def _accumulate(leaf, g, handed: set[int], Tensor) -> None:
    """Add `g` into `leaf.grad`, never aliasing an array someone else holds."""
    if leaf._grad is None:
        # views (broadcasts, reshapes) and arrays already given to another tensor are copied
        if g.base is not None or id(g) in handed:
            g = g.copy()
        handed.add(id(g))
        leaf._grad = Tensor(g)
    else:
        leaf._grad._data = leaf._grad._data + g
