"""Neural-network building blocks: `Module`, layers, losses, initialisation.

    from xarxa import nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
"""
from .module import Module, Parameter  # noqa: F401
from .containers import (ModuleDict, ModuleList, ParameterDict,  # noqa: F401
                         ParameterList, Sequential)
from . import functional  # noqa: F401  (before losses: functional re-exports them)
from . import init  # noqa: F401
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from . import utils  # noqa: F401  (clip_grad_norm_, clip_grad_value_)
from . import parallel  # noqa: F401,E402  (DistributedDataParallel; MPI only under mpiexec)
