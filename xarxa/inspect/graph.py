"""The graph that `trace` and `to_dot`/`draw` show: the nodes of a recorded computation (a
tape, or a tensor's graph) in creation order, labelled once (x1, x2, … as in the notes; θ1 …
for unnamed parameters), at the notes' granularity.

The notes draw a loss as one node: `huber_loss(ŷ, y)`, not the eleven ops it is made of;
cross-entropy as the softmax S = softmax(a) and the loss L = −Σ_k y_k ln S_k. While recording,
every loss of `F` marks the nodes it makes with its call (`autograd.record.call_scope`), and
`Graph` shows each call as one node — its inputs the function's Tensor arguments, its forward
value the result, its backward value what it passes to each input (the implementation's
backward replayed through its nodes) — and a cross-entropy call as its two rows. Helper nodes
inside the call (a reshape, the final `Reduce`, the pad of a one-logit score) are not shown.
`expand=True` shows every node of the implementation instead (each knows its call, so that a
drawing can frame them). A call whose inner nodes are used outside it is always expanded.

Local derivatives are computed generically: a node's op is run again on its recorded inputs
and its backward is called with the upstream gradient asked for (record mode keeps the
inputs; backward has freed what the op saved). For elementwise ops, the notes' scalar
exercises included, an upstream of ones gives exactly the derivative at the node's point (add
→ 1, mul → the other input, relu → step, max → 1 for the selected input); for other ops it is
the vector-Jacobian product with ones (the sum of the Jacobian's rows). The softmax row shows
its Jacobian ∂S_i/∂a_j = S_i(δ_ij − S_j) for one sample. An input written in place after the
node was made gives None ("—" in a table): its current value is not the one the node saw.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..autograd.engine import unbroadcast
from ..autograd.ops.loss import CrossEntropy, _upstream, cross_entropy_targets
from ..autograd.record import Tape
from ..tensor import Tensor
from .tables import fmt_array


@dataclass(eq=False)
class GraphNode:
    """One node as the notes draw it: an op, a call of a function (its implementation in
    `members`), or the softmax row of a cross-entropy call."""
    label: str
    op: str                  # the Function's name, the called function's name, or "softmax"
    inputs: tuple            # Tensors, constants, or the GraphNode of a softmax row
    names: tuple             # the inputs' labels
    value: np.ndarray
    grad: np.ndarray | None  # ∂out/∂node, once backward ran
    attrs: dict = field(default_factory=dict)
    tensor: Tensor | None = None       # the tensor it computed (None: a softmax row)
    members: tuple = ()                # a call's implementation: (tensor, inputs) pairs
    scope: Any = None                  # the call an expanded op belongs to (a drawing's frame)
    _derivatives: Callable | None = None
    _cache: tuple | None = None

    def derivatives(self) -> tuple:
        """(local, to_inputs): per input, ∂node/∂input at the node's point and ∂out/∂input
        through this node (None where not shown: not a float, not needed, not replayable)."""
        if self._cache is None:
            n = len(self.inputs)
            local, to_inputs = self._derivatives() if self._derivatives else (None, None)
            self._cache = (local or (None,) * n, to_inputs or (None,) * n)
        return self._cache


class Graph:
    """The nodes of a tape or of a tensor's graph in creation order, labelled once for
    `trace` and `to_dot`: `nodes` holds `GraphNode`s, `leaves` the tensors that required a
    gradient, `labels` id(tensor) -> label. `expand=True`: every op of every call."""

    def __init__(self, obj, who: str, expand: bool = False):
        if isinstance(obj, Tape):
            pairs = list(zip(obj.tensors, obj.inputs))
        elif isinstance(obj, Tensor):
            pairs = _walk(obj, who)
        else:
            raise TypeError(f"{who}: expected the tape of `with xa.inspect.record() as tape:` "
                            f"or a Tensor, got {type(obj).__name__}")
        named = {u.name for t, inputs in pairs for u in (t, *inputs)
                 if isinstance(u, Tensor) and u.name}
        # intermediate nodes are x1, x2, … as in the notes, unless a tensor is already
        # called x<n> (an input x1 of the solver): then z1, z2, …
        self.prefix = next((p for p in ("x", "z", "v", "u")
                            if not any(re.fullmatch(p + r"\d+", n) for n in named)), "node")
        self.labels: dict[int, str] = {}
        self.leaves: list[Tensor] = []
        self.nodes: list[GraphNode] = []
        for entry in _entries(pairs, expand):
            if entry[0] == "op":
                self._add_op(*entry[1:])
            else:
                self._add_call(*entry[1:])
        if isinstance(obj, Tensor) and obj._ctx is None:
            self.input_label(obj)  # a lone leaf: its own row

    def _next_label(self, t: Tensor | None) -> str:
        return (t.name if t is not None and t.name else None) or \
            f"{self.prefix}{len(self.nodes) + 1}"

    def input_label(self, t) -> str:
        """An input's label: a node, a parameter (θ1, …), data or a constant."""
        if isinstance(t, GraphNode):
            return t.label
        if not isinstance(t, Tensor):
            return fmt_array(t, one_line=True)
        if id(t) not in self.labels:
            if t.requires_grad:
                self.leaves.append(t)
                self.labels[id(t)] = t.name or f"θ{len(self.leaves)}"
            else:
                self.labels[id(t)] = t.name or fmt_array(t.numpy(), one_line=True)
        return self.labels[id(t)]

    def _add(self, node: GraphNode) -> GraphNode:
        if node.tensor is not None:
            self.labels[id(node.tensor)] = node.label
        self.nodes.append(node)
        return node

    # -- an op --------------------------------------------------------------------------------
    def _add_op(self, t: Tensor, inputs: tuple, scope) -> None:
        ctx = t._ctx
        names = tuple(self.input_label(i) for i in inputs)

        def derivatives():
            local = _vjp(ctx, inputs, np.ones_like(t._data))
            to_inputs = None
            grad = _grad(t)
            if grad is not None:
                to_inputs = _vjp(ctx, inputs, grad)
                if to_inputs is not None:  # only what backward really passed on
                    to_inputs = tuple(g if needed else None
                                      for g, needed in zip(to_inputs, ctx.needs_input_grad))
            return local, to_inputs
        self._add(GraphNode(self._next_label(t), ctx.name, tuple(inputs), names,
                            t.numpy().copy(), _grad(t), ctx.attrs, t, scope=scope,
                            _derivatives=derivatives))

    # -- a call: one node (cross-entropy: its softmax row and the loss) -----------------------
    def _add_call(self, scope, members: list) -> None:
        out = scope.output
        inputs = _call_inputs(scope, members)
        ce = [(t, i) for t, i in members if isinstance(t._ctx, CrossEntropy)]
        if scope.name == "cross_entropy" and len(ce) == 1 and inputs:
            self._add_cross_entropy(scope, members, inputs, *ce[0])
            return
        names = tuple(self.input_label(i) for i in inputs)

        def derivatives():
            return _call_vjp(members, out, inputs, np.ones_like(out._data)), \
                _call_vjp(members, out, inputs, _grad(out), needed=True)
        self._add(GraphNode(self._next_label(out), scope.name, inputs, names,
                            out.numpy().copy(), _grad(out), {}, out, tuple(members),
                            _derivatives=derivatives))

    def _add_cross_entropy(self, scope, members, inputs, ce_out, ce_inputs) -> None:
        """S = softmax(a) and L = −Σ_c q_c ln S_c (q: the one-hot target with the call's
        class weights and label smoothing), the rows of the notes' cross-entropy (§1.3.6)."""
        out, logits = scope.output, inputs[0]
        a = np.asarray(_array(ce_inputs[0]), dtype=np.float64)
        s = np.exp(a - a.max(axis=1, keepdims=True))
        s /= s.sum(axis=1, keepdims=True)
        attrs = ce_out._ctx.attrs
        q, denom = cross_entropy_targets(
            np, np.asarray(_array(ce_inputs[1])), a.shape,
            **{k: attrs[k] for k in ("weight", "ignore_index", "label_smoothing", "prob")})
        shown = logits.shape if int(np.prod(logits.shape)) == s.size else s.shape
        samples = a.shape[:1] + a.shape[2:]

        def d_loss_d_s(upstream):  # ∂(out)/∂S = −ĝ_i q_ic / S_ic, ĝ the per-sample upstream
            if upstream is None:
                return None
            grads = _sweep(members, out, upstream)
            g = None if grads is None else grads.get(id(ce_out))
            if g is None:
                return None
            per = _upstream(np.asarray(g, np.float64), attrs["reduction"], denom, samples, np)
            with np.errstate(all="ignore"):
                return (-np.expand_dims(per, 1) * q / s).reshape(shown)

        upstream_s = d_loss_d_s(_grad(out))

        def softmax_derivatives():
            jac = None
            if np.prod(samples) == 1:  # one sample: ∂S_c/∂(logits) row by row
                rows = []
                for c in range(s.shape[1]):
                    e = np.zeros_like(s)
                    e[:, c] = 1.0
                    u = s * (e - s[:, c:c + 1])            # ∂S_c/∂a = S_c(e_c − S)
                    grads = _sweep(members, _tensor_of(ce_inputs[0]), u)
                    row = None if grads is None else grads.get(id(logits))
                    if row is None:
                        break
                    rows.append(np.ravel(row))
                else:
                    jac = np.array(rows)
            to_inputs = _call_vjp(members, out, (logits,), _grad(out), needed=True)
            return (jac,), to_inputs

        softmax = self._add(GraphNode(self._next_label(None), "softmax", (logits,),
                                      (self.input_label(logits),), s.reshape(shown),
                                      upstream_s, {}, None, tuple(members),
                                      _derivatives=softmax_derivatives))
        rest = tuple(inputs[1:])
        names = (softmax.label,) + tuple(self.input_label(i) for i in rest)

        def loss_derivatives():
            nones = (None,) * len(rest)
            return (d_loss_d_s(np.ones_like(out._data)),) + nones, (upstream_s,) + nones
        self._add(GraphNode(self._next_label(out), "cross_entropy", (softmax,) + rest, names,
                            out.numpy().copy(), _grad(out), {}, out, tuple(members),
                            _derivatives=loss_derivatives))


