"""Numerics of the core ops at the edges (issue 8), each compared with PyTorch: float16
counts above 65,504, finite gradients where PyTorch's are finite, NaN propagation and
zero-size inputs."""
import warnings

import numpy as np
import pytest
import torch

import xarxa as xa


def both(values, dtype=np.float64):
    """The same values as a xarxa and a torch tensor, both requiring a gradient."""
    a = np.asarray(values, dtype=dtype)
    return xa.tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)


def check(out, ref, x, tx, upstream=None):
    """Equal values (NaN where torch has NaN) and equal input gradients."""
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6, equal_nan=True)
    v = np.ones(out.shape, out.dtype) if upstream is None else upstream
    (out * xa.tensor(v)).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, equal_nan=True)


# -- float16 over more than 65,504 elements ---------------------------------------------------

N16 = 70_000   # > 65,504, the largest float16: the count itself is inf in float16


@pytest.mark.parametrize("name", ["mean", "var", "std", "sum"])
def test_float16_reductions_over_more_elements_than_float16_can_count(name):
    values = np.random.default_rng(0).uniform(0.0, 1.0, N16).astype(np.float16)
    x, tx = both(values, np.float16)
    out, ref = getattr(x, name)(), getattr(tx, name)()
    assert out.dtype == np.float16
    if name == "mean":
        assert abs(float(out.item()) - 0.5) < 0.01           # it was 0 (sum / inf)
    np.testing.assert_allclose(out.numpy().astype(np.float32), ref.detach().float().numpy(),
                               rtol=2e-3)
    out.backward()
    ref.backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float32), tx.grad.float().numpy(),
                               rtol=2e-2, atol=1e-7)
    if name == "mean":
        assert np.all(x.grad.numpy() > 0)                    # 1/70000, not 1/inf = 0


def test_float16_mean_along_a_dim_and_sum_accumulate_in_float32():
    x, tx = both(np.ones((2, N16)), np.float16)
    np.testing.assert_array_equal(x.mean(dim=1).numpy(), tx.mean(dim=1).detach().numpy())
    # Σ of 70,000 ones is beyond float16: inf in both (accumulated in float32, then cast)
    assert np.isinf(x.sum().item()) and torch.isinf(tx.sum())
    small, tsmall = both(np.full(N16, 1e-3), np.float16)
    np.testing.assert_allclose(small.sum().item(), tsmall.sum().item(), rtol=1e-3)


# -- finite gradients where PyTorch's are finite ----------------------------------------------

@pytest.mark.parametrize("dim", [None, 1])
def test_std_of_constant_values_has_a_zero_gradient(dim):
    x, tx = both(np.full((2, 3), 4.0))
    out = x.std() if dim is None else x.std(dim=dim)
    ref = tx.std() if dim is None else tx.std(dim=dim)
    check(out, ref, x, tx)
    assert np.all(x.grad.numpy() == 0)                        # it was NaN (0 · ∞)


def test_std_and_var_gradients_match_torch_with_keepdim_and_correction():
    values = np.random.default_rng(1).standard_normal((3, 4))
    for kwargs in ({"dim": 0, "keepdim": True}, {"dim": (0, 1), "correction": 0}, {}):
        for name in ("std", "var"):
            x, tx = both(values)
            check(getattr(x, name)(**kwargs), getattr(tx, name)(**kwargs), x, tx)


def test_std_with_no_degree_of_freedom_is_nan_with_a_warning_as_in_torch():
    x, tx = both([3.0])
    with pytest.warns(UserWarning, match="std: degrees of freedom"):
        out = x.std()
    with pytest.warns(UserWarning):
        ref = tx.std()
    check(out, ref, x, tx)
    assert np.isnan(out.item())


@pytest.mark.parametrize("exponent", [0, 0.0])
def test_pow_zero_at_zero_has_a_zero_gradient(exponent):
    x, tx = both([0.0, 2.0, -1.5])
    check(x ** exponent, tx ** exponent, x, tx)
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])   # it was NaN at 0


