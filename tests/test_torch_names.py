"""PyTorch names added for tutorials (issue 11): Tensor methods, indexing ops' indices and
errors, grad modes, comparisons. Values and gradients are compared with PyTorch; the
differentiable ops' gradchecks are in tests/op_table.py."""
import numpy as np
import pytest
import torch

import xarxa as xa


def _pair(shape, seed=0, requires_grad=False):
    a = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    return (xa.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _close(x, t, **kw):
    np.testing.assert_allclose(np.asarray(x.numpy()), t.detach().numpy(), rtol=1e-5,
                               atol=1e-6, **kw)


# -- arithmetic methods ----------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [("add", {}), ("add", {"alpha": 2.5}), ("sub", {}),
                                          ("sub", {"alpha": -3}), ("mul", {}), ("div", {})])
def test_arithmetic_methods_match_torch(name, kwargs):
    x, tx = _pair((2, 3), 0, True)
    y, ty = _pair((3,), 1, True)
    out, tout = getattr(x, name)(y, **kwargs), getattr(tx, name)(ty, **kwargs)
    _close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    _close(x.grad, tx.grad)
    _close(y.grad, ty.grad)
    _close(getattr(x, name)(2.0), getattr(tx, name)(2.0))


# -- contiguous, byte, new_* ---------------------------------------------------------------
def test_contiguous_returns_self_or_a_c_ordered_copy():
    x, tx = _pair((2, 3))
    assert x.contiguous() is x
    y = x.T
    assert not y.is_contiguous() and not tx.T.is_contiguous()
    c = y.contiguous()
    assert c.is_contiguous() and c.numpy().flags.c_contiguous
    _close(c, tx.T.contiguous())


def test_byte_and_new_factories_match_torch():
    x, tx = _pair((2, 3))
    assert x.byte().dtype == np.uint8 and str(tx.byte().dtype) == "torch.uint8"
    for xa_t, t_t in [(x.new_zeros(2, 3), tx.new_zeros(2, 3)),
                      (x.new_ones((4,)), tx.new_ones((4,))),
                      (x.new_full((2, 2), 7.5), tx.new_full((2, 2), 7.5)),
                      (x.new_tensor([[1, 2]]), tx.new_tensor([[1, 2]])),
                      (x.new_zeros([3], dtype=xa.int64), tx.new_zeros([3], dtype=torch.int64))]:
        assert xa_t.shape == tuple(t_t.shape)
        assert str(xa_t.dtype) == str(t_t.dtype)
        _close(xa_t, t_t)
    assert x.new_ones(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="new_.*size must be non-negative"):
        x.new_zeros(-1)


# -- indexing: indices, in-place forms, errors -----------------------------------------------
def test_flip_argument_forms_match_torch():
    x, tx = _pair((2, 3, 4))
    for args, kw in [((0,), {}), ((0, 2), {}), (([1, 2],), {}), ((), {"dims": (0,)})]:
        _close(x.flip(*args, **kw), tx.flip(*args, **kw))
    _close(xa.flip(x, [2]), torch.flip(tx, [2]))


def test_sort_and_topk_indices_match_torch():
    x, tx = _pair((3, 5), 4)
    for kw in [{}, {"dim": 0}, {"descending": True}]:
        v, i = x.sort(**kw)
        tv, ti = tx.sort(**kw)
        _close(v, tv)
        assert i.dtype == np.int64 and np.array_equal(i.numpy(), ti.numpy())
    for k, kw in [(2, {}), (1, {"dim": 0}), (3, {"largest": False})]:
        v, i = xa.topk(x, k, **kw)
        tv, ti = torch.topk(tx, k, **kw)
        _close(v, tv)
        assert i.dtype == np.int64 and np.array_equal(i.numpy(), ti.numpy())


