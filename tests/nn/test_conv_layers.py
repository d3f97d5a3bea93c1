"""The CNN layers: the notes' output-size and parameter-count formulas (conv and
transposed conv), max unpooling and nearest upsampling, dropout's statistics, a fully
convolutional network on any input size, and whole layers gradchecked in float64. The ops
underneath are tested in tests/autograd/test_conv_ops.py."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn
from xarxa.testing import gradcheck


@pytest.mark.parametrize("n, f, p, s", [(32, 5, 0, 1), (28, 3, 1, 1), (28, 3, 1, 2),
                                        (227, 11, 0, 4), (7, 3, 0, 2), (10, 3, 0, 3)])
def test_output_size_and_parameter_formulas(n, f, p, s):
    """(N − F + 2P)/S + 1 outputs (floored) and (F·F·D + 1)·K parameters."""
    d, k = 3, 4
    conv = nn.Conv2d(d, k, f, s, p)
    out = conv(xa.zeros(1, d, n, n))
    assert out.shape == (1, k, (n - f + 2 * p) // s + 1, (n - f + 2 * p) // s + 1)
    assert sum(q.numel() for q in conv.parameters()) == (f * f * d + 1) * k


def test_transposed_conv_output_size_formula():
    for h, f, s, p, op in [(2, 3, 2, 0, 0), (4, 4, 2, 1, 0), (3, 3, 2, 1, 1), (5, 1, 3, 0, 2)]:
        out = nn.ConvTranspose2d(1, 1, f, s, p, op)(xa.zeros(1, 1, h, h))
        assert out.shape[2] == (h - 1) * s - 2 * p + f + op


def test_max_unpool_keeps_exactly_the_maxima():
    values = np.random.default_rng(0).permutation(2 * 3 * 6 * 8).reshape(2, 3, 6, 8)
    x = xa.tensor(values.astype(np.float32))   # distinct: one maximum per block
    pooled, idx = nn.MaxPool2d(2, return_indices=True)(x)
    restored = nn.MaxUnpool2d(2)(pooled, idx).numpy()
    blocks = x.numpy().reshape(2, 3, 3, 2, 4, 2)
    is_max = blocks == blocks.max(axis=(3, 5), keepdims=True)
    np.testing.assert_array_equal(restored, np.where(is_max, blocks, 0).reshape(x.shape))
    assert np.count_nonzero(restored) == pooled.numel()


def test_nearest_unpooling_repeats_each_value_over_its_block():
    x = xa.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    out = nn.Upsample(scale_factor=2)(x).numpy()[0, 0]
    np.testing.assert_array_equal(out, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4],
                                        [3, 3, 4, 4]])


def test_dropout_statistics_and_eval():
    xa.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = xa.ones(200, 100, requires_grad=True)
    out = layer(x)
    kept = out.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out.numpy()[kept], 1 / 0.75, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), out.numpy())
    xa.manual_seed(0)
    np.testing.assert_array_equal(nn.Dropout(0.25)(xa.ones(200, 100)).numpy(), out.numpy())
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 1.0).numpy().sum() == 0


def test_fully_convolutional_network_takes_any_input_size():
    """Global average pooling removes the fixed-size FC stage (notes §1.6.1)."""
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 3, 1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten())
    for shape in ((2, 1, 8, 8), (1, 1, 13, 11)):
        model.zero_grad()
        out = model(xa.randn(*shape, requires_grad=True))
        assert out.shape == (shape[0], 3)
        out.sum().backward()
        for name, p in model.named_parameters():
            assert p.grad is not None and p.grad.shape == p.shape, name
            assert np.all(np.isfinite(p.grad.numpy())) and np.any(p.grad.numpy()), name


def test_layers_gradcheck_in_float64():
    """Whole layers (their forward and backward through every op) in float64."""
    xa.manual_seed(5)
    model = nn.Sequential(nn.Conv2d(2, 2, 3, stride=2, padding="same"), nn.BatchNorm2d(2),
                          nn.ReLU(), nn.ResidualBlock(2, 3), nn.MaxPool2d(2, 1),
                          nn.ConvTranspose2d(3, 1, 2, 2), nn.Flatten(), nn.Linear(4, 2),
                          nn.Tanh()).double()
    x = np.random.default_rng(0).standard_normal((2, 2, 3, 3))
    assert gradcheck(lambda t: model(t), [x], jacobian_max=0)
    # every parameter's gradient too: central differences along a random direction
    rng = np.random.default_rng(1)
    v = rng.standard_normal((2, 2))

    def weighted():
        with xa.no_grad():
            return float((model(xa.tensor(x)).numpy() * v).sum())
    model.zero_grad()
    (model(xa.tensor(x)) * xa.tensor(v)).sum().backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        u = rng.standard_normal(p.shape)
        data, saved = p.numpy(), p.numpy().copy()
        data[...] = saved + eps * u
        f_plus = weighted()
        data[...] = saved - eps * u
        f_minus = weighted()
        data[...] = saved
        numeric = (f_plus - f_minus) / (2 * eps)
        analytic = float((p.grad.numpy() * u).sum())
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-8), name
