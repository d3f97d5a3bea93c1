"""inspect.landscape / trajectory and `xarxa landscape`: the command writes a PNG, every
optimizer reaches the convex quadratic's minimum, the exam's L1 oscillation is reproduced
number for number, and the plane's losses and projections are the function's own."""
import numpy as np
import pytest
from matplotlib.image import imread

import notes
import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.apps.cli import main
from xarxa.inspect import hessian, landscape, random_directions, trajectory
from xarxa.apps.landscape import paths
from xarxa.apps.surfaces import OPTIMIZERS, SURFACES

# How close each optimizer ends to the quadratic's minimum (0, 0) after its default 100
# steps: GD, AdaGrad and RMSprop contract geometrically; heavy-ball momentum (λ = 0.9)
# spirals in at rate √0.9 per step; Adam's normalised step keeps circling at ~lr scale.
QUADRATIC_TOLERANCE = {"gd": 1e-6, "momentum": 0.05, "nesterov": 1e-3, "adagrad": 1e-6,
                       "rmsprop": 1e-6, "adam": 0.05}


def _is_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0


def test_command_writes_a_png(tmp_path, capsys):
    out = tmp_path / "saddle.png"
    assert main(["landscape", "--function", "saddle", "--optimizers", "gd,adam",
                 "--steps", "20", "--resolution", "15", "--out", str(out)]) == 0
    _is_png(out)
    text = capsys.readouterr().out
    assert "gd (α=0.1)" in text and "adam (α=0.05)" in text and f"wrote {out}" in text


@pytest.mark.parametrize("function", sorted(SURFACES))
def test_every_function_draws(function, tmp_path):
    out = tmp_path / "f.png"
    assert main(["landscape", "--function", function, "--optimizers", ",".join(OPTIMIZERS),
                 "--steps", "5", "--resolution", "9", "--out", str(out)]) == 0
    _is_png(out)


def test_every_optimizer_reaches_the_quadratic_minimum():
    for path in paths(SURFACES["quadratic"], list(OPTIMIZERS)):
        name = path.name.split()[0]
        assert np.linalg.norm(path.points[-1]) < QUADRATIC_TOLERANCE[name], path.name
        assert path.losses[-1] < path.losses[0] / 100


def test_exam_l1_oscillation_number_for_number():
    (path,) = paths(SURFACES["exam-l1"], ["gd"], [notes.EXAM_2022_LR], steps=5)
    np.testing.assert_allclose(path.points[:, 0], notes.EXAM_2022_W, atol=1e-12)
    np.testing.assert_allclose(path.points[:, 1], notes.EXAM_2022_B, atol=1e-12)
    np.testing.assert_allclose(path.losses, notes.EXAM_2022_LOSS, atol=1e-12)


def test_large_rate_oscillates_and_diverges():
    # ½x² + y²: GD multiplies y by 1 − 2α each step; α = 0.95 flips its sign (oscillation)
    (path,) = paths(SURFACES["quadratic"], ["gd"], [0.95], steps=6)
    y = path.points[:, 1]
    np.testing.assert_allclose(y, 3.0 * (-0.9) ** np.arange(7))
    (path,) = paths(SURFACES["quadratic"], ["gd"], [1.2], steps=6)   # |1 − 2α| > 1: diverges
    np.testing.assert_allclose(path.points[:, 1], 3.0 * (-1.4) ** np.arange(7))


def test_adagrad_step_shrinks():
    (path,) = paths(SURFACES["ill-conditioned"], ["adagrad"], steps=30)
    steps = np.linalg.norm(np.diff(path.points, axis=0), axis=1)
    assert steps[-1] < steps[0] / 5


def test_saddle_is_escaped_and_one_neuron_has_a_saddle_at_the_origin():
    for path in paths(SURFACES["saddle"], ["gd", "adam"]):
        assert abs(abs(path.points[-1, 1]) - 1.0) < 0.1      # reached a minimum (0, ±1)
    s = SURFACES["one-neuron"]
    w1, w2 = (xa.tensor(0.0, dtype=xa.float64, requires_grad=True) for _ in range(2))
    assert hessian(lambda: s.loss(w1, w2), [w1, w2]).kind == "saddle"
    with xa.no_grad():
        w1.fill_(1.0)
        w2.fill_(2.0)
    h = hessian(lambda: s.loss(w1, w2), [w1, w2])
    assert h.kind == "minimum" and h.gradient_norm < 1e-12


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
    _is_png(tmp_path / "plane.png")
    surface.trajectories.append(path)
    assert len(surface.plot(tmp_path / "path.png").axes) == 3      # + loss per step
    _is_png(tmp_path / "path.png")


def test_bad_input(capsys):
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
    with pytest.raises(SystemExit) as stop:
        main(["landscape", "--optimizers", "gd,sgdd"])
    assert stop.value.code == 2
    assert "--optimizers expects a comma-separated list of gd" in capsys.readouterr().err
    assert main(["landscape", "--optimizers", "gd,adam", "--lr", "0.1,0.2,0.3"]) == 2
    assert "--lr: give one rate, or one per optimizer (2), got 3" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["landscape", "--start", "1"])
    assert "--start expects 2 comma-separated numbers" in capsys.readouterr().err
