"""`out=` on the torch-level functions (xarxa/autograd/ops/_out.py), against PyTorch: the
values written, the tensor returned, resizing (and its warning), dtype casts and refusals,
the version counter and the refusal under autograd."""
import warnings

import numpy as np
import pytest
import torch

import xarxa as xa

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal((2, 3)).astype(np.float32)
P = np.abs(A) + 0.5
M3 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
N3 = RNG.standard_normal((2, 4, 5)).astype(np.float32)
IDX = np.array([[0, 2], [1, 0]])

# name -> f(lib, a, b) calling the torch-level function with out=: the same in both
CASES = {
    "add": lambda L, o: L.add(L.tensor(A), L.tensor(B), out=o),
    "add alpha": lambda L, o: L.add(L.tensor(A), L.tensor(B), alpha=2, out=o),
    "add scalar": lambda L, o: L.add(L.tensor(A), 1.5, out=o),
    "sub": lambda L, o: L.sub(L.tensor(A), L.tensor(B), out=o),
    "sub alpha": lambda L, o: L.sub(L.tensor(A), L.tensor(B), alpha=0.5, out=o),
    "mul": lambda L, o: L.mul(L.tensor(A), L.tensor(B), out=o),
    "div": lambda L, o: L.div(L.tensor(A), L.tensor(P), out=o),
    "matmul": lambda L, o: L.matmul(L.tensor(A), L.tensor(B.T.copy()), out=o),
    "mm": lambda L, o: L.mm(L.tensor(A), L.tensor(B.T.copy()), out=o),
    "bmm": lambda L, o: L.bmm(L.tensor(M3), L.tensor(N3), out=o),
    "sum dim": lambda L, o: L.sum(L.tensor(A), 1, out=o),
    "sum keepdim": lambda L, o: L.sum(L.tensor(A), 0, keepdim=True, out=o),
    "mean dim": lambda L, o: L.mean(L.tensor(A), 0, out=o),
    "std": lambda L, o: L.std(L.tensor(A), 1, out=o),
    "var": lambda L, o: L.var(L.tensor(A), 1, out=o),
    "argmax": lambda L, o: L.argmax(L.tensor(A), 1, out=o),
    "cat": lambda L, o: L.cat([L.tensor(A), L.tensor(B)], 1, out=o),
    "stack": lambda L, o: L.stack([L.tensor(A), L.tensor(B)], out=o),
    "exp": lambda L, o: L.exp(L.tensor(A), out=o),
    "log": lambda L, o: L.log(L.tensor(P), out=o),
    "sqrt": lambda L, o: L.sqrt(L.tensor(P), out=o),
    "abs": lambda L, o: L.abs(L.tensor(A), out=o),
    "neg": lambda L, o: L.neg(L.tensor(A), out=o),
    "sin": lambda L, o: L.sin(L.tensor(A), out=o),
    "cos": lambda L, o: L.cos(L.tensor(A), out=o),
    "tanh": lambda L, o: L.tanh(L.tensor(A), out=o),
    "sigmoid": lambda L, o: L.sigmoid(L.tensor(A), out=o),
    "pow": lambda L, o: L.pow(L.tensor(P), 2.5, out=o),
    "clamp": lambda L, o: L.clamp(L.tensor(A), -0.5, 0.5, out=o),
    "maximum": lambda L, o: L.maximum(L.tensor(A), L.tensor(B), out=o),
    "where": lambda L, o: L.where(L.tensor(A) > 0, L.tensor(A), L.tensor(B), out=o),
    "floor": lambda L, o: L.floor(L.tensor(A), out=o),
    "square": lambda L, o: L.square(L.tensor(A), out=o),
    "erf": lambda L, o: L.erf(L.tensor(A), out=o),
    "gather": lambda L, o: L.gather(L.tensor(A), 1, L.tensor(IDX), out=o),
    "index_select": lambda L, o: L.index_select(L.tensor(A), 1, L.tensor([2, 0]), out=o),
    "norm": lambda L, o: L.norm(L.tensor(A), dim=1, out=o),
    "gt": lambda L, o: L.gt(L.tensor(A), 0, out=o),
}
FLOAT_EMPTY = {"argmax": "int64", "gt": "bool"}


def _out(lib, case, shape=(0,)):
    dtype = getattr(lib, FLOAT_EMPTY.get(case, "float32"))
    return lib.empty(shape, dtype=dtype)


