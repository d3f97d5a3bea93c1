"""inspect.trace as the notes' tables: local derivatives beside the upstream and resulting
gradients, in text, Markdown and LaTeX; exercise 1.1 with the notes' numbers and the XOR
network of exercise 1.5 with the notes' values and PyTorch's derivatives."""
import re

import numpy as np
import pytest
import torch

import xarxa as xa
from notes import (EX_1_1_B, EX_1_1_DLOSS_DYHAT, EX_1_1_FORWARD, EX_1_1_LOCAL_ADD,
                   EX_1_1_LOCAL_RELU, EX_1_1_LOSS, EX_1_1_UPSTREAM, EX_1_1_W, EX_1_1_X,
                   EX_1_1_Y, EX_1_5_C1, EX_1_5_HIDDEN_AT_00, EX_1_5_TRUTH_TABLE, EX_1_5_W1,
                   EX_1_5_W2)


def _exercise_1_1():
    w = xa.tensor(EX_1_1_W, requires_grad=True, name="w")
    b = xa.tensor(EX_1_1_B, requires_grad=True, name="b")
    x, y = xa.tensor(EX_1_1_X, name="x"), xa.tensor(EX_1_1_Y, name="y")
    with xa.inspect.record() as tape:
        loss = xa.abs(xa.relu(w * x + b) - y)   # x1 = w·x, x2 = x1 + b, x3 = ReLU(x2)
        loss.backward()
    return xa.inspect.trace(tape)


def test_exercise_1_1_local_derivatives_upstream_and_results():
    t = _exercise_1_1()
    # the product node switches: ∂x1/∂w = x, ∂x1/∂x = w
    assert [float(v) for v in t["x1"].local] == [EX_1_1_X, EX_1_1_W]
    assert [float(v) for v in t["x2"].local] == [EX_1_1_LOCAL_ADD, EX_1_1_LOCAL_ADD]
    assert float(t["x3"].local[0]) == EX_1_1_LOCAL_RELU
    assert float(t["x5"].local[0]) == EX_1_1_DLOSS_DYHAT   # d|e|/de at e = ŷ − y = 1
    for label, upstream in EX_1_1_UPSTREAM.items():
        assert float(t[label].grad) == upstream
    # ∂L/∂x2 = ∂x3/∂x2(2)·∂L/∂x3 = 1, passed on by the ReLU node to x2
    assert float(t["x3"].to_inputs[0]) == EX_1_1_LOCAL_RELU * EX_1_1_UPSTREAM["x3"]
    # x needs no gradient: its local derivative is shown, nothing is passed to it
    assert t["x1"].to_inputs[1] is None and float(t["x1"].to_inputs[0]) == EX_1_1_X
    assert [t[k].formula for k in ("x1", "x2", "x3", "x5")] == ["w·x", "x1 + b", "relu(x2)",
                                                                "|x4|"]
    assert float(t["x3"].value) == EX_1_1_FORWARD and float(t["x5"].value) == EX_1_1_LOSS


def _markdown_rows(text):
    lines = text.strip().splitlines()
    assert re.fullmatch(r"\|(---\|)+", lines[1])
    split = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return split[0], split[2:]


def test_markdown_table_has_every_column_per_row():
    header, rows = _markdown_rows(_exercise_1_1().to_markdown())
    assert header[:4] == ["node", "op", "inputs", "forward"] and len(header) == 7
    assert all(len(r) == 7 for r in rows)
    x2 = next(r for r in rows if r[0] == "x2")
    assert x2[1:5] == ["Add", "x1, b", "2", "1"]
    assert x2[5] == "x1: 1, b: 1" and x2[6] == "x1: 1, b: 1"


