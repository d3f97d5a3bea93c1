"""The engine under create_graph=True: gradients as graph Tensors, PyTorch's semantics
(`.grad` with a grad_fn, retain_graph defaulting to create_graph, hooks, grad_outputs with
a graph), custom Functions of both styles, and first order left alone."""
import gc

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.autograd import function


def _pair(values):
    a = np.array(values, dtype=np.float64)
    return xa.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def test_backward_create_graph_gives_a_grad_with_a_graph_and_keeps_the_graph():
    x, tx = _pair([0.5, -1.5, 2.0])
    for lib, v in ((xa, x), (torch, tx)):
        (v.sin() * v.exp()).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy())
    first = x.grad.detach().numpy().copy()
    x.grad.sum().backward()          # d/dx of the gradient: accumulated into x.grad
    tx.grad.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy())
    assert not np.allclose(first, x.grad.detach().numpy())


def test_retain_graph_defaults_to_create_graph():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()          # Exp saves its output: a freed graph would refuse
    xa.autograd.grad(y, x, create_graph=True)
    xa.autograd.grad(y, x)           # still there
    with pytest.raises(RuntimeError, match="already freed"):
        xa.autograd.grad(y, x)


def test_third_order_matches_torch():
    x, tx = _pair([0.3, -0.7])
    results = []
    for lib, v in ((xa, x), (torch, tx)):
        y = (v ** 4 * v.tanh()).sum()
        (g,) = lib.autograd.grad(y, v, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), v, create_graph=True)
        (t,) = lib.autograd.grad(h.sum(), v)
        results.append(t.detach().numpy())
    np.testing.assert_allclose(*results, rtol=1e-12)


def test_grad_outputs_with_a_graph_are_part_of_it():
    """The double-VJP trick: u ↦ ⟨∂f/∂x·u⟩ differentiated w.r.t. u gives the JVP J·t."""
    x, tx = _pair([0.2, 0.9, -0.4])
    t = np.array([1.0, -2.0, 0.5])
    results = []
    for lib, v in ((xa, x), (torch, tx)):
        y = v.sin() * v.sum()
        u = lib.zeros(3, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(y, v, grad_outputs=u, create_graph=True)
        (jvp,) = lib.autograd.grad(g, u, grad_outputs=lib.tensor(t))
        results.append(jvp.numpy())
    np.testing.assert_allclose(*results, rtol=1e-12)


def test_a_gradient_reaching_two_leaves_gives_each_its_own_tensor():
    a = xa.tensor([1.0], requires_grad=True)
    b = xa.tensor([2.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    with xa.no_grad():
        a.grad.zero_()
    assert b.grad.item() == 1.0


def test_hooks_see_and_may_replace_the_graph_gradient():
    x, tx = _pair([1.0, 2.0])
    seen = []
    for v in (x, tx):
        h = v * v
        h.register_hook(lambda g: seen.append(g.requires_grad) or g * 3)
        (h * v).sum().backward(create_graph=True)   # h's gradient is v: it has a graph
    assert seen == [True, True]
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.detach().numpy())


def test_retain_grad_keeps_a_graph_gradient():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    (h * x).sum().backward(create_graph=True)
    assert h.grad.requires_grad
    np.testing.assert_allclose(h.grad.detach().numpy(), [1.0, 2.0])


@pytest.mark.parametrize("style", ["tensor", "array"])
def test_custom_functions_of_both_styles_differentiate_twice(style):
    if style == "tensor":
        class Cube(xa.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x ** 2
    else:
        class Cube(xa.autograd.Function):   # xarxa's array-level style, through ctx.xp
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            def backward(ctx, g):
                (x,) = ctx.saved
                return (g * 3 * x ** 2,)
    x, tx = _pair([0.5, -2.0])
    (g,) = xa.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = xa.autograd.grad(g.sum(), x)
    (tg,) = torch.autograd.grad((tx ** 3).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(h.numpy(), th.numpy())


def test_a_saved_derived_value_is_refused_by_name_not_taken_as_a_constant():
    class Softish(xa.autograd.Function):
        def forward(ctx, x):
            s = 1 / (1 + np.exp(-x))
            ctx.save_for_backward(s * (1 - s))  # derived from x: its own derivative matters
            return s

        def backward(ctx, g):
            (slope,) = ctx.saved
            return (g * slope,)
    x = xa.tensor([0.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="Softish: double backward"):
        xa.autograd.grad(Softish.apply(x).sum(), x, create_graph=True)


def test_first_order_backward_records_nothing():
    """create_graph=False: no node is made during backward, `.grad` has no graph, and once
    the loss is gone no Tensor of the graph stays alive."""
    model = xa.nn.Sequential(xa.nn.Linear(4, 8), xa.nn.Tanh(), xa.nn.Linear(8, 1))
    x = xa.randn(16, 4)
    loss = model(x).pow(2).mean()
    before = next(function._sequence)
    loss.backward()
    assert next(function._sequence) == before + 1     # only these two reads
    assert all(p.grad.grad_fn is None and not p.grad.requires_grad
               for p in model.parameters())
    del loss
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, xa.Tensor) and o._ctx is not None]
    assert alive == []


def test_create_graph_records_even_inside_no_grad_as_pytorch_does():
    """The whole walk records: saved values rebuilt in the graph (SiLU's σ) and gradients
    summed where a tensor feeds two ops (x below) keep their graph."""
    x, tx = _pair([0.5, 1.5])
    results = []
    for lib, v in ((xa, x), (torch, tx)):
        y = (lib.nn.functional.silu(v) * v.sin()).sum()
        with lib.no_grad():
            (g,) = lib.autograd.grad(y, v, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), v)
        results.append(h.detach().numpy())
    np.testing.assert_allclose(*results, rtol=1e-12)


def test_a_graph_grad_written_in_place_does_not_reach_the_graph():
    """`.grad` is a copy: zeroing x.grad (an optimizer's zero_grad) leaves the gradient
    graph of y.grad, which shares the Add's gradient, intact (PyTorch clones too)."""
    x, tx = _pair([1.0, 2.0])
    y, ty = _pair([0.5, -1.0])
    results = []
    for a, b in ((x, y), (tx, ty)):
        ((a + b * b) ** 2).sum().backward(create_graph=True)
        with (xa if a is x else torch).no_grad():
            a.grad.mul_(0)
        b.grad.sum().backward()
        results.append(b.grad.detach().numpy())
    np.testing.assert_allclose(*results)
