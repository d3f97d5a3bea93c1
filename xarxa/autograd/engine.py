"""Reverse-mode differentiation: walk the graph backwards from one tensor.

The walk (`backward`, one page) is iterative (a 10,000-op chain must not hit Python's
recursion limit), keeps a node -> gradient table that is popped as it goes, accumulates
into leaves' `.grad`, and releases every node unless `retain_graph=True`: a node that saved
arrays is freed (walking it again is an error), one that saved nothing stays walkable, as
in PyTorch. Its named steps sit beside it: hooks and capture (`_node_gradient`), the
version check (`version.check`), the backward contract (`_contract`, `_conform`).

With `create_graph=True` the same walk hands each node Tensors instead of arrays
(`_graph_backward`): the node's one `backward` runs on the graph's Tensors with
`tensor_xp` as its array namespace, so every gradient is itself a Tensor in a graph,
differentiable again (to any order). The first-order walk is untouched by this: one
boolean test per node.
"""
from __future__ import annotations

import operator

import numpy as np

from . import function, hooks, version
from .function import Function
from .grad_mode import _GradMode


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


def _leading_to(order: list[Function], capture) -> list[Function]:
    """The nodes of `order` from which a tensor `autograd.grad` asked for is reached: only
    these are walked, as in PyTorch (a branch that reaches none of the requested inputs costs
    nothing, and under create_graph need not be twice differentiable)."""
    useful = set()
    for node in reversed(order):  # inputs' nodes before their consumers
        if node in capture.nodes or node.freed:  # (a freed node: the walk says so)
            useful.add(node)
            continue
        for t in node.inputs:
            child = getattr(t, "_ctx", None)
            if child is None:
                if id(t) in capture.slots and getattr(t, "requires_grad", False):
                    useful.add(node)
                    break
                continue
            if child.seq > node.seq:  # rebased by an in-place op
                child = node_of(t, node.seq)
            if child in useful:
                useful.add(node)
                break
    return [node for node in order if node in useful]


def node_of(t, seq: int):
    """The node that made `t`'s value as a node numbered `seq` saw it.

    An input's node is always older than its consumer, unless an in-place op rebased the
    tensor afterwards (`version.rebase`): then follow the snapshots of what it was."""
    node = t._ctx
    while node is not None and node.seq > seq:
        node = node.rebased_input._ctx
    return node


def _freed_error(node: Function) -> RuntimeError:
    return RuntimeError(
        f"backward: the graph through {node.name} was already freed by an earlier "
        "backward(); call backward(retain_graph=True) the first time to go through it twice")


def backward(tensor, grad, retain_graph: bool = False, capture=None,
             create_graph: bool = False) -> None:
    """`_walk`; with `create_graph` the whole walk records (grad mode on, as in PyTorch, even
    inside `no_grad()`): the gradients, their sums and the saved values it rebuilds are all
    in the graph."""
    if create_graph:
        with _GradMode(True):
            return _walk(tensor, grad, retain_graph, capture, True)
    return _walk(tensor, grad, retain_graph, capture, False)


def _walk(tensor, grad, retain_graph: bool, capture, create_graph: bool) -> None:
    """Accumulate d(tensor)/d(leaf) · grad into every leaf that requires a gradient.

    With `capture` (a `grad.Capture`, for `xa.autograd.grad`), no `.grad` is touched: the
    gradients of the tensors it names (leaves by id, non-leaves by node) are summed into it.
    The walk, in four named steps: a node's gradient is complete (`_node_gradient`: hooks,
    capture, retain_grad), its saved values are checked (`version.check`), its backward
    runs and each input's gradient is made to fit the input (`_conform`), then handed to the
    input's node or leaf; the node is released unless `retain_graph`. With `create_graph`,
    `grad` is a Tensor and so is every gradient of the walk (`_graph_backward`).
    """
    Tensor = function.Tensor
    handed: set[int] = {id(grad)}  # arrays already owned by someone: copy before storing
    if capture is not None:
        accumulate = capture.leaf
    else:
        accumulate = _accumulate_graph if create_graph else _accumulate
    root = tensor._ctx
    if root is None:
        if hooks._leaf_hooks and hooks.leaf_hooks(tensor):
            grad = hooks.run(hooks.leaf_hooks(tensor), grad)
        accumulate(tensor, grad, handed, Tensor)
        return
    grads = {root: grad}  # node -> gradient of its output, popped as the walk goes
    hooked: dict = {}  # id(leaf with hooks) -> (leaf, summed gradient), hooked at the end
    order = _topological_order(root)
    if capture is not None:
        order = _leading_to(order, capture)
    for node in order:
        g = grads.pop(node, None)
        if g is None:  # this branch does not reach the root
            continue
        if node.freed:
            raise _freed_error(node)
        if node.hooks is not None or node.out_ref is not None or capture is not None:
            g = _node_gradient(node, g, capture, Tensor)
        if node.epoch < version._clock[0]:  # something was written in place since the node
            version.check(node)
        inputs = node.inputs
        input_grads = node.backward(g) if not create_graph else _graph_backward(node, g)
        if type(input_grads) is not tuple or len(input_grads) != len(inputs):
            input_grads = _contract(node, input_grads)
        for t, ig, needed in zip(inputs, input_grads, node.needs_input_grad):
            if not needed or ig is None:
                continue
            data = t._data
            if type(ig) is not np.ndarray or ig.shape != data.shape or ig.dtype != data.dtype:
                ig = _conform(node, inputs, t, ig, create_graph)
            child = t._ctx
            if child is not None and child.seq > node.seq:  # rebased by an in-place op
                child = node_of(t, node.seq)
            if child is not None:
                previous = grads.get(child)
                grads[child] = ig if previous is None else previous + ig
            elif hooks._leaf_hooks and hooks.leaf_hooks(t):  # summed first, hooked once
                previous = hooked.get(id(t))
                hooked[id(t)] = (t, ig if previous is None else previous[1] + ig)
            else:
                accumulate(t, ig, handed, Tensor)
        if not retain_graph:
            _release(node)
    for leaf, g in hooked.values():
        accumulate(leaf, hooks.run(hooks.leaf_hooks(leaf), g), handed, Tensor)


