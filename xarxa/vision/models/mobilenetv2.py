"""MobileNetV2 (Sandler et al. 2018) as torchvision builds it: depthwise separable
convolutions in inverted residual blocks.

Parameter names and shapes are torchvision's (``features.0.0.weight``,
``features.1.conv.0.0.weight`` — the depthwise 3×3, ``features.2.conv.1.1.running_var``,
``classifier.1.weight`` …), so its checkpoints load as they are
(``mobilenet_v2(weights="mobilenet_v2-b0353104.pth")``); ``weights=`` is read offline
(``_api.py``).

Each inverted residual block expands the channels t times with a 1×1 convolution, filters
each channel on its own with a 3×3 depthwise convolution (``groups`` = channels), both
followed by BN and ReLU6, and projects back with a linear 1×1 convolution and BN; the input
is added back when the stride is 1 and the channel count is unchanged.
"""
from __future__ import annotations

from typing import Callable

from ... import nn
from ...autograd.grad_mode import no_grad
from ...autograd.ops import adaptive_avg_pool2d, flatten
from ...tensor import Tensor
from ._api import WeightsEnum, build

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "InvertedResidual", "Conv2dNormActivation",
           "mobilenet_v2"]


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """The multiple of `divisor` nearest to v (at least `min_value`), never more than 10 %
    below v: torchvision's channel rounding for ``width_mult``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class Conv2dNormActivation(nn.Sequential):
    """Conv2d, then a norm layer and an activation (torchvision.ops' block; entries 0, 1, 2).

    The padding keeps the size at stride 1: (kernel_size − 1)/2 · dilation; the convolution
    has a bias only without a norm layer."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, padding: int | None = None, groups: int = 1,
                 norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
                 activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
                 dilation: int = 1, inplace: bool | None = True, bias: bool | None = None):
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                            dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else
                                              {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels


class InvertedResidual(nn.Module):
    """Expand (1×1, ×t), depthwise 3×3 (stride s), project (1×1, linear); + x when s = 1 and
    the channel count is kept."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int,
                 norm_layer: Callable[..., nn.Module] | None = None):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.stride = stride
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1,
                                               norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                 norm_layer=norm_layer, activation_layer=nn.ReLU6),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2: a 3×3 stride-2 stem (32 channels × width_mult), the
    inverted residual stages of ``inverted_residual_setting`` (t, c, n, s), a 1×1 conv to
    1280 channels, global average pooling, dropout and a linear classifier.

    Shape:
        (N, 3, H, W) -> (N, num_classes); any H, W ≥ 32 (five stride-2 stages).
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: list | None = None, round_nearest: int = 8,
                 block: Callable[..., nn.Module] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None, dropout: float = 0.2):
        super().__init__()
        block = block or InvertedResidual
        norm_layer = norm_layer or nn.BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                # t, c, n, s
                [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                [6, 160, 3, 2], [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(f"inverted_residual_setting should be non-empty or a 4-element "
                             f"list, got {inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: list = [Conv2dNormActivation(3, input_channel, stride=2,
                                               norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1,
                                      expand_ratio=t, norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1,
                                             norm_layer=norm_layer, activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        with no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out")
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(flatten(x, 1))


class MobileNet_V2_Weights(WeightsEnum):  # noqa: N801  (torchvision's name)
    """torchvision's weight names for ``mobilenet_v2`` (V2: its improved training recipe)."""

    IMAGENET1K_V1 = "mobilenet_v2-b0353104.pth"
    IMAGENET1K_V2 = "mobilenet_v2-7ebf99e0.pth"
    DEFAULT = "mobilenet_v2-7ebf99e0.pth"


def mobilenet_v2(*, weights=None, progress: bool = True, pretrained: bool = False,
                 **kwargs) -> MobileNetV2:
    """MobileNetV2 (3,504,872 parameters for 1000 classes).

    Args:
        weights: None (random initialisation), a path to a torchvision-layout state dict
            file, or a ``MobileNet_V2_Weights`` name (read offline, see ``_api.py``).
        kwargs: go to ``MobileNetV2`` (``num_classes``, ``width_mult``, ``dropout`` …).

    Example:
        >>> models.mobilenet_v2(num_classes=10)(xa.randn(2, 3, 32, 32)).shape
        (2, 10)
    """
    return build(lambda: MobileNetV2(**kwargs), "mobilenet_v2", weights, MobileNet_V2_Weights,
                 pretrained)
