"""Learning-rate schedules (notes 1.4.6: decrease α along the epochs), as in PyTorch.

``from xarxa.optim.lr_scheduler import StepLR`` as ``from torch.optim.lr_scheduler import
StepLR``. Call ``scheduler.step()`` once per epoch, *after* ``optimizer.step()``
(``OneCycleLR``: once per batch); ``ReduceLROnPlateau.step(metric)`` takes the monitored
value (e.g. validation loss). Like PyTorch's, ``StepLR``, ``MultiStepLR``,
``ExponentialLR``, ``CosineAnnealingLR`` and ``LinearLR`` are *chainable*: each step
multiplies the current ``group["lr"]`` rather than recomputing it from scratch, so two
schedulers on one optimizer compose; alone, each gives its closed-form value
(``closed_form_lr``). ``LambdaLR`` and ``OneCycleLR`` recompute the lr from the group's
initial values at every step.

Every scheduler has ``get_last_lr()``, ``last_epoch`` (the number of ``step()`` calls
since construction) and ``state_dict()``/``load_state_dict()`` of plain data. The old
``scheduler.step(epoch)`` works as in PyTorch 2.13, with its deprecation UserWarning: it
sets ``last_epoch = epoch`` and the closed-form rates there (``ReduceLROnPlateau``:
``step(metrics, epoch)``).
"""
from .base import LRScheduler
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedules import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR,
                        StepLR)

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "LinearLR", "ExponentialLR",
           "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau"]
