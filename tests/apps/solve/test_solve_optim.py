"""`xarxa solve --optimizer`: every rule makes the updates `xarxa.optim` makes (Nesterov
through the mapping of DESIGN's errata: PyTorch stores the notes' look-ahead point)."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import optim
from xarxa.apps.cli import main
from xarxa.apps.solve import solve

EXPR, VALUES, TARGET = "sigmoid(w*x + b) * v", {"w": 0.8, "b": -0.3, "v": 1.5, "x": 2.0}, 0.4
PARAMS = ["w", "b", "v"]
STEPS = 4


def _optim_path(make, lr=0.2):
    """The parameters before each step and after the last, with xarxa.optim on the same
    expression and loss (L2), in float64."""
    p = {k: xa.tensor(VALUES[k], dtype=xa.float64, requires_grad=True) for k in PARAMS}
    opt = make([p[k] for k in PARAMS], lr)
    x, y = xa.tensor(VALUES["x"], dtype=xa.float64), xa.tensor(TARGET, dtype=xa.float64)
    path = []
    for _ in range(STEPS):
        path.append([p[k].item() for k in PARAMS])
        opt.zero_grad()
        F.mse_loss(xa.sigmoid(p["w"] * x + p["b"]) * p["v"], y).backward()
        opt.step()
    path.append([p[k].item() for k in PARAMS])
    return np.array(path)


def _solve(optimizer, **hyper):
    return solve(EXPR, VALUES, target=TARGET, loss="l2", lr=0.2, steps=STEPS,
                 optimizer=optimizer, **hyper)


def _params(s):
    return np.array([[st.params[k] for k in PARAMS] for st in s.steps])


@pytest.mark.parametrize("optimizer, hyper, make", [
    ("sgd", {}, lambda ps, lr: optim.SGD(ps, lr=lr)),
    ("momentum", {"momentum": 0.7}, lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.7)),
    ("adagrad", {"eps": 1e-10}, lambda ps, lr: optim.Adagrad(ps, lr=lr, eps=1e-10)),
    ("rmsprop", {"rho": 0.9, "eps": 1e-8},
     lambda ps, lr: optim.RMSprop(ps, lr=lr, alpha=0.9, eps=1e-8)),
    ("adam", {"beta1": 0.8, "beta2": 0.95, "eps": 1e-8},
     lambda ps, lr: optim.Adam(ps, lr=lr, betas=(0.8, 0.95), eps=1e-8)),
])
def test_updates_match_xarxa_optim(optimizer, hyper, make):
    expected = _optim_path(make)
    s = _solve(optimizer, **hyper)
    np.testing.assert_allclose(_params(s), expected, rtol=1e-12, atol=1e-15)
    assert not np.allclose(expected[0], expected[-1])      # the parameters did move


def test_nesterov_look_ahead_points_are_pytorch_s_parameters():
    expected = _optim_path(lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.6, nesterov=True))
    s = _solve("nesterov", momentum=0.6)
    points = np.array([[st.point[k] for k in PARAMS] for st in s.steps[:-1]])
    np.testing.assert_allclose(points, expected[:-1], rtol=1e-12)
    # after the last update PyTorch holds θ + λv: the notes' θ plus λ times the velocity
    last = s.steps[-1].params
    velocity = np.array([last[k] for k in PARAMS]) - _params(s)[-2]
    np.testing.assert_allclose(_params(s)[-1] + 0.6 * velocity, expected[-1], rtol=1e-12)
    assert "look-ahead w + λv" in str(s)


def test_adagrad_prints_the_full_g_matrix_and_adam_its_moments(capsys):
    argv = ["solve", "w*x + b", "--set", "w=1", "b=0", "x=3", "--target", "0", "--lr",
            "0.1", "--optimizer"]
    assert main(argv + ["adagrad"]) == 0
    out = capsys.readouterr().out
    # g = ∂(w·3 + b)²/∂(w, b) = 2·3·(3, 1) = (18, 6): G = g gᵀ
    assert "G ← G + g gᵀ = [[324, 108], [108, 36]]" in out
    assert main(argv + ["adam", "--beta1", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "m ← 0.5·m + 0.5·g = (9, 3)" in out and "m̂ = m/(1 − β₁^1) = (18, 6)" in out
    assert main(argv + ["rmsprop", "--rho", "0.5"]) == 0
    assert "G ← 0.5·G + 0.5·g gᵀ = [[162, 54], [54, 18]]" in capsys.readouterr().out