def test_latex_table_is_a_tabular_with_math_labels():
    text = _exercise_1_1().to_latex()
    lines = text.splitlines()
    assert lines[0] == r"\begin{tabular}{lllllll}" and lines[-1] == r"\end{tabular}"
    body = [line for line in lines if line.endswith(r"\\")]
    assert len(body) == 1 + 7            # header, five nodes, two parameters
    assert all(line.count(" & ") == 6 for line in body)
    x2 = next(line for line in body if line.startswith("$x_{2}$"))
    assert r"$\partial x_{2}/\partial x_{1}$ = $1$" in x2
    assert "_" not in re.sub(r"\$[^$]*\$", "", text)   # every _ sits in math mode


def _xor(x1, x2):
    W1 = xa.tensor(EX_1_5_W1, dtype=xa.float64, requires_grad=True, name="W")
    c = xa.tensor(EX_1_5_C1, dtype=xa.float64, requires_grad=True, name="c")
    w2 = xa.tensor(EX_1_5_W2, dtype=xa.float64, requires_grad=True, name="w2")
    x = xa.tensor([x1, x2], dtype=xa.float64, name="x")
    with xa.inspect.record() as tape:
        h = W1.matmul(x) + c      # h = W x + c
        g = xa.relu(h)            # g(h) = max(0, h)
        y = (g * w2).sum()        # y = g(h)·w
        y.backward()
    return xa.inspect.trace(tape)


