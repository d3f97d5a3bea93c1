"""`xarxa solve`: exercise 1.1 and the Fall-2022 exam exercise 1 (the L1 oscillation, then
Huber, then AdaGrad's G) number for number, through the CLI and the library; every scalar
loss against PyTorch; the formats; which variables are parameters."""
import math
import re

import numpy as np
import pytest
import torch

from notes import (EX_1_1_B, EX_1_1_B_AFTER, EX_1_1_DLOSS_DYHAT, EX_1_1_FORWARD,
                   EX_1_1_FORWARD_2, EX_1_1_GRAD_B, EX_1_1_GRAD_W, EX_1_1_LOCAL_ADD,
                   EX_1_1_LOCAL_RELU, EX_1_1_LOSS, EX_1_1_LOSS_2, EX_1_1_LR, EX_1_1_W,
                   EX_1_1_W_AFTER, EX_1_1_X, EX_1_1_X1_2, EX_1_1_Y, EXAM_2022_ADAGRAD_G_FRESH,
                   EXAM_2022_ADAGRAD_G_SUMMED, EXAM_2022_ADAGRAD_SCALE_FRESH, EXAM_2022_B,
                   EXAM_2022_GRAD_B, EXAM_2022_GRAD_W, EXAM_2022_HUBER_B,
                   EXAM_2022_HUBER_DELTA, EXAM_2022_HUBER_DLDY, EXAM_2022_HUBER_FORWARD,
                   EXAM_2022_HUBER_LOSS, EXAM_2022_HUBER_LOSS_AFTER, EXAM_2022_HUBER_W,
                   EXAM_2022_LOSS, EXAM_2022_LR, EXAM_2022_W, EXAM_2022_X, EXAM_2022_Y)
from xarxa.apps.cli import main
from xarxa.apps.solve import solve

EX_1_1 = ["solve", "relu(w*x + b)", "--set", f"w={EX_1_1_W}", f"b={EX_1_1_B}",
          f"x={EX_1_1_X}", "--target", str(EX_1_1_Y), "--loss", "l1", "--lr", str(EX_1_1_LR)]
EXAM = ["solve", "w*x + b", "--set", f"w={EXAM_2022_W[0]}", f"b={EXAM_2022_B[0]}",
        f"x={EXAM_2022_X}", "--target", str(EXAM_2022_Y), "--lr", str(EXAM_2022_LR)]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def summary_table(out):
    """The summary table's rows as {column: float}."""
    lines = out[out.index("== summary ==\n"):].splitlines()
    header = lines[2].split()
    assert set(lines[3].replace(" ", "")) == {"-"}
    rows = []
    for line in lines[4:]:
        if not line.strip():
            break
        rows.append(dict(zip(header, map(float, line.split()))))
    return rows


def test_exercise_1_1_through_the_cli(capsys):
    out = run(capsys, EX_1_1 + ["--steps", "1"])
    first, second = summary_table(out)
    assert (first["w"], first["b"], first["ŷ"], first["L"]) == (EX_1_1_W, EX_1_1_B,
                                                               EX_1_1_FORWARD, EX_1_1_LOSS)
    assert (first["∂L/∂w"], first["∂L/∂b"]) == (EX_1_1_GRAD_W, EX_1_1_GRAD_B)
    assert (second["w"], second["b"]) == (EX_1_1_W_AFTER, EX_1_1_B_AFTER)
    assert (second["ŷ"], second["L"]) == (EX_1_1_FORWARD_2, EX_1_1_LOSS_2)
    # the forward chain and the update, written as the notes write them
    assert f"x1 = w·x = {EX_1_1_W:g}" in out
    assert f"x3 = relu(x2) = {EX_1_1_FORWARD:g} = ŷ" in out
    assert f"L = |{EX_1_1_Y:g} − {EX_1_1_FORWARD:g}| = {EX_1_1_LOSS:g}" in out
    assert f"w ← {EX_1_1_W:g} − {EX_1_1_LR:g}·{EX_1_1_GRAD_W:g} = {EX_1_1_W_AFTER:g}" in out
    assert f"b ← {EX_1_1_B:g} − {EX_1_1_LR:g}·{EX_1_1_GRAD_B:g} = {EX_1_1_B_AFTER:g}" in out
    assert f"x1 = w·x = {EX_1_1_X1_2:g}" in out                   # the second pass (c)
    # the backward table: the local derivatives of the notes' chain
    row = next(line for line in out.splitlines() if line.startswith("x3 "))
    assert row.split()[:5] == ["x3", "ReLU", "x2", f"{EX_1_1_FORWARD:g}", "1"]
    assert f"x2: {EX_1_1_LOCAL_RELU:g}" in row


