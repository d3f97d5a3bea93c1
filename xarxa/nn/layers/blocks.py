"""Skip connections (notes §1.7): the residual block and the dense block.

Residual block: h^(l+2) = g(F(h^l) + h^l) with F = conv₂ ∘ g ∘ conv₁ (same-padding
convolutions so that shapes agree), or g(F(h^l) + W_s h^l) with a learned 1×1 projection
W_s (strided like conv₁) when the channel count or the stride changes. If F's weights
and biases are all zero the block computes g(h), i.e. the identity for h ≥ 0 after a
ReLU: adding a block can at worst leave the network as it was.

Dense block: every layer sees the concatenation (along channels) of the block's input and
of every earlier layer's output, and the block returns the concatenation of all of them.

Both declare `counts_as_layer = True`, so `inspect.summary` shows each as one layer (one
row) rather than looking into its convolutions, and a `receptive_field_step` that chains
the windows of the convolutions on their longest path.
"""
from __future__ import annotations

from ...autograd import ops
from ...tensor import Tensor
from ..containers import ModuleList
from ..module import Module, Window
from .activation import ReLU
from .conv import Conv2d
from .linear import Identity
from .norm import BatchNorm2d


def _chain(steps) -> tuple:
    """The windows of layers applied one after another, per axis: (F₁, S₁, P₁) then
    (F₂, S₂, P₂) see F₁ + (F₂ − 1)·S₁ inputs, moved by S₁·S₂, after P₁ + P₂·S₁ padding."""
    first, *rest = steps
    out = list(first)
    for step in rest:
        out = [Window(a.kernel + (b.kernel - 1) * a.stride, a.stride * b.stride,
                      a.pad_before + b.pad_before * a.stride,
                      a.pad_after + b.pad_after * a.stride) for a, b in zip(out, step)]
    return tuple(out)


class ResidualBlock(Module):
    """g(F(h) + shortcut(h)), F = conv–(BN)–g–conv–(BN), g = ReLU.

    Args:
        in_channels, out_channels: out_channels defaults to in_channels.
        stride: stride of the first convolution (and of the projection).
        batch_norm: add BatchNorm2d after each convolution (ResNet's form); off by default,
            which is the notes' formula.
        projection: force the 1×1 projection W_s even when shapes agree (it is used
            automatically when they do not).

    Shape:
        (N, C_in, H, W) -> (N, C_out, ⌈H/S⌉, ⌈W/S⌉)

    Example:
        >>> block = nn.ResidualBlock(16, 32, stride=2)   # with a strided 1×1 projection
    """

    counts_as_layer = True

    def __init__(self, in_channels: int, out_channels: int | None = None,
                 kernel_size: int = 3, stride: int = 1, batch_norm: bool = False,
                 projection: bool = False, init: str = "pytorch"):
        super().__init__()
        out_channels = in_channels if out_channels is None else out_channels
        self.in_channels, self.out_channels = in_channels, out_channels
        self.conv1 = Conv2d(in_channels, out_channels, kernel_size, stride, "same",
                            bias=not batch_norm, init=init)
        self.bn1 = BatchNorm2d(out_channels) if batch_norm else Identity()
        self.act = ReLU()
        self.conv2 = Conv2d(out_channels, out_channels, kernel_size, 1, "same",
                            bias=not batch_norm, init=init)
        self.bn2 = BatchNorm2d(out_channels) if batch_norm else Identity()
        if projection or in_channels != out_channels or stride != 1:
            self.shortcut = Conv2d(in_channels, out_channels, 1, stride, 0,
                                   bias=not batch_norm, init=init)   # W_s
            self.shortcut_bn = BatchNorm2d(out_channels) if batch_norm else Identity()
        else:
            self.shortcut = Identity()
            self.shortcut_bn = Identity()

    def residual(self, h: Tensor) -> Tensor:
        """F(h), the part the block learns."""
        h = self.conv1(h)
        bn1, act = self.bn1, self.act
        if ("_fuses_relu" in type(bn1).__dict__ and "_fusable" in type(act).__dict__
                and bn1._hooks is None and act._hooks is None and bn1.training):
            h = bn1._forward_relu(h)           # one fused BN + ReLU op, as nn.Sequential's
        else:
            h = act(bn1(h))
        return self.bn2(self.conv2(h))

    def forward(self, h: Tensor) -> Tensor:
        return ops.relu(self.residual(h) + self.shortcut_bn(self.shortcut(h)))

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """That of the main path, conv₁ then conv₂ (the 1×1 shortcut sees less)."""
        mid = input_shape[:2] + tuple(-(-n // s) for n, s in   # 'same' padding: ⌈N/S⌉
                                      zip(input_shape[2:], self.conv1.stride))
        return _chain([self.conv1.receptive_field_step(input_shape, mid),
                       self.conv2.receptive_field_step(mid, output_shape)])


class DenseBlock(Module):
    """`num_layers` layers conv–(BN)–ReLU, each producing `growth_rate` channels from the
    concatenation of all earlier feature maps (same padding keeps H and W).

    Shape:
        (N, C, H, W) -> (N, C + num_layers·growth_rate, H, W)

    Example:
        >>> nn.DenseBlock(8, growth_rate=4, num_layers=3)(xa.randn(2, 8, 5, 5)).shape
        (2, 20, 5, 5)
    """

    counts_as_layer = True

    def __init__(self, in_channels: int, growth_rate: int, num_layers: int,
                 kernel_size: int = 3, batch_norm: bool = False, init: str = "pytorch"):
        super().__init__()
        if num_layers <= 0 or growth_rate <= 0:
            raise ValueError(f"DenseBlock: growth_rate and num_layers must be positive, got "
                             f"{growth_rate} and {num_layers}")
        self.in_channels, self.growth_rate = in_channels, growth_rate
        self.out_channels = in_channels + num_layers * growth_rate
        self.convs = ModuleList(Conv2d(in_channels + i * growth_rate, growth_rate,
                                       kernel_size, 1, "same", init=init)
                                for i in range(num_layers))
        self.norms = ModuleList(BatchNorm2d(growth_rate) if batch_norm else Identity()
                                for _ in range(num_layers))

    def forward(self, x: Tensor) -> Tensor:
        features = x
        for conv, norm in zip(self.convs, self.norms):
            features = ops.cat([features, ops.relu(norm(conv(features)))], dim=1)
        return features

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """That of all its convolutions in a row (its last feature maps see the most)."""
        return _chain([conv.receptive_field_step(input_shape, input_shape)
                       for conv in self.convs])
