"""`Function` is the one extension point: a new op written in a test goes through gradcheck
and the engine, and every way of breaking `backward`'s contract is an error naming the op."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.autograd.function import Function
from xarxa.testing import gradcheck


class Cube(Function):
    """x³ — the README's "extending xarxa" example."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    # d(x³)/dx = 3x²
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (3 * x * x * grad,)


class ScaledAdd(Function):
    """a + s·b with a constant attribute s: two inputs, broadcasting left to the engine."""

    def forward(ctx, a, b, scale=1.0):
        return a + scale * b

    def backward(ctx, grad):
        return grad, ctx.attrs["scale"] * grad


def test_a_new_op_passes_gradcheck():
    x = xa.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    a = xa.tensor(np.random.default_rng(1).normal(size=(2, 3)), requires_grad=True)
    b = xa.tensor(np.random.default_rng(2).normal(size=(3,)), requires_grad=True)
    assert gradcheck(lambda a, b: ScaledAdd.apply(a, b, scale=2.5), (a, b))


def test_a_new_op_matches_torch_inside_a_graph():
    data = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    x = xa.tensor(data, requires_grad=True)
    y = (Cube.apply(x) * 2).sum()
    y.backward()
    tx = torch.tensor(data, requires_grad=True)
    ty = (tx ** 3 * 2).sum()
    ty.backward()
    np.testing.assert_allclose(y.item(), ty.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    assert Cube.apply(x).grad_fn.name == "Cube"


def _broken(backward):
    """A two-input op whose backward is `backward`; returns the error of using it."""
    Broken = type("Broken", (Function,), {"forward": lambda ctx, a, b: a * b,
                                          "backward": backward})
    a = xa.tensor([1.0, 2.0], requires_grad=True)
    b = xa.tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises((TypeError, ValueError)) as info:
        Broken.apply(a, b).sum().backward()
    assert "Broken.backward" in str(info.value)
    return str(info.value)


def test_too_few_gradients_is_an_error_not_a_missing_gradient():
    assert "2 input(s), got a tuple of 1" in _broken(lambda ctx, g: (g,))


def test_a_bare_array_is_an_error():
    assert "got a ndarray" in _broken(lambda ctx, g: g)


def test_a_wrong_shape_names_the_input():
    message = _broken(lambda ctx, g: (g, np.ones((5, 5))))
    assert "input 1" in message and "(2,)" in message and "(5, 5)" in message


def test_an_integer_gradient_is_an_error():
    message = _broken(lambda ctx, g: (g, np.ones(2, dtype=np.int64)))
    assert "float array" in message and "int64" in message


def test_a_tensor_gradient_is_an_error():
    assert "a Tensor" in _broken(lambda ctx, g: (g, xa.tensor(g)))


def test_a_python_number_is_an_error():
    assert "got a float" in _broken(lambda ctx, g: (g, 1.0))


def test_none_for_an_input_that_needs_no_gradient_is_fine():
    a = xa.tensor([1.0, 2.0], requires_grad=True)
    b = xa.tensor([3.0, 4.0])

    class OnlyFirst(Function):
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        def backward(ctx, grad):
            return grad * ctx.saved[0], None

    OnlyFirst.apply(a, b).sum().backward()
    assert a.grad.tolist() == [3.0, 4.0]


class TopValue(Function):
    """Largest entry of each row, with its column as an auxiliary (non-differentiable) output."""

    def forward(ctx, x):
        idx = x.argmax(axis=1)
        ctx.save_for_backward(idx, x.shape)
        return x[np.arange(len(x)), idx], idx

    def backward(ctx, grad):
        idx, shape = ctx.saved
        dx = np.zeros(shape, dtype=grad.dtype)
        dx[np.arange(shape[0]), idx] = grad
        return (dx,)


def test_aux_outputs_come_back_as_tensors_without_gradient():
    x = xa.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    top, idx = TopValue.apply(x)
    assert top.tolist() == [5.0, 7.0] and idx.tolist() == [1, 0]
    assert top.requires_grad and not idx.requires_grad and idx.grad_fn is None
    top.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]
    with xa.no_grad():
        top, idx = TopValue.apply(x)
    assert idx.tolist() == [1, 0] and top.grad_fn is None


def test_max_pool_indices_are_an_aux_output_matching_torch():
    data = np.random.default_rng(3).normal(size=(2, 3, 6, 6)).astype(np.float32)
    out, idx = xa.nn.functional.max_pool2d(xa.tensor(data, requires_grad=True), 2,
                                           return_indices=True)
    t_out, t_idx = torch.nn.functional.max_pool2d(torch.tensor(data), 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    np.testing.assert_allclose(out.detach().numpy(), t_out.numpy())
    assert not idx.requires_grad


def test_functional_linear_names_a_numpy_input():
    w = xa.randn(2, 3)
    with pytest.raises(TypeError, match=r"linear: expected input to be a Tensor, got ndarray"):
        xa.nn.functional.linear(np.ones((4, 3), dtype=np.float32), w)
