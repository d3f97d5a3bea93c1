"""The fused batch norm + ReLU (`batch_norm(..., activation="relu")`, used by nn.Sequential
for a BatchNorm followed by a ReLU): the same forward, dx, dγ, dβ and running statistics as
the two ops composed (bit for bit) and as PyTorch (issue 23)."""
import numpy as np
import pytest

import xarxa as xa
from xarxa import nn
from xarxa.autograd.ops.norm import batch_norm

torch = pytest.importorskip("torch")

SHAPES = [(4, 3, 5, 7), (1, 2, 3, 3), (6, 5), (3, 4, 9)]


def _run(x_np, g_np, fused, dtype, training=True, xa_cl=False):
    c = x_np.shape[1]
    rng = np.random.default_rng(1)
    w = xa.tensor(rng.standard_normal(c).astype(dtype), requires_grad=True)
    b = xa.tensor(rng.standard_normal(c).astype(dtype), requires_grad=True)
    rm = xa.tensor(rng.standard_normal(c).astype(dtype))
    rv = xa.tensor(rng.uniform(0.5, 2, c).astype(dtype))
    x = xa.tensor(x_np.astype(dtype), requires_grad=True)
    if fused:
        y = batch_norm(x, rm, rv, w, b, training, 0.1, 1e-5, activation="relu")
    else:
        y = xa.relu(batch_norm(x, rm, rv, w, b, training, 0.1, 1e-5))
    y.backward(xa.tensor(g_np.astype(dtype)))
    return [a.detach().numpy() for a in (y, x.grad, w.grad, b.grad, rm, rv)]


def _torch(x_np, g_np, dtype, training=True):
    c = x_np.shape[1]
    rng = np.random.default_rng(1)
    t = lambda a, rg=False: torch.tensor(a.astype(dtype), requires_grad=rg)  # noqa: E731
    w, b = t(rng.standard_normal(c), True), t(rng.standard_normal(c), True)
    rm, rv = t(rng.standard_normal(c)), t(rng.uniform(0.5, 2, c))
    x = t(x_np, True)
    y = torch.relu(torch.nn.functional.batch_norm(x, rm, rv, w, b, training, 0.1, 1e-5))
    y.backward(t(g_np))
    return [a.detach().numpy() for a in (y, x.grad, w.grad, b.grad, rm, rv)]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES)
def test_fused_equals_composed_and_torch(shape, dtype, training):
    rng = np.random.default_rng(0)
    x_np, g_np = rng.standard_normal(shape), rng.standard_normal(shape)
    fused = _run(x_np, g_np, True, dtype, training)
    composed = _run(x_np, g_np, False, dtype, training)
    for a, b in zip(fused, composed):
        np.testing.assert_array_equal(a, b)          # the same arithmetic, bit for bit
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    for name, a, b in zip(("out", "dx", "dgamma", "dbeta", "running_mean", "running_var"),
                          fused, _torch(x_np, g_np, dtype, training)):
        np.testing.assert_allclose(a, b, err_msg=name, **tol)


def test_channels_last_input_and_retain_graph():
    rng = np.random.default_rng(2)
    x_np = rng.standard_normal((3, 4, 5, 6))
    x = xa.tensor(np.ascontiguousarray(x_np.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),
                  requires_grad=True)
    xr = xa.tensor(x.detach().numpy(), requires_grad=True)   # the same memory order
    assert not xr.detach().numpy().flags.c_contiguous
    y = batch_norm(x, None, None, training=True, activation="relu")
    yr = xa.relu(batch_norm(xr, None, None, training=True))
    np.testing.assert_array_equal(y.detach().numpy(), yr.detach().numpy())
    g = xa.tensor(rng.standard_normal((3, 4, 5, 6)))
    y.backward(g, retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    y.backward(g)                                     # the saved arrays were not overwritten
    yr.backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), first)
    np.testing.assert_array_equal(first, xr.grad.numpy())


def test_bad_activation():
    with pytest.raises(ValueError, match="activation"):
        batch_norm(xa.randn(4, 3), None, None, training=True, activation="gelu")


def _seq(hook=False, relu_cls=nn.ReLU):
    xa.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), relu_cls(), nn.Conv2d(4, 3, 1),
                      nn.BatchNorm2d(3), nn.ReLU(), nn.BatchNorm2d(3))
    if hook:
        m[2].register_forward_hook(lambda mod, i, o: None)
    return m


def test_sequential_routes_bn_relu_and_matches_unfused():
    x_np = np.random.default_rng(3).standard_normal((5, 2, 8, 8)).astype("float32")
    results = []
    for hook in (False, True):
        m = _seq(hook)
        x = xa.tensor(x_np, requires_grad=True)
        y = m(x)
        names = []
        node = y.grad_fn
        while node is not None:
            names.append(type(node).__name__)
            node = node.next_functions[0][0] if node.next_functions else None
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), m[1].weight.grad.numpy(),
                        m[1].running_var.numpy(), names))
    fused, unfused = results
    assert any("BatchNormReLU" in n for n in fused[4])
    for a, b in zip(fused[:4], unfused[:4]):
        np.testing.assert_array_equal(a, b)


def test_sequential_does_not_fuse_subclasses():
    class MyReLU(nn.ReLU):
        def forward(self, x):
            return super().forward(x) * 2
    m = _seq(relu_cls=MyReLU)
    y = m(xa.randn(2, 2, 6, 6))
    assert y.shape == (2, 3, 4, 4)
    x = xa.randn(2, 2, 6, 6)
    h = m[1](m[0](x))
    np.testing.assert_array_equal(m[2](h).numpy(), 2 * xa.relu(h).numpy())


def test_residual_block_fuses_and_matches_hooked():
    x_np = np.random.default_rng(4).standard_normal((3, 4, 6, 6)).astype("float32")
    results = []
    for hook in (False, True):
        xa.manual_seed(0)
        blk = nn.ResidualBlock(4, 6, stride=2, batch_norm=True)
        if hook:
            blk.act.register_forward_hook(lambda mod, i, o: None)
        x = xa.tensor(x_np, requires_grad=True)
        y = blk(x)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), blk.bn1.weight.grad.numpy(),
                        blk.bn1.bias.grad.numpy(), blk.bn1.running_mean.numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
