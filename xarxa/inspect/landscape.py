"""Loss landscapes and optimizer paths (notes 1.4.4–1.4.8).

A network's loss lives in as many dimensions as it has parameters; ``landscape`` looks
at it on a plane through the current parameters θ₀,

    L(a, b) = loss(θ₀ + a·d₁ + b·d₂)

with the plane chosen one of three ways:

* **two chosen parameters** (``axes=[(w, 0), (b, 0)]``): d₁, d₂ are those two
  coordinates, so (a, b) are the parameters' own values — the notes' (w, b) plane, in
  which the exam draws its optimisation sequence;
* **two random directions** (``directions="random"``, the default without trajectories):
  Gaussian directions over every parameter, *filter-normalised* as Li et al. (2018,
  "Visualizing the loss landscape of neural nets") do: each filter (row of a weight, along
  its first axis) of the direction gets the norm of the same filter of θ₀, so that the
  picture does not depend on the weights' scale (which ReLU networks are invariant to).
  One-dimensional parameters (biases, BatchNorm) get a zero direction, as in their
  ``ignore='biasbn'``. A training path seen on such a plane is a squiggle near the
  centre: in a space of thousands of dimensions two random directions are almost
  orthogonal to the path;
* **the path's own plane** (``directions="pca"``, the default with trajectories): the two
  principal directions of the optimizer's path, as Li et al. draw trajectories — the
  matrix of θᵢ − θ₀ over the recorded points, whose first two right singular vectors are
  the plane that holds most of the path (the labels say how much).

With trajectories and no ``span``/``xlim``/``ylim`` the window is chosen so that every
point of every path lies inside it.

``trajectory`` runs a real ``xarxa.optim`` optimizer and records the parameters after each
step; ``Landscape.project`` puts such a path on the plane (least squares onto d₁, d₂) and
``xa.plot.landscape`` draws both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..tensor import Tensor
from .hessian import _Flat, _param_list

__all__ = ["Landscape", "Trajectory", "landscape", "trajectory", "random_directions",
           "pca_directions"]


@dataclass(repr=False)
class Trajectory:
    """An optimizer's path: ``points[k]`` is θ (flattened) before step k, ``losses[k]``
    the loss there (k = 0 … steps)."""

    name: str
    points: np.ndarray
    losses: np.ndarray

    def __repr__(self) -> str:
        steps, n = len(self.points) - 1, self.points.shape[1] if self.points.ndim == 2 else 0
        return (f"Trajectory({self.name!r}, {steps} step{'s' if steps != 1 else ''} over "
                f"{n} parameter{'s' if n != 1 else ''}, loss {self.losses[0]:.4g} → "
                f"{self.losses[-1]:.4g})")


@dataclass(repr=False)
class Landscape:
    """A loss sampled on a plane: ``loss[i, j]`` is L at (xs[j], ys[i]) (the layout of
    matplotlib's ``contour``), the plane being θ = origin + x·directions[0] + y·directions[1].

    ``minima`` are known minima in plane coordinates, drawn as stars (None: unknown, the
    lowest point sampled is marked instead; empty: nothing to mark). ``in_plane`` is the
    share of the trajectories' motion (Σ‖θᵢ − θ₀‖²) that lies in the plane: 1 for the
    path's own PCA plane of a path that moves in two dimensions, near 0 for random
    directions in a big network. ``plane`` says which plane it is.
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    origin: np.ndarray
    directions: np.ndarray
    labels: tuple[str, str] = ("direction 1", "direction 2")
    trajectories: list[Trajectory] = field(default_factory=list)
    minima: tuple | None = None
    in_plane: float | None = None
    plane: str = "given directions"

    def project(self, points: np.ndarray) -> np.ndarray:
        """Plane coordinates (m, 2) of parameter vectors ``points`` (m, n): the least-squares
        solution of origin + [d₁ d₂]·c = θ (exact for points on the plane)."""
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        coords, *_ = np.linalg.lstsq(self.directions.T, (points - self.origin).T, rcond=None)
        return coords.T

    @property
    def lowest(self) -> tuple[float, float, float]:
        """(x, y, loss) of the lowest loss sampled on the grid."""
        loss = np.where(np.isfinite(self.loss), self.loss, np.inf)
        i, j = np.unravel_index(int(np.argmin(loss)), loss.shape)
        return float(self.xs[j]), float(self.ys[i]), float(self.loss[i, j])

    def plot(self, path=None, title: str | None = None):
        """Contours with the recorded trajectories, and loss per step (``xa.plot.landscape``).
        Returns the matplotlib ``Figure``."""
        from ..plot import landscape as draw
        return draw(self, path=path, title=title)

    def __repr__(self) -> str:
        x, y, low = self.lowest
        finite = self.loss[np.isfinite(self.loss)]
        high = f"{finite.max():.4g}" if finite.size else "nan"
        n = len(self.trajectories)
        paths = ", ".join(f"{t.name} ({len(t.points) - 1} steps)" for t in self.trajectories)
        share = "" if self.in_plane is None else f", {self.in_plane:.0%} of the paths in it"
        return (f"Landscape({len(self.ys)}×{len(self.xs)} grid, x ∈ [{self.xs[0]:.3g}, "
                f"{self.xs[-1]:.3g}], y ∈ [{self.ys[0]:.3g}, {self.ys[-1]:.3g}] on "
                f"{self.plane} (of {self.origin.size} parameters){share}; loss {low:.4g} … "
                f"{high}, lowest at ({x:.3g}, {y:.3g})"
                + (f"; {n} trajector{'y' if n == 1 else 'ies'}: {paths}" if n else "") + ")")


    def _repr_html_(self) -> str:   # a notebook's cell: the one-line summary and the figure
        from .notebook import summary_html
        return summary_html(repr(self), self.plot(), "loss landscape")


def _coordinate(params: list[Tensor], axis, fn: str) -> tuple[int, str]:
    """The flat index of one chosen scalar parameter: a tensor (one element) or (tensor, i)."""
    tensor, index = (axis, 0) if isinstance(axis, Tensor) else tuple(axis)
    if isinstance(axis, Tensor) and tensor.numel() != 1:
        raise ValueError(f"{fn}: axis tensor of shape {tensor.shape} has several elements; "
                         "pass (tensor, index) to choose one")
    offset = 0
    for p in params:
        if p is tensor:
            flat = int(np.ravel_multi_index(index, p.shape)) if isinstance(index, tuple) \
                else int(index)
            if not 0 <= flat < p.numel():
                raise ValueError(f"{fn}: index {index} is outside a parameter of shape "
                                 f"{p.shape}")
            label = tensor.name or f"param{params.index(p)}"
            return offset + flat, label if p.numel() == 1 else f"{label}[{index}]"
        offset += p.numel()
    raise ValueError(f"{fn}: an axis names a tensor that is not in params")


def random_directions(params, seed: int = 0, filter_normalize: bool = True) -> np.ndarray:
    """Two random directions (2, n) over ``params`` (flattened in order), filter-normalised
    (see the module docstring): one-dimensional parameters get zeros. Without
    ``filter_normalize``, plain Gaussian directions scaled to ‖θ₀‖."""
    params = _param_list(params, "random_directions")
    rng = np.random.default_rng(seed)
    theta = np.concatenate([p.numpy().astype(np.float64).ravel() for p in params])
    out = np.zeros((2, theta.size))
    for row in out:
        parts = []
        for p in params:
            w = p.numpy().astype(np.float64)
            d = rng.standard_normal(w.shape)
            if filter_normalize:
                if w.ndim <= 1:
                    d = np.zeros_like(d)
                else:
                    rows, drows = w.reshape(len(w), -1), d.reshape(len(d), -1)
                    scale = np.linalg.norm(rows, axis=1) / (np.linalg.norm(drows, axis=1) + 1e-10)
                    d = (drows * scale[:, None]).reshape(w.shape)
            parts.append(d.ravel())
        row[:] = np.concatenate(parts)
        if not filter_normalize:
            row *= np.linalg.norm(theta) / (np.linalg.norm(row) + 1e-10)
    if not out.any(axis=1).all():
        raise ValueError("random_directions: every parameter is one-dimensional (biases, "
                         "scalars), so filter normalisation leaves no direction; choose two "
                         "parameters with axes=[...] or pass filter_normalize=False")
    return out


def pca_directions(trajectories: Sequence[Trajectory], origin: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The plane that holds most of the paths (Li et al. 2018, §7): the first two right
    singular vectors of the matrix whose rows are θᵢ − origin over every recorded point.

    Measured from ``origin`` (the plane's centre, usually the path's end), not from the
    points' mean, so that the plane passes through it; a path that moves in a plane
    through ``origin`` lies in it exactly.

    Returns:
        (directions (2, n), unit and orthogonal; share (2,) of Σ‖θᵢ − origin‖² that each
        holds — the "explained variance" of the labels).
    """
    origin = np.asarray(origin, dtype=np.float64).ravel()
    rows = [np.asarray(t.points, dtype=np.float64) for t in trajectories]
    if not rows:
        raise ValueError("landscape: directions='pca' needs trajectories=[...] (the paths "
                         "whose principal directions make the plane)")
    points = np.concatenate(rows)
    if points.ndim != 2 or points.shape[1] != origin.size:
        raise ValueError(f"landscape: the trajectories' points have shape {points.shape}, "
                         f"expected (m, {origin.size}) (one row per step over params)")
    diffs = points[np.isfinite(points).all(axis=1)] - origin
    _, sv, vt = np.linalg.svd(diffs, full_matrices=False)
    if len(sv) < 1 or sv[0] <= 1e-12 * max(1.0, float(np.abs(origin).max())):
        raise ValueError("landscape: directions='pca': the trajectories do not move away from "
                         "the parameters (record a path with trajectory(...) first)")
    dirs = np.zeros((2, origin.size))
    dirs[:len(vt[:2])] = vt[:2]
    if len(vt) < 2 or sv[1] <= 1e-12 * sv[0]:
        # a straight path: any unit direction orthogonal to it completes the plane
        other = np.random.default_rng(0).standard_normal(origin.size)
        other -= (other @ dirs[0]) * dirs[0]
        dirs[1] = other / np.linalg.norm(other)
    energy = sv ** 2
    share = np.zeros(2)
    share[:len(energy[:2])] = energy[:2] / energy.sum()
    return dirs, share


def _in_plane(dirs: np.ndarray, origin: np.ndarray, trajectories) -> float | None:
    """The share of Σ‖θᵢ − origin‖² over the paths' points that lies in the plane."""
    if not trajectories:
        return None
    diffs = np.concatenate([np.asarray(t.points, dtype=np.float64) for t in trajectories])
    diffs = diffs[np.isfinite(diffs).all(axis=1)] - origin
    total = float((diffs ** 2).sum())
    if total == 0.0:
        return 1.0
    basis, _ = np.linalg.qr(dirs.T)           # an orthonormal basis of the plane
    return float(((diffs @ basis) ** 2).sum() / total)


def _window(coords: np.ndarray, center: tuple[float, float]) -> tuple[tuple, tuple]:
    """Limits that hold every point of ``coords`` (m, 2) and the centre, with a margin
    of 12% of the larger side; the smaller side is widened to half the larger one at
    least (a straight path would otherwise get a window one path wide)."""
    pts = np.vstack([coords[np.isfinite(coords).all(axis=1)], [center]])
    low, high = pts.min(axis=0), pts.max(axis=0)
    side = max(float((high - low).max()), 1e-6)
    half = np.maximum((high - low) / 2 + 0.12 * side, 0.25 * side + 0.12 * side)
    mid = (low + high) / 2
    return (mid[0] - half[0], mid[0] + half[0]), (mid[1] - half[1], mid[1] + half[1])


def landscape(loss_fn: Callable[[], Tensor], params, *, axes: Sequence | None = None,
              directions: str | np.ndarray | None = None, span: float | None = None,
              xlim: tuple[float, float] | None = None,
              ylim: tuple[float, float] | None = None, resolution: int = 41,
              seed: int = 0, trajectories: Sequence[Trajectory] = (),
              minima: Sequence | None = None) -> Landscape:
    """Evaluate ``loss_fn()`` on a grid over a plane through the current parameters.

    Args:
        loss_fn: a closure ``() -> scalar Tensor`` computing the loss from ``params``.
        params: the tensors (or a Module); they are restored afterwards.
        axes: two chosen scalar parameters — each a one-element tensor or a pair
            (tensor, index) — to draw the loss over their own values (the notes' (w, b)
            plane).
        directions: ``"random"`` (two random filter-normalised directions, from
            ``seed``), ``"pca"`` (the principal directions of ``trajectories``, Li et al.
            2018) or an explicit (2, n) array. Default: ``"pca"`` when trajectories are
            given, ``"random"`` otherwise.
        span: the grid covers ±span around the current point (in the parameters' units
            with ``axes`` or ``"pca"``, in multiples of the directions otherwise), unless
            ``xlim`` / ``ylim`` give the ranges. Default: with trajectories, a window that
            holds all of them; without, 1.
        resolution: grid points per axis (resolution² loss evaluations).
        seed: the random directions' seed.
        trajectories: ``Trajectory`` objects to draw on the plane (and, with "pca", to
            take its directions from).
        minima: known minima to mark, as parameter vectors (n,) or, with ``axes``, as
            (x, y) pairs of the two parameters; None (unknown): the plot marks the lowest
            point sampled instead; ``()``: none to mark (a valley of minima).

    Every grid point runs ``loss_fn()`` once, without a graph; only ``params`` are moved
    and put back, so put a model with dropout or BatchNorm in eval mode first (its
    buffers would otherwise change and its loss be random).

    Example:
        >>> path = trajectory(loss_fn, model, optim.SGD(model.parameters(), 0.1), steps=50)
        >>> plane = landscape(loss_fn, model, directions="pca", trajectories=[path])
        >>> plane.plot("path.png")
    """
    params = _param_list(params, "landscape")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"landscape: resolution must be an integer >= 2, got {resolution!r}")
    if span is not None and not span > 0:
        raise ValueError(f"landscape: span must be > 0, got {span!r}")
    trajectories = list(trajectories)
    with _Flat(loss_fn, params, "landscape") as flat:
        theta = flat.theta.copy()
        share = None
        if axes is not None:
            if directions is not None or len(axes) != 2:
                raise ValueError("landscape: give either axes (two parameters) or directions, "
                                 f"and exactly two axes (got {len(axes)})")
            (i, xlabel), (j, ylabel) = (_coordinate(params, a, "landscape") for a in axes)
            if i == j:
                raise ValueError("landscape: the two axes name the same parameter")
            dirs = np.zeros((2, theta.size))
            dirs[0, i] = dirs[1, j] = 1.0
            center = (theta[i], theta[j])
            origin = theta.copy()
            origin[[i, j]] = 0.0  # plane coordinates = the two parameters' values
            labels, what = (xlabel, ylabel), f"the parameters {xlabel} and {ylabel}"
        else:
            kind = directions if isinstance(directions, str) else \
                ("array" if directions is not None else
                 "pca" if trajectories else "random")
            if kind == "random":
                dirs = random_directions(params, seed)
                labels = ("random direction 1 (filter-normalised)",
                          "random direction 2 (filter-normalised)")
                what = "random filter-normalised directions"
            elif kind == "pca":
                dirs, share = pca_directions(trajectories, theta)
                labels = (f"the path's 1st principal direction ({share[0]:.1%})",
                          f"the path's 2nd principal direction ({share[1]:.1%})")
                what = "the paths' principal directions"
            elif kind == "array":
                dirs = np.asarray(directions, dtype=np.float64)
                labels, what = ("direction 1", "direction 2"), "given directions"
            else:
                raise ValueError(f"landscape: directions must be 'random', 'pca' or a (2, n) "
                                 f"array, got {directions!r}")
            if dirs.shape != (2, theta.size):
                raise ValueError(f"landscape: directions must have shape (2, {theta.size}), "
                                 f"got {dirs.shape}")
            center, origin = (0.0, 0.0), theta
        plane = Landscape(np.zeros(2), np.zeros(2), np.zeros((2, 2)), origin, dirs, labels,
                          trajectories)
        if span is None and xlim is None and ylim is None and trajectories:
            coords = np.concatenate([plane.project(t.points) for t in trajectories])
            xlim, ylim = _window(coords, center)
        span = 1.0 if span is None else span
        xs = np.linspace(*(xlim or (center[0] - span, center[0] + span)), resolution)
        ys = np.linspace(*(ylim or (center[1] - span, center[1] + span)), resolution)
        loss = np.array([[flat.value(origin + x * dirs[0] + y * dirs[1]) for x in xs]
                         for y in ys])
    marks = None if minima is None else []
    for m in minima or ():
        m = np.asarray(m, dtype=np.float64).ravel()
        if axes is not None and m.size == 2:
            marks.append((float(m[0]), float(m[1])))
        elif m.size == theta.size:
            marks.append(tuple(float(v) for v in plane.project(m[None])[0]))
        else:
            raise ValueError(f"landscape: a minimum must be a parameter vector of {theta.size} "
                             f"numbers{' or an (x, y) pair' if axes is not None else ''}, "
                             f"got {m.size}")
    return Landscape(xs, ys, loss, origin, dirs, labels, trajectories,
                     None if marks is None else tuple(marks),
                     _in_plane(dirs, origin, trajectories), what)


def trajectory(loss_fn: Callable[[], Tensor], params, optimizer, steps: int,
               name: str | None = None) -> Trajectory:
    """Run ``steps`` updates of ``optimizer`` (a real ``xarxa.optim`` optimizer over
    ``params``) on ``loss_fn()`` and record the path: θ and the loss before every step and
    after the last one. The parameters are left where the optimizer took them.

    A loss that becomes inf/nan (a rate far too large) ends the path there.

    Example:
        >>> opt = xa.optim.SGD([w, b], lr=0.3)
        >>> path = trajectory(lambda: F.l1_loss(w * 2.0 + b, y), [w, b], opt, steps=6)
        >>> path.points[:, 0]          # w after each step
    """
    params = _param_list(params, "trajectory")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"trajectory: steps must be an integer >= 0, got {steps!r}")
    points, losses = [], []
    for k in range(steps + 1):
        optimizer.zero_grad()
        loss = loss_fn()
        points.append(np.concatenate([p.numpy().astype(np.float64).ravel() for p in params]))
        losses.append(float(loss.item()))
        if k == steps or not np.isfinite(losses[-1]):
            break
        loss.backward()
        optimizer.step()
    optimizer.zero_grad()
    return Trajectory(name or type(optimizer).__name__, np.array(points), np.array(losses))
