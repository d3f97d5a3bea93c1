"""inspect.hessian / top_eigenvalues: known spectra, the kind of a critical point, the
condition number, PyTorch's Hessian of a small MLP, and the Lanczos path against the full
matrix."""
import importlib
import math

import numpy as np
import pytest
import torch

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn
from xarxa.inspect import hessian, top_eigenvalues
from xarxa.inspect.hessian import flat_gradient


def _quadratic(spectrum, seed=0):
    """½ xᵀAx + bᵀx with A = Q diag(spectrum) Qᵀ, Q a random rotation; returns (loss_fn, x)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((len(spectrum), len(spectrum))))
    a = xa.tensor(q @ np.diag(spectrum) @ q.T)
    b = xa.tensor(rng.standard_normal(len(spectrum)))
    x = xa.tensor(rng.standard_normal(len(spectrum)), requires_grad=True)
    return (lambda: 0.5 * (x * (a @ x)).sum() + (b * x).sum()), x


def _scalars(*values):
    return [xa.tensor(v, dtype=xa.float64, requires_grad=True) for v in values]


def test_quadratic_with_a_given_spectrum():
    spectrum = np.array([0.5, 1.0, 2.0, 3.0, 10.0])
    loss_fn, x = _quadratic(spectrum)
    h = hessian(loss_fn, [x])
    np.testing.assert_allclose(h.eigenvalues, spectrum, rtol=0, atol=1e-6)
    assert h.curvature == "minimum"          # a bowl, but x is a random point on its side:
    assert h.kind == "not critical" and h.gradient_norm > 0.1   # no minimum there
    assert h.condition_number == pytest.approx(20.0, rel=1e-6)   # dispersion 10 / 0.5
    np.testing.assert_allclose(h.matrix, h.matrix.T)


def test_saddle_x2_minus_y2():
    x, y = _scalars(0.0, 0.0)
    h = hessian(lambda: x ** 2 - y ** 2, [x, y])
    np.testing.assert_allclose(h.eigenvalues, [-2.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(h.matrix, [[2.0, 0.0], [0.0, -2.0]], atol=1e-6)
    assert h.kind == "saddle" and h.gradient_norm == 0.0
    assert h.condition_number == pytest.approx(1.0)
    assert "saddle" in repr(h)


def test_maximum_degenerate_and_flat():
    x, y = _scalars(0.0, 0.0)
    assert hessian(lambda: -(x ** 2) - 3 * y ** 2, [x, y]).kind == "maximum"
    h = hessian(lambda: x ** 2 + y ** 4, [x, y])        # y⁴: no curvature at 0
    np.testing.assert_allclose(h.eigenvalues, [0.0, 2.0], atol=1e-6)
    assert h.kind == "degenerate" and h.near_zero.tolist() == [True, False]
    assert h.condition_number == 1.0                     # over the eigenvalue not near zero
    h = hessian(lambda: x ** 4 + y ** 4, [x, y])        # flat in every direction
    assert h.kind == "degenerate" and math.isnan(h.condition_number)
    h = hessian(lambda: x ** 2 - y ** 2 + 0 * x ** 4, [x, y], tol=3.0)
    assert h.kind == "degenerate"                          # |±2| ≤ tol: both count as zero


def _mlp_and_data(dtype=np.float64):
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).to(dtype)
    rng = np.random.default_rng(1)
    x = xa.tensor(rng.standard_normal((8, 3)), dtype=dtype)
    y = xa.tensor(rng.standard_normal((8, 1)), dtype=dtype)
    return model, (lambda: F.mse_loss(model(x), y)), x, y


def test_mlp_hessian_matches_torch():
    model, loss_fn, x, y = _mlp_and_data()
    h = hessian(loss_fn, model)
    params = [torch.tensor(p.numpy().copy()) for p in model.parameters()]
    sizes = [p.numel() for p in params]

    def torch_loss(flat):
        w1, b1, w2, b2 = (t.reshape(p.shape) for t, p in zip(flat.split(sizes), params))
        out = torch.tanh(torch.tensor(x.numpy()) @ w1.T + b1) @ w2.T + b2
        return torch.nn.functional.mse_loss(out, torch.tensor(y.numpy()))
    flat = torch.cat([p.ravel() for p in params])
    expected = torch.autograd.functional.hessian(torch_loss, flat)
    np.testing.assert_allclose(h.matrix, expected.numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(h.gradient, flat_gradient(loss_fn, model))


def test_top_eigenvalue_lanczos_agrees_with_the_full_hessian():
    model, loss_fn, _, _ = _mlp_and_data()
    full = hessian(loss_fn, model).eigenvalues
    top = top_eigenvalues(loss_fn, model, k=1)
    assert top[0] == pytest.approx(full[-1], rel=1e-6)
    np.testing.assert_allclose(top_eigenvalues(loss_fn, model, k=3), full[::-1][:3],
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(top_eigenvalues(loss_fn, model, k=2, which="smallest"),
                               full[:2], rtol=1e-5, atol=1e-7)
    values, vectors = top_eigenvalues(loss_fn, model, k=1, which="magnitude",
                                      return_vectors=True)
    assert abs(values[0]) == pytest.approx(np.abs(full).max(), rel=1e-6)
    assert vectors.shape == (1, 21) and np.linalg.norm(vectors[0]) == pytest.approx(1.0)


def test_lanczos_with_repeated_eigenvalues():
    spectrum = np.array([1.0, 1.0, 1.0, 4.0, 4.0, 9.0])
    loss_fn, x = _quadratic(spectrum, seed=3)
    np.testing.assert_allclose(top_eigenvalues(loss_fn, [x], k=4), [9.0, 4.0, 4.0, 1.0],
                               atol=1e-6)


def test_parameters_and_gradients_are_left_alone():
    model, loss_fn, _, _ = _mlp_and_data()
    params = list(model.parameters())
    arrays = [p.numpy() for p in params]
    copies = [a.copy() for a in arrays]
    loss_fn().backward()
    grads = [p.grad for p in params]
    hessian(loss_fn, params)
    top_eigenvalues(loss_fn, params, k=1)
    for p, a, c, g in zip(params, arrays, copies, grads):
        assert p.numpy() is a and np.array_equal(a, c) and p.grad is g


def test_float32_models_are_read_in_float32():
    # exact products need no float64 copy (central differences did): the float32 model
    # and its float32 batch give the float64 Hessian to float32's rounding
    model, loss_fn, _, _ = _mlp_and_data(np.float32)
    h32 = hessian(loss_fn, model)
    assert all(p.dtype == np.float32 for p in model.parameters())
    model64, loss64, _, _ = _mlp_and_data()
    h64 = hessian(loss64, model64)
    np.testing.assert_allclose(h32.matrix, h64.matrix, rtol=0,
                               atol=1e-6 * np.abs(h64.matrix).max())


def test_bad_input():
    x, y = _scalars(1.0, 2.0)
    with pytest.raises(ValueError, match="hessian: got an empty parameter list"):
        hessian(lambda: x * y, [])
    with pytest.raises(TypeError, match=r"hessian: params\[0\] is a float"):
        hessian(lambda: x * y, [1.0])
    with pytest.raises(ValueError, match=r"params\[0\] .* requires_grad=True"):
        hessian(lambda: x * y, [xa.tensor(1.0)])
    with pytest.raises(TypeError, match="loss_fn must be a callable"):
        hessian(x * y, [x, y])
    with pytest.raises(ValueError, match="one-element Tensor, got \\(2,\\)"):
        hessian(lambda: xa.stack([x, y]), [x, y])
    with pytest.raises(ValueError, match="does not depend on the parameters"):
        hessian(lambda: xa.tensor(1.0, dtype=xa.float64) + 0 * x.detach(), [x])
    with pytest.raises(ValueError, match=r"top_eigenvalues: k must be an integer in \[1, 2\]"):
        top_eigenvalues(lambda: x * y, [x, y], k=3)
    with pytest.raises(ValueError, match="which must be 'largest', 'smallest' or 'magnitude'"):
        top_eigenvalues(lambda: x * y, [x, y], which="top")


def test_too_many_parameters_points_to_top_eigenvalues(monkeypatch):
    module = importlib.import_module("xarxa.inspect.hessian")  # the attribute is the function
    monkeypatch.setattr(module, "MAX_FULL", 1)
    x, y = _scalars(1.0, 2.0)
    with pytest.raises(ValueError, match="2 parameters .* use top_eigenvalues"):
        hessian(lambda: x * y, [x, y])


def test_near_zero_eigenvalues_are_relative_to_the_largest_and_left_out():
    # L = 100x² + 1e-4·y² − z² + w⁴ at 0: eigenvalues 200, 2e-4, −2, 0. Relative to
    # |λmax| = 200 the tolerance is 2e-3: 2e-4 and 0 are near zero (flat directions); the
    # kind comes from the rest (+200 and −2: a saddle) and κ = 200 / 2 over them.
    x, y, z, w = _scalars(0.0, 0.0, 0.0, 0.0)
    h = hessian(lambda: 100 * x ** 2 + 1e-4 * y ** 2 - z ** 2 + w ** 4, [x, y, z, w])
    np.testing.assert_allclose(h.eigenvalues, [-2.0, 0.0, 2e-4, 200.0], atol=1e-6)
    assert h.tol == pytest.approx(200 * 1e-5)
    assert h.near_zero.tolist() == [False, True, True, False]
    assert h.kind == "saddle" and h.critical
    assert h.condition_number == pytest.approx(100.0)
    text = str(h)
    assert "a critical point" in text and "saddle" in text
    assert "near zero (|λ| ≤ 0.002): 2: flat directions" in text
    assert "over the 2 eigenvalues not near zero" in text
    # the same flat directions with positive curvature elsewhere: degenerate, not minimum
    h = hessian(lambda: 100 * x ** 2 + 1e-4 * y ** 2 + z ** 2 + w ** 4, [x, y, z, w])
    assert h.kind == "degenerate" and h.condition_number == pytest.approx(100.0)
    assert "cannot tell a minimum from a saddle" in str(h)
    # a tolerance of one's own (relative or absolute) changes what counts as flat
    assert hessian(lambda: 100 * x ** 2 + 1e-4 * y ** 2 + z ** 2 + w ** 4, [x, y, z, w],
                   rtol=1e-8).near_zero.sum() == 1
    assert hessian(lambda: 100 * x ** 2 + 1e-4 * y ** 2 + z ** 2, [x, y, z],
                   tol=1e-6).kind == "minimum"


def test_a_point_on_a_slope_is_not_a_critical_point_whatever_its_curvature():
    x, y = _scalars(0.002, 0.0)                          # x² − y² beside its saddle
    h = hessian(lambda: x ** 2 - y ** 2, [x, y])
    assert h.gradient_norm == pytest.approx(0.004)
    assert not h.critical and h.curvature == "saddle" and h.kind == "not critical"
    assert "not a critical point (‖∇L‖ = 0.004 > 1e-06" in str(h)
    assert "kind='not critical (saddle-shaped)', |grad|=0.004" in repr(h)
    assert hessian(lambda: x ** 2 - y ** 2, [x, y], gtol=0.01).kind == "saddle"
    x, y = _scalars(0.0, 0.0)                            # the exact critical point
    h = hessian(lambda: x ** 2 - y ** 2, [x, y])
    assert h.critical and h.kind == "saddle" and h.gradient_norm == 0.0
