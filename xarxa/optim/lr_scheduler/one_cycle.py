"""`OneCycleLR`: Smith's 1cycle policy, stepped once per *batch* (lr up then down, momentum
the other way), as PyTorch's."""
from __future__ import annotations

import math
import numbers

from ..optimizer import Optimizer
from .base import LRScheduler, check_optimizer, check_positive_int, per_group

__all__ = ["OneCycleLR"]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017, "Super-Convergence"), PyTorch's rules.

    Over ``total_steps`` steps (or ``epochs × steps_per_epoch``; call ``step()`` after
    every batch) the lr of each group goes

    * from ``initial_lr = max_lr / div_factor`` up to ``max_lr`` during the first
      ``pct_start`` of the steps, then
    * down to ``min_lr = initial_lr / final_div_factor`` at step ``total_steps − 1``;
      with ``three_phase=True`` (the paper's schedule) first back down to
      ``initial_lr`` symmetrically, then to ``min_lr``;

    each phase interpolated by ``anneal_strategy``: 'cos' (½-cosine) or 'linear'. The
    momentum moves inversely (``cycle_momentum``): ``max_momentum`` → ``base_momentum``
    while the lr rises, back up while it falls; it is SGD's and RMSprop's ``momentum``,
    or Adam's and AdamW's ``betas[0]``. Construction overwrites the groups' lr and
    momentum and stores ``initial_lr``, ``max_lr``, ``min_lr`` (and ``max_momentum``,
    ``base_momentum``) in every group, as PyTorch does: they travel with the
    optimizer's ``state_dict``. ``max_lr`` and the momenta are one number or one per
    group. Not chainable: each step recomputes the schedule from the group's values.

    ``step()`` past ``total_steps`` is an error (a schedule sized with the wrong number
    of batches); so is a step that falls in a phase of zero length (e.g.
    ``pct_start × total_steps == 1``, where PyTorch divides 0 by 0).

    Example:
        >>> sched = OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))
        >>> for epoch in range(10):
        ...     for x, y in loader: train_step(x, y); sched.step()
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        name = "OneCycleLR"
        check_optimizer(name, optimizer)
        if total_steps is not None:
            check_positive_int(name, "total_steps", total_steps)
            self.total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            check_positive_int(name, "epochs", epochs)
            check_positive_int(name, "steps_per_epoch", steps_per_epoch)
            self.total_steps = int(epochs) * int(steps_per_epoch)
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and "
                             "steps_per_epoch (total_steps = epochs × steps_per_epoch)")
        if isinstance(pct_start, bool) or not isinstance(pct_start, numbers.Real) \
                or not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"OneCycleLR: pct_start must be a number in [0, 1], got "
                             f"{pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        # Each phase ends at a (fractional) step; the last one at total_steps − 1. The keys
        # name the group entries the phase goes between. PyTorch's arithmetic, exactly.
        up = float(pct_start * self.total_steps) - 1
        phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum")]
        if three_phase:
            phases += [(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                        "base_momentum", "max_momentum"),
                       (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                        "max_momentum")]
        else:
            phases += [(self.total_steps - 1, "max_lr", "min_lr", "base_momentum",
                        "max_momentum")]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [dict(zip(keys, phase)) for phase in phases]

        max_lrs = per_group(name, optimizer, "max_lr", max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with "
                                 f"momentum or betas (SGD, RMSprop, Adam, AdamW); "
                                 f"{type(optimizer).__name__} has neither: pass "
                                 "cycle_momentum=False")
            tops = per_group(name, optimizer, "max_momentum", max_momentum)
            bases = per_group(name, optimizer, "base_momentum", base_momentum)
            if last_epoch == -1:
                for group, top, base in zip(optimizer.param_groups, tops, bases):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, base
        super().__init__(optimizer, last_epoch)

    def _resume_keys(self) -> tuple[str, ...]:
        momenta = ("max_momentum", "base_momentum") if self.cycle_momentum else ()
        return ("initial_lr", "max_lr", "min_lr") + momenta

    def _set_momentum(self, group: dict, momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":  # from start (pct = 0) to end (pct = 1)
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lr of each group at step ``last_epoch``; sets the groups' momentum too."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but the schedule has "
                             f"total_steps={self.total_steps} (size it as epochs × batches "
                             "per epoch)")
        start = 0.0
        for i, phase in enumerate(self._schedule_phases):
            end = phase["end_step"]
            if step <= end or i == len(self._schedule_phases) - 1:
                break
            start = end
        if end == start:
            raise ValueError(f"OneCycleLR: step {step} falls in phase {i + 1} of the schedule, "
                             f"which has zero length (it starts and ends at step {end:g}); "
                             "choose another pct_start or total_steps")
        pct = (step - start) / (end - start)
        groups = self.optimizer.param_groups
        lrs = [self._anneal(g[phase["start_lr"]], g[phase["end_lr"]], pct) for g in groups]
        if self.cycle_momentum:
            for g in groups:
                self._set_momentum(g, self._anneal(g[phase["start_momentum"]],
                                                   g[phase["end_momentum"]], pct))
        return lrs