def _xor_torch(x1, x2):
    W1 = torch.tensor(EX_1_5_W1, dtype=torch.float64, requires_grad=True)
    c = torch.tensor(EX_1_5_C1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(EX_1_5_W2, dtype=torch.float64, requires_grad=True)
    x = torch.tensor([x1, x2], dtype=torch.float64)
    h = W1 @ x + c
    h.retain_grad()
    g = torch.relu(h)
    g.retain_grad()
    y = (g * w2).sum()
    y.backward()
    return W1, c, w2, h, g, y


@pytest.mark.parametrize("inputs", list(EX_1_5_TRUTH_TABLE))
def test_xor_network_of_exercise_1_5(inputs):
    t = _xor(*map(float, inputs))
    ops = [r.op for r in t.rows]
    assert ops == ["MatMul", "Add", "ReLU", "Mul", "Sum", "leaf", "leaf", "leaf"]
    assert float(t.rows[4].value) == EX_1_5_TRUTH_TABLE[inputs]      # the XOR gate
    if inputs == (0, 0):
        np.testing.assert_array_equal(t.rows[1].value, EX_1_5_HIDDEN_AT_00)
    W1, c, w2, h, g, y = _xor_torch(*map(float, inputs))
    np.testing.assert_allclose(t.rows[1].value, h.detach().numpy())
    np.testing.assert_allclose(t.rows[1].grad, h.grad.numpy())       # ∂y/∂h
    np.testing.assert_allclose(t.rows[2].grad, g.grad.numpy())       # ∂y/∂g = w
    for label, tt in (("W", W1), ("c", c), ("w2", w2)):
        np.testing.assert_allclose(t[label].grad, tt.grad.numpy())
    # local derivatives: ReLU's is the step at h (PyTorch's derivative of relu, 0 at 0)
    hh = torch.tensor(t.rows[1].value, requires_grad=True)
    (relu_local,) = torch.autograd.grad(torch.relu(hh).sum(), hh)
    np.testing.assert_array_equal(t.rows[2].local[0], relu_local.numpy())
    # the product node switches: ∂(g·w)/∂g = w, ∂(g·w)/∂w = g
    np.testing.assert_array_equal(t.rows[3].local[0], EX_1_5_W2)
    np.testing.assert_array_equal(t.rows[3].local[1], t.rows[2].value)
    # MatMul with a ones upstream: the vector-Jacobian product PyTorch gives
    Wt = torch.tensor(EX_1_5_W1, dtype=torch.float64, requires_grad=True)
    (vjp,) = torch.autograd.grad(Wt @ torch.tensor(inputs, dtype=torch.float64), Wt,
                                 torch.ones(2, dtype=torch.float64))
    np.testing.assert_array_equal(t.rows[0].local[0], vjp.numpy())
    assert "c: [1, 1]" in t.cells(t.rows[1])[5]  # the addition node distributes


def test_large_tensors_are_summarised_by_shape_mean_and_norm():
    a = np.arange(90.0).reshape(9, 10) / 7       # larger than the 8×8 a student can read
    w = xa.tensor(a, requires_grad=True, name="W")
    with xa.inspect.record() as tape:
        (w * 3.0).sum().backward()
    t = xa.inspect.trace(tape)
    cells = t.cells(t["W"])
    assert cells[3] == f"shape 9×10, mean {a.mean():.6g}, norm {np.linalg.norm(a):.6g}"
    assert cells[4] == f"shape 9×10, mean {3.0:.6g}, norm {np.sqrt(90 * 9.0):.6g}"
    assert "W: shape 9×10, mean 3, norm" in t.cells(t.rows[0])[5]   # ∂(3W)/∂W = 3
    assert "shape 9×10" in t.to_markdown() and r"9\ensuremath{\times}10" in t.to_latex()


def test_full_vectors_and_matrices_for_an_8_unit_layer():
    """A layer of 8 units: every activation, bias and weight printed, none summarised."""
    layer = xa.nn.Linear(2, 8)
    layer.weight.name, layer.bias.name = "W", "b"
    x = xa.tensor([[1.0, -2.0]], name="x")
    with xa.inspect.record() as tape:
        h = xa.relu(layer(x))
        xa.nn.functional.mse_loss(h.sum(dim=1), xa.tensor([1.0], name="y")).backward()
    t = xa.inspect.trace(tape)
    hidden = t.cells(t["x2"])[3]
    assert hidden == "[[" + ", ".join(f"{v:.4g}" for v in h.detach().numpy()[0]) + "]]"
    assert "shape" not in str(t) and "mean" not in str(t)
    w_cell = t.cells(t["W"])[3].splitlines()
    assert len(w_cell) == 8 and all(len(line) == len(w_cell[1]) for line in w_cell[1:-1])
    assert t.cells(t["b"])[4].count(",") == 7       # the bias's 8 gradients on one line
    # the limit is an argument and a module default
    small = xa.inspect.trace(tape, full=(4, 2))
    assert small.cells(small["b"])[3].startswith("shape 8, mean")
    assert small.cells(small["W"])[3].startswith("shape 8×2, mean")
    import xarxa.inspect.tables as tables
    saved = tables.FULL
    try:
        tables.FULL = (8, 1)
        assert str(t).count("shape 8×2") == 4   # W, its gradient, ∂x1/∂W and ∂out/∂W
    finally:
        tables.FULL = saved


def test_an_input_written_in_place_after_the_node_shows_no_local_derivative():
    w = xa.tensor(2.0, requires_grad=True, name="w")
    x = xa.tensor(1.0, name="x")
    with xa.inspect.record() as tape:
        out = w * x
    x.add_(1.0)                     # now x is not what the node saw
    row = xa.inspect.trace(tape)[out.name or "x1"]
    assert row.local == (None, None)
    assert xa.inspect.trace(tape).cells(row)[5] == "—"


def test_trace_of_a_tensor_before_backward_and_the_freed_graph_error():
    w = xa.tensor(2.0, requires_grad=True, name="w")
    out = xa.relu(w * 3.0)
    t = xa.inspect.trace(out)
    assert [r.op for r in t.rows] == ["Mul", "ReLU", "leaf"]
    assert [float(v) for v in t.rows[0].local] == [3.0, 2.0] and t.rows[0].grad is None
    out.backward()
    with pytest.raises(ValueError, match="trace: the graph through ReLU was freed"):
        xa.inspect.trace(out)


def test_labels_avoid_a_tensor_already_called_x1():
    w = xa.tensor(2.0, requires_grad=True, name="w")
    x1 = xa.tensor(1.0, name="x1")
    with xa.inspect.record() as tape:
        (w * x1 + 1.0).backward()
    t = xa.inspect.trace(tape)
    assert [r.label for r in t.rows] == ["z1", "z2", "w"]
    assert t["z1"].inputs == ("w", "x1")
