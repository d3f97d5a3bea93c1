"""`trace`: the forward/backward table of a recorded computation, as the notes lay out
their exercises (x₁ = w·x = 2, ∂L/∂x₂ = ∂x₃/∂x₂(2)·∂L/∂x₃ = 1, …).

    with xa.inspect.record() as tape:
        loss = xa.abs(y - xa.relu(w * x + b))
        loss.backward()
    table = xa.inspect.trace(tape)
    print(table)                 # aligned text; table.to_markdown(), table.to_latex()

Each row is one graph node in the order it was computed: its label (the tensor's `name`,
or x1, x2, … like the notes), the op, its inputs' labels, its forward value, the gradient
of the output with respect to it (the *upstream* gradient the node receives), the node's
*local* derivatives ∂node/∂input, and what it passes to each input (∂out/∂input =
local · upstream, the notes' chain rule). Leaves that required a gradient (the parameters)
follow, with their gradients. Arrays of more than six elements are summarised by shape,
mean and norm.

Local derivatives are computed generically: the node's op is run again on its recorded
inputs and its backward is called with an upstream of ones (record mode keeps the inputs;
backward has freed what the op saved). For elementwise ops, the notes' scalar exercises
included, that is exactly the derivative at the node's point (add → 1, mul → the other
input, relu → step, max → 1 for the selected input); for other ops it is the
vector-Jacobian product with ones (the sum of the Jacobian's rows). An input written in
place after the node was made shows "—": its current value is not the one the node saw.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..autograd.engine import unbroadcast
from ..autograd.record import Tape
from ..tensor import Tensor
from .tables import fmt_array, fmt_number, latex_array, latex_label, render_table


@dataclass
class TraceRow:
    label: str
    op: str             # the Function's name; "leaf" for parameters and inputs
    inputs: tuple       # labels of the inputs (constants shown by value)
    value: np.ndarray
    grad: np.ndarray | None
    local: tuple = ()       # per input: ∂node/∂input at the node's point (None: not shown)
    to_inputs: tuple = ()   # per input: ∂out/∂input through this node (None: not needed)
    formula: str = ""       # the node as an equation's right side: "w·x", "relu(x2)"


class Trace:
    """The rows of a trace; `str()` gives the text table, `to_markdown()`/`to_latex()` the
    same table for a notebook or a report, `rows` the data.

    `out` names the differentiated output in the headers ("out"; `xarxa solve` sets "L").
    """

    def __init__(self, rows: list[TraceRow], out: str = "out"):
        self.rows = rows
        self.out = out

    def __getitem__(self, label: str) -> TraceRow:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(f"trace: no node labelled {label!r}; labels are "
                       f"{[r.label for r in self.rows]}")

    def __len__(self) -> int:
        return len(self.rows)

    def header(self) -> tuple:
        o = self.out
        return ("node", "op", "inputs", "forward", f"∂{o}/∂node (upstream)",
                "local ∂node/∂input", f"∂{o}/∂input = local·upstream")

    def cells(self, row: TraceRow) -> list[str]:
        """One row's cells in plain Unicode (the text and Markdown tables)."""
        def per_input(values):
            shown = [f"{name}: {fmt_array(v)}" for name, v in zip(row.inputs, values)
                     if v is not None]
            return ", ".join(shown) if shown else ("" if row.op == "leaf" else "—")
        return [row.label, row.op, ", ".join(row.inputs), fmt_array(row.value),
                fmt_array(row.grad), per_input(row.local), per_input(row.to_inputs)]

    def __str__(self) -> str:
        return render_table(self.header(), [self.cells(r) for r in self.rows], "text")

    __repr__ = __str__

    def to_markdown(self) -> str:
        """The table as a Markdown pipe table."""
        return render_table(self.header(), [self.cells(r) for r in self.rows], "markdown")

    def to_latex(self) -> str:
        """The table as a LaTeX `tabular` (labels and values in math mode; needs amsmath
        for the matrices)."""
        o = _math(latex_label(self.out))
        header = ["node", "op", "inputs", "forward",
                  rf"$\partial {o}/\partial$node", r"local $\partial$node$/\partial$input",
                  rf"$\partial {o}/\partial$input"]
        rows = []
        for r in self.rows:
            me = _math(latex_label(r.label))

            def per_input(values, top):
                shown = [f"$\\partial {top}/\\partial {_math(latex_label(n))}$ = "
                         f"{latex_array(v)}" for n, v in zip(r.inputs, values) if v is not None]
                return ", ".join(shown) if shown else ("" if r.op == "leaf" else "---")
            rows.append([latex_label(r.label), r"\texttt{" + r.op + "}",
                         ", ".join(latex_label(i) for i in r.inputs), latex_array(r.value),
                         latex_array(r.grad), per_input(r.local, me),
                         per_input(r.to_inputs, o)])
        return render_table(header, rows, "latex")


