"""The per-epoch progress bar (tqdm), shown only on a terminal."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    """A tqdm bar over one epoch's batches with the running loss and throughput.

    ``enabled=None`` shows it only when stderr is a terminal (never in logs or CI).
    tqdm is imported only when a bar is shown.
    """

    def __init__(self, total: int, desc: str, enabled: bool | None = None):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.bar = None
        self.start = time.perf_counter()
        self.rate = 0.0
        if enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, unit="batch", leave=True,
                            dynamic_ncols=True, file=sys.stderr)

    def update(self, samples_seen: int, loss: float, extra: dict[str, float] | None = None):
        if self.bar is None:
            return
        self.rate = samples_seen / max(time.perf_counter() - self.start, 1e-9)
        post = {"loss": f"{loss:.4f}", **{k: f"{v:.4f}" for k, v in (extra or {}).items()},
                "samples/s": f"{self.rate:,.0f}"}
        self.bar.set_postfix(post, refresh=False)
        self.bar.update(1)

    def finish(self, logs: dict[str, float]) -> None:
        if self.bar is None:
            return
        shown = {k: f"{v:.4f}" for k, v in logs.items() if k not in ("lr", "time")}
        shown["samples/s"] = f"{self.rate:,.0f}"
        self.bar.set_postfix(shown, refresh=True)
        self.bar.close()

    @property
    def shown(self) -> bool:
        return self.bar is not None