@pytest.mark.parametrize("case", list(CASES))
def test_out_writes_returns_and_bumps_like_pytorch(case):
    f = CASES[case]
    # an empty out is resized silently
    o_x, o_t = _out(xa, case), _out(torch, case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r_x, r_t = f(xa, o_x), f(torch, o_t)
    assert r_x is o_x and r_t is o_t
    assert o_x.shape == o_t.shape and str(o_x.dtype) == str(o_t.dtype)
    np.testing.assert_allclose(o_x.numpy(), o_t.numpy(), rtol=1e-6, atol=1e-6)
    # an out of the right shape is written in place: the same array, one more version
    array, version = o_x.numpy(), o_x._version
    f(xa, o_x)
    assert o_x.numpy() is array and o_x._version == version + 1
    np.testing.assert_allclose(o_x.numpy(), o_t.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ["add", "cat", "sum dim", "exp"])
def test_a_non_empty_out_of_another_shape_is_resized_with_pytorchs_warning(case):
    f = CASES[case]
    with pytest.warns(UserWarning) as ours:
        o_x = f(xa, _out(xa, case, (7,)))
    with pytest.warns(UserWarning) as theirs:
        o_t = f(torch, _out(torch, case, (7,)))
    assert o_x.shape == o_t.shape
    text = str(theirs[0].message).split(" (Triggered internally")[0]
    assert str(ours[0].message) == text


def test_two_result_ops_take_a_pair():
    for L in (xa, torch):
        values, indices = L.empty(0), L.empty(0, dtype=L.int64)
        result = L.max(L.tensor(A), 1, out=(values, indices))
        assert result[0] is values and result[1] is indices
        assert result.values is values and result.indices is indices
    x = xa.tensor(A)
    v, i = xa.empty(0), xa.empty(0, dtype=xa.int64)
    xa.sort(x, 1, out=(v, i))
    np.testing.assert_array_equal(v.numpy(), np.sort(A, 1))
    np.testing.assert_array_equal(i.numpy(), np.argsort(A, 1))
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        xa.topk(x, 2, out=(v, i))  # resized from (2, 3): with the warning
    assert v.shape == (2, 2)
    v, i = xa.empty(0), xa.empty(0, dtype=xa.int64)
    xa.min(x, 0, out=(v, i))
    np.testing.assert_array_equal(v.numpy(), A.min(0))


def test_out_may_be_an_input():
    for L in (xa, torch):
        x = L.tensor(A.copy())
        assert L.add(x, x, out=x) is x
        np.testing.assert_allclose(x.numpy(), 2 * A)


def test_out_is_refused_under_autograd_as_in_pytorch():
    message = ("add(): functions with out=... arguments don't support automatic "
               "differentiation, but one of the arguments requires grad.")
    for L in (xa, torch):
        x = L.tensor(A, requires_grad=True)
        with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")
                           .replace(".", r"\.")):
            L.add(x, 1, out=L.empty(0))
        with pytest.raises(RuntimeError, match="functions with out=... arguments"):
            L.add(L.tensor(A), 1, out=L.empty(0, requires_grad=True))
        with pytest.raises(RuntimeError, match="functions with out=... arguments"):
            L.cat([L.tensor(A), x], out=L.empty(0))
        with L.no_grad():  # allowed without grad mode; out gains no history
            o = L.empty(2, 3, requires_grad=True)
            L.add(x, 1, out=o)
        assert o.grad_fn is None and o.requires_grad
        np.testing.assert_allclose(o.detach().numpy(), A + 1)


def test_dtype_casts_and_refusals_as_in_pytorch():
    ints, floats = np.array([1, 2]), np.array([1.5, 2.5], np.float32)
    for L in (xa, torch):
        o = L.empty(2, dtype=L.float64)   # int -> float: cast
        L.add(L.tensor(ints), 1, out=o)
        assert o.dtype == L.float64 and o.tolist() == [2.0, 3.0]
        o = L.empty(2, dtype=L.int64)     # int -> int
        assert L.add(L.tensor(ints), 1, out=o).tolist() == [2, 3]
    for result, out, message in (
            (floats, "int64", "result type Float can't be cast to the desired output type "
                              "Long"),
            (ints, "bool", "result type Long can't be cast to the desired output type Bool")):
        for L in (xa, torch):
            with pytest.raises(RuntimeError, match=message):
                L.add(L.tensor(result), 1, out=L.empty(2, dtype=getattr(L, out)))
    with pytest.raises(TypeError, match=r"add\(\): argument 'out' must be Tensor, not list"):
        xa.add(xa.tensor(A), 1, out=[])


def test_a_graph_that_saved_the_out_tensor_refuses_after_the_write():
    x = xa.tensor(A, requires_grad=True)
    o = xa.tensor(B)
    y = (x * o).sum()               # Mul saved o
    xa.add(xa.tensor(A), 1, out=o)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_out_keeps_the_op_hot_path_and_methods_unchanged():
    # the methods and operators take no out (as in PyTorch) and still build graphs
    x = xa.tensor(A, requires_grad=True)
    assert (x + 1).grad_fn.name() == "AddBackward0" and x.exp().grad_fn is not None
    assert xa.add(x, 1).grad_fn is not None and xa.add(x, xa.tensor(B), alpha=2).requires_grad
    np.testing.assert_allclose(xa.sub(xa.tensor(A), xa.tensor(B), alpha=3).numpy(),
                               torch.sub(torch.tensor(A), torch.tensor(B), alpha=3).numpy())
