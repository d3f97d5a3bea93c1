"""`xarxa solve` keeps the network the student wrote and lays it out as the notes do: the
hidden layer of exercise 1.5 (two ReLU nodes, never folded into constants), node labels that
never take an input's name, the exam's table with iterations as columns n … n+k, AdaGrad's G
labelled with its step (G^{n+3}), and no negative zero anywhere."""
import re

import numpy as np
import pytest

from notes import (EX_1_5_HIDDEN_AT_00, EX_1_5_TRUTH_TABLE, EX_1_5_W2,
                   EXAM_2022_ADAGRAD_G_FRESH, EXAM_2022_ADAGRAD_G_SUMMED, EXAM_2022_B,
                   EXAM_2022_GRAD_B, EXAM_2022_GRAD_W, EXAM_2022_LOSS, EXAM_2022_LR,
                   EXAM_2022_W, EXAM_2022_X, EXAM_2022_Y)
from xarxa.apps.cli import main
from xarxa.apps.solve import solve
from xarxa.apps.solve.solver import check_start, iteration_label, node_prefix

# exercise 1.5: W⁽¹⁾ = [[1, 1], [1, 1]], c⁽¹⁾ = (0, −1), w⁽²⁾ = (1, −2), written out
EX_1_5 = "w1*relu(x1+x2) + w2*relu(x1+x2-1)"
EXAM = ["solve", "w*x + b", "--set", f"w={EXAM_2022_W[0]}", f"b={EXAM_2022_B[0]}",
        f"x={EXAM_2022_X}", "--target", str(EXAM_2022_Y), "--loss", "l1", "--lr",
        str(EXAM_2022_LR)]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _ex_1_5(x1, x2, **kw):
    values = {"w1": EX_1_5_W2[0], "w2": EX_1_5_W2[1], "x1": x1, "x2": x2}
    return solve(EX_1_5, values, **{"target": 0.0, "loss": "l2", "steps": 0, **kw})


def test_exercise_1_5_keeps_its_two_hidden_nodes():
    s = _ex_1_5(0.0, 0.0)
    t = s.steps[0].trace
    hidden = [r for r in t.rows if r.op == "ReLU"]
    assert len(hidden) == 2
    # their inputs are the hidden pre-activations h = W x + c of the notes, as nodes
    pre = [t[r.inputs[0]] for r in hidden]
    assert [float(r.value) for r in pre] == EX_1_5_HIDDEN_AT_00
    assert [r.op for r in pre] == ["Add", "Sub"] and pre[0].inputs == ("x1", "x2")
    assert [float(r.value) for r in hidden] == [max(0.0, h) for h in EX_1_5_HIDDEN_AT_00]
    # the backward table goes through the hidden layer: upstream gradients on both units
    assert all(r.grad is not None for r in hidden + pre)
    for (x1, x2), y in EX_1_5_TRUTH_TABLE.items():
        assert _ex_1_5(float(x1), float(x2)).steps[0].output == y


def test_exercise_1_5_through_the_cli_shows_the_hidden_layer(capsys):
    out = run(capsys, ["solve", EX_1_5, "--set", "w1=1", "w2=-2", "x1=1", "x2=1",
                       "--target", "0", "--loss", "l1", "--steps", "0"])
    table = out[out.index("node  op"):].splitlines()
    assert sum(1 for line in table if line.split()[1:2] == ["ReLU"]) == 2
    assert "z1 = x1 + x2 = 2" in out and "z5 = z4 − 1 = 1" in out
    assert "z2 = relu(z1) = 2" in out and "z6 = relu(z5) = 1" in out
    assert "z8 = z3 + z7 = 0 = ŷ" in out


