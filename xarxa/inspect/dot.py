"""Graph drawings: a computation as Graphviz DOT text (`to_dot`) and as an SVG/PNG picture
(`draw`, through Graphviz's `dot` program), drawn the way the notes draw their graphs.

    with xa.inspect.record() as tape:
        loss = xa.abs(xa.relu(w * x + b) - y)
        loss.backward()
    print(xa.inspect.to_dot(tape))          # or to_dot(loss) before backward()
    xa.inspect.draw(tape, "graph.svg", rankdir="LR")   # a chain, left to right

The nodes are `trace`'s (`graph.py`): a loss of `F` is one node (cross-entropy: softmax and
loss), drawn with a double border — `expand=True` draws its implementation instead, framed
and titled with the function's name. Data nodes (boxes) carry the label `trace` uses (the
tensor's name, x1, x2, … or θ1 for an unnamed parameter), the shape of a non-scalar and,
once computed, the value and the gradient (in full up to a 16-vector or an 8×8 matrix, else
mean and norm: `full=`). Op nodes (ellipses) carry the op, its symbol and the notes' node
role (§1.2.3), worded so that it is true of the op: an addition *distributes* the upstream
gradient g to its inputs; a subtraction distributes it with the sign flipped for the second
input (+g, −g); a product *switches* it (each input gets g times the other); a max *routes* it
to the selected input. Parameters are shaded; constants are dashed. A drawing is scaled down,
never up, to fit a 16:9 slide at 96 dpi (1280×720 px: `size=`).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

from ..tensor import Tensor
from .graph import Graph, GraphNode
from .tables import fmt_array, shape_text, shown_in_full, summary

# The notes' node types (§1.2.3), by op name, each worded to be true of the op's backward.
ROLES = {"Add": "distributes", "Sum": "distributes", "Sub": "distributes: +g, −g",  # (named)
         "Neg": "flips the sign: −g", "Mean": "distributes: g/n",
         "Mul": "switches",
         "Maximum": "routes", "Minimum": "routes", "MaxReduce": "routes", "ReLU": "routes",
         "MaxPool2d": "routes"}
_SYMBOLS = {"Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Neg": "−", "MatMul": "@",
            "Maximum": "max", "Minimum": "min", "MaxReduce": "max", "Abs": "|·|"}
FORMATS = ("svg", "png", "pdf")
SLIDE = (13.33, 7.5)   # inches: 1280×720 px at Graphviz's 96 dpi, a 16:9 slide
RANKDIRS = ("TB", "LR", "BT", "RL")

INSTALL_HINT = ("install Graphviz: `sudo apt-get install graphviz` (Debian, Ubuntu), "
                "`brew install graphviz` (macOS) or `conda install graphviz`; or render the "
                "text of xa.inspect.to_dot(...) elsewhere")


def to_dot(tensor_or_tape, name: str = "xarxa", rankdir: str = "TB", expand: bool = False,
           full=None, size=SLIDE) -> str:
    """The computation as Graphviz DOT text (a `digraph`).

    Args:
        tensor_or_tape: the tape of `with xa.inspect.record() as tape:`, or a tensor whose
            graph is still there (before `backward()`, or after `retain_graph=True`).
        name: the graph's name.
        rankdir: 'TB' (inputs at the top), or 'LR' (left to right: a chain such as
            exercise 1.1 fits a slide's width), 'BT', 'RL'.
        expand: draw the implementation of each function called (a loss's ops) instead of
            one node per call.
        full: (longest vector, largest matrix side) written element by element.
        size: (width, height) in inches that the drawing is scaled down to fit (never up);
            None: its natural size.

    Raises:
        TypeError: for anything else; ValueError: for a tensor whose graph was freed, or an
            unknown rankdir.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(RANKDIRS)}, got "
                         f"{rankdir!r}")
    graph = Graph(tensor_or_tape, "to_dot", expand=expand)
    head = [f"digraph {_quote(name)} {{", f"  rankdir={rankdir};",
            "  graph [ranksep=0.2, nodesep=0.2"
            + (f', size="{size[0]:g},{size[1]:g}"' if size else "") + "];",
            '  node [fontname="Helvetica", fontsize=11, margin="0.08,0.03", height=0.3, '
            'width=0.4];',
            "  edge [arrowsize=0.7];"]
    frames: dict[int, tuple] = {}   # id(call) -> (call, its lines): the expanded calls
    body, edges = [], []
    ids: dict[int, str] = {}   # id(tensor or GraphNode) -> DOT node id of its data box
    count = [0]

    def new_id(prefix: str) -> str:
        count[0] += 1
        return f"{prefix}{count[0]}"

    def emit(line: str, scope=None) -> None:
        if scope is None:
            body.append(line)
        else:
            frames.setdefault(id(scope), (scope, []))[1].append(line)

    def data_node(obj, label: str, scope=None) -> str:
        keep = isinstance(obj, Tensor | GraphNode)   # constants get a box per use
        if keep and id(obj) in ids:
            return ids[id(obj)]
        node_id = new_id("t")
        style = ""
        if isinstance(obj, GraphNode):
            text = _data_label(label, obj.value, obj.grad, full)
        elif isinstance(obj, Tensor):
            if obj.requires_grad and obj._ctx is None:
                style = ', style=filled, fillcolor="#dbe9f6"'
            grad = None if obj._grad is None else obj._grad.numpy()  # ._grad: no warning
            if label == fmt_array(obj.numpy(), one_line=True) and grad is None:
                text = label   # an unnamed constant tensor, labelled by its value
            else:
                text = _data_label(label, obj.numpy(), grad, full)
        else:  # a raw constant: its value is its label
            style, text = ", style=dashed", label
        if keep:
            ids[id(obj)] = node_id
        emit(f"  {node_id} [shape=box, label={_label(text)}{style}];", scope)
        return node_id

    for node in graph.nodes:
        op_id = new_id("op")
        text = node.op if node.op not in _SYMBOLS else f"{_SYMBOLS[node.op]} ({node.op})"
        if node.op in ROLES and not node.members:
            text += f"\n{_role(node)}"
        call = ", peripheries=2" if node.members else ""   # a function: expandable
        emit(f"  {op_id} [shape=ellipse, label={_quote(text)}, style=filled, "
             f'fillcolor="#f6ecd2"{call}];', node.scope)
        for i, input_label in zip(node.inputs, node.names):  # a constant: in the op's frame
            scope = None if isinstance(i, Tensor | GraphNode) else node.scope
            edges.append(f"  {data_node(i, input_label, scope)} -> {op_id};")
        out_id = data_node(node, node.label, node.scope)   # its value and gradient
        if node.tensor is not None:                        # what later nodes read
            ids[id(node.tensor)] = out_id
        edges.append(f"  {op_id} -> {out_id};")
    for leaf in graph.leaves:  # a parameter no op used (a lone leaf) still gets its box
        data_node(leaf, graph.labels[id(leaf)])
    lines = head + body
    for k, (scope, inside) in enumerate(frames.values(), start=1):
        lines += [f"  subgraph cluster_{k} {{", f"    label={_quote(scope.name)};",
                  '    style=dashed; color="#888888"; fontname="Helvetica"; fontsize=11;']
        lines += ["  " + line for line in inside]
        lines.append("  }")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


