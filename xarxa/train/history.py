"""`History`: per-epoch training and validation numbers, as lists keyed by name."""
from __future__ import annotations

import math
from typing import Any

__all__ = ["History"]


class History:
    """What ``fit`` returns: ``history["loss"][e]`` is epoch e's training loss.

    Keys are ``loss``, ``val_loss``, each metric (``accuracy``) and its
    ``val_`` twin, ``lr`` (the first group's learning rate during the epoch) and
    ``time`` (seconds). ``interrupted`` says whether Ctrl-C (or a callback) cut the
    last epoch short; only complete epochs are recorded.

    Example:
        >>> history = fit(model, F.cross_entropy, opt, train_loader, val_loader, epochs=5)
        >>> history["val_accuracy"][-1], history.best("val_loss")
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.interrupted = False

    def append(self, record: dict[str, float]) -> None:
        """Add one epoch's numbers; keys missing from earlier epochs are padded with NaN."""
        n = len(self)
        for key, value in record.items():
            self.history.setdefault(key, [math.nan] * n).append(float(value))
        for key, values in self.history.items():
            if len(values) == n:
                values.append(math.nan)

    def __len__(self) -> int:
        return max((len(v) for v in self.history.values()), default=0)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def keys(self):
        return self.history.keys()

    def last(self) -> dict[str, float]:
        """The last epoch's numbers."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def best(self, key: str, mode: str = "auto") -> tuple[int, float]:
        """(epoch index, value) of the best epoch for ``key`` (min for losses, else max)."""
        values = self.history[key]
        if mode == "auto":
            mode = "min" if "loss" in key else "max"
        finite = [i for i, v in enumerate(values) if not math.isnan(v)]
        if not finite:
            raise ValueError(f"History.best: no epoch has a value for {key!r}")
        pick = min if mode == "min" else max
        index = pick(finite, key=lambda i: values[i])  # the first best epoch on ties
        return index, values[index]

    def state_dict(self) -> dict[str, Any]:
        return {"history": {k: list(v) for k, v in self.history.items()},
                "interrupted": self.interrupted}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}
        self.interrupted = bool(state.get("interrupted", False))

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({len(self)} epoch{'s' if len(self) != 1 else ''}: {last})"
