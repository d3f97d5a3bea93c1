"""The per-epoch progress bar (tqdm), shown on a terminal and in a Jupyter notebook (as a
widget through `tqdm.auto`, or as text where ipywidgets is not installed)."""
from __future__ import annotations

import sys
import time
import warnings


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (notebook, JupyterLab, VS Code), where stderr is
    no terminal but a bar is still wanted. Imports nothing: IPython is looked up only when the
    kernel has already loaded it."""
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _tqdm_class():
    """tqdm.auto's class: a widget in a notebook with ipywidgets, else the text bar. Its
    import-time advice ("IProgress not found", "notebook mode") is no news to a student."""
    from tqdm.std import TqdmWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm
    return tqdm


class ProgressBar:
    """A tqdm bar over one epoch's batches with the running loss and throughput.

    ``enabled=None`` shows it when stderr is a terminal or the code runs in a Jupyter
    kernel (never in logs or CI). tqdm is imported only when a bar is shown.
    """

    def __init__(self, total: int, desc: str, enabled: bool | None = None):
        if enabled is None:
            enabled = sys.stderr.isatty() or in_notebook()
        self.bar = None
        self.start = time.perf_counter()
        self.rate = 0.0
        if enabled:
            self.bar = _tqdm_class()(total=total, desc=desc, unit="batch", leave=True,
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
