"""Tensor and function names PyTorch users reach for (issue 11, "Tensor and function names"),
each compared with torch: comparisons, *_as, mm/bmm, norm, the elementary functions' dtypes
and erf's accuracy, meshgrid, __format__, randint's overloads, size/numel/dim/T/clone/tolist,
fill_/zero_/copy_/uniform_/normal_, where with Python numbers, and the xa namespace.
(Gradients and forward values of the differentiable ones: tests/op_table.py.)"""
import importlib
import math
import types

import numpy as np
import pytest
import torch

import xarxa as xa


def _same(x, t):
    """x (xarxa) has torch's values, shape and dtype."""
    assert str(x.dtype) == str(t.dtype), (x.dtype, t.dtype)
    assert x.shape == tuple(t.shape)
    np.testing.assert_allclose(x.numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


A = [[1.0, -2.0, 3.0], [0.5, 2.0, -1.0]]
B = [2.0, -2.0, 0.5]


# -- comparisons -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_as_methods_and_functions_match_torch(name):
    x, t = xa.tensor(A), torch.tensor(A)
    for ox, ot in [(xa.tensor(B), torch.tensor(B)), (2.0, 2.0), (-1, -1),
                   (xa.tensor([[1], [2]]), torch.tensor([[1], [2]]))]:
        _same(getattr(x, name)(ox), getattr(t, name)(ot))
        _same(getattr(xa, name)(x, ox), getattr(torch, name)(t, ot))
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor as first argument"):
        getattr(xa, name)(2.0, x)
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor or a number"):
        getattr(xa, name)(x, "a")


# -- view_as reshape_as expand_as type_as --------------------------------------------------------

def test_as_methods_match_torch_and_stay_differentiable():
    x = xa.tensor(A, requires_grad=True)
    t = torch.tensor(A, requires_grad=True)
    ox, ot = xa.zeros(3, 2), torch.zeros(3, 2)
    _same(x.view_as(ox), t.view_as(ot))
    _same(x.reshape_as(xa.zeros(6)), t.reshape_as(torch.zeros(6)))
    _same(xa.tensor(B).expand_as(x), torch.tensor(B).expand_as(t))
    _same(x.type_as(xa.zeros(1, dtype=xa.float64)), t.type_as(torch.zeros(1, dtype=torch.float64)))
    _same(x.type_as(xa.zeros(1, dtype=xa.int64)), t.type_as(torch.zeros(1, dtype=torch.int64)))
    for name in ("half", "float", "double", "long", "int", "bool"):
        _same(getattr(x, name)(), getattr(t, name)())
    assert x.float() is x and t.float() is t     # no change -> the tensor itself, as torch
    (x.view_as(ox) * xa.arange(6.0).view_as(ox)).sum().backward()
    (t.view_as(ot) * torch.arange(6.0).view_as(ot)).sum().backward()
    _same(x.grad, t.grad)


# -- mm, bmm -------------------------------------------------------------------------------------

def test_mm_bmm_match_torch():
    x, t = xa.tensor(A), torch.tensor(A)
    _same(xa.mm(x, x.T), torch.mm(t, t.T))
    _same(x.mm(x.T), t.mm(t.T))
    _same(xa.bmm(x[None], x.T[None]), torch.bmm(t[None], t.T[None]))
    _same(x[None].bmm(x.T[None]), t[None].bmm(t.T[None]))


@pytest.mark.parametrize("call, message", [
    (lambda: xa.mm(xa.zeros(2, 3), xa.zeros(4, 5)),
     r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda: xa.mm(xa.zeros(3), xa.zeros(3, 5)), r"mm: expected two 2-D matrices, got shapes "
                                                 r"torch.Size\(\[3\]\) and torch.Size\(\[3, 5\]\)"),
    (lambda: xa.mm(xa.zeros(2, 2, 3), xa.zeros(3, 5)), r"mm: expected two 2-D matrices"),
    (lambda: xa.bmm(xa.zeros(2, 2, 3), xa.zeros(3, 3, 5)),
     r"bmm: shapes torch.Size\(\[2, 2, 3\]\) and torch.Size\(\[3, 3, 5\]\) cannot be "
     r"multiplied: expected mat2 of shape \(2, 3, p\)"),
    (lambda: xa.bmm(xa.zeros(2, 2, 3), xa.zeros(2, 4, 5)), r"bmm: shapes .* cannot be multiplied"),
    (lambda: xa.bmm(xa.zeros(2, 3), xa.zeros(2, 3, 5)), r"bmm: expected two 3-D tensors"),
])
def test_mm_bmm_shape_errors_name_the_op(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mm_refuses_mixed_dtypes_like_torch():
    with pytest.raises(RuntimeError):
        torch.mm(torch.zeros(2, 2), torch.zeros(2, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="mm: expected both tensors of the same dtype, got "
                                        "torch.float32 and torch.float64"):
        xa.mm(xa.zeros(2, 2), xa.zeros(2, 2, dtype=xa.float64))


# -- norm ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"p": 2}, {"p": "fro", "dim": (0, 1)}, {"p": 1, "dim": 0},
                                {"p": 3, "dim": -1, "keepdim": True}, {"p": 0.5},
                                {"p": math.inf}, {"p": -math.inf, "dim": 1}, {"p": 0},
                                {"p": None}, {"dtype": xa.float64}])
def test_norm_function_and_method_match_torch(kw):
    tkw = {k: (torch.float64 if k == "dtype" else v) for k, v in kw.items()}
    x, t = xa.tensor(A), torch.tensor(A)
    _same(xa.norm(x, **kw), torch.norm(t, **tkw))
    _same(x.norm(**kw), t.norm(**tkw))


@pytest.mark.parametrize("p", [2, 1, 1.5, 0.5, 3, math.inf, 0])
def test_norm_gradient_at_zero_and_at_ties_matches_torch(p):
    # the conventions of PyTorch's norm_backward: 0 where the norm (or x) is 0, ties share
    for values in ([0.0, 0.0, 0.0], [0.0, 1.0, -2.0], [2.0, -2.0, 1.0]):
        x = xa.tensor(values, requires_grad=True)
        t = torch.tensor(values, requires_grad=True)
        xa.norm(x, p=p).backward()
        torch.norm(t, p=p).backward()
        if t.grad is None:    # p = 0: torch gives no gradient at all
            assert x.grad is None
        else:
            _same(x.grad, t.grad)


def test_norm_bad_arguments():
    with pytest.raises(TypeError, match="norm: expected a floating point tensor, got dtype "
                                        "torch.int64"):
        xa.norm(xa.tensor([1, 2]))
    with pytest.raises(ValueError, match="norm: p='nuc' is not supported"):
        xa.norm(xa.zeros(2, 2), p="nuc")
    with pytest.raises(ValueError, match=r"norm: p='fro' takes at most 2 dims, got dim=\(0, 1, "
                                         r"2\)"):
        xa.norm(xa.zeros(2, 2, 2), p="fro", dim=(0, 1, 2))
    with pytest.raises(IndexError, match="norm: dim 2 is out of range"):
        xa.norm(xa.zeros(2, 2), dim=2)


def test_norm_is_the_function_and_no_op_module_leaks_into_xa():
    assert callable(xa.norm) and not isinstance(xa.norm, types.ModuleType)
    leaked = [name for name in dir(xa) if isinstance(getattr(xa, name), types.ModuleType)
              and getattr(xa, name).__name__.startswith("xarxa.autograd.ops.")]
    assert not leaked, f"op family modules exported by xarxa: {leaked}"
    for name in ("pool", "conv", "shape", "reduce", "activation", "elementwise", "linalg"):
        assert not hasattr(xa, name), name
    # the batch-norm module is still importable under its own name
    assert importlib.import_module("xarxa.autograd.ops.norm").batch_norm is xa.batch_norm


# -- elementary functions: dtypes, methods, erf ---------------------------------------------------

UNARY_NAMES = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "erf", "floor",
               "ceil", "round", "sign", "reciprocal", "rsqrt", "square", "log2", "log10",
               "log1p", "expm1"]


