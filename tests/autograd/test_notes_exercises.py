"""The notes' worked exercises of chapter 1.1–1.2, with the notes' own numbers."""
import numpy as np
import pytest

import xarxa as xa
from notes import (EX_1_1_B, EX_1_1_B_AFTER, EX_1_1_FORWARD, EX_1_1_FORWARD_2, EX_1_1_GRAD_B,
                   EX_1_1_GRAD_W, EX_1_1_LOSS, EX_1_1_LOSS_2, EX_1_1_LR, EX_1_1_W,
                   EX_1_1_W_AFTER, EX_1_1_X, EX_1_1_Y, EX_1_2_B, EX_1_2_CLASS, EX_1_2_OUTPUT,
                   EX_1_2_THRESHOLD, EX_1_2_W, EX_1_2_X, EX_1_5_C1, EX_1_5_HIDDEN_AT_00,
                   EX_1_5_TRUTH_TABLE, EX_1_5_W1, EX_1_5_W2)


def _relu_unit_l1(w, b):
    x, y = xa.tensor(EX_1_1_X), xa.tensor(EX_1_1_Y)
    y_hat = xa.relu(w * x + b)
    return y_hat, xa.abs(y - y_hat)


def test_exercise_1_1_forward_backward_and_update():
    w = xa.tensor(EX_1_1_W, requires_grad=True, name="w")
    b = xa.tensor(EX_1_1_B, requires_grad=True, name="b")
    y_hat, loss = _relu_unit_l1(w, b)
    assert y_hat.item() == pytest.approx(EX_1_1_FORWARD)
    assert loss.item() == pytest.approx(EX_1_1_LOSS)
    loss.backward()
    assert w.grad.item() == pytest.approx(EX_1_1_GRAD_W)
    assert b.grad.item() == pytest.approx(EX_1_1_GRAD_B)

    with xa.no_grad():  # b) one SGD step with α = 0.1
        w -= EX_1_1_LR * w.grad
        b -= EX_1_1_LR * b.grad
    assert w.item() == pytest.approx(EX_1_1_W_AFTER)
    assert b.item() == pytest.approx(EX_1_1_B_AFTER)

    w.grad = b.grad = None  # c) second pass: the error went down from 1 to 0.8
    y_hat, loss = _relu_unit_l1(w, b)
    assert y_hat.item() == pytest.approx(EX_1_1_FORWARD_2)
    assert loss.item() == pytest.approx(EX_1_1_LOSS_2)
    loss.backward()
    assert (w.grad.item(), b.grad.item()) == pytest.approx((1.0, 1.0))


def test_exercise_1_2_logistic_neuron_and_threshold():
    w, b, x = xa.tensor(EX_1_2_W), xa.tensor(EX_1_2_B), xa.tensor(EX_1_2_X)
    out = xa.sigmoid((w * x).sum() + b)
    assert out.item() == pytest.approx(EX_1_2_OUTPUT)
    assert ("A" if out.item() > EX_1_2_THRESHOLD else "B") == EX_1_2_CLASS


def test_exercise_1_5_xor_network():
    w1, c1, w2 = xa.tensor(EX_1_5_W1), xa.tensor(EX_1_5_C1), xa.tensor(EX_1_5_W2)
    h00 = w1 @ xa.tensor([0.0, 0.0]) + c1
    np.testing.assert_array_equal(h00.numpy(), EX_1_5_HIDDEN_AT_00)
    for (x1, x2), expected in EX_1_5_TRUTH_TABLE.items():
        y = xa.relu(w1 @ xa.tensor([float(x1), float(x2)]) + c1) @ w2
        assert y.item() == expected
    # the whole truth table as one batch
    batch = xa.tensor([list(k) for k in EX_1_5_TRUTH_TABLE], dtype=xa.float32)
    out = xa.relu(batch @ w1.T + c1) @ w2
    np.testing.assert_array_equal(out.numpy(), list(EX_1_5_TRUTH_TABLE.values()))


def test_sigmoid_derivative_identity_at_the_notes_points():
    for value in (-3.0, 0.0, 0.5, 2.0):
        x = xa.tensor(value, dtype=xa.float64, requires_grad=True)
        s = xa.sigmoid(x)
        s.backward()
        assert x.grad.item() == pytest.approx(s.item() * (1 - s.item()), rel=1e-12)


def test_softmax_temperature_flattens_and_sharpens():
    h = xa.tensor([1.0, 2.0, 3.0])
    hot = xa.softmax(h, dim=0, temperature=100.0).numpy()
    cold = xa.softmax(h, dim=0, temperature=0.1).numpy()
    assert hot.max() - hot.min() < 0.01
    assert cold[2] > 0.99
    np.testing.assert_allclose(xa.softmax(h, dim=0).numpy(),
                               np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