def _entries(pairs: list, expand: bool) -> list:
    """("op", tensor, inputs, call) and ("call", call, members) in creation order: each call
    (the outermost `call_scope` of its nodes) at the place of its result, unless `expand`
    or unless a node inside it feeds a node outside it."""
    calls: dict[int, tuple] = {}
    owner = []
    for t, _ in pairs:
        scope = getattr(t._ctx, "call_scope", None)
        scope = scope.outermost() if scope is not None else None
        owner.append(scope)
        if scope is not None:
            calls.setdefault(id(scope), (scope, []))[1].append(len(owner) - 1)
    collapsed = {}
    if not expand:
        made_in = {id(t): scope for (t, _), scope in zip(pairs, owner) if scope is not None}
        escaping = {id(made_in[id(i)]) for (_, inputs), scope in zip(pairs, owner)
                    for i in inputs if id(i) in made_in and made_in[id(i)] is not scope
                    and i is not made_in[id(i)].output}
        for key, (scope, where) in calls.items():
            out = scope.output
            if key not in escaping and isinstance(out, Tensor) and made_in.get(id(out)) is scope:
                collapsed[key] = [pairs[k] for k in where]
    entries = []
    for (t, inputs), scope in zip(pairs, owner):
        if scope is not None and id(scope) in collapsed:
            if t is scope.output:
                entries.append(("call", scope, collapsed[id(scope)]))
        else:
            entries.append(("op", t, inputs, scope))
    return entries


