"""torchvision-shaped models with torchvision's parameter names, so that its checkpoints load
as they are: ``resnet18``/``resnet34`` (``resnet.py``), ``vgg11/13/16/19`` and their ``_bn``
variants (``vgg.py``), ``mobilenet_v2`` (``mobilenetv2.py``). ``weights=`` takes a path to a
state dict file, or a torchvision weight name read offline (``_api.py``)."""
from ._api import WeightsEnum  # noqa: F401
from .mobilenetv2 import MobileNet_V2_Weights, MobileNetV2, mobilenet_v2  # noqa: F401
from .resnet import (BasicBlock, ResNet, ResNet18_Weights, ResNet34_Weights,  # noqa: F401
                     resnet18, resnet34)
from .vgg import (VGG, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights,  # noqa: F401
                  VGG13_Weights, VGG16_BN_Weights, VGG16_Weights, VGG19_BN_Weights,
                  VGG19_Weights, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19,
                  vgg19_bn)

__all__ = ["BasicBlock", "ResNet", "ResNet18_Weights", "ResNet34_Weights", "resnet18",
           "resnet34", "VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
           "vgg19", "vgg19_bn", "MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2",
           "WeightsEnum"]
