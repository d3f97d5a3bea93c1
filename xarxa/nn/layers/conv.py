"""`Conv2d` and `ConvTranspose2d` layers (notes §1.5.1, §1.6.2).

A Conv2d layer has (F·F·D + 1)·K parameters (K filters of F×F×D plus one bias each), and
maps N×N inputs to ⌊(N − F + 2P)/S⌋ + 1 outputs. The notes' validity rule asks (N − F + 2P)
to be divisible by S; when it is not, the last rows/columns are dropped (as PyTorch does)
and `xarxa.inspect.summary` flags the layer.
"""
from __future__ import annotations

import math

from ...autograd.ops.conv import (check_dilation, check_groups, check_stride, conv2d,
                                  conv_padding, conv_transpose2d, pair)
from ...tensor import Tensor
from ..init import init_layer
from ..module import Module, Window
from ._weights import add_weight_and_bias


def _zero_padding_only(op: str, padding_mode) -> None:
    """PyTorch's padding_mode is accepted in its place, and refused unless it is 'zeros'."""
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
        dilation: D, taps D pixels apart (the kernel spans D·(F − 1) + 1 pixels).
        groups: G independent convolutions of C_in/G → C_out/G channels (both divisible by
            G; G = C_in is depthwise); the weight is (C_out, C_in/G, F, F).
        padding_mode: PyTorch's argument; only 'zeros' is supported (NotImplementedError).
        bias, device, dtype: as PyTorch's.
        init: keyword-only, 'pytorch' (default), 'xavier', 'he' or 'notes'.

    Shape:
        (N, C_in, H, W) -> (N, C_out, ⌊(H + 2P − E)/S⌋ + 1, ⌊(W + 2P − E)/S⌋ + 1),
        E = D·(F − 1) + 1 (= F undilated).

    Example:
        >>> conv = nn.Conv2d(1, 6, 5)              # LeNet-5's first layer: 156 parameters
        >>> conv(xa.randn(8, 1, 32, 32)).shape
        (8, 6, 28, 28)
        >>> nn.Conv2d(32, 32, 3, padding=1, groups=32).weight.shape    # depthwise
        (32, 1, 3, 3)
    """

    counts_as_layer = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, dilation=1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device=None, dtype=None, *,
                 init: str = "pytorch"):
        super().__init__()
        _zero_padding_only("Conv2d", padding_mode)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"Conv2d: in_channels and out_channels must be positive, got "
                             f"{in_channels} and {out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = check_groups(groups, self.in_channels, self.out_channels, "Conv2d")
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d")
        if min(self.kernel_size) <= 0:
            raise ValueError(f"Conv2d: kernel_size must be positive, got {kernel_size!r}")
        self.stride = check_stride(stride, "Conv2d")
        self.dilation = check_dilation(dilation, "Conv2d")
        conv_padding(padding, (1, 1), self.kernel_size, self.stride, "Conv2d")  # validate
        self.padding = padding if isinstance(padding, str) else (
            tuple(padding) if isinstance(padding, (tuple, list)) else pair(padding, "", ""))
        self.padding_mode = padding_mode
        self.init = init
        add_weight_and_bias(self, (self.out_channels, self.in_channels // self.groups)
                            + self.kernel_size, self.out_channels, bias, dtype, "Conv2d",
                            device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_layer(self.weight, self.bias, self.init, "Conv2d")

    def extent(self) -> tuple[int, int]:
        """The pixels a (dilated) kernel spans: D·(F − 1) + 1 per axis."""
        return tuple(d * (f - 1) + 1 for d, f in zip(self.dilation, self.kernel_size))

    def padding_for(self, height: int, width: int) -> tuple[int, int, int, int]:
        """The (top, bottom, left, right) padding used for an input of this size."""
        return conv_padding(self.padding, (height, width), self.extent(), self.stride,
                            "Conv2d")

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """An E×E window moved by S (E the dilated kernel's extent), after the padding used
        for this input size."""
        top, bottom, left, right = self.padding_for(*input_shape[2:])
        (eh, ew), (sh, sw) = self.extent(), self.stride
        return Window(eh, sh, top, bottom), Window(ew, sw, left, right)

    def extra_repr(self) -> str:
        return _conv_repr(self, self.padding not in ((0, 0), "valid"))


class ConvTranspose2d(Module):
    """Transposed ("fractionally strided") convolution: learned upsampling (notes §1.6.2).
    Each input pixel scatters a copy of the kernel scaled by its value; overlaps add.
    Arguments in PyTorch's order (groups before dilation; padding_mode 'zeros' only); the
    weight is (C_in, C_out/G, F, F); `init=` keyword-only, as in Conv2d.

    Shape:
        (N, C_in, H, W) -> (N, C_out, (H − 1)·S − 2P + D·(F − 1) + 1 + output_padding, …)

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
        _zero_padding_only(op, padding_mode)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"{op}: in_channels and out_channels must be positive, got "
                             f"{in_channels} and {out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = check_groups(groups, self.in_channels, self.out_channels, op)
        self.kernel_size = pair(kernel_size, "kernel_size", op)
        self.stride = check_stride(stride, op)
        self.dilation = check_dilation(dilation, op)
        self.padding = pair(padding, "padding", op)
        self.output_padding = pair(output_padding, "output_padding", op)
        if any(o >= s and o >= d for o, s, d in zip(self.output_padding, self.stride,
                                                    self.dilation)):
            raise ValueError(f"{op}: output_padding {self.output_padding} must be smaller "
                             f"than the stride {self.stride} or the dilation {self.dilation}")
        self.padding_mode = padding_mode
        self.init = init
        add_weight_and_bias(self, (self.in_channels, self.out_channels // self.groups)
                            + self.kernel_size, self.out_channels, bias, dtype, op, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_layer(self.weight, self.bias, self.init, "ConvTranspose2d")

    def forward(self, x: Tensor) -> Tensor:
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """One output unit sees at most ⌈F/S⌉ input units (the kernel taps landing on it),
        and the stride S divides the jump: a window of ⌈F/S⌉ moved by 1/S, placed so that
        its centre is that of the inputs output 0 sees."""
        windows = []
        for f, s, p, d in zip(self.kernel_size, self.stride, self.padding, self.dilation):
            f = d * (f - 1) + 1                    # a dilated kernel's extent
            lo, hi = math.ceil((p - f + 1) / s), math.floor(p / s)   # inputs of output 0
            k = math.ceil(f / s)
            before = (k - 1) / 2 - (lo + hi) / 2
            windows.append(Window(k, 1 / s, before, before))
        return tuple(windows)

    def extra_repr(self) -> str:
        return _conv_repr(self, self.padding != (0, 0), self.output_padding != (0, 0))


def _conv_repr(layer, padded: bool, output_padded: bool = False) -> str:
    """PyTorch's layer line: the arguments that differ from their defaults, in its order."""
    s = (f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
         f"stride={layer.stride}")
    if padded:
        s += f", padding={layer.padding!r}"
    if layer.dilation != (1, 1):
        s += f", dilation={layer.dilation}"
    if output_padded:
        s += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        s += f", groups={layer.groups}"
    return s + ("" if layer.bias is not None else ", bias=False")
