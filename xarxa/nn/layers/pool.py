"""Pooling layers (notes §1.5.2): a fixed operation per feature map, no parameters.
`AdaptiveAvgPool2d(1)` is global average pooling, which lets a fully convolutional
network take inputs of any size."""
from __future__ import annotations

import math

from ...autograd.ops.conv import check_stride, pair
from ...autograd.ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ...tensor import Tensor
from ..module import Module, Window


def _unsupported(layer: str, **given) -> None:
    """PyTorch's arguments that xarxa accepts in their places but supports only at the
    values listed: `name=(value, supported values)`; any other is NotImplementedError."""
    for name, (value, supported) in given.items():
        if value not in supported:
            raise NotImplementedError(f"{layer}: {name}={value!r} is not supported (only "
                                      f"{supported[0]!r})")


class _Pool(Module):
    counts_as_layer = True

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        if min(self.kernel_size) <= 0:
            raise ValueError(f"{name}: kernel_size must be positive, got {kernel_size!r}")
        self.stride = self.kernel_size if stride is None else check_stride(stride, name)
        self.padding = pair(padding, "padding", name)
        if min(self.padding) < 0:
            raise ValueError(f"{name}: padding must be non-negative, got {padding!r}")

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """A window of the kernel size moved by the stride, padded P on both sides."""
        return tuple(Window(f, s, p, p) for f, s, p in
                     zip(self.kernel_size, self.stride, self.padding))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """Maximum of each window; with `return_indices=True` also the positions of the maxima
    (for `MaxUnpool2d`).

    Shape:
        (N, C, H, W) -> (N, C, ⌊(H + 2P − F)/S⌋ + 1, ⌊(W + 2P − F)/S⌋ + 1)
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding)
        _unsupported("MaxPool2d", dilation=(dilation, (1, (1, 1), [1, 1])),
                     ceil_mode=(ceil_mode, (False,)))
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.return_indices)


class AvgPool2d(_Pool):
    """Mean of each window (LeNet-5's subsampling).

    Shape:
        (N, C, H, W) -> (N, C, ⌊(H + 2P − F)/S⌋ + 1, ⌊(W + 2P − F)/S⌋ + 1)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        _unsupported("AvgPool2d", ceil_mode=(ceil_mode, (False,)),
                     count_include_pad=(count_include_pad, (True,)),
                     divisor_override=(divisor_override, (None,)))

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, whatever the input size.

    Shape:
        (N, C, H, W) -> (N, C, *output_size)
    """

    counts_as_layer = True

    def __init__(self, output_size=1):
        super().__init__()
        self.output_size = pair(output_size, "output_size", "AdaptiveAvgPool2d")

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """Cells of at most ⌈N/out⌉ inputs, N/out apart."""
        return tuple(Window(math.ceil(n / o), n / o, 0, 0)
                     for n, o in zip(input_shape[2:], output_shape[2:]))

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
