"""The backward engine: node semantics of the notes, graph lifetime, accumulation."""
import gc
import weakref

import numpy as np
import pytest
import torch

import xarxa as xa


def test_addition_node_distributes():
    a = xa.tensor(3.0, requires_grad=True)
    b = xa.tensor(-4.0, requires_grad=True)
    out = a + b
    out.backward(xa.tensor(2.5))
    assert a.grad.item() == 2.5 and b.grad.item() == 2.5


def test_product_node_switches():
    a = xa.tensor(3.0, requires_grad=True)
    b = xa.tensor(-4.0, requires_grad=True)
    (a * b).backward(xa.tensor(2.0))
    assert a.grad.item() == -8.0  # the other input's value times upstream
    assert b.grad.item() == 6.0


def test_max_node_routes():
    a = xa.tensor(3.0, requires_grad=True)
    b = xa.tensor(-4.0, requires_grad=True)
    xa.maximum(a, b).backward(xa.tensor(5.0))
    assert a.grad.item() == 5.0 and b.grad.item() == 0.0


def test_max_tie_rule_routes_to_first():
    # documented: on a tie the whole gradient goes to the first input / first element
    a = xa.tensor(1.0, requires_grad=True)
    b = xa.tensor(1.0, requires_grad=True)
    xa.maximum(a, b).backward()
    assert (a.grad.item(), b.grad.item()) == (1.0, 0.0)
    x = xa.tensor([2.0, 5.0, 5.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_sigmoid_derivative_identity():
    x = xa.tensor(np.linspace(-4, 4, 9), dtype=xa.float64, requires_grad=True)
    s = xa.sigmoid(x)
    s.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), s.numpy() * (1 - s.numpy()), rtol=1e-12)


def test_long_chain_does_not_recurse():
    x = xa.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert np.isclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-3)


def test_gradients_accumulate_across_calls():
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 6.0])


def test_shared_input_sums_both_paths():
    x = xa.tensor(2.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 5.0


def test_backward_with_gradient_for_non_scalar():
    x = xa.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).backward(xa.tensor([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, -2.0])


def test_graph_is_freed_and_second_backward_raises():
    x = xa.tensor(2.0, requires_grad=True)
    y = xa.exp(x)
    y.backward()
    assert y.grad_fn.saved == ()
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_two_backwards():
    x = xa.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_retain_grad_keeps_non_leaf_gradient():
    x = xa.tensor(2.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).backward()
    assert h.grad.item() == 12.0 and x.grad.item() == 36.0


def test_non_leaf_grad_is_none_by_default_and_reading_it_warns_like_torch():
    for lib in (xa, torch):
        x = lib.tensor(2.0, requires_grad=True)
        h = x * 3
        (h * h).backward()
        with pytest.warns(UserWarning, match="retain_grad"):
            assert h.grad is None


def test_reading_a_retained_or_leaf_grad_does_not_warn():
    import warnings
    x = xa.tensor(2.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert h.grad.item() == 12.0 and x.grad.item() == 36.0


def test_assigning_grad_checks_type_and_shape_like_torch():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        x.grad = [1.0, 2.0]
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        torch.tensor([1.0, 2.0], requires_grad=True).grad = [1.0, 2.0]
    with pytest.raises(ValueError, match=r"shape torch.Size\(\[3\]\)"):
        x.grad = xa.zeros(3)
    x.grad = xa.ones(2)
    x.grad = None


def test_no_grad_records_nothing():
    x = xa.tensor(2.0, requires_grad=True)
    with xa.no_grad():
        y = x * x
    assert y.grad_fn is None and not y.requires_grad

    @xa.no_grad()
    def double(t):
        return t * 2
    assert double(x).grad_fn is None
    assert xa.is_grad_enabled()


def test_no_reference_cycles_after_backward():
    gc.collect()
    gc.disable()
    try:
        x = xa.tensor(np.ones(3), requires_grad=True)
        y = (x.tanh() * 2).sum()
        node = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert node() is None, "graph node kept alive: reference cycle"
    finally:
        gc.enable()


def test_manual_update_under_no_grad_keeps_dtype_and_identity():
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    before = w
    with xa.no_grad():
        w -= 0.5 * w.grad
    assert w is before and w.dtype == np.float32 and w.is_leaf
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])


def test_inplace_on_leaf_outside_no_grad_raises():
    w = xa.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w -= 1.0


def test_grad_is_not_aliased_between_leaves():
    a = xa.tensor([1.0, 2.0], requires_grad=True)
    b = xa.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    with xa.no_grad():
        a.grad *= 10
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_grad_of_broadcast_input_is_unbroadcast():
    x = xa.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = xa.tensor([[1.0], [2.0]], requires_grad=True)
    c = xa.tensor([10.0, 20.0, 30.0], requires_grad=True)
    (x * b * c).backward(xa.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]))
    assert b.grad.shape == (2, 1) and c.grad.shape == (3,)
    # ∂/∂b_i = Σ_j g_ij x_ij c_j, ∂/∂c_j = Σ_i g_ij x_ij b_i (worked by hand)
    np.testing.assert_array_equal(b.grad.numpy(), [[10 - 90], [80 + 100]])
    np.testing.assert_array_equal(c.grad.numpy(), [1 + 16, 10, -3])
    np.testing.assert_array_equal(x.grad.numpy(), [[10, 0, -30], [40, 40, 0]])


def test_record_mode_keeps_every_intermediate():
    from xarxa.autograd.record import record
    w = xa.tensor(2.0, requires_grad=True, name="w")
    b = xa.tensor(0.0, requires_grad=True, name="b")
    with record() as tape:
        x1 = w * 1.0
        x2 = x1 + b
        x3 = xa.relu(x2)
        loss = xa.abs(x3 - 1.0)
        loss.backward()
    assert [n.grad_fn.name for n in tape.tensors] == ["Mul", "Add", "ReLU", "Sub", "Abs"]
    assert [t.grad.item() for t in tape.tensors] == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert [t.item() for t in tape.tensors] == [2.0, 2.0, 2.0, 1.0, 1.0]


def test_diamond_graph_waits_for_every_consumer():
    # a feeds both the sum and a*2: a's gradient must include both paths before it moves on
    x = xa.tensor(1.0, requires_grad=True)
    a = x * 1.0
    (a + a * 2).backward()
    assert x.grad.item() == 3.0


def test_assert_matches_torch_catches_an_op_that_drops_its_graph():
    from xarxa.testing import assert_matches_torch
    with pytest.raises(AssertionError, match="did the op drop its graph"):
        assert_matches_torch(lambda a: (a * 2).detach(), lambda a: a * 2, [np.ones(3)])