def _role(node: GraphNode) -> str:
    """The notes' node role, naming the inputs where they are treated differently."""
    if node.op == "Sub" and len(node.names) == 2:
        return f"distributes: +g to {node.names[0]}, −g to {node.names[1]}"
    return ROLES[node.op]


def _data_label(label: str, value, grad, full) -> str:
    """A data box as the notes write a node: "x1 = 2" and its gradient; a non-scalar's shape
    in parentheses, a matrix's rows under each other, a large array's mean and norm."""
    array = np.asarray(value)
    head = label if not array.shape else f"{label} ({shape_text(array.shape)})"
    lines = _with_value(head + " =", head, array, full)
    if grad is not None:
        lines += _with_value("grad", "grad", np.asarray(grad), full)
    return "\n".join(lines)


def _with_value(lead: str, alone: str, array, full) -> list:
    if array.size > 1 and not shown_in_full(array.shape, full):
        return [alone, summary(array, shape=False)]
    text = fmt_array(array, full)
    return [f"{lead} {text}"] if "\n" not in text else [lead] + text.split("\n")


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _label(text: str) -> str:
    """A box's DOT label: centred lines, or every line left-justified (\\l) when it holds a
    matrix written over several lines, in a fixed-width font so that its columns line up."""
    if "\n [" in text:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\l")
        return f'"{escaped}\\l", fontname="monospace"'
    return _quote(text)