def _call_inputs(scope, members: list) -> tuple:
    """A call's inputs: its Tensor arguments, then any other tensor its nodes read that
    wants a gradient (a parameter captured by the function)."""
    inside = {id(t) for t, _ in members}
    seen, inputs = set(), []
    for a in scope.args:
        if isinstance(a, Tensor) and id(a) not in seen:
            seen.add(id(a))
            inputs.append(a)
    for _, ins in members:
        for i in ins:
            if isinstance(i, Tensor) and i.requires_grad and id(i) not in inside \
                    and id(i) not in seen:
                seen.add(id(i))
                inputs.append(i)
    return tuple(inputs)


def _call_vjp(members, out, inputs, upstream, needed: bool = False) -> tuple | None:
    """What the call passes to each input for `upstream` on its result (its implementation's
    backward, replayed node by node); with `needed`, only to inputs that want a gradient."""
    if upstream is None:
        return None
    grads = _sweep(members, out, upstream)
    if grads is None:
        return None
    return tuple(None if needed and not i.requires_grad else grads.get(id(i)) for i in inputs)


def _sweep(members: list, start, upstream) -> dict | None:
    """Backward from `start` through the (tensor, inputs) `members`, each node's backward
    replayed (`_vjp`): the gradient every tensor received, by id; None when a node cannot be
    replayed."""
    grads = {id(start): np.asarray(upstream)}
    for t, inputs in reversed(members):
        g = grads.get(id(t))
        if g is None:
            continue
        passed = _vjp(t._ctx, inputs, np.broadcast_to(g, t.shape).astype(t.dtype, copy=False)
                      if t.dtype.kind == "f" else g)
        if passed is None:
            return None
        for i, gi in zip(inputs, passed):
            if isinstance(i, Tensor) and gi is not None:
                grads[id(i)] = gi if id(i) not in grads else grads[id(i)] + gi
    return grads


