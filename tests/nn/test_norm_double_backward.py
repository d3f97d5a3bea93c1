"""Second derivatives of batch and layer normalisation beyond the op table's training cases:
evaluation mode (running statistics: an affine map of x), no affine parameters, inputs
stored channels-innermost (CHWN, the convolutions' output order), the fused BN + ReLU node
in both modes, and the clear refusal of synchronised statistics. Each case: the double
backward against finite differences (float64) and against PyTorch (float32)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 3, 2, 5))
W, B = RNG.standard_normal(3), RNG.standard_normal(3)
RUN_MEAN, RUN_VAR = RNG.standard_normal(3), RNG.uniform(0.5, 2.0, 3)


def _running(lib, dtype):
    make = xa.tensor if lib == "xarxa" else torch.tensor
    return make(RUN_MEAN.astype(dtype)), make(RUN_VAR.astype(dtype))


def _bn(training, relu=False, chwn=False):
    """batch_norm(x, w, b) in xarxa and torch; chwn: x stored (C, H, W, N) first."""
    def xarxa_fn(x, w, b):
        if chwn:    # the same values, stored CHWN (batch norm's (C, 1, H·W·N) view)
            x = x.permute(1, 2, 3, 0).contiguous().permute(3, 0, 1, 2)
        rm, rv = (None, None) if training else _running("xarxa", x.numpy().dtype)
        return xa.batch_norm(x, rm, rv, w, b, training=training,
                             activation="relu" if relu else None)

    def torch_fn(x, w, b):
        rm, rv = (None, None) if training else _running("torch", x.detach().numpy().dtype)
        out = TF.batch_norm(x, rm, rv, w, b, training=training)
        return torch.relu(out) if relu else out
    return xarxa_fn, torch_fn


BN_CASES = {
    "eval": _bn(False),
    "eval_relu": _bn(False, relu=True),
    "train_chwn": _bn(True, chwn=True),
    "train_relu_chwn": _bn(True, relu=True, chwn=True),
    "eval_chwn": _bn(False, chwn=True),
}


@pytest.mark.parametrize("case", BN_CASES)
def test_batch_norm_double_backward(case):
    fx, ft = BN_CASES[case]
    assert gradgradcheck(fx, [X, W, B])
    assert_double_backward_matches_torch(fx, ft, [X, W, B], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_without_affine(training):
    def fx(x):
        rm, rv = (None, None) if training else _running("xarxa", x.numpy().dtype)
        return xa.batch_norm(x, rm, rv, training=training)

    def ft(x):
        rm, rv = (None, None) if training else _running("torch", x.detach().numpy().dtype)
        return TF.batch_norm(x, rm, rv, training=training)
    x = X[:, :, 0]                                       # (N, C, L): BatchNorm1d's shape
    assert gradgradcheck(fx, [x])
    assert_double_backward_matches_torch(fx, ft, [x], rtol=1e-3, atol=1e-4)


def test_batch_norm_module_gradient_penalty():
    """A gradient penalty through nn.BatchNorm2d in training (WGAN-GP's shape): the
    gradient of ‖∂y/∂x‖² reaches the input and γ, β as in PyTorch."""
    results = []
    for lib, nn in (("xarxa", xa.nn), ("torch", torch.nn)):
        make = xa.tensor if lib == "xarxa" else torch.tensor
        bn = nn.BatchNorm2d(3)
        with (xa.no_grad() if lib == "xarxa" else torch.no_grad()):
            bn.weight.copy_(make(W.astype(np.float32)))
            bn.bias.copy_(make(B.astype(np.float32)))
        x = make(X.astype(np.float32), requires_grad=True)
        y = (bn(x) ** 2).sum()
        (gx,) = (xa.autograd if lib == "xarxa" else torch.autograd).grad(
            [y], [x], create_graph=True)
        (gx * gx).sum().backward()
        results.append([t.detach().numpy() for t in (x.grad, bn.weight.grad, bn.bias.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_layer_norm_without_affine_over_two_dims():
    fx = lambda x: xa.layer_norm(x, x.shape[-2:])                   # noqa: E731
    ft = lambda x: TF.layer_norm(x, x.shape[-2:])                   # noqa: E731
    assert gradgradcheck(fx, [X[0]])
    assert_double_backward_matches_torch(fx, ft, [X[0]], rtol=1e-3, atol=1e-4)


def test_synchronised_statistics_refuse_double_backward():
    x = xa.tensor(X, requires_grad=True)
    out = xa.batch_norm(x, None, None, training=True, reduce=lambda a: a)
    with pytest.raises(NotImplementedError, match="synchronised statistics"):
        xa.autograd.grad([(out * out).sum()], [x], create_graph=True)