def test_exercise_1_1_through_the_library():
    s = solve("relu(w*x + b)", {"w": EX_1_1_W, "b": EX_1_1_B, "x": EX_1_1_X},
              target=EX_1_1_Y, loss="l1", lr=EX_1_1_LR, steps=2)
    first = s.steps[0]
    assert first.grads == {"w": EX_1_1_GRAD_W, "b": EX_1_1_GRAD_B}
    assert first.output == EX_1_1_FORWARD and first.loss == EX_1_1_LOSS
    assert first.new_params == pytest.approx({"w": EX_1_1_W_AFTER, "b": EX_1_1_B_AFTER})
    t = first.trace
    assert [float(v) for v in t["x2"].local] == [EX_1_1_LOCAL_ADD] * 2
    assert float(t["L"].local[0]) == EX_1_1_DLOSS_DYHAT
    assert float(t["x1"].local[0]) == EX_1_1_X                    # ∂x1/∂w = x
    assert s.steps[1].output == pytest.approx(EX_1_1_FORWARD_2)
    assert s.steps[1].loss == pytest.approx(EX_1_1_LOSS_2)
    assert len(s.steps) == 3 and s.steps[2].update == []


def test_exam_2022_l1_oscillation_number_for_number(capsys):
    rows = summary_table(run(capsys, EXAM + ["--loss", "l1", "--steps", "5"]))
    assert [r["k"] for r in rows] == [0, 1, 2, 3, 4, 5]
    assert [r["w"] for r in rows] == EXAM_2022_W
    assert [r["b"] for r in rows] == EXAM_2022_B
    assert [r["L"] for r in rows] == EXAM_2022_LOSS
    assert [r["∂L/∂w"] for r in rows] == EXAM_2022_GRAD_W
    assert [r["∂L/∂b"] for r in rows] == EXAM_2022_GRAD_B
    s = solve("w*x + b", {"w": EXAM_2022_W[0], "b": EXAM_2022_B[0], "x": EXAM_2022_X},
              target=EXAM_2022_Y, loss="l1", lr=EXAM_2022_LR, steps=5)
    np.testing.assert_allclose([st.params["w"] for st in s.steps], EXAM_2022_W, atol=1e-12)
    np.testing.assert_allclose([st.loss for st in s.steps], EXAM_2022_LOSS, atol=1e-12)


def test_exam_2022_huber_from_iteration_n_plus_3(capsys):
    k = 3
    argv = ["solve", "w*x + b", "--set", f"w={EXAM_2022_W[k]}", f"b={EXAM_2022_B[k]}",
            f"x={EXAM_2022_X}", "--target", str(EXAM_2022_Y), "--lr", str(EXAM_2022_LR),
            "--loss", "huber", "--delta", str(EXAM_2022_HUBER_DELTA)]
    before, after = summary_table(run(capsys, argv))
    assert before["L"] == EXAM_2022_HUBER_LOSS
    assert (after["w"], after["b"]) == (EXAM_2022_HUBER_W, EXAM_2022_HUBER_B)
    assert (after["ŷ"], after["L"]) == (EXAM_2022_HUBER_FORWARD, EXAM_2022_HUBER_LOSS_AFTER)
    s = solve("w*x + b", {"w": EXAM_2022_W[k], "b": EXAM_2022_B[k], "x": EXAM_2022_X},
              target=EXAM_2022_Y, loss="huber", delta=EXAM_2022_HUBER_DELTA,
              lr=EXAM_2022_LR)
    assert float(s.steps[0].trace["L"].local[0]) == pytest.approx(EXAM_2022_HUBER_DLDY)
    assert s.steps[1].loss == pytest.approx(EXAM_2022_HUBER_LOSS_AFTER)


