"""Optimizers and learning-rate schedules (notes 1.4), with PyTorch's names and conventions.

    from xarxa import optim
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""
from .. import _namespace
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adadelta", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
__getattr__, __dir__ = _namespace.surface(__name__, __all__, {})  # dir(): __all__ only
