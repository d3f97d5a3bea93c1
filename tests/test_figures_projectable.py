"""Every figure the package draws can go on a slide as it comes (issue 19): it has a title,
its plotting axes are labelled, several lines come with a legend that names them, no two
pieces of text overlap, no axes is left empty, and no text is too small to read.

Each figure is opened through matplotlib's objects (the ``Figure`` the drawing function
returns), not as pixels: the text boxes come from the renderer. ``test_every_drawing
_function_is_checked`` fails when ``xarxa.plot`` gains a drawing function this file does
not open. (``inspect.draw``, the graph drawings, are Graphviz pictures: tests/inspect.)
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim, plot
from xarxa.apps.landscape import paths, surface_plot
from xarxa.apps.surfaces import SURFACES
from xarxa.apps.train import figures as train_figures
from xarxa.data import DataLoader, TensorDataset
from xarxa.inspect import landscape, lr_find, trajectory

ROOT = Path(__file__).resolve().parents[1]
SMALLEST_POINTS = 7.5          # a tick label at 8 pt is the smallest a slide shows


# -- the checks ---------------------------------------------------------------------------
def _texts(fig):
    """(where, Text) for every visible non-empty piece of text of ``fig``."""
    out = []
    if fig._suptitle is not None:
        out.append(("suptitle", fig._suptitle))
    for legend in fig.legends:
        out += [("figure legend", t) for t in legend.get_texts()]
    for ax in _all_axes(fig):
        name = f"axes {ax.get_title()!r}" if ax.get_title() else \
            ("colour bar" if _is_colorbar(ax) else "axes")
        out += [(f"{name} title", t) for t in (ax.title, ax._left_title, ax._right_title)]
        out += [(f"{name} xlabel", ax.xaxis.label), (f"{name} ylabel", ax.yaxis.label)]
        out += [(f"{name} x tick", t) for t in _shown_ticks(ax.get_xticklabels(),
                                                             ax.get_xlim(), 0)]
        out += [(f"{name} y tick", t) for t in _shown_ticks(ax.get_yticklabels(),
                                                             ax.get_ylim(), 1)]
        out += [(f"{name} text", t) for t in ax.texts]
        if ax.get_legend() is not None:
            out += [(f"{name} legend", t) for t in ax.get_legend().get_texts()]
    return [(w, t) for w, t in out if t.get_visible() and t.get_text().strip()]


def _shown_ticks(labels, limits, coordinate: int):
    """The tick labels inside the axis' limits (matplotlib keeps a few beyond them, which it
    does not draw)."""
    low, high = sorted(limits)
    slack = 1e-9 * max(abs(low), abs(high), 1e-300)
    return [t for t in labels if low - slack <= t.get_position()[coordinate] <= high + slack]


def _all_axes(fig):
    out = []
    for ax in fig.axes:
        out.append(ax)
        out += list(ax.child_axes)          # inset colour bars
    return out


def _is_colorbar(ax) -> bool:
    return getattr(ax, "_colorbar", None) is not None


def _is_picture(ax) -> bool:
    """An axes that shows images (filters, maps, inputs) rather than plotted data."""
    return bool(ax.images) and not ax.lines


def _series(ax):
    """The lines that are curves (two points or more), not markers."""
    return [ln for ln in ax.lines if len(ln.get_xdata()) >= 2 and ln.get_visible()]


def check_projectable(fig, what: str) -> None:
    """Assert everything the module docstring promises about ``fig``."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in _all_axes(fig) if ax.get_visible()]
    assert axes, f"{what}: no axes"
    titled = fig._suptitle is not None and fig._suptitle.get_text().strip()
    legends = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    legends |= {t.get_text() for ax in axes if ax.get_legend() is not None
                for t in ax.get_legend().get_texts()}
    for ax in axes:
        name = f"{what}: axes {ax.get_title()!r}"
        if _is_colorbar(ax):
            label = ax.get_ylabel() or ax.get_xlabel()
            assert label.strip(), f"{name}: a colour bar without a label"
            continue
        assert ax.has_data() or ax.images, f"{name}: an empty axes"
        if _is_picture(ax):
            assert titled or ax.get_title().strip(), f"{name}: a picture without a title"
            continue
        titled = titled or ax.get_title().strip()
        assert ax.get_xlabel().strip(), f"{name}: no x label"
        assert ax.get_ylabel().strip(), f"{name}: no y label"
        curves = _series(ax)
        if len(curves) >= 2:
            missing = [ln.get_label() for ln in curves if ln.get_label() not in legends]
            assert not missing, f"{name}: {len(curves)} lines, no legend entry for {missing}"
    assert titled, f"{what}: no title"
    texts = _texts(fig)
    for where, t in texts:
        assert t.get_fontsize() >= SMALLEST_POINTS, \
            f"{what}: {where} {t.get_text()!r} at {t.get_fontsize()} pt is too small"
    boxes = [(w, t, t.get_window_extent(renderer)) for w, t in texts]
    for i, (w1, t1, b1) in enumerate(boxes):
        for w2, t2, b2 in boxes[i + 1:]:
            # one pixel of slack: neighbouring tick labels may touch, not overlap
            overlap = (min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 1 and
                       min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 1)
            assert not overlap, (f"{what}: {w1} {t1.get_text()!r} overlaps {w2} "
                                 f"{t2.get_text()!r}")


