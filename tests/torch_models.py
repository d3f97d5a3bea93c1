"""The networks of ``xarxa.models`` (notes 1.3.8, 1.5–1.7) written again in plain
``torch.nn``, with the same parameter and buffer names, so that
``torch_model.load_state_dict(to_torch(xarxa_model.state_dict()))`` copies the weights
across and the two can be compared (forward, gradients, running statistics).

They are written from the architectures' descriptions, not from xarxa's code: the
references for the parity tests (and for anyone comparing training runs with PyTorch).
One convention is not PyTorch's own: ``ResidualBlock`` pads its strided convolutions the
way TensorFlow's ``'same'`` does (total padding max((⌈n/s⌉ − 1)·s + k − n, 0), the odd
pixel at the bottom/right), which ``tf_same_pad`` computes.
"""
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


def to_torch(state, dtype=None):
    """An xarxa state dict as torch tensors (``dtype``: cast the floating ones)."""
    out = {}
    for k, v in state.items():
        t = torch.from_numpy(np.array(v.numpy()))
        out[k] = t.to(dtype) if dtype is not None and t.is_floating_point() else t
    return out


def tf_same_pad(size: int, kernel: int, stride: int):
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Block(nn.Module):
    """ReLU(F(h) + shortcut(h)), F = conv–BN–ReLU–conv–BN; no shortcut when plain."""

    def __init__(self, c_in, c_out, stride, residual=True):
        super().__init__()
        self.stride, self.residual = stride, residual
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.project = residual and (c_in != c_out or stride != 1)
        if self.project:
            self.shortcut = nn.Conv2d(c_in, c_out, 1, stride, bias=False)
            self.shortcut_bn = nn.BatchNorm2d(c_out)

    def forward(self, h):
        top, bottom = tf_same_pad(h.shape[2], 3, self.stride)
        left, right = tf_same_pad(h.shape[3], 3, self.stride)
        f = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(F.pad(h, (left, right, top,
                                                                        bottom)))))))
        if not self.residual:
            return F.relu(f)
        return F.relu(f + (self.shortcut_bn(self.shortcut(h)) if self.project else h))


class ResNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, blocks_per_stage=1, width=16,
                 residual=True):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        blocks, c = [], width
        for stage in range(3):
            for i in range(blocks_per_stage):
                out = width * 2 ** stage
                blocks.append(Block(c, out, 2 if stage and not i else 1, residual))
                c = out
        self.stages = nn.Sequential(*blocks)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.fc(self.stages(self.stem(x)).mean(dim=(2, 3)))


class Dense(nn.Module):
    """Each layer conv 3×3 (with bias)–BN–ReLU on the concatenation of all before it."""

    def __init__(self, c_in, growth, layers):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(c_in + i * growth, growth, 3, padding=1)
                                   for i in range(layers))
        self.norms = nn.ModuleList(nn.BatchNorm2d(growth) for _ in range(layers))

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = torch.cat([x, F.relu(norm(conv(x)))], dim=1)
        return x


class DenseNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, growth_rate=12, layers_per_block=4):
        super().__init__()
        c = 2 * growth_rate
        parts = [nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                 nn.ReLU()]
        for i in range(3):
            parts.append(Dense(c, growth_rate, layers_per_block))
            c += layers_per_block * growth_rate
            if i < 2:
                parts.append(nn.Sequential(nn.Conv2d(c, c // 2, 1, bias=False),
                                           nn.BatchNorm2d(c // 2), nn.ReLU(), nn.AvgPool2d(2)))
                c //= 2
        self.features = nn.Sequential(*parts)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


def conv_bn_relu(c_in, c_out, k):
    return [nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU()]


class FCN(nn.Module):
    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn_relu(in_channels, 32, 3), nn.MaxPool2d(2), *conv_bn_relu(32, 64, 3),
            nn.MaxPool2d(2), *conv_bn_relu(64, 128, 3), *conv_bn_relu(128, 64, 1),
            nn.Conv2d(64, num_classes, 1))

    def forward(self, x):
        return self.features(x).mean(dim=(2, 3))


class LeNet5Modern(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                                        nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, num_classes))

    def forward(self, x):
        if x.shape[-1] == 28:
            x = F.pad(x, (2, 2, 2, 2))
        return self.classifier(self.features(x))


class SiameseNet(nn.Module):
    def __init__(self, embedding_dim=64, normalize=True, image_size=28):
        super().__init__()
        self.normalize = normalize
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(), nn.MaxPool2d(2))
        side = image_size // 4
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(),
                                  nn.Linear(128, embedding_dim))

    def forward(self, x):
        e = self.head(self.features(x))
        return F.normalize(e, dim=1) if self.normalize else e


def double_conv(c_in, c_out):
    return nn.Sequential(*conv_bn_relu(c_in, c_out, 3), *conv_bn_relu(c_out, c_out, 3))


class BedOfNails(nn.Module):
    """Each value at the top-left of its 2×2 block, zeros elsewhere."""

    def forward(self, x):
        out = x.new_zeros(*x.shape[:2], 2 * x.shape[2], 2 * x.shape[3])
        out[:, :, ::2, ::2] = x
        return out


def up(decoder, c_in, c_out):
    if decoder == "transpose":
        return nn.ConvTranspose2d(c_in, c_out, 2, stride=2)
    first = nn.Upsample(scale_factor=2, mode="nearest") if decoder == "nearest" \
        else BedOfNails()
    return nn.Sequential(first, nn.Conv2d(c_in, c_out, 3, padding=1))


class UNet(nn.Module):
    """Two poolings: encoders w, 2w; bottleneck 4w; decoders with concatenated skips."""

    def __init__(self, num_classes=11, decoder="transpose", width=16):
        super().__init__()
        w = width
        self.encoders = nn.ModuleList([double_conv(1, w), double_conv(w, 2 * w)])
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = double_conv(2 * w, 4 * w)
        self.ups = nn.ModuleList([up(decoder, 4 * w, 2 * w), up(decoder, 2 * w, w)])
        self.decoders = nn.ModuleList([double_conv(4 * w, 2 * w), double_conv(2 * w, w)])
        self.head = nn.Conv2d(w, num_classes, 1)

    def forward(self, x):
        skip1 = self.encoders[0](x)
        skip2 = self.encoders[1](self.pool(skip1))
        x = self.bottleneck(self.pool(skip2))
        x = self.decoders[0](torch.cat([skip2, self.ups[0](x)], dim=1))
        x = self.decoders[1](torch.cat([skip1, self.ups[1](x)], dim=1))
        return self.head(x)


class SegNet(nn.Module):
    """Two poolings keeping their indices, a bottleneck, and max-unpooling decoders."""

    def __init__(self, num_classes=11, width=16):
        super().__init__()
        w = width
        self.encoders = nn.ModuleList([double_conv(1, w), double_conv(w, 2 * w)])
        self.pools = nn.ModuleList([nn.MaxPool2d(2, return_indices=True) for _ in range(2)])
        self.bottleneck = double_conv(2 * w, 2 * w)
        self.unpools = nn.ModuleList([nn.MaxUnpool2d(2) for _ in range(2)])
        self.decoders = nn.ModuleList([double_conv(2 * w, w), double_conv(w, w)])
        self.head = nn.Conv2d(w, num_classes, 1)

    def forward(self, x):
        x, i1 = self.pools[0](self.encoders[0](x))
        x, i2 = self.pools[1](self.encoders[1](x))
        x = self.bottleneck(x)
        x = self.decoders[0](self.unpools[0](x, i2))
        x = self.decoders[1](self.unpools[1](x, i1))
        return self.head(x)
