"""`Conv2d` and `ConvTranspose2d` layers (notes §1.5.1, §1.6.2).

A Conv2d layer has (F·F·D + 1)·K parameters (K filters of F×F×D plus one bias each), and
maps N×N inputs to ⌊(N − F + 2P)/S⌋ + 1 outputs. The notes' validity rule asks (N − F + 2P)
to be divisible by S; when it is not, the last rows/columns are dropped (as PyTorch does)
and `xarxa.inspect.summary` flags the layer.
"""
from __future__ import annotations

import math

from ...autograd.ops.conv import check_stride, conv2d, conv_padding, conv_transpose2d, pair
from ...tensor import Tensor
from ..init import init_layer
from ..module import Module, Window
from ._weights import add_weight_and_bias


def _only_defaults(op: str, dilation, groups, padding_mode) -> None:
    """PyTorch's dilation, groups and padding_mode are accepted in their places, and refused
    unless they have their default values (the im2col kernels do dense, undilated,
    zero-padded convolutions)."""
    if dilation not in (1, (1, 1), [1, 1]):
        raise NotImplementedError(f"{op}: dilation={dilation!r} is not supported (only 1)")
    if groups != 1:
        raise NotImplementedError(f"{op}: groups={groups!r} is not supported (only 1)")
    if padding_mode != "zeros":
        if padding_mode not in ("reflect", "replicate", "circular"):
            raise ValueError(f"{op}: padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        raise NotImplementedError(f"{op}: padding_mode={padding_mode!r} is not supported "
                                  "(only 'zeros')")


class Conv2d(Module):
    """2-D convolution with K = out_channels learned F×F×D filters.

    Args:
        kernel_size: F (int or pair; even sizes work).
        stride: S > 0.
        padding: int, pair, (top, bottom, left, right), 'valid' or 'same' (output ⌈N/S⌉,
            padding split as TensorFlow does, also with stride > 1 and even kernels).
        dilation, groups, padding_mode: PyTorch's arguments, in its order; only their
            defaults (1, 1, 'zeros') are supported (others raise NotImplementedError).
        bias, device, dtype: as PyTorch's.
        init: keyword-only, 'pytorch' (default), 'xavier', 'he' or 'notes'.

    Shape:
        (N, C_in, H, W) -> (N, C_out, ⌊(H + 2P − F)/S⌋ + 1, ⌊(W + 2P − F)/S⌋ + 1)

    Example:
        >>> conv = nn.Conv2d(1, 6, 5)              # LeNet-5's first layer: 156 parameters
        >>> conv(xa.randn(8, 1, 32, 32)).shape
        (8, 6, 28, 28)
    """

    counts_as_layer = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, dilation=1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None, *,
                 init: str = "pytorch"):
        super().__init__()
        _only_defaults("Conv2d", dilation, groups, padding_mode)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"Conv2d: in_channels and out_channels must be positive, got "
                             f"{in_channels} and {out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        if min(self.kernel_size) <= 0:
            raise ValueError(f"Conv2d: kernel_size must be positive, got {kernel_size!r}")
        self.stride = check_stride(stride, "Conv2d")
        conv_padding(padding, (1, 1), self.kernel_size, self.stride, "Conv2d")  # validate
        self.padding = padding if isinstance(padding, str) else (
            tuple(padding) if isinstance(padding, (tuple, list)) else pair(padding, "", ""))
        self.init = init
        add_weight_and_bias(self, (self.out_channels, self.in_channels) + self.kernel_size,
                            self.out_channels, bias, dtype, "Conv2d", device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_layer(self.weight, self.bias, self.init, "Conv2d")

    def padding_for(self, height: int, width: int) -> tuple[int, int, int, int]:
        """The (top, bottom, left, right) padding used for an input of this size."""
        return conv_padding(self.padding, (height, width), self.kernel_size, self.stride,
                            "Conv2d")

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """An F×F window moved by S, after the padding used for this input size."""
        top, bottom, left, right = self.padding_for(*input_shape[2:])
        (fh, fw), (sh, sw) = self.kernel_size, self.stride
        return Window(fh, sh, top, bottom), Window(fw, sw, left, right)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding!r}"
        return s + ("" if self.bias is not None else ", bias=False")


class ConvTranspose2d(Module):
    """Transposed ("fractionally strided") convolution: learned upsampling (notes §1.6.2).
    Each input pixel scatters a copy of the kernel scaled by its value; overlaps add.
    Arguments in PyTorch's order (groups, dilation and padding_mode at their defaults only);
    `init=` keyword-only, as in Conv2d.

    Shape:
        (N, C_in, H, W) -> (N, C_out, (H − 1)·S − 2P + F + output_padding, …)

    Example:
        >>> up = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2)   # doubles H and W
    """

    counts_as_layer = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, output_padding=0, groups: int = 1, bias: bool = True,
                 dilation=1, padding_mode: str = "zeros", device=None, dtype=None, *,
                 init: str = "pytorch"):
        super().__init__()
        op = "ConvTranspose2d"
        _only_defaults(op, dilation, groups, padding_mode)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"{op}: in_channels and out_channels must be positive, got "
                             f"{in_channels} and {out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", op)
        self.stride = check_stride(stride, op)
        self.padding = pair(padding, "padding", op)
        self.output_padding = pair(output_padding, "output_padding", op)
        if max(self.output_padding) and (self.output_padding[0] >= self.stride[0]
                                         or self.output_padding[1] >= self.stride[1]):
            raise ValueError(f"{op}: output_padding {self.output_padding} must be smaller "
                             f"than the stride {self.stride}")
        self.init = init
        add_weight_and_bias(self, (self.in_channels, self.out_channels) + self.kernel_size,
                            self.out_channels, bias, dtype, op, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_layer(self.weight, self.bias, self.init, "ConvTranspose2d")

    def forward(self, x: Tensor) -> Tensor:
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """One output unit sees at most ⌈F/S⌉ input units (the kernel taps landing on it),
        and the stride S divides the jump: a window of ⌈F/S⌉ moved by 1/S, placed so that
        its centre is that of the inputs output 0 sees."""
        windows = []
        for f, s, p in zip(self.kernel_size, self.stride, self.padding):
            lo, hi = math.ceil((p - f + 1) / s), math.floor(p / s)   # inputs of output 0
            k = math.ceil(f / s)
            before = (k - 1) / 2 - (lo + hi) / 2
            windows.append(Window(k, 1 / s, before, before))
        return tuple(windows)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        return s + ("" if self.bias is not None else ", bias=False")
