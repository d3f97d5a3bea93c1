"""The notes' optimizer formulas (1.4.8), written out here, against xarxa's optimizers.

The notes' momentum and Nesterov use a velocity v with the learning rate inside; PyTorch
(and xarxa) keep a buffer b without it and, for Nesterov, store the look-ahead point.
The documented mapping: v = −α·b, and xarxa's Nesterov parameters = the notes' θ + λv.
"""
import numpy as np
import pytest

import notes
import xarxa as xa
from xarxa import optim

# An ill-conditioned quadratic L(θ) = ½ θᵀAθ − cᵀθ (the notes' "canyon"), in float64.
A = np.array([[10.0, 2.0, 0.0], [2.0, 1.0, 0.3], [0.0, 0.3, 0.2]])
C = np.array([1.0, -2.0, 0.5])
THETA0 = np.array([1.5, -1.0, 2.0])


def grad(theta):
    return A @ theta - C


def run_xarxa(opt_cls, steps, **kwargs):
    p = xa.tensor(THETA0.copy(), requires_grad=True)
    opt = opt_cls([p], **kwargs)
    trajectory = [p.numpy().copy()]
    for _ in range(steps):
        p.grad = xa.tensor(grad(p.numpy()))
        opt.step()
        trajectory.append(p.numpy().copy())
    return np.array(trajectory), opt, p


@pytest.mark.parametrize("lam, alpha", [(0.9, 0.05), (0.5, 0.1), (0.0, 0.1)])
def test_momentum_equals_the_notes(lam, alpha):
    # Notes: v^{k+1} = λ v^k − α ∇L(θ^k),  θ^{k+1} = θ^k + v^{k+1},  v^0 = 0.
    theta, v = THETA0.copy(), np.zeros(3)
    notes_traj = [theta.copy()]
    for _ in range(30):
        v = lam * v - alpha * grad(theta)
        theta = theta + v
        notes_traj.append(theta.copy())
    traj, opt, p = run_xarxa(optim.SGD, 30, lr=alpha, momentum=lam)
    np.testing.assert_allclose(traj, notes_traj, rtol=1e-12, atol=1e-12)
    if lam:  # the buffer is the notes' velocity without the learning rate: v = −α b
        np.testing.assert_allclose(-alpha * opt.state[p]["momentum_buffer"], v, rtol=1e-12)


@pytest.mark.parametrize("lam, alpha", [(0.9, 0.05), (0.6, 0.1)])
def test_nesterov_equals_the_notes_under_the_mapping(lam, alpha):
    # Notes: θ̃ = θ + λv; g = ∇L(θ̃); v ← λv − αg; θ ← θ + v.
    theta, v = THETA0.copy(), np.zeros(3)
    lookahead = [theta + lam * v]
    for _ in range(30):
        g = grad(theta + lam * v)
        v = lam * v - alpha * g
        theta = theta + v
        lookahead.append(theta + lam * v)
    traj, _, _ = run_xarxa(optim.SGD, 30, lr=alpha, momentum=lam, nesterov=True)
    # xarxa's (PyTorch's) parameters are the notes' look-ahead points θ + λv.
    np.testing.assert_allclose(traj, lookahead, rtol=1e-12, atol=1e-12)
    assert not np.allclose(traj[5], run_xarxa(optim.SGD, 5, lr=alpha, momentum=lam)[0][5])


