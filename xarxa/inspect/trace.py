"""`trace`: the forward/backward table of a recorded computation, as the notes lay out
their exercises (x₁ = w·x = 2, ∂L/∂x₂ = ∂x₃/∂x₂(2)·∂L/∂x₃ = 1, …).

    with xa.inspect.record() as tape:
        loss = F.huber_loss(w * x + b, y, delta=0.11)
        loss.backward()
    table = xa.inspect.trace(tape)
    print(table)                 # aligned text; table.to_markdown(), table.to_latex()

Each row is one node in the order it was computed: its label (the tensor's `name`, or x1,
x2, … like the notes), the op, its inputs' labels, its forward value, the gradient of the
output with respect to it (the *upstream* gradient the node receives), the node's *local*
derivatives ∂node/∂input, and what it passes to each input (∂out/∂input = local · upstream,
the notes' chain rule). Leaves that required a gradient (the parameters) follow, with their
gradients.

The nodes are the notes' (`graph.py` says how): a loss of `F` called while recording is one
row — `huber_loss`, `mse_loss`, … with ∂L/∂ŷ as its local derivative — and cross-entropy two,
the softmax S and the loss; `trace(..., expand=True)` lists the ops of their implementations
instead. Values are printed in full up to the size a student can read (every element of a
vector of up to 16, of a matrix of up to 8×8: `full=`, default `tables.FULL`) and summarised
by shape, mean and norm beyond.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import Graph, GraphNode  # noqa: F401  (Graph: the nodes `to_dot` draws too)
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
    same table for a notebook or a report, `rows` the data. As a notebook cell's last
    line it shows as a table (HTML, and Markdown for other front ends).

    `out` names the differentiated output in the headers ("out"; `xarxa solve` sets "L");
    `full` is what is printed element by element (`tables.shown_in_full`).
    """

    def __init__(self, rows: list[TraceRow], out: str = "out", full=None):
        self.rows = rows
        self.out = out
        self.full = full   # what is printed in full (None: `tables.FULL` when printed)

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
        """One row's cells in plain Unicode (the text and Markdown tables); a matrix in full
        takes a line per row, and then each input's value starts a line of its own."""
        def per_input(values):
            shown = [(name, fmt_array(v, self.full)) for name, v in zip(row.inputs, values)
                     if v is not None]
            if not shown:
                return "" if row.op == "leaf" else "—"
            if not any("\n" in text for _, text in shown):
                return ", ".join(f"{name}: {text}" for name, text in shown)
            return "\n".join(f"{name}: " + text.replace("\n", "\n" + " " * (len(name) + 2))
                             for name, text in shown)
        return [row.label, row.op, ", ".join(row.inputs), fmt_array(row.value, self.full),
                fmt_array(row.grad, self.full), per_input(row.local),
                per_input(row.to_inputs)]

    def __str__(self) -> str:
        return render_table(self.header(), [self.cells(r) for r in self.rows], "text")

    __repr__ = __str__

    def to_markdown(self) -> str:
        """The table as a Markdown pipe table."""
        return render_table(self.header(), [self.cells(r) for r in self.rows], "markdown")

    def _repr_markdown_(self) -> str:   # a notebook's cell shows the table (notebook.py)
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from .notebook import table_html
        return table_html(self.header(), [self.cells(r) for r in self.rows])

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
                         f"{latex_array(v, self.full)}" for n, v in zip(r.inputs, values)
                         if v is not None]
                return ", ".join(shown) if shown else ("" if r.op == "leaf" else "---")
            rows.append([latex_label(r.label), r"\texttt{" + r.op + "}",
                         ", ".join(latex_label(i) for i in r.inputs),
                         latex_array(r.value, self.full), latex_array(r.grad, self.full),
                         per_input(r.local, me),
                         per_input(r.to_inputs, o)])
        return render_table(header, rows, "latex")


def _math(label: str) -> str:
    """A label from `latex_label` without its $…$, to compose inside a formula."""
    return label[1:-1] if label.startswith("$") else label


def trace(tape_or_tensor, expand: bool = False, full=None) -> Trace:
    """The forward/backward table of the computation recorded in `tape_or_tensor`: the tape
    of `with xa.inspect.record() as tape:`, or a tensor whose graph is still there (before
    `backward()`, or after `backward(retain_graph=True)`).

    Args:
        expand: show every node of the functions called (a loss's implementation) instead
            of one row per call as the notes draw it (calls are known to a recorded pass).
        full: (longest vector, largest matrix side) printed element by element; larger
            values are summarised (default `xarxa.inspect.tables.FULL`, (16, 8)).

    Raises:
        TypeError: for anything else.
        ValueError: for a tensor whose graph `backward()` has freed.
    """
    graph = Graph(tape_or_tensor, "trace", expand=expand)
    rows = []
    for node in graph.nodes:
        local, to_inputs = node.derivatives()
        rows.append(TraceRow(node.label, node.op, node.names, node.value, node.grad, local,
                             to_inputs, formula(node.op, node.names, node.attrs)))
    for leaf in graph.leaves:
        rows.append(TraceRow(graph.labels[id(leaf)], "leaf", (), leaf.numpy().copy(),
                             None if leaf.grad is None else leaf.grad.numpy().copy()))
    return Trace(rows, full=full)


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
