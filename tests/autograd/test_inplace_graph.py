"""In-place ops on tensors inside the graph are graph ops (PyTorch's semantics), and the
version counter guards what they overwrite."""
import numpy as np
import pytest
import torch

import xarxa as xa

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)
B = np.array([[1.0, 2.0, -0.5], [0.3, -1.2, 0.8]], dtype=np.float32)


def _grads(lib, program):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    out = program(lib, a, b)
    out.backward()
    return out.item(), a.grad.numpy().copy(), b.grad.numpy().copy()


def _same_as_torch(program):
    ours, theirs = _grads(xa, program), _grads(torch, program)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)


def test_residual_add_then_relu_():
    def program(lib, a, b):
        out = a * b
        identity = a
        out += identity
        out.relu_()
        return (out * out).sum()
    _same_as_torch(program)


def test_every_arithmetic_form():
    def program(lib, a, b):
        h = a * 1.5
        h.add_(b, alpha=2.0)
        h.sub_(a)
        h.mul_(b)  # mul saves h's old value: it must survive the write
        h.div_(b * b + 1)
        h -= 0.5
        h *= a
        h /= 2.0
        return h.sum()
    _same_as_torch(program)


def test_a_consumer_made_before_the_write_gets_the_old_values_gradient():
    def program(lib, a, b):
        h = a * 2
        early = h + b  # add saves nothing: allowed in PyTorch too
        h *= b
        late = h * 3
        return early.sum() + late.sum()
    _same_as_torch(program)


def test_several_writes_after_a_consumer():
    def program(lib, a, b):
        h = a + 0
        early = (h + 1).sum()
        h += b
        h *= 2
        h.relu_()
        return early + (h * b).sum()
    _same_as_torch(program)


def test_a_plain_tensor_becomes_part_of_the_graph():
    def program(lib, a, b):
        buffer = lib.zeros(2, 3)
        buffer += a
        buffer *= b
        return buffer.sum()
    _same_as_torch(program)


def test_writing_a_value_an_earlier_node_saved_is_refused_like_torch():
    for lib in (xa, torch):
        a = lib.tensor(A, requires_grad=True)
        h = a.exp()  # exp saves its output
        h += 1
        with pytest.raises(RuntimeError, match="modified by an in(-| )?place operation"):
            h.sum().backward()


def test_a_leaf_that_requires_grad_refuses_like_torch():
    for lib in (xa, torch):
        a = lib.tensor(A, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a += 1
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a.relu_()


def test_a_broadcast_that_changes_the_shape_is_refused_like_torch():
    for lib in (xa, torch):
        a = lib.tensor(A, requires_grad=True)
        h = a[0] * 1  # shape (3,)
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            h += a


def test_a_view_is_refused_rather_than_silently_wrong():
    a = xa.tensor(A, requires_grad=True)
    h = a * 2
    v = h.reshape(6)
    with pytest.raises(RuntimeError, match="shares its storage"):
        v += 1


def test_outside_the_graph_nothing_is_recorded():
    a = xa.tensor(A, requires_grad=True)
    with xa.no_grad():
        h = a * 2
        h += a
        h.relu_()
    assert h.grad_fn is None and not h.requires_grad
    np.testing.assert_allclose(h.numpy(), np.maximum(3 * A, 0))


def test_record_mode_and_retain_grad_through_an_in_place_op():
    a = xa.tensor(A, requires_grad=True)
    h = a * 2
    h += 1
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * (2 * A + 1), rtol=1e-6)
