"""Every loss against PyTorch (forward and gradients, every reduction) and float64 gradchecks.

Inputs avoid kinks (|y − ŷ| near 0 or δ, hinge margins, relu corners) so that both
libraries pick the same branch.
"""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.losses as L
from xarxa.testing import assert_matches_torch, gradcheck

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def away_from(values, kinks, gap=0.05):
    """Shift entries of `values` that lie within `gap` of a kink."""
    values = np.array(values, dtype=np.float64)
    for k in kinks:
        near = np.abs(np.abs(values) - k) < gap
        values[near] += 3 * gap
    return values


def regression_pair(shape, kinks=(0.0,)):
    x = rng.standard_normal(shape) * 2
    diff = away_from(rng.standard_normal(shape) * 2, kinks)
    return x, x - diff


def logits_and_targets(n, c, extra=(), ignore=None):
    x = rng.standard_normal((n, c) + extra) * 2
    t = rng.integers(0, c, (n,) + extra)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
        t.reshape(-1)[1] = 1 if ignore == 0 else 0    # keep one target (the mean's divisor)
    return x, t


def probabilities(shape, axis=1):
    z = rng.standard_normal(shape)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- regression ----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), ()])
def test_regression_losses_match_torch(reduction, shape):
    x, y = regression_pair(shape, kinks=(0.0, 1.0, 0.7))
    assert_matches_torch(lambda a, b: L.l1_loss(a, b, reduction=reduction),
                         lambda a, b: TF.l1_loss(a, b, reduction=reduction), [x, y])
    assert_matches_torch(lambda a, b: L.mse_loss(a, b, reduction=reduction),
                         lambda a, b: TF.mse_loss(a, b, reduction=reduction), [x, y])
    for delta in (1.0, 0.7):
        assert_matches_torch(
            lambda a, b: L.huber_loss(a, b, reduction=reduction, delta=delta),
            lambda a, b: TF.huber_loss(a, b, reduction=reduction, delta=delta), [x, y])


def test_huber_is_the_notes_formula():
    d = np.array([-3.0, -0.5, 0.2, 0.99, 1.01, 4.0])
    for delta in (1.0, 0.3):
        expected = np.where(np.abs(d) < delta, 0.5 * d ** 2,
                            delta * (np.abs(d) - 0.5 * delta))
        got = L.huber_loss(xa.tensor(d), xa.zeros(6, dtype=xa.float64), "none", delta)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_regression_gradcheck():
    x, y = regression_pair((3, 2), kinks=(0.0, 0.6))
    for fn in (L.l1_loss, L.mse_loss, lambda a, b: L.huber_loss(a, b, delta=0.6)):
        gradcheck(fn, [x, y])


# -- margin losses ---------------------------------------------------------------------------

def torch_hinge(x, y, margin=1.0):
    return torch.clamp(margin - y * x, min=0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss_matches_plain_torch(reduction):
    y = rng.choice([-1.0, 1.0], (6, 2))
    x = y * away_from(rng.standard_normal((6, 2)) * 2, (1.0,), 0.1) * rng.choice([-1, 1], (6, 2))
    red = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}[reduction]
    assert_matches_torch(lambda a: L.hinge_loss(a, xa.tensor(y), reduction=reduction),
                         lambda a: red(torch_hinge(a, torch.tensor(y, dtype=a.dtype))), [x])
    gradcheck(lambda a: L.hinge_loss(a, xa.tensor(y), margin=2.0), [x * 0.7])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_matches_torch(reduction, p):
    x, t = logits_and_targets(5, 4)
    w = rng.random(4) + 0.5
    for weight in (None, w):
        wx = None if weight is None else xa.tensor(weight)
        wt = None if weight is None else torch.tensor(weight, dtype=torch.float32)
        assert_matches_torch(
            lambda a: L.multi_margin_loss(a, t, p=p, margin=0.8, weight=wx,
                                          reduction=reduction),
            lambda a: TF.multi_margin_loss(a, torch.tensor(t), p=p, margin=0.8, weight=wt,
                                           reduction=reduction), [x])
    assert_matches_torch(lambda a: L.multi_margin_loss(a, np.array(2), reduction=reduction),
                         lambda a: TF.multi_margin_loss(a, torch.tensor(2),
                                                        reduction=reduction), [x[0]])
    gradcheck(lambda a: L.multi_margin_loss(a, t[:2], p=p, weight=w), [x[:2]])