def _grad(t: Tensor) -> np.ndarray | None:
    # ._grad, not .grad: a non-leaf without a kept gradient is no reason to warn here
    return None if t._grad is None else t._grad.numpy().copy()


def _array(x):
    return x._data if isinstance(x, Tensor) else x


def _tensor_of(x):
    """The key `_sweep` knows a node's input by (a constant array has none)."""
    return x if isinstance(x, Tensor) else object()


def _walk(root: Tensor, who: str) -> list:
    """(tensor, inputs) of every node of `root`'s graph, in creation order."""
    found, stack, seen = [], [root], set()
    while stack:
        t = stack.pop()
        node = t._ctx
        if node is None or id(t) in seen:
            continue
        seen.add(id(t))
        if node.freed:
            raise ValueError(
                f"{who}: the graph through {node.name} was freed by backward(); call it "
                "before backward(), use backward(retain_graph=True), or record the "
                "computation with `with xa.inspect.record() as tape:` and pass the tape")
        found.append((t, node.inputs))
        stack.extend(i for i in node.inputs if isinstance(i, Tensor))
    found.sort(key=lambda pair: pair[0]._ctx.seq)
    return found


def _vjp(node, inputs, upstream) -> tuple | None:
    """The node's backward applied to `upstream`, replayed on its recorded inputs: one
    array per input (None for non-float inputs), or None when it cannot be replayed."""
    arrays, floats = [], []
    for i in inputs:
        if isinstance(i, Tensor):
            box = i._version_box
            if box is not None and box.epoch > node.epoch:
                return None  # written in place after the node saw it
            i = i._data
        arrays.append(i)
        floats.append(np.asarray(i).dtype.kind == "f")
    if isinstance(type(node).__dict__.get("forward"), staticmethod):
        return None  # a tensor-level (PyTorch-style) Function: its backward needs Tensors
    replay = type(node)()
    replay.xp, replay.attrs, replay.inputs = node.xp, node.attrs, tuple(inputs)
    replay.needs_input_grad = floats  # ask for every float input, not only the needed ones
    try:
        with np.errstate(all="ignore"):
            replay.forward(*arrays, **node.attrs)
            grads = replay.backward(upstream)
    # An op whose forward or backward cannot be replayed outside its graph shows "—" in the
    # table instead of breaking it (the table is a view, the real backward already ran).
    except (TypeError, ValueError, IndexError, AttributeError, KeyError, NotImplementedError):
        return None
    if type(grads) is not tuple or len(grads) != len(inputs):
        return None
    out = []
    for a, g, is_float in zip(arrays, grads, floats):
        if not is_float or g is None:
            out.append(None)
            continue
        try:
            out.append(np.asarray(unbroadcast(np.asarray(g), np.shape(a))))
        except ValueError:
            out.append(None)
    return tuple(out)
