"""SegNet: an encoder–decoder whose decoder upsamples with max-unpooling at the positions
the encoder's max-pooling recorded (notes §1.6.2, "max unpooling")."""
from __future__ import annotations

from .. import nn
from ..tensor import Tensor
from .unet import double_conv
from .facts import ModelFacts

__all__ = ["SegNet"]


class SegNet(ModelFacts, nn.Module):
    """Badrinarayanan et al.'s SegNet, small, shaped like ``UNet`` so that the two differ
    in how the decoder upsamples. With ``depth=2`` and ``width=w``:

    ==================================================  ===================
    part                                                output (64×64)
    ==================================================  ===================
    encoder 1: double conv (C → w), max-pool 2 (idx 1)  w × 32 × 32
    encoder 2: double conv (w → 2w), max-pool 2 (idx 2) 2w × 16 × 16
    bottleneck: double conv (2w → 2w)                   2w × 16 × 16
    max-unpool at idx 2, double conv (2w → w)           w × 32 × 32
    max-unpool at idx 1, double conv (w → w)            w × 64 × 64
    conv 1×1 (w → classes)                              classes × 64 × 64
    ==================================================  ===================

    Each ``MaxUnpool2d`` puts every value back where the matching encoder pooling found
    its maximum and zeros elsewhere; the convolutions after it fill the zeros. Nothing
    else crosses from the encoder to the decoder: the indices replace U-Net's
    concatenated feature maps. 46,859 parameters (1 input channel, 11 classes, ``width=16``,
    ``depth=2``).

    Shape:
        input (N, in_channels, H, W) with H and W multiples of 2^depth;
        output (N, num_classes, H, W).

    Example:
        >>> SegNet()(xa.randn(2, 1, 64, 64)).shape
        (2, 11, 64, 64)
    """

    # facts for xarxa train (models/facts.py): a class per pixel
    task = "segmentation"

    def __init__(self, num_classes: int = 11, in_channels: int = 1, width: int = 16,
                 depth: int = 2):
        super().__init__()
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels),
                            ("width", width), ("depth", depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SegNet: {name} must be a positive integer, got {value!r}")
        self.width, self.depth = width, depth
        widths = [width * 2 ** i for i in range(depth)]
        self.encoders = nn.ModuleList(double_conv(a, b) for a, b in
                                      zip([in_channels] + widths[:-1], widths))
        self.pools = nn.ModuleList(nn.MaxPool2d(2, return_indices=True) for _ in widths)
        self.bottleneck = double_conv(widths[-1], widths[-1])
        # Decoder level i (deepest first) unpools 2^i·w channels, then maps them to the
        # channels of the level above (w at the top).
        self.unpools = nn.ModuleList(nn.MaxUnpool2d(2) for _ in widths)
        self.decoders = nn.ModuleList(double_conv(widths[i], widths[max(i - 1, 0)])
                                      for i in reversed(range(depth)))
        self.head = nn.Conv2d(width, num_classes, 1)

    def encode(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """The bottleneck's features and the pooling indices, shallowest first."""
        step = 2 ** self.depth
        if x.ndim != 4 or x.shape[-2] % step or x.shape[-1] % step:
            raise ValueError(f"SegNet: expected input (N, C, H, W) with H and W multiples of "
                             f"{step} (depth {self.depth}), got {tuple(x.shape)}")
        indices = []
        for encoder, pool in zip(self.encoders, self.pools):
            x, idx = pool(encoder(x))
            indices.append(idx)
        return self.bottleneck(x), indices

    def forward(self, x: Tensor) -> Tensor:
        x, indices = self.encode(x)
        for unpool, decoder, idx in zip(self.unpools, self.decoders, reversed(indices)):
            x = decoder(unpool(x, idx))   # the values back at the encoder's maxima
        return self.head(x)

    def extra_repr(self) -> str:
        return f"width={self.width}, depth={self.depth}"