@pytest.mark.parametrize("name", UNARY_NAMES)
@pytest.mark.parametrize("values", [[0.25, 0.75], [1, 1], [True, True]], ids=str)
def test_elementary_functions_dtypes_and_methods_match_torch(name, values):
    x, t = xa.tensor(values), torch.tensor(values)
    try:
        expected = getattr(torch, name)(t)
    except RuntimeError:   # torch has no kernel for this dtype (e.g. floor of bool)
        return
    _same(getattr(xa, name)(x), expected)
    _same(getattr(x, name)(), getattr(t, name)())


def test_atan2_with_numbers_and_integers_matches_torch():
    _same(xa.atan2(xa.tensor([1, -2]), xa.tensor([1, 1])),
          torch.atan2(torch.tensor([1, -2]), torch.tensor([1, 1])))
    _same(xa.tensor(A).atan2(xa.tensor(B)), torch.tensor(A).atan2(torch.tensor(B)))
    with pytest.raises(ValueError, match="atan2: shapes"):
        xa.atan2(xa.zeros(2), xa.zeros(3))


def test_round_halves_to_even_and_decimals_like_torch():
    values = [0.5, 1.5, 2.5, -0.5, -1.5, 2.567, -2.567]
    _same(xa.round(xa.tensor(values)), torch.round(torch.tensor(values)))
    _same(xa.round(xa.tensor(values), decimals=2), torch.round(torch.tensor(values), decimals=2))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "sign"])
