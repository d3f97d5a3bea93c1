"""Tests for xarxa.metrics against the notes' exercise 1.3 and a brute-force reference."""

import warnings

import numpy as np
import pytest

from notes import (
    EX_1_3_ACCURACY,
    EX_1_3_CAT_LABELS,
    EX_1_3_CAT_PROBS,
    EX_1_3_DOG_LABELS,
    EX_1_3_DOG_PRECISION,
    EX_1_3_DOG_PROBS,
    EX_1_3_DOG_RECALL,
    EX_1_3_THRESHOLD,
)
from xarxa.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    iou,
    mean_iou,
    precision,
    recall,
    top_k_accuracy,
)

CAT, DOG = 0, 1


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


class FakeTensor:
    """Stands in for xarxa.Tensor: the metrics only need ``.numpy()``."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def numpy(self):
        return self._array


# ---------------------------------------------------------------- brute-force reference


def reference_counts(pred_labels, target, k):
    """Per-class (tp, fp, fn) counted one sample at a time."""
    tp, fp, fn = [0] * k, [0] * k, [0] * k
    for p, t in zip(pred_labels, target):
        if p == t:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    return tp, fp, fn


def safe(num, den):
    return num / den if den else 0.0


def reference_scores(pred_labels, target, k):
    tp, fp, fn = reference_counts(pred_labels, target, k)
    prec = [safe(tp[c], tp[c] + fp[c]) for c in range(k)]
    rec = [safe(tp[c], tp[c] + fn[c]) for c in range(k)]
    f1 = [safe(2 * tp[c], 2 * tp[c] + fp[c] + fn[c]) for c in range(k)]
    present = [c for c in range(k) if tp[c] + fp[c] + fn[c] > 0]
    macro = [float(np.mean([m[c] for c in present])) for m in (prec, rec, f1)]
    micro = [safe(sum(tp), sum(tp) + sum(fp)), safe(sum(tp), sum(tp) + sum(fn)),
             safe(2 * sum(tp), 2 * sum(tp) + sum(fp) + sum(fn))]
    return (prec, rec, f1), macro, micro


# ---------------------------------------------------------------- exercise 1.3


def ex_1_3():
    probs = np.stack([EX_1_3_CAT_PROBS, EX_1_3_DOG_PROBS], axis=1)
    # the notes print one-hot labels: column Cat and column Dog
    one_hot = np.stack([EX_1_3_CAT_LABELS, EX_1_3_DOG_LABELS], axis=1)
    assert (one_hot.sum(axis=1) == 1).all()
    target = one_hot.argmax(axis=1)
    return probs, target


def test_exercise_1_3_notes_numbers():
    probs, target = ex_1_3()
    gamma = EX_1_3_THRESHOLD
    assert accuracy(probs, target) == pytest.approx(EX_1_3_ACCURACY)
    assert precision(probs, target, threshold=gamma)[DOG] == pytest.approx(EX_1_3_DOG_PRECISION)
    assert recall(probs, target, threshold=gamma)[DOG] == pytest.approx(EX_1_3_DOG_RECALL)
    # The same numbers through the binary form: the probability of "Dog" alone.
    p_dog = np.array(EX_1_3_DOG_PROBS)
    assert precision(p_dog, target, threshold=gamma)[DOG] == pytest.approx(EX_1_3_DOG_PRECISION)
    assert recall(FakeTensor(p_dog), FakeTensor(target), threshold=gamma)[DOG] == \
        EX_1_3_DOG_RECALL
    assert accuracy(FakeTensor(p_dog), target, threshold=gamma) == \
        pytest.approx(EX_1_3_ACCURACY)
    # and through the binary form against the Dog labels directly (1 = Dog)
    assert accuracy(p_dog, np.array(EX_1_3_DOG_LABELS), threshold=gamma) == \
        pytest.approx(EX_1_3_ACCURACY)


def test_exercise_1_3_threshold_rule_is_per_class():
    probs, target = ex_1_3()
    # At gamma = 0.75 only sample 4 (p_dog = 0.8) is called "Dog", and only sample 1
    # (p_cat = 0.8) "Cat": each class is decided one-vs-rest, p_c >= gamma.
    np.testing.assert_allclose(precision(probs, target, threshold=0.75), [1.0, 1.0])
    np.testing.assert_allclose(recall(probs, target, threshold=0.75), [1 / 3, 1 / 2])
    # p >= gamma, not p > gamma: a probability equal to the threshold is a positive.
    assert recall(probs, target, threshold=0.8)[DOG] == 0.5


def test_accuracy_input_forms():
    target = np.array([0, 1, 1, 0])
    assert accuracy(np.array([0, 1, 0, 0]), target) == 0.75
    assert accuracy(np.array([0.2, 0.9, 0.5, 0.49]), target) == 1.0        # p >= 0.5
    assert accuracy(np.array([[0.2], [0.9], [0.5], [0.1]]), target) == 1.0  # (N, 1)
    assert accuracy(np.array([0.2, 0.9, 0.5, 0.49]), target, threshold=0.6) == 0.75
    assert accuracy(np.array([[2.0, -1.0], [0.0, 3.0], [1.0, 1.0], [5, 4]]), target) == 0.75
    assert isinstance(accuracy([1, 0], [1, 0]), float)


def test_threshold_is_refused_where_it_cannot_apply():
    # (N, C) scores are decided by their argmax: a threshold would be silently ignored.
    scores = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.4, 0.35, 0.25]])
    target = np.array([0, 1, 2, 1])
    assert accuracy(scores, target) == 0.75  # the argmax, no threshold
    for fn in (accuracy, confusion_matrix):
        with pytest.raises(ValueError, match=rf"{fn.__name__}: threshold applies to binary "
                                             r"probabilities.*shape \(4, 3\)"):
            fn(scores, target, threshold=0.7)
    for fn in (precision, recall, f1_score):
        with pytest.raises(ValueError, match=rf"{fn.__name__}: threshold.*\(4, 3\)"):
            fn(scores, target, threshold=0.7)
    with pytest.raises(ValueError, match=r"accuracy: threshold.*\(2, 2\)"):
        accuracy(np.array([[0.9, 0.1], [0.3, 0.7]]), [0, 1], threshold=0.8)
    with pytest.raises(ValueError, match=r"accuracy: threshold applies to probabilities; "
                                         r"pred holds class indices \(int64, shape \(2,\)\)"):
        accuracy(np.array([0, 1]), [0, 1], threshold=0.5)
    # where it applies, it is used: binary probabilities (N,), and the notes' (N, 2) rule
    assert accuracy(np.array([0.7, 0.6]), [1, 0], threshold=0.65) == 1.0
    np.testing.assert_allclose(recall(np.array([[0.3, 0.7], [0.4, 0.6]]), [1, 1],
                                      threshold=0.65), [0.0, 0.5])


def test_bad_inputs_name_the_function():
    with pytest.raises(ValueError, match=r"accuracy: pred has 3 samples but target has 2"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"accuracy: .*probabilities in \[0, 1\]"):
        accuracy(np.array([-2.0, 3.0]), [0, 1])  # logits, not probabilities
    with pytest.raises(TypeError, match="precision: target"):
        precision([0, 1], np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="recall: average"):
        recall([0, 1], [0, 1], average="weighted")
    with pytest.raises(ValueError, match=r"confusion_matrix: class indices must lie in \[0, 2\)"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_top_k_accuracy():
    scores = np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    target = np.array([2, 2, 1])
    assert top_k_accuracy(scores, target, k=1) == 0.0
    # Row 3: class 1 ties class 0 at 0.3 and ranks after it (third), so k = 2 misses it.
    assert top_k_accuracy(scores, target, k=2) == pytest.approx(1 / 3)
    assert top_k_accuracy(scores, target, k=3) == 1.0
    # Ties go to the lower index, so k = 1 agrees with accuracy (argmax).
    tied = np.array([[0.5, 0.5], [0.5, 0.5]])
    assert top_k_accuracy(tied, [0, 1], k=1) == accuracy(tied, [0, 1]) == 0.5
    with pytest.raises(ValueError, match="top_k_accuracy: k"):
        top_k_accuracy(scores, target, k=4)


# ---------------------------------------------------------------- against the reference


@pytest.mark.parametrize("seed", range(5))
def test_against_brute_force_reference(seed):
    rng = np.random.default_rng(seed)
    k, n = 4, 60
    target = rng.integers(0, k, n)
    scores = rng.random((n, k))
    pred = scores.argmax(axis=1)
    (prec, rec, f1), macro, micro = reference_scores(pred, target, k)
    for fn, per_class, mac, mic in [(precision, prec, macro[0], micro[0]),
                                    (recall, rec, macro[1], micro[1]),
                                    (f1_score, f1, macro[2], micro[2])]:
        for p in (pred, scores, FakeTensor(scores)):
            np.testing.assert_allclose(fn(p, target, num_classes=k), per_class)
            assert fn(p, target, average="macro") == pytest.approx(mac)
            assert fn(p, target, average="micro") == pytest.approx(mic)
    # Single-label problems: micro precision = micro recall = accuracy.
    assert micro[0] == pytest.approx(accuracy(scores, target))
    expected = np.zeros((k, k), np.int64)
    for p, t in zip(pred, target):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(scores, target), expected)
    np.testing.assert_array_equal(confusion_matrix(pred, target, num_classes=k), expected)


def test_confusion_matrix_layout_and_binary_threshold():
    # Rows = true class, columns = predicted class.
    cm = confusion_matrix(np.array([0.9, 0.2, 0.6, 0.4]), [1, 1, 0, 0])
    np.testing.assert_array_equal(cm, [[1, 1], [1, 1]])
    cm = confusion_matrix(np.array([0.9, 0.2, 0.6, 0.4]), [1, 1, 0, 0], threshold=0.7)
    np.testing.assert_array_equal(cm, [[2, 0], [1, 1]])
    assert confusion_matrix([2, 0], [0, 0], num_classes=4).shape == (4, 4)


# ---------------------------------------------------------------- empty classes


def test_empty_classes_give_zero_without_warnings():
    target = np.array([0, 0, 1, 1])
    pred = np.array([0, 0, 0, 0])  # class 1 never predicted, class 2 never seen
    np.testing.assert_array_equal(precision(pred, target, num_classes=3), [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(recall(pred, target, num_classes=3), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(f1_score(pred, target, num_classes=3), [2 / 3, 0.0, 0.0])
    # Macro averages skip class 2, absent from both target and predictions.
    assert precision(pred, target, num_classes=3, average="macro") == 0.25
    assert recall(pred, target, num_classes=3, average="macro") == 0.5
    # No positive decision at all: micro precision is 0.0, not NaN.
    probs = np.array([[0.4, 0.4], [0.3, 0.3]])
    assert precision(probs, [0, 1], average="micro") == 0.0


# ---------------------------------------------------------------- IoU


def test_iou_hand_made_map():
    target = np.array([[[0, 0, 1, 1],
                        [0, 0, 1, 1],
                        [2, 2, 2, 2]]])
    pred = np.array([[[0, 1, 1, 1],
                      [0, 0, 1, 1],
                      [2, 2, 1, 1]]])
    # class 0: inter 3, union 4; class 1: inter 4, union 7; class 2: inter 2, union 4.
    np.testing.assert_allclose(iou(pred, target, num_classes=4), [3 / 4, 4 / 7, 2 / 4, 0.0])
    # Class 3 is in neither map, so the mean skips it.
    assert mean_iou(pred, target, num_classes=4) == pytest.approx((3 / 4 + 4 / 7 + 2 / 4) / 3)
    # (N, C, H, W) scores are reduced by argmax over C.
    scores = np.eye(4)[pred].transpose(0, 3, 1, 2)
    np.testing.assert_allclose(iou(scores, target, num_classes=4), iou(pred, target, 4))


def test_iou_ignore_index():
    target = np.array([[[0, 255], [1, 1]]])
    pred = np.array([[[0, 1], [1, 0]]])
    # The 255 pixel is left out: class 0 inter 1 union 2, class 1 inter 1 union 2.
    np.testing.assert_allclose(iou(pred, target, 2, ignore_index=255), [0.5, 0.5])
    # An in-range ignore_index removes that class from the mean.
    assert mean_iou(pred, np.array([[[0, 0], [1, 1]]]), 2, ignore_index=0) == 0.5
    with pytest.raises(ValueError, match="iou: pred shape"):
        iou(pred[0], target, 2)


def test_xarxa_float32_tensors_at_the_threshold():
    import xarxa as xa

    # float32 0.7 is not float64 0.7: a probability equal to γ must still count as positive
    probs = xa.tensor([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.2, 0.8], [0.7, 0.3]])
    target = xa.tensor([CAT, DOG, CAT, DOG, CAT])
    assert probs.dtype == np.float32
    np.testing.assert_allclose(recall(probs, target, threshold=0.7), [2 / 3, 1.0])
    np.testing.assert_allclose(precision(probs, target, threshold=0.7), [1.0, 1.0])
    assert accuracy(probs[:, 1], target, threshold=0.7) == 1.0
    assert accuracy(probs, target) == pytest.approx(EX_1_3_ACCURACY)