def test_pow_with_a_zero_tensor_exponent_at_zero_has_a_zero_gradient():
    x, tx = both([0.0, 2.0])
    e, te = both([0.0, 2.0])
    check(x ** e, tx ** te, x, tx)
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0])


# -- NaN propagates ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_propagate_nan_as_torch(name):
    nan = float("nan")
    a, ta = both([1.0, nan, 2.0, nan, 5.0])
    b, tb = both([nan, 0.0, 3.0, nan, 4.0])   # no tie: PyTorch splits g on a tie
    out, ref = getattr(xa, name)(a, b), getattr(torch, name)(ta, tb)
    assert np.isnan(out.numpy()[[0, 1, 3]]).all()             # NaN wins, from either side
    upstream = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    check(out, ref, a, ta, upstream)
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


def test_maximum_tie_still_routes_to_the_first_input():
    # the documented tie rule (the notes' max node), where PyTorch splits g in halves
    a, b = xa.tensor([1.0], requires_grad=True), xa.tensor([1.0], requires_grad=True)
    xa.maximum(a, b).sum().backward()
    assert a.grad.item() == 1.0 and b.grad.item() == 0.0


def test_max_reduction_propagates_nan_as_torch():
    values = [[1.0, float("nan"), 3.0], [4.0, 0.0, 2.0]]
    x, tx = both(values)
    out, ref = x.max(dim=1), tx.max(dim=1)
    np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
    check(out.values, ref.values, x, tx)
    assert np.isnan(x.max().item()) and torch.isnan(tx.max())


# -- zero-size inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 1), ((0, 3), 0)])
def test_softmax_of_an_empty_dimension_or_batch_is_empty(name, shape, dim):
    x, tx = both(np.zeros(shape))
    out, ref = getattr(xa, name)(x, dim=dim), getattr(torch, name)(tx, dim=dim)
    assert out.shape == tuple(ref.shape)
    check(out, ref, x, tx)
    assert x.grad.shape == shape


@pytest.mark.parametrize("name", ["max", "min", "std", "var", "mean", "sum"])
def test_reducing_a_non_empty_dim_of_an_empty_batch_gives_an_empty_result(name):
    x, tx = both(np.zeros((0, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # xarxa: no warning for an empty batch
        out = getattr(x, name)(dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # torch warns about std/var here
        ref = getattr(tx, name)(dim=1)
    if name in ("max", "min"):
        assert out.indices.shape == tuple(ref.indices.shape) == (0,)
        out, ref = out.values, ref.values
    assert out.shape == tuple(ref.shape) == (0,)
    check(out, ref, x, tx)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_over_an_empty_dim_is_an_error_as_in_torch(name):
    x, tx = both(np.zeros((0, 3)))
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        getattr(tx, name)(dim=0)
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce dim 0 of size 0 .*\[0, 3\]"):
        getattr(x, name)(dim=0)
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        getattr(tx, name)()
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce an empty tensor .*dim="):
        getattr(x, name)()


def test_var_over_an_empty_dim_is_nan_as_in_torch():
    x, tx = both(np.zeros((0, 3)))
    with pytest.warns(UserWarning, match="var: degrees of freedom"):
        out = x.var(dim=0)
    with pytest.warns(UserWarning):
        ref = tx.var(dim=0)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())   # NaN × 3
    np.testing.assert_array_equal(x.mean(dim=0).numpy(), tx.mean(dim=0).detach().numpy())


# -- softmax without dim -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_warns_and_uses_the_last_dimension(name):
    values = np.random.default_rng(2).standard_normal((2, 3, 4))
    x, tx = both(values)
    with pytest.warns(UserWarning, match=f"{name}: implicit dimension choice"):
        out = getattr(xa, name)(x)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):   # PyTorch warns too
        getattr(torch.nn.functional, name)(tx)
    np.testing.assert_allclose(out.numpy(), getattr(torch, name)(tx, dim=-1).detach().numpy())
    with pytest.warns(UserWarning, match="implicit dimension"):
        getattr(x, name)()                                            # the Tensor method
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(xa, name)(x, dim=-1)                                  # explicit: silent
        getattr(xa.nn, "Softmax" if name == "softmax" else "LogSoftmax")()(x)
