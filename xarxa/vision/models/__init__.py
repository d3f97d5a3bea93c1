"""torchvision-shaped models: ``resnet18``/``resnet34`` and their parts (``ResNet``,
``BasicBlock``), with torchvision's parameter names; see ``resnet.py``."""
from .resnet import (BasicBlock, ResNet, ResNet18_Weights, ResNet34_Weights,  # noqa: F401
                     resnet18, resnet34)

__all__ = ["BasicBlock", "ResNet", "ResNet18_Weights", "ResNet34_Weights", "resnet18",
           "resnet34"]
