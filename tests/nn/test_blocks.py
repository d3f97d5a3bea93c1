"""Skip connections (notes §1.7): residual and dense blocks against references written in
plain torch ops, and the notes' claim that a zeroed residual branch gives the identity."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
from xarxa import nn


def sample(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def torch_params(module):
    return {k: torch.tensor(v.numpy().copy(), requires_grad=True)
            for k, v in module.named_parameters()}


def torch_same_conv(x, w, b, stride):
    """'same' padding as TensorFlow splits it, written out in torch."""
    f = w.shape[-1]
    pads = []
    for size in (x.shape[3], x.shape[2]):
        total = max((-(-size // stride) - 1) * stride + f - size, 0)
        pads += [total // 2, total - total // 2]
    return TF.conv2d(TF.pad(x, pads), w, b, stride=stride)


def compare(block, reference, x):
    xx = xa.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    params = torch_params(block)
    out, tout = block(xx), reference(tx, params)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    v = sample(*out.shape, seed=7)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, p in block.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)


@pytest.mark.parametrize("cin, cout, stride, shape", [(3, 3, 1, (2, 3, 5, 5)),
                                                      (2, 4, 1, (1, 2, 4, 6)),
                                                      (3, 4, 2, (2, 3, 7, 6))])
def test_residual_block_matches_torch_reference(cin, cout, stride, shape):
    xa.manual_seed(0)
    block = nn.ResidualBlock(cin, cout, stride=stride)

    def reference(h, p):
        a = TF.relu(torch_same_conv(h, p["conv1.weight"], p["conv1.bias"], stride))
        residual = torch_same_conv(a, p["conv2.weight"], p["conv2.bias"], 1)
        shortcut = h if "shortcut.weight" not in p else TF.conv2d(
            h, p["shortcut.weight"], p["shortcut.bias"], stride=stride)
        return TF.relu(residual + shortcut)
    assert ("shortcut.weight" in dict(block.named_parameters())) == (cin != cout or
                                                                     stride != 1)
    compare(block, reference, sample(*shape))


def test_residual_block_with_batch_norm_matches_torch_and_has_no_conv_biases():
    xa.manual_seed(2)
    block = nn.ResidualBlock(2, 4, stride=2, batch_norm=True)
    names = [n for n, _ in block.named_parameters()]
    assert "conv1.bias" not in names and "bn1.weight" in names and "shortcut_bn.bias" in names
    assert block(xa.randn(3, 2, 5, 5)).shape == (3, 4, 3, 3)
    with xa.no_grad():   # BN's affine parameters away from their (1, 0) start
        for i, bn in enumerate((block.bn1, block.bn2, block.shortcut_bn)):
            bn.weight.copy_(sample(4, seed=10 + i) + 1.5)
            bn.bias.copy_(sample(4, seed=20 + i))

    def reference(h, p):
        def bn(t, name):   # training mode: batch statistics
            return TF.batch_norm(t, None, None, p[name + ".weight"], p[name + ".bias"],
                                 training=True)
        a = TF.relu(bn(torch_same_conv(h, p["conv1.weight"], None, 2), "bn1"))
        residual = bn(torch_same_conv(a, p["conv2.weight"], None, 1), "bn2")
        shortcut = bn(TF.conv2d(h, p["shortcut.weight"], stride=2), "shortcut_bn")
        return TF.relu(residual + shortcut)
    compare(block, reference, sample(3, 2, 5, 5))


def test_zeroed_residual_branch_is_the_identity_for_non_negative_inputs():
    """Notes §1.7: with F's weights and biases at 0, g(F(h) + h) = ReLU(h) = h for h ≥ 0."""
    block = nn.ResidualBlock(3, 3)
    for layer in (block.conv1, block.conv2):
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)
    h = xa.tensor(np.abs(sample(2, 3, 6, 6)))
    np.testing.assert_array_equal(block(h).numpy(), h.numpy())


def test_dense_block_matches_torch_reference():
    xa.manual_seed(1)
    block = nn.DenseBlock(3, growth_rate=2, num_layers=3)
    assert block.out_channels == 9

    def reference(x, p):
        features = x
        for i in range(3):
            y = TF.relu(TF.conv2d(features, p[f"convs.{i}.weight"], p[f"convs.{i}.bias"],
                                  padding=1))
            features = torch.cat([features, y], dim=1)
        return features
    compare(block, reference, sample(2, 3, 4, 5))
