"""Grouped, depthwise and dilated convolution layers against torch.nn (the raw ops are in the
op table): parameter shapes, PyTorch's initialisation bounds, forward and every gradient,
the channel checks and their messages, and the printed line."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

from nn._parity import check_layer


def _sample(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("cin, cout, k, kw", [
    (4, 6, 3, dict(groups=2, padding=1)),
    (3, 3, 3, dict(groups=3, stride=2, padding=1)),            # depthwise
    (3, 6, 3, dict(groups=3, padding=1, bias=False)),          # depthwise, multiplier 2
    (2, 3, 3, dict(dilation=2, padding=2)),
    (4, 4, (3, 2), dict(dilation=(2, 3), stride=(2, 1), groups=4, padding=(1, 2))),
    (4, 8, 1, dict(groups=4)),                                 # grouped 1×1
    (3, 4, 3, dict(dilation=2, padding="same")),
])
def test_conv2d_layer_matches_torch(cin, cout, k, kw):
    ours = nn.Conv2d(cin, cout, k, **kw)
    theirs = torch.nn.Conv2d(cin, cout, k, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    check_layer(ours, theirs, _sample(1, cin, 9, 8))


@pytest.mark.parametrize("cin, cout, k, kw", [
    (4, 6, 3, dict(groups=2, stride=2, padding=1, output_padding=1)),
    (3, 3, 4, dict(groups=3, stride=2, padding=1)),            # depthwise upsampling
    (2, 3, 3, dict(dilation=2, padding=1, output_padding=1)),
    (4, 2, 2, dict(groups=2, dilation=(1, 2), stride=2)),
])
def test_conv_transpose2d_layer_matches_torch(cin, cout, k, kw):
    ours = nn.ConvTranspose2d(cin, cout, k, **kw)
    theirs = torch.nn.ConvTranspose2d(cin, cout, k, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    check_layer(ours, theirs, _sample(2, cin, 5, 4))


def test_initialisation_bounds_use_the_grouped_fan_in():
    # PyTorch's default: U(±1/√fan_in) with fan_in = C_in/G · F·F (here 1·9: bound 1/3)
    layer = nn.Conv2d(32, 32, 3, groups=32)
    assert layer.weight.shape == (32, 1, 3, 3)
    assert np.abs(layer.bias.numpy()).max() <= 1 / 3
    assert np.abs(layer.weight.numpy()).max() > 1 / np.sqrt(32 * 9)   # not the dense bound


@pytest.mark.parametrize("make, pattern", [
    (lambda: nn.Conv2d(4, 6, 3, groups=4),
     r"Conv2d: out_channels \(6\) must be divisible by groups \(4\)"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2),
     r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)"),
    (lambda: nn.Conv2d(2, 2, 3, groups=0), r"Conv2d: groups must be a positive int, got 0"),
    (lambda: nn.Conv2d(2, 2, 3, dilation=0), r"Conv2d: dilation must be positive, got 0"),
    (lambda: nn.ConvTranspose2d(4, 3, 3, groups=2),
     r"ConvTranspose2d: out_channels \(3\) must be divisible by groups \(2\)"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2, dilation=2),
     r"output_padding \(2, 2\) must be smaller than the stride \(2, 2\) or the dilation"),
])
def test_layer_channel_checks(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def _shape(*dims):
    """A shape in a message: a tuple, or PyTorch's torch.Size([…]) where shapes print so."""
    inside = ", ".join(map(str, dims))
    return rf"(\({inside}{',' if len(dims) == 1 else ''}\)|torch\.Size\(\[{inside}\]\))"


def test_functional_checks_name_the_op_and_the_shapes():
    x = xa.randn(1, 5, 6, 6)
    with pytest.raises(ValueError, match=r"conv2d: input has 5 channels but the weight of "
                                         rf"shape {_shape(4, 3, 3, 3)} with groups=2 expects 6"):
        xa.conv2d(x, xa.randn(4, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match=rf"conv2d: the weight of shape {_shape(5, 1, 3, 3)} "
                                         r"has 5 channels in dim 0, not divisible by groups=2"):
        xa.conv2d(xa.randn(1, 2, 6, 6), xa.randn(5, 1, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"conv2d: kernel \(3, 3\) dilated by \(3, 3\) to "
                                         r"\(7, 7\) is larger than the padded input \(6, 6\)"):
        xa.conv2d(x, xa.randn(2, 5, 3, 3), dilation=3)
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 5 channels but the "
                                         rf"weight of shape {_shape(4, 2, 3, 3)} with groups=2"):
        xa.conv_transpose2d(x, xa.randn(4, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match=rf"conv_transpose2d: bias of shape {_shape(2)}, "
                                         r"expected \(4,\)"):
        xa.conv_transpose2d(xa.randn(1, 4, 3, 3), xa.randn(4, 2, 3, 3), xa.randn(2), groups=2)


def test_printed_line_is_pytorchs():
    for kw in (dict(groups=2, padding=1, bias=False), dict(dilation=2, stride=2)):
        assert repr(nn.Conv2d(4, 6, 3, **kw)) == repr(torch.nn.Conv2d(4, 6, 3, **kw))
    kw = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=2)
    assert repr(nn.ConvTranspose2d(4, 6, 3, **kw)) == repr(torch.nn.ConvTranspose2d(4, 6, 3,
                                                                                   **kw))


def test_receptive_field_of_a_dilated_layer_is_its_extent():
    window_h, window_w = nn.Conv2d(1, 1, 3, dilation=2, padding=2).receptive_field_step(
        (1, 1, 9, 9), (1, 1, 9, 9))
    assert (window_h.kernel, window_w.kernel) == (5, 5)