# -- cross-entropy and NLL -------------------------------------------------------------------

CE_SETTINGS = [dict(), dict(label_smoothing=0.2), dict(ignore_index=-100),
               dict(ignore_index=1), dict(weight=True), dict(weight=True, label_smoothing=0.3,
                                                             ignore_index=-100)]


def _weights(settings, c):
    settings = dict(settings)
    if settings.pop("weight", False):
        w = rng.random(c) + 0.2
        return settings, xa.tensor(w), torch.tensor(w, dtype=torch.float32)
    return settings, None, None


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("settings", CE_SETTINGS)
@pytest.mark.parametrize("extra", [(), (3, 2)])
def test_cross_entropy_index_targets_match_torch(reduction, settings, extra):
    kw, wx, wt = _weights(settings, 4)
    x, t = logits_and_targets(5, 4, extra, ignore=kw.get("ignore_index"))
    assert_matches_torch(
        lambda a: L.cross_entropy(a, t, weight=wx, reduction=reduction, **kw),
        lambda a: TF.cross_entropy(a, torch.tensor(t), weight=wt, reduction=reduction, **kw),
        [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("settings", [dict(), dict(label_smoothing=0.2), dict(weight=True),
                                      dict(weight=True, label_smoothing=0.1)])
@pytest.mark.parametrize("extra", [(), (2, 3)])
def test_cross_entropy_probability_targets_match_torch(reduction, settings, extra):
    kw, wx, wt = _weights(settings, 3)
    x = rng.standard_normal((4, 3) + extra)
    p = probabilities((4, 3) + extra)
    assert_matches_torch(lambda a, b: L.cross_entropy(a, b, weight=wx, reduction=reduction,
                                                      **kw),
                         lambda a, b: TF.cross_entropy(a, b, weight=wt, reduction=reduction,
                                                       **kw), [x, p])


def test_cross_entropy_unbatched_matches_torch():
    x = rng.standard_normal(5)
    for reduction in REDUCTIONS:
        assert_matches_torch(lambda a: L.cross_entropy(a, np.array(3), reduction=reduction),
                             lambda a: TF.cross_entropy(a, torch.tensor(3), reduction=reduction),
                             [x])
    assert_matches_torch(lambda a, b: L.cross_entropy(a, b, label_smoothing=0.1),
                         lambda a, b: TF.cross_entropy(a, b, label_smoothing=0.1),
                         [x, probabilities((5,), axis=0)])


def test_cross_entropy_gradcheck():
    x, t = logits_and_targets(3, 4, ignore=-100)
    w = rng.random(4) + 0.5
    for kw in (dict(), dict(weight=w, label_smoothing=0.2), dict(reduction="none")):
        gradcheck(lambda a: L.cross_entropy(a, t, **kw), [x])
    x4, t4 = logits_and_targets(2, 3, (2, 2), ignore=0)
    gradcheck(lambda a: L.cross_entropy(a, t4, ignore_index=0, label_smoothing=0.1), [x4])
    p = probabilities((3, 4))
    gradcheck(lambda a, b: L.cross_entropy(a, b, weight=w, label_smoothing=0.3), [x, p])


def test_cross_entropy_float32_in_float32_out():
    x, t = logits_and_targets(4, 3)
    a = xa.tensor(x.astype(np.float32), requires_grad=True)
    out = L.cross_entropy(a, t, weight=np.ones(3))   # float64 weight: no upcast
    out.backward()
    assert out.dtype == np.float32 and a.grad.dtype == np.float32


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("settings", [dict(), dict(ignore_index=2), dict(weight=True)])
@pytest.mark.parametrize("extra", [(), (2, 3)])
def test_nll_loss_matches_torch(reduction, settings, extra):
    kw, wx, wt = _weights(settings, 3)
    x, t = logits_and_targets(4, 3, extra, ignore=kw.get("ignore_index"))
    assert_matches_torch(lambda a: L.nll_loss(a, t, weight=wx, reduction=reduction, **kw),
                         lambda a: TF.nll_loss(a, torch.tensor(t), weight=wt,
                                               reduction=reduction, **kw), [x])


def test_nll_loss_gradcheck_and_unbatched():
    x, t = logits_and_targets(3, 4, (2,), ignore=-100)
    gradcheck(lambda a: L.nll_loss(a, t, weight=np.arange(1.0, 5.0)), [x])
    assert_matches_torch(lambda a: L.nll_loss(a, np.array(1), reduction="none"),
                         lambda a: TF.nll_loss(a, torch.tensor(1), reduction="none"), [x[0, :, 0]])


def test_nll_of_log_softmax_is_cross_entropy():
    x, t = logits_and_targets(6, 5)
    a = xa.tensor(x)
    np.testing.assert_allclose(L.nll_loss(xa.log_softmax(a, dim=1), t).item(),
                               L.cross_entropy(a, t).item(), rtol=1e-6)


# -- KL divergence -----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logq = np.log(probabilities((4, 5)))
    p = probabilities((4, 5))
    target = np.log(p) if log_target else p
    with warnings.catch_warnings():     # torch's notice that 'mean' is not the KL's mean
        warnings.simplefilter("ignore", UserWarning)
        assert_matches_torch(
            lambda a, b: L.kl_div(a, b, reduction=reduction, log_target=log_target),
            lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
            [logq, target])
    gradcheck(lambda a, b: L.kl_div(a, b, reduction=reduction, log_target=log_target),
              [logq[:2], target[:2]])


def test_kl_div_is_the_corrected_notes_formula():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    got = L.kl_div(xa.tensor(np.log(q)), xa.tensor(p), reduction="sum").item()
    assert got == pytest.approx(np.sum(p[:2] * np.log(p[:2] / q[:2])))   # Σ p ln(p/q)


# -- binary cross-entropies -------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction):
    p = rng.uniform(0.05, 0.95, (4, 3))
    t = rng.uniform(0, 1, (4, 3))
    w = rng.random(3) + 0.5
    assert_matches_torch(lambda a, b: L.binary_cross_entropy(a, b, reduction=reduction),
                         lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), [p, t])
    assert_matches_torch(
        lambda a: L.binary_cross_entropy(a, t, weight=w, reduction=reduction),
        lambda a: TF.binary_cross_entropy(a, torch.tensor(t, dtype=torch.float32),
                                          weight=torch.tensor(w, dtype=torch.float32),
                                          reduction=reduction), [p])
    gradcheck(lambda a, b: L.binary_cross_entropy(a, b, weight=w, reduction=reduction),
              [p[:2], t[:2]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    x = rng.standard_normal((4, 3)) * 3
    t = rng.uniform(0, 1, (4, 3))
    w, pw = rng.random((4, 1)) + 0.5, rng.random(3) + 0.5
    f32 = dict(dtype=torch.float32)
    assert_matches_torch(
        lambda a, b: L.binary_cross_entropy_with_logits(a, b, reduction=reduction),
        lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction), [x, t])
    assert_matches_torch(
        lambda a, b: L.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=pw,
                                                        reduction=reduction),
        lambda a, b: TF.binary_cross_entropy_with_logits(
            a, b, weight=torch.tensor(w, **f32), pos_weight=torch.tensor(pw, **f32),
            reduction=reduction), [x, t])
    gradcheck(lambda a, b: L.binary_cross_entropy_with_logits(a, b, weight=w[:2],
                                                              pos_weight=pw,
                                                              reduction=reduction),
              [x[:2], t[:2]])


def test_bce_with_logits_equals_bce_of_sigmoid():
    x, t = rng.standard_normal(7), rng.integers(0, 2, 7).astype(np.float64)
    a = xa.tensor(x)
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits(a, t).item(),
                               L.binary_cross_entropy(xa.sigmoid(a), t).item(), rtol=1e-10)


