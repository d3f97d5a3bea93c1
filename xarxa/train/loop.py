"""`fit`: the training loop of the notes (1.2.4, 1.4) — and `evaluate`, `predict`.

One epoch = one pass over the training loader; each batch is one update::

    optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()

after which the validation set is scored, the scheduler steps, the numbers go into
the ``History`` and the callbacks run (checkpoints last, so that they capture
everything else's state). Ctrl-C stops after the current batch: the unfinished
epoch is not recorded and the last checkpoint (written atomically at the end of the
previous epoch) stays intact; ``fit(..., resume=path)`` continues from it and ends
with exactly the weights an uninterrupted run would have.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .. import metrics as _metrics
from ..autograd import no_grad
from ..random import get_rng_state, set_rng_state
from ..tensor import Tensor
from . import _distributed
from .callbacks import Callback, ModelCheckpoint
from .history import History
from .progress import ProgressBar

__all__ = ["fit", "evaluate", "predict", "FitState", "METRICS"]

METRICS: dict[str, Callable[[Any, Any], float]] = {"accuracy": _metrics.accuracy}
_CHECKPOINT_KIND = "xarxa-fit"


def _metric_fns(metrics) -> dict[str, Callable]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"fit: unknown metric {m!r}; known: {sorted(METRICS)}, or "
                                 "pass a dict name -> fn(output, target)")
            out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", f"metric{len(out)}")] = m
        else:
            raise TypeError(f"fit: a metric must be a name or a callable, got {m!r}")
    return out


def _batch_loss(model, loss_fn, x, y):
    """(loss, output or None): ``loss_fn(model(x), y)``, or ``model.loss(x, y)`` if no loss_fn."""
    if loss_fn is None:
        if not hasattr(model, "loss"):
            raise TypeError(f"fit: loss_fn is None but {type(model).__name__} has no "
                            "loss(x, y) method")
        return model.loss(x, y), None
    out = model(x)
    return loss_fn(out, y), out


class FitState:
    """Everything a run is made of; callbacks receive it, checkpoints serialise it.

    ``epoch`` counts completed epochs; set ``stop = True`` to end training after the
    current batch.
    """

    def __init__(self, model, loss_fn, optimizer, train_loader, val_loader, scheduler,
                 callbacks: list[Callback], history: History, epochs: int):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.val_loader, self.scheduler = train_loader, val_loader, scheduler
        self.callbacks, self.history, self.epochs = callbacks, history, epochs
        self.epoch = 0
        self.stop = False
        self.interrupted = False

    def checkpoint(self, extra: dict | None = None) -> dict[str, Any]:
        """The resumable state of the run as plain data (for ``xa.save``)."""
        def loader_state(loader):
            return loader.state_dict() if hasattr(loader, "state_dict") else {}
        return {
            "kind": _CHECKPOINT_KIND, "epoch": self.epoch,
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": get_rng_state(),
            "train_loader": loader_state(self.train_loader),
            "val_loader": loader_state(self.val_loader),
            "history": self.history.state_dict(),
            "callbacks": [cb.state_dict() for cb in self.callbacks],
            "extra": dict(extra or {}),
        }

    def restore(self, ckpt: dict[str, Any]) -> None:
        """Load a ``checkpoint()`` back into this run (model, optimizer, RNG …)."""
        if not isinstance(ckpt, dict) or ckpt.get("kind") != _CHECKPOINT_KIND:
            raise ValueError("fit: resume needs a checkpoint written by ModelCheckpoint "
                             "(a dict with kind 'xarxa-fit')")
        if len(ckpt["callbacks"]) != len(self.callbacks):
            raise ValueError(f"fit: the checkpoint has {len(ckpt['callbacks'])} callback "
                             f"states, this run has {len(self.callbacks)} callbacks; pass "
                             "the same callbacks to resume")
        if (ckpt["scheduler"] is None) != (self.scheduler is None):
            raise ValueError("fit: the checkpoint and this run disagree on having a scheduler")
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(ckpt["scheduler"])
        for key, loader in (("train_loader", self.train_loader), ("val_loader",
                                                                  self.val_loader)):
            if hasattr(loader, "load_state_dict"):
                loader.load_state_dict(ckpt[key])
        self.history.load_state_dict(ckpt["history"])
        self.history.interrupted = False
        for cb, s in zip(self.callbacks, ckpt["callbacks"]):
            cb.load_state_dict(s)
        set_rng_state(ckpt["rng"])
        self.epoch = int(ckpt["epoch"])


def _install_sigint(state: FitState):
    """Ctrl-C sets ``state.stop``; a second Ctrl-C interrupts at once, as usual."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        state.stop = state.interrupted = True
        signal.signal(signal.SIGINT, previous if previous is not None
                      else signal.default_int_handler)
    signal.signal(signal.SIGINT, handler)
    return previous


