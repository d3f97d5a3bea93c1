"""Plots saved as PNG: learning curves and the learning-rate test (notes 1.4.6), loss
landscapes with optimizer paths (1.4.4–1.4.8), decision boundaries of 2-D classifiers
(1.1), and a CNN seen from inside — saliency, filters, feature maps (1.2.4, 1.5).

matplotlib is imported only when a plot is drawn, and through its object API with the
Agg canvas: no pyplot, no global backend switch, no window — it works on a server and
leaves a notebook's backend alone.
"""
from __future__ import annotations

import math
import os
from typing import Any, Mapping

__all__ = ["learning_curves", "landscape", "lr_find", "decision_boundary", "saliency",
           "filters", "feature_maps"]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig, path, title: str | None = None):
    if title:
        import textwrap
        fig.suptitle(textwrap.fill(title, 120), fontsize=11)
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100)
    return fig


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


# -- loss landscapes and the learning-rate test --------------------------------------------
def landscape(surface, path: str | os.PathLike | None = None, title: str | None = None):
    """A ``xa.inspect.landscape`` result: filled contours of the loss with each recorded
    trajectory drawn on the plane (start ○, end ×), and the loss per step beside it.

    Contour levels follow the quantiles of the sampled losses, so that a flat valley
    floor and steep walls (Rosenbrock, cliffs) are both resolved.
    """
    import numpy as np
    paths = len(surface.trajectories) > 0
    fig = _figure(12.0 if paths else 6.5, 5.0)
    ax = fig.add_subplot(1, 2 if paths else 1, 1)
    curve = fig.add_subplot(1, 2, 2) if paths else None
    loss = np.asarray(surface.loss, dtype=np.float64)
    finite = loss[np.isfinite(loss)]
    levels = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, 30))) if finite.size else 10
    if np.size(levels) < 2:
        levels = 10
    filled = ax.contourf(surface.xs, surface.ys, loss, levels=levels, cmap="viridis")
    ax.contour(surface.xs, surface.ys, loss, levels=levels, colors="k", linewidths=0.3,
               alpha=0.4)
    fig.colorbar(filled, ax=ax, label="loss", format="%.3g")
    for path_ in surface.trajectories:
        xy = surface.project(path_.points)
        line, = ax.plot(xy[:, 0], xy[:, 1], "-o", markersize=2.5, linewidth=1.2,
                        label=path_.name)
        ax.plot(*xy[0], "o", color=line.get_color(), markersize=8, fillstyle="none")
        ax.plot(*xy[-1], "x", color=line.get_color(), markersize=9, markeredgewidth=2)
        curve.plot(np.arange(len(path_.losses)), path_.losses, label=path_.name,
                   color=line.get_color())
    ax.set_xlim(surface.xs[0], surface.xs[-1])
    ax.set_ylim(surface.ys[0], surface.ys[-1])
    ax.set_xlabel(surface.labels[0])
    ax.set_ylabel(surface.labels[1])
    ax.set_title("loss surface and optimizer paths" if paths else "loss surface")
    if not paths:
        return _finish(fig, path, title)
    losses = [v for t in surface.trajectories for v in t.losses if math.isfinite(v)]
    if losses and min(losses) > 0 and max(losses) / min(losses) > 100:
        curve.set_yscale("log")
    curve.set_xlabel("step")
    curve.set_ylabel("loss")
    curve.set_title("loss per step")
    curve.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    curve.legend(fontsize=8)
    return _finish(fig, path, title)


def lr_find(result, path: str | os.PathLike | None = None, title: str | None = None):
    """A ``xa.inspect.lr_find`` result: loss (raw and smoothed) against the learning rate
    on a log axis, with the suggested rate marked."""
    fig = _figure(6.5, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(result.lrs, result.losses, color="0.7", linewidth=0.8, label="loss per step")
    ax.plot(result.lrs, result.smoothed, linewidth=1.8, label="smoothed")
    ax.axvline(result.suggestion, color="C3", linestyle="--",
               label=f"suggestion {result.suggestion:.2g} ({result.method})")
    ax.set_xscale("log")
    smooth = [v for v in result.smoothed if math.isfinite(v)]
    if smooth:  # a diverged tail would flatten the interesting part of the curve
        low = min(min(smooth), min(v for v in result.losses if math.isfinite(v)))
        high = min(max(smooth), 2.0 * smooth[0] - low)
        pad = 0.05 * max(high - low, 1e-12)
        ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, path, title or "learning-rate range test")