# -- what draws them ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def cnn_and_digits():
    xa.manual_seed(0)
    x = xa.datasets.digits().arrays[0][:200].reshape(-1, 1, 8, 8).astype(np.float32)
    y = xa.datasets.digits().arrays[1][:200].astype(np.int64)
    model = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 4 * 4, 10))
    loader = DataLoader(TensorDataset(xa.tensor(x), xa.tensor(y)), batch_size=50)
    return model, x, y, loader


def _history(epochs):
    rng = np.random.default_rng(0)
    return {"loss": list(1.0 / np.arange(1, epochs + 1)),
            "accuracy": list(1 - 0.5 / np.arange(1, epochs + 1)),
            "val_loss": list(1.2 / np.arange(1, epochs + 1)),
            "val_accuracy": list(1 - 0.6 / np.arange(1, epochs + 1)),
            "lr": [0.1] * epochs, "time": list(rng.random(epochs))}


def _mlp_plane(directions):
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = xa.randn(32, 2), xa.tensor(np.arange(32) % 3)
    loss_fn = lambda: F.cross_entropy(model(x), y)  # noqa: E731
    path = trajectory(loss_fn, model, optim.SGD(model.parameters(), lr=0.5, momentum=0.9),
                      steps=15, name="SGD, momentum 0.9")
    return landscape(loss_fn, model, directions=directions, trajectories=[path],
                     resolution=9)


