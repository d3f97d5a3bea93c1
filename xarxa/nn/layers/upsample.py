"""Upsampling layers (notes §1.6.2): max-unpooling, nearest-neighbour (and PyTorch's
bilinear and bicubic) upsampling and bed-of-nails unpooling. (The learned one,
`ConvTranspose2d`, lives in conv.py.)"""
from __future__ import annotations

from ...autograd.ops.conv import pair
from ...autograd.ops.pool import bed_of_nails_unpool, max_unpool2d
from ...autograd.ops.resample import check_mode, interpolate
from ...tensor import Tensor
from ..module import Module, Window
from .pool import _Pool


def _upsampling_step(module: Module, input_shape: tuple, output_shape: tuple):
    """Each output unit sees one input unit (its source), and the jump shrinks by the
    scale factor: a window of 1 moved by 1/scale."""
    return tuple(Window(1, n / o, 0, 0) for n, o in zip(input_shape[2:], output_shape[2:]))


class MaxUnpool2d(_Pool):
    """Places each value at the position its max-pooling recorded, zeros elsewhere.

    Shape:
        (N, C, H, W) with indices of the same shape -> (N, C, (H − 1)·S − 2P + F, …), or
        `output_size` given to forward.

    Example:
        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> y, idx = pool(x)
        >>> unpool(y, idx)       # the maxima back in place, zeros elsewhere
    """

    receptive_field_step = _upsampling_step   # not a pooling window, although a _Pool

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding,
                            output_size)


class Upsample(Module):
    """Upsampling by interpolation (PyTorch's `nn.Upsample`, `F.interpolate` as a layer).

    mode 'nearest' (the default) is the notes' nearest-neighbour unpooling: every value
    repeated over its s×s block ("blocky"); 'bilinear' and 'bicubic' interpolate smoothly
    (`align_corners` as in `F.interpolate`); 'area' averages.

    Shape:
        (N, C, H, W) -> (N, C, ⌊H·s⌋, ⌊W·s⌋), or `size`.
    """

    counts_as_layer = True

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        super().__init__()
        check_mode("Upsample", mode, align_corners)
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """Each output unit sees its source taps (1 nearest, 2 bilinear, 4 bicubic, around
        its source position) and the jump shrinks by the scale factor."""
        taps = {"bilinear": 2, "bicubic": 4}.get(self.mode, 1)
        return tuple(Window(taps, n / o, (taps - 1) / 2, (taps - 1) / 2)
                     for n, o in zip(input_shape[2:], output_shape[2:]))

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class BedOfNailsUnpool(Module):
    """Bed-of-nails unpooling: each value at a fixed `position` of its s×s block, zeros
    elsewhere (no blocky repetition; a following convolution fills the zeros).

    Shape:
        (N, C, H, W) -> (N, C, H·s, W·s)
    """

    counts_as_layer = True
    receptive_field_step = _upsampling_step

    def __init__(self, scale_factor=2, position=(0, 0)):
        super().__init__()
        self.scale_factor = pair(scale_factor, "scale_factor", "BedOfNailsUnpool")
        if min(self.scale_factor) <= 0:
            raise ValueError(f"BedOfNailsUnpool: scale_factor must be positive, got "
                             f"{scale_factor!r}")
        self.position = pair(position, "position", "BedOfNailsUnpool")
        if not all(0 <= p < s for p, s in zip(self.position, self.scale_factor)):
            raise ValueError(f"BedOfNailsUnpool: position {self.position} must lie inside "
                             f"the {self.scale_factor} block")

    def forward(self, x: Tensor) -> Tensor:
        return bed_of_nails_unpool(x, self.scale_factor, self.position)

    def extra_repr(self) -> str:
        return f"scale_factor={self.scale_factor}, position={self.position}"