# -- 2-D classifiers -------------------------------------------------------------------------
def _predict_classes(out):
    """Class per row: argmax of ≥ 2 scores; one column is a probability (threshold ½)
    when every value lies in [0, 1] (sigmoid, the perceptron's step), else a logit or
    margin (threshold 0)."""
    import numpy as np
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 2 and out.shape[1] >= 2:
        return out.argmax(axis=1)
    out = out.reshape(len(out), -1)[:, 0]
    threshold = 0.5 if out.min() >= 0.0 and out.max() <= 1.0 else 0.0
    return (out >= threshold).astype(np.int64)


def decision_boundary(model, X, y, path: str | os.PathLike | None = None,
                      title: str | None = None, resolution: int = 200,
                      margin: float = 0.15, class_names=None):
    """The regions a 2-D classifier assigns to each class, with the data on top (notes 1.1:
    the perceptron's line, logistic regression, the XOR network, MLPs on moons/spirals).

    The model runs once on a resolution×resolution grid covering the data (plus
    ``margin`` of its extent on each side), in eval mode and without a graph. Its output
    is read as ``_predict_classes`` says: argmax of (N, K ≥ 2) scores; for one output,
    threshold ½ if it looks like a probability (all in [0, 1]), else 0.

    Args:
        model: a Module taking (N, 2) inputs. X: (N, 2) points. y: (N,) integer labels.
        class_names: the legend's name of each class (default "class k").
    """
    import numpy as np
    from matplotlib.colors import ListedColormap

    from .tensor import Tensor
    X = np.asarray(X.numpy() if isinstance(X, Tensor) else X, dtype=np.float64)
    y = np.asarray(y.numpy() if isinstance(y, Tensor) else y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y) or not len(X):
        raise ValueError(f"decision_boundary: expected X of shape (N, 2) and N labels, got X "
                         f"{X.shape} and y {y.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-3)
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    dtype = next(iter(model.parameters())).dtype
    regions = _predict_classes(_run(model, grid, dtype)).reshape(resolution, resolution)
    classes = np.union1d(np.unique(y), np.unique(regions)).astype(np.int64)
    fig = _figure(5.5, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    colors = [f"C{int(c) % 10}" for c in range(int(classes.max()) + 1)]
    cmap = ListedColormap(colors)
    bounds = np.arange(len(colors) + 1) - 0.5
    ax.contourf(gx, gy, regions, levels=bounds, cmap=cmap, alpha=0.25)
    if len(np.unique(regions)) > 1:
        ax.contour(gx, gy, regions, levels=bounds[1:-1], colors="k", linewidths=1.0)
    for c in np.unique(y):
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], s=18, color=colors[int(c)], edgecolors="k",
                   linewidths=0.4, label=class_names[int(c)] if class_names else f"class {c}")
    accuracy = float((_predict_classes(_run(model, X, dtype)) == y).mean())
    ax.set_title(f"decision regions (accuracy on these points {accuracy:.1%})")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(fontsize=8, loc="best")
    return _finish(fig, path, title)


def _run(model, X, dtype):
    from .autograd import no_grad
    from .inspect.saliency import eval_mode
    from .tensor import Tensor
    with no_grad(), eval_mode(model):
        return model(Tensor(X.astype(dtype))).numpy()


# -- a CNN from inside ------------------------------------------------------------------------
def _mosaic(tiles, columns: int | None = None, pad: int = 1):
    """One image from tiles (n, h, w) or (n, h, w, 3), each scaled to [0, 1] on its own,
    separated by NaN (drawn blank)."""
    import numpy as np
    tiles = np.asarray(tiles, dtype=np.float64)
    n, h, w = tiles.shape[:3]
    low = tiles.reshape(n, -1).min(axis=1)
    span = tiles.reshape(n, -1).max(axis=1) - low
    shape = (n,) + (1,) * (tiles.ndim - 1)
    tiles = (tiles - low.reshape(shape)) / np.where(span > 0, span, 1.0).reshape(shape)
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad) + tiles.shape[3:], np.nan)
    for i in range(n):
        r, c = divmod(i, columns)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = tiles[i]
    return out


