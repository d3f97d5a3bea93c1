"""inspect.to_dot / draw: the graph of exercise 1.1 as Graphviz DOT, checked by parsing the
node and edge statements (not by comparing strings), and drawn to SVG/PNG by `dot`."""
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import xarxa as xa
from notes import EX_1_1_B, EX_1_1_W, EX_1_1_X, EX_1_1_Y

_NODE = re.compile(r"^\s*(\w+)\s*\[(.*)\];$")
_EDGE = re.compile(r"^\s*(\w+)\s*->\s*(\w+)\s*;$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')


def _attrs(text):
    attrs = {}
    for key, value in _ATTR.findall(text):
        if value.startswith('"'):   # \n and \l (a left-justified line) end lines
            value = re.sub(r"\\(.)", lambda e: "\n" if e.group(1) in "nl" else e.group(1),
                           value[1:-1]).removesuffix("\n")
        attrs[key] = value
    return attrs


def parse_dot(text, frames=None, graph=None):
    """{node id: {attribute: value}} and [(tail, head)] of the subset to_dot writes; filled
    in, when given: `frames` {frame label: [node ids]}, `graph` the graph's attributes."""
    lines = text.strip().splitlines()
    assert re.fullmatch(r'digraph "[^"]*" \{', lines[0]) and lines[-1] == "}"
    graph = {} if graph is None else graph
    frames = {} if frames is None else frames
    nodes, edges, frame = {}, [], None
    for line in lines[1:-1]:
        if m := _EDGE.match(line):
            edges.append(m.groups())
        elif m := _NODE.match(line):
            if m.group(1) in ("node", "edge", "graph"):
                graph.update(_attrs(m.group(2)) if m.group(1) == "graph" else {})
                continue
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = _attrs(m.group(2))
            if frame is not None:
                frame.append(m.group(1))
        elif re.fullmatch(r"\s*subgraph cluster_\d+ \{", line):
            frame = []
        elif frame is not None and (m := re.fullmatch(r'\s*label=("[^"]*");', line)):
            frames[_attrs("label=" + m.group(1))["label"]] = frame
        elif frame is not None and line.strip() == "}":
            frame = None
        elif frame is not None:
            assert re.fullmatch(r'\s*(\w+=("[^"]*"|\w+); ?)+', line), f"unexpected {line!r}"
        else:
            m = re.fullmatch(r"\s*(\w+)=(\w+);", line)
            assert m, f"unexpected DOT line {line!r}"
            graph[m.group(1)] = m.group(2)
    for tail, head in edges:
        assert tail in nodes and head in nodes, f"edge {tail} -> {head} to an unknown node"
    return nodes, edges


def _exercise_1_1(backward=True):
    w = xa.tensor(EX_1_1_W, requires_grad=True, name="w")
    b = xa.tensor(EX_1_1_B, requires_grad=True, name="b")
    x, y = xa.tensor(EX_1_1_X, name="x"), xa.tensor(EX_1_1_Y, name="y")
    with xa.inspect.record() as tape:
        loss = xa.abs(xa.relu(w * x + b) - y)
        if backward:
            loss.backward()
    return tape, loss


def _by_label(nodes):
    """data nodes by their first label line, op nodes by op name (in the parentheses)."""
    data, ops = {}, {}
    for node_id, attrs in nodes.items():
        first = attrs["label"].split("\n")[0]
        if attrs["shape"] == "box":
            first = first.split(" ")[0]          # "x1 = 2", "a (2) = [1, 3]" -> its label
            assert first not in data, f"two data nodes labelled {first}"
            data[first] = node_id
        else:
            assert attrs["shape"] == "ellipse"
            op = re.search(r"\((\w+)\)$", first)
            ops[op.group(1) if op else first] = node_id
    return data, ops


def test_dot_names_every_node_and_edge_of_exercise_1_1():
    tape, _ = _exercise_1_1()
    nodes, edges = parse_dot(xa.inspect.to_dot(tape))
    data, ops = _by_label(nodes)
    assert set(data) == {"w", "b", "x", "y", "x1", "x2", "x3", "x4", "x5"}
    assert set(ops) == {"Mul", "Add", "ReLU", "Sub", "Abs"}
    expected = {("w", "Mul"), ("x", "Mul"), ("Mul", "x1"), ("x1", "Add"), ("b", "Add"),
                ("Add", "x2"), ("x2", "ReLU"), ("ReLU", "x3"), ("x3", "Sub"), ("y", "Sub"),
                ("Sub", "x4"), ("x4", "Abs"), ("Abs", "x5")}
    ids = {**data, **ops}
    assert set(edges) == {(ids[a], ids[b]) for a, b in expected}
    assert len(edges) == len(expected)
    # the notes' node roles, in the op labels, true of each op: the subtraction's second
    # input gets the gradient with its sign flipped
    assert nodes[ops["Add"]]["label"].endswith("distributes")
    assert nodes[ops["Mul"]]["label"].endswith("switches")
    assert nodes[ops["Sub"]]["label"].endswith("distributes: +g to x3, −g to y")
    assert nodes[ops["ReLU"]]["label"].endswith("routes")
    assert nodes[ops["Abs"]]["label"] == "|·| (Abs)"      # no role claimed
    # value and gradient as the notes write them, scalars without a shape; parameters shaded
    w = nodes[data["w"]]["label"].split("\n")
    assert w == [f"w = {EX_1_1_W:g}", "grad 1"]
    assert nodes[data["w"]].get("style") == "filled"
    assert nodes[data["x2"]]["label"].split("\n") == ["x2 = 2", "grad 1"]
    assert nodes[data["x"]]["label"] == f"x = {EX_1_1_X:g}"
    assert not any("shape" in n["label"] for n in nodes.values())


def test_max_routes_and_a_tensor_graph_before_backward():
    a = xa.tensor([1.0, 3.0], requires_grad=True, name="a")
    out = xa.maximum(a, xa.tensor([2.0, 2.0], name="c")).sum()
    nodes, edges = parse_dot(xa.inspect.to_dot(out))
    data, ops = _by_label(nodes)
    assert set(ops) == {"Maximum", "Sum"} and set(data) == {"a", "c", "x1", "x2"}
    assert nodes[ops["Maximum"]]["label"].endswith("routes")
    assert nodes[data["a"]]["label"] == "a (2) = [1, 3]"
    assert not any("grad" in n["label"] for n in nodes.values())   # no backward yet
    assert len(edges) == 5
    out.backward()
    with pytest.raises(ValueError, match="to_dot: the graph through Sum was freed"):
        xa.inspect.to_dot(out)
    with pytest.raises(TypeError, match="to_dot: expected the tape"):
        xa.inspect.to_dot("graph")


def test_labels_with_quotes_are_escaped():
    w = xa.tensor(1.0, requires_grad=True, name='w"1\\')
    nodes, _ = parse_dot(xa.inspect.to_dot(w * 2.0))
    assert any(n["label"].startswith('w"1\\ = 1') for n in nodes.values())


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (.ci/run installs it)")
def test_draw_writes_svg_and_png(tmp_path):
    tape, _ = _exercise_1_1()
    path = xa.inspect.draw(tape, tmp_path / "graph.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert {"w = 2", "x1 = 2", "distributes", "switches"} <= texts
    png = tmp_path / "graph.png"
    xa.inspect.draw(tape, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_draw_without_graphviz_says_how_to_install_it(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    tape, _ = _exercise_1_1()
    with pytest.raises(FileNotFoundError, match="apt-get install graphviz"):
        xa.inspect.draw(tape, tmp_path / "graph.svg")
    assert not (tmp_path / "graph.svg").exists()


def test_draw_refuses_an_unknown_format(tmp_path):
    tape, _ = _exercise_1_1(backward=False)
    with pytest.raises(ValueError, match="draw: the format must be one of svg, png, pdf"):
        xa.inspect.draw(tape, tmp_path / "graph.jpeg")


def _png_size(path):
    import struct
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])        # IHDR: width, height


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_exercise_1_1_fits_a_slide(tmp_path):
    """At Graphviz's 96 dpi: top to bottom no taller than 700 px without any scaling, left
    to right one strip as wide as a 1280 px slide; larger drawings are scaled down to fit."""
    tape, _ = _exercise_1_1()
    graph = {}
    parse_dot(xa.inspect.to_dot(tape), graph=graph)
    assert graph["size"] == "13.33,7.5" and graph["rankdir"] == "TB"
    width, height = _png_size(xa.inspect.draw(tape, tmp_path / "tb.png", size=None))
    assert height <= 700 and width <= 400
    width, height = _png_size(xa.inspect.draw(tape, tmp_path / "lr.png", rankdir="LR"))
    assert width <= 1280 and height <= 200
    huge = xa.tensor(1.0, requires_grad=True, name="a")
    with xa.inspect.record() as long_tape:
        out = huge
        for _ in range(30):
            out = xa.relu(out * 1.0 + 0.0)
    assert _png_size(xa.inspect.draw(long_tape, tmp_path / "long.png"))[1] <= 720
    with pytest.raises(ValueError, match="to_dot: rankdir must be one of TB, LR"):
        xa.inspect.to_dot(tape, rankdir="down")


def _huber_tape():
    w = xa.tensor(0.9, requires_grad=True, name="w")
    with xa.inspect.record() as tape:
        loss = xa.nn.functional.huber_loss(w * 2.0 + 0.1, xa.tensor(2.0, name="y"), delta=0.11)
        loss.backward()
    return tape


def test_a_loss_is_one_node_and_expands_to_its_implementation_in_a_frame():
    nodes, edges = parse_dot(xa.inspect.to_dot(_huber_tape()))
    data, ops = _by_label(nodes)
    assert set(ops) == {"Mul", "Add", "huber_loss"}
    assert nodes[ops["huber_loss"]]["peripheries"] == "2"      # a function: expandable
    assert nodes[data["x3"]]["label"].split("\n") == ["x3 = 0.005", "grad 1"]
    assert {(data["x2"], ops["huber_loss"]), (data["y"], ops["huber_loss"]),
            (ops["huber_loss"], data["x3"])} <= set(edges)
    frames = {}
    nodes, edges = parse_dot(xa.inspect.to_dot(_huber_tape(), expand=True), frames)
    data, ops = _by_label(nodes)
    assert "huber_loss" not in ops and {"Clamp", "Where", "Reduce", "Abs"} <= set(ops)
    assert list(frames) == ["huber_loss"]
    inside = set(frames["huber_loss"])
    assert {ops["Where"], ops["Reduce"], data["x11"]} <= inside     # framed, titled
    assert data["x1"] not in inside and data["w"] not in inside     # w·2 is the user's


def test_cross_entropy_draws_the_softmax_and_the_loss():
    a = xa.tensor([[2.0, 0.5, -1.0]], requires_grad=True, name="a")
    with xa.inspect.record() as tape:
        xa.nn.functional.cross_entropy(a, xa.tensor([0], name="y")).backward()
    nodes, edges = parse_dot(xa.inspect.to_dot(tape))
    data, ops = _by_label(nodes)
    assert set(ops) == {"softmax", "cross_entropy"} and set(data) == {"a", "y", "x1", "x2"}
    assert {(data["a"], ops["softmax"]), (ops["softmax"], data["x1"]),
            (data["x1"], ops["cross_entropy"]), (data["y"], ops["cross_entropy"]),
            (ops["cross_entropy"], data["x2"])} == set(edges)
    assert nodes[data["x1"]]["label"].startswith("x1 (1×3) = [[0.7856, 0.1753, 0.03911]]")


def test_a_matrix_is_drawn_row_by_row_in_a_fixed_width_font():
    layer = xa.nn.Linear(2, 8)
    layer.weight.name = "W"
    with xa.inspect.record() as tape:
        layer(xa.tensor([[1.0, -2.0]], name="x")).sum().backward()
    nodes, _ = parse_dot(xa.inspect.to_dot(tape))
    data, _ = _by_label(nodes)
    w = nodes[data["W"]]
    lines = w["label"].split("\n")
    assert lines[0] == "W (8×2) =" and len(lines) == 1 + 8 + 1 + 8      # value, grad
    assert w["fontname"] == "monospace" and len({len(x) for x in lines[2:8]}) == 1
    nodes, _ = parse_dot(xa.inspect.to_dot(tape, full=(16, 4)))
    data, _ = _by_label(nodes)
    assert nodes[data["W"]]["label"].split("\n")[:2] == ["W (8×2)", "mean " + nodes[
        data["W"]]["label"].split("\n")[1].split("mean ")[1]]
