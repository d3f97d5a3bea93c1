"""`xarxa landscape` (xarxa/apps/landscape.py) and its surfaces: the command writes a PNG,
every optimizer reaches the convex quadratic's minimum, the exam's L1 oscillation is
reproduced number for number, a large rate oscillates and diverges, the saddle is escaped;
bad options are one line. The library underneath (inspect.landscape / trajectory) is
tested in tests/inspect/test_landscape.py."""
import numpy as np
import pytest

import notes
import xarxa as xa
from xarxa.apps.cli import main
from xarxa.apps.landscape import OPTIMIZERS, distance_to_minimum, paths
from xarxa.apps.surfaces import SURFACES
from xarxa.inspect import hessian
from pictures import assert_picture

# How close each optimizer ends to the quadratic's minimum (0, 0) after its default 100
# steps: GD, AdaGrad and RMSprop contract geometrically; heavy-ball momentum (λ = 0.9)
# spirals in at rate √0.9 per step; Adam's normalised step keeps circling at ~lr scale.
QUADRATIC_TOLERANCE = {"gd": 1e-6, "momentum": 0.05, "nesterov": 1e-3, "adagrad": 1e-6,
                       "rmsprop": 1e-6, "adam": 0.05}


def test_command_writes_a_png(tmp_path, capsys):
    out = tmp_path / "saddle.png"
    assert main(["landscape", "--function", "saddle", "--optimizers", "gd,adam",
                 "--steps", "20", "--resolution", "15", "--out", str(out)]) == 0
    assert_picture(out)
    text = capsys.readouterr().out
    assert "gd (α=0.1)" in text and "adam (α=0.05)" in text and f"wrote {out}" in text
    assert "to minimum" in text


@pytest.mark.parametrize("function", sorted(SURFACES))
def test_every_function_draws(function, tmp_path):
    out = tmp_path / "f.png"
    assert main(["landscape", "--function", function, "--optimizers", ",".join(OPTIMIZERS),
                 "--steps", "5", "--resolution", "9", "--out", str(out)]) == 0
    assert_picture(out)


def _valley(path):
    """The ill-conditioned valley's coordinates of a path: u along the floor (curvature 1),
    v across it (curvature 50)."""
    x, y = path.points[:, 0], path.points[:, 1]
    return (x + y) / np.sqrt(2), (x - y) / np.sqrt(2)


def test_ill_conditioned_caption_gd_zig_zags_and_crawls_momentum_runs_down():
    surface = SURFACES["ill-conditioned"]
    assert "GD zig-zags across it and crawls along it" in surface.about
    assert "momentum, with the same α and λ = 0.5, damps the zig-zag" in surface.about
    gd, momentum = paths(surface)                       # the caption's default picture
    assert gd.name == "gd (α=0.038)" and momentum.name == "momentum (α=0.038, λ=0.5)"
    (u_gd, v_gd), (u_m, v_m) = _valley(gd), _valley(momentum)
    # GD zig-zags: it crosses the floor at every step, and after 20 steps still swings
    # more than a tenth of its first offset
    assert (np.sign(v_gd[1:]) != np.sign(v_gd[:-1])).all()
    assert abs(v_gd[20]) > 0.1 * abs(v_gd[0])
    # momentum damps the zig-zag within ten steps
    assert np.abs(v_m[10:]).max() < 0.05 * abs(v_m[0])
    # both go down the floor without overshooting the minimum along it
    assert (np.diff(np.abs(u_gd)) <= 0).all() and (np.diff(np.abs(u_m)) <= 0).all()
    # the final distance to the minimum (0, 0), per optimizer: GD is still crawling
    distance = {p.name.split()[0]: np.linalg.norm(p.points[-1]) for p in (gd, momentum)}
    assert distance["gd"] > 0.4 and abs(u_gd[-1]) > 0.4      # along the floor
    assert distance["momentum"] < distance["gd"] / 10


def test_saddle_caption_gd_and_momentum_linger_adaptive_methods_do_not():
    surface = SURFACES["saddle"]
    near = {p.name.split()[0]: int((np.hypot(*p.points.T) < 0.2).sum())
            for p in paths(surface)}
    assert set(near) == {"gd", "momentum", "adagrad", "adam"}
    assert near["gd"] >= 20 and near["momentum"] >= 20           # dozens of steps there
    assert near["adagrad"] == 0 and near["adam"] == 0


def test_one_neuron_caption_momentum_overshoots_onto_a_plateau():
    surface = SURFACES["one-neuron"]
    end = {p.name.split()[0]: p for p in paths(surface)}
    for name in ("gd", "adam"):
        assert distance_to_minimum(surface, end[name].points[-1]) < 0.5
        assert np.linalg.norm(end[name].points[-1] + [1.0, 2.0]) < 0.5     # −(1, 2)
    momentum = end["momentum"]
    assert distance_to_minimum(surface, momentum.points[-1]) > 1.0
    assert momentum.losses[-1] > 10 * end["gd"].losses[-1]
    assert momentum.losses.min() < momentum.losses[-1] / 10   # it was lower, then left


def test_per_optimizer_settings_reach_the_optimizers(capsys, tmp_path):
    surface = SURFACES["ill-conditioned"]
    gd, mom, adam = paths(surface, ["gd", "momentum", "adam"], [0.038, 0.01, 0.3],
                          momentum=0.9, betas=(0.8, 0.99))
    assert gd.name == "gd (α=0.038)"
    assert mom.name == "momentum (α=0.01, λ=0.9)"
    assert adam.name == "adam (α=0.3, β=(0.8, 0.99))"
    (rms,) = paths(surface, ["rmsprop"], [0.01], alpha=0.9)
    assert rms.name == "rmsprop (α=0.01, ρ=0.9)"
    with pytest.raises(ValueError, match="--betas applies to adam; none of gd, momentum"):
        paths(surface, ["gd", "momentum"], betas=(0.8, 0.99))
    out = tmp_path / "m.png"
    assert main(["landscape", "--function", "ill-conditioned", "--momentum", "0.9",
                 "--lr", "0.038,0.01", "--steps", "5", "--resolution", "9",
                 "--out", str(out)]) == 0
    assert "momentum (α=0.01, λ=0.9)" in capsys.readouterr().out
    assert main(["landscape", "--optimizers", "gd", "--betas", "0.8,0.9",
                 "--steps", "2", "--resolution", "5", "--out", str(out)]) == 2
    assert "--betas applies to adam" in capsys.readouterr().err


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


def test_bad_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["landscape", "--optimizers", "gd,sgdd"])
    assert stop.value.code == 2
    assert "--optimizers expects a comma-separated list of gd" in capsys.readouterr().err
    assert main(["landscape", "--optimizers", "gd,adam", "--lr", "0.1,0.2,0.3"]) == 2
    assert "--lr: give one rate, or one per optimizer (2), got 3" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["landscape", "--start", "1"])
    assert "--start expects 2 comma-separated numbers" in capsys.readouterr().err