# -- focal losses ------------------------------------------------------------------------------

def torch_focal(x, t, gamma, alpha=None, reduction="mean"):
    """The notes' softmax focal loss, written with plain torch ops."""
    logp = torch.log_softmax(x, dim=1)
    logp_t = logp.gather(1, t.unsqueeze(1)).squeeze(1)
    loss = -(1 - logp_t.exp()) ** gamma * logp_t
    if alpha is not None:
        loss = alpha[t] * loss
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("extra", [(), (2, 3)])
def test_focal_loss_matches_plain_torch(reduction, gamma, extra):
    x, t = logits_and_targets(4, 3, extra)
    alpha = rng.random(3) + 0.25
    for a in (None, alpha):
        ta = None if a is None else torch.tensor(a, dtype=torch.float32)
        assert_matches_torch(
            lambda z: L.focal_loss(z, t, gamma=gamma, alpha=a, reduction=reduction),
            lambda z: torch_focal(z, torch.tensor(t), gamma, ta, reduction), [x])
    gradcheck(lambda z: L.focal_loss(z, t[:2], gamma=gamma, alpha=alpha), [x[:2]])


def test_focal_loss_with_gamma_0_is_cross_entropy():
    x, t = logits_and_targets(5, 4)
    w = rng.random(4) + 0.5
    a = xa.tensor(x)
    np.testing.assert_allclose(L.focal_loss(a, t, gamma=0.0).item(),
                               L.cross_entropy(a, t).item(), rtol=1e-10)
    np.testing.assert_allclose(L.focal_loss(a, t, gamma=0.0, alpha=w, reduction="sum").item(),
                               L.cross_entropy(a, t, weight=w, reduction="sum").item(),
                               rtol=1e-10)
    # the focal factor (1 − S_y)^γ only ever shrinks the loss
    assert L.focal_loss(a, t, gamma=2.0).item() < L.cross_entropy(a, t).item()


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, written out with plain torch ops."""
    p = torch.sigmoid(inputs)
    ce_loss = TF.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return {"none": lambda: loss, "mean": loss.mean, "sum": loss.sum}[reduction]()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (-1.0, 1.5), (0.7, 0.0)])
def test_sigmoid_focal_loss_matches_torchvision_formula(reduction, alpha, gamma):
    x = rng.standard_normal((5, 3)) * 2
    t = rng.integers(0, 2, (5, 3)).astype(np.float64)
    assert_matches_torch(
        lambda a: L.sigmoid_focal_loss(a, t, alpha=alpha, gamma=gamma, reduction=reduction),
        lambda a: torchvision_sigmoid_focal_loss(a, torch.tensor(t, dtype=torch.float32),
                                                 alpha, gamma, reduction), [x])
    gradcheck(lambda a: L.sigmoid_focal_loss(a, t[:2], alpha=alpha, gamma=gamma), [x[:2]])


# -- triplet margin loss (PyTorch's) ----------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, False), (2, True), (3, True)])
def test_triplet_margin_loss_matches_torch(reduction, p, swap):
    a, pos, neg = (rng.standard_normal((6, 4)) for _ in range(3))
    assert_matches_torch(
        lambda x, y, z: L.triplet_margin_loss(x, y, z, margin=1.5, p=p, swap=swap,
                                              reduction=reduction),
        lambda x, y, z: TF.triplet_margin_loss(x, y, z, margin=1.5, p=p, swap=swap,
                                               reduction=reduction), [a, pos, neg])
    gradcheck(lambda x, y, z: L.triplet_margin_loss(x, y, z, margin=3.0, p=p, swap=swap),
              [a[:2], pos[:2], neg[:2]])
