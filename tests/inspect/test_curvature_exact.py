"""Exact curvature (inspect.curvature): Hessian-vector products by double backward.

* the exact Hessian against central differences of gradients (tests/finite_hessian.py,
  the old implementation, kept here as an independent check), in float64 and float32;
* top eigenvalues, Hutchinson's trace and the SLQ density against the same computations
  in PyTorch (double backward through the same weights and batch: a small MLP and a tiny
  CNN), with the same Rademacher vectors;
* the statistics: Hutchinson's mean against the exact trace within its standard error,
  the standard error against its theoretical value, SLQ with n steps = the spectrum."""
import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from finite_hessian import fd_hessian
from xarxa import nn
from xarxa.inspect import eigenvalue_density, hessian, hessian_trace, top_eigenvalues


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """torch's thread pool on a loaded machine makes each tiny double backward ~10× slower"""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _mlp(dtype=np.float64):
    """A small MLP (21 parameters), its batch, and the same network and batch in torch."""
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(dtype)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    return _pair(model, net, dtype, lambda m, X, Y: F.mse_loss(m(X), Y),
                 lambda m, X, Y: torch.nn.functional.mse_loss(m(X), Y), x, y)


def _cnn(dtype=np.float64):
    """A tiny CNN (conv 1→2 3×3, tanh, linear 18→3, cross-entropy; 77 parameters)."""
    xa.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.Flatten(),
                          nn.Linear(18, 3)).to(dtype)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 1, 5, 5)), np.array([0, 2, 1, 2])
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(), torch.nn.Flatten(),
                              torch.nn.Linear(18, 3))
    return _pair(model, net, dtype, lambda m, X, Y: F.cross_entropy(m(X), Y),
                 lambda m, X, Y: torch.nn.functional.cross_entropy(m(X), Y), x, y)


def _pair(model, net, dtype, loss_x, loss_t, x, y):
    """(model, xarxa loss_fn, torch HVP function): torch's net gets xarxa's weights."""
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    net = net.to(tdtype)
    with torch.no_grad():
        for q, p in zip(net.parameters(), model.parameters()):
            q.copy_(torch.from_numpy(p.numpy().copy()))
    labels = y.dtype.kind == "i"     # class indices stay integers
    X, Y = xa.tensor(x, dtype=dtype), xa.tensor(y) if labels else xa.tensor(y, dtype=dtype)
    tx, ty = torch.from_numpy(x).to(tdtype), torch.from_numpy(y)
    ty = ty if labels else ty.to(tdtype)
    params = list(net.parameters())
    grads = torch.autograd.grad(loss_t(net, tx, ty), params, create_graph=True)

    def torch_hvp(v: np.ndarray) -> np.ndarray:
        pieces = torch.from_numpy(v).to(tdtype).split([p.numel() for p in params])
        dot = sum((g * u.reshape(g.shape)).sum() for g, u in zip(grads, pieces))
        hv = torch.autograd.grad(dot, params, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).double().numpy()
    return model, (lambda: loss_x(model, X, Y)), torch_hvp


def _torch_hessian(torch_hvp, n):
    return np.stack([torch_hvp(e) for e in np.eye(n)], axis=1)


def _rademacher(seed, n, k):
    """The vectors hessian_trace / eigenvalue_density draw (their documented recipe)."""
    rng = np.random.default_rng(seed)
    return [2.0 * rng.integers(0, 2, size=n) - 1.0 for _ in range(k)]


NETS = [pytest.param(_mlp, id="mlp"), pytest.param(_cnn, id="cnn")]


@pytest.mark.parametrize("make", NETS)
def test_exact_hessian_equals_finite_differences_in_float64(make):
    model, loss_fn, _ = make()
    exact = hessian(loss_fn, model).matrix
    fd = fd_hessian(loss_fn, model.parameters())
    # FD's own error: O(h²) truncation ~1e-10 and rounding ~1e-11 of the curvature scale
    assert np.abs(exact - fd).max() <= 1e-7 * np.abs(exact).max()


def test_float32_exact_products_beat_float32_differences():
    model64, loss64, _ = _mlp(np.float64)
    model32, loss32, _ = _mlp(np.float32)
    truth = hessian(loss64, model64).matrix
    scale = np.abs(truth).max()
    h32 = hessian(loss32, model32)
    assert all(p.dtype == np.float32 for p in model32.parameters())   # no float64 copy
    exact_err = np.abs(h32.matrix - truth).max() / scale
    fd_err = np.abs(fd_hessian(loss32, model32.parameters(), h=1e-3) - truth).max() / scale
    assert exact_err < 1e-5                  # float32 rounding, nothing else
    assert fd_err > 100 * exact_err          # differences of float32 gradients lose digits


