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
           "filters", "feature_maps", "contour_levels"]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig, path, title: str | None = None):
    if title:
        import textwrap
        width = max(40, int(fig.get_figwidth() * 11))   # ~11 characters an inch at 12 pt
        fig.suptitle(textwrap.fill(title, width), fontsize=12)
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


_TRAIN = "train (mean over the epoch's batches, train mode)"
_VAL = "validation (end of each epoch, eval mode)"
_BATCH = "train, each batch"


def learning_curves(history: Any, path: str | os.PathLike | None = None,
                    title: str | None = None, batches: Mapping[str, Any] | None = None):
    """Loss (and every metric, e.g. accuracy) per epoch, training vs validation.

    One panel per quantity: ``loss`` with ``val_loss``, ``accuracy`` with
    ``val_accuracy`` … The training value of an epoch is the mean over its batches, each
    scored in train mode *before* its update (what ``fit`` reports while it trains); the
    validation value is scored in eval mode at the end of the epoch. A training curve that
    keeps falling while the validation curve turns up is overfitting; a jagged or rising
    training loss, a learning rate too high.

    Args:
        history: the ``History`` from ``fit`` (or a dict name -> list per epoch).
        path: where to write the PNG (none: only return the figure).
        title: a title over the panels.
        batches: per-batch training values over the whole run (name -> list, e.g.
            ``{"loss": [...], "accuracy": [...]}``), drawn as a thin line behind the
            epoch points; the key ``"epoch"`` gives each batch's position in epochs
            (default: spread evenly). With few epochs this is the curve to read.

    Returns:
        The matplotlib ``Figure``.

    Example:
        >>> learning_curves(history, "runs/a/learning_curves.png")
    """
    series = _series(history)
    names = [k for k in series if not k.startswith("val_") and k not in ("lr", "time")]
    names += [k[4:] for k in series if k.startswith("val_") and k[4:] not in series]
    if not names:
        raise ValueError("learning_curves: the history has no loss or metric to plot")
    epochs = max(len(v) for v in series.values())
    batches = dict(batches or {})
    where = batches.pop("epoch", None)
    fig = _figure(5.6 * len(names), 4.6)
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        per_batch = batches.get(name)
        if per_batch is not None and len(per_batch):
            xs = where if where is not None else \
                epochs * (1 + _arange(len(per_batch))) / len(per_batch)
            ax.plot(xs, per_batch, "-", color="C0", alpha=0.35, linewidth=0.9, label=_BATCH)
        for key, label, style in ((name, _TRAIN, "-o"), (f"val_{name}", _VAL, "-s")):
            values = series.get(key)
            if values and any(not math.isnan(v) for v in values):
                ax.plot(range(1, len(values) + 1), values, style, markersize=5,
                        linewidth=1.8, label=label, color="C0" if key == name else "C1")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name.replace("_", " "))
        ax.set_title(f"{name.replace('_', ' ')} during training", fontsize=11)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
        if epochs <= 20:
            ax.xaxis.get_major_locator().set_params(integer=True)
        if per_batch is not None and len(per_batch):
            ax.set_xlim(left=0)
    return _finish(fig, path, title)


def _arange(n: int):
    import numpy as np
    return np.arange(n, dtype=np.float64)


# -- loss landscapes and the learning-rate test --------------------------------------------
def contour_levels(values, count: int = 25, decades: float = 3.5):
    """Contour levels for a loss surface, log-spaced above its minimum: ``lo`` then
    lo + (hi − lo)·10^t for t from −``decades`` to 0 — as many lines near the bottom of a
    valley as on its steep walls (linear levels would leave the valley one flat colour)."""
    import numpy as np
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return np.linspace(0.0, 1.0, count)
    lo, hi = float(finite.min()), float(finite.max())
    if not hi - lo > 1e-12 * max(1.0, abs(hi)):
        return np.linspace(lo - 0.5, hi + 0.5, 3)
    return np.concatenate([[lo], lo + (hi - lo) * np.logspace(-decades, 0.0, count - 1)])


