"""Neural-network building blocks: `Module`, layers, losses, initialisation.

    from xarxa import nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))

What `torch.nn` holds, where xarxa implements it: modules, containers, the loss modules,
and the subpackages `functional`, `init`, `utils`, `parallel`. The loss *functions* are in
`nn.functional` only (`F.cross_entropy`), as in PyTorch. The names PyTorch lacks are the
notes' own layers and losses (`Step`, `BedOfNailsUnpool`, `ResidualBlock`, `DenseBlock`,
`HingeLoss`, `FocalLoss`, `SigmoidFocalLoss`), each justified in tests/test_namespaces.py.
"""
from .. import _namespace
from .module import Module, Parameter
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from . import functional
from . import init
from .layers import (ELU, GELU, AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d,
                     BedOfNailsUnpool, Conv2d, ConvTranspose2d, CosineSimilarity, DenseBlock,
                     Dropout, Dropout2d, Embedding, Flatten, Hardtanh, Identity, LayerNorm,
                     LeakyReLU, Linear, LogSoftmax, MaxPool2d, MaxUnpool2d, PairwiseDistance,
                     ReLU, ReLU6, ResidualBlock, Sigmoid, SiLU, Softmax, Softplus, Step,
                     SyncBatchNorm, Tanh, Upsample)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, FocalLoss, HingeLoss,
                     HuberLoss, KLDivLoss, L1Loss, MSELoss, MultiMarginLoss, NLLLoss,
                     SigmoidFocalLoss, SmoothL1Loss, TripletMarginLoss)
from . import utils  # (clip_grad_norm_, clip_grad_value_)
from . import parameter  # (torch.nn.parameter: Parameter)
from . import parallel  # noqa: E402  (DistributedDataParallel; MPI only under mpiexec)

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
    "ParameterDict",
    # layers (nn/layers/)
    "Linear", "Identity", "Flatten", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
    "AdaptiveAvgPool2d", "MaxUnpool2d", "Upsample", "BedOfNailsUnpool", "BatchNorm1d",
    "BatchNorm2d", "SyncBatchNorm", "LayerNorm", "Embedding", "Dropout", "Dropout2d",
    "CosineSimilarity",
    "PairwiseDistance", "ResidualBlock", "DenseBlock",
    "ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Sigmoid",
    "Tanh", "Softmax", "LogSoftmax", "Step",
    # losses (nn/losses.py)
    "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "HingeLoss", "MultiMarginLoss",
    "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "FocalLoss",
    "SigmoidFocalLoss", "TripletMarginLoss",
    # subpackages
    "functional", "init", "utils", "parallel", "parameter",
]

# the loss functions, which `from .losses import *` used to put here: nn.functional's
_MOVED = {name: "xarxa.nn.functional." + name for name in (
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "class_weights",
    "cross_entropy", "focal_loss", "hinge_loss", "huber_loss", "kl_div", "l1_loss",
    "mse_loss", "multi_margin_loss", "nll_loss", "sigmoid_focal_loss", "smooth_l1_loss",
    "triplet_margin_loss")}
__getattr__, __dir__ = _namespace.surface(__name__, __all__, _MOVED)
