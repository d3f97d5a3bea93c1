"""trace at the notes' granularity: a loss of F is one row (cross-entropy: the softmax row
and the loss), checked against the notes' tables — the Huber step of the 2022 mid-term,
the cross-entropy vs accuracy batches of §1.3.6 — and against PyTorch; `expand=True` shows
the implementation; `xarxa solve` and `trace` agree on the loss row."""
import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from notes import (CE_TABLE_BATCH_A, CE_TABLE_BATCH_B, CE_TABLE_CE_A, CE_TABLE_CE_B,
                   CE_TABLE_TARGETS_A, CE_TABLE_TARGETS_B, EXAM_2022_HUBER_B,
                   EXAM_2022_HUBER_DELTA, EXAM_2022_HUBER_DLDY, EXAM_2022_HUBER_LOSS,
                   EXAM_2022_HUBER_W, EXAM_2022_LR, EXAM_2022_X, EXAM_2022_Y)
from xarxa.autograd.ops.loss import cross_entropy_targets

# the exam's iteration n+3, where it switches to Huber: w = 0.9, b = 0.1, ŷ = 2·0.9 + 0.1
W_N3, B_N3 = 0.9, 0.1


def _exam_huber(expand=False):
    w = xa.tensor(W_N3, dtype=xa.float64, requires_grad=True, name="w")
    b = xa.tensor(B_N3, dtype=xa.float64, requires_grad=True, name="b")
    x = xa.tensor(EXAM_2022_X, dtype=xa.float64, name="x")
    y = xa.tensor(EXAM_2022_Y, dtype=xa.float64, name="y")
    with xa.inspect.record() as tape:
        loss = F.huber_loss(w * x + b, y, delta=EXAM_2022_HUBER_DELTA)
        loss.backward()
    return xa.inspect.trace(tape, expand=expand), (w, b)


def test_huber_loss_is_one_node_with_the_exams_numbers():
    t, (w, b) = _exam_huber()
    assert [r.op for r in t.rows] == ["Mul", "Add", "huber_loss", "leaf", "leaf"]
    row = t["x3"]
    assert row.inputs == ("x2", "y") and row.formula == "huber_loss(x2, y)"
    assert float(row.value) == pytest.approx(EXAM_2022_HUBER_LOSS)       # ½(2 − 1.9)²
    assert float(row.grad) == 1.0
    assert float(row.local[0]) == pytest.approx(EXAM_2022_HUBER_DLDY)    # ∂L/∂ŷ = −(2 − ŷ)
    assert float(row.to_inputs[0]) == pytest.approx(EXAM_2022_HUBER_DLDY)
    assert row.to_inputs[1] is None                                      # y wants none
    assert float(t["x2"].grad) == pytest.approx(EXAM_2022_HUBER_DLDY)
    # the exam's update from n+3: w = 0.9 − 0.3·(−0.2), b = 0.1 − 0.3·(−0.1)
    with xa.no_grad():
        w -= EXAM_2022_LR * w.grad
        b -= EXAM_2022_LR * b.grad
    assert (w.item(), b.item()) == pytest.approx((EXAM_2022_HUBER_W, EXAM_2022_HUBER_B))
    assert "huber_loss" in str(t) and "Where" not in str(t) and "Reduce" not in str(t)


def test_expand_shows_the_implementation():
    t, _ = _exam_huber(expand=True)
    ops = [r.op for r in t.rows]
    assert "huber_loss" not in ops
    assert {"Sub", "Abs", "Clamp", "Where", "Reduce"} <= set(ops)
    assert float(t.rows[-3].value) == pytest.approx(EXAM_2022_HUBER_LOSS)   # the Reduce


def test_solve_and_trace_agree_on_the_huber_row():
    from xarxa.apps.solve import solve
    s = solve("w*x + b", {"w": W_N3, "b": B_N3, "x": EXAM_2022_X}, target=EXAM_2022_Y,
              loss="huber", delta=EXAM_2022_HUBER_DELTA, lr=EXAM_2022_LR)
    solved = s.steps[0].trace["L"]
    t, _ = _exam_huber()
    traced = t["x3"]
    assert float(solved.value) == pytest.approx(float(traced.value))
    assert float(solved.local[0]) == pytest.approx(float(traced.local[0]))       # ∂L/∂ŷ
    assert float(solved.to_inputs[0]) == pytest.approx(float(traced.to_inputs[0]))
    assert s.steps[0].grads == pytest.approx({"w": float(t["w"].grad), "b": float(t["b"].grad)})


