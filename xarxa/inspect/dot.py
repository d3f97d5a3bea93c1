"""Graph drawings: a computation as Graphviz DOT text (`to_dot`) and as an SVG/PNG picture
(`draw`, through Graphviz's `dot` program), drawn the way the notes draw their graphs.

    with xa.inspect.record() as tape:
        loss = xa.abs(xa.relu(w * x + b) - y)
        loss.backward()
    print(xa.inspect.to_dot(tape))          # or to_dot(loss) before backward()
    xa.inspect.draw(tape, "graph.svg")

Data nodes (boxes) carry the label `trace` uses (the tensor's name, x1, x2, … or θ1 for an
unnamed parameter), the shape and, once computed, the value and the gradient (arrays of more
than six elements summarised by mean and norm). Op nodes (ellipses) carry the op, its
symbol and the notes' node role (§1.2.3): an addition *distributes* the upstream gradient,
a product *switches* it (each input gets the other's value), a max *routes* it to the
selected input. Parameters are shaded; constants are dashed.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

from ..tensor import Tensor
from .tables import fmt_array
from .trace import Graph

# The notes' node types (§1.2.3), by op name, and the symbol drawn for an op.
ROLES = {"Add": "distributes", "Sub": "distributes", "Sum": "distributes",
         "Mul": "switches",
         "Maximum": "routes", "Minimum": "routes", "MaxReduce": "routes", "ReLU": "routes",
         "MaxPool2d": "routes"}
_SYMBOLS = {"Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Neg": "−", "MatMul": "@",
            "Maximum": "max", "Minimum": "min", "MaxReduce": "max", "Abs": "|·|"}
FORMATS = ("svg", "png", "pdf")

INSTALL_HINT = ("install Graphviz: `sudo apt-get install graphviz` (Debian, Ubuntu), "
                "`brew install graphviz` (macOS) or `conda install graphviz`; or render the "
                "text of xa.inspect.to_dot(...) elsewhere")


def to_dot(tensor_or_tape, name: str = "xarxa") -> str:
    """The computation as Graphviz DOT text (a `digraph`, inputs at the top).

    Args:
        tensor_or_tape: the tape of `with xa.inspect.record() as tape:`, or a tensor whose
            graph is still there (before `backward()`, or after `retain_graph=True`).
        name: the graph's name.

    Raises:
        TypeError: for anything else; ValueError: for a tensor whose graph was freed.
    """
    graph = Graph(tensor_or_tape, "to_dot")
    lines = [f"digraph {_quote(name)} {{", "  rankdir=TB;",
             '  node [fontname="Helvetica", fontsize=11];']
    ids: dict[int, str] = {}   # id(tensor) -> DOT node id of its data node
    count = [0]

    def new_id(prefix: str) -> str:
        count[0] += 1
        return f"{prefix}{count[0]}"

    def data_node(obj, label: str) -> str:
        if isinstance(obj, Tensor) and id(obj) in ids:
            return ids[id(obj)]
        node_id = new_id("t")
        if isinstance(obj, Tensor):
            ids[id(obj)] = node_id
            style = ', style=filled, fillcolor="#dbe9f6"' if obj.requires_grad \
                and obj._ctx is None else ""
            text = _data_label(label, obj)
        else:  # a raw constant
            style, text = ", style=dashed", _data_label(label, np.asarray(obj), grad=False)
        lines.append(f"  {node_id} [shape=box, label={_quote(text)}{style}];")
        return node_id

    for t, inputs, label, names in graph.nodes:
        op = t._ctx.name
        op_id = new_id("op")
        text = op if op not in _SYMBOLS else f"{_SYMBOLS[op]} ({op})"
        if op in ROLES:
            text += f"\n{ROLES[op]}"
        lines.append(f"  {op_id} [shape=ellipse, label={_quote(text)}, "
                     'style=filled, fillcolor="#f6ecd2"];')
        for i, input_label in zip(inputs, names):
            lines.append(f"  {data_node(i, input_label)} -> {op_id};")
        lines.append(f"  {op_id} -> {data_node(t, label)};")
    for leaf in graph.leaves:  # a parameter no op used (a lone leaf) still gets its box
        data_node(leaf, graph.labels[id(leaf)])
    lines.append("}")
    return "\n".join(lines) + "\n"


def _data_label(label: str, value, grad: bool = True) -> str:
    array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    parts = [label, f"shape {tuple(array.shape)}", f"value {fmt_array(array)}"]
    if grad and isinstance(value, Tensor) and value._grad is not None:  # ._grad: no warning
        parts.append(f"grad {fmt_array(value._grad.numpy())}")
    return "\n".join(parts)


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def draw(tensor_or_tape, path, format: str | None = None) -> str:  # noqa: A002 - dot's word
    """Write the graph of `to_dot(tensor_or_tape)` as a picture by running Graphviz's `dot`.

    Args:
        path: the file to write; its suffix (.svg, .png, .pdf) gives the format.
        format: 'svg', 'png' or 'pdf', overriding the suffix.

    Returns the path written.

    Raises:
        FileNotFoundError: when the `dot` program is not installed (the message says how).
        ValueError: for an unknown format; RuntimeError: when `dot` fails.
    """
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"draw: the format must be one of {', '.join(FORMATS)} (from the "
                         f"suffix of {path!r} or format=), got {fmt!r}")
    text = to_dot(tensor_or_tape)
    program = shutil.which("dot")
    if program is None:
        raise FileNotFoundError(f"draw: Graphviz's `dot` program is not on PATH; "
                                f"{INSTALL_HINT}")
    result = subprocess.run([program, f"-T{fmt}", "-o", path], input=text.encode(),
                            capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"draw: `dot -T{fmt}` failed writing {path!r}: "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return path
