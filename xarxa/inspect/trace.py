"""`trace`: the forward/backward table of a recorded computation, as the notes lay out
their exercises (x₁ = w·x = 2, ∂L/∂x₁ = 1, …).

    with xa.inspect.record() as tape:
        loss = xa.abs(y - xa.relu(w * x + b))
        loss.backward()
    print(xa.inspect.trace(tape))

Each row is one graph node in the order it was computed: its label (the tensor's `name`,
or x1, x2, … like the notes), the op, its inputs' labels, its forward value and, after
`backward()`, the gradient of the output with respect to it. Leaves that required a
gradient (the parameters) follow, with their gradients.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd.record import Tape
from ..tensor import Tensor


@dataclass
class TraceRow:
    label: str
    op: str             # the Function's name; "leaf" for parameters and inputs
    inputs: tuple       # labels of the inputs (constants shown by value)
    value: np.ndarray
    grad: np.ndarray | None


class Trace:
    """The rows of a trace; `str()` gives the table, `rows` the data."""

    def __init__(self, rows: list[TraceRow]):
        self.rows = rows

    def __getitem__(self, label: str) -> TraceRow:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(f"trace: no node labelled {label!r}; labels are "
                       f"{[r.label for r in self.rows]}")

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        header = ("node", "op", "inputs", "forward", "backward (∂out/∂node)")
        lines = [(r.label, r.op, ", ".join(r.inputs), _show(r.value), _show(r.grad))
                 for r in self.rows]
        widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
                  for i, h in enumerate(header)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        out += [fmt.format(*line) for line in lines]
        return "\n".join(out)

    __repr__ = __str__


def _show(array) -> str:
    if array is None:
        return "—"
    array = np.asarray(array)
    if array.size == 1:
        return f"{array.item():.6g}"
    if array.size <= 6:  # on one line, whatever the array's rank, to keep the columns
        return " ".join(np.array2string(array, precision=4, separator=", ").split())
    return f"array{array.shape} mean={array.mean():.4g}"


def trace(tape: Tape) -> Trace:
    """The forward/backward table of the computation recorded in `tape`.

    Raises:
        TypeError: when `tape` is not what `xa.inspect.record()` returned.
    """
    if not isinstance(tape, Tape):
        raise TypeError(f"trace: expected the tape of `with xa.inspect.record() as tape:`, "
                        f"got {type(tape).__name__}")
    labels: dict[int, str] = {}
    leaves: list[Tensor] = []

    def label_of(t) -> str:  # an input: a recorded node, a parameter, data or a constant
        if not isinstance(t, Tensor):
            return _show(t)
        if id(t) not in labels:
            if t.requires_grad:
                leaves.append(t)
                labels[id(t)] = t.name or f"θ{len(leaves)}"
            else:
                labels[id(t)] = t.name or _show(t.numpy())
        return labels[id(t)]

    rows = []
    for step, (t, inputs) in enumerate(zip(tape.tensors, tape.inputs), start=1):
        names = tuple(label_of(i) for i in inputs)
        labels[id(t)] = t.name or f"x{step}"
        rows.append(TraceRow(labels[id(t)], t.grad_fn.name, names, t.numpy().copy(),
                             None if t.grad is None else t.grad.numpy().copy()))
    for leaf in leaves:
        rows.append(TraceRow(labels[id(leaf)], "leaf", (), leaf.numpy().copy(),
                             None if leaf.grad is None else leaf.grad.numpy().copy()))
    return Trace(rows)
