"""Module hooks against PyTorch's: the same hooks registered on the same model (same
weights) in both libraries log (when, which module, the tensors they saw); the logs, the
values the hooks returned in place of inputs/outputs/gradients and the resulting gradients
must agree. And a module without hooks pays nothing: no extra graph node, no state."""
import warnings

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

from nn._parity import copy_into_torch


def _np(t):
    if t is None:
        return None
    return t.detach().numpy().copy() if isinstance(t, torch.Tensor) else t.numpy().copy()


def _same_logs(ours, theirs):
    assert [entry[:2] for entry in ours] == [entry[:2] for entry in theirs]
    for (when, name, values), (_, _, tvalues) in zip(ours, theirs):
        assert len(values) == len(tvalues), (when, name)
        for v, tv in zip(values, tvalues):
            assert (v is None) == (tv is None), (when, name)
            if v is not None:
                np.testing.assert_allclose(v, tv, rtol=1e-5, atol=1e-6,
                                           err_msg=f"{when} {name}")


def _flat(x):
    return [_np(t) for t in (x if isinstance(x, tuple) else (x,))]


def _models():
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    copy_into_torch(model, tmodel)
    return model, tmodel


def _hook_everything(model, log):
    handles = []
    for name, m in model.named_modules():
        name = name or "model"

        def pre(mod, args, name=name):
            log.append(("pre", name, _flat(args)))

        def fwd(mod, args, out, name=name):
            log.append(("forward", name, _flat(args) + _flat(out)))

        def bwd_pre(mod, grad_output, name=name):
            log.append(("backward_pre", name, _flat(grad_output)))

        def bwd(mod, grad_input, grad_output, name=name):
            log.append(("backward", name, _flat(grad_input) + _flat(grad_output)))

        handles += [m.register_forward_pre_hook(pre), m.register_forward_hook(fwd),
                    m.register_full_backward_pre_hook(bwd_pre),
                    m.register_full_backward_hook(bwd)]
    return handles


X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)


def test_hooks_on_every_module_are_called_in_torchs_order_with_torchs_values():
    model, tmodel = _models()
    log, tlog = [], []
    handles = _hook_everything(model, log)
    _hook_everything(tmodel, tlog)
    x, tx = xa.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    (model(x) ** 2).sum().backward()
    (tmodel(tx) ** 2).sum().backward()
    _same_logs(log, tlog)
    assert len(log) == 16
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for h in handles:
        h.remove()
    assert all(m._hooks is None for m in model.modules())   # back on the fast path
    log.clear()
    (model(x) ** 2).sum().backward()
    assert log == []


def test_hooks_that_replace_inputs_outputs_and_gradients():
    model, tmodel = _models()
    for m in (model, tmodel):
        m[0].register_forward_pre_hook(lambda mod, args: args[0] * 2)     # not a tuple
        m[1].register_forward_hook(lambda mod, args, out: out + 1)
        m[2].register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        m[0].register_full_backward_hook(lambda mod, gi, go: (gi[0] * -1,))
    x, tx = xa.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out, tout = model(x), tmodel(tx)
    np.testing.assert_allclose(out.numpy(), _np(tout), rtol=1e-5)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), _np(tp.grad), rtol=1e-5, atol=1e-6)


def test_prepend_with_kwargs_and_handle_removal_like_torch():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    class TScale(torch.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    results = []
    for m, t in ((Scale(), xa.tensor(X)), (TScale(), torch.tensor(X))):
        order = []
        m.register_forward_hook(lambda mod, a, out: order.append("first"))
        m.register_forward_hook(lambda mod, a, out: order.append("prepended"), prepend=True)
        h = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                        with_kwargs=True)
        m.register_forward_hook(lambda mod, a, kw, out: out + kw["factor"], with_kwargs=True)
        first = _np(m(t, factor=2.0))
        h.remove()
        h.remove()                                  # idempotent, as torch's
        results.append((order, first, _np(m(t, factor=2.0))))
    assert results[0][0] == results[1][0] == ["prepended", "first"] * 2
    for ours, theirs in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_backward_hook_with_several_inputs_and_outputs(use):
    class Mix(nn.Module):
        def forward(self, a, b, scale, c):
            return a * b * scale, (a + c).sum(1)

    class TMix(torch.nn.Module):
        def forward(self, a, b, scale, c):
            return a * b * scale, (a + c).sum(1)

    logs = []
    for lib, m in ((xa, Mix()), (torch, TMix())):
        log = []
        m.register_full_backward_hook(lambda mod, gi, go: log.append(
            ("backward", "mix", _flat(gi) + _flat(go))))
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(X + 1)           # needs no gradient: zeros in grad_input, as torch
        c = lib.tensor(X * 2, requires_grad=True)
        out, total = m(a, b, 0.5, c)
        loss = {"both": out.sum() * 2 + total.sum(), "first": out.sum(),
                "second": total.sum()}[use]     # an unused output: None in grad_output
        loss.backward()
        logs.append(log + [("grads", "a", [_np(a.grad)])])
    _same_logs(*logs)
    grad_input = logs[0][0][2][:4]
    assert not grad_input[1].any() and grad_input[2] is None      # b, and the float


def test_backward_hook_when_no_input_requires_grad_warns_like_torch():
    model, tmodel = _models()
    logs, messages = [], []
    for m, x in ((model, xa.tensor(X)), (tmodel, torch.tensor(X))):
        log = []
        m[0].register_full_backward_hook(lambda mod, gi, go: log.append(
            ("backward", "0", _flat(gi) + _flat(go))))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m(x).sum().backward()
        messages.append([str(w.message)[:60] for w in caught])
        logs.append(log)
    _same_logs(*logs)
    assert messages[0] == messages[1] and messages[0]


def test_a_backward_hook_returning_the_wrong_count_is_an_error():
    m = nn.Linear(3, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of "
                                           "grad_input, got 2, but expected 1"):
        m(xa.tensor(X, requires_grad=True)).sum().backward()
    with pytest.raises(TypeError, match="register_forward_hook: expected a callable"):
        m.register_forward_hook("print")


def test_hooks_cost_nothing_while_none_is_registered():
    model, _ = _models()
    assert all(m._hooks is None for m in model.modules())
    out = model(xa.tensor(X, requires_grad=True))
    assert type(out._ctx).__name__ == "Linear"      # no gate node in the graph
    h = model[2].register_full_backward_hook(lambda *a: None)
    assert type(model(xa.tensor(X, requires_grad=True))._ctx).__name__ == "BackwardHookPass"
    h.remove()
    assert model[2]._hooks is None
    with xa.no_grad():          # no graph, no gate, as in torch
        model[2].register_full_backward_hook(lambda *a: None)
        assert model(xa.tensor(X))._ctx is None


def test_the_gated_output_is_a_view_that_refuses_in_place_graph_ops_as_in_torch():
    model, tmodel = _models()
    model.register_full_backward_hook(lambda *a: None)
    tmodel.register_full_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError):
        tmodel(torch.tensor(X, requires_grad=True)).add_(1)
    with pytest.raises(RuntimeError, match="shares its storage with another tensor"):
        model(xa.tensor(X, requires_grad=True)).add_(1)
