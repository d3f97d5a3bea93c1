"""Second derivatives of every loss of `xarxa.nn.functional` (and the metric-learning ones):
the double backward (the gradient of ⟨∂L/∂x, u⟩ for a random u, with respect to the inputs
and to the upstream gradient) against finite differences of the first derivative (float64)
and against PyTorch's double backward (float32). A loss PyTorch has is compared with
PyTorch's own function; the others (the notes' focal, hinge, contrastive and triplet losses,
torchvision's sigmoid focal loss, and multi_margin_loss, which PyTorch cannot differentiate
twice) with the same formula composed from torch ops.

The op table (tests/op_table.py) already covers the fused nodes' basic cases; these are the
composed losses, the other reductions and options, and shapes the table leaves out."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
from xarxa.metric_learning import contrastive_loss, triplet_loss
from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

F = xa.nn.functional
RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3))
T = RNG.standard_normal((4, 3))
P = RNG.uniform(0.1, 0.9, (4, 3))                 # probabilities, away from 0 and 1
Q = RNG.uniform(0.1, 0.9, (4, 3))
LABELS = [2, 0, 1, 2]                             # class indices for (4, 3) inputs
PIXELS = [[[0, 2], [1, -1]], [[2, 0], [-1, 1]]]   # for (2, 3, 2, 2) inputs, −1 ignored
SIGNS = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]], float)
W = [0.5, 2.0, 1.0]
A, POS, NEG = (RNG.standard_normal((5, 4)) for _ in range(3))
PAIR = [1, 0, 0, 1, 0]


def _idx(lib, v):
    return xa.tensor(v) if lib == "xarxa" else torch.tensor(v)


def _w(lib, like, v=W):
    return xa.tensor(np.array(v, like.numpy().dtype)) if lib == "xarxa" else \
        torch.tensor(v, dtype=like.dtype)


def _focal(x, t, gamma, alpha=None):
    """The notes' softmax focal loss, −α_y·(1 − S_y)^γ·ln S_y, mean (torch ops)."""
    logp_t = torch.log_softmax(x, 1).gather(1, torch.tensor(t)[:, None])[:, 0]
    scale = torch.tensor(alpha, dtype=x.dtype)[torch.tensor(t)] if alpha else 1.0
    return (-(1 - logp_t.exp()) ** gamma * logp_t * scale).mean()


def _sigmoid_focal(x, t, alpha=0.25, gamma=2.0):
    """torchvision's sigmoid_focal_loss, mean (torch ops)."""
    p = torch.sigmoid(x)
    ce = TF.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    return ((alpha * t + (1 - alpha) * (1 - t)) * ce * (1 - p_t) ** gamma).mean()


def _multi_margin(x, t, p=1, margin=1.0, weight=None):
    """PyTorch's multi_margin_loss, Σ_{c≠y} w_y·max(0, m − x_y + x_c)^p / C, mean, in torch
    ops (PyTorch has no double backward for its own: multi_margin_loss_backward)."""
    t = torch.tensor(t)
    h = torch.relu(margin - x.gather(1, t[:, None]) + x) ** p
    h = h * (torch.arange(x.shape[1]) != t[:, None])            # the sum skips c = y
    per = h.sum(1) / x.shape[1]
    return (per * torch.tensor(weight, dtype=x.dtype)[t] if weight else per).mean()


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-8)


def _contrastive(x1, x2, metric, squared_hinge, margin=1.5):
    """The notes' contrastive loss y·d² + (1 − y)·max(0, m − d)^(1 or 2), mean (torch)."""
    y = torch.tensor(PAIR, dtype=x1.dtype)
    if metric == "euclidean":
        sq = ((x1 - x2) ** 2).sum(-1)
        d = sq.sqrt()
    else:                                                       # cosine
        d = 1 - (_unit(x1) * _unit(x2)).sum(-1)
        sq = d * d
    hinge = torch.relu(margin - d)
    return (y * sq + (1 - y) * (hinge * hinge if squared_hinge else hinge)).mean()


def _triplet(a, p, n, margin=1.0):
    """The notes' squared-distance triplet loss, mean (torch ops)."""
    return torch.relu(margin + ((a - p) ** 2).sum(-1) - ((a - n) ** 2).sum(-1)).mean()