def test_nodes_never_reuse_an_input_s_name(capsys):
    s = _ex_1_5(1.0, 0.0)
    labels = [r.label for r in s.steps[0].trace.rows if r.op != "leaf"]
    assert not set(labels) & {"x1", "x2", "w1", "w2"}
    assert labels[:-1] == [f"z{i}" for i in range(1, 9)] and labels[-1] == "L"
    out = run(capsys, ["solve", EX_1_5, "--set", "w1=1", "w2=-2", "x1=1", "x2=0",
                       "--steps", "0", "--target", "1"])
    assert not re.search(r"^\s*x[12] =", out, re.M)          # no forward line defines x1
    # the notes' x1, x2, … stay when no variable is so called (exercise 1.1's input is x)
    assert node_prefix(["w", "b", "x"]) == "x" and node_prefix(["x1", "w"]) == "z"
    assert node_prefix(["x1", "z2", "v3", "w"]) == "u"
    s = solve("w*x1 + z1*v", {"w": 1, "x1": 2, "z1": 3, "v": 4}, params=["w", "v"], steps=0)
    assert [r.label for r in s.steps[0].trace.rows][:3] == ["v1", "v2", "v3"]


def _columns(markdown: str) -> dict:
    """The exam table of a Markdown render: {row name: [cells]}, header under 'Iteration'."""
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
    return {r[0]: r[1:] for r in rows}


def test_exam_layout_prints_iterations_as_columns(capsys):
    md = run(capsys, EXAM + ["--steps", "5", "--layout", "exam", "--format", "markdown"])
    table = _columns(md)
    assert table["Iteration"] == ["n", "n + 1", "n + 2", "n + 3", "n + 4", "n + 5"]
    assert [float(v) for v in table["w"]] == EXAM_2022_W
    assert [float(v) for v in table["b"]] == EXAM_2022_B
    assert [float(v) for v in table["L"]] == EXAM_2022_LOSS
    assert [float(v) for v in table["∂L/∂w"]] == EXAM_2022_GRAD_W
    assert [float(v) for v in table["∂L/∂b"]] == EXAM_2022_GRAD_B
    assert "### k =" not in md                    # the table, not every pass
    text = run(capsys, EXAM + ["--steps", "5", "--layout", "exam"])
    header = next(line for line in text.splitlines() if line.startswith("Iteration"))
    assert re.split(r"\s{2,}", header) == ["Iteration", "n", "n + 1", "n + 2", "n + 3",
                                           "n + 4", "n + 5"]
    w = next(line for line in text.splitlines() if line.startswith("w "))
    assert [float(v) for v in w.split()[1:]] == EXAM_2022_W
    # the Huber and AdaGrad questions start at n + 3
    md = run(capsys, EXAM[:3] + [f"w={EXAM_2022_W[3]}", f"b={EXAM_2022_B[3]}"] + EXAM[5:]
             + ["--layout", "exam", "--start", "n+3", "--format", "markdown"])
    assert _columns(md)["Iteration"] == ["n + 3", "n + 4"]
    tex = run(capsys, EXAM + ["--steps", "2", "--layout", "exam", "--format", "latex"])
    assert r"Iteration & n & n + 1 & n + 2 \\" in tex


