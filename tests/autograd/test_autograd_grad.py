"""xa.autograd.grad against torch.autograd.grad: values, .grad left alone, non-leaf inputs,
several outputs, grad_outputs, hooks, allow_unused and the errors."""
import numpy as np
import pytest
import torch

import xarxa as xa


def _pair(shape, seed):
    a = np.random.default_rng(seed).normal(size=shape)
    return xa.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(xs, ts):
    assert len(xs) == len(ts)
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_grad_matches_torch_and_leaves_dot_grad_alone():
    w, tw = _pair((3, 2), 0)
    b, tb = _pair((2,), 1)
    x = np.random.default_rng(2).normal(size=(4, 3))
    w.grad = xa.ones(3, 2, dtype=xa.float64)    # an earlier gradient: must stay
    loss = ((xa.tensor(x) @ w + b).tanh() ** 2).sum()
    tloss = ((torch.tensor(x) @ tw + tb).tanh() ** 2).sum()
    h = loss  # the non-leaf root as input too
    _close(xa.autograd.grad(loss, [w, b], retain_graph=True),
           torch.autograd.grad(tloss, [tw, tb], retain_graph=True))
    assert np.array_equal(w.grad.numpy(), np.ones((3, 2))) and b.grad is None
    (g,) = xa.autograd.grad(h, h, retain_graph=True)
    assert g.item() == 1.0
    # the graph was retained: backward still works and fills .grad
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy() + 1, rtol=1e-10)


def test_grad_of_non_leaf_inputs_and_several_outputs_with_grad_outputs():
    x, tx = _pair((2, 3), 3)
    h, th = x.exp(), tx.exp()
    y1, ty1 = h.sin(), th.sin()
    y2, ty2 = (h * x).sum(), (th * tx).sum()
    v = np.random.default_rng(4).normal(size=(2, 3))
    got = xa.autograd.grad([y1, y2], [h, x], grad_outputs=[xa.tensor(v), None])
    want = torch.autograd.grad([ty1, ty2], [th, tx], grad_outputs=[torch.tensor(v), None])
    _close(got, want)
    assert x.grad is None


def test_hooks_run_and_allow_unused():
    x, tx = _pair((3,), 5)
    u, tu = _pair((2,), 6)
    x.register_hook(lambda g: g * 3)
    tx.register_hook(lambda g: g * 3)
    got = xa.autograd.grad((x * x).sum(), [x, u], allow_unused=True)
    want = torch.autograd.grad((tx * tx).sum(), [tx, tu], allow_unused=True)
    assert got[1] is None and want[1] is None
    _close(got[:1], want[:1])
    (z,) = xa.autograd.grad((x * 2).sum(), [u], allow_unused=True, materialize_grads=True)
    assert np.array_equal(z.numpy(), np.zeros(2))


@pytest.mark.parametrize("call, error, match", [
    (lambda x, u: xa.autograd.grad((x * 2).sum(), [u]), RuntimeError,
     "autograd.grad: input 0 .* not have been used in the graph; set allow_unused=True"),
    (lambda x, u: xa.autograd.grad(x * 2, [x]), RuntimeError,
     "grad can be implicitly created only for scalar outputs"),
    (lambda x, u: xa.autograd.grad(x * 2, [x], grad_outputs=[xa.ones(2)]), ValueError,
     r"grad_outputs\[0\] has shape \(2,\)"),
    (lambda x, u: xa.autograd.grad((x * 2).sum(), [xa.ones(3)]), RuntimeError,
     "input 0 does not require grad"),
    (lambda x, u: xa.autograd.grad(xa.ones(3).sum(), [x]), RuntimeError,
     "element 0 of tensors does not require grad"),
    (lambda x, u: xa.autograd.grad((x * 2).sum(), [x.numpy()]), TypeError,
     "autograd.grad: inputs must be Tensors"),
])
def test_grad_errors(call, error, match):
    x, _ = _pair((3,), 7)
    u, _ = _pair((2,), 8)
    with pytest.raises(error, match=match):
        call(x, u)
