"""The convolution's alternative paths (issue 9's speed and memory work) against PyTorch:
forward by the input's windows or by shifted tap products (stride 1, K < C); dx and dW
from the gradient's windows (stride 1, K ≤ C, or K ≤ 2C with dx) or by the input's windows
and col2im; the free 1×1 column view, asymmetric 'same' padding; what a Conv2d node
keeps for backward; and the (switched-off) Winograd F(2×2, 3×3) path."""
import numpy as np
import pytest
import torch

import xarxa as xa


def _conv_both(n, c, k, size, kernel, stride, padding, chwn_input=False, dtype="float64",
               input_grad=True):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size)).astype(dtype)
    w = rng.standard_normal((k, c, *kernel)).astype(dtype)
    b = rng.standard_normal(k).astype(dtype)
    g = None
    xx = xa.tensor(x, requires_grad=input_grad)
    xw, xb = xa.tensor(w, requires_grad=True), xa.tensor(b, requires_grad=True)
    inp = xa.conv2d(xx, xa.tensor(np.eye(c, dtype=dtype).reshape(c, c, 1, 1))) \
        if chwn_input else xx          # a 1×1 identity conv: the input stored CHWN
    y = xa.conv2d(inp, xw, xb, stride=stride, padding=padding)
    g = rng.standard_normal(y.shape).astype(dtype)
    (y * xa.tensor(g)).sum().backward()
    tx = torch.tensor(x, requires_grad=input_grad)
    tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    tpad = padding
    if padding == "same" and kernel[0] % 2 == 0:   # torch pads the odd pixel after, too
        tpad = 0
        tin = torch.nn.functional.pad(tx, (0, kernel[1] - 1, 0, kernel[0] - 1))
    else:
        tin = tx
    ty = torch.nn.functional.conv2d(tin, tw, tb, stride=stride, padding=tpad)
    (ty * torch.tensor(g)).sum().backward()
    return (y, xx, xw, xb), (ty, tx, tw, tb)


@pytest.mark.parametrize("c, k, kernel, stride, padding", [
    (6, 3, (3, 3), 1, 1),        # K < C, stride 1: tap products; gradient windows
    (6, 6, (3, 3), 1, 0),        # K = C: the input's windows forward
    (4, 7, (3, 3), 1, 1),        # C < K ≤ 2C: gradient windows (dx is needed)
    (6, 3, (3, 2), 1, (1, 0)),   # a non-square kernel, padding on one axis only
    (5, 2, (2, 2), 1, "same"),   # asymmetric padding (0 before, 1 after)
    (4, 4, (1, 1), 1, 0),        # 1x1: columns are a view of a CHWN input
    (3, 7, (3, 3), 1, 1),        # K > C: col2im
    (6, 3, (3, 3), 2, 1),        # stride 2: col2im
    (5, 3, (5, 5), 1, 4),        # padding = kernel − 1: g needs no padding
    (5, 3, (3, 3), 1, 3),        # padding ≥ kernel: col2im
])
@pytest.mark.parametrize("chwn_input", [False, True])
def test_conv2d_paths_match_torch(c, k, kernel, stride, padding, chwn_input):
    ours, theirs = _conv_both(3, c, k, 7, kernel, stride, padding, chwn_input)
    for a, b in zip(ours, theirs):
        got = a.numpy() if a is ours[0] else a.grad.numpy()
        want = b.detach().numpy() if b is theirs[0] else b.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("c, k", [(4, 7), (6, 3), (1, 4)])
