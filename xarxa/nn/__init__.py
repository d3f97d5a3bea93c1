"""Neural-network building blocks: `Module`, layers, losses, initialisation.

    from xarxa import nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
"""
from .module import Module, ModuleList, Parameter, Sequential  # noqa: F401
from . import functional  # noqa: F401  (before losses: functional re-exports them)
from . import init  # noqa: F401
from .layers import *  # noqa: F401,F403
try:  # the losses module is written separately; until then nn works without it
    from .losses import *  # noqa: F401,F403
except ModuleNotFoundError as error:  # pragma: no cover
    if error.name != "xarxa.nn.losses":
        raise