def _show_mosaic(ax, image, cmap: str):
    import numpy as np
    if image.ndim == 3:  # RGB: NaN gaps become white
        image = np.where(np.isnan(image), 1.0, image)
    ax.imshow(image, cmap=cmap, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def saliency(model, x, target=None, path: str | os.PathLike | None = None,
             title: str | None = None):
    """Each image beside its saliency map |∂score/∂x| (``xa.inspect.saliency``: the class
    score's gradient with respect to the pixels, maximum over channels).

    Args:
        model: a classifier. x: one image (C, H, W) or a batch (N, C, H, W).
        target: the class whose score is differentiated (default: the predicted one).

    Returns:
        (figure, saliency array (N, H, W)).
    """
    import numpy as np

    from .inspect.saliency import _images, saliency as compute
    maps = compute(model, x, target)
    images = _images(x, "saliency", np.float64)
    n = len(maps)
    fig = _figure(4.2, 2.2 * n)
    for i in range(n):
        img = images[i].transpose(1, 2, 0) if images.shape[1] == 3 else images[i, 0]
        left, right = fig.add_subplot(n, 2, 2 * i + 1), fig.add_subplot(n, 2, 2 * i + 2)
        _show_mosaic(left, _mosaic(img[None]), "gray")
        _show_mosaic(right, maps[i], "hot")
        left.set_title("input", fontsize=9)
        right.set_title("|∂score/∂x|", fontsize=9)
    return _finish(fig, path, title or "saliency"), maps


def _first_conv(layer):
    if getattr(getattr(layer, "weight", None), "ndim", 0) == 4:
        return layer
    for m in layer.modules():
        if getattr(getattr(m, "weight", None), "ndim", 0) == 4:
            return m
    raise ValueError(f"filters: {type(layer).__name__} has no convolution (a layer with a "
                     "4-D weight)")


def filters(conv_layer_or_model, path: str | os.PathLike | None = None,
            title: str | None = None, max_filters: int = 64):
    """A convolution's filters as a grid of small images (a model: its first convolution,
    what the notes show learning edges and colour blobs). With 1 or 3 input channels each
    filter is one tile (grey or RGB); otherwise one row of tiles per filter, one tile per
    input channel. Each tile is scaled to its own range."""
    import numpy as np
    conv = _first_conv(conv_layer_or_model)
    w = np.asarray(conv.weight.numpy(), dtype=np.float64)[:max_filters]
    k, c = w.shape[:2]
    if c == 3:
        image, cmap = _mosaic(w.transpose(0, 2, 3, 1)), "gray"
    elif c == 1:
        image, cmap = _mosaic(w[:, 0]), "gray"
    else:
        c = min(c, 16)
        image, cmap = _mosaic(w[:, :c].reshape(k * c, *w.shape[2:]), columns=c), "gray"
    fig = _figure(max(3.0, min(10.0, image.shape[1] / 6)), max(3.0, min(10.0, image.shape[0] / 6)))
    _show_mosaic(fig.add_subplot(1, 1, 1), image, cmap)
    return _finish(fig, path, title or f"{k} filters {tuple(conv.weight.shape[1:])}")


def feature_maps(model, x, layer, path: str | os.PathLike | None = None,
                 title: str | None = None, max_maps: int = 64):
    """The output channels of ``layer`` (a module of ``model`` or its dotted name, e.g.
    ``"features.2"``) for one input image, as a grid (``xa.inspect.feature_maps``).

    Returns:
        (figure, the maps (channels, H', W')).
    """
    from .inspect.saliency import feature_maps as compute
    maps = compute(model, x, layer)
    fig = _figure(6.0, 6.0)
    _show_mosaic(fig.add_subplot(1, 1, 1), _mosaic(maps[:max_maps]), "viridis")
    name = layer if isinstance(layer, str) else type(layer).__name__
    return _finish(fig, path, title or f"feature maps of {name} ({maps.shape[0]} channels)"), maps