def test_conv2d_weight_gradient_without_input_gradient(c, k):
    # a first layer: with no dx to compute, C < K takes the input's windows, K ≤ C the g's
    ours, theirs = _conv_both(2, c, k, 6, (3, 3), 1, 1, input_grad=False)
    assert ours[1].grad is None and theirs[1].grad is None
    for a, b in zip(ours[2:], theirs[2:]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_keeps_its_input_not_the_windows():
    x = xa.randn(4, 8, 16, 16, requires_grad=True)
    w = xa.randn(8, 8, 3, 3, requires_grad=True)
    y = xa.conv2d(x, w, padding=1)
    saved = sum(a.nbytes for a in y.grad_fn.saved if hasattr(a, "nbytes"))
    # the 3×3 windows would be 9× the input; the input and the weight are what is kept
    assert saved == x.numpy().nbytes + w.numpy().nbytes


# -- Winograd F(2×2, 3×3) (issue 23): measured slower than the im2col paths on this 2-core
# CPU (benchmarks/RESULTS.md), so autograd/ops/winograd.py's ENABLED is off; these tests
# switch it on and hold the path to PyTorch and to the im2col paths, so that it stays
# correct for a later rule.

from xarxa.autograd.ops import winograd as winograd_ops  # noqa: E402


@pytest.fixture
def winograd(monkeypatch):
    monkeypatch.setattr(winograd_ops, "ENABLED", True)
    monkeypatch.setattr(winograd_ops, "MIN_CHANNELS", 1)   # route channels 1 and 3 too


def _grads(ours):
    y, x, w, b = ours
    return [y.numpy()] + [None if t.grad is None else t.grad.numpy() for t in (x, w, b)]


@pytest.mark.parametrize("dtype, rtol, atol", [("float64", 1e-10, 1e-10), ("float32", 1e-4, 1e-5)])
@pytest.mark.parametrize("n, c, k, size, padding", [
    (1, 1, 1, 5, 0),      # batch 1, one channel, odd size, no padding
    (1, 3, 4, 7, 1),      # batch 1, 3 channels, odd size
    (2, 3, 1, 6, 1),      # even size, K < C
    (3, 1, 3, 9, 0),      # one input channel, odd size
    (2, 5, 6, 8, 1),      # even size, K > C
    (2, 3, 3, 3, 0),      # a single output pixel
    (2, 4, 4, 4, 0),      # a single 2×2 tile
])
def test_conv2d_winograd_matches_torch_and_im2col(winograd, monkeypatch, n, c, k, size,
                                                   padding, dtype, rtol, atol):
    ours, theirs = _conv_both(n, c, k, size, (3, 3), 1, padding, dtype=dtype)
    assert winograd_ops.applies(ours[2].shape, (1, 1), (padding,) * 4, (1, 1), 1)
    scale = max(1.0, float(np.abs(theirs[0].detach().numpy()).max()))
    got = _grads(ours)
    want = [theirs[0].detach().numpy()] + [t.grad.numpy() for t in theirs[1:]]
    for a, b in zip(got, want):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)
    monkeypatch.setattr(winograd_ops, "ENABLED", False)       # today's paths, same inputs
    for a, b in zip(got, _grads(_conv_both(n, c, k, size, (3, 3), 1, padding, dtype=dtype)[0])):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize("c, k", [(3, 2), (1, 4)])
def test_conv2d_winograd_weight_gradient_without_input_gradient(winograd, c, k):
    ours, theirs = _conv_both(2, c, k, 7, (3, 3), 1, 1, input_grad=False)
    assert ours[1].grad is None
    for a, b in zip(ours[2:], theirs[2:]):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_winograd_rule_is_a_deterministic_per_shape_choice(monkeypatch):
    rule = winograd_ops.applies
    assert not winograd_ops.ENABLED                           # off: measured slower here
    assert not rule((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    monkeypatch.setattr(winograd_ops, "ENABLED", True)
    assert rule((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert not rule((16, 1, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)  # a stem: below the floor
    assert not rule((4, 16, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert rule((8, 8, 3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1)
    assert rule((8, 8, 3, 3), (1, 1), (0, 1, 0, 1), (1, 1), 1)     # 'same'-style asymmetric
    for args in [((8, 8, 5, 5), (1, 1), (1, 1, 1, 1), (1, 1), 1),   # not 3×3
                 ((8, 8, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 1),   # strided
                 ((8, 8, 3, 3), (1, 1), (2, 2, 2, 2), (1, 1), 1),   # padding 2
                 ((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (2, 2), 1),   # dilated
                 ((8, 4, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2)]:  # grouped
        assert not rule(*args)