def fit(model, loss_fn: Callable | None, optimizer, train_loader: Iterable,
        val_loader: Iterable | None = None, epochs: int = 1, scheduler=None,
        metrics: Sequence | Mapping | None = ("accuracy",), callbacks: Sequence = (),
        progress: bool | None = None, verbose: bool = False,
        resume: str | dict | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs; return the ``History``.

    Args:
        model: a Module. loss_fn: ``fn(output, target)`` (e.g. ``F.cross_entropy``),
            or None to call ``model.loss(x, y)`` (the perceptron's rule).
        optimizer: an xarxa optimizer over the model's parameters.
        train_loader, val_loader: loaders yielding ``(x, y)`` batches.
        epochs: the total number of epochs (a resumed run counts the ones done).
        scheduler: stepped once per epoch; ``ReduceLROnPlateau`` gets the validation
            loss (the training loss without a validation loader).
        metrics: names (``'accuracy'``) or a dict name -> ``fn(output, target)`` (called
            with NumPy arrays; the training value is the batch-size-weighted mean).
        callbacks: ``EarlyStopping``, ``ModelCheckpoint`` or your own.
        progress: show a tqdm bar (None: only on a terminal).
        verbose: print a line per epoch (about 20 in all) when no bar is shown.
        resume: a checkpoint path (or a loaded checkpoint) to continue from.

    Raises:
        FloatingPointError: the loss of a batch is NaN or infinite (a learning rate too
            high, or bad data); raised before that batch's update, so the model keeps
            the last finite weights.
        ValueError: a loader has no batch (an epoch without an update is no epoch).

    Example (validating on a part held out of the training set, notes 1.4.6; the
    test set is kept for the end):
        >>> train, val = xa.data.val_split(xa.datasets.digits(), 0.1, seed=0)
        >>> history = fit(model, F.cross_entropy, optim.Adam(model.parameters()),
        ...               DataLoader(train, batch_size=32, shuffle=True),
        ...               DataLoader(val, batch_size=256), epochs=10)
        >>> evaluate(model, F.cross_entropy, DataLoader(xa.datasets.digits(train=False)))
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    fns = _metric_fns(metrics)
    _check_not_empty(train_loader, "fit", "training loader")
    rank, size = _distributed.world_of(model)  # data-parallel under mpiexec: _distributed.py
    _distributed.check_sharded(train_loader, size)
    if rank:  # only rank 0 shows a bar and prints
        progress, verbose = False, False
    if val_loader is not None:
        _check_not_empty(val_loader, "fit", "validation loader")
    # Checkpoints run last, so that they save the other callbacks' updated counters.
    ordered = [c for c in callbacks if not isinstance(c, ModelCheckpoint)] + \
              [c for c in callbacks if isinstance(c, ModelCheckpoint)]
    state = FitState(model, loss_fn, optimizer, train_loader, val_loader, scheduler,
                     list(callbacks), History(), epochs)
    if resume is not None:
        if not isinstance(resume, dict):
            from ..serialization import load
            resume = load(resume)
        state.restore(resume)
    previous = _install_sigint(state)
    try:
        for cb in ordered:
            cb.on_train_begin(state)
        while state.epoch < epochs and not state.stop:
            _run_epoch(state, fns, ordered, progress, verbose)
        for cb in ordered:
            cb.on_train_end(state)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    state.history.interrupted = state.interrupted
    if state.interrupted and verbose:
        done = f"{state.epoch} complete epoch{'s' if state.epoch != 1 else ''}"
        print(f"interrupted: stopped after {done}; the last "
              "checkpoint is intact (resume from it to continue)")
    return state.history


def _check_not_empty(loader, fn: str, what: str) -> None:
    """Refuse, up front, a loader that says it has no batch (one without len() is
    checked when it is exhausted)."""
    if hasattr(loader, "__len__") and len(loader) == 0:
        raise ValueError(f"{fn}: the {what} has no batch (an empty dataset, or drop_last "
                         "with a batch_size larger than the dataset?)")


def _run_epoch(state: FitState, fns: dict, callbacks: list, progress, verbose) -> None:
    epoch = state.epoch + 1
    model, optimizer = state.model, state.optimizer
    for cb in callbacks:
        cb.on_epoch_begin(state)
    model.train()
    rank, size = _distributed.world_of(model)
    _distributed.set_epoch(state.train_loader, state.epoch)
    loader = state.train_loader
    n_batches = len(loader) if hasattr(loader, "__len__") else None  # a generator has none
    bar = ProgressBar(n_batches, f"epoch {epoch}/{state.epochs}", progress)
    lr = optimizer.param_groups[0]["lr"]
    start = time.perf_counter()
    seen, loss_sum, done = 0, 0.0, 0
    sums = dict.fromkeys(fns, 0.0)
    for x, y in state.train_loader:
        optimizer.zero_grad()
        loss, out = _batch_loss(model, state.loss_fn, x, y)
        value = loss.item()
        # Checked before the update: a non-finite loss must not reach the weights (the
        # model stays as it was after the last good batch, the checkpoint as well).
        if not math.isfinite(value):
            raise FloatingPointError(
                f"fit: the loss became {value} at epoch {epoch}, batch {done + 1}; try a "
                f"lower learning rate (it is {lr:g}). The parameters are left as they were "
                "before this batch")
        if fns and out is None:
            # The model's own loss (the perceptron's rule) gives no output: score the
            # batch now, with the weights that produced the loss, not after the update.
            with no_grad():
                out = model(x)
        loss.backward()
        optimizer.step()
        n = len(y)
        seen, loss_sum, done = seen + n, loss_sum + value * n, done + 1
        if fns:
            out_np, y_np = out.numpy(), y.numpy()
            for name, fn in fns.items():
                sums[name] += float(fn(out_np, y_np)) * n
        bar.update(seen, loss_sum / seen, {k: v / seen for k, v in sums.items()})
        for cb in callbacks:
            cb.on_batch_end(state, done, value)
        if size > 1:  # every rank stops at the same batch
            state.stop = _distributed.any_rank(state.stop, size)
        if state.stop and (n_batches is None or done < n_batches):
            state.interrupted = True  # an unfinished epoch is not recorded
            if bar.bar is not None:
                bar.bar.close()
            return
    if done == 0:  # an epoch of no update is no epoch (its "loss 0" would be a lie)
        raise ValueError("fit: the training loader yielded no batch (an empty dataset, or "
                         "drop_last with a batch_size larger than the dataset?)")
    record = {"loss": loss_sum / seen, **{k: v / seen for k, v in sums.items()}}
    record = _distributed.mean_over_ranks(record, seen, size)
    if state.val_loader is not None:
        scores = evaluate(model, state.loss_fn, state.val_loader, fns) if size == 1 else \
            _distributed.evaluate_over_ranks(model, state.loss_fn, state.val_loader, fns, size)
        record.update({f"val_{k}": v for k, v in scores.items()})
    record["lr"], record["time"] = lr, time.perf_counter() - start
    if state.scheduler is not None:
        if hasattr(state.scheduler, "num_bad_epochs"):  # ReduceLROnPlateau
            state.scheduler.step(record.get("val_loss", record["loss"]))
        else:
            state.scheduler.step()
    state.history.append(record)
    state.epoch = epoch
    for cb in callbacks:
        cb.on_epoch_end(state, dict(record))
    bar.finish(record)
    every = max(1, state.epochs // 20)  # about 20 lines for a long run
    if verbose and not bar.shown and (epoch % every == 0 or epoch in (1, state.epochs)):
        print(_epoch_line(epoch, state.epochs, record), flush=True)


def _epoch_line(epoch: int, epochs: int, record: dict[str, float]) -> str:
    """``epoch 3/10  train loss … accuracy … (batch mean, train mode)  val loss … (eval
    mode, after the epoch)  (1.2 s)``: which numbers are which said on the line."""
    train = "  ".join(f"{k} {v:.4f}" for k, v in record.items()
                      if k not in ("lr", "time") and not k.startswith("val_"))
    line = f"epoch {epoch}/{epochs}  train {train} (batch mean, train mode)"
    val = "  ".join(f"{k[4:]} {v:.4f}" for k, v in record.items() if k.startswith("val_"))
    if val:
        line += f"  val {val} (eval mode, after the epoch)"
    return f"{line}  ({record['time']:.1f} s)"


def evaluation_pass(model, loader: Iterable, loss_fn: Callable | None = None,
                    need_loss: bool = True, fn: str = "evaluate"
                    ) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(outputs, targets, mean loss) over the whole loader, in eval mode and without a graph:
    the one pass that `evaluate`, `predict` and the command line's reports share.

    The loss is None when `need_loss` is false; with `loss_fn=None` it is the model's own
    `loss(x, y)` (the perceptron's rule). A loader without a batch is an error named
    after `fn` (there is nothing to average).
    """
    _check_not_empty(loader, fn, "loader")
    was_training = getattr(model, "training", False)
    model.eval()
    seen, loss_sum, outs, targets = 0, 0.0, [], []
    try:
        with no_grad():
            for x, y in loader:
                out = None
                if need_loss:
                    loss, out = _batch_loss(model, loss_fn, x, y)
                    seen, loss_sum = seen + len(y), loss_sum + loss.item() * len(y)
                outs.append((out if out is not None else model(x)).numpy())
                targets.append(y.numpy() if isinstance(y, Tensor) else np.asarray(y))
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError(f"{fn}: the loader yielded no batch; there is nothing to score")
    return (np.concatenate(outs), np.concatenate(targets),
            loss_sum / seen if need_loss else None)


def predict(model, loader: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, targets) of the whole loader, in eval mode and without a graph."""
    out, target, _ = evaluation_pass(model, loader, need_loss=False, fn="predict")
    return out, target


def evaluate(model, loss_fn: Callable | None, loader: Iterable,
             metrics: Sequence | Mapping | None = ("accuracy",)) -> dict[str, float]:
    """Mean loss and metrics over ``loader`` in eval mode: ``{"loss": …, "accuracy": …}``.

    Example:
        >>> evaluate(model, F.cross_entropy, DataLoader(test, batch_size=512))
    """
    out, target, loss = evaluation_pass(model, loader, loss_fn)
    return {"loss": loss, **{k: float(fn(out, target))
                             for k, fn in _metric_fns(metrics).items()}}
