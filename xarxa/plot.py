"""Plots: learning curves (notes 1.4.6: diagnose training by its curves) saved as PNG.

matplotlib is imported only when a plot is drawn, and through its object API with the
Agg canvas: no pyplot, no global backend switch, no window — it works on a server and
leaves a notebook's backend alone.
"""
from __future__ import annotations

import math
import os
from typing import Any, Mapping

__all__ = ["learning_curves"]


def _series(history: Any) -> Mapping[str, list[float]]:
    if hasattr(history, "history"):
        return history.history
    if isinstance(history, Mapping):
        return history
    raise TypeError(f"learning_curves: expected a History or a dict of lists, got "
                    f"{type(history).__name__}")


def learning_curves(history: Any, path: str | os.PathLike | None = None,
                    title: str | None = None):
    """Loss (and every metric, e.g. accuracy) per epoch, training vs validation.

    One panel per quantity: ``loss`` with ``val_loss``, ``accuracy`` with
    ``val_accuracy`` … A training curve that keeps falling while the validation
    curve turns up is overfitting; a jagged or rising training loss, a learning
    rate too high.

    Args:
        history: the ``History`` from ``fit`` (or a dict name -> list per epoch).
        path: where to write the PNG (none: only return the figure).
        title: a title over the panels.

    Returns:
        The matplotlib ``Figure``.

    Example:
        >>> learning_curves(history, "runs/a/learning_curves.png")
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = _series(history)
    names = [k for k in series if not k.startswith("val_") and k not in ("lr", "time")]
    names += [k[4:] for k in series if k.startswith("val_") and k[4:] not in series]
    if not names:
        raise ValueError("learning_curves: the history has no loss or metric to plot")
    fig = Figure(figsize=(5.0 * len(names), 3.8), layout="constrained")
    FigureCanvasAgg(fig)
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "-s")):
            values = series.get(key)
            if values and any(not math.isnan(v) for v in values):
                ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name.replace("_", " "))
        ax.grid(True, alpha=0.3)
        ax.legend()
        if len(series.get(name, series.get(f"val_{name}", []))) <= 20:
            ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100)
    return fig
