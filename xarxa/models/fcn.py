"""A fully-convolutional classifier: no layer depends on the input size (notes §1.5.1,
§1.6.1)."""
from __future__ import annotations

from .. import nn
from ..tensor import Tensor
from .facts import DEEP_RECIPE, ModelFacts

__all__ = ["FCN"]


def _conv(c_in: int, c_out: int, kernel: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU()]


class FCN(ModelFacts, nn.Module):
    """Convolutions, 1×1 convolutions and global average pooling: no ``Flatten`` +
    ``Linear`` sized for one input size (notes §1.6.1: a fully-connected stage fixes the
    input dimensions), so the same weights classify images of any size ≥ 4×4.

    ===========================================  ====================  ==========
    layer                                        output (28×28 input)  parameters
    ===========================================  ====================  ==========
    conv 3×3 (C → 32) + BN + ReLU, max-pool 2    32 × 14 × 14          352
    conv 3×3 (32 → 64) + BN + ReLU, max-pool 2   64 × 7 × 7            18,560
    conv 3×3 (64 → 128) + BN + ReLU              128 × 7 × 7           73,984
    conv 1×1 (128 → 64) + BN + ReLU              64 × 7 × 7            8,320
    conv 1×1 (64 → classes)                      classes × 7 × 7       650
    global average pooling                       classes               0
    ===========================================  ====================  ==========

    101,866 parameters (10 classes, 1 input channel). The 1×1 convolutions (notes §1.5.1)
    compact the depth into per-position class scores; the average of those maps over
    every position is the output (the class-score maps themselves are ``score_map(x)``).

    Shape:
        input (N, in_channels, H, W), H, W ≥ 4; output (N, num_classes).

    Example:
        >>> model = FCN()
        >>> model(xa.randn(2, 1, 28, 28)).shape, model(xa.randn(2, 1, 40, 36)).shape
        ((2, 10), (2, 10))
    """

    # facts for xarxa train (models/facts.py): the notes' deep-network recipe
    recipes = {"*": DEEP_RECIPE}

    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.features = nn.Sequential(
            *_conv(in_channels, 32, 3), nn.MaxPool2d(2),
            *_conv(32, 64, 3), nn.MaxPool2d(2),
            *_conv(64, 128, 3), *_conv(128, 64, 1),
            nn.Conv2d(64, num_classes, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()

    def score_map(self, x: Tensor) -> Tensor:
        """The class scores at every position, (N, num_classes, H/4, W/4)."""
        if x.ndim != 4 or min(x.shape[-2:]) < 4:
            raise ValueError(f"FCN: expected input (N, C, H, W) with H, W ≥ 4 (two 2×2 "
                             f"poolings), got {tuple(x.shape)}")
        return self.features(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.flatten(self.pool(self.score_map(x)))
