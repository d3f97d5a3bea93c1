"""inspect.trace: the notes' forward/backward table of exercise 1.1, node by node."""
import numpy as np
import pytest

import xarxa as xa
from notes import (EX_1_1_B, EX_1_1_FORWARD, EX_1_1_GRAD_B, EX_1_1_GRAD_W, EX_1_1_LOSS,
                   EX_1_1_W, EX_1_1_X, EX_1_1_Y)


def _exercise_1_1():
    w = xa.tensor(EX_1_1_W, requires_grad=True, name="w")
    b = xa.tensor(EX_1_1_B, requires_grad=True, name="b")
    x, y = xa.tensor(EX_1_1_X, name="x"), xa.tensor(EX_1_1_Y, name="y")
    with xa.inspect.record() as tape:
        x1 = w * x          # the notes' x1 = w·x
        x2 = x1 + b         # x2 = x1 + b
        x3 = xa.relu(x2)    # x3 = ReLU(x2) = ŷ
        loss = xa.abs(x3 - y)
        loss.backward()
    return xa.inspect.trace(tape)


def test_trace_reproduces_the_forward_and_backward_of_exercise_1_1():
    table = _exercise_1_1()
    assert [r.label for r in table.rows] == ["x1", "x2", "x3", "x4", "x5", "w", "b"]
    assert [r.op for r in table.rows[:5]] == ["Mul", "Add", "ReLU", "Sub", "Abs"]
    assert table["x1"].inputs == ("w", "x") and table["x2"].inputs == ("x1", "b")
    # forward: w·1 = 2 → 2 + b = 2 → ReLU(2) = 2 = ŷ, L = |2 − 1| = 1
    assert [float(table[k].value) for k in ("x1", "x2", "x3")] == [EX_1_1_FORWARD] * 3
    assert float(table["x5"].value) == EX_1_1_LOSS
    # backward: ∂L/∂x3 = ∂L/∂x2 = ∂L/∂x1 = 1, ∂L/∂w = ∂L/∂b = 1
    assert [float(table[k].grad) for k in ("x3", "x2", "x1")] == [1.0, 1.0, 1.0]
    assert float(table["w"].grad) == EX_1_1_GRAD_W and float(table["b"].grad) == EX_1_1_GRAD_B


def test_trace_prints_a_table_and_rejects_other_objects():
    text = str(_exercise_1_1())
    assert text.splitlines()[0].split()[:3] == ["node", "op", "inputs"]
    assert "x2    Add   x1, b" in text
    with pytest.raises(TypeError, match="trace: expected the tape"):
        xa.inspect.trace([1, 2])
    with pytest.raises(KeyError, match="no node labelled 'z'"):
        _exercise_1_1()["z"]


def test_unlabelled_parameters_and_arrays():
    w = xa.tensor([[1.0, -2.0]], requires_grad=True)
    with xa.inspect.record() as tape:
        out = (w * 3.0).sum()
        out.backward()
    table = xa.inspect.trace(tape)
    assert table.rows[0].inputs == ("θ1", "3")
    np.testing.assert_array_equal(table["θ1"].grad, [[3.0, 3.0]])


def test_a_matrix_takes_a_line_per_row_with_its_columns_aligned():
    w = xa.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True, name="W")
    with xa.inspect.record() as tape:
        (w * 2.0).sum().backward()
    table = xa.inspect.trace(tape)
    lines = str(table).splitlines()
    leaf = lines.index(next(line for line in lines if line.startswith("W ")))
    start = lines[0].index("forward")
    assert lines[leaf][start:].startswith("[[1, -2],")        # the leaf W, row by row …
    assert lines[leaf + 1][start:].startswith(" [3,  4]]")    # … its columns aligned
    assert lines[leaf + 1][:start].strip() == ""              # in the forward column
    up = lines[0].index("∂out/∂node")
    assert lines[leaf][up:].startswith("[[2, 2],") and lines[leaf + 1][up:].startswith(" [2, 2]]")
    mul = next(line for line in lines if line.startswith("x1 "))
    assert "W: [[2, 2]," in mul                   # ∂(2W)/∂W = 2, one line per row
    assert lines[lines.index(mul) + 2].strip() == "2: 6"   # the next input on a line of its own
    md = table.to_markdown()
    assert "| [[1, -2],<br> [3,  4]] |" in md     # Markdown: the rows joined by <br>
    assert r"\begin{bmatrix}1 & -2 \\ 3 & 4\end{bmatrix}" in table.to_latex()