@pytest.mark.parametrize("make", NETS)
def test_hessian_and_top_eigenvalues_match_torch(make):
    model, loss_fn, torch_hvp = make()
    n = sum(p.numel() for p in model.parameters())
    expected = _torch_hessian(torch_hvp, n)
    np.testing.assert_allclose(hessian(loss_fn, model).matrix, expected, rtol=1e-9,
                               atol=1e-12 * np.abs(expected).max())
    lam = np.linalg.eigvalsh(0.5 * (expected + expected.T))
    np.testing.assert_allclose(top_eigenvalues(loss_fn, model, k=3), lam[::-1][:3], rtol=1e-5)
    np.testing.assert_allclose(top_eigenvalues(loss_fn, model, k=2, which="smallest"),
                               lam[:2], rtol=1e-5)


def test_float32_top_eigenvalues_match_torch_in_float32():
    model, loss_fn, torch_hvp = _mlp(np.float32)
    expected = np.linalg.eigvalsh(_torch_hessian(torch_hvp, 21))
    got = top_eigenvalues(loss_fn, model, k=2, tol=1e-6)
    np.testing.assert_allclose(got, expected[::-1][:2], rtol=1e-5)


@pytest.mark.parametrize("make", NETS)
def test_trace_matches_torch_with_the_same_rademacher_vectors(make):
    model, loss_fn, torch_hvp = make()
    n = sum(p.numel() for p in model.parameters())
    est = hessian_trace(loss_fn, model, samples=20, tol=None, seed=7)
    expected = [v @ torch_hvp(v) for v in _rademacher(7, n, 20)]
    np.testing.assert_allclose(est.values, expected, rtol=1e-9, atol=1e-12)
    assert est.trace == pytest.approx(np.mean(expected), rel=1e-5)
    assert est.stderr == pytest.approx(np.std(expected, ddof=1) / np.sqrt(20), rel=1e-5)


def test_float32_trace_matches_torch_in_float32():
    model, loss_fn, torch_hvp = _mlp(np.float32)
    est = hessian_trace(loss_fn, model, samples=10, tol=None, seed=3)
    expected = np.mean([v @ torch_hvp(v) for v in _rademacher(3, 21, 10)])
    assert est.trace == pytest.approx(expected, rel=1e-5)


def test_hutchinson_mean_is_within_its_standard_error_of_the_exact_trace():
    model, loss_fn, _ = _mlp()
    H = hessian(loss_fn, model).matrix
    est = hessian_trace(loss_fn, model, samples=1000, tol=None, seed=1)
    assert abs(est.trace - np.trace(H)) <= 3 * est.stderr
    # the standard error is the theoretical one: Var(vᵀHv) = 2·Σᵢ≠ⱼ Hᵢⱼ² for Rademacher v
    off = H - np.diag(np.diag(H))
    assert est.stderr == pytest.approx(np.sqrt(2 * (off ** 2).sum() / 1000), rel=0.1)


def test_hutchinson_stops_at_its_tolerance_and_is_exact_for_a_diagonal_hessian():
    model, loss_fn, _ = _mlp()
    est = hessian_trace(loss_fn, model, samples=1000, tol=0.05, seed=1)
    assert 10 <= len(est.values) < 1000 and est.stderr <= 0.05 * abs(est.trace)
    w = xa.tensor([1.0, -2.0, 0.5], dtype=xa.float64, requires_grad=True)
    est = hessian_trace(lambda: (xa.tensor([3.0, 1.0, 4.0], dtype=xa.float64) * w ** 2).sum()
                        + w[0] ** 4, [w], samples=100)
    # diag(6 + 12·1², 2, 8): every vᵀHv is the trace, the standard error 0: 10 samples
    assert est.trace == pytest.approx(28.0) and est.stderr == 0.0 and len(est.values) == 10


