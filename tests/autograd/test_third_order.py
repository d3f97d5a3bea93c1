"""Third derivatives and Hessians through nested `xa.autograd.grad(..., create_graph=True)`:
each op writes its VJP once, so its second backward is differentiated again by the same
formulas — checked here against PyTorch in float64, to rounding error."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F

# (name, xarxa function, torch function): smooth ops, each with a non-zero third derivative
SMOOTH = [
    ("exp", xa.exp, torch.exp),
    ("tanh", xa.tanh, torch.tanh),
    ("sigmoid", xa.sigmoid, torch.sigmoid),
    ("sin", xa.sin, torch.sin),
    ("pow", lambda a: a ** 4, lambda a: a ** 4),
    ("pow_fractional", lambda a: a.abs() ** 2.5, lambda a: a.abs() ** 2.5),
    ("log_softmax", lambda a: xa.log_softmax(a, dim=1), lambda a: torch.log_softmax(a, 1)),
    ("softmax", lambda a: xa.softmax(a, dim=0), lambda a: torch.softmax(a, 0)),
    ("softplus", F.softplus, TF.softplus),
    ("softplus_beta", lambda a: F.softplus(a, beta=2.0), lambda a: TF.softplus(a, beta=2.0)),
    ("gelu", F.gelu, TF.gelu),
    ("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"),
     lambda a: TF.gelu(a, approximate="tanh")),
    ("silu", F.silu, TF.silu),
    ("elu", F.elu, TF.elu),
    ("var", lambda a: a.var(dim=1) ** 2, lambda a: a.var(dim=1) ** 2),
    ("std", lambda a: a.std() ** 3, lambda a: a.std() ** 3),
]


def _derivatives(lib, fn, x0, v, u, w):
    """f(x), then three nested VJPs along v, u, w: each derivative is a graph Tensor."""
    x = lib.tensor(x0, requires_grad=True)
    out = fn(x)
    (g1,) = lib.autograd.grad(out, x, grad_outputs=lib.tensor(v), create_graph=True)
    (g2,) = lib.autograd.grad((g1 * lib.tensor(u)).sum(), x, create_graph=True)
    (g3,) = lib.autograd.grad((g2 * lib.tensor(w)).sum(), x)
    return [g.detach().numpy() for g in (g1, g2, g3)]


@pytest.mark.parametrize("name, fn_x, fn_t", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_third_derivative_matches_torch(name, fn_x, fn_t):
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1.5, 1.5, (2, 3))
    x0[np.abs(x0) < 0.1] = 0.3   # away from abs's kink (pow_fractional)
    v = rng.standard_normal(fn_t(torch.tensor(x0)).shape)
    u, w = rng.standard_normal((2, 2, 3))
    ours = _derivatives(xa, fn_x, x0, v, u, w)
    theirs = _derivatives(torch, fn_t, x0, v, u, w)
    for order, (a, b) in enumerate(zip(ours, theirs), start=1):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}: derivative of order {order}")
    assert np.abs(theirs[2]).max() > 1e-3   # a genuine third derivative, not zeros


def _function(lib):
    """A small scalar function of a vector mixing the ops of this family."""
    functional = F if lib is xa else TF
    c = lib.tensor(np.array([0.5, -1.0, 2.0, 0.25, 1.5]))

    def f(x):
        return ((functional.softplus(x) * x.sin()).sum() * x.std()
                + (lib.log_softmax(x, dim=0) * c).sum()
                + (x.tanh() ** 3).sum() * (x * x).mean()
                + functional.gelu(x).max())
    return f


def _hessian(f, x0):
    """Row i of the Hessian: the gradient of ⟨∇f, eᵢ⟩, ∇f built once with create_graph."""
    x = xa.tensor(x0, requires_grad=True)
    (g,) = xa.autograd.grad(f(x), x, create_graph=True)
    rows = []
    for e in np.eye(len(x0)):
        (row,) = xa.autograd.grad(g, x, grad_outputs=xa.tensor(e), retain_graph=True)
        rows.append(row.numpy())
    return np.stack(rows)


def test_hessian_by_nested_grad_matches_torch_functional_hessian():
    x0 = np.array([0.3, -1.2, 0.8, 1.7, -0.4])
    ours = _hessian(_function(xa), x0)
    theirs = torch.autograd.functional.hessian(_function(torch), torch.tensor(x0)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours, ours.T, rtol=1e-10, atol=1e-12)   # symmetric


def test_third_order_after_in_place_ops():
    """silu_, elu_, `*=` and `/=` rewrite their input, whose values the op saved: the
    backward that is differentiated again must still see the old values."""
    rng = np.random.default_rng(1)
    x0, u, w = rng.uniform(-1.5, 1.5, (3, 4))
    results = []
    for lib, functional in ((xa, F), (torch, TF)):
        x = lib.tensor(x0, requires_grad=True)
        h = x * 1.5
        h *= x.sin()
        h /= x * x + 1
        y = functional.elu(functional.silu(h, inplace=True), inplace=True).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad((g1 * lib.tensor(u)).sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad((g2 * lib.tensor(w)).sum(), x)
        results.append([g.detach().numpy() for g in (g1, g2, g3)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
