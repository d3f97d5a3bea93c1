"""Losses at the edges (issue 8), each compared with PyTorch: float16 counts, infinite
errors and logits, NaN or negative targets; and where each loss lives (its function, checks
and module in one family file, the fused nodes with the other ops)."""
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn

INF, NAN = float("inf"), float("nan")


def value_and_grad(fn, tfn, x, *args, dtype=np.float64, **kwargs):
    """fn and tfn on the same input: (xarxa value, torch value, xarxa grad, torch grad)."""
    a = np.asarray(x, dtype=dtype)
    xx, tx = xa.tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)
    targs = [torch.tensor(np.asarray(v)) if isinstance(v, (list, np.ndarray)) else v
             for v in args]
    out = fn(xx, *[xa.tensor(np.asarray(v)) if isinstance(v, (list, np.ndarray)) else v
                   for v in args], **kwargs)
    ref = tfn(tx, *targs, **kwargs)
    out.sum().backward()
    ref.sum().backward()
    return out.numpy(), ref.detach().numpy(), xx.grad.numpy(), tx.grad.numpy()


# -- float16 -----------------------------------------------------------------------------------

def test_mse_loss_float16_over_more_elements_than_float16_can_count():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 70_000).astype(np.float16)
    t = np.zeros(70_000, np.float16)
    out, ref, g, tg = value_and_grad(F.mse_loss, TF.mse_loss, x, t, dtype=np.float16)
    assert out.dtype == np.float16 and g.dtype == np.float16
    assert out > 0.3                                           # it was 0 (Σ / inf)
    np.testing.assert_allclose(np.float32(out), np.float32(ref), rtol=2e-3)
    np.testing.assert_allclose(g.astype(np.float32), tg.astype(np.float32), rtol=2e-2,
                               atol=1e-7)
    assert np.count_nonzero(g) > 60_000                        # 2(x − t)/n, not 2(x − t)/inf


# -- finite gradients where PyTorch's are finite -----------------------------------------------

@pytest.mark.parametrize("delta", [1.0, 2.5])
def test_huber_loss_at_an_infinite_error_has_a_finite_gradient(delta):
    x = [INF, -INF, 0.5, 3.0]
    out, ref, g, tg = value_and_grad(F.huber_loss, TF.huber_loss, x, [0.0] * 4,
                                     reduction="none", delta=delta)
    np.testing.assert_array_equal(out, ref)                    # inf, inf, 0.125, …
    np.testing.assert_array_equal(g, tg)                       # ±δ, not NaN
    assert np.isfinite(g).all()


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("logits", [[INF, 0.0, 1.0], [0.0, -INF, 1.0], [0.0, INF, 1.0],
                                    [-INF, 0.0, 1.0]])
def test_multi_margin_loss_with_an_infinite_logit_matches_torch(p, logits):
    out, ref, g, tg = value_and_grad(F.multi_margin_loss, TF.multi_margin_loss, [logits],
                                     np.array([0]), p=p)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_allclose(g, tg, rtol=1e-12)
    if logits[0] == INF:                                       # the target's own column
        np.testing.assert_array_equal(g, [[0.0, 0.0, 0.0]])    # was NaN (0·NaN)


# -- NaN propagates ----------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # torch's
@pytest.mark.parametrize("target", [[NAN, 0.5, 0.5], [-0.5, 1.0, 0.5], [0.0, 1.0, 0.0]])
def test_kl_div_with_a_nan_or_negative_target_matches_torch(target):
    logq = [-0.7, -1.4, -1.4]
    out, ref, g, tg = value_and_grad(F.kl_div, TF.kl_div, logq, np.array(target),
                                     reduction="none")
    np.testing.assert_allclose(out, ref, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(g, tg, rtol=1e-12, equal_nan=True)
    for reduction in ("sum", "mean", "batchmean"):
        args = (torch.tensor(logq), torch.tensor(target, dtype=torch.float32))
        expected = TF.kl_div(*args, reduction=reduction).item()
        got = F.kl_div(xa.tensor(logq), xa.tensor(target), reduction=reduction).item()
        np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)
    assert np.isnan(out[0]) == (target[0] != 0)                # it was 0: silently dropped


def test_kl_div_zero_target_with_minus_inf_log_probability_is_zero():
    # documented difference: PyTorch gives 0·(−∞) = NaN; p = 0 contributes 0 by definition
    assert torch.isnan(TF.kl_div(torch.tensor([-INF, -1.0]), torch.tensor([0.0, 1.0]),
                                 reduction="none")[0])
    x = xa.tensor([-INF, -1.0], requires_grad=True)
    out = F.kl_div(x, xa.tensor([0.0, 1.0]), reduction="none")
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0])


@pytest.mark.parametrize("values, shown", [([NAN, 0.5], r"values in \[0.5, 0.5\] and 1 NaN"),
                                           ([NAN, NAN], r"2 NaN"),
                                           ([1.5, -0.25], r"values in \[-0.25, 1.5\]")])
