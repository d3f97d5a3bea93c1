"""What the page draws, computed on the server from the run's model: the plane (decision
boundary or regression fit), every unit's output over the plane, the weights, the loss
landscape with the optimizer's path (`inspect.landscape`), the largest and smallest Hessian
eigenvalues (`inspect.top_eigenvalues`) and forward/backward tables (`inspect.trace`).

Pictures travel compactly: values scaled to [−1, 1] are quantised to bytes (0 … 255) and
sent as base64, so a 50 × 50 boundary is 3.4 kB of JSON.
"""
from __future__ import annotations

import base64

import numpy as np

from ... import nn
from ...autograd import no_grad
from ...inspect import Landscape, landscape, random_directions, top_eigenvalues
from ...inspect import trace as trace_table
from ...tensor import Tensor

GRID = 50          # the plane's resolution (GRID × GRID points; GRID × 2 for regression)
UNIT_STRIDE = 2    # unit pictures take every second grid point (25 × 25)
LANDSCAPE_RES = 21
BOUNDED = ("tanh", "sigmoid", "step")  # activations whose output range is fixed


def quantise(values: np.ndarray) -> str:
    """Values in [−1, 1] (clipped) as base64 bytes: round((v + 1)·127.5)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), -1.0, 1.0)
    return base64.b64encode(np.round((v + 1.0) * 127.5).astype(np.uint8).tobytes()).decode()


def grid_points(regression: bool, domain: float) -> np.ndarray:
    """The plane's sample points in standardised coordinates: row i, column j is
    (x1 = xs[j], x2 = ys[i]) with ys from top (+domain) to bottom, as the page draws it;
    for regression the line x1 = −domain … domain."""
    if regression:
        return np.linspace(-domain, domain, 2 * GRID, dtype=np.float32)[:, None]
    xs = np.linspace(-domain, domain, GRID, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs[::-1])
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _units(values: np.ndarray, bounded: bool, regression: bool) -> list[dict]:
    """One picture per column of values (points × units): the scale and the bytes."""
    if not regression:
        values = values.reshape(GRID, GRID, -1)[::UNIT_STRIDE, ::UNIT_STRIDE].reshape(
            -1, values.shape[1])
    out = []
    for col in values.T:
        scale = 1.0 if bounded else float(max(np.abs(col).max(), 1e-6))
        out.append({"scale": round(scale, 4), "map": quantise(col / scale)})
    return out


def plane(run) -> dict:
    """The plane's colours (or the fitted curve) and every unit's picture."""
    c, model = run.config, run.model
    units = [_units(run.grid_features, False, c.regression)]  # the input features
    bounded = c.activation in BOUNDED
    with no_grad():
        h = Tensor(run.grid_features)
        for layer in model:
            h = layer(h)
            if not isinstance(layer, nn.Linear):  # after each activation: a hidden layer
                units.append(_units(h.numpy(), bounded, c.regression))
    s = h.numpy()[:, 0].astype(np.float64)
    if c.regression:
        view = {"curve": _finite(s)}
    else:
        from .build import scores_to_display
        view = {"values": quantise(scores_to_display(c, s))}
    view["units"] = units
    return view


def weights(model) -> list[dict]:
    """Each Linear layer's weight (out × in) and bias, rounded for the drawing."""
    return [{"W": _finite(m.weight.numpy()), "b": _finite(m.bias.numpy())}
            for m in model if isinstance(m, nn.Linear)]


def _finite(a: np.ndarray) -> list:
    """Rounded, with inf/nan (a diverged run) as ±1e30/0: JSON has no such numbers."""
    return np.round(np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=1e30,
                                  neginf=-1e30), 4).tolist()


def loss_landscape(run) -> dict:
    """The training loss (on its first `run.view_points` points) on the plane through
    the current weights spanned by two filter-normalised random directions (the same seed
    each time), and the recorded path of the weights projected onto it; the grid is
    widened to hold the path."""
    params = list(run.model.parameters())
    theta = np.concatenate([p.numpy().astype(np.float64).ravel() for p in params])
    note = "two random filter-normalised directions (Li et al. 2018)"
    try:
        dirs = random_directions(params, seed=run.config.seed)
    except ValueError:  # all weights zero: filter normalisation leaves no direction
        dirs = np.random.default_rng(run.config.seed).standard_normal((2, theta.size))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        note = "two random unit directions (the weights are zero: nothing to normalise by)"
    path = np.array(run.path + [theta])
    coords = Landscape(None, None, None, theta, dirs).project(path)
    span = float(min(max(1.0, 1.15 * np.abs(coords).max()), 50.0))
    surface = landscape(run.view_loss_fn, params, directions=dirs, span=span,
                        resolution=LANDSCAPE_RES)
    loss = np.nan_to_num(surface.loss, nan=np.inf)
    finite = loss[np.isfinite(loss)]
    return {"step": run.step_count, "n": LANDSCAPE_RES, "span": round(span, 4), "note": note,
            "points": run.view_points,
            "loss": [round(float(v), 6) if np.isfinite(v) else None for v in loss.ravel()],
            "lo": float(finite.min()) if finite.size else 0.0,
            "hi": float(finite.max()) if finite.size else 1.0,
            "path": np.round(coords, 4).tolist()}


def top_eigenvalue(run) -> float | None:
    """λ_max of the training loss's Hessian (on its first `run.view_points` points) at
    the current weights (Lanczos on exact Hessian-vector products); None when it cannot
    be computed."""
    values = extreme_eigenvalues(run)
    return None if values is None else values[0]


def extreme_eigenvalues(run) -> list[float] | None:
    """[λ_max, λ_min] of the training loss's Hessian (on its first `run.view_points`
    points) at the current weights, each by Lanczos on exact Hessian-vector products
    (double backward, in the model's own dtype): λ_max says how sharp the loss is
    (α·λ_max > 2 makes plain GD diverge on a quadratic), a negative λ_min a direction in
    which the loss bends down — at a point where the gradient vanishes (zero
    initialisation), a saddle. None when they cannot be computed."""
    params = list(run.model.parameters())
    try:
        values = [float(top_eigenvalues(run.view_loss_fn, params, k=1, which=which,
                                        max_iter=20, tol=1e-4, seed=run.config.seed)[0])
                  for which in ("largest", "smallest")]
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    return values if all(np.isfinite(values)) else None


def table(tape, title: str) -> dict:
    """The forward/backward table of a recorded pass (`inspect.trace`), as cells for an
    HTML table and as Markdown to copy."""
    t = trace_table(tape)
    return {"title": title, "header": list(t.header()),
            "rows": [t.cells(r) for r in t.rows], "markdown": t.to_markdown()}
