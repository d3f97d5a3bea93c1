"""Distances and metric-learning losses: exercise 1.7, PyTorch parity, gradchecks, errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.metric_learning as ml
from notes import (EX_1_7_ANCHOR, EX_1_7_CONTRASTIVE_NEGATIVE,
                   EX_1_7_CONTRASTIVE_NEGATIVE_SQUARED, EX_1_7_CONTRASTIVE_POSITIVE,
                   EX_1_7_MARGIN, EX_1_7_NEGATIVE, EX_1_7_POSITIVE, EX_1_7_TRIPLET)
from xarxa.testing import assert_matches_torch, gradcheck

rng = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


# -- exercise 1.7 ------------------------------------------------------------------------------

def ex_1_7():
    return (xa.tensor([EX_1_7_ANCHOR]), xa.tensor([EX_1_7_POSITIVE]),
            xa.tensor([EX_1_7_NEGATIVE]))


def test_exercise_1_7_contrastive():
    a, p, n = ex_1_7()
    kw = dict(margin=EX_1_7_MARGIN, metric="l1")
    assert ml.contrastive_loss(a, p, 1, **kw).item() == EX_1_7_CONTRASTIVE_POSITIVE
    assert ml.contrastive_loss(a, n, 0, squared_hinge=False, **kw).item() \
        == EX_1_7_CONTRASTIVE_NEGATIVE
    assert ml.contrastive_loss(a, n, 0, **kw).item() == EX_1_7_CONTRASTIVE_NEGATIVE_SQUARED
    # both pairs in one batch
    both = ml.contrastive_loss(xa.stack([a, a]), xa.stack([p, n]), xa.tensor([1, 0]),
                               squared_hinge=False, reduction="none", **kw)
    np.testing.assert_array_equal(both.numpy(), [1.0, 2.0])


def test_exercise_1_7_triplet():
    a, p, n = ex_1_7()
    assert ml.triplet_loss(a, p, n, margin=EX_1_7_MARGIN, metric="l1").item() == EX_1_7_TRIPLET
    # in 1-D the L1 and Euclidean distances agree
    assert ml.triplet_loss(a, p, n, margin=EX_1_7_MARGIN).item() == EX_1_7_TRIPLET
    # 4 + 1 − 4 = 1 < m: the negative is further than the positive but inside the margin
    assert ml.classify_triplets(a, p, n, EX_1_7_MARGIN, metric="l1") == ml.SEMI_HARD


# -- distances ---------------------------------------------------------------------------------

def torch_distance_matrix(x, y, metric):
    if metric == "cosine":
        return 1 - TF.cosine_similarity(x[:, None, :], y[None, :, :], dim=-1, eps=1e-8)
    d = torch.cdist(x, y, p=1 if metric == "l1" else 2)
    return d * d if metric == "sqeuclidean" else d


@pytest.mark.parametrize("metric", ml.METRICS)
def test_distance_matrix_matches_torch(metric):
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    assert_matches_torch(lambda a, b: ml.distance_matrix(a, b, metric),
                         lambda a, b: torch_distance_matrix(a, b, metric), [x, y])
    gradcheck(lambda a, b: ml.distance_matrix(a, b, metric), [x[:3], y[:2]])
    assert_matches_torch(lambda a, b: ml.paired_distance(a, b, metric),
                         lambda a, b: torch_distance_matrix(a, b, metric).diagonal(), [x, x[::-1]])


def test_large_distance_matrix_uses_the_gemm_form():
    x = rng.standard_normal((300, 64)).astype(np.float32)
    for metric in ("euclidean", "sqeuclidean"):
        got = ml.distance_matrix(xa.tensor(x), metric=metric).numpy()
        ref = torch_distance_matrix(torch.tensor(x, dtype=torch.float64),
                                    torch.tensor(x, dtype=torch.float64), metric).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-3, atol=1e-3)
        assert np.all(np.diag(got) == 0)


def test_zero_distances_have_finite_gradients():
    x = xa.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for metric in ml.METRICS:
            ml.distance_matrix(x, metric=metric).sum().backward()
            ml.paired_distance(x, x, metric=metric).sum().backward()
            ml.contrastive_loss(x, x, np.ones(4), metric=metric).backward()
            assert np.all(np.isfinite(x.grad.numpy()))
            x.grad = None


# -- losses against references -----------------------------------------------------------------

def torch_contrastive(x1, x2, y, margin, metric, squared_hinge):
    d = torch_distance_matrix(x1, x2, metric).diagonal()
    hinge = torch.clamp(margin - d, min=0)
    return y * d ** 2 + (1 - y) * (hinge ** 2 if squared_hinge else hinge)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("metric", ["euclidean", "l1", "cosine"])
@pytest.mark.parametrize("squared_hinge", [True, False])
def test_contrastive_loss_matches_plain_torch(reduction, metric, squared_hinge):
    x1, x2 = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    y = np.array([1, 0, 1, 0, 0, 1])
    margin = {"euclidean": 2.0, "l1": 3.0, "cosine": 1.0}[metric]
    red = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}[reduction]
    assert_matches_torch(
        lambda a, b: ml.contrastive_loss(a, b, y, margin, metric, squared_hinge, reduction),
        lambda a, b: red(torch_contrastive(a, b, torch.tensor(y), margin, metric,
                                           squared_hinge)), [x1, x2])
    gradcheck(lambda a, b: ml.contrastive_loss(a, b, y[:3], margin, metric, squared_hinge),
              [x1[:3], x2[:3]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("metric", ["euclidean", "l1", "cosine"])
def test_triplet_loss_matches_plain_torch(reduction, metric):
    a, p, n = (rng.standard_normal((6, 3)) for _ in range(3))
    red = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}[reduction]

    def ref(x, y, z):
        d_ap = torch_distance_matrix(x, y, metric).diagonal() ** 2
        d_an = torch_distance_matrix(x, z, metric).diagonal() ** 2
        return red(torch.clamp(2.0 + d_ap - d_an, min=0))

    assert_matches_torch(lambda x, y, z: ml.triplet_loss(x, y, z, 2.0, metric,
                                                         reduction=reduction), ref, [a, p, n])
    gradcheck(lambda x, y, z: ml.triplet_loss(x, y, z, 2.0, metric), [a[:2], p[:2], n[:2]])


def test_unsquared_triplet_loss_is_torchs_triplet_margin_loss():
    a, p, n = (rng.standard_normal((8, 4)) for _ in range(3))
    assert_matches_torch(
        lambda x, y, z: ml.triplet_loss(x, y, z, margin=1.0, squared=False),
        lambda x, y, z: TF.triplet_margin_loss(x, y, z, margin=1.0, eps=0.0), [a, p, n])


def test_triplet_types_boundaries_follow_the_loss():
    d_ap = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    d_an = np.array([0.5, 1.0, 1.5, 2.0, 3.0])
    np.testing.assert_array_equal(ml.triplet_types(d_ap, d_an, margin=1.0),
                                  [ml.HARD, ml.HARD, ml.SEMI_HARD, ml.EASY, ml.EASY])
    a, p, n = (rng.standard_normal((50, 2)) for _ in range(3))
    kinds = ml.classify_triplets(a, p, n, margin=0.5)
    loss = ml.triplet_loss(xa.tensor(a), xa.tensor(p), xa.tensor(n), 0.5,
                           reduction="none").numpy()
    assert np.all((loss == 0) == (kinds == ml.EASY))
    assert np.all((loss >= 0.5) == (kinds == ml.HARD))


def test_metric_learning_modules_and_errors():
    x1, x2 = xa.randn(4, 2), xa.randn(4, 2)
    y = xa.tensor([1, 0, 1, 0])
    assert ml.ContrastiveLoss(margin=2.0)(x1, x2, y).item() == pytest.approx(
        ml.contrastive_loss(x1, x2, y, 2.0).item())
    x3 = xa.randn(4, 2)
    assert ml.TripletLoss(margin=0.5, metric="l1")(x1, x2, x3).item() == pytest.approx(
        ml.triplet_loss(x1, x2, x3, 0.5, "l1").item())
    with pytest.raises(ValueError, match="contrastive_loss: target must be 1 .* or 0"):
        ml.contrastive_loss(x1, x2, xa.tensor([1, -1, 1, 0]))
    with pytest.raises(ValueError, match="contrastive_loss: margin must be non-negative"):
        ml.contrastive_loss(x1, x2, y, margin=-1.0)
    with pytest.raises(ValueError, match=r"contrastive_loss: target must have shape "
                                         r"torch.Size\(\[4\]\)"):
        ml.contrastive_loss(x1, x2, xa.tensor([1, 0]))
    with pytest.raises(ValueError, match="triplet_loss: margin must be non-negative"):
        ml.triplet_loss(x1, x2, x2, margin=-0.1)
    with pytest.raises(ValueError, match="triplet_loss: metric must be one of"):
        ml.triplet_loss(x1, x2, x2, metric="hamming")
    with pytest.raises(ValueError, match="distance_matrix: x and y must have the same"):
        ml.distance_matrix(x1, xa.randn(3, 5))
    with pytest.raises(ValueError, match="TripletLoss: margin must be non-negative"):
        ml.TripletLoss(margin=-1.0)
