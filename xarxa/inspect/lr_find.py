"""Learning-rate diagnosis (notes 1.4.6): the learning-rate range test (Smith, 2017).

Train for a few hundred steps while the rate grows exponentially from ``start_lr`` to
``end_lr`` and record the loss. Too small a rate and the loss barely moves; a good rate
makes it fall fast; too large a rate and it jumps around the minimum and then explodes.
The suggestion is read off the smoothed curve. The model, the optimizer and the random
generator are put back as they were, so the test costs nothing but time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ..autograd.version import bump_version
from ..random import get_rng_state, set_rng_state

__all__ = ["LRFind", "lr_find"]


@dataclass
class LRFind:
    """What ``lr_find`` returns.

    Attributes:
        lrs: the rate of each step taken. losses: that step's batch loss.
        smoothed: the losses averaged over ±num_steps/20 neighbouring steps (centred:
            no lag, unlike a moving average that trails the rate).
        suggestion: the suggested rate (see ``lr_find``'s ``suggest``).
        method: how it was chosen. stopped_early: the loss diverged before ``end_lr``
            (the diverging step is left out).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    method: str
    stopped_early: bool

    def plot(self, path=None, title: str | None = None):
        """Loss against rate (log axis), the suggestion marked (``xa.plot.lr_find``)."""
        from ..plot import lr_find as draw
        return draw(self, path=path, title=title)

    def __repr__(self) -> str:
        return (f"LRFind({len(self.lrs)} steps, lr {self.lrs[0]:.3g} → {self.lrs[-1]:.3g}, "
                f"suggestion={self.suggestion:.3g} ({self.method}))")


def _centred(values: np.ndarray, half: int) -> np.ndarray:
    """The mean over each point's ±half neighbours (fewer at the ends): smooth, no lag."""
    sums = np.concatenate([[0.0], np.cumsum(values)])
    i = np.arange(len(values))
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, len(values))
    return (sums[hi] - sums[lo]) / (hi - lo)


def _suggest(lrs: np.ndarray, smoothed: np.ndarray, method: str) -> float:
    best = int(np.argmin(smoothed))
    if method == "minimum":
        return float(lrs[best] / 10.0)
    # steepest: where the smoothed loss falls fastest per decade of rate, looking only
    # before its minimum (after it, the fall is a divergence's jitter) and after the
    # moving average's first tenth (its start is the noisiest).
    skip = min(len(lrs) // 10, max(best - 1, 0))
    if best - skip < 2:
        return float(lrs[best] / 10.0)
    slope = np.gradient(smoothed[skip:best + 1], np.log(lrs[skip:best + 1]))
    return float(lrs[skip + int(np.argmin(slope))])


def lr_find(model, loss_fn: Callable, loader: Iterable, start_lr: float = 1e-7,
            end_lr: float = 10.0, num_steps: int = 100, optimizer=None, *,
            smooth: float = 0.98, diverge: float = 4.0, suggest: str = "steepest",
            path=None) -> LRFind:
    """Sweep the learning rate exponentially and suggest one.

    Step i (of ``num_steps``) trains one batch at lr = start_lr·(end_lr/start_lr)^(i/(n−1))
    (every param group); the loader is cycled as often as needed. The sweep stops early
    when the loss's exponential moving average (β = ``smooth``, bias-corrected: what is
    known while sweeping) exceeds ``diverge`` × its best value, or is not finite.

    The suggestion (``suggest``):

    * ``"steepest"`` (default): the rate at which the smoothed loss falls fastest against
      log(lr), before its minimum — a rate that still learns quickly and is well below
      the divergence;
    * ``"minimum"``: the rate of the smoothed minimum divided by 10 (the minimum itself
      is already on the edge of divergence).

    Afterwards the model's parameters and buffers, their gradients, the modules'
    train/eval modes, the optimizer's state (rates included), the loader's state (if it
    has ``state_dict``) and xarxa's global random generator are restored exactly.

    Args:
        model: the Module. loss_fn: ``fn(output, target) -> scalar``.
        loader: yields ``(input, target)`` batches (a ``DataLoader``).
        start_lr, end_lr: the range swept (start < end). num_steps: steps at most.
        optimizer: the optimizer to sweep (its rate is overwritten during the test); None:
            SGD with momentum 0.9 over ``model.parameters()``.
        smooth: β of the moving average that detects divergence. diverge: the stop
            threshold above.
        path: also write the plot there (PNG).

    Example:
        >>> found = lr_find(model, F.cross_entropy, DataLoader(train, 32, shuffle=True))
        >>> found.suggestion, found.plot("lr.png")
    """
    if not (isinstance(start_lr, (int, float)) and isinstance(end_lr, (int, float))
            and 0 < start_lr < end_lr):
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr!r}, "
                         f"end_lr={end_lr!r}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"lr_find: num_steps must be an integer >= 2, got {num_steps!r}")
    if not 0 <= smooth < 1:
        raise ValueError(f"lr_find: smooth must be in [0, 1), got {smooth!r}")
    if suggest not in ("steepest", "minimum"):
        raise ValueError(f"lr_find: suggest must be 'steepest' or 'minimum', got {suggest!r}")
    if not diverge > 1:
        raise ValueError(f"lr_find: diverge must be > 1, got {diverge!r}")
    if optimizer is None:
        from ..optim import SGD
        optimizer = SGD(model.parameters(), lr=start_lr, momentum=0.9)
    tensors = list(model.parameters()) + list(model.buffers())
    saved = {
        "values": [t.numpy().copy() for t in tensors],
        "grads": [t._grad for t in tensors],
        "modes": [(m, m.training) for m in model.modules()],
        "optimizer": optimizer.state_dict(),
        "loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
        "rng": get_rng_state(),
    }
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))
    losses, average, best, stopped = [], 0.0, math.inf, False
    try:
        model.train()
        batches = iter(loader)
        for i, lr in enumerate(lrs):
            try:
                x, y = next(batches)
            except StopIteration:
                batches = iter(loader)
                x, y = next(batches)
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            value = float(loss.item())
            average = smooth * average + (1 - smooth) * value
            smoothed_value = average / (1 - smooth ** (i + 1))  # bias-corrected EMA
            losses.append(value)
            if not math.isfinite(smoothed_value) or smoothed_value > diverge * best:
                stopped = True
                break
            best = min(best, smoothed_value)
            loss.backward()
            optimizer.step()
    finally:
        for t, value, grad in zip(tensors, saved["values"], saved["grads"]):
            np.copyto(t.numpy(), value)
            bump_version(t)
            t._grad = grad
        for m, mode in saved["modes"]:
            m.training = mode
        optimizer.load_state_dict(saved["optimizer"])
        if saved["loader"] is not None:
            loader.load_state_dict(saved["loader"])
        set_rng_state(saved["rng"])
    # the last point of a diverged sweep is the divergence itself: leave it out
    done = len(losses) - 1 if stopped else len(losses)
    if done < 2 or not np.isfinite(losses[:done]).all():
        raise FloatingPointError(f"lr_find: the loss diverged at once ({len(losses)} "
                                 f"step(s) from lr {start_lr:g}; losses {losses}); lower "
                                 "start_lr or check the model")
    lrs, losses_a = lrs[:done], np.array(losses[:done])
    smoothed_a = _centred(losses_a, max(1, round(num_steps / 20)))
    suggestion = _suggest(lrs, smoothed_a, suggest)
    result = LRFind(lrs, losses_a, smoothed_a, suggestion, suggest, stopped)
    if path is not None:
        result.plot(path)
    return result
