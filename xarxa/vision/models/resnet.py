"""ResNet-18/34 with torchvision's architecture, parameter names and initialisation.

The ``state_dict`` keys and shapes are torchvision's (``conv1.weight``, ``bn1.*``,
``layer1.0.conv1.weight``, ``layer2.0.downsample.0.weight``, ``fc.bias`` …), so a
torchvision checkpoint loads as it is: ``resnet18(weights="resnet18-f37072fd.pth")`` or
``model.load_state_dict(xa.load(...))``. Nothing is downloaded: a weight name
(``"DEFAULT"``) loads torchvision's file from its download folder, or says where to put
it (``_api.py``).

Initialisation, as torchvision: every convolution ``kaiming_normal_(mode='fan_out',
nonlinearity='relu')``, every BatchNorm weight 1 and bias 0, the final ``fc`` PyTorch's
Linear default; ``zero_init_residual=True`` zeroes each block's last BN weight.
"""
from __future__ import annotations

from typing import Callable

from ... import nn
from ...autograd.grad_mode import no_grad
from ...autograd.ops import flatten
from ...tensor import Tensor
from ._api import WeightsEnum, build

__all__ = ["ResNet", "BasicBlock", "ResNet18_Weights", "ResNet34_Weights", "resnet18",
           "resnet34"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3×3 convolution, padding 1, no bias (the BatchNorm after it has one)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1,
                     bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1×1 convolution without bias (the projection shortcut)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 conv-BN layers and a skip connection: relu(bn2(conv2(relu(bn1(conv1(x)))))
    + shortcut(x)), the shortcut being ``downsample`` (1×1 conv + BN) when the shape
    changes, else the identity."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: Callable[[int], nn.Module] | None = None):
        super().__init__()
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision's ResNet for ``BasicBlock``s: a 7×7 stride-2 stem, a 3×3 stride-2 max
    pool, four stages of ``layers[i]`` blocks with 64, 128, 256, 512 channels (stages
    2–4 halve the resolution), global average pooling and a linear classifier.

    Shape:
        (N, 3, H, W) -> (N, num_classes); any H, W ≥ 32 (224 for ImageNet).
    """

    def __init__(self, block: type = BasicBlock, layers: list[int] = (2, 2, 2, 2),
                 num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64, replace_stride_with_dilation=None,
                 norm_layer: Callable[[int], nn.Module] | None = None):
        super().__init__()
        if block is not BasicBlock:
            raise ValueError(f"ResNet: only BasicBlock is implemented here, got {block!r}")
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers must give the blocks of 4 stages, got {layers!r}")
        if replace_stride_with_dilation is not None and any(replace_stride_with_dilation):
            raise NotImplementedError("ResNet: dilation is not supported in BasicBlock")
        self._norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes, self.dilation = 64, 1
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3,
                               bias=False)
        self.bn1 = self._norm_layer(self.inplanes)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        with no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
            if zero_init_residual:
                for m in self.modules():
                    if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                        nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type, planes: int, blocks: int, stride: int = 1
                    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       self._norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups,
                        self.base_width, 1, self._norm_layer)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups,
                         base_width=self.base_width, norm_layer=self._norm_layer)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(flatten(self.avgpool(x), 1))


class ResNet18_Weights(WeightsEnum):  # noqa: N801  (torchvision's name)
    """torchvision's weight names for ``resnet18`` (see ``_api.weights_file``)."""

    IMAGENET1K_V1 = "resnet18-f37072fd.pth"
    DEFAULT = "resnet18-f37072fd.pth"


class ResNet34_Weights(WeightsEnum):  # noqa: N801
    """torchvision's weight names for ``resnet34``."""

    IMAGENET1K_V1 = "resnet34-b627a593.pth"
    DEFAULT = "resnet34-b627a593.pth"


def _resnet(name: str, layers: list[int], weights, pretrained, kwargs, enum) -> ResNet:
    return build(lambda: ResNet(BasicBlock, layers, **kwargs), name, weights, enum, pretrained)


def resnet18(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> ResNet:
    """ResNet-18 (11,689,512 parameters for 1000 classes).

    Args:
        weights: None (random initialisation), a path to a torchvision-layout state dict
            file, or a ``ResNet18_Weights`` name (read offline, see ``_api.py``).
        kwargs: go to ``ResNet`` (``num_classes``, ``zero_init_residual``, ``norm_layer``).

    Example:
        >>> model = models.resnet18(num_classes=10)
        >>> model(xa.randn(2, 3, 32, 32)).shape
        (2, 10)
    """
    return _resnet("resnet18", [2, 2, 2, 2], weights, pretrained, kwargs, ResNet18_Weights)


def resnet34(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> ResNet:
    """ResNet-34 (21,797,672 parameters for 1000 classes); see ``resnet18``."""
    return _resnet("resnet34", [3, 4, 6, 3], weights, pretrained, kwargs, ResNet34_Weights)