def _node_gradient(node: Function, g, capture, Tensor):
    """A non-leaf's gradient is complete: run its hooks, then hand it to `autograd.grad`'s
    capture or keep it on the tensor (`retain_grad()`, recording)."""
    if node.hooks is not None:  # register_hook on a non-leaf
        g = hooks.run(node.hooks, g)
    if capture is not None:
        if node in capture.nodes:
            capture.node(node, g)
    elif node.out_ref is not None:
        out = node.out_ref()
        if out is not None and isinstance(g, Tensor):  # create_graph=True: a copy, as above
            out._grad = g.clone() if out._grad is None else out._grad + g
        elif out is not None:
            out._grad = Tensor(g.copy() if out._grad is None else out._grad._data + g)
    return g


def _graph_backward(node: Function, g):
    """`node.backward` on Tensors, recorded (create_graph=True): the saved values as the
    graph's Tensors (`graph_saved`) and `tensor_xp` as the node's array namespace, for the
    duration of the call."""
    from . import tensor_xp
    saved, xp = node.saved, node.xp
    node.saved = node.graph_saved()
    node.xp = tensor_xp
    try:
        return node.backward(g)
    finally:
        node.saved, node.xp = saved, xp


def _conform(node: Function, inputs, t, ig, create_graph: bool = False):
    """Check one entry of `node.backward`'s result and fit it to input `t`: sum broadcast
    axes away, cast to the input's float dtype; anything else is an error naming the op.
    With `create_graph` the entry is a Tensor (an array is taken as a constant Tensor)."""
    data = t._data
    Tensor = function.Tensor
    if create_graph:
        return _conform_tensor(node, inputs, t, ig if isinstance(ig, Tensor) else Tensor(ig))
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
    return ig


def _conform_tensor(node: Function, inputs, t, ig):
    """`_conform` for a gradient that is a Tensor of the graph (create_graph=True)."""
    data = t._data
    if ig._data.dtype.kind != "f":
        raise _entry_error(node, _position(inputs, t), ig._data, data)
    if ig.shape != data.shape:
        try:
            ig = unbroadcast(ig, data.shape, node.name)
        except ValueError:
            raise _entry_error(node, _position(inputs, t), ig._data, data) from None
    if ig._data.dtype != data.dtype:
        ig = ig.to(data.dtype)
    return ig


class _Edge:
    """What a released node keeps of a non-leaf input: its node, shape and dtype, not its
    values — so a node that saved nothing can be walked again (`y = x + 1` backward twice,
    as in PyTorch) without keeping every activation alive."""

    __slots__ = ("_ctx", "shape", "dtype", "requires_grad")
    _version_box = None
    name = None

    def __init__(self, node, data):
        self._ctx, self.shape, self.dtype, self.requires_grad = node, data.shape, data.dtype, True

    @property
    def _data(self):  # the engine reads shape and dtype through `t._data`
        return self


def _release(node: Function) -> None:
    """Free what `node` saved (backward without retain_graph). A node that saved nothing
    stays walkable through light `_Edge`s; one that saved arrays is marked freed."""
    if node.saved:
        node.saved = ()
        node.inputs = ()
        node.freed = True
        return
    edges = []
    for t, needed in zip(node.inputs, node.needs_input_grad):
        if not needed:
            edges.append(None)
            continue
        child = t._ctx
        if child is not None and child.seq > node.seq:
            child = node_of(t, node.seq)
        edges.append(t if child is None else _Edge(child, t._data))
    node.inputs = tuple(edges)


def _contract(node: Function, result) -> tuple:
    """`backward` returned something other than one gradient per input: trailing Nones for
    extra (non-tensor) arguments are dropped, as PyTorch does; anything else is an error."""
    n = len(node.inputs)
    if type(result) is tuple and len(result) > n and all(g is None for g in result[n:]):
        return result[:n]
    if type(result) is tuple:
        what = f"a tuple of {len(result)}"
    else:
        what = f"a {type(result).__name__}"
    raise TypeError(f"{node.name}.backward must return a tuple with one gradient (or None) "
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


def _accumulate_graph(leaf, g, handed: set[int], Tensor) -> None:
    """`_accumulate` for a gradient with a graph: `.grad` becomes a Tensor of the graph
    (PyTorch's `backward(create_graph=True)`), a new Tensor when one is already held."""
    if leaf._grad is None:
        # always a copy in the graph: the walk may have handed the same Tensor to another
        # input (an Add), or it may be a read-only broadcast view; `.grad` is written in
        # place by optimizers and zero_grad, which must not reach the graph (PyTorch clones)
        leaf._grad = g.clone()
    else:
        leaf._grad = leaf._grad + g


def _accumulate(leaf, g, handed: set[int], Tensor) -> None:
    """Add `g` into `leaf.grad`, never aliasing an array someone else holds."""
    if leaf._grad is None:
        # views (broadcasts, reshapes) and arrays already given to another tensor are copied
        if g.base is not None or id(g) in handed:
            g = g.copy()
        handed.add(id(g))
        leaf._grad = Tensor(g)
    elif leaf._grad._ctx is not None:  # a .grad from create_graph=True: keep its graph intact
        leaf._grad = Tensor(leaf._grad._data + g)
    else:
        leaf._grad._data = leaf._grad._data + g
