"""Every layer of `xarxa.nn`, one family per file."""
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh  # noqa: F401
from .blocks import DenseBlock, ResidualBlock  # noqa: F401
from .conv import Conv2d, ConvTranspose2d  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .flatten import Flatten  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .norm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d  # noqa: F401
from .upsample import BedOfNailsUnpool, MaxUnpool2d, Upsample  # noqa: F401

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "BedOfNailsUnpool",
           "Conv2d", "ConvTranspose2d", "DenseBlock", "Dropout", "Flatten", "Identity",
           "Linear", "LogSoftmax", "MaxPool2d", "MaxUnpool2d", "ReLU", "ResidualBlock",
           "Sigmoid", "Softmax", "Step", "Tanh", "Upsample"]