@pytest.mark.parametrize("make", NETS)
def test_density_matches_torch_lanczos_from_the_same_start_vectors(make):
    model, loss_fn, torch_hvp = make()
    n = sum(p.numel() for p in model.parameters())
    d = eigenvalue_density(loss_fn, model, steps=8, n_vectors=2, seed=5)
    for v, nodes, weights in zip(_rademacher(5, n, 2), d.nodes, d.weights):
        # the textbook iteration in torch: qⱼ₊₁βⱼ = Hqⱼ − αⱼqⱼ − βⱼ₋₁qⱼ₋₁, reorthogonalised
        q = [v / np.linalg.norm(v)]
        alpha, beta = [], []
        for j in range(8):
            w = torch_hvp(q[j])
            alpha.append(q[j] @ w)
            w = w - alpha[j] * q[j] - (beta[j - 1] * q[j - 1] if j else 0)
            for u in q:
                w = w - (u @ w) * u
            if j < 7:
                beta.append(np.linalg.norm(w))
                q.append(w / beta[j])
        theta, s = np.linalg.eigh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
        np.testing.assert_allclose(nodes, theta, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(weights, s[0] ** 2, rtol=1e-6, atol=1e-9)
        assert weights.sum() == pytest.approx(1.0)


def test_density_with_n_steps_is_the_spectrum_and_its_trace_is_hutchinsons():
    model, loss_fn, torch_hvp = _mlp()
    H = _torch_hessian(torch_hvp, 21)
    lam, u = np.linalg.eigh(0.5 * (H + H.T))
    d = eigenvalue_density(loss_fn, model, steps=50, n_vectors=3, seed=2)   # capped at 21
    for v, nodes, weights in zip(_rademacher(2, 21, 3), d.nodes, d.weights):
        np.testing.assert_allclose(nodes, lam, atol=1e-9)
        np.testing.assert_allclose(weights, (u.T @ v) ** 2 / 21, atol=1e-9)   # (uᵢ·q)²
    est = hessian_trace(loss_fn, model, samples=3, tol=None, seed=2)
    assert d.trace() == pytest.approx(est.trace, rel=1e-9)
    grid, rho = d.curve(num=4001)
    assert np.trapezoid(rho, grid) == pytest.approx(1.0, abs=1e-3)    # a probability density
    assert grid[0] < lam[0] < lam[-1] < grid[-1]
    sharp = d.evaluate(lam, sigma=1e-6)                  # far apart: one Gaussian per node
    np.testing.assert_allclose(sharp * 1e-6 * np.sqrt(2 * np.pi),
                               np.mean(d.weights, axis=0), rtol=1e-6)
    assert "3 runs of 21 nodes, 21 parameters" in repr(d)


def test_parameters_and_gradients_are_left_alone():
    model, loss_fn, _ = _mlp()
    params = list(model.parameters())
    arrays, copies = [p.numpy() for p in params], [p.numpy().copy() for p in params]
    loss_fn().backward()
    grads = [p.grad for p in params]
    hessian_trace(loss_fn, model, samples=3)
    eigenvalue_density(loss_fn, model, steps=3)
    for p, a, c, g in zip(params, arrays, copies, grads):
        assert p.numpy() is a and np.array_equal(a, c) and p.grad is g


def test_unused_parameters_and_linear_terms_have_zero_curvature():
    w, b, unused = (xa.tensor(v, dtype=xa.float64, requires_grad=True)
                    for v in ([1.0, 2.0], 3.0, [4.0]))
    H = hessian(lambda: (w ** 2).sum() * 0.5 + 5 * b, [w, b, unused])
    np.testing.assert_allclose(H.matrix, np.diag([1.0, 1.0, 0.0, 0.0]))
    np.testing.assert_allclose(H.gradient, [1.0, 2.0, 5.0, 0.0])
    assert hessian(lambda: 2 * b, [b]).matrix.tolist() == [[0.0]]      # linear: no graph


def test_bad_input():
    w = xa.tensor([1.0, 2.0], dtype=xa.float64, requires_grad=True)
    with pytest.raises(ValueError, match="hessian_trace: samples must be a positive integer"):
        hessian_trace(lambda: (w ** 2).sum(), [w], samples=0)
    with pytest.raises(ValueError, match="eigenvalue_density: n_vectors must be a positive"):
        eigenvalue_density(lambda: (w ** 2).sum(), [w], n_vectors=0)
    with pytest.raises(ValueError, match="eigenvalue_density: got an empty parameter list"):
        eigenvalue_density(lambda: (w ** 2).sum(), [])
    with pytest.raises(TypeError, match="hessian_trace: loss_fn must be a callable"):
        hessian_trace((w ** 2).sum(), [w])
    with pytest.raises(ValueError, match="does not depend on the parameters"):
        hessian_trace(lambda: xa.tensor(1.0) + 0 * w.detach().sum(), [w])
    d = eigenvalue_density(lambda: (w ** 2).sum(), [w])
    with pytest.raises(ValueError, match="sigma must be positive"):
        d.evaluate([0.0], sigma=0.0)