def test_bce_probability_check_names_nan(values, shown):
    with pytest.raises(RuntimeError, match="between 0 and 1"):    # PyTorch refuses too
        TF.binary_cross_entropy(torch.tensor(values), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold "
                                         rf"probabilities in \[0, 1\], got {shown}"):
        F.binary_cross_entropy(xa.tensor(values), xa.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="NaN" if np.isnan(values).any() else "1.5"):
        nn.BCELoss()(xa.tensor(values), xa.tensor([1.0, 0.0]))


# -- one reduction helper ------------------------------------------------------------------------

LOSSES = [(F.l1_loss, (xa.zeros(2), xa.zeros(2))), (F.mse_loss, (xa.zeros(2), xa.zeros(2))),
          (F.cross_entropy, (xa.zeros(2, 3), xa.tensor([0, 1]))),
          (F.nll_loss, (xa.zeros(2, 3), xa.tensor([0, 1]))),
          (F.focal_loss, (xa.zeros(2, 3), xa.tensor([0, 1]))),
          (F.binary_cross_entropy, (xa.zeros(2), xa.zeros(2)))]


@pytest.mark.parametrize("fn, args", LOSSES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_reduction_is_checked_with_the_same_message(fn, args):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: reduction must be one of 'mean', "
                                         r"'sum', 'none', got 'average'"):
        fn(*args, reduction="average")
    with pytest.raises(ValueError, match="reduction must be one of"):
        fn(*args, reduction="batchmean")                     # kl_div's only


def test_module_reduction_is_checked_when_built():
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="avg")
    nn.KLDivLoss(reduction="batchmean")


@pytest.mark.parametrize("fn, tfn, kwargs", [
    (F.nll_loss, TF.nll_loss, {"weight": [0.2, 1.0, 3.0]}),
    (F.cross_entropy, TF.cross_entropy, {"weight": [0.2, 1.0, 3.0]}),
    (F.kl_div, TF.kl_div, {"reduction": "batchmean"})])
def test_weighted_and_batch_means_match_torch(fn, tfn, kwargs):
    x = np.log(np.random.default_rng(3).dirichlet(np.ones(3), 4))
    t = np.array([0, 2, 2, 1]) if fn is not F.kl_div else np.exp(x[::-1].copy())
    xk = {k: xa.tensor(np.array(v)) if k == "weight" else v for k, v in kwargs.items()}
    tk = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v
          for k, v in kwargs.items()}
    out, ref, g, tg = value_and_grad(lambda a, b: fn(a, b, **xk),
                                     lambda a, b: tfn(a, b, **tk), x, t)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-12)


# -- where the losses live -----------------------------------------------------------------------

def test_every_loss_is_found_in_one_step():
    # each function with its checks and its module in one family file of xarxa/nn/losses/ (the
    # metric-learning losses with their concept); the old paths give the same objects
    import xarxa.nn.loss_functions as old_module
    import xarxa.nn.losses as modules
    homes = ("xarxa.nn.losses.", "xarxa.metric_learning.losses")
    functions = [n for n in modules.__all__ if not inspect.isclass(getattr(modules, n))]
    assert len(functions) == 15
    for name in functions:
        fn = getattr(modules, name)
        assert fn.__module__.startswith(homes), (name, fn.__module__)
        # importable from nn.functional (and nn.losses); from nn and the old module only as
        # deprecated
        assert getattr(F, name) is fn
        assert name not in dir(nn)
        with pytest.warns(DeprecationWarning, match=f"use xarxa.nn.functional.{name}"):
            assert getattr(nn, name) is fn
        with pytest.warns(DeprecationWarning, match=f"use xarxa.nn.functional.{name}"):
            assert getattr(old_module, name) is fn
    loss_modules = [n for n in modules.__all__ if n not in functions]
    assert len(loss_modules) == len(functions) - 1     # every loss but class_weights
    for name in loss_modules:
        cls = getattr(modules, name)
        assert inspect.isclass(cls) and issubclass(cls, nn.Module)
        assert getattr(nn, name) is cls
        # the one function its forward calls is written in the same file
        calls = [n for n in cls.forward.__code__.co_names if n in functions]
        assert len(calls) == 1, (name, calls)
        assert getattr(modules, calls[0]).__module__ == cls.__module__, name
    with pytest.raises(ImportError):
        import xarxa.nn._fused_losses  # noqa: F401  (moved to xarxa/autograd/ops/loss.py)


@pytest.mark.parametrize("call, node", [
    (lambda x: F.mse_loss(x, xa.zeros(2, 3)), "MSE"),
    (lambda x: F.cross_entropy(x, xa.tensor([0, 2])), "CrossEntropy"),
    (lambda x: F.binary_cross_entropy_with_logits(x, xa.zeros(2, 3)), "BCEWithLogits"),
    (lambda x: F.binary_cross_entropy(x.sigmoid(), xa.zeros(2, 3)), "BCE")])
def test_fused_losses_are_one_node_of_the_ops_package(call, node):
    out = call(xa.tensor(np.zeros((2, 3), np.float32), requires_grad=True))
    assert type(out._ctx).__name__ == node
    assert type(out._ctx).__module__ == "xarxa.autograd.ops.loss"
