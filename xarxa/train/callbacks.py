"""Callbacks for ``fit``: early stopping and checkpointing (plus the base class).

A callback's hooks receive the ``FitState`` (model, optimizer, history, epoch …).
Setting ``state.stop = True`` ends training after the current batch. Callbacks that
keep counters implement ``state_dict``/``load_state_dict``, so that a resumed run
continues them.
"""
from __future__ import annotations

import contextlib
import copy
import errno
import math
import os
from typing import Any

import numpy as np

from ._distributed import world_of

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint"]


@contextlib.contextmanager
def naming_the_file(path: str, note: str = ""):
    """Re-raise an OSError from writing ``path`` as one that names ``path`` (and ``note``).

    A full disk (ENOSPC) surfaces in ``write()`` or ``fsync()`` of a temporary file: its
    error names no file ("[Errno 28] No space left on device"), or the temporary one."""
    try:
        yield
    except OSError as error:
        if error.filename == path:
            raise
        reason = (error.strerror or str(error)) + (f" ({note})" if note else "")
        raise OSError(error.errno or errno.EIO, reason, path) from error


class Callback:
    """Base class: override the hooks you need; each gets the ``FitState``."""

    def on_train_begin(self, state) -> None: ...

    def on_epoch_begin(self, state) -> None: ...

    def on_batch_end(self, state, batch: int, loss: float) -> None: ...

    def on_epoch_end(self, state, logs: dict[str, float]) -> None: ...

    def on_train_end(self, state) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _improved(value: float, best: float, mode: str, min_delta: float) -> bool:
    if math.isnan(value):
        return False
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _resolve_mode(monitor: str, mode: str, owner: str) -> str:
    if mode == "auto":
        return "min" if "loss" in monitor else "max"
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode must be 'min', 'max' or 'auto', got {mode!r}")
    return mode


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Args:
        monitor: a History key (``'val_loss'``, ``'val_accuracy'`` …).
        patience: epochs without improvement before stopping.
        min_delta: the smallest change that counts as an improvement.
        mode: ``'min'``, ``'max'``, or ``'auto'`` (min for losses).
        restore_best_weights: at the end, put back the weights of the best epoch.

    Example:
        >>> fit(..., callbacks=[EarlyStopping("val_loss", patience=3)])
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False):
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = _resolve_mode(monitor, mode, "EarlyStopping")
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0
        self.stopped_epoch: int | None = None
        self._best_weights: dict | None = None

    def on_epoch_end(self, state, logs):
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the "
                             f"epoch's numbers {sorted(logs)}")
        value = logs[self.monitor]
        if _improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self._best_weights = {k: np.array(v.numpy(), copy=True)
                                      for k, v in state.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = state.epoch
                state.stop = True

    def on_train_end(self, state):
        if self.restore_best_weights and self._best_weights is not None:
            state.model.load_state_dict(self._best_weights)

    def state_dict(self):
        out = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}
        if self._best_weights is not None:
            out["best_weights"] = copy.copy(self._best_weights)
        return out

    def load_state_dict(self, state):
        self.best, self.best_epoch = float(state["best"]), int(state["best_epoch"])
        self.wait = int(state["wait"])
        weights = state.get("best_weights")
        self._best_weights = None if weights is None else {
            k: np.asarray(v.numpy() if hasattr(v, "numpy") else v) for k, v in weights.items()}


class ModelCheckpoint(Callback):
    """Save the whole training state at the end of epochs, atomically (``xa.save``).

    The file holds the model, optimizer, scheduler, random-generator and loader
    states, the history and the callbacks' counters, and ``extra`` (e.g. the
    configuration needed to rebuild the model), so ``fit(..., resume=path)``
    continues the run exactly. A write interrupted half way leaves the previous
    checkpoint intact.

    Args:
        path: the checkpoint file (``.npz``).
        monitor: with ``save_best_only``, the History key that decides "best".
        save_best_only: write only when ``monitor`` improves (else every epoch).
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        extra: plain data stored alongside, under ``"extra"``.

    Example:
        >>> fit(..., callbacks=[ModelCheckpoint("runs/a/checkpoint.npz")])
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto",
                 extra: dict[str, Any] | None = None):
        self.path = os.fspath(path)
        self.monitor, self.save_best_only = monitor, save_best_only
        self.mode = _resolve_mode(monitor, mode, "ModelCheckpoint")
        self.extra = extra or {}
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved_epochs: list[int] = []

    def on_epoch_end(self, state, logs):
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(f"ModelCheckpoint: monitor {self.monitor!r} is not among "
                                 f"the epoch's numbers {sorted(logs)}")
            if not _improved(logs[self.monitor], self.best, self.mode, 0.0):
                return
            self.best = logs[self.monitor]
        from ..serialization import save
        self.saved_epochs.append(state.epoch)
        if world_of(state.model)[0] == 0:  # data-parallel under mpiexec: rank 0 writes
            # save writes atomically: a failed write leaves the previous checkpoint as it was
            with naming_the_file(self.path, "the previous checkpoint, if any, is kept"):
                save(state.checkpoint(extra=self.extra), self.path)

    def state_dict(self):
        return {"best": self.best, "saved_epochs": list(self.saved_epochs)}

    def load_state_dict(self, state):
        self.best = float(state["best"])
        self.saved_epochs = [int(e) for e in state["saved_epochs"]]
