"""inspect.landscape / trajectory: the plane's losses and projections are the function's
own, for two parameters, chosen entries of a weight matrix and filter-normalised random
directions of a network. The `xarxa landscape` command and its surfaces are tested in
tests/apps/test_landscape.py."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.inspect import landscape, random_directions, trajectory
from pictures import assert_picture


def test_plane_of_two_parameters_is_the_function():
    x = xa.tensor(0.3, dtype=xa.float64, requires_grad=True, name="x")
    y = xa.tensor(-0.2, dtype=xa.float64, requires_grad=True, name="y")
    surface = landscape(lambda: 0.5 * x ** 2 + y ** 2 + x * y, [x, y], axes=[x, y],
                        xlim=(-1, 2), ylim=(-3, 1), resolution=7)
    gx, gy = np.meshgrid(surface.xs, surface.ys)
    np.testing.assert_allclose(surface.loss, 0.5 * gx ** 2 + gy ** 2 + gx * gy)
    assert surface.labels == ("x", "y")
    assert x.item() == pytest.approx(0.3) and y.item() == pytest.approx(-0.2)
    surface = landscape(lambda: 0.5 * x ** 2 + y ** 2, [x, y], axes=[x, y], span=0.5,
                        resolution=3)
    np.testing.assert_allclose(surface.xs, [-0.2, 0.3, 0.8])
    np.testing.assert_allclose(surface.project([[0.1, 0.7], [2.0, -1.0]]),
                               [[0.1, 0.7], [2.0, -1.0]])


def test_chosen_entries_of_a_weight_matrix():
    w = xa.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=xa.float64, requires_grad=True, name="w")
    b = xa.tensor([0.5], dtype=xa.float64, requires_grad=True, name="b")
    surface = landscape(lambda: (w * w).sum() + b.sum(), [w, b], axes=[(w, (1, 0)), (b, 0)],
                        xlim=(0, 1), ylim=(0, 1), resolution=2)
    # w[1,0] and b vary, the other entries stay: 1 + 4 + 16 = 21
    np.testing.assert_allclose(surface.loss, [[21.0, 22.0], [22.0, 23.0]])
    assert surface.labels == ("w[(1, 0)]", "b")


def test_random_filter_normalised_directions_of_a_network(tmp_path):
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = xa.randn(16, 2), xa.tensor(np.arange(16) % 3)
    loss_fn = lambda: F.cross_entropy(model(x), y)  # noqa: E731
    dirs = random_directions(model, seed=1)
    w1 = model[0].weight.numpy()
    d1 = dirs[0, :w1.size].reshape(w1.shape)
    np.testing.assert_allclose(np.linalg.norm(d1, axis=1), np.linalg.norm(w1, axis=1),
                               rtol=1e-6)                       # filter by filter
    assert not dirs[:, w1.size:w1.size + 8].any()                # the bias: no direction
    before = [p.numpy().copy() for p in model.parameters()]
    surface = landscape(loss_fn, model, resolution=5, span=1.0, seed=1)
    assert surface.loss[2, 2] == pytest.approx(loss_fn().item(), rel=1e-6)   # the centre
    assert all(np.array_equal(p.numpy(), b) for p, b in zip(model.parameters(), before))
    opt = optim.SGD(model.parameters(), lr=0.5)
    path = trajectory(loss_fn, model, opt, steps=3, name="sgd")
    assert path.points.shape == (4, 2 * 8 + 8 + 8 * 3 + 3) and path.losses[-1] < path.losses[0]
    np.testing.assert_allclose(surface.project(path.points[:1]), [[0.0, 0.0]], atol=1e-12)
    fig = surface.plot(tmp_path / "plane.png")
    assert len(fig.axes) == 1 and len(fig.axes[0].child_axes) == 1   # + its colour bar
    assert_picture(tmp_path / "plane.png")
    surface.trajectories.append(path)
    assert len(surface.plot(tmp_path / "path.png").axes) == 2      # + loss per step
    assert_picture(tmp_path / "path.png")


def _trained_mlp_path(steps=30):
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = xa.randn(64, 2), xa.tensor(np.arange(64) % 3)
    loss_fn = lambda: F.cross_entropy(model(x), y)  # noqa: E731
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    return model, loss_fn, trajectory(loss_fn, model, opt, steps=steps, name="momentum")


def test_pca_directions_contain_the_whole_path(tmp_path):
    model, loss_fn, path = _trained_mlp_path()
    plane = landscape(loss_fn, model, directions="pca", trajectories=[path], resolution=9)
    # the plane passes through the path's end (the current weights), its directions are
    # orthonormal, and they are the path's two principal directions (Li et al. 2018)
    end = path.points[-1]
    np.testing.assert_allclose(plane.origin, end)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    _, sv, vt = np.linalg.svd(path.points - end, full_matrices=False)
    np.testing.assert_allclose(np.abs(plane.directions @ vt[:2].T), np.eye(2), atol=1e-8)
    assert plane.in_plane == pytest.approx((sv[:2] ** 2).sum() / (sv ** 2).sum())
    assert plane.in_plane > 0.9                                     # most of the motion
    assert "principal direction" in plane.labels[0] and "%" in plane.labels[0]
    # no span given: every point of the path is inside the window, with a margin
    xy = plane.project(path.points)
    assert plane.xs[0] < xy[:, 0].min() and xy[:, 0].max() < plane.xs[-1]
    assert plane.ys[0] < xy[:, 1].min() and xy[:, 1].max() < plane.ys[-1]
    assert plane.loss.shape == (9, 9) and np.isfinite(plane.loss).all()
    # a path that moves in a plane through its end lies in the PCA plane exactly
    w = xa.tensor(np.zeros(5), dtype=xa.float64, requires_grad=True)
    target = xa.tensor([3.0, -1.0, 0.0, 0.0, 0.0], dtype=xa.float64)
    scale = xa.tensor([1.0, 20.0, 1.0, 1.0, 1.0], dtype=xa.float64)
    flat = trajectory(lambda: (scale * (w - target) ** 2).sum(), [w],
                      optim.SGD([w], lr=0.04), steps=25, name="gd")
    plane = landscape(lambda: (scale * (w - target) ** 2).sum(), [w], trajectories=[flat],
                      resolution=5)                                  # pca: the default
    assert plane.in_plane == pytest.approx(1.0)
    np.testing.assert_allclose(plane.origin + plane.project(flat.points) @ plane.directions,
                               flat.points, atol=1e-10)
    assert len(plane.plot(tmp_path / "pca.png").axes) == 2


def test_random_directions_with_a_path_say_how_little_of_it_they_hold():
    model, loss_fn, path = _trained_mlp_path()
    plane = landscape(loss_fn, model, directions="random", trajectories=[path], resolution=5)
    assert plane.plane == "random filter-normalised directions"
    assert 0.0 < plane.in_plane < 0.5
    xy = plane.project(path.points)                  # the window still holds the path
    assert plane.xs[0] < xy[:, 0].min() and xy[:, 0].max() < plane.xs[-1]


def test_landscape_repr_is_short_and_says_what_it_is():
    model, loss_fn, path = _trained_mlp_path(steps=5)
    plane = landscape(loss_fn, model, trajectories=[path], resolution=41)
    text = repr(plane)
    assert len(text) < 400 and "\n" not in text
    assert text.startswith("Landscape(41×41 grid, x ∈ [")
    assert "on the paths' principal directions (of 99 parameters), 100% of the paths" in text
    assert "1 trajectory: momentum (5 steps)" in text
    assert repr(path) == (f"Trajectory('momentum', 5 steps over 99 parameters, loss "
                          f"{path.losses[0]:.4g} → {path.losses[-1]:.4g})")


def test_contour_levels_are_log_spaced_above_the_minimum_and_the_minimum_is_marked():
    from xarxa.plot import contour_levels
    levels = contour_levels(np.array([[0.5, 1.0], [100.5, 1000.5]]), count=5, decades=3)
    np.testing.assert_allclose(levels, 0.5 + np.array([0.0, 1.0, 10.0, 100.0, 1000.0]))
    x = xa.tensor(0.3, dtype=xa.float64, requires_grad=True, name="x")
    y = xa.tensor(-0.2, dtype=xa.float64, requires_grad=True, name="y")
    loss = lambda: (x - 1.0) ** 2 + 10 * (y + 0.5) ** 2  # noqa: E731
    plane = landscape(loss, [x, y], axes=[x, y], xlim=(-2, 2), ylim=(-2.5, 1.5), resolution=21)
    assert plane.minima is None and plane.lowest[:2] == pytest.approx((1.0, -0.5))
    assert "on the parameters x and y (of 2 parameters)" in repr(plane)
    fig = plane.plot()
    ax = fig.axes[0]
    assert ax.get_aspect() == 1.0                                     # equal scales
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert [tuple(s.get_xydata()[0]) for s in stars] == [pytest.approx((1.0, -0.5))]
    assert ax.get_title() == "loss surface (★ lowest loss sampled)"
    plane = landscape(loss, [x, y], axes=[x, y], span=2.0, resolution=5, minima=[(1, -0.5)])
    assert plane.minima == ((1.0, -0.5),)
    stars = [ln for ln in plane.plot().axes[0].lines if ln.get_marker() == "*"]
    assert [tuple(s.get_xydata()[0]) for s in stars] == [(1.0, -0.5)]
    plane = landscape(loss, [x, y], axes=[x, y], span=2.0, resolution=5, minima=())
    assert not [ln for ln in plane.plot().axes[0].lines if ln.get_marker() == "*"]


def test_bad_input():
    x = xa.tensor(1.0, dtype=xa.float64, requires_grad=True)
    y = xa.tensor(1.0, dtype=xa.float64, requires_grad=True)
    with pytest.raises(ValueError, match="landscape: resolution must be an integer >= 2"):
        landscape(lambda: x * y, [x, y], axes=[x, y], resolution=1)
    with pytest.raises(ValueError, match="the two axes name the same parameter"):
        landscape(lambda: x * y, [x, y], axes=[x, x])
    with pytest.raises(ValueError, match="an axis names a tensor that is not in params"):
        landscape(lambda: x * y, [x], axes=[x, y])
    with pytest.raises(ValueError, match="every parameter is one-dimensional"):
        landscape(lambda: x * y, [x, y])
    with pytest.raises(ValueError, match="directions='pca' needs trajectories"):
        landscape(lambda: x * y, [x, y], directions="pca")
    with pytest.raises(ValueError, match="directions must be 'random', 'pca' or a"):
        landscape(lambda: x * y, [x, y], directions="svd")
    with pytest.raises(ValueError, match="trajectory: steps must be an integer >= 0"):
        trajectory(lambda: x * y, [x, y], optim.SGD([x, y], lr=0.1), steps=-1)