def test_piecewise_constant_functions_have_zero_gradient_like_torch(name):
    x = xa.tensor([0.3, -1.7, 2.5], requires_grad=True)
    t = torch.tensor([0.3, -1.7, 2.5], requires_grad=True)
    out_x, out_t = getattr(xa, name)(x), getattr(torch, name)(t)
    assert out_x.requires_grad == out_t.requires_grad is True
    assert out_x.grad_fn.name == name.capitalize()
    out_x.sum().backward()
    out_t.sum().backward()
    _same(x.grad, t.grad)


def test_erf_is_accurate_to_float64_roundoff():
    grid = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 1, 200),
                           -np.geomspace(1e-300, 1, 200), [0.0, -0.0, 0.46875, 4.0, 6.0]])
    expected = np.array([math.erf(v) for v in grid])
    got = xa.erf(xa.tensor(grid)).numpy()
    np.testing.assert_allclose(got, expected, rtol=2e-15, atol=0)
    ends = xa.erf(xa.tensor(np.array([np.inf, -np.inf, 1e300, -30.0, np.nan]))).numpy()
    np.testing.assert_array_equal(ends[:4], [1.0, -1.0, 1.0, -1.0])
    assert np.isnan(ends[4])
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    np.testing.assert_allclose(xa.erf(xa.tensor(x32)).numpy(), torch.erf(torch.tensor(x32)),
                               rtol=0, atol=3e-7)


# -- meshgrid ------------------------------------------------------------------------------------

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch(indexing):
    a, b, c = [0.0, 1.0, 2.0], [5.0, 6.0], [7.0, 8.0, 9.0, 10.0]
    for inputs in ([a, b], [a, b, c], [a], [[3.0], b]):
        xs = xa.meshgrid(*[xa.tensor(v) for v in inputs], indexing=indexing)
        ts = torch.meshgrid(*[torch.tensor(v) for v in inputs], indexing=indexing)
        assert len(xs) == len(ts)
        for x, t in zip(xs, ts):
            _same(x, t)
    xs = xa.meshgrid([xa.tensor(a), xa.tensor(b)], indexing=indexing)   # a list, as torch
    _same(xs[1], torch.meshgrid([torch.tensor(a), torch.tensor(b)], indexing=indexing)[1])


def test_meshgrid_default_indexing_warns_like_torch_and_checks_inputs():
    with pytest.warns(UserWarning, match="meshgrid: .*indexing argument"):
        x, _ = xa.meshgrid(xa.zeros(2), xa.zeros(3))
    assert x.shape == (2, 3)
    with pytest.raises(ValueError, match=r"meshgrid: expected 0-D or 1-D tensors, got shape "
                                         r"torch.Size\(\[2, 2\]\)"):
        xa.meshgrid(xa.zeros(2, 2), indexing="ij")
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy'"):
        xa.meshgrid(xa.zeros(2), indexing="yx")


# -- __format__ ----------------------------------------------------------------------------------

