"""The losses on the notes' own numbers: §1.3.6's table, exercise 1.6 and the Fall-2022 exam."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.losses as L
from notes import (CE_TABLE_ACCURACY, CE_TABLE_BATCH_A, CE_TABLE_BATCH_B, CE_TABLE_CE_A,
                   CE_TABLE_CE_B, CE_TABLE_TARGETS_A, CE_TABLE_TARGETS_B, EX_1_6_PROPORTIONS,
                   EX_1_6_WEIGHTS, EXAM_2022_B, EXAM_2022_GRAD_B, EXAM_2022_GRAD_W,
                   EXAM_2022_HUBER_B, EXAM_2022_HUBER_DELTA, EXAM_2022_HUBER_DLDY,
                   EXAM_2022_HUBER_FORWARD, EXAM_2022_HUBER_LOSS, EXAM_2022_HUBER_LOSS_AFTER,
                   EXAM_2022_HUBER_W, EXAM_2022_LOSS, EXAM_2022_LR, EXAM_2022_W, EXAM_2022_X,
                   EXAM_2022_Y)
from xarxa.metrics import accuracy


# -- §1.3.6: cross-entropy says more than accuracy -------------------------------------------

@pytest.mark.parametrize("probs,targets,expected", [
    (CE_TABLE_BATCH_A, CE_TABLE_TARGETS_A, CE_TABLE_CE_A),
    (CE_TABLE_BATCH_B, CE_TABLE_TARGETS_B, CE_TABLE_CE_B),
])
def test_cross_entropy_vs_accuracy_table(probs, targets, expected):
    p = xa.tensor(probs)
    t = xa.tensor(targets)
    assert accuracy(p, t) == pytest.approx(CE_TABLE_ACCURACY)
    # the table gives probabilities: NLL of their log, or cross_entropy with ln p as logits
    # (log-softmax of ln p is ln p again, since each row sums to 1)
    nll = L.nll_loss(xa.log(p), t).item()
    ce = L.cross_entropy(xa.log(p), t).item()
    assert round(nll, 2) == expected
    assert ce == pytest.approx(nll, rel=1e-6)
    # the one-hot form of the notes, −Σ_k y_k ln S_k, through probability targets
    one_hot = np.eye(3, dtype=np.float32)[targets]
    assert L.cross_entropy(xa.log(p), xa.tensor(one_hot)).item() == pytest.approx(nll, rel=1e-6)


def test_same_accuracy_different_cross_entropy():
    a = L.cross_entropy(xa.log(xa.tensor(CE_TABLE_BATCH_A)), xa.tensor(CE_TABLE_TARGETS_A))
    b = L.cross_entropy(xa.log(xa.tensor(CE_TABLE_BATCH_B)), xa.tensor(CE_TABLE_TARGETS_B))
    assert a.item() > 2 * b.item()    # batch B is the more confident and right one


# -- exercise 1.6: class weights ---------------------------------------------------------------

def ex_1_6_labels(n=100):
    counts = [round(p * n) for p in EX_1_6_PROPORTIONS]
    return xa.tensor(np.repeat(np.arange(3), counts))


def test_class_weights_exercise_1_6():
    labels = ex_1_6_labels()
    w = L.class_weights(labels)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), EX_1_6_WEIGHTS, rtol=1e-6)
    normalized = L.class_weights(labels, method="normalized").numpy()
    np.testing.assert_allclose(normalized, np.array(EX_1_6_WEIGHTS) / sum(EX_1_6_WEIGHTS),
                               rtol=1e-6)
    assert normalized.sum() == pytest.approx(1.0)
    balanced = L.class_weights(labels, method="balanced").numpy()
    # each class then carries the same total weight n_k·α_k = N / C
    np.testing.assert_allclose(np.bincount(labels.numpy()) * balanced, 100 / 3, rtol=1e-6)


def test_class_weights_make_the_rare_classes_count():
    labels = ex_1_6_labels()
    w = L.class_weights(labels)
    logits = xa.zeros(100, 3)           # uniform predictions: every sample costs ln 3
    # with the weights each class contributes the same total, n_k·α_k·ln 3 = 100·ln 3
    for k in range(3):
        mask = labels.numpy() == k
        part = L.cross_entropy(logits[mask], labels[mask], weight=w, reduction="sum")
        assert part.item() == pytest.approx(100 * np.log(3), rel=1e-5)


def test_class_weights_empty_class_and_errors():
    w = L.class_weights(xa.tensor([0, 0, 2, 2]), num_classes=4)
    np.testing.assert_array_equal(w.numpy(), [2.0, 0.0, 2.0, 0.0])
    with pytest.raises(ValueError, match="class_weights: method"):
        L.class_weights(xa.tensor([0, 1]), method="sqrt")
    with pytest.raises(TypeError, match="class_weights: target must hold integer"):
        L.class_weights(xa.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="class_weights: .*out of range"):
        L.class_weights(xa.tensor([0, 3]), num_classes=2)


# -- mid-term exam Fall 2022, exercise 1: L1 oscillates, Huber settles -------------------------

def forward_backward(w, b, loss_fn):
    y_hat = w * EXAM_2022_X + b
    y_hat.retain_grad()
    loss = loss_fn(y_hat, xa.tensor([EXAM_2022_Y], dtype=xa.float64))
    loss.backward()
    return y_hat, loss


def test_exam_2022_l1_table():
    w = xa.tensor([EXAM_2022_W[0]], dtype=xa.float64, requires_grad=True, name="w")
    b = xa.tensor([EXAM_2022_B[0]], dtype=xa.float64, requires_grad=True, name="b")
    for k in range(6):
        assert w.item() == pytest.approx(EXAM_2022_W[k], abs=1e-12)
        assert b.item() == pytest.approx(EXAM_2022_B[k], abs=1e-12)
        _, loss = forward_backward(w, b, L.l1_loss)
        assert loss.item() == pytest.approx(EXAM_2022_LOSS[k], abs=1e-12)
        assert w.grad.item() == EXAM_2022_GRAD_W[k]
        assert b.grad.item() == EXAM_2022_GRAD_B[k]
        with xa.no_grad():
            w -= EXAM_2022_LR * w.grad
            b -= EXAM_2022_LR * b.grad
        w.grad = b.grad = None
    # the oscillation: n+4 is n+2 again and n+5 is n+3, for ever
    assert (EXAM_2022_W[4], EXAM_2022_B[4]) == (EXAM_2022_W[2], EXAM_2022_B[2])
    assert (EXAM_2022_W[5], EXAM_2022_B[5]) == (EXAM_2022_W[3], EXAM_2022_B[3])


def test_exam_2022_huber_step_from_n_plus_3():
    delta = EXAM_2022_HUBER_DELTA
    # δ just above 0.1 changes Huber's behaviour first at n+3, where |y − ŷ| = 0.1
    residuals = [abs(EXAM_2022_Y - (w * EXAM_2022_X + b))
                 for w, b in zip(EXAM_2022_W, EXAM_2022_B)]
    assert [r < delta for r in residuals[:4]] == [False, False, False, True]

    def huber(y_hat, y):
        return L.huber_loss(y_hat, y, delta=delta)

    w = xa.tensor([EXAM_2022_W[3]], dtype=xa.float64, requires_grad=True)
    b = xa.tensor([EXAM_2022_B[3]], dtype=xa.float64, requires_grad=True)
    y_hat, loss = forward_backward(w, b, huber)
    assert loss.item() == pytest.approx(EXAM_2022_HUBER_LOSS, abs=1e-12)
    assert y_hat.grad.item() == pytest.approx(EXAM_2022_HUBER_DLDY, abs=1e-12)
    with xa.no_grad():
        w -= EXAM_2022_LR * w.grad
        b -= EXAM_2022_LR * b.grad
    assert w.item() == pytest.approx(EXAM_2022_HUBER_W, abs=1e-12)
    assert b.item() == pytest.approx(EXAM_2022_HUBER_B, abs=1e-12)
    w.grad = b.grad = None
    y_hat, loss = forward_backward(w, b, huber)
    assert y_hat.item() == pytest.approx(EXAM_2022_HUBER_FORWARD, abs=1e-12)
    assert loss.item() == pytest.approx(EXAM_2022_HUBER_LOSS_AFTER, abs=1e-12)
