"""`xarxa solve`'s printed intermediate quantities against the real optimizers: the same
gradients fed to `xarxa.optim` step by step, its state mapped to the notes' v, θ, G, m, m̂,
v̂ by the functions of `rules.py`, compared with the numbers the solver prints."""
import re

import numpy as np
import pytest

import xarxa as xa
from xarxa import optim
from xarxa.apps.solve import solve
from xarxa.apps.solve.rules import (adam_hats, from_look_ahead, look_ahead, notes_G,
                                    velocity)

EXPR, VALUES, TARGET = "sigmoid(w*x + b) * v", {"w": 0.8, "b": -0.3, "v": 1.5, "x": 2.0}, 0.4
PARAMS = ["w", "b", "v"]
STEPS, LR = 6, 0.2
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|-?inf|nan")


def printed(line: str) -> np.ndarray:
    """The numbers after a printed line's last ' = ' (a scalar, a vector or a matrix)."""
    return np.array([float(x) for x in NUMBER.findall(line.rsplit(" = ", 1)[1])])


def lines(step, start: str) -> list[str]:
    return [line for line in step.update if line.startswith(start)]


def replay(s, make):
    """Feed the solver's own gradients to the real optimizer over one float64 tensor per
    parameter; yields (step, optimizer, its parameters) after each update."""
    ps = [xa.tensor(VALUES[k], dtype=xa.float64, requires_grad=True) for k in PARAMS]
    opt = make(ps)
    for step in s.steps[:-1]:
        for p, k in zip(ps, PARAMS):
            p.grad = xa.tensor(step.grads[k], dtype=xa.float64)
        opt.step()
        yield step, opt, ps


def close(shown, value):
    """A printed number (6 significant digits) against the value it shows."""
    np.testing.assert_allclose(shown, value, rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("lam", [0.7, 0.0])
def test_momentum_prints_minus_lr_times_the_buffer_and_sgd_s_parameters(lam):
    s = solve(EXPR, VALUES, target=TARGET, loss="l2", lr=LR, steps=STEPS,
              optimizer="momentum", momentum=lam)
    for step, opt, ps in replay(s, lambda ps: optim.SGD(ps, lr=LR, momentum=lam)):
        for k, p in zip(PARAMS, ps):
            b = opt.state.get(p, {}).get("momentum_buffer")
            v = velocity(b, p.grad.numpy(), LR)
            assert lam == 0 or np.array_equal(v, -LR * b)       # v = −α·b
            close(printed(lines(step, f"v_{k} ←")[0]), v)
            close(printed(lines(step, f"{k} ←")[0]), p.item())
            assert step.new_params[k] == p.item()                  # the very same number


def test_nesterov_prints_the_notes_variables_of_pytorch_s_look_ahead_parameters():
    lam = 0.6
    s = solve(EXPR, VALUES, target=TARGET, loss="l2", lr=LR, steps=STEPS,
              optimizer="nesterov", momentum=lam)
    previous = [VALUES[k] for k in PARAMS]
    for i, (step, opt, ps) in enumerate(replay(
            s, lambda ps: optim.SGD(ps, lr=LR, momentum=lam, nesterov=True))):
        # the point the notes evaluate ∇L at is where PyTorch's parameters were
        np.testing.assert_allclose([step.point[k] for k in PARAMS], previous, rtol=1e-12)
        if i:
            close(np.concatenate([printed(x) for x in step.before]), previous)
        previous = [p.item() for p in ps]
        for k, p in zip(PARAMS, ps):
            v = velocity(opt.state[p]["momentum_buffer"], None, LR)
            close(printed(lines(step, f"v_{k} ←")[0]), v)
            theta = from_look_ahead(p.numpy(), v, lam)                # θ = θ̃ − λv
            close(printed(lines(step, f"{k} ←")[0]), theta)
            assert step.new_params[k] == pytest.approx(theta.item(), rel=1e-13)


@pytest.mark.parametrize("optimizer, hyper, make, key, decay", [
    ("adagrad", {"eps": 1e-10}, lambda ps: optim.Adagrad(ps, lr=LR, eps=1e-10), "sum", None),
    ("rmsprop", {"rho": 0.9, "eps": 1e-8},
     lambda ps: optim.RMSprop(ps, lr=LR, alpha=0.9, eps=1e-8), "square_avg", 0.9),
    ("adam", {"beta1": 0.8, "beta2": 0.95, "eps": 1e-8},
     lambda ps: optim.Adam(ps, lr=LR, betas=(0.8, 0.95), eps=1e-8), "exp_avg_sq", 0.95),
])
def test_the_printed_G_is_the_optimizer_s_diagonal_plus_the_notes_off_diagonal(
        optimizer, hyper, make, key, decay):
    s = solve(EXPR, VALUES, target=TARGET, loss="l2", lr=LR, steps=STEPS,
              optimizer=optimizer, **hyper)
    full = np.zeros((3, 3))
    for step, opt, ps in replay(s, make):
        g = np.array([step.grads[k] for k in PARAMS])
        full = full + np.outer(g, g) if decay is None else (
            decay * full + (1 - decay) * np.outer(g, g))
        G = printed(lines(step, "G ←")[0]).reshape(3, 3)
        close(np.diag(G), [opt.state[p][key] for p in ps])
        close(G, full)
        close(np.array([step.new_params[k] for k in PARAMS]), [p.item() for p in ps])
        if optimizer == "adam":
            m = np.array([opt.state[p]["exp_avg"] for p in ps])
            k = opt.state[ps[0]]["step"]
            close(printed(lines(step, "m ←")[0]), m)
            close(printed(lines(step, "m̂ =")[0]), m / (1 - 0.8 ** k))
            close(printed(lines(step, "v̂ =")[0]), np.diag(full) / (1 - 0.95 ** k))


def test_the_mapping_functions():
    theta, v, lam = np.array([1.0, -2.0]), np.array([0.5, 0.25]), 0.9
    np.testing.assert_array_equal(from_look_ahead(look_ahead(theta, v, lam), v, lam), theta)
    np.testing.assert_array_equal(velocity(np.array([2.0, -1.0]), None, 0.1), [-0.2, 0.1])
    np.testing.assert_array_equal(velocity(None, np.array([3.0]), 0.5), [-1.5])
    g, diag = np.array([2.0, 3.0]), np.array([7.0, 8.0])
    G = notes_G(np.ones((2, 2)), g, diag)
    np.testing.assert_array_equal(G, [[7, 7], [7, 8]])          # 1 + 2·3 off the diagonal
    G = notes_G(np.ones((2, 2)), g, diag, 0.5)
    np.testing.assert_array_equal(G, [[7, 3.5], [3.5, 8]])      # 0.5·1 + 0.5·6
    m_hat, v_hat = adam_hats({"exp_avg": np.array([1.0]), "exp_avg_sq": np.array([4.0]),
                              "bias_correction1": 0.5, "bias_correction2": 0.25})
    assert (m_hat.item(), v_hat.item()) == (2.0, 16.0)
