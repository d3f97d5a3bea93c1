"""Numerical robustness (no NaN, no warning), clear errors, and the loss modules."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.losses as L
from xarxa import nn


@pytest.fixture
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):   # underflow is fine
            yield


def value_and_grad(fn, x, *args, upstream=None, **kwargs):
    """Value and input gradient of (out * upstream).sum() (upstream = ones by default)."""
    a = xa.tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    out = fn(a, *args, **kwargs)
    v = np.ones(out.shape, np.float32) if upstream is None else upstream
    (out * xa.tensor(v)).sum().backward()
    assert np.all(np.isfinite(out.numpy())), out
    assert np.all(np.isfinite(a.grad.numpy())), a.grad
    return out.numpy(), a.grad.numpy()


def random_upstream(shape, seed=0):
    # a random v, not ones: a per-row gradient applied to the wrong row must show
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# -- numerical robustness ----------------------------------------------------------------------

HUGE = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, -1000.0]]


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_cross_entropy_huge_logits(strict, reduction):
    t = np.array([0, 0, 2])
    v = random_upstream((3,) if reduction == "none" else ())
    out, grad = value_and_grad(L.cross_entropy, HUGE, t, reduction=reduction,
                               label_smoothing=0.1, upstream=v)
    x = torch.tensor(HUGE, requires_grad=True)
    ref = TF.cross_entropy(x, torch.tensor(t), reduction=reduction, label_smoothing=0.1)
    (ref * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-5, atol=1e-7)
    plain, _ = value_and_grad(L.cross_entropy, HUGE, t, reduction="none")
    np.testing.assert_allclose(plain, [0.0, 2000.0 + np.log(2), 1000.0 + np.log(2)], rtol=1e-6)


def test_bce_with_logits_huge_logits(strict):
    x = [1000.0, -1000.0, 1000.0, -1000.0, 0.0]
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    out, grad = value_and_grad(L.binary_cross_entropy_with_logits, x, t, reduction="none")
    np.testing.assert_allclose(out, [0.0, 0.0, 1000.0, 1000.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(grad, [0.0, 0.0, 1.0, -1.0, -0.5])
    value_and_grad(L.binary_cross_entropy_with_logits, x, t, pos_weight=np.full(5, 3.0))


def test_bce_probabilities_exactly_0_and_1(strict):
    p = [0.0, 1.0, 0.0, 1.0, 0.5]
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)
    v = random_upstream((5,))
    out, grad = value_and_grad(L.binary_cross_entropy, p, t, reduction="none", upstream=v)
    x = torch.tensor(p, requires_grad=True)
    ref = TF.binary_cross_entropy(x, torch.tensor(t), reduction="none")
    (ref * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(out, ref.detach().numpy())       # ln 0 floored at −100
    np.testing.assert_allclose(out, [0.0, 0.0, 100.0, 100.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-6)  # ±1/1e-12, as PyTorch


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_focal_losses_huge_logits(strict, gamma):
    t = np.array([0, 0, 2])
    out, _ = value_and_grad(L.focal_loss, HUGE, t, gamma=gamma, reduction="none")
    assert out[0] == 0.0 and out[1] > 1000
    x = np.array(HUGE).reshape(-1)
    value_and_grad(L.sigmoid_focal_loss, x, (x > 0).astype(np.float32), gamma=gamma)
    value_and_grad(L.sigmoid_focal_loss, x, (x < 0).astype(np.float32), gamma=gamma)


def test_kl_div_zero_probabilities(strict):
    q = np.log(np.array([[0.5, 0.5, 1e-30]], np.float32))
    out, grad = value_and_grad(L.kl_div, q, np.array([[1.0, 0.0, 0.0]], np.float32),
                               reduction="sum")
    assert out == pytest.approx(np.log(2))
    # Σ p (ln p − ln q): ∂/∂ln q = −p, and the p = 0 terms contribute nothing
    np.testing.assert_array_equal(grad, [[-1.0, 0.0, 0.0]])


def test_empty_classes_and_fully_ignored_batches(strict):
    x = np.random.default_rng(0).standard_normal((4, 3))
    # class 2 has no sample in the batch: its weight plays no part
    w = np.array([1.0, 2.0, 5.0], np.float32)
    out, _ = value_and_grad(L.cross_entropy, x, np.array([0, 1, 1, 0]), weight=w)
    ref = TF.cross_entropy(torch.tensor(x, dtype=torch.float32), torch.tensor([0, 1, 1, 0]),
                           weight=torch.tensor(w))
    assert out == pytest.approx(ref.item(), rel=1e-6)
    # every target ignored, or every weight zero: 0 and a zero gradient (PyTorch: NaN)
    all_ignored = np.full(4, -100)
    for fn in (L.cross_entropy, L.nll_loss, L.focal_loss):
        out, grad = value_and_grad(fn, x, all_ignored)
        assert out == 0.0 and not grad.any()
    out, grad = value_and_grad(L.cross_entropy, x, np.array([0, 0, 0, 0]),
                               weight=np.array([0.0, 1.0, 1.0]))
    assert out == 0.0 and not grad.any()
    assert L.mse_loss(xa.zeros(0), xa.zeros(0)).item() == 0.0      # empty batch


# -- errors ------------------------------------------------------------------------------------

def test_target_shape_and_dtype_errors():
    x = xa.randn(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy: class-index target must have shape "
                                         r"torch.Size\(\[4\]\) .* got \(4, 1\)"):
        L.cross_entropy(x, xa.zeros(4, 1, dtype=xa.int64))
    with pytest.raises(ValueError, match=r"cross_entropy: probability targets .* shape"):
        L.cross_entropy(x, xa.zeros(4))
    with pytest.raises(TypeError, match="cross_entropy: target must hold int64"):
        L.cross_entropy(x, np.zeros(4, bool))
    with pytest.raises(ValueError, match=r"mse_loss: target shape torch.Size\(\[4\]\) does not "
                                         r"match input shape torch.Size\(\[4, 1\]\)"):
        L.mse_loss(xa.randn(4, 1), xa.randn(4))
    with pytest.raises(TypeError, match="l1_loss: input must be a floating tensor"):
        L.l1_loss(xa.tensor([1, 2]), xa.tensor([1, 2]))
    with pytest.raises(TypeError, match="nll_loss: target must hold integer class indices"):
        L.nll_loss(x, xa.zeros(4))
    with pytest.raises(ValueError, match=r"nll_loss: target must have shape "
                                         r"torch.Size\(\[4, 2\]\)"):
        L.nll_loss(xa.randn(4, 3, 2), xa.zeros(4, dtype=xa.int64))
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have shape \(3,\)"):
        L.cross_entropy(x, xa.zeros(4, dtype=xa.int64), weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="binary_cross_entropy: input must hold probabilities"):
        L.binary_cross_entropy(xa.tensor([0.5, 1.5]), xa.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) does not broadcast"):
        L.binary_cross_entropy_with_logits(x, xa.zeros(4, 3), pos_weight=[1.0, 2.0])


def test_class_index_out_of_range():
    x = xa.randn(4, 3)
    for fn in (L.cross_entropy, L.nll_loss, L.focal_loss, L.multi_margin_loss):
        with pytest.raises(ValueError, match=fn.__name__ + r": target class index 3 is out "
                                                           r"of range: expected 0 ≤ index < 3"):
            fn(x, xa.tensor([0, 1, 3, 2]))
        with pytest.raises(ValueError, match="index -1 is out of range"):
            fn(x, xa.tensor([0, 1, -1, 2]))
    # the ignored value itself is fine, even outside the range
    L.cross_entropy(x, xa.tensor([0, 1, -100, 2]))
    L.cross_entropy(xa.randn(2, 3, 2, 2), xa.full((2, 2, 2), 255, dtype=xa.int64),
                    ignore_index=255)


def test_hinge_labels_and_margins():
    x = xa.randn(4)
    with pytest.raises(ValueError, match=r"hinge_loss: target labels must be -1 or 1, got "
                                         r"\[0\]"):
        L.hinge_loss(x, xa.tensor([0, 1, 1, 0]))
    L.hinge_loss(x, xa.tensor([-1, 1, 1, -1]))          # integer ±1 labels are fine
    with pytest.raises(ValueError, match="hinge_loss: margin must be non-negative, got -1"):
        L.hinge_loss(x, xa.tensor([-1.0, 1.0, 1.0, -1.0]), margin=-1.0)
    a = xa.randn(2, 3)
    with pytest.raises(ValueError, match="triplet_margin_loss: margin must be non-negative"):
        L.triplet_margin_loss(a, a, a, margin=-0.5)
    with pytest.raises(ValueError, match="multi_margin_loss: margin must be non-negative"):
        L.multi_margin_loss(a, xa.tensor([0, 1]), margin=-0.5)
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2"):
        L.multi_margin_loss(a, xa.tensor([0, 1]), p=3)
    with pytest.raises(ValueError, match="triplet_margin_loss: anchor, positive and negative"):
        L.triplet_margin_loss(a, a, xa.randn(3, 3))


def test_other_argument_errors():
    x = xa.randn(4, 3)
    t = xa.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match="cross_entropy: reduction must be one of"):
        L.cross_entropy(x, t, reduction="avg")
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must lie in"):
        L.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        L.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="focal_loss: gamma must be non-negative"):
        L.focal_loss(x, t, gamma=-1.0)
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        L.kl_div(x, x, reduction="batch")


# -- modules -----------------------------------------------------------------------------------

def test_modules_are_the_functions():
    rng = np.random.default_rng(1)
    x = xa.tensor(rng.standard_normal((4, 3)))
    y = xa.tensor(rng.standard_normal((4, 3)))
    t = xa.tensor([0, 2, 1, 0])
    w = [1.0, 2.0, 3.0]
    probs = xa.sigmoid(x)
    binary = (y > 0).float()
    cases = [
        (nn.L1Loss(), L.l1_loss, (x, y), {}),
        (nn.MSELoss(reduction="sum"), L.mse_loss, (x, y), dict(reduction="sum")),
        (nn.HuberLoss(delta=0.5), L.huber_loss, (x, y), dict(delta=0.5)),
        (nn.HingeLoss(margin=2.0), L.hinge_loss, (x, binary * 2 - 1), dict(margin=2.0)),
        (nn.MultiMarginLoss(weight=w), L.multi_margin_loss, (x, t), dict(weight=w)),
        (nn.CrossEntropyLoss(weight=w, label_smoothing=0.1), L.cross_entropy, (x, t),
         dict(weight=w, label_smoothing=0.1)),
        (nn.NLLLoss(reduction="none"), L.nll_loss, (x, t), dict(reduction="none")),
        (nn.KLDivLoss(reduction="batchmean"), L.kl_div, (x, probs),
         dict(reduction="batchmean")),
        (nn.BCELoss(), L.binary_cross_entropy, (probs, binary), {}),
        (nn.BCEWithLogitsLoss(pos_weight=w), L.binary_cross_entropy_with_logits, (x, binary),
         dict(pos_weight=w)),
        (nn.FocalLoss(gamma=1.0, alpha=w), L.focal_loss, (x, t), dict(gamma=1.0, alpha=w)),
        (nn.SigmoidFocalLoss(), L.sigmoid_focal_loss, (x, binary), dict(reduction="mean")),
        (nn.TripletMarginLoss(margin=0.5), L.triplet_margin_loss, (x, y, probs),
         dict(margin=0.5)),
    ]
    for module, fn, args, kwargs in cases:
        np.testing.assert_allclose(module(*args).numpy(), fn(*args, **kwargs).numpy(),
                                   rtol=1e-6, err_msg=repr(module))
        assert list(module.parameters()) == []


def test_module_buffers_repr_and_errors():
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0])
    assert list(loss.state_dict()) == ["weight"]
    assert "reduction='mean'" in repr(loss)
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="HingeLoss: margin must be non-negative"):
        nn.HingeLoss(margin=-1)
    nn.KLDivLoss(reduction="batchmean")


def test_focal_loss_alpha_error_names_alpha():
    logits, target = xa.randn(4, 3), xa.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"focal_loss: alpha must have shape \(3,\).*got \(\)"):
        L.focal_loss(logits, target, gamma=2.0, alpha=0.25)
