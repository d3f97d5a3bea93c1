"""inspect.to_dot / draw: the graph of exercise 1.1 as Graphviz DOT, checked by parsing the
node and edge statements (not by comparing strings), and drawn to SVG/PNG by `dot`."""
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import xarxa as xa
from notes import EX_1_1_B, EX_1_1_W, EX_1_1_X, EX_1_1_Y

_NODE = re.compile(r"^\s*(\w+)\s*\[(.*)\];$")
_EDGE = re.compile(r"^\s*(\w+)\s*->\s*(\w+)\s*;$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')


def parse_dot(text):
    """{node id: {attribute: value}} and [(tail, head)] of the subset to_dot writes."""
    lines = text.strip().splitlines()
    assert re.fullmatch(r'digraph "[^"]*" \{', lines[0]) and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := _EDGE.match(line):
            edges.append(m.groups())
        elif m := _NODE.match(line):
            if m.group(1) in ("node", "edge", "graph"):
                continue
            attrs = {}
            for key, value in _ATTR.findall(m.group(2)):
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1),
                                   value[1:-1])
                attrs[key] = value
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = attrs
        else:
            assert re.fullmatch(r"\s*\w+=\w+;", line), f"unexpected DOT line {line!r}"
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
    # the notes' node roles, in the op labels
    assert nodes[ops["Add"]]["label"].endswith("distributes")
    assert nodes[ops["Mul"]]["label"].endswith("switches")
    # value and gradient, once computed; the parameters are shaded
    w = nodes[data["w"]]["label"].split("\n")
    assert w == ["w", "shape ()", f"value {EX_1_1_W:g}", "grad 1"]
    assert nodes[data["w"]].get("style") == "filled"
    assert nodes[data["x2"]]["label"].split("\n")[2:] == ["value 2", "grad 1"]
    assert "grad" not in nodes[data["x"]]["label"]


def test_max_routes_and_a_tensor_graph_before_backward():
    a = xa.tensor([1.0, 3.0], requires_grad=True, name="a")
    out = xa.maximum(a, xa.tensor([2.0, 2.0], name="c")).sum()
    nodes, edges = parse_dot(xa.inspect.to_dot(out))
    data, ops = _by_label(nodes)
    assert set(ops) == {"Maximum", "Sum"} and set(data) == {"a", "c", "x1", "x2"}
    assert nodes[ops["Maximum"]]["label"].endswith("routes")
    assert "shape (2,)" in nodes[data["a"]]["label"]
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
    assert any(n["label"].startswith('w"1\\\n') for n in nodes.values())


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (.ci/run installs it)")
def test_draw_writes_svg_and_png(tmp_path):
    tape, _ = _exercise_1_1()
    path = xa.inspect.draw(tape, tmp_path / "graph.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert {"w", "x1", "distributes", "switches"} <= texts
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