def test_split_and_chunk_sizes_match_torch():
    x, tx = _pair((7, 2))
    for arg in [3, [2, 5], 7, 10]:
        assert [p.shape for p in x.split(arg)] == [tuple(p.shape) for p in tx.split(arg)]
    for n in [1, 2, 3, 4, 7]:
        pieces, tpieces = xa.chunk(x, n), torch.chunk(tx, n)
        assert [p.shape for p in pieces] == [tuple(p.shape) for p in tpieces]
        for p, tp in zip(pieces, tpieces):
            _close(p, tp)


def test_masked_fill_inplace_in_the_graph_matches_torch():
    x, tx = _pair((3, 4), 2, True)
    m = np.random.default_rng(3).random((3, 4)) > 0.5
    h, th = x * 2, tx * 2
    h.masked_fill_(xa.tensor(m), 0.25)
    th.masked_fill_(torch.tensor(m), 0.25)
    (h * h).sum().backward()
    (th * th).sum().backward()
    _close(h, th)
    _close(x.grad, tx.grad)
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf Variable"):
        x.masked_fill_(xa.tensor(m), 0.0)
    y = x.detach().clone()
    assert y.masked_fill_(xa.tensor(m), 1.0) is y and y._version == 1


def test_scatter_inplace_matches_torch_with_src_and_value():
    index = [[0, 1, 2, 0], [2, 0, 1, 1]]
    z, tz = xa.zeros(3, 4), torch.zeros(3, 4)
    z.scatter_(0, xa.tensor(index), 1.5)
    tz.scatter_(0, torch.tensor(index), 1.5)
    _close(z, tz)
    s, ts = _pair((2, 4), 5, True)
    w, tw = _pair((3, 4), 6, True)
    h, th = w * 1, tw * 1
    h.scatter_(0, xa.tensor(index), s)
    th.scatter_(0, torch.tensor(index), ts)
    (h * h).sum().backward()
    (th * th).sum().backward()
    _close(h, th)
    _close(s.grad, ts.grad)
    _close(w.grad, tw.grad)


@pytest.mark.parametrize("call, error, match", [
    (lambda x: x.gather(0, xa.tensor([[0.0, 1.0]])), TypeError,
     "gather: expected index of an integer"),
    (lambda x: x.gather(0, xa.tensor([[5, 0, 0, 0]])), IndexError, "gather: index out of range"),
    (lambda x: x.gather(0, xa.tensor([0, 1])), ValueError, "gather: index of shape"),
    (lambda x: x.gather(2, xa.tensor([[0]])), IndexError, "gather: dim 2 is out of range"),
    (lambda x: x.scatter(0, xa.tensor([[0]])), TypeError, "scatter: expected exactly one"),
    (lambda x: x.index_select(0, xa.tensor([[0]])), ValueError, "index_select: expected a 1-D"),
    (lambda x: x.masked_fill(x, 0.0), TypeError, "masked_fill: expected a bool mask"),
    (lambda x: x.masked_fill(xa.tensor([True, False]), 0.0), ValueError,
     "masked_fill: mask of shape"),
    (lambda x: x.flip(0, 0), ValueError, "flip: dims"),
    (lambda x: x.repeat(2), ValueError, "repeat: number of repeat dims"),
    (lambda x: x.split([1, 1]), ValueError, "split: sizes"),
    (lambda x: x.split(0), ValueError, "split: split_size must be positive"),
    (lambda x: x.chunk(0), ValueError, "chunk: expected a positive number"),
    (lambda x: x.topk(9), ValueError, r"topk: k \(9\) out of range"),
    (lambda x: xa.t(x.reshape(1, 3, 4)), ValueError, "t: expects a tensor with <= 2"),
    (lambda x: xa.gather([1, 2], 0, xa.tensor([0])), TypeError, "gather: expected a Tensor"),
])
def test_indexing_errors_name_the_op(call, error, match):
    x, _ = _pair((3, 4))
    with pytest.raises(error, match=match):
        call(x)


