"""A small ResNet for 28×28 images, and the same network without its skip connections
(notes §1.7: the degradation problem, residual blocks, the projection W_s)."""
from __future__ import annotations

from .. import nn
from ..autograd.ops import relu
from ..tensor import Tensor
from .facts import DEEP_RECIPE, ModelFacts

__all__ = ["ResNet", "PlainBlock"]


class PlainBlock(nn.ResidualBlock):
    """A `ResidualBlock` without its shortcut: g(F(h)) instead of g(F(h) + W_s h).

    The block is built exactly as a residual one (its convolutions draw the same initial
    weights from the same seed) and the shortcut is then dropped, with its projection's
    parameters: a plain network has no W_s.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shortcut = nn.Identity()
        self.shortcut_bn = nn.Identity()

    def forward(self, h: Tensor) -> Tensor:
        return relu(self.residual(h))


class ResNet(ModelFacts, nn.Module):
    """He et al.'s CIFAR-style ResNet, sized for 28×28 images (notes §1.7):

    ===============================================  ===============  =========================
    part                                             output           weighted layers
    ===============================================  ===============  =========================
    stem: conv 3×3 (C → w) + BN + ReLU               w × 28 × 28      1
    stage 1: n ResidualBlocks (w → w)                w × 28 × 28      2n
    stage 2: n blocks, the first w → 2w, stride 2    2w × 14 × 14     2n
    stage 3: n blocks, the first 2w → 4w, stride 2   4w × 7 × 7       2n
    global average pooling, Linear 4w → classes      classes          1
    ===============================================  ===============  =========================

    6n + 2 weighted layers in all (``blocks_per_stage=1``: 8, ``=5``: 32; 7 and 31 of them
    convolutions). Every block is conv–BN–ReLU–conv–BN, added to its shortcut, then ReLU:
    h^(l+2) = g(F(h^l) + h^l). Where a block changes the width or the stride (the first of
    stages 2 and 3) the shortcut is the learned projection W_s, a strided 1×1 convolution +
    BN: g(F(h^l) + W_s h^l). Convolutions followed by BN have no bias (BN's β is one).

    ``residual=False`` builds the same network without skip connections (blocks g(F(h)), no
    W_s): the "plain" network of the degradation argument. At the same seed its layers start
    from the residual network's weights.

    Parameters (10 classes, 1 input channel, w = 16): ``ResNet()`` (n = 1) has 77,754
    (plain: 75,002); ``blocks_per_stage=3`` 272,186; ``blocks_per_stage=5`` 466,618
    (plain: 463,866).

    Args:
        num_classes, in_channels: output classes, input channels.
        blocks_per_stage: n, the blocks in each of the three stages.
        width: w, the channels of the first stage (doubled in each later one).
        residual: False for the plain network.

    Shape:
        input (N, in_channels, H, W), any H, W ≥ 1 (the global pooling removes the size);
        output (N, num_classes).

    Example:
        >>> model = ResNet(blocks_per_stage=5)              # 32 weighted layers
        >>> model(xa.randn(2, 1, 28, 28)).shape
        (2, 10)
    """

    # facts for xarxa train (models/facts.py): the notes' deep-network recipe
    recipes = {"*": DEEP_RECIPE}

    def __init__(self, num_classes: int = 10, in_channels: int = 1, blocks_per_stage: int = 1,
                 width: int = 16, residual: bool = True):
        super().__init__()
        for name, value in (("blocks_per_stage", blocks_per_stage), ("width", width),
                            ("num_classes", num_classes), ("in_channels", in_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ResNet: {name} must be a positive integer, got {value!r}")
        self.blocks_per_stage, self.width, self.residual = blocks_per_stage, width, residual
        block = nn.ResidualBlock if residual else PlainBlock
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        layers, channels = [], width
        for stage in range(3):
            out = width * 2 ** stage
            for i in range(blocks_per_stage):
                stride = 2 if stage > 0 and i == 0 else 1
                layers.append(block(channels, out, stride=stride, batch_norm=True))
                channels = out
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels, num_classes)

    @property
    def depth(self) -> int:
        """Weighted layers on the main path: 6n + 2 (the shortcuts' 1×1 W_s not counted)."""
        return 6 * self.blocks_per_stage + 2

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.flatten(self.pool(self.stages(self.stem(x)))))

    def extra_repr(self) -> str:
        return (f"blocks_per_stage={self.blocks_per_stage}, width={self.width}, "
                f"residual={self.residual}")