@pytest.mark.parametrize("batch, targets, printed", [
    (CE_TABLE_BATCH_A, CE_TABLE_TARGETS_A, CE_TABLE_CE_A),
    (CE_TABLE_BATCH_B, CE_TABLE_TARGETS_B, CE_TABLE_CE_B)])
def test_cross_entropy_shows_the_softmax_row_of_the_notes(batch, targets, printed):
    """§1.3.6: logits whose softmax is the notes' confidences; L = −mean ln S_k0."""
    p = np.array(batch, dtype=np.float64)
    a = xa.tensor(np.log(p), requires_grad=True, name="a")
    y = xa.tensor(targets, name="y")
    with xa.inspect.record() as tape:
        F.cross_entropy(a, y).backward()
    t = xa.inspect.trace(tape)
    assert [r.op for r in t.rows] == ["softmax", "cross_entropy", "leaf"]
    s, loss = t["x1"], t["x2"]
    np.testing.assert_allclose(s.value, p)                      # S: the confidences
    assert loss.inputs == ("x1", "y") and s.inputs == ("a",)
    assert float(loss.value) == pytest.approx(printed, abs=0.01)
    onehot = np.eye(3)[targets]
    d_s = -onehot / (3 * p)                                     # ∂L/∂S = −y/(N·S)
    np.testing.assert_allclose(loss.local[0], d_s)
    np.testing.assert_allclose(s.grad, d_s)
    np.testing.assert_allclose(s.to_inputs[0], (p - onehot) / 3)   # ∂L/∂a = (S − y)/N
    np.testing.assert_allclose(t["a"].grad, (p - onehot) / 3)
    assert s.local == (None,)          # a batch: no one Jacobian to show


def test_cross_entropy_of_one_sample_with_weights_and_smoothing_against_torch():
    logits, w = [1.0, 2.0, 0.5], [1.0, 2.0, 3.0]
    a = xa.tensor(logits, dtype=xa.float64, requires_grad=True, name="a")
    with xa.inspect.record() as tape:
        F.cross_entropy(a, xa.tensor(1), weight=xa.tensor(w, dtype=xa.float64),
                        label_smoothing=0.1).backward()
    t = xa.inspect.trace(tape)
    s, loss = t["x1"], t["x2"]
    at = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(at, torch.tensor(1),
                                           weight=torch.tensor(w, dtype=torch.float64),
                                           label_smoothing=0.1)
    lt.backward()
    st = torch.softmax(at.detach(), 0)
    assert float(loss.value) == pytest.approx(lt.item())
    np.testing.assert_allclose(s.value, st.numpy())
    np.testing.assert_allclose(s.to_inputs[0], at.grad.numpy())
    jac = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, 0), at.detach())
    np.testing.assert_allclose(s.local[0], jac.numpy(), atol=1e-15)   # ∂S_i/∂a_j
    np.testing.assert_allclose(s.local[0].T @ s.grad, at.grad.numpy())  # the chain rule


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"weight": [0.5, 2.0, 1.0]},
                                {"label_smoothing": 0.2, "weight": [0.5, 2.0, 1.0]},
                                {"ignore_index": 1}, {"prob": True, "label_smoothing": 0.1}])