def _math(label: str) -> str:
    """A label from `latex_label` without its $…$, to compose inside a formula."""
    return label[1:-1] if label.startswith("$") else label


def trace(tape_or_tensor) -> Trace:
    """The forward/backward table of the computation recorded in `tape_or_tensor`: the tape
    of `with xa.inspect.record() as tape:`, or a tensor whose graph is still there (before
    `backward()`, or after `backward(retain_graph=True)`).

    Raises:
        TypeError: for anything else.
        ValueError: for a tensor whose graph `backward()` has freed.
    """
    graph = Graph(tape_or_tensor, "trace")
    rows = []
    for t, inputs, label, names in graph.nodes:
        node = t._ctx
        # ._grad, not .grad: a non-leaf without a kept gradient is no reason to warn here
        grad = None if t._grad is None else t._grad.numpy().copy()
        local = _vjp(node, inputs, np.ones_like(t._data))
        to_inputs = None
        if grad is not None:
            to_inputs = _vjp(node, inputs, grad)
            if to_inputs is not None:  # only what backward really passed on
                to_inputs = tuple(g if needed else None
                                  for g, needed in zip(to_inputs, node.needs_input_grad))
        rows.append(TraceRow(label, node.name, names, t.numpy().copy(), grad,
                             local or (None,) * len(inputs),
                             to_inputs or (None,) * len(inputs),
                             formula(node.name, names, node.attrs)))
    for leaf in graph.leaves:
        rows.append(TraceRow(graph.labels[id(leaf)], "leaf", (), leaf.numpy().copy(),
                             None if leaf.grad is None else leaf.grad.numpy().copy()))
    return Trace(rows)


class Graph:
    """The nodes of a tape or of a tensor's graph in creation order, labelled once for
    `trace` and `to_dot`: `nodes` holds (output tensor, inputs, label, input labels),
    `leaves` the tensors that required a gradient, `labels` id(tensor) -> label."""

    def __init__(self, obj, who: str):
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
        self.nodes = []
        for step, (t, inputs) in enumerate(pairs, start=1):
            names = tuple(self.input_label(i) for i in inputs)
            self.labels[id(t)] = t.name or f"{self.prefix}{step}"
            self.nodes.append((t, inputs, self.labels[id(t)], names))
        if isinstance(obj, Tensor) and obj._ctx is None:
            self.input_label(obj)  # a lone leaf: its own row

    def input_label(self, t) -> str:
        """An input's label: a recorded node, a parameter (θ1, …), data or a constant."""
        if not isinstance(t, Tensor):
            return fmt_array(t)
        if id(t) not in self.labels:
            if t.requires_grad:
                self.leaves.append(t)
                self.labels[id(t)] = t.name or f"θ{len(self.leaves)}"
            else:
                self.labels[id(t)] = t.name or fmt_array(t.numpy())
        return self.labels[id(t)]


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


_INFIX = {"Add": "+", "Sub": "−", "Mul": "·", "Div": "/"}


def formula(op: str, args: tuple, attrs: dict | None = None) -> str:
    """A node as the right side of the notes' equations: Mul(w, x) -> "w·x"."""
    def atom(a):  # a negative constant or a summary gets parentheses
        return f"({a})" if a.startswith("-") or " " in a else a
    if op in _INFIX and len(args) == 2:
        return f"{atom(args[0])} {_INFIX[op]} {atom(args[1])}".replace(" · ", "·")
    if op == "Neg" and len(args) == 1:
        return f"−{atom(args[0])}"
    if op == "Abs" and len(args) == 1:
        return f"|{args[0]}|"
    if op == "PowScalar" and len(args) == 1 and attrs and "exponent" in attrs:
        return f"{atom(args[0])}^{fmt_number(attrs['exponent'])}"
    if op == "Pow" and len(args) == 2:
        return f"{atom(args[0])}^{atom(args[1])}"
    names = {"Maximum": "max", "Minimum": "min", "MaxReduce": "max", "ReLU": "relu"}
    return f"{names.get(op, op.lower())}({', '.join(args)})"
