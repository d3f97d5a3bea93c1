"""Dropout2d / F.dropout2d (whole channels) and the `inplace` forms of dropout. The masks
are random, so the checks are the properties PyTorch's documentation states: whole maps
zeroed, the rest scaled by 1/(1 − p), identity in eval mode, gradient = the mask — and
the same behaviour as torch on the same mask (recovered from the output)."""
import warnings

import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    xa.manual_seed(0)
    x = xa.tensor(np.random.default_rng(0).uniform(1, 2, (40, 30, 3, 4)).astype(np.float32),
                  requires_grad=True)
    layer = nn.Dropout2d(0.3)
    out = layer(x)
    kept = (out.numpy() != 0).reshape(40, 30, -1)
    assert np.all(kept.all(axis=2) | ~kept.any(axis=2))         # a map is all kept or all 0
    rate = 1 - kept[:, :, 0].mean()
    assert 0.25 < rate < 0.35                                    # 1,200 maps, p = 0.3
    channel_kept = kept[:, :, :1].reshape(40, 30, 1, 1)
    np.testing.assert_allclose(out.numpy(), np.where(channel_kept, x.numpy() / 0.7, 0),
                               rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(channel_kept / 0.7, x.shape),
                               rtol=1e-6)
    assert layer.eval()(x) is x


def test_dropout2d_matches_torch_on_the_same_mask():
    # torch's mask, read from its output, applied by hand: what xarxa computes for its own
    torch.manual_seed(0)
    x = np.random.default_rng(1).uniform(1, 2, (4, 6, 2, 2)).astype(np.float32)
    tout = torch.nn.functional.dropout2d(torch.tensor(x), 0.5)
    mask = (tout.numpy() != 0)[:, :, :1, :1]
    np.testing.assert_allclose(tout.numpy(), x * mask / 0.5, rtol=1e-6)   # the rule tested
    xa.manual_seed(0)
    out = F.dropout2d(xa.tensor(x), 0.5).numpy()
    xmask = (out != 0)[:, :, :1, :1]
    np.testing.assert_allclose(out, x * xmask / 0.5, rtol=1e-6)


def test_dropout2d_on_3d_input_warns_like_torch_and_drops_rows():
    x = xa.ones(8, 5, 7)
    with pytest.warns(UserWarning, match="3-D input"):
        out = F.dropout2d(x, 0.5).numpy()
    assert np.all((out == 0).all(axis=2) | (out != 0).all(axis=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(torch.nn.functional.dropout2d(torch.ones(8, 5, 7), 0.5).shape) == out.shape


def test_dropout_inplace_forms():
    xa.manual_seed(3)
    x = xa.ones(6, 4)
    assert F.dropout(x, 0.5, inplace=True) is x and x._version == 1
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    h = xa.ones(2, 3, 2, 2, requires_grad=True) * 1.0
    out = nn.Dropout2d(0.5, inplace=True)(h)
    assert out is h
    out.sum().backward()          # the in-place graph op keeps the gradient flowing
    leaf = xa.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.dropout(leaf, 0.5, inplace=True)
    assert repr(nn.Dropout2d(0.2, True)) == repr(torch.nn.Dropout2d(0.2, True))


def test_dropout2d_errors():
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\], got 2"):
        nn.Dropout2d(2)
    with pytest.raises(ValueError, match=r"^Dropout2d\(p=0.5\): dropout2d: expected a 4-D "
                                         r"\(N, C, H, W\) input .*got shape "
                                         r"torch.Size\(\[3, 4\]\)"):
        nn.Dropout2d()(xa.zeros(3, 4))