def test_cross_entropy_targets_are_the_nodes_q(kw):
    """−Σ q ln S, reduced, is the CrossEntropy node's value for every option."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 2))
    kw = dict(kw)
    prob = kw.pop("prob", False)
    target = rng.dirichlet(np.ones(3), (4, 2)).transpose(0, 2, 1) if prob \
        else rng.integers(0, 3, (4, 2))
    if "weight" in kw:
        kw["weight"] = np.array(kw["weight"])
    expected = F.cross_entropy(xa.tensor(x), xa.tensor(target),
                               weight=None if "weight" not in kw else xa.tensor(kw["weight"]),
                               **{k: v for k, v in kw.items() if k != "weight"}).item()
    reduction = kw.pop("reduction", "mean")
    q, denom = cross_entropy_targets(np, target, x.shape, prob=prob, **kw)
    logs = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    total = -(q * logs).sum()
    assert (total if reduction == "sum" else total / denom) == pytest.approx(expected)


def test_mse_loss_is_one_node():
    yhat = xa.tensor([1.5, 2.0, -1.0], requires_grad=True, name="ŷ")
    with xa.inspect.record() as tape:
        F.mse_loss(yhat * 1.0, xa.tensor([1.0, 2.0, 0.0], name="y")).backward()
    t = xa.inspect.trace(tape)
    assert [r.op for r in t.rows] == ["Mul", "mse_loss", "leaf"]
    np.testing.assert_allclose(t["x2"].local[0], 2 * np.array([0.5, 0.0, -1.0]) / 3)
    assert float(t["x2"].value) == pytest.approx((0.25 + 1.0) / 3)
    assert [r.op for r in xa.inspect.trace(tape, expand=True).rows][:2] == ["Mul", "MSE"]


def test_a_helper_node_inside_a_call_is_not_shown():
    """The playground's one-score classifier: cross-entropy of the logits [0, s]."""
    @xa.inspect.call_scope("cross_entropy")
    def loss_of_score(s, t):
        return F.cross_entropy(F.pad(s, (1, 0)), t)

    s = xa.tensor([[0.3]], requires_grad=True, name="s")
    with xa.inspect.record() as tape:
        loss = loss_of_score(s * 2.0, xa.tensor([1], name="y"))
        loss.backward()
    t = xa.inspect.trace(tape)
    assert [r.op for r in t.rows] == ["Mul", "softmax", "cross_entropy", "leaf"]
    sig = 1 / (1 + np.exp(-0.6))
    np.testing.assert_allclose(t["x2"].value, [[1 - sig, sig]], rtol=1e-6)
    np.testing.assert_allclose(t["x2"].to_inputs[0], [[sig - 1]], rtol=1e-6)   # ∂L/∂s = σ − 1
    np.testing.assert_allclose(t["x2"].local[0], [[-sig * (1 - sig)], [sig * (1 - sig)]],
                               rtol=1e-6)                                    # ∂S/∂s
    np.testing.assert_allclose(t["s"].grad, [[2 * (sig - 1)]], rtol=1e-6)
    assert "Pad" in [r.op for r in xa.inspect.trace(tape, expand=True).rows]


def test_a_call_whose_inner_node_is_used_outside_is_expanded():
    kept = {}

    @xa.inspect.call_scope("leaky")
    def f(a):
        kept["h"] = h = a * 2.0
        return h + 1.0

    a = xa.tensor(1.0, requires_grad=True, name="a")
    with xa.inspect.record() as tape:
        (f(a) * kept["h"]).backward()
    assert [r.op for r in xa.inspect.trace(tape).rows] == ["Mul", "Add", "Mul", "leaf"]


def test_calls_are_marked_only_while_recording():
    a = xa.tensor([1.0, 2.0], requires_grad=True)
    loss = F.huber_loss(a, xa.tensor([0.0, 0.0]))
    assert getattr(loss._ctx, "call_scope", None) is None
    assert [r.op for r in xa.inspect.trace(loss).rows][-2] == "Reduce"   # no call known
    with xa.inspect.record():
        loss = F.huber_loss(a, xa.tensor([0.0, 0.0]))
    assert loss._ctx.call_scope.name == "huber_loss"
    assert [r.op for r in xa.inspect.trace(loss).rows] == ["huber_loss", "leaf"]
    assert F.huber_loss.__name__ == "huber_loss" and "delta" in F.huber_loss.__doc__


_LOSSES = {
    "l1_loss": lambda x: F.l1_loss(x, xa.tensor([[0.5, -1.0, 2.0]])),
    "mse_loss": lambda x: F.mse_loss(x, xa.tensor([[0.5, -1.0, 2.0]]), reduction="sum"),
    "huber_loss": lambda x: F.huber_loss(x, xa.tensor([[0.5, -1.0, 2.0]]), delta=0.5),
    "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, xa.tensor([[0.5, -1.0, 2.0]])),
    "cross_entropy": lambda x: F.cross_entropy(x, xa.tensor([2])),
    "nll_loss": lambda x: F.nll_loss(F.log_softmax(x, dim=1), xa.tensor([1])),
    "focal_loss": lambda x: F.focal_loss(x, xa.tensor([0]), gamma=2.0),
    "hinge_loss": lambda x: F.hinge_loss(x, xa.tensor([[1.0, -1.0, 1.0]])),
    "binary_cross_entropy_with_logits":
        lambda x: F.binary_cross_entropy_with_logits(x, xa.tensor([[1.0, 0.0, 1.0]])),
    "binary_cross_entropy":
        lambda x: F.binary_cross_entropy(xa.sigmoid(x), xa.tensor([[1.0, 0.0, 1.0]])),
    "kl_div": lambda x: F.kl_div(F.log_softmax(x, dim=1), xa.tensor([[0.2, 0.3, 0.5]]),
                                 reduction="batchmean"),
}


