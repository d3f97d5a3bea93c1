"""Custom autograd functions written the PyTorch way run unchanged: the same class body
works with `torch.autograd.Function` and `xa.autograd.Function`."""
import numpy as np
import pytest
import torch

import xarxa as xa


def _define(lib):
    """The tutorial's LegendrePolynomial3 and an Exp saving its output, for `lib`."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class MulConstant(lib.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(i):
            return i.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    return LegendrePolynomial3, MulConstant, Exp


def _run(lib):
    P3, MulConstant, Exp = _define(lib)
    x = lib.tensor([-0.5, 0.25, 0.75, 1.5], requires_grad=True)
    a = lib.tensor([0.3, -0.2, 0.1, 0.4], requires_grad=True)
    y = P3.apply(a + x * 2)
    z = MulConstant.apply(y, 3.0) + Exp.apply(x)
    (z * z).sum().backward()
    return z.detach().numpy().copy(), x.grad.numpy().copy(), a.grad.numpy().copy()


def test_same_class_bodies_give_torchs_values_and_gradients():
    for ours, theirs in zip(_run(xa), _run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_needs_input_grad_and_node_name():
    seen = []

    class Probe(xa.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, g, None

    a = xa.tensor([1.0], requires_grad=True)
    out = Probe.apply(a, xa.tensor([2.0]), 3)
    assert seen == [(True, False, False)]
    assert out.grad_fn.name == "Probe" and out.requires_grad


def test_mark_non_differentiable():
    class SortWithIndex(xa.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = xa.tensor(np.argsort(x.numpy()))
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return x[idx], idx

        @staticmethod
        def backward(ctx, g):
            (idx,) = ctx.saved_tensors
            out = xa.zeros(g.shape)
            out[idx] = g
            return out

    x = xa.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortWithIndex.apply(x)
    assert idx.tolist() == [1, 2, 0] and not idx.requires_grad
    (values * xa.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_wrong_number_of_gradients_names_the_function_like_torch():
    for lib in (xa, torch):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g

        a = lib.tensor([1.0], requires_grad=True)
        b = lib.tensor([2.0], requires_grad=True)
        with pytest.raises((RuntimeError, TypeError),
                           match="incorrect number of gradients"):
            Bad.apply(a, b).sum().backward()


def test_an_in_place_write_to_a_saved_tensor_is_refused():
    P3, _, Exp = _define(xa)
    x = xa.tensor([0.5, 1.0], requires_grad=True)
    base = x * 1
    y = P3.apply(base)
    with xa.no_grad():
        base.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    x2 = xa.tensor([0.5, 1.0], requires_grad=True)
    e = Exp.apply(x2)
    with xa.no_grad():
        e.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_forward_returning_its_input_leaves_the_input_a_leaf():
    class Identity(xa.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = xa.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert x.is_leaf and not y.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_several_differentiable_outputs_are_refused_clearly():
    class Split(xa.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + 2 * g2

    with pytest.raises(NotImplementedError, match="several differentiable outputs"):
        Split.apply(xa.tensor([1.0], requires_grad=True))