# -- grad modes --------------------------------------------------------------------------------
def test_set_grad_enabled_as_function_context_and_decorator():
    w = xa.ones(2, requires_grad=True)
    with xa.set_grad_enabled(False):
        assert not xa.is_grad_enabled() and (w * 2).grad_fn is None
    assert xa.is_grad_enabled()
    with xa.no_grad():
        with xa.set_grad_enabled(True):
            assert (w * 2).grad_fn is not None
        assert not xa.is_grad_enabled()
    try:
        xa.set_grad_enabled(False)   # a call takes effect at once, as torch's
        assert not xa.is_grad_enabled()
    finally:
        xa.set_grad_enabled(True)
    assert xa.is_grad_enabled()

    @xa.set_grad_enabled(False)
    def f():
        return xa.is_grad_enabled()
    assert xa.is_grad_enabled() and f() is False and xa.is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled: expected a bool"):
        xa.set_grad_enabled("no")


def test_inference_mode_is_no_grad():
    w = xa.ones(2, requires_grad=True)
    with xa.inference_mode():
        assert (w * 2).grad_fn is None
    with xa.inference_mode(False):
        assert (w * 2).grad_fn is not None

    @xa.inference_mode()
    def f():
        return (w * 2).requires_grad
    assert f() is False and xa.is_grad_enabled()


# -- comparisons ---------------------------------------------------------------------------------
def test_is_tensor_allclose_isclose_equal_match_torch():
    a = np.array([1.0, 2.0, np.nan], np.float32)
    b = a + np.array([1e-6, 1e-3, 0], np.float32)
    x, y, tx, ty = xa.tensor(a), xa.tensor(b), torch.tensor(a), torch.tensor(b)
    assert xa.is_tensor(x) and xa.is_tensor(xa.nn.Parameter(x)) and not xa.is_tensor(a)
    for kw in [{}, {"equal_nan": True}, {"rtol": 1e-2}, {"atol": 1e-2, "equal_nan": True}]:
        assert np.array_equal(xa.isclose(x, y, **kw).numpy(), torch.isclose(tx, ty, **kw).numpy())
        assert xa.allclose(x, y, **kw) == torch.allclose(tx, ty, **kw)
    assert xa.equal(x[:2], x[:2].clone()) and torch.equal(tx[:2], tx[:2].clone())
    assert not xa.equal(x[:2], x[:1]) and not torch.equal(tx[:2], tx[:1])
    with pytest.raises(TypeError, match="allclose: expected other to be a Tensor"):
        xa.allclose(x, a)
    with pytest.raises(ValueError, match="isclose: shapes"):
        xa.isclose(x, xa.ones(2))


# -- heaviside is PyTorch's, step the notes' -----------------------------------------------------

def test_heaviside_matches_torch_and_step_is_one_at_zero():
    a = np.array([[-1.5, 0.0, 2.0], [0.0, -0.0, 3.0]], np.float32)
    for values in ([0.5], [[0.25], [0.75]]):
        v = np.array(values, np.float32)
        _close(xa.heaviside(xa.tensor(a), xa.tensor(v)),
               torch.heaviside(torch.tensor(a), torch.tensor(v)))
    ints = xa.heaviside(xa.tensor([-2, 0, 5]), xa.tensor([7]))
    assert ints.dtype == np.int64 and ints.tolist() == [0, 7, 1]
    import xarxa.nn.functional as F
    assert F.step(xa.tensor(a)).tolist() == [[0.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    with pytest.raises(TypeError, match="heaviside: input and values must have the same dtype"):
        xa.heaviside(xa.tensor(a), xa.tensor([1]))
    with pytest.raises(TypeError, match="heaviside: expected Tensors for input and values"):
        xa.heaviside(xa.tensor(a), 0.5)
    with pytest.raises(ValueError, match="heaviside: shapes"):
        xa.heaviside(xa.tensor(a), xa.ones(2))
