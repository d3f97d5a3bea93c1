"""Bad input raises a ValueError/TypeError that names the layer (or op) and the shapes."""
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn


# The op checks its input; Module.__call__ puts the layer (its repr line) in front, once.
CONV = r"Conv2d\(3, 4, kernel_size=\(3, 3\), stride=\(1, 1\)\): conv2d: "


@pytest.mark.parametrize("layer, x, pattern", [
    (nn.Conv2d(3, 4, 3), xa.zeros(3, 8, 8),
     "^" + CONV + r"expected a 4-D input \(N, C, H, W\), got shape "
     r"torch.Size\(\[3, 8, 8\]\)$"),
    (nn.Conv2d(3, 4, 3), xa.zeros(1, 2, 8, 8),
     "^" + CONV + r"input has 2 channels but the weight of shape torch.Size\(\[4, 3, 3, 3\]\) "
     r"expects 3 \(input shape torch.Size\(\[1, 2, 8, 8\]\)\)$"),
    (nn.Conv2d(1, 1, 5), xa.zeros(1, 1, 4, 8),
     r"^Conv2d\(1, 1, kernel_size=\(5, 5\), stride=\(1, 1\)\): conv2d: kernel \(5, 5\) is "
     r"larger than the padded input \(4, 8\)"),
    (nn.ConvTranspose2d(2, 1, 3), xa.zeros(1, 3, 4, 4),
     r"^ConvTranspose2d\(2, 1, .*\): conv_transpose2d: input has 3 channels but the weight "
     r"of shape torch.Size\(\[2, 1, 3, 3\]\) expects 2"),
    (nn.MaxPool2d(2), xa.zeros(4, 4),
     r"^MaxPool2d\(kernel_size=\(2, 2\), .*\): max_pool2d: expected a 4-D input .*\[4, 4\]\)"),
    (nn.MaxPool2d(5), xa.zeros(1, 1, 4, 4), r"^MaxPool2d\(.*\): max_pool2d: kernel \(5, 5\) "
                                            r"is larger than the padded input \(4, 4\)"),
    (nn.AvgPool2d(3), xa.zeros(1, 1, 2, 9),
     r"^AvgPool2d\(.*\): avg_pool2d: kernel \(3, 3\) is larger than the padded input "
     r"\(2, 9\)"),
    (nn.BatchNorm2d(3), xa.zeros(2, 3, 4),
     r"^BatchNorm2d\(3, .*\): expected a 4-D \(N, C, H, W\) input, got shape "
     r"torch.Size\(\[2, 3, 4\]\)$"),
    (nn.BatchNorm1d(3), xa.zeros(2, 4), r"^BatchNorm1d\(3, .*\): expected 3 channels \(dim "
                                        r"1\), got 4 \(input shape torch.Size\(\[2, 4\]\)\)$"),
    (nn.BatchNorm1d(3), xa.zeros(1, 3),
     r"^BatchNorm1d\(3, .*\): batch_norm: expected more than 1 value per channel .*\[1, 3\]"),
    (nn.Linear(3, 2), xa.zeros(4, 5),
     r"^Linear\(in_features=3, out_features=2, bias=True\): linear: input of shape \(4, 5\) "
     r"does not fit a weight of shape \(2, 3\) \(expected input \(\*, 3\)\)$"),
    # a block: the convolution that refused the input, and where it sits in the block
    (nn.ResidualBlock(4), xa.zeros(1, 3, 5, 5),
     r"^Conv2d\(4, 4, .*\) at ResidualBlock\.conv1: conv2d: input has 3 channels but the "
     r"weight of shape torch.Size\(\[4, 4, 3, 3\]\) expects 4"),
    (nn.DenseBlock(2, 2, 2), xa.zeros(1, 3, 4, 4),
     r"^Conv2d\(2, 2, .*\) at DenseBlock\.convs\.0: conv2d: input has 3 channels"),
    (nn.Upsample(scale_factor=2), xa.zeros(2, 3),
     r"^Upsample\(scale_factor=2, mode='nearest'\): interpolate: expected a 4-D input"),
])
def test_layer_input_errors(layer, x, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer(x)


@pytest.mark.parametrize("make, pattern", [
    (lambda: nn.Conv2d(1, 1, 3, padding="full"), r"Conv2d: unknown padding 'full'"),
    (lambda: nn.Conv2d(1, 1, 3, stride=0), r"Conv2d: stride must be positive, got 0"),
    (lambda: nn.Conv2d(1, 1, 3, stride=(1, -2)), r"stride must be positive, got \(1, -2\)"),
    (lambda: nn.Conv2d(1, 1, 3, padding=-1), r"padding must be non-negative"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, stride=0), r"ConvTranspose2d: stride must be"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2),
     r"output_padding \(2, 2\) must be smaller than the stride \(2, 2\)"),
    (lambda: nn.MaxPool2d(2, stride=-1), r"MaxPool2d: stride must be positive"),
    (lambda: nn.AvgPool2d(0), r"AvgPool2d: kernel_size must be positive, got 0"),
    (lambda: nn.MaxPool2d(2, padding=-1), r"MaxPool2d: padding must be non-negative"),
    (lambda: nn.MaxUnpool2d(2, stride=0), r"MaxUnpool2d: stride must be positive, got 0"),
    (lambda: nn.MaxUnpool2d((2, 0)), r"MaxUnpool2d: kernel_size must be positive"),
    (lambda: nn.BedOfNailsUnpool(0), r"BedOfNailsUnpool: scale_factor must be positive"),
    (lambda: nn.Softmax(temperature=0), r"Softmax: temperature must be positive"),
    (lambda: nn.Dropout(1.5), r"Dropout: p must be in \[0, 1\]"),
    (lambda: nn.Upsample(scale_factor=2, mode="trilinear"),
     r"Upsample: mode 'trilinear' is not supported; expected one of 'nearest', 'bilinear'"),
    (lambda: nn.Upsample(scale_factor=2, align_corners=False),
     r"Upsample: align_corners can only be set with the interpolating modes"),
    (lambda: nn.BedOfNailsUnpool(2, (2, 0)), r"position \(2, 0\) must lie inside"),
])
def test_construction_errors(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_functional_errors():
    x = xa.zeros(1, 2, 6, 6)
    with pytest.raises(ValueError, match=r"conv2d: unknown padding 'half'"):
        F.conv2d(x, xa.zeros(1, 2, 3, 3), padding="half")
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got -1"):
        F.conv2d(x, xa.zeros(1, 2, 3, 3), stride=-1)
    with pytest.raises(ValueError, match=r"conv2d: input has 2 channels but the weight of "
                                         r"shape torch.Size\(\[1, 3, 3, 3\]\) expects 3"):
        F.conv2d(x, xa.zeros(1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: bias of shape torch.Size\(\[2\]\), "
                                         r"expected \(1,\)"):
        F.conv2d(x, xa.zeros(1, 2, 3, 3), xa.zeros(2))
    with pytest.raises(TypeError, match="conv2d: input dtype torch.float64 differs"):
        F.conv2d(x.double(), xa.zeros(1, 2, 3, 3))
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        F.max_pool2d(x, (2, 2, 2))


def test_max_unpool_indices_that_do_not_fit():
    pooled, idx = F.max_pool2d(xa.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"^MaxUnpool2d\(kernel_size=\(2, 2\), .*\): "
                                         r"max_unpool2d: indices range over "
                                         r"\[\d+, \d+\] but the output \(2, 2\) has only 4"):
        nn.MaxUnpool2d(2)(pooled, idx, output_size=(2, 2))
    with pytest.raises(ValueError, match=r"indices of shape \(1, 1, 1, 2\) must match the "
                                         r"input shape torch.Size\(\[1, 1, 2, 2\]\)"):
        F.max_unpool2d(pooled, idx[:, :, :1], 2)
    with pytest.raises(TypeError, match="indices must be integers"):
        F.max_unpool2d(pooled, idx.float(), 2)


def test_load_state_dict_rejects_a_wrong_conv_shape():
    with pytest.raises(ValueError, match=r"size mismatch for 'weight': the checkpoint has "
                                         r"shape \(4, 3, 5, 5\), the model expects "
                                         r"torch.Size\(\[4, 3, 3, 3\]\)"):
        nn.Conv2d(3, 4, 3).load_state_dict(nn.Conv2d(3, 4, 5).state_dict())
