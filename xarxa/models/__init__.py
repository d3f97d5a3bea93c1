"""Ready-made models: the perceptron, the MLP, LeNet-5 (the exam's and a modern one), a
small batch-norm CNN, ResNet and its plain twin, DenseNet, a fully-convolutional
classifier, a Siamese embedding network, and U-Net / SegNet for segmentation.

``build(name, **config)`` makes one by name (what the ``xarxa`` command line uses).
"""
from __future__ import annotations

from .cnn import CNN
from .densenet import DenseNet
from .fcn import FCN
from .lenet5 import LeNet5
from .mlp import MLP
from .perceptron import Perceptron, perceptron_rule
from .resnet import ResNet
from .segnet import SegNet
from .siamese import SiameseNet
from .unet import UNet

__all__ = ["Perceptron", "perceptron_rule", "MLP", "LeNet5", "CNN", "ResNet", "DenseNet",
           "FCN", "SiameseNet", "UNet", "SegNet", "MODELS", "build"]

# name -> class; a variant's name (plainnet, lenet5-modern) also sets its keyword (VARIANTS).
MODELS = {"perceptron": Perceptron, "mlp": MLP, "lenet5": LeNet5, "cnn": CNN,
          "lenet5-modern": LeNet5, "resnet": ResNet, "plainnet": ResNet, "densenet": DenseNet,
          "fcn": FCN, "siamese": SiameseNet, "unet": UNet, "segnet": SegNet}
VARIANTS = {"plainnet": {"residual": False}, "lenet5-modern": {"modern": True}}


def build(name: str, **config):
    """The model called ``name`` (a key of ``MODELS``) built with ``config``.

    Example:
        >>> build("mlp", sizes=[64, 128, 10])
        >>> build("plainnet", blocks_per_stage=5)      # ResNet(..., residual=False)
    """
    if name not in MODELS:
        raise ValueError(f"build: unknown model {name!r}, expected one of {sorted(MODELS)}")
    return MODELS[name](**{**VARIANTS.get(name, {}), **config})
