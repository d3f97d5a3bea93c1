"""A small DenseNet for 28×28 images (notes §1.7, "addition and concatenation": dense
connections concatenate every earlier feature map instead of adding one)."""
from __future__ import annotations

from .. import nn
from ..tensor import Tensor
from .facts import DEEP_RECIPE, ModelFacts

__all__ = ["DenseNet"]


def _transition(channels: int, out: int) -> nn.Sequential:
    """1×1 convolution (compressing the channels) + BN + ReLU, then 2×2 average pooling."""
    return nn.Sequential(nn.Conv2d(channels, out, 1, bias=False), nn.BatchNorm2d(out),
                         nn.ReLU(), nn.AvgPool2d(2))


class DenseNet(ModelFacts, nn.Module):
    """Three dense blocks with transitions between them (Huang et al., 2017):

    ===========================================  =====================================
    part                                         output (defaults: k = 12, L = 4)
    ===========================================  =====================================
    stem: conv 3×3 (C → 2k) + BN + ReLU          24 × 28 × 28
    dense block 1: L layers of k channels        24 + 48 = 72 × 28 × 28
    transition: 1×1 conv (× compression), pool   36 × 14 × 14
    dense block 2                                84 × 14 × 14
    transition                                   42 × 7 × 7
    dense block 3                                90 × 7 × 7
    global average pooling, Linear               classes
    ===========================================  =====================================

    Each layer of a dense block (``nn.DenseBlock``: conv 3×3–BN–ReLU, growth rate k)
    sees the concatenation of the block's input and of every earlier layer's output, so a
    block of L layers adds L·k channels; a transition halves the channels
    (``compression=0.5``) with a 1×1 convolution and the resolution with 2×2 average
    pooling. 75,274 parameters with the defaults (10 classes, 1 input channel).

    Args:
        num_classes, in_channels: output classes, input channels.
        growth_rate: k, the channels each dense layer adds.
        layers_per_block: L, the layers of each of the three dense blocks.
        compression: the fraction of channels a transition keeps, in (0, 1].

    Shape:
        input (N, in_channels, H, W) with H, W ≥ 4; output (N, num_classes).

    Example:
        >>> DenseNet()(xa.randn(2, 1, 28, 28)).shape
        (2, 10)
    """

    # facts for xarxa train (models/facts.py): the notes' deep-network recipe
    recipes = {"*": DEEP_RECIPE}

    def __init__(self, num_classes: int = 10, in_channels: int = 1, growth_rate: int = 12,
                 layers_per_block: int = 4, compression: float = 0.5):
        super().__init__()
        for name, value in (("growth_rate", growth_rate), ("layers_per_block", layers_per_block),
                            ("num_classes", num_classes), ("in_channels", in_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"DenseNet: {name} must be a positive integer, got {value!r}")
        if not 0 < compression <= 1:
            raise ValueError(f"DenseNet: compression must lie in (0, 1], got {compression!r}")
        self.growth_rate, self.layers_per_block = growth_rate, layers_per_block
        channels = 2 * growth_rate
        parts: list[nn.Module] = [nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(channels), nn.ReLU()]
        for i in range(3):
            block = nn.DenseBlock(channels, growth_rate, layers_per_block, batch_norm=True)
            parts.append(block)
            channels = block.out_channels
            if i < 2:
                out = max(1, int(channels * compression))
                parts.append(_transition(channels, out))
                channels = out
        self.features = nn.Sequential(*parts)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.flatten(self.pool(self.features(x))))

    def extra_repr(self) -> str:
        return f"growth_rate={self.growth_rate}, layers_per_block={self.layers_per_block}"