def test_format_like_torch():
    loss_x = (xa.tensor([1.5, 2.0], requires_grad=True) ** 2).mean()
    loss_t = (torch.tensor([1.5, 2.0], requires_grad=True) ** 2).mean()
    assert f"{loss_x:.4f}" == f"{loss_t:.4f}" == "3.1250"
    assert f"{xa.tensor(3):d}" == f"{torch.tensor(3):d}"
    assert f"{xa.tensor(2.5)}" == f"{torch.tensor(2.5)}".replace("tensor(2.5000)", "2.5")
    assert format(xa.tensor(2.5)) == format(torch.tensor(2.5)) == "2.5"
    assert format(xa.tensor([1.5, 2.0])) == str(xa.tensor([1.5, 2.0]))
    for values in ([1.5], [1.5, 2.0]):   # not 0-d: a format spec is a TypeError, as in torch
        with pytest.raises(TypeError):
            f"{torch.tensor(values):.3f}"
        with pytest.raises(TypeError, match="unsupported format string passed to "
                                            "Tensor.__format__"):
            f"{xa.tensor(values):.3f}"


# -- randint --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, kw, low, high", [
    ((5, (3,)), {}, 0, 5), ((2, 5, (3,)), {}, 2, 5), ((2, 5), {"size": (3,)}, 2, 5),
    ((5,), {"size": (2, 2)}, 0, 5), ((), {"high": 5, "size": (3,)}, 0, 5),
    ((), {"low": 2, "high": 5, "size": (3,)}, 2, 5), ((2,), {"high": 5, "size": (3,)}, 2, 5),
    ((0, 3, (4,)), {"dtype": xa.int32}, 0, 3)], ids=str)
def test_randint_overloads_like_torch(args, kw, low, high):
    tkw = {k: (torch.int32 if k == "dtype" else v) for k, v in kw.items()}
    expected = torch.randint(*args, **tkw)
    got = xa.randint(*args, **kw)
    assert got.shape == tuple(expected.shape)
    assert str(got.dtype) == str(expected.dtype)
    draws = xa.randint(*args, **{**kw, "size": (2000,)} if "size" in kw else kw).numpy() \
        if "size" in kw else got.numpy()
    assert draws.min() >= low and draws.max() < high
    assert ((expected.numpy() >= low) & (expected.numpy() < high)).all()


def test_randint_bad_calls():
    with pytest.raises(TypeError):
        torch.randint(5, 3)
    with pytest.raises(TypeError, match=r"randint: size must be a tuple of ints, not int"):
        xa.randint(5, 3)
    with pytest.raises(TypeError, match="randint: expected randint.*missing size"):
        xa.randint(5)
    with pytest.raises(ValueError, match="randint: expected low < high, got low=5, high=2"):
        xa.randint(5, 2, (3,))
    with pytest.raises(TypeError, match="randint: got multiple values for argument 'high'"):
        xa.randint(5, (3,), high=4)


def test_randint_is_reproducible_with_manual_seed():
    xa.manual_seed(7)
    first = xa.randint(0, 100, size=(10,)).numpy()
    xa.manual_seed(7)
    np.testing.assert_array_equal(xa.randint(100, (10,)).numpy(), first)


# -- numel dim size T clone tolist ----------------------------------------------------------------

def test_shape_queries_match_torch():
    x, t = xa.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.numel() == t.numel() and x.dim() == t.dim()
    assert tuple(x.size()) == tuple(t.size())
    for d in (0, 1, 2, -1, -2, -3):
        assert x.size(d) == t.size(d)
    for d in (3, -4):
        with pytest.raises(IndexError) as expected:
            t.size(d)
        with pytest.raises(IndexError) as got:
            x.size(d)
        torch_message = str(expected.value)   # "Dimension out of range (… [-3, 2] …)"
        assert str(got.value) == "size: d" + torch_message[1:]
    assert xa.tensor(2.0).size() == tuple(torch.tensor(2.0).size()) == ()
    with pytest.raises(IndexError):
        torch.tensor(2.0).size(0)
    with pytest.raises(IndexError, match="size: dimension specified as 0 but tensor has no "
                                         "dimensions"):
        xa.tensor(2.0).size(0)
    _same(xa.tensor(A).T, torch.tensor(A).T)
    assert xa.tensor(A).tolist() == torch.tensor(A).tolist()
    assert xa.tensor([1, 2]).tolist() == torch.tensor([1, 2]).tolist()
    assert xa.tensor(2.5).tolist() == torch.tensor(2.5).tolist()


def test_clone_copies_and_stays_in_the_graph():
    x = xa.tensor(B, requires_grad=True)
    y = x.clone()
    assert not np.shares_memory(y.numpy(), x.numpy()) and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


# -- fill_ zero_ copy_ uniform_ normal_ -----------------------------------------------------------

