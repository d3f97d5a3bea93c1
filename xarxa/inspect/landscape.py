"""Loss landscapes and optimizer paths (notes 1.4.4–1.4.8).

A network's loss lives in as many dimensions as it has parameters; ``landscape`` looks
at it on a plane through the current parameters θ₀,

    L(a, b) = loss(θ₀ + a·d₁ + b·d₂)

with the plane chosen one of two ways:

* **two chosen parameters** (``axes=[(w, 0), (b, 0)]``): d₁, d₂ are those two
  coordinates, so (a, b) are the parameters' own values — the notes' (w, b) plane, in
  which the exam draws its optimisation sequence;
* **two random directions** (the default): Gaussian directions over every parameter,
  *filter-normalised* as Li et al. (2018, "Visualizing the loss landscape of neural
  nets") do: each filter (row of a weight, along its first axis) of the direction gets
  the norm of the same filter of θ₀, so that the picture does not depend on the
  weights' scale (which ReLU networks are invariant to). One-dimensional parameters
  (biases, BatchNorm) get a zero direction, as in their ``ignore='biasbn'``.

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

__all__ = ["Landscape", "Trajectory", "landscape", "trajectory", "random_directions"]


@dataclass
class Trajectory:
    """An optimizer's path: ``points[k]`` is θ (flattened) before step k, ``losses[k]``
    the loss there (k = 0 … steps)."""

    name: str
    points: np.ndarray
    losses: np.ndarray


@dataclass
class Landscape:
    """A loss sampled on a plane: ``loss[i, j]`` is L at (xs[j], ys[i]) (the layout of
    matplotlib's ``contour``), the plane being θ = origin + x·directions[0] + y·directions[1].
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    origin: np.ndarray
    directions: np.ndarray
    labels: tuple[str, str] = ("direction 1", "direction 2")
    trajectories: list[Trajectory] = field(default_factory=list)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Plane coordinates (m, 2) of parameter vectors ``points`` (m, n): the least-squares
        solution of origin + [d₁ d₂]·c = θ (exact for points on the plane)."""
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        coords, *_ = np.linalg.lstsq(self.directions.T, (points - self.origin).T, rcond=None)
        return coords.T

    def plot(self, path=None, title: str | None = None):
        """Contours with the recorded trajectories, and loss per step (``xa.plot.landscape``)."""
        from ..plot import landscape as draw
        return draw(self, path=path, title=title)


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


def landscape(loss_fn: Callable[[], Tensor], params, *, axes: Sequence | None = None,
              directions: np.ndarray | None = None, span: float = 1.0,
              xlim: tuple[float, float] | None = None,
              ylim: tuple[float, float] | None = None, resolution: int = 41,
              seed: int = 0, trajectories: Sequence[Trajectory] = ()) -> Landscape:
    """Evaluate ``loss_fn()`` on a grid over a plane through the current parameters.

    Args:
        loss_fn: a closure ``() -> scalar Tensor`` computing the loss from ``params``.
        params: the tensors (or a Module); they are restored afterwards.
        axes: two chosen scalar parameters — each a one-element tensor or a pair
            (tensor, index) — to draw the loss over their own values (the notes' (w, b)
            plane); None: two random filter-normalised directions (or ``directions``).
        directions: an explicit (2, n) pair of directions (e.g. from
            ``random_directions`` with another seed, or the principal components of a
            trajectory).
        span: the grid covers ±span around the current point (in the parameters' units
            with ``axes``, in multiples of the directions otherwise), unless ``xlim`` /
            ``ylim`` give the ranges.
        resolution: grid points per axis (resolution² loss evaluations).
        seed: the random directions' seed.
        trajectories: ``Trajectory`` objects to keep with the landscape (for plotting).

    Every grid point runs ``loss_fn()`` once, without a graph; only ``params`` are moved
    and put back, so put a model with dropout or BatchNorm in eval mode first (its
    buffers would otherwise change and its loss be random).

    Example:
        >>> surface = landscape(lambda: F.l1_loss(w * 2.0 + b, y), [w, b], axes=[w, b],
        ...                     xlim=(0, 3), ylim=(-1, 1.5))
        >>> surface.plot("wb.png")
    """
    params = _param_list(params, "landscape")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"landscape: resolution must be an integer >= 2, got {resolution!r}")
    if not span > 0:
        raise ValueError(f"landscape: span must be > 0, got {span!r}")
    with _Flat(loss_fn, params, "landscape", dtype=None) as flat:
        theta = flat.theta.copy()
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
            labels = (xlabel, ylabel)
        else:
            dirs = random_directions(params, seed) if directions is None \
                else np.asarray(directions, dtype=np.float64)
            if dirs.shape != (2, theta.size):
                raise ValueError(f"landscape: directions must have shape (2, {theta.size}), "
                                 f"got {dirs.shape}")
            center, origin, labels = (0.0, 0.0), theta, ("direction 1", "direction 2")
        xs = np.linspace(*(xlim or (center[0] - span, center[0] + span)), resolution)
        ys = np.linspace(*(ylim or (center[1] - span, center[1] + span)), resolution)
        loss = np.array([[flat.value(origin + x * dirs[0] + y * dirs[1]) for x in xs]
                         for y in ys])
    return Landscape(xs, ys, loss, origin, dirs, labels, list(trajectories))


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