def _decade_ticks(levels):
    """The colour bar's ticks for ``contour_levels``: the lowest value, then lo + (hi − lo)
    at each power of ten of the offset, up to the highest value."""
    import numpy as np
    lo, hi = float(levels[0]), float(levels[-1])
    if len(levels) <= 3:
        return list(levels)
    span = hi - lo
    ticks = [lo] + [lo + span * 10.0 ** k for k in range(-3, 0)
                    if lo + span * 10.0 ** k > levels[1]] + [hi]
    return list(np.unique(ticks))


def _tick_label(value: float, ticks) -> str:
    """``value`` with as many decimals as it takes to tell it from its neighbours."""
    import numpy as np
    gaps = np.abs(np.asarray(ticks, dtype=np.float64) - value)
    gap = gaps[gaps > 0].min() if (gaps > 0).any() else abs(value) or 1.0
    decimals = int(max(0, min(8, -math.floor(math.log10(gap)) + 1)))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def landscape(surface, path: str | os.PathLike | None = None, title: str | None = None):
    """A ``xa.inspect.landscape`` result: filled contours of the loss (log-spaced levels,
    equal scales on both axes) with each recorded trajectory drawn on the plane (start ○,
    end ×), the minima ★ (the known ones, else the lowest point sampled), and the loss per
    step beside it.

    Returns:
        The matplotlib ``Figure``.
    """
    import numpy as np
    from matplotlib.colors import BoundaryNorm
    from matplotlib.lines import Line2D
    paths = len(surface.trajectories) > 0
    fig = _figure(13.0 if paths else 7.0, 6.2)
    if paths:
        ax, curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1.0]})
    else:
        ax, curve = fig.add_subplot(1, 1, 1), None
    loss = np.asarray(surface.loss, dtype=np.float64)
    levels = contour_levels(loss)
    from matplotlib import colormaps
    norm = BoundaryNorm(levels, colormaps["viridis"].N)
    filled = ax.contourf(surface.xs, surface.ys, loss, levels=levels, cmap="viridis", norm=norm)
    ax.contour(surface.xs, surface.ys, loss, levels=levels, colors="k", linewidths=0.3,
               alpha=0.35)
    # the colour bar hangs on the plane's own box (which equal scales may shrink), not on
    # its grid cell: same height, never adrift
    bar = fig.colorbar(filled, cax=ax.inset_axes([1.03, 0.0, 0.04, 1.0]))
    ticks = _decade_ticks(levels)
    bar.set_ticks(ticks, labels=[_tick_label(t, ticks) for t in ticks])
    bar.set_label("loss (contour levels log-spaced above the lowest)")
    handles = []
    for path_ in surface.trajectories:
        xy = surface.project(path_.points)
        line, = ax.plot(xy[:, 0], xy[:, 1], "-o", markersize=2.5, linewidth=1.4,
                        label=path_.name)
        ax.plot(*xy[0], "o", color=line.get_color(), markersize=10, fillstyle="none",
                markeredgewidth=2)
        ax.plot(*xy[-1], "X", color=line.get_color(), markersize=10, markeredgecolor="w")
        curve.plot(np.arange(len(path_.losses)), path_.losses, label=path_.name,
                   color=line.get_color(), linewidth=1.6)
        handles.append(line)
    minima = getattr(surface, "minima", None)
    star = "minimum" if minima is not None else "lowest loss sampled"
    minima = [surface.lowest[:2]] if minima is None else list(minima)
    for x, y in minima:
        ax.plot(x, y, "*", color="w", markeredgecolor="k", markersize=15, zorder=5)
    if minima:
        handles.append(Line2D([], [], marker="*", color="w", markeredgecolor="k",
                              markersize=13, linestyle="none", label=star))
    if paths:
        handles += [Line2D([], [], marker="o", color="0.3", fillstyle="none", markersize=9,
                           markeredgewidth=2, linestyle="none", label="start"),
                    Line2D([], [], marker="X", color="0.3", markeredgecolor="w",
                           markersize=10, linestyle="none", label="end")]
    ax.set_xlim(surface.xs[0], surface.xs[-1])
    ax.set_ylim(surface.ys[0], surface.ys[-1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(surface.labels[0])
    ax.set_ylabel(surface.labels[1])
    share = "" if getattr(surface, "in_plane", None) is None or surface.in_plane > 0.995 \
        else f"\n({surface.in_plane:.0%} of the path's motion lies in this plane)"
    if not paths:  # one marker: the title says what it is (a legend would hide the surface)
        ax.set_title("loss surface" + (f" (★ {star})" if minima else ""), fontsize=11)
        return _finish(fig, path, title)
    ax.set_title("loss surface and optimizer paths" + share, fontsize=11)
    # under the loss curves (their colours are the paths'), off the plane and the curves
    curve.legend(handles=handles, fontsize=9, loc="upper center", ncol=2,
                 bbox_to_anchor=(0.5, -0.13))
    losses = [v for t in surface.trajectories for v in t.losses if math.isfinite(v)]
    log = bool(losses) and min(losses) > 0 and max(losses) / min(losses) > 100
    if log:
        curve.set_yscale("log")
    curve.set_xlabel("step")
    curve.set_ylabel("loss (log scale)" if log else "loss")
    curve.set_title("loss per step", fontsize=11)
    curve.grid(True, which="major", alpha=0.3)
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
    ax.set_facecolor("#b9d3ee")  # the gaps between tiles: a colour no grey tile has
    ax.set_xticks([])
    ax.set_yticks([])


def _scores(model, images):
    """Class probabilities of a batch (softmax of the scores unless they already are)."""
    import numpy as np
    out = _run(model, images, images.dtype).astype(np.float64)
    if out.min() >= 0 and np.allclose(out.sum(axis=1), 1.0, atol=1e-4):
        return out
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def saliency(model, x, target=None, path: str | os.PathLike | None = None,
             title: str | None = None, class_names=None, labels=None, smooth: int = 0):
    """Each image above its saliency map |∂score/∂x| (``xa.inspect.saliency``: the class
    score's gradient with respect to the pixels, maximum over channels), with the model's
    prediction and its probability under each map.

    Args:
        model: a classifier. x: one image (C, H, W) or a batch (N, C, H, W).
        target: the class whose score is differentiated (default: the predicted one).
        class_names: the name of each class (default: its index).
        labels: the true class of each image, shown above it.
        smooth: SmoothGrad copies (``xa.inspect.saliency``): 0 plain gradient, ~20 a map
            without the pixel-to-pixel noise.

    Returns:
        (figure, saliency array (N, H, W)).
    """
    import numpy as np

    from .inspect.saliency import _dtype, _images, saliency as compute
    maps = compute(model, x, target, smooth=smooth)
    images = _images(x, "saliency", _dtype(model))
    probs = _scores(model, images)
    n = len(maps)
    name = (lambda c: str(class_names[int(c)])) if class_names is not None else \
        (lambda c: f"class {int(c)}")
    targets = probs.argmax(axis=1) if target is None else \
        np.broadcast_to(np.asarray(target).reshape(-1), (n,))
    true = None if labels is None else np.asarray(labels).reshape(-1)
    fig = _figure(max(4.0, 2.3 * n + 0.8), 5.4)
    axes = fig.subplots(2, n, squeeze=False)
    for i in range(n):
        img = images[i].transpose(1, 2, 0) if images.shape[1] == 3 else images[i, 0]
        top, bottom = axes[0, i], axes[1, i]
        _show_mosaic(top, _mosaic(np.asarray(img, dtype=np.float64)[None]), "gray")
        _show_mosaic(bottom, maps[i], "hot")
        top.set_title(f"true: {name(true[i])}" if true is not None else f"image {i + 1}",
                      fontsize=10)
        pred = int(probs[i].argmax())
        text = f"predicted: {name(pred)} ({probs[i, pred]:.0%})"
        if int(targets[i]) != pred:
            text += f"\nmap of: {name(targets[i])}"
        bottom.set_title(text, fontsize=10)
    axes[0, 0].set_ylabel("input", fontsize=10)
    axes[1, 0].set_ylabel("|∂ score / ∂ pixel|", fontsize=10)
    default = "saliency: the pixels that move the class score most are brightest" + \
        (f" (SmoothGrad, {smooth} noisy copies)" if smooth else "")
    return _finish(fig, path, title or default), maps


def _layer_name(model, module) -> str:
    """``name (Type)`` of ``module`` inside ``model`` (its dotted name), or its type."""
    for key, m in model.named_modules():
        if m is module and key:
            return f"layer {key} ({type(module).__name__})"
    return type(module).__name__


def _first_conv(layer):
    if getattr(getattr(layer, "weight", None), "ndim", 0) == 4:
        return layer
    for m in layer.modules():
        if getattr(getattr(m, "weight", None), "ndim", 0) == 4:
            return m
    raise ValueError(f"filters: {type(layer).__name__} has no convolution (a layer with a "
                     "4-D weight)")


def _numbered_grid(fig, tiles, cmap: str, label: str, columns: int | None = None):
    """One small image per tile, titled ``label`` + its number (1 …), in a grid."""
    count = len(tiles)
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    axes = fig.subplots(rows, columns, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= count:
            ax.remove()
            continue
        _show_mosaic(ax, _mosaic(tiles[i][None]), cmap)
        ax.set_title(f"{label}{i + 1}", fontsize=9, pad=2)
    return axes


def filters(conv_layer_or_model, path: str | os.PathLike | None = None,
            title: str | None = None, max_filters: int = 64):
    """A convolution's filters as small numbered images (a model: its first convolution,
    what the notes show learning edges and colour blobs). With 1 or 3 input channels each
    filter is one tile (grey or RGB); otherwise one row per filter and one column per
    input channel. Each tile is scaled to its own range (white: its largest weight)."""
    import numpy as np
    conv = _first_conv(conv_layer_or_model)
    name = _layer_name(conv_layer_or_model, conv)
    w = np.asarray(conv.weight.numpy(), dtype=np.float64)[:max_filters]
    k, c = w.shape[:2]
    total = conv.weight.shape[0]
    shape = "×".join(str(d) for d in conv.weight.shape[1:])
    default = (f"filters of {name}: {total} filters of {shape} (in channels × height × "
               f"width)" + (f", the first {k} shown" if k < total else ""))
    if c in (1, 3):
        columns = int(math.ceil(math.sqrt(k)))
        side = min(1.3, 11.0 / columns)
        fig = _figure(max(4.5, side * columns + 0.5), side * math.ceil(k / columns) + 0.9)
        _numbered_grid(fig, w.transpose(0, 2, 3, 1) if c == 3 else w[:, 0], "gray", "#",
                       columns)
        return _finish(fig, path, title or default)
    c = min(c, 16)
    image = _mosaic(w[:, :c].reshape(k * c, *w.shape[2:]), columns=c)
    kh, kw = w.shape[2:]
    fig = _figure(max(4.5, min(12.0, 0.5 * c + 1.6)), max(3.5, min(12.0, 0.5 * k + 1.4)))
    ax = fig.add_subplot(1, 1, 1)
    _show_mosaic(ax, image, "gray")
    ax.set_xticks([j * (kw + 1) + (kw - 1) / 2 for j in range(c)],
                  [str(j + 1) for j in range(c)], fontsize=8)
    ax.set_yticks([i * (kh + 1) + (kh - 1) / 2 for i in range(k)],
                  [str(i + 1) for i in range(k)], fontsize=8)
    ax.tick_params(length=0)
    ax.set_xlabel("input channel")
    ax.set_ylabel("filter (output channel)")
    return _finish(fig, path, title or default)


def feature_maps(model, x, layer, path: str | os.PathLike | None = None,
                 title: str | None = None, max_maps: int = 64):
    """The output channels of ``layer`` (a module of ``model`` or its dotted name, e.g.
    ``"features.2"``) for one input image, as numbered small images
    (``xa.inspect.feature_maps``); each is scaled to its own range (bright: high).

    Returns:
        (figure, the maps (channels, H', W')).
    """
    from .inspect.saliency import feature_maps as compute, find_layer
    maps = compute(model, x, layer)
    shown = maps[:max_maps]
    columns = int(math.ceil(math.sqrt(len(shown))))
    side = min(1.5, 11.0 / columns)
    fig = _figure(max(4.5, side * columns + 0.5), side * math.ceil(len(shown) / columns) + 1.0)
    _numbered_grid(fig, shown, "viridis", "channel ", columns)
    name = _layer_name(model, find_layer(model, layer))
    default = (f"feature maps: the output of {name} for one image, {maps.shape[0]} channels "
               f"of {maps.shape[1]}×{maps.shape[2]}"
               + (f" (the first {len(shown)} shown)" if len(shown) < len(maps) else ""))
    return _finish(fig, path, title or default), maps
