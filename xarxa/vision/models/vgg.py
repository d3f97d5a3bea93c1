"""VGG-11/13/16/19, with and without batch norm, as torchvision builds them.

Parameter names and shapes are torchvision's (``features.0.weight``, ``features.1.running_mean``
in the BN variants, ``classifier.6.bias`` …), so its checkpoints load as they are
(``vgg16(weights="vgg16-397923af.pth")``); ``weights=`` is read offline (``_api.py``).

Architecture (Simonyan & Zisserman): 3×3 convolutions with padding 1 (+ BatchNorm) + ReLU
in five stages ended by 2×2 max pooling, channel counts from ``cfgs`` ("M" = pool); an
adaptive 7×7 average pool (any input size: 224×224 gives 7×7 already, smaller images are
repeated up to it), and a 25088 → 4096 → 4096 → classes MLP with ReLU and dropout.
Initialisation as torchvision: convolutions ``kaiming_normal_(mode='fan_out',
nonlinearity='relu')`` with zero bias, BatchNorm 1 and 0, Linear N(0, 0.01²) with zero bias.
"""
from __future__ import annotations

from ... import nn
from ...autograd.grad_mode import no_grad
from ...autograd.ops import flatten
from ...tensor import Tensor
from ._api import WeightsEnum, build

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"] + [
    f"VGG{d}{bn}_Weights" for d in (11, 13, 16, 19) for bn in ("", "_BN")]

cfgs: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
          "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512,
          512, 512, 512, "M"],
}


class VGG(nn.Module):
    """``features`` (from ``make_layers``), a 7×7 adaptive average pool and the classifier.

    Shape:
        (N, 3, H, W) -> (N, num_classes); H, W ≥ 32 (five 2×2 poolings).
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes))
        if init_weights:
            with no_grad():
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                        if m.bias is not None:
                            nn.init.constant_(m.bias, 0)
                    elif isinstance(m, nn.BatchNorm2d):
                        nn.init.constant_(m.weight, 1)
                        nn.init.constant_(m.bias, 0)
                    elif isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, 0, 0.01)
                        nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: list, batch_norm: bool = False) -> nn.Sequential:
    """torchvision's ``features``: per entry a 3×3 conv (+ BN) + ReLU, or "M" a 2×2 max pool."""
    layers: list = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        layers += [conv, nn.BatchNorm2d(v), nn.ReLU(True)] if batch_norm else \
            [conv, nn.ReLU(True)]
        in_channels = v
    return nn.Sequential(*layers)


def _weights_enum(depth: int, bn: bool, file_name: str) -> type[WeightsEnum]:
    name = f"VGG{depth}{'_BN' if bn else ''}_Weights"
    enum = WeightsEnum(name, {"IMAGENET1K_V1": file_name, "DEFAULT": file_name})
    enum.__doc__ = f"torchvision's weight names for ``vgg{depth}{'_bn' if bn else ''}``."
    enum.__module__ = __name__
    return enum


VGG11_Weights = _weights_enum(11, False, "vgg11-8a719046.pth")
VGG11_BN_Weights = _weights_enum(11, True, "vgg11_bn-6002323d.pth")
VGG13_Weights = _weights_enum(13, False, "vgg13-19584684.pth")
VGG13_BN_Weights = _weights_enum(13, True, "vgg13_bn-abd245e5.pth")
VGG16_Weights = _weights_enum(16, False, "vgg16-397923af.pth")
VGG16_BN_Weights = _weights_enum(16, True, "vgg16_bn-6c64b313.pth")
VGG19_Weights = _weights_enum(19, False, "vgg19-dcbb9e9d.pth")
VGG19_BN_Weights = _weights_enum(19, True, "vgg19_bn-c79401a0.pth")


def _vgg(name: str, cfg: str, batch_norm: bool, enum, weights, pretrained, kwargs) -> VGG:
    if weights is not None or pretrained:
        kwargs.setdefault("init_weights", False)   # the file replaces every value
    return build(lambda: VGG(make_layers(cfgs[cfg], batch_norm), **kwargs), name, weights,
                 enum, pretrained)


def vgg11(*, weights=None, progress: bool = True, pretrained: bool = False, **kwargs) -> VGG:
    """VGG-11 (configuration "A", 132,863,336 parameters for 1000 classes).

    Args:
        weights: None (random initialisation), a path to a torchvision-layout state dict
            file, or a ``VGG11_Weights`` name (read offline, see ``_api.py``).
        kwargs: go to ``VGG`` (``num_classes``, ``init_weights``, ``dropout``).

    Example:
        >>> models.vgg11(num_classes=10)(xa.randn(1, 3, 32, 32)).shape
        (1, 10)
    """
    return _vgg("vgg11", "A", False, VGG11_Weights, weights, pretrained, kwargs)


def vgg11_bn(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> VGG:
    """VGG-11 with batch norm after each convolution; see ``vgg11``."""
    return _vgg("vgg11_bn", "A", True, VGG11_BN_Weights, weights, pretrained, kwargs)


def vgg13(*, weights=None, progress: bool = True, pretrained: bool = False, **kwargs) -> VGG:
    """VGG-13 (configuration "B"); see ``vgg11``."""
    return _vgg("vgg13", "B", False, VGG13_Weights, weights, pretrained, kwargs)


def vgg13_bn(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> VGG:
    """VGG-13 with batch norm; see ``vgg11``."""
    return _vgg("vgg13_bn", "B", True, VGG13_BN_Weights, weights, pretrained, kwargs)


def vgg16(*, weights=None, progress: bool = True, pretrained: bool = False, **kwargs) -> VGG:
    """VGG-16 (configuration "D", 138,357,544 parameters); see ``vgg11``."""
    return _vgg("vgg16", "D", False, VGG16_Weights, weights, pretrained, kwargs)


def vgg16_bn(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> VGG:
    """VGG-16 with batch norm; see ``vgg11``."""
    return _vgg("vgg16_bn", "D", True, VGG16_BN_Weights, weights, pretrained, kwargs)


def vgg19(*, weights=None, progress: bool = True, pretrained: bool = False, **kwargs) -> VGG:
    """VGG-19 (configuration "E", 143,667,240 parameters); see ``vgg11``."""
    return _vgg("vgg19", "E", False, VGG19_Weights, weights, pretrained, kwargs)


def vgg19_bn(*, weights=None, progress: bool = True, pretrained: bool = False,
             **kwargs) -> VGG:
    """VGG-19 with batch norm; see ``vgg11``."""
    return _vgg("vgg19_bn", "E", True, VGG19_BN_Weights, weights, pretrained, kwargs)
