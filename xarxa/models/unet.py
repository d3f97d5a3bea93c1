"""U-Net: an encoder–decoder for semantic segmentation with skip connections by
concatenation; the decoder's upsampling is one of the notes' §1.6.2 choices."""
from __future__ import annotations

from .. import nn
from ..autograd.ops import cat
from ..tensor import Tensor
from .facts import ModelFacts

__all__ = ["UNet", "double_conv", "DECODERS"]

DECODERS = ("transpose", "nearest", "bed_of_nails")


def double_conv(c_in: int, c_out: int) -> nn.Sequential:
    """(conv 3×3 + BN + ReLU) twice, same padding: the unit of U-Net and SegNet."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU())


def _up(decoder: str, c_in: int, c_out: int) -> nn.Module:
    """×2 upsampling from c_in to c_out channels (notes §1.6.2)."""
    if decoder == "transpose":   # learned: each input pixel scatters a 2×2 kernel
        return nn.ConvTranspose2d(c_in, c_out, 2, stride=2)
    unpool = nn.Upsample(scale_factor=2) if decoder == "nearest" else nn.BedOfNailsUnpool(2)
    return nn.Sequential(unpool, nn.Conv2d(c_in, c_out, 3, padding=1))   # fixed, then a conv


class UNet(ModelFacts, nn.Module):
    """Ronneberger et al.'s U-Net, small (notes §1.6: encoder–decoder; §1.7: skip
    connections by concatenation). With ``depth=2`` and ``width=w``:

    ==============================================  ==========================
    part                                            output (64×64 input)
    ==============================================  ==========================
    encoder 1: double conv (C → w)                  w × 64 × 64   (skip 1)
    max-pool 2, encoder 2: double conv (w → 2w)     2w × 32 × 32  (skip 2)
    max-pool 2, bottleneck: double conv (2w → 4w)   4w × 16 × 16
    up ×2 (4w → 2w), concatenate skip 2, double     2w × 32 × 32
    conv (4w → 2w)
    up ×2 (2w → w), concatenate skip 1, double      w × 64 × 64
    conv (2w → w)
    conv 1×1 (w → classes)                          classes × 64 × 64
    ==============================================  ==========================

    A double conv is (conv 3×3 + BN + ReLU) twice. The decoder's "up ×2" is chosen by
    ``decoder`` (notes §1.6.2):

    * ``'transpose'``: ``ConvTranspose2d`` with a 2×2 kernel and stride 2 (learned
      upsampling);
    * ``'nearest'``: nearest-neighbour unpooling (``Upsample``) then a 3×3 convolution;
    * ``'bed_of_nails'``: ``BedOfNailsUnpool`` (each value at the top-left of its 2×2
      block, zeros elsewhere) then a 3×3 convolution that fills the zeros.

    The concatenated encoder maps bring back the detail the poolings lost. Parameters
    (1 input channel, 11 classes, ``width=16``, ``depth=2``): 117,243 with
    ``'transpose'``; 130,043 with ``'nearest'`` or ``'bed_of_nails'``.

    Args:
        num_classes: output classes per pixel (11 for ``fashion_canvas``: background and
            the 10 clothes).
        in_channels: input channels.
        decoder: ``'transpose'``, ``'nearest'`` or ``'bed_of_nails'``.
        width: w, the channels of the first level (doubled at each level below).
        depth: the number of poolings (levels below the first).

    Shape:
        input (N, in_channels, H, W) with H and W multiples of 2^depth;
        output (N, num_classes, H, W): per-pixel class scores (logits).

    Example:
        >>> model = UNet(decoder="nearest")
        >>> model(xa.randn(2, 1, 64, 64)).shape
        (2, 11, 64, 64)
    """

    # facts for xarxa train (models/facts.py): a class per pixel; --decoder picks the
    # decoder's upsampling
    task = "segmentation"
    options = {"decoder": (DECODERS, "transpose")}

    def __init__(self, num_classes: int = 11, in_channels: int = 1, decoder: str = "transpose",
                 width: int = 16, depth: int = 2):
        super().__init__()
        if decoder not in DECODERS:
            raise ValueError(f"UNet: decoder must be one of {DECODERS}, got {decoder!r}")
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels),
                            ("width", width), ("depth", depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"UNet: {name} must be a positive integer, got {value!r}")
        self.decoder, self.width, self.depth = decoder, width, depth
        widths = [width * 2 ** i for i in range(depth + 1)]
        self.encoders = nn.ModuleList(double_conv(a, b) for a, b in
                                      zip([in_channels] + widths[:-2], widths[:-1]))
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = double_conv(widths[-2], widths[-1])
        # Decoder level i (deepest first) takes 2^(i+1)·w channels up to 2^i·w, then the
        # concatenation with encoder i's output (2^i·w more) back down to 2^i·w.
        self.ups = nn.ModuleList(_up(decoder, widths[i + 1], widths[i])
                                 for i in reversed(range(depth)))
        self.decoders = nn.ModuleList(double_conv(2 * widths[i], widths[i])
                                      for i in reversed(range(depth)))
        self.head = nn.Conv2d(width, num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        step = 2 ** self.depth
        if x.ndim != 4 or x.shape[-2] % step or x.shape[-1] % step:
            raise ValueError(f"UNet: expected input (N, C, H, W) with H and W multiples of "
                             f"{step} (depth {self.depth}), got {tuple(x.shape)}")
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = decoder(cat([skip, up(x)], dim=1))   # skip connection by concatenation
        return self.head(x)

    def extra_repr(self) -> str:
        return f"decoder={self.decoder!r}, width={self.width}, depth={self.depth}"
