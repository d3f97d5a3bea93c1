"""Optimizer plumbing: param groups, zero_grad, state_dict round trips, errors."""
import numpy as np
import pytest

import xarxa as xa
from optim._net import BATCHES, xarxa_loss, xarxa_params
from xarxa import optim

ALL = [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)), (optim.Adagrad, dict(lr=0.1)),
       (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
       (optim.Adam, dict(lr=0.01, amsgrad=True)), (optim.AdamW, dict(lr=0.01))]


def _train(params, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        xarxa_loss(params, x, y).backward()
        opt.step()


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_state_dict_round_trip_continues_the_same_run(cls, kwargs):
    ref = xarxa_params()
    opt = cls(list(ref.values()), **kwargs)
    _train(ref, opt, BATCHES)

    first = xarxa_params()
    opt1 = cls(list(first.values()), **kwargs)
    _train(first, opt1, BATCHES[:10])
    saved_opt = opt1.state_dict()
    saved_params = {k: v.numpy().copy() for k, v in first.items()}
    _train(first, opt1, BATCHES[10:12])  # the saved copies must not change with training

    second = xarxa_params()
    for k, v in second.items():
        v.numpy()[...] = saved_params[k]
    opt2 = cls(list(second.values()), **kwargs)
    opt2.load_state_dict(saved_opt)
    _train(second, opt2, BATCHES[10:])
    for k in ref:
        np.testing.assert_array_equal(second[k].numpy(), ref[k].numpy(), err_msg=k)


def test_zero_grad_and_params_without_grad():
    a, b = xa.ones(2, requires_grad=True), xa.ones(2, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.5)
    (a * 3.0).sum().backward()
    opt.step()  # b has no gradient: left alone, and no state is created for it
    np.testing.assert_allclose(a.numpy(), [-0.5, -0.5])
    np.testing.assert_allclose(b.numpy(), [1.0, 1.0])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert a.grad is None


def test_float32_stays_float32():
    p = xarxa_params()
    opt = optim.Adam(list(p.values()), lr=0.01)
    _train(p, opt, BATCHES[:2])
    assert all(v.dtype == np.float32 for v in p.values())
    assert all(s["exp_avg"].dtype == np.float32 for s in opt.state.values())


def test_add_param_group_and_repr():
    a, b = xa.ones(2, requires_grad=True), xa.ones(3, requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert "Parameter Group 1" in repr(opt)
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize("make, match", [
    (lambda p: optim.SGD(p[0], lr=0.1), "single Tensor"),
    (lambda p: optim.SGD([], lr=0.1), "empty"),
    (lambda p: optim.SGD(p, lr=-1.0), "learning rate"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "betas"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "alpha"),
    (lambda p: optim.Adagrad(p, eps=-1.0), "eps"),
    (lambda p: optim.SGD([p[0] * 2], lr=0.1), "non-leaf"),
    (lambda p: optim.SGD([xa.tensor([1, 2])], lr=0.1), "floating"),
    (lambda p: optim.SGD([1.0], lr=0.1), "Tensors"),
])
def test_bad_arguments(make, match):
    params = [xa.ones(2, requires_grad=True)]
    with pytest.raises((ValueError, TypeError), match=match):
        make(params)


def test_load_state_dict_names_what_does_not_fit():
    a = xa.ones(2, requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = xa.ones(2)
    opt.step()
    state = opt.state_dict()
    other = optim.SGD([xa.ones(3, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"momentum_buffer.*\(2,\).*\(3,\)"):
        other.load_state_dict(state)
    two = optim.SGD([xa.ones(2, requires_grad=True), xa.ones(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="1 parameters in the state, 2"):
        two.load_state_dict(state)
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})
