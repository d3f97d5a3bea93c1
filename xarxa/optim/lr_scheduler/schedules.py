"""The epoch-indexed schedules: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
LambdaLR, LinearLR (PyTorch's rules, step by step)."""
from __future__ import annotations

import copy
import math
import numbers
import types
from typing import Any, Callable, Iterable

from ..optimizer import Optimizer
from .base import LRScheduler, check_optimizer, check_positive_int, per_group

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
           "LinearLR"]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs: α·γ^⌊epoch/step_size⌋.

    Example:
        >>> sched = StepLR(opt, step_size=10, gamma=0.5)
        >>> for epoch in range(30): train_one_epoch(); sched.step()
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        check_positive_int("StepLR", "step_size", step_size)
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each of the ``milestones`` (epochs):
    α·γ^(number of milestones ≤ epoch).

    A milestone listed twice multiplies by γ² there, as in PyTorch. ``milestones`` is
    kept as a sorted list (PyTorch keeps a ``Counter``), so the state is plain data.

    Example:
        >>> sched = MultiStepLR(opt, milestones=[30, 80], gamma=0.1)  # 0.05 → 0.005 → 0.0005
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1):
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
                raise ValueError("MultiStepLR: milestones must be epochs (integers >= 0), got "
                                 f"{milestones!r}")
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.count(self.last_epoch)
        if not hits:
            return self._lrs()
        return [lr * self.gamma ** hits for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        passed = sum(m <= self.last_epoch for m in self.milestones)
        return [b * self.gamma ** passed for b in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: α·γ^epoch.

    Example:
        >>> sched = ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from α down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts).

    Closed form: η_min + (α − η_min)·(1 + cos(π·epoch/T_max))/2; past T_max the
    cosine climbs back up (period 2·T_max), as in PyTorch.

    Example:
        >>> sched = CosineAnnealingLR(opt, T_max=50, eta_min=1e-5)
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1):
        check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max = int(T_max)
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, t, lo = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return self._lrs()
        if (e - 1 - t) % (2 * t) == 0:  # the bottom of the cosine: the ratio below is 0/0
            return [lr + (b - lo) * (1 - math.cos(math.pi / t)) / 2
                    for lr, b in zip(self._lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t))
        return [ratio * (lr - lo) + lo for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [self.eta_min + (b - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for b in self.base_lrs]


class LambdaLR(LRScheduler):
    """The lr of each group is its initial lr times ``lr_lambda(epoch)``.

    ``lr_lambda`` is one function of the epoch (an int, from 0) for every group, or a
    list of them, one per group. Not chainable: each step recomputes α·λ(epoch).

    ``state_dict()`` saves, as PyTorch does, ``None`` for a plain function or lambda
    (code is not data: the scheduler that loads the state keeps its own functions) and
    the attributes (``__dict__``) of a callable object, which ``load_state_dict``
    writes back into that object.

    Example:
        >>> warmup = LambdaLR(opt, lr_lambda=lambda epoch: min(1.0, (epoch + 1) / 5))
        >>> per_group = LambdaLR(opt, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1.0])
    """

    _not_data = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1):
        check_optimizer("LambdaLR", optimizer)
        self.lr_lambdas = per_group("LambdaLR", optimizer, "lr_lambda", lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError("LambdaLR: lr_lambda must be a function of the epoch (or a "
                                f"list of them, one per param group), got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [b * fn(self.last_epoch) for fn, b in zip(self.lr_lambdas, self.base_lrs)]

    def closed_form_lr(self) -> list[float]:
        return self.get_lr()

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType)
                               else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        if len(saved) != len(self.lr_lambdas):
            raise ValueError(f"LambdaLR.load_state_dict: the state has {len(saved)} "
                             f"lr_lambdas, this scheduler {len(self.lr_lambdas)}")
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(copy.deepcopy(attributes))


class LinearLR(LRScheduler):
    """Scale the lr by a factor going linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then leave it: α·(s + (e − s)·min(epoch, T)/T).

    The usual warm-up: ``LinearLR(opt, start_factor=0.1, total_iters=5)`` starts at α/10
    and reaches α at epoch 5. Chainable, as in PyTorch (each step multiplies the current
    lr by the ratio of consecutive factors).

    Example:
        >>> sched = LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=4)
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1):
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must lie in (0, 1], got {start_factor!r}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must lie in [0, 1], got {end_factor!r}")
        check_positive_int("LinearLR", "total_iters", total_iters)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        e, s, t = self.last_epoch, self.start_factor, self.total_iters
        if e == 0:
            return [lr * s for lr in self._lrs()]
        if self._initial or e > t:
            return self._lrs()
        # factor(e) / factor(e − 1), factor(e) = s + (end − s)·e/T, written as PyTorch does
        ratio = 1.0 + (self.end_factor - s) / (t * s + (e - 1) * (self.end_factor - s))
        return [lr * ratio for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        s, t = self.start_factor, self.total_iters
        factor = s + (self.end_factor - s) * min(t, self.last_epoch) / t
        return [b * factor for b in self.base_lrs]