@pytest.mark.parametrize("name", sorted(_LOSSES))
def test_every_loss_is_one_row_that_passes_what_backward_passed(name):
    x = xa.tensor([[0.3, -0.7, 1.2]], dtype=xa.float64, requires_grad=True, name="a")
    with xa.inspect.record() as tape:
        _LOSSES[name](x * 1.0).backward()
    t = xa.inspect.trace(tape)
    ops = [r.op for r in t.rows]
    assert ops[-2] == name and ops[-1] == "leaf"
    loss = t.rows[-2]
    assert float(loss.grad) == 1.0
    np.testing.assert_allclose(t["x1"].grad, x.grad.numpy())   # ∂L/∂(x·1), what reached it
    if name == "cross_entropy":                                # the softmax row passes it
        assert ops[-3] == "softmax" and t.rows[-3].inputs == ("x1",)
        np.testing.assert_allclose(t.rows[-3].to_inputs[0], x.grad.numpy())
    else:                                    # what the row passes is what its input received
        np.testing.assert_allclose(loss.to_inputs[0], t[loss.inputs[0]].grad)
    assert name in xa.inspect.to_dot(tape)
    assert name not in [r.op for r in xa.inspect.trace(tape, expand=True).rows]


# every loss `xarxa solve` offers: (its F function, keyword arguments, target, w, b, x)
SOLVE_LOSSES = {
    "l1": (F.l1_loss, {}, 2.0, 2.7, 1.0, 2.0),
    "mse": (F.mse_loss, {}, 2.0, 2.7, 1.0, 2.0),
    "huber": (F.huber_loss, {"delta": 0.5}, 2.0, 0.9, 0.1, 2.0),
    "hinge": (F.hinge_loss, {"margin": 1.0}, 1.0, 0.2, 0.1, 2.0),
    "binary_cross_entropy": (F.binary_cross_entropy, {}, 1.0, 0.2, 0.3, 1.0),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, {}, 1.0,
                                         0.2, 0.3, 1.0),
    "focal": (F.sigmoid_focal_loss, {"alpha": -1.0, "gamma": 2.0, "reduction": "mean"}, 1.0,
              0.2, 0.3, 1.0),
}


def test_solve_offers_exactly_these_losses():
    from xarxa.apps import catalog
    assert sorted(SOLVE_LOSSES) == sorted(catalog.names("losses", "solve"))


@pytest.mark.parametrize("name", sorted(SOLVE_LOSSES))
def test_solve_and_trace_agree_on_every_loss(name):
    """The loss row `xarxa solve` prints and the one-node row of `trace` of the library's
    function: the same L, ∂L/∂ŷ and parameter gradients, for every loss of the solver."""
    from xarxa.apps.solve import solve
    fn, options, target, w0, b0, x0 = SOLVE_LOSSES[name]
    expression = "sigmoid(w*x + b)" if name == "binary_cross_entropy" else "w*x + b"
    solver_options = {k: v for k, v in options.items() if k in ("delta", "margin", "gamma")}
    s = solve(expression, {"w": w0, "b": b0, "x": x0}, target=target, loss=name, lr=0.1,
              **solver_options)
    solved = s.steps[0].trace["L"]
    w = xa.tensor(w0, dtype=xa.float64, requires_grad=True, name="w")
    b = xa.tensor(b0, dtype=xa.float64, requires_grad=True, name="b")
    x = xa.tensor(x0, dtype=xa.float64, name="x")
    y = xa.tensor(target, dtype=xa.float64, name="y")
    with xa.inspect.record() as tape:
        z = w * x + b
        out = z.sigmoid() if name == "binary_cross_entropy" else z
        fn(out, y, **options).backward()
    t = xa.inspect.trace(tape)
    (row,) = [r for r in t.rows if r.op == fn.__name__]
    assert float(row.value) == pytest.approx(float(solved.value), rel=1e-9)
    assert float(row.local[0]) == pytest.approx(float(solved.local[0]), rel=1e-9)
    assert s.steps[0].grads == pytest.approx({"w": float(w.grad), "b": float(b.grad)})