# id: (xarxa (lib="xarxa") / torch (lib="torch") function of the inputs, inputs)
CASES = {
    "l1_loss_sum": (lambda lib, x, t: (F if lib == "xarxa" else TF).l1_loss(
        x, t, reduction="sum"), [X, T]),
    "mse_loss_3d": (lambda lib, x, t: (F if lib == "xarxa" else TF).mse_loss(
        x, t), [X.reshape(2, 2, 3), T.reshape(2, 2, 3)]),
    "huber_loss": (lambda lib, x, t: (F if lib == "xarxa" else TF).huber_loss(
        x, t, delta=0.8), [X, T]),
    "huber_loss_none": (lambda lib, x, t: (F if lib == "xarxa" else TF).huber_loss(
        x, t, reduction="none", delta=1.2), [X, T]),
    "smooth_l1_loss": (lambda lib, x, t: (F if lib == "xarxa" else TF).smooth_l1_loss(
        x, t), [X, T]),
    "smooth_l1_loss_beta": (lambda lib, x, t: (F if lib == "xarxa" else TF).smooth_l1_loss(
        x, t, reduction="sum", beta=0.5), [X, T]),
    "kl_div_batchmean": (lambda lib, x, t: (F if lib == "xarxa" else TF).kl_div(
        x, t, reduction="batchmean"), [X, P]),
    "kl_div_log_target": (lambda lib, x, t: (F if lib == "xarxa" else TF).kl_div(
        x, t, reduction="sum", log_target=True), [X, np.log(P)]),
    "kl_div_none": (lambda lib, x, t: (F if lib == "xarxa" else TF).kl_div(
        x, t, reduction="none"), [X, P]),
    "cross_entropy_1d": (lambda lib, x: (F if lib == "xarxa" else TF).cross_entropy(
        x, _idx(lib, 1)), [X[0]]),
    "cross_entropy_pixels_weight_ignore": (
        lambda lib, x: (F if lib == "xarxa" else TF).cross_entropy(
            x, _idx(lib, PIXELS), weight=_w(lib, x), ignore_index=-1, label_smoothing=0.1),
        [RNG.standard_normal((2, 3, 2, 2))]),
    "cross_entropy_probabilities_sum": (
        lambda lib, x, t: (F if lib == "xarxa" else TF).cross_entropy(x, t, reduction="sum"),
        [X, P]),
    "nll_loss_ignore_none": (lambda lib, x: (F if lib == "xarxa" else TF).nll_loss(
        x, _idx(lib, [2, -100, 1, 0]), reduction="none"), [X]),
    "nll_loss_pixels_sum": (lambda lib, x: (F if lib == "xarxa" else TF).nll_loss(
        x, _idx(lib, PIXELS), weight=_w(lib, x), ignore_index=-1, reduction="sum"),
        [RNG.standard_normal((2, 3, 2, 2))]),
    "binary_cross_entropy_none": (
        lambda lib, x, t: (F if lib == "xarxa" else TF).binary_cross_entropy(
            x, t, reduction="none"), [P, Q]),
    "binary_cross_entropy_with_logits_pos_weight": (
        lambda lib, x, t: (F if lib == "xarxa" else TF).binary_cross_entropy_with_logits(
            x, t, pos_weight=_w(lib, x, [2.0, 0.5, 1.5])), [X, P]),
    "triplet_margin_loss": (
        lambda lib, a, p, n: (F if lib == "xarxa" else TF).triplet_margin_loss(
            a, p, n, margin=2.0), [A, POS, NEG]),
    "triplet_margin_loss_swap": (
        lambda lib, a, p, n: (F if lib == "xarxa" else TF).triplet_margin_loss(
            a, p, n, margin=2.0, swap=True), [A, POS, NEG]),
    # no PyTorch function (or no double backward of it): the formula in torch ops
    "multi_margin_loss": (lambda lib, x: F.multi_margin_loss(x, xa.tensor(LABELS), margin=0.7)
                          if lib == "xarxa" else _multi_margin(x, LABELS, margin=0.7), [X]),
    "multi_margin_loss_p2_weight": (
        lambda lib, x: F.multi_margin_loss(x, xa.tensor(LABELS), p=2, weight=xa.tensor(W))
        if lib == "xarxa" else _multi_margin(x, LABELS, p=2, weight=W), [X]),
    "focal_loss": (lambda lib, x: F.focal_loss(x, xa.tensor(LABELS), gamma=2.0)
                   if lib == "xarxa" else _focal(x, LABELS, 2.0), [X]),
    "focal_loss_alpha_gamma_half": (
        lambda lib, x: F.focal_loss(x, xa.tensor(LABELS), gamma=0.5, alpha=xa.tensor(W))
        if lib == "xarxa" else _focal(x, LABELS, 0.5, W), [X]),
    "sigmoid_focal_loss": (
        lambda lib, x, t: F.sigmoid_focal_loss(x, t, reduction="mean")
        if lib == "xarxa" else _sigmoid_focal(x, t), [X, P]),
    "hinge_loss": (lambda lib, x: F.hinge_loss(x, xa.tensor(SIGNS), margin=1.0)
                   if lib == "xarxa" else torch.relu(1.0 - torch.tensor(SIGNS) * x).mean(),
                   [X]),
    "contrastive_loss": (
        lambda lib, a, b: contrastive_loss(a, b, xa.tensor(PAIR), margin=1.5)
        if lib == "xarxa" else _contrastive(a, b, "euclidean", True), [A, POS]),
    "contrastive_loss_cosine_plain_hinge": (
        lambda lib, a, b: contrastive_loss(a, b, xa.tensor(PAIR), margin=1.5,
                                           metric="cosine", squared_hinge=False)
        if lib == "xarxa" else _contrastive(a, b, "cosine", False), [A, POS]),
    "triplet_loss": (lambda lib, a, p, n: triplet_loss(a, p, n, margin=1.0)
                     if lib == "xarxa" else _triplet(a, p, n), [A, POS, NEG]),
}


@pytest.mark.parametrize("case", CASES)
def test_gradgradcheck_float64(case):
    fn, inputs = CASES[case]
    assert gradgradcheck(lambda *xs: fn("xarxa", *xs), inputs)


@pytest.mark.parametrize("case", CASES)
def test_double_backward_matches_torch_float32(case):
    fn, inputs = CASES[case]
    assert_double_backward_matches_torch(lambda *xs: fn("xarxa", *xs),
                                         lambda *xs: fn("torch", *xs), inputs,
                                         rtol=1e-3, atol=1e-4)