def test_momentum_differs_from_the_notes_when_alpha_changes():
    # The notes keep α inside v, so a learning-rate change reaches old velocity too late.
    alphas = [0.1] * 5 + [0.01] * 5
    theta, v = THETA0.copy(), np.zeros(3)
    for a in alphas:
        v = 0.9 * v - a * grad(theta)
        theta = theta + v
    p = xa.tensor(THETA0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for a in alphas:
        opt.param_groups[0]["lr"] = a
        p.grad = xa.tensor(grad(p.numpy()))
        opt.step()
    assert not np.allclose(p.numpy(), theta)


def _exam_gradients(first, last):
    """The table's gradients g = (∂L/∂w, ∂L/∂b) for iterations first … last (0 = n)."""
    return [np.array([gw, gb]) for gw, gb in
            zip(notes.EXAM_2022_GRAD_W[first:last + 1], notes.EXAM_2022_GRAD_B[first:last + 1])]


@pytest.mark.parametrize("first, G, scale", [
    (0, notes.EXAM_2022_ADAGRAD_G_SUMMED, notes.EXAM_2022_ADAGRAD_SCALE_SUMMED),
    (3, notes.EXAM_2022_ADAGRAD_G_FRESH, notes.EXAM_2022_ADAGRAD_SCALE_FRESH),
])
def test_adagrad_exam_question_both_readings(first, G, scale):
    """Exam 2022 ex. 1 q. 6: G^{n+3} summing from iteration n, or starting fresh at n+3."""
    grads = _exam_gradients(first, 3)
    outer = sum(np.outer(g, g) for g in grads)
    np.testing.assert_allclose(outer, G)  # the notes' full matrix Σ g gᵀ
    # θ = (w, b) as one parameter, starting where the table is at the first iteration.
    theta = xa.tensor([notes.EXAM_2022_W[first], notes.EXAM_2022_B[first]], dtype=xa.float64,
                      requires_grad=True)
    opt = optim.Adagrad([theta], lr=notes.EXAM_2022_LR, eps=0.0)
    for g in grads:
        before = theta.numpy().copy()
        theta.grad = xa.tensor(g)
        opt.step()
    # The optimizer keeps exactly diag(G) ...
    np.testing.assert_allclose(opt.state[theta]["sum"], np.diag(G))
    # ... and the step at n+3 is α g scaled by diag(G)^(−1/2) = (1/4, 1/2) or (1/2, 1).
    step = theta.numpy() - before
    np.testing.assert_allclose(step, -notes.EXAM_2022_LR * grads[-1] * np.array(scale),
                               rtol=1e-12)
    # The off-diagonal of G (8 or 2) never enters: the update uses diag(G) only.


def test_adagrad_epsilon_placement_differs_from_the_notes():
    # Notes: α (εI + diag G)^(−1/2) g.  PyTorch/xarxa: α g / (√diag G + ε).
    eps, alpha, g = 0.5, 0.3, np.array([2.0, 1.0])
    theta = xa.tensor([0.0, 0.0], dtype=xa.float64, requires_grad=True)
    opt = optim.Adagrad([theta], lr=alpha, eps=eps)
    theta.grad = xa.tensor(g)
    opt.step()
    np.testing.assert_allclose(theta.numpy(), -alpha * g / (np.abs(g) + eps), rtol=1e-12)
    assert not np.allclose(theta.numpy(), -alpha * g / np.sqrt(eps + g * g))


def test_adam_is_the_published_algorithm_not_the_notes_printout():
    g1, g2, alpha, eps = 0.9, 0.999, 0.01, 1e-8
    theta, m, s = THETA0.copy(), np.zeros(3), np.zeros(3)
    printed = THETA0.copy()
    Gp = np.zeros(3)
    for k in range(1, 21):
        g = grad(theta)
        m = g1 * m + (1 - g1) * g
        s = g2 * s + (1 - g2) * g * g
        theta = theta - alpha * (m / (1 - g1 ** k)) / (np.sqrt(s / (1 - g2 ** k)) + eps)
        # The notes as printed: the raw gradient where v belongs, no bias correction.
        gp = grad(printed)
        Gp = g2 * Gp + (1 - g2) * gp * gp
        printed = printed - alpha * gp / np.sqrt(eps + Gp)
    traj, _, _ = run_xarxa(optim.Adam, 20, lr=alpha, betas=(g1, g2), eps=eps)
    np.testing.assert_allclose(traj[-1], theta, rtol=1e-10)
    assert not np.allclose(traj[-1], printed, rtol=1e-3)