def test_exam_2022_adagrad_g_matrix_both_readings(capsys):
    # started fresh at n+3: G = g gᵀ of g = (−2, −1), and diag(G)^(−1/2)
    k = 3
    out = run(capsys, ["solve", "w*x + b", "--set", f"w={EXAM_2022_W[k]}",
                       f"b={EXAM_2022_B[k]}", f"x={EXAM_2022_X}", "--target",
                       str(EXAM_2022_Y), "--loss", "l1", "--lr", str(EXAM_2022_LR),
                       "--optimizer", "adagrad"])
    fresh = EXAM_2022_ADAGRAD_G_FRESH
    assert f"G ← G + g gᵀ = [[{fresh[0][0]:g}, {fresh[0][1]:g}], " \
           f"[{fresh[1][0]:g}, {fresh[1][1]:g}]]" in out
    scale = EXAM_2022_ADAGRAD_SCALE_FRESH
    assert f"diag(G)^(−1/2) = ({scale[0]:g}, {scale[1]:g})" in out
    # summed over the gradient-descent iterations n … n+3 of the table
    s = solve("w*x + b", {"w": EXAM_2022_W[0], "b": EXAM_2022_B[0], "x": EXAM_2022_X},
              target=EXAM_2022_Y, loss="l1", lr=EXAM_2022_LR, steps=3)
    np.testing.assert_allclose(s.G, EXAM_2022_ADAGRAD_G_SUMMED)
    assert "G^{3} = Σ g gᵀ over k = 0 … 3 (the 4 gradients above) = [[16, 8], [8, 4]]" \
        in str(s)


def _torch_loss(name, p, y):
    p = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(y, dtype=torch.float64)
    tf = torch.nn.functional
    value = {
        "l1": lambda: tf.l1_loss(p, y), "l2": lambda: tf.mse_loss(p, y),
        "mse": lambda: tf.mse_loss(p, y), "huber": lambda: tf.huber_loss(p, y, delta=0.5),
        "hinge": lambda: torch.clamp(1.5 - y * p, min=0),
        "bce": lambda: tf.binary_cross_entropy(p, y),
        "bce-logits": lambda: tf.binary_cross_entropy_with_logits(p, y),
        # torchvision's sigmoid_focal_loss with alpha < 0, written in torch ops
        "focal": lambda: ((1 - (torch.sigmoid(p) * y + (1 - torch.sigmoid(p)) * (1 - y)))
                          ** 3.0 * tf.binary_cross_entropy_with_logits(p, y)),
    }[name]()
    value.backward()
    return value.item(), p.grad.item()


@pytest.mark.parametrize("name, p, y", [("l1", 0.7, 2.0), ("l2", 0.7, 2.0), ("mse", 3.0, 2.0),
                                        ("huber", 0.7, 2.0), ("huber", 1.8, 2.0),
                                        ("hinge", 0.4, 1.0), ("hinge", -0.5, -1.0),
                                        ("bce", 0.7, 1.0), ("bce-logits", 0.7, 0.0),
                                        ("focal", 0.7, 1.0)])
def test_every_scalar_loss_matches_pytorch(name, p, y):
    # ŷ = w with w = p: the first step's loss and ∂L/∂w are the loss and its derivative
    s = solve("w", {"w": p}, target=y, loss=name, delta=0.5, margin=1.5, gamma=3.0, steps=0)
    value, grad = _torch_loss(name, p, y)
    assert s.steps[0].loss == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert s.steps[0].grads["w"] == pytest.approx(grad, rel=1e-12, abs=1e-15)
    assert s.steps[0].output == p


