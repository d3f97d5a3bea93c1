"""The CNN ops (conv2d, conv_transpose2d, pooling, unpooling, upsampling, batch norm):
float64 gradchecks on tiny shapes, float32 kept, the adjoint identity between conv2d and
conv_transpose2d, TensorFlow-style 'same' padding, and 1×1 and bed-of-nails against plain
references. Their layers (the notes' size formulas, dropout, whole networks) are tested in
tests/nn/test_conv_layers.py."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa.testing import gradcheck


def sample(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) / n * 4 - 2).reshape(shape)


GRADCHECKS = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
               [sample(1, 2, 5, 4), sample(2, 2, 3, 3, seed=1), sample(2, seed=2)]),
    "conv2d_same_even": (lambda x, w: F.conv2d(x, w, padding="same", stride=2),
                         [sample(2, 1, 5, 4), sample(2, 1, 2, 2, seed=1)]),
    "conv2d_1x1": (lambda x, w, b: F.conv2d(x, w, b),
                   [sample(2, 3, 2, 2), sample(2, 3, 1, 1, seed=1), sample(2, seed=2)]),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
                         [sample(1, 2, 3, 2), sample(2, 2, 3, 3, seed=1), sample(2, seed=2)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1), [distinct(1, 2, 5, 5)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2, 1, 1), [sample(1, 2, 3, 4)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
                            [sample(1, 2, 5, 4)]),
    "adaptive_avg_pool2d_global": (lambda x: F.adaptive_avg_pool2d(x, 1),
                                   [sample(2, 2, 3, 3)]),
    "max_unpool2d": (lambda x: F.max_unpool2d(x, xa.tensor([[[[0, 3], [9, 14]]]]), 2),
                     [sample(1, 1, 2, 2)]),
    "upsample_nearest": (lambda x: F.interpolate(x, scale_factor=2), [sample(1, 2, 2, 3)]),
    "upsample_nearest_size": (lambda x: F.interpolate(x, size=(5, 4)), [sample(1, 1, 3, 3)]),
    "bed_of_nails_unpool": (lambda x: F.bed_of_nails_unpool(x, 2, (1, 1)),
                            [sample(1, 2, 2, 3)]),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         [sample(3, 2, 2, 2) * 2 + 1, sample(2, seed=1), sample(2, seed=2)]),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(
        x, xa.tensor([0.5, -1.0]).double(), xa.tensor([2.0, 0.5]).double(), w, b),
        [sample(3, 2, 2), sample(2, seed=1), sample(2, seed=2)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck_float64(name):
    fn, inputs = GRADCHECKS[name]
    assert gradcheck(fn, inputs)


def test_float32_stays_float32():
    x = xa.randn(2, 3, 6, 6)
    w = xa.randn(4, 3, 3, 3)
    for out in (F.conv2d(x, w, padding=1), F.max_pool2d(x, 2), F.avg_pool2d(x, 2),
                F.conv_transpose2d(x, xa.randn(3, 2, 2, 2), stride=2),
                F.batch_norm(x, None, None, training=True), F.interpolate(x, scale_factor=2),
                F.adaptive_avg_pool2d(x, 1), F.bed_of_nails_unpool(x)):
        assert out.dtype == np.float32


@pytest.mark.parametrize("n, f, s, p", [(7, 3, 2, 1), (8, 3, 2, 1), (6, 2, 2, 0),
                                        (9, 4, 3, 2), (5, 3, 1, 1)])
def test_transpose_is_adjoint_of_conv(n, f, s, p):
    """⟨conv(x), y⟩ = ⟨x, convT(y)⟩ with the same kernel, stride and padding."""
    x, w = sample(2, 3, n, n), sample(4, 3, f, f, seed=1)
    y_shape = F.conv2d(xa.tensor(x), xa.tensor(w), stride=s, padding=p).shape
    y = sample(*y_shape, seed=2)
    m = y_shape[2]
    output_padding = n - ((m - 1) * s - 2 * p + f)   # picks the size conv2d came from
    assert 0 <= output_padding < s
    conv = F.conv2d(xa.tensor(x).double(), xa.tensor(w).double(), stride=s, padding=p)
    back = F.conv_transpose2d(xa.tensor(y).double(), xa.tensor(w).double(), stride=s,
                              padding=p, output_padding=output_padding)
    assert back.shape == x.shape
    np.testing.assert_allclose((conv.numpy() * y).sum(), (x * back.numpy()).sum(), rtol=1e-10)


@pytest.mark.parametrize("n, f, s", [(7, 3, 2), (8, 3, 2), (8, 2, 2), (9, 4, 3), (5, 5, 1),
                                     (6, 1, 4), (10, 4, 1)])
def test_same_padding_splits_like_tensorflow(n, f, s):
    """Output ⌈N/S⌉; total padding max((⌈N/S⌉−1)·S + F − N, 0), the extra pixel after."""
    x, w = sample(1, 2, n, n + 1), sample(3, 2, f, f, seed=1)
    out = F.conv2d(xa.tensor(x), xa.tensor(w), stride=s, padding="same")
    assert out.shape[2:] == (-(-n // s), -(-(n + 1) // s))

    def split(size):
        total = max((-(-size // s) - 1) * s + f - size, 0)
        return total // 2, total - total // 2
    (top, bottom), (left, right) = split(n), split(n + 1)
    padded = TF.pad(torch.tensor(x, dtype=torch.float32), (left, right, top, bottom))
    expected = TF.conv2d(padded, torch.tensor(w, dtype=torch.float32), stride=s)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_one_by_one_convolution_mixes_channels_per_pixel():
    """A 1×1 convolution is a Linear layer applied to every pixel's channel vector."""
    x, w, b = sample(2, 5, 3, 4), sample(2, 5, 1, 1, seed=1), sample(2, seed=2)
    out = F.conv2d(xa.tensor(x), xa.tensor(w), xa.tensor(b)).numpy()
    expected = np.einsum("nchw,kc->nkhw", x, w[:, :, 0, 0]) + b[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_bed_of_nails_matches_a_torch_reference():
    x = sample(2, 3, 3, 4)
    for s, pos in [(2, (0, 0)), (2, (1, 1)), (3, (2, 0)), ((2, 3), (1, 2))]:
        sh, sw = (s, s) if isinstance(s, int) else s
        t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        ref = torch.zeros(2, 3, 3 * sh, 4 * sw)
        ref[:, :, pos[0]::sh, pos[1]::sw] = t           # plain torch reference
        xx = xa.tensor(x, dtype=xa.float32, requires_grad=True)
        out = F.bed_of_nails_unpool(xx, s, pos)
        np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
        v = sample(*out.shape, seed=3).astype(np.float32)
        (out * xa.tensor(v)).sum().backward()
        (ref * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(xx.grad.numpy(), t.grad.numpy())