INPLACE = {
    "fill_": (lambda x: x.fill_(2.5), lambda t: t.fill_(2.5)),
    "fill_ tensor": (lambda x: x.fill_(xa.tensor(2.5)), lambda t: t.fill_(torch.tensor(2.5))),
    "zero_": (lambda x: x.zero_(), lambda t: t.zero_()),
    "copy_": (lambda x: x.copy_(xa.tensor([1.0, 2.0, 3.0])),
              lambda t: t.copy_(torch.tensor([1.0, 2.0, 3.0]))),
    "copy_ broadcast": (lambda x: x.copy_(xa.tensor(4)), lambda t: t.copy_(torch.tensor(4))),
    "uniform_": (lambda x: x.uniform_(-1, 1), lambda t: t.uniform_(-1, 1)),
    "normal_": (lambda x: x.normal_(0, 0.1), lambda t: t.normal_(0, 0.1)),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_writes_return_self_bump_the_version_and_refuse_leaves(name):
    fx, ft = INPLACE[name]
    x, t = xa.zeros(3), torch.zeros(3)
    array, before = x.numpy(), x._version
    assert fx(x) is x and x.numpy() is array
    assert ft(t) is t
    assert x._version == before + 1 == t._version
    if "uniform" not in name and "normal" not in name:
        _same(x, t)
    leaf_x = xa.zeros(3, requires_grad=True)
    leaf_t = torch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError) as expected:
        ft(leaf_t)
    with pytest.raises(RuntimeError, match=str(expected.value).rstrip(".")):
        fx(leaf_x)
    with xa.no_grad():   # allowed under no_grad, as in torch (initialising weights)
        assert fx(leaf_x) is leaf_x


def test_an_inplace_write_after_use_makes_backward_refuse():
    w = xa.ones(3)
    x = xa.tensor(B, requires_grad=True)
    loss = (x * w).sum()     # the product saved w
    w.uniform_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        loss.backward()


def test_random_fills_draw_the_right_distribution_reproducibly():
    xa.manual_seed(0)
    u = xa.empty(20000).uniform_(2.0, 5.0).numpy()
    assert u.min() >= 2.0 and u.max() < 5.0 and abs(u.mean() - 3.5) < 0.05
    n = xa.empty(20000, dtype=xa.float64).normal_(1.0, 0.5).numpy()
    assert n.dtype == np.float64
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    xa.manual_seed(0)
    np.testing.assert_array_equal(xa.empty(20000).uniform_(2.0, 5.0).numpy(), u)


def test_random_fill_bad_arguments():
    with pytest.raises(RuntimeError):
        torch.zeros(2).uniform_(1, 0)
    with pytest.raises(ValueError, match="uniform_: expected a <= b, got a=1, b=0"):
        xa.zeros(2).uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_: expected std >= 0, got std=-1"):
        xa.zeros(2).normal_(0, -1)
    with pytest.raises(TypeError, match="uniform_: expected a floating point tensor, got dtype "
                                        "torch.int64"):
        xa.zeros(2, dtype=xa.int64).uniform_()


# -- where with Python numbers --------------------------------------------------------------------

def test_where_with_python_numbers_matches_torch():
    c_x, c_t = xa.tensor([True, False, True]), torch.tensor([True, False, True])
    x, t = xa.tensor(B), torch.tensor(B)
    xi, ti = xa.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    for fx, ft in [(lambda: xa.where(c_x, 1.0, 0.0), lambda: torch.where(c_t, 1.0, 0.0)),
                   (lambda: xa.where(c_x, 1, 0), lambda: torch.where(c_t, 1, 0)),
                   (lambda: xa.where(c_x, 1, 0.5), lambda: torch.where(c_t, 1, 0.5)),
                   (lambda: xa.where(c_x, True, False), lambda: torch.where(c_t, True, False)),
                   (lambda: xa.where(c_x, x, 0.5), lambda: torch.where(c_t, t, 0.5)),
                   (lambda: xa.where(c_x, 0.5, x), lambda: torch.where(c_t, 0.5, t)),
                   (lambda: xa.where(c_x, xi, 0.5), lambda: torch.where(c_t, ti, 0.5)),
                   (lambda: xa.where(c_x, xi, 7), lambda: torch.where(c_t, ti, 7))]:
        _same(fx(), ft())
    x = xa.tensor(B, requires_grad=True)
    xa.where(c_x, x, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