def _experiment(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figures(model, x, y, loader):
    """(name, Figure) for every kind of figure the package draws."""
    yield "learning_curves, 1 epoch with per-batch curves", plot.learning_curves(
        _history(1), title="one epoch", batches={"loss": list(np.linspace(2, 1, 12)),
                                                 "accuracy": list(np.linspace(.1, .8, 12))})
    yield "learning_curves, 30 epochs", plot.learning_curves(_history(30), title="30 epochs")
    found = lr_find(model, F.cross_entropy, loader, num_steps=30)
    yield "lr_find", plot.lr_find(found)
    moons_x = np.random.default_rng(0).standard_normal((60, 2)).astype(np.float32)
    moons_y = (moons_x[:, 0] * moons_x[:, 1] > 0).astype(np.int64)
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    yield "decision_boundary", plot.decision_boundary(mlp, moons_x, moons_y, resolution=40,
                                                      class_names=["negative", "positive"])
    names = [f"digit {i}" for i in range(10)]
    yield "saliency", plot.saliency(model, x[:4], class_names=names, labels=y[:4])[0]
    yield "saliency (smooth, one image)", plot.saliency(model, x[0], smooth=3)[0]
    yield "filters, 1 input channel", plot.filters(model)
    yield "filters, several input channels", plot.filters(model[3])
    rgb = nn.Conv2d(3, 12, 5)
    yield "filters, RGB", plot.filters(rgb)
    yield "feature_maps", plot.feature_maps(model, x[0], "1")[0]
    yield "feature_maps, a module", plot.feature_maps(model, x[0], model[3])[0]
    yield "landscape, network, pca", plot.landscape(_mlp_plane("pca"))
    yield "landscape, network, random", plot.landscape(_mlp_plane("random"))
    plane = _mlp_plane("random")
    plane.trajectories.clear()
    yield "landscape, no path", plot.landscape(plane, title="no path")
    for name, surface in SURFACES.items():
        plane = surface_plot(surface, paths(surface, steps=min(surface.steps, 60)),
                             resolution=25)
        yield f"xarxa landscape --function {name}", plot.landscape(
            plane, title=f"{name}: {surface.about}")
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((90, 4)) + np.repeat(np.eye(4)[:3] * 4, 30, axis=0)
    labels = np.repeat(np.arange(3), 30)
    classes = ["T-shirt/top", "Trouser", "Pullover"]
    images = rng.random((90, 1, 8, 8))
    yield "train: embedding_plot", train_figures.embedding_plot(emb, labels, classes, None)
    yield "train: retrieval_plot", train_figures.retrieval_plot(images, emb, labels,
                                                                classes, None)
    masks = rng.integers(0, 3, (3, 8, 8))
    yield "train: segmentation_plot", train_figures.segmentation_plot(
        images[:3], masks, {"xarxa": masks, "PyTorch": masks},
        ["background", "circle", "square"], None)
    notes = _experiment("notes_figures")
    yield "experiments: losses", notes.plot_losses(None)
    yield "experiments: activations", notes.plot_activations(None)
    rows = [{"method": m, "updates_per_epoch": u, "loss_per_epoch": list(1 / np.arange(1, 4) + k)}
            for k, (m, u) in enumerate([("batch", 1), ("mini-batch", 10), ("SGD", 300)])]
    yield "experiments: batch vs mini-batch", notes.plot_batches(rows, None)
    common = _experiment("_common")
    yield "experiments: curves", common.curves_figure(
        {"plain": list(np.linspace(2, 1, 50)), "residual": list(np.linspace(2, .5, 50))},
        title="plain vs residual")
    imbalance = _experiment("imbalance")
    yield "experiments: imbalance", imbalance.figure(
        {"cross-entropy": rng.random(10), "focal loss": rng.random(10)}, {3, 7},
        title="recall per class")
    upsampling = _experiment("upsampling")
    yield "experiments: checkerboard", upsampling.checkerboard_figure()


@pytest.fixture(scope="module")
def all_figures(cnn_and_digits):
    return list(figures(*cnn_and_digits))


def test_every_figure_is_projectable(all_figures):
    failures = []
    for what, fig in all_figures:
        try:
            check_projectable(fig, what)
        except AssertionError as error:
            failures.append(str(error).split("\n")[0])
    assert not failures, "\n".join(failures)


def test_every_drawing_function_is_checked(all_figures):
    drawn = " ".join(what for what, _ in all_figures)
    helpers = {"contour_levels"}                  # computes levels, draws nothing
    for name in set(plot.__all__) - helpers:
        assert name in drawn, f"xa.plot.{name} draws a figure this test does not open"
    for name in train_figures.__all__:
        assert name in drawn or not name.endswith("_plot"), name


def test_the_checks_catch_what_they_promise():
    from xarxa.plot import _figure
    fig = _figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a")
    ax.plot([0, 1], [1, 0], label="b")
    with pytest.raises(AssertionError, match="no x label"):
        check_projectable(fig, "unlabelled")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    with pytest.raises(AssertionError, match="2 lines, no legend entry"):
        check_projectable(fig, "no legend")
    ax.legend()
    with pytest.raises(AssertionError, match="no title"):
        check_projectable(fig, "untitled")
    ax.set_title("two lines")
    check_projectable(fig, "fine")
    ax.text(0.5, 0.5, "two lines", transform=ax.transAxes)
    ax.text(0.5, 0.5, "on top", transform=ax.transAxes)
    with pytest.raises(AssertionError, match="overlaps"):
        check_projectable(fig, "overlapping")
    fig = _figure(4, 3)
    fig.add_subplot().set_title("nothing")
    with pytest.raises(AssertionError, match="an empty axes"):
        check_projectable(fig, "empty")
