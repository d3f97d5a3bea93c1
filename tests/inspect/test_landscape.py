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
    assert len(surface.plot(tmp_path / "plane.png").axes) == 2     # contours + colour bar
    assert_picture(tmp_path / "plane.png")
    surface.trajectories.append(path)
    assert len(surface.plot(tmp_path / "path.png").axes) == 3      # + loss per step
    assert_picture(tmp_path / "path.png")


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
    with pytest.raises(ValueError, match="trajectory: steps must be an integer >= 0"):
        trajectory(lambda: x * y, [x, y], optim.SGD([x, y], lr=0.1), steps=-1)