class Drawing(str):
    """What `draw` returns: the path written (a `str`, as before), or with no path the SVG
    text itself. A notebook cell whose last line is a drawing shows the picture inline
    (`_repr_svg_` for SVG, `_repr_png_` for PNG)."""

    format: str = "svg"
    data: bytes = b""

    def __new__(cls, text: str, fmt: str, data: bytes) -> "Drawing":
        self = super().__new__(cls, text)
        self.format, self.data = fmt, data
        return self

    def _repr_svg_(self) -> str | None:
        return self.data.decode("utf-8") if self.format == "svg" else None

    def _repr_png_(self) -> bytes | None:
        return self.data if self.format == "png" else None


def draw(tensor_or_tape, path=None, format: str | None = None,  # noqa: A002 - dot's word
         rankdir: str = "TB", expand: bool = False, full=None, size=SLIDE) -> Drawing:
    """Write the graph of `to_dot(tensor_or_tape, ...)` as a picture by running Graphviz's
    `dot`.

    Args:
        path: the file to write; its suffix (.svg, .png, .pdf) gives the format. None:
            write no file and return the SVG (for a notebook: `draw(tape)` as a cell's last
            line shows the graph inline).
        format: 'svg', 'png' or 'pdf', overriding the suffix.
        rankdir, expand, full, size: as `to_dot`'s ('LR' draws a chain left to right;
            `expand=True` a loss's implementation; `size` the slide it is scaled to fit).

    Returns the path written (a `Drawing`: a str that a notebook shows as the picture), or
    with no path the SVG text (a `Drawing` too).

    Raises:
        FileNotFoundError: when the `dot` program is not installed (the message says how).
        ValueError: for an unknown format; RuntimeError: when `dot` fails.
    """
    path = None if path is None else os.fspath(path)
    suffix = "svg" if path is None else os.path.splitext(path)[1].lstrip(".")
    fmt = (format or suffix).lower()
    if fmt not in FORMATS or (path is None and fmt != "svg"):
        where = f"the suffix of {path!r} or format=" if path else "format= without a path"
        allowed = ", ".join(FORMATS) if path else "svg"
        raise ValueError(f"draw: the format must be one of {allowed} (from {where}), got "
                         f"{fmt!r}")
    text = to_dot(tensor_or_tape, rankdir=rankdir, expand=expand, full=full, size=size)
    program = shutil.which("dot")
    if program is None:
        raise FileNotFoundError(f"draw: Graphviz's `dot` program is not on PATH; "
                                f"{INSTALL_HINT}")
    result = subprocess.run([program, f"-T{fmt}"], input=text.encode(),
                            capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        where = f" writing {path!r}" if path else ""
        raise RuntimeError(f"draw: `dot -T{fmt}` failed{where}: "
                           f"{result.stderr.decode(errors='replace').strip()}")
    if path is None:
        return Drawing(result.stdout.decode("utf-8"), fmt, result.stdout)
    with open(path, "wb") as f:
        f.write(result.stdout)
    return Drawing(path, fmt, result.stdout)
