"""The figures of the Siamese and segmentation runs of ``xarxa train`` (PNG, matplotlib
imported lazily through ``xarxa.plot``'s Agg figure: no pyplot, no window)."""
from __future__ import annotations

import numpy as np

from ...plot import _figure, _finish

__all__ = ["pca_2d", "embedding_plot", "retrieval_plot", "mask_colors", "segmentation_plot"]


def pca_2d(x: np.ndarray) -> np.ndarray:
    """The rows of ``x`` (N, D) projected on their first two principal components."""
    centred = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:2].T
    return np.pad(out, ((0, 0), (0, 2 - out.shape[1])))   # D = 1: a second axis of zeros


def _colors(k: int):
    from matplotlib import colormaps
    return colormaps["tab10" if k <= 10 else "tab20"](np.arange(k) % 20)


def embedding_plot(emb: np.ndarray, labels: np.ndarray, names, path, title=None):
    """A scatter plot of the embeddings' 2-D PCA projection, one colour per class."""
    xy = pca_2d(emb)
    fig = _figure(7.5, 6.0)
    ax = fig.add_subplot()
    colors = _colors(len(names))
    for c, name in enumerate(names):
        mine = labels == c
        if mine.any():
            ax.scatter(xy[mine, 0], xy[mine, 1], s=4, alpha=0.6, color=colors[c], label=name)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title("embeddings projected on their two principal components", fontsize=11)
    ax.legend(markerscale=3, fontsize=9, loc="best")
    return _finish(fig, path, title)


def retrieval_plot(images: np.ndarray, emb: np.ndarray, labels: np.ndarray, names, path,
                   title=None, queries: int = 8, k: int = 5):
    """Rows of a query (the first image of each class, up to ``queries``) and its ``k``
    nearest other images by embedding distance; a neighbour of the query's class is
    framed green, of another class red."""
    first = [int(np.argmax(labels == c)) for c in np.unique(labels)][:queries]
    k = min(k, len(labels) - 1)
    d = ((emb[first, None, :] - emb[None, :, :]) ** 2).sum(axis=-1)
    d[np.arange(len(first)), first] = np.inf            # a query does not retrieve itself
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    fig = _figure(max(6.5, 1.3 * (k + 1)), 1.45 * len(first) + 0.5)
    axes = fig.subplots(len(first), k + 1, squeeze=False)
    for row, (q, hits) in enumerate(zip(first, nearest)):
        for col, i in enumerate([q, *hits]):
            ax = axes[row, col]
            ax.imshow(images[i].reshape(images.shape[-2:]), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            colour = "black" if col == 0 else ("green" if labels[i] == labels[q] else "red")
            for side in ax.spines.values():
                side.set_color(colour)
                side.set_linewidth(1 if col == 0 else 3)
            ax.set_title(("query: " if col == 0 else "") + names[labels[i]], fontsize=8,
                         color=colour)
    return _finish(fig, path, title or f"each query and its {k} nearest images by embedding "
                   "distance (green: same class, red: another)")


def mask_colors(k: int) -> np.ndarray:
    """RGB colours of mask labels 0…k−1: black for the background, then tab10's."""
    return np.vstack([[0.0, 0.0, 0.0], _colors(k - 1)[:, :3]])


def segmentation_plot(images: np.ndarray, masks: np.ndarray, predicted, names, path,
                      title=None):
    """One row per canvas: the input, the true mask and the predicted mask (each label its
    colour, a legend naming them). ``predicted`` may also be a dict {column title: labels}
    of several models' predictions, a column each (e.g. xarxa's and PyTorch's)."""
    colors = mask_colors(len(names))
    columns = {"predicted mask": predicted} if not isinstance(predicted, dict) else predicted
    titles = ["input", "true mask", *columns]
    fig = _figure(2.6 * len(titles), 2.4 * len(images) + 0.6)
    axes = fig.subplots(len(images), len(titles), squeeze=False)
    for row in range(len(images)):
        shown = (images[row, 0], colors[masks[row]], *(colors[p[row]] for p in columns.values()))
        for col, (picture, what) in enumerate(zip(shown, titles)):
            ax = axes[row, col]
            ax.imshow(picture, cmap="gray" if col == 0 else None, vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(what, fontsize=9)
    from matplotlib.patches import Patch
    fig.legend(handles=[Patch(color=colors[c], label=n) for c, n in enumerate(names)],
               loc="outside lower center", ncol=6, fontsize=9)
    return _finish(fig, path, title or "segmentation: each input, its true mask and the "
                   "predicted ones")
