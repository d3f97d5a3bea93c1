"""`LRScheduler`, the base class of the epoch-indexed schedules, and the checks they share."""
from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any

from ..optimizer import Optimizer

__all__ = ["LRScheduler", "EPOCH_DEPRECATION_WARNING"]

# PyTorch's warning for step(epoch), word for word (but its link to the issue tracker)
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available.")


class LRScheduler:
    """Base class: sets ``group["lr"]`` of every param group from ``get_lr()``.

    Construction records each group's ``initial_lr`` (the ``base_lrs``) and performs
    step 0, as PyTorch does; ``last_epoch`` counts the ``step()`` calls since, so after
    construction it is 0 and after n steps n. ``last_epoch=k`` (k ≥ 0) resumes a
    schedule: the optimizer's groups must already hold ``initial_lr`` (load the
    optimizer's state first), and construction steps to epoch k + 1, as in PyTorch.

    A subclass sets its options, calls ``super().__init__(optimizer, last_epoch)`` and
    writes ``get_lr()``; ``self._initial`` is true during the step made by the
    constructor (so a chainable schedule can leave the lr as it is then).
    """

    _not_data: tuple[str, ...] = ("optimizer",)  # attributes state_dict() does not copy

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        check_optimizer(type(self).__name__, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) \
                or last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be an integer >= -1 "
                             f"(-1: start the schedule), got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                missing = [k for k in self._resume_keys() if k not in group]
                if missing:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no "
                                   f"{', '.join(map(repr, missing))}; resuming with "
                                   "last_epoch >= 0 needs the optimizer's state loaded first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._initial = True
        self.step()
        self._initial = False

    def _resume_keys(self) -> tuple[str, ...]:
        """The keys this schedule wrote into the param groups at its start."""
        return ("initial_lr",)

    def get_lr(self) -> list[float]:
        """The learning rate of each group for the new ``last_epoch``."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or batch, for per-batch schedules) and set the new rates.

        ``step(epoch)``, deprecated in PyTorch and accepted as it still does (with its
        UserWarning): jump to ``last_epoch = epoch`` and set the schedule's closed-form
        rates there (``closed_form_lr``; ``get_lr`` for the schedules without one), not
        the chainable step's."""
        previous = self.last_epoch
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
        try:
            closed = getattr(self, "closed_form_lr", None)
            lrs = self.get_lr() if epoch is None or closed is None else closed()
        except Exception:
            self.last_epoch = previous  # a refused step (past the schedule's end) changes nothing
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    # Everything but the optimizer is plain data (numbers, strings, lists, dicts): it goes
    # into a checkpoint as JSON. Copies both ways, so that a saved state and a scheduler
    # never share a list (editing one would change the other).
    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (its attributes except the optimizer)."""
        return {k: _plain(v) for k, v in self.__dict__.items() if k not in self._not_data}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict()``."""
        unknown = set(state_dict) - set(self.__dict__)
        if unknown:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected keys "
                             f"{sorted(unknown)} (was the state saved by another scheduler "
                             "or with other options?)")
        self.__dict__.update({k: _plain(v) for k, v in state_dict.items()})


def _plain(value: Any) -> Any:
    """A copy of ``value``, tuples as lists (as JSON gives them back)."""
    value = copy.deepcopy(value)
    return list(value) if isinstance(value, tuple) else value


def check_optimizer(owner: str, optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected an xarxa Optimizer, got "
                        f"{type(optimizer).__name__}")


def check_positive_int(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def per_group(owner: str, optimizer: Optimizer, name: str, value) -> list:
    """``value`` for every param group: a list/tuple gives one per group, anything else
    is repeated (PyTorch's rule for max_lr, min_lr, lr_lambda, momenta)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{owner}: expected {n} {name} values (one per param group), "
                             f"got {len(value)}")
        return list(value)
    return [value] * n