def test_adagrad_s_g_is_labelled_with_its_step(capsys):
    # the exam's question 6 on the table: G^{n+3} sums g gᵀ over k = n … n + 3
    out = run(capsys, EXAM + ["--steps", "3", "--layout", "exam"])
    (g,) = [line for line in out.splitlines() if line.startswith("G^")]
    summed = EXAM_2022_ADAGRAD_G_SUMMED
    assert g.startswith("G^{n+3} = Σ g gᵀ over k = n … n + 3 (the 4 gradients above) = "
                        f"[[{summed[0][0]:g}, {summed[0][1]:g}], "
                        f"[{summed[1][0]:g}, {summed[1][1]:g}]]")
    assert "AdaGrad's G after 3 steps from k = n" in g
    s = solve("w*x + b", {"w": EXAM_2022_W[0], "b": EXAM_2022_B[0], "x": EXAM_2022_X},
              target=EXAM_2022_Y, loss="l1", lr=EXAM_2022_LR, steps=3)
    np.testing.assert_allclose(s.G, summed)
    assert "G^{3} = Σ g gᵀ over k = 0 … 3" in str(s)
    # AdaGrad itself, started fresh at n + 3: each update names the G it divides by
    out = run(capsys, ["solve", "w*x + b", "--set", f"w={EXAM_2022_W[3]}",
                       f"b={EXAM_2022_B[3]}", f"x={EXAM_2022_X}", "--target",
                       str(EXAM_2022_Y), "--loss", "l1", "--lr", str(EXAM_2022_LR),
                       "--optimizer", "adagrad", "--start", "n+3", "--steps", "2"])
    fresh = EXAM_2022_ADAGRAD_G_FRESH
    assert f"G ← G + g gᵀ = [[{fresh[0][0]:g}, {fresh[0][1]:g}], " \
           f"[{fresh[1][0]:g}, {fresh[1][1]:g}]] = G^{{n+3}}\n" in out
    assert re.search(r"G ← G \+ g gᵀ = \[\[8, 4\], \[4, 2\]\] = G\^\{n\+4\}\n", out)
    assert "== k = n + 5: after 2 steps" in out
    tex = run(capsys, EXAM + ["--steps", "3", "--layout", "exam", "--format", "latex"])
    assert "$G^{n+3}$ = " in tex and "$g^{n+3}$ included" in tex
    assert "textasciicircum" not in tex and "…" not in tex and "SUPERSCRIPT" not in tex


NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0*)?(?![\w.])|-0\.(?!\d)|−0(?![\d.])")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                       "adam"])
def test_negative_zero_is_never_printed(optimizer):
    cases = [  # each makes −0.0 somewhere: a set value, a target, a dead unit times w2 < 0
        (EX_1_5, {"w1": -0.0, "w2": -2.0, "x1": -0.0, "x2": 0.0}, {"target": -0.0,
                                                                     "loss": "l1"}),
        ("relu(w*x + b)", {"w": -2.0, "b": -0.0, "x": 1.0}, {"target": 1.0, "loss": "l1"}),
        ("w*x + b", {"w": -0.0, "b": -0.0, "x": -0.0}, {"target": 0.0, "loss": "huber"}),
        ("step(w) * x - w*w", {"w": -1.0, "x": -3.0}, {}),
    ]
    for expression, values, kw in cases:
        s = solve(expression, values, optimizer=optimizer, lr=0.1, steps=2, **kw)
        rows = [r for st in s.steps for r in st.trace.rows]
        arrays = [a for r in rows for a in (r.value, r.grad, *r.local, *r.to_inputs)
                  if a is not None]
        assert any(np.signbit(a).any() and not np.any(a) for a in arrays), expression
        for fmt in ("text", "markdown", "latex"):
            for layout in ("steps", "exam"):
                out = s.render(fmt, layout=layout)
                body = out[out.index("\n"):]            # the title repeats the expression
                bad = [line for line in body.splitlines() if NEGATIVE_ZERO.search(line)]
                assert not bad, (expression, fmt, layout, bad[:3])


def test_start_labels_and_refusals(capsys):
    assert [iteration_label("n")(k) for k in range(3)] == ["n", "n + 1", "n + 2"]
    assert [iteration_label("n+3")(k) for k in range(2)] == ["n + 3", "n + 4"]
    assert [iteration_label(5)(k) for k in range(2)] == ["5", "6"]
    assert check_start(" k + 2 ") == ("k", 2) and check_start("4") == 4
    for bad in ("m+", "n-1", "-1", "nn", "", -2, 1.5):
        with pytest.raises(ValueError, match="must be an iteration such as 0, 5, n or n"):
            check_start(bad)
    with pytest.raises(SystemExit) as info:                 # argparse's usage error
        main(EXAM + ["--start", "n-1"])
    assert info.value.code == 2
    assert "argument --start: expected an iteration" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(EXAM + ["--layout", "table"])
    assert "invalid choice: 'table'" in capsys.readouterr().err
    s = solve("w", {"w": 1.0}, steps=0)
    with pytest.raises(ValueError, match="--layout must be one of steps, exam"):
        s.render(layout="table")
