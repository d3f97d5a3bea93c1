"""Every layer of `xarxa.nn`, one family per file."""
from .activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU,  # noqa: F401
                         ReLU6, Sigmoid, SiLU, Softmax, Softplus, Step, Tanh)
from .blocks import DenseBlock, ResidualBlock  # noqa: F401
from .conv import Conv2d, ConvTranspose2d  # noqa: F401
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .dropout import Dropout, Dropout2d  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .flatten import Flatten  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm, SyncBatchNorm  # noqa: F401
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d  # noqa: F401
from .upsample import BedOfNailsUnpool, MaxUnpool2d, Upsample  # noqa: F401

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "BedOfNailsUnpool",
           "Conv2d", "ConvTranspose2d", "CosineSimilarity", "PairwiseDistance", "DenseBlock",
           "Dropout", "Dropout2d", "ELU", "Embedding", "Flatten", "GELU", "Hardtanh", "Identity",
           "LayerNorm", "LeakyReLU", "Linear", "LogSoftmax", "MaxPool2d", "MaxUnpool2d", "ReLU",
           "ReLU6",
           "ResidualBlock", "SiLU", "Sigmoid", "Softmax", "Softplus", "Step", "SyncBatchNorm",
           "Tanh", "Upsample"]