def test_formats(capsys):
    md = run(capsys, EX_1_1 + ["--format", "markdown"])
    assert "| node | op | inputs | forward |" in md and "### summary" in md
    assert "| x3 | ReLU | x2 | 2 | 1 |" in md
    tex = run(capsys, EX_1_1 + ["--format", "latex"])
    assert tex.count(r"\begin{tabular}") == 3 and r"\paragraph{summary}" in tex
    assert r"$\partial x_{3}/\partial x_{2}$ = $1$" in tex
    assert "ŷ" not in tex and "∂" not in tex and "←" not in tex   # all turned into LaTeX


def test_which_variables_are_parameters():
    s = solve("w*x1 + v*x2 + b - y", {"w": 1, "v": 2, "b": 0, "x1": 1, "x2": 3, "y": 0.5},
              steps=0)
    assert s.params == ["w", "v", "b"] and list(s.inputs) == ["x1", "x2", "y"]
    s = solve("w*x + b", {"w": 1, "b": 0, "x": 2}, params=["w", "x"], steps=0)
    assert s.params == ["w", "x"] and s.steps[0].grads == {"w": 2.0, "x": 1.0}
    with pytest.raises(ValueError, match="parameter 'c' has no value: add --set c="):
        solve("w*x", {"w": 1, "x": 1}, params=["c"])
    with pytest.raises(ValueError, match="every variable set .* is an input"):
        solve("x*x", {"x": 1})
    with pytest.raises(ValueError, match="b is set but not in the expression"):
        solve("w*x", {"w": 1, "b": 0, "x": 1})


def test_without_target_the_expression_is_minimised():
    s = solve("w**2 + 3*b**2", {"w": 1.0, "b": 1.0}, lr=0.25, steps=1)
    # ∇ = (2w, 6b) = (2, 6): w ← 1 − 0.25·2 = 0.5, b ← 1 − 0.25·6 = −0.5
    assert s.steps[0].grads == {"w": 2.0, "b": 6.0}
    assert s.steps[1].params == {"w": 0.5, "b": -0.5}
    assert s.steps[1].loss == 0.25 + 3 * 0.25


def test_option_errors_exit_2(capsys):
    cases = [
        (["solve", "w*x", "--set", "w=1", "x"], "--set expects NAME=VALUE"),
        (["solve", "w*x", "--set", "w=abc", "x=1"], "the value of w must be a number"),
        (["solve", "w*x", "--set", "w=inf", "x=1"], "the value of w must be finite"),
        (["solve", "w*x", "--set", "w=1", "w=2", "x=1"], "--set gives w twice"),
        (["solve", "w*x", "--set", "relu=1", "w=1", "x=1"], "'relu' is a function"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--loss", "l1"], "--loss l1 needs --target"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--target", "1", "--loss", "huber",
          "--delta", "0"], "--delta must be positive"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--lr", "-1"], "--lr must be positive"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--steps", "100000"], "--steps must be"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--optimizer", "momentum", "--momentum",
          "1.5"], r"--momentum must be in \[0, 1\)"),
        (["solve", "exp(w*x)", "--set", "w=1000", "x=1"], "the loss is inf"),
        (["solve", "w*x", "--set", "w=1", "x=1", "--target", "0.5", "--loss", "hinge"],
         "hinge_loss: target labels must be -1 or 1"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert re.search(message, err), (argv, err)
        assert err.startswith("xarxa solve: error:") and "Traceback" not in err


def test_large_learning_rate_overflow_is_an_error():
    with pytest.raises(ValueError, match="the update at k = 0 is not finite"):
        solve("w**4", {"w": 10.0}, lr=1e308, steps=3)      # 10 − 1e308·4000 = −inf
    assert math.isfinite(solve("w**4", {"w": 1.0}, lr=0.01, steps=3).steps[-1].loss)
