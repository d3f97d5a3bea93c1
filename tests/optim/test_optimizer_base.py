"""Optimizer plumbing: param groups, zero_grad, state_dict round trips, errors."""
import numpy as np
import pytest

import xarxa as xa
from optim._net import BATCHES, xarxa_loss, xarxa_params
from xarxa import nn, optim

ALL = [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)), (optim.Adagrad, dict(lr=0.1)),
       (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
       (optim.Adam, dict(lr=0.01, amsgrad=True)), (optim.AdamW, dict(lr=0.01)),
       (optim.Adadelta, dict(lr=0.5, rho=0.8, weight_decay=0.01))]


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
    with pytest.raises(ValueError, match="more than one parameter group"):
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
    (lambda p: optim.Adadelta(p, rho=1.01), r"Adadelta: invalid rho=1\.01, expected a number "
                                            r">= 0\.0 and <= 1\.0"),
    (lambda p: optim.Adadelta(p, lr=-0.1), r"Adadelta: invalid learning rate lr=-0\.1"),
    (lambda p: optim.Adadelta(p, eps=-1e-6), "Adadelta: invalid eps"),
    (lambda p: optim.Adadelta(p, weight_decay=-1.0), "Adadelta: invalid weight_decay"),
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
    with pytest.raises(ValueError, match=r"momentum_buffer.*\(2,\).*torch.Size\(\[3\]\)"):
        other.load_state_dict(state)
    two = optim.SGD([xa.ones(2, requires_grad=True), xa.ones(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="1 parameters in the state, 2"):
        two.load_state_dict(state)
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_state_is_lazy_and_add_param_group_then_step_works(cls, kwargs):
    # Adagrad used to create its state in the constructor only: a group added later
    # had none and step() raised KeyError.
    p = xarxa_params()
    opt = cls([p["w1"], p["b1"]], **kwargs)
    assert opt.state == {}  # nothing before the first step
    opt.add_param_group({"params": [p["w2"], p["b2"]], "lr": 0.003})
    x, y = BATCHES[0]
    xarxa_loss(p, x, y).backward()
    p["b2"].grad = None  # a parameter without a gradient gets no state
    opt.step()
    assert set(opt.state) == {p["w1"], p["b1"], p["w2"]}
    assert opt.state_dict()["state"].keys() == {0, 1, 2}


@pytest.mark.parametrize("cls, kwargs", ALL + [(optim.SGD, dict(lr=0.1))],
                         ids=[c.__name__ for c, _ in ALL] + ["SGD-plain"])
def test_each_update_bumps_the_parameter_version_once(cls, kwargs):
    p = xarxa_params()
    opt = cls(list(p.values()), **kwargs)
    for step in range(1, 3):
        opt.zero_grad()
        x, y = BATCHES[step]
        xarxa_loss(p, x, y).backward()
        p["b2"].grad = None
        before = {k: v._version for k, v in p.items()}
        opt.step()
        after = {k: v._version for k, v in p.items()}
        assert after == {k: before[k] + (k != "b2") for k in p}, step


def test_backward_after_step_is_refused():
    # the graph saved w; step() wrote it in place: the gradient would be wrong
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.grad = xa.ones(2)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        loss.backward()


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_update_functions_share_one_signature(cls, kwargs):
    import inspect
    p = xarxa_params()
    opt = cls(list(p.values()), **kwargs)
    params = inspect.signature(opt._update).parameters
    head = [n for n, a in params.items() if a.kind == a.POSITIONAL_OR_KEYWORD]
    keyword = {n for n, a in params.items() if a.kind == a.KEYWORD_ONLY}
    assert head == ["param", "grad", "state"]
    assert keyword == set(opt.defaults)


@pytest.mark.parametrize("src, dst, saved_by", [
    (optim.SGD, optim.Adam, r"\(SGD\)"), (optim.Adam, optim.SGD, r"\(Adam or AdamW\)"),
    (optim.Adagrad, optim.RMSprop, r"\(Adagrad\)"),
    (optim.RMSprop, optim.Adagrad, r"\(RMSprop\)")])
def test_loading_another_optimizers_state_is_refused(src, dst, saved_by):
    p = xarxa_params()
    a = src(list(p.values()), lr=0.01)
    xarxa_loss(p, *BATCHES[0]).backward()
    a.step()
    b = dst(list(p.values()), lr=0.01)
    with pytest.raises(ValueError, match=f"{dst.__name__}.load_state_dict: the state was "
                                         f"saved by another optimizer {saved_by}, not by "
                                         f"{dst.__name__}: its param group 0 lacks"):
        b.load_state_dict(a.state_dict())
    assert b.state == {}
    # the same class loads it, and a scheduler's initial_lr in the groups is no obstacle
    optim.lr_scheduler.StepLR(a, step_size=2)
    src(list(p.values()), lr=0.01).load_state_dict(a.state_dict())


def test_zero_grad_without_none_writes_zeros_into_the_same_arrays():
    model = nn.Sequential(nn.Linear(3, 2))
    opt = optim.SGD(model.parameters(), lr=0.1)
    for zero_grad in (opt.zero_grad, model.zero_grad):
        model(xa.ones(4, 3)).sum().backward()
        grads = [p.grad for p in model.parameters()]
        arrays = [g.numpy() for g in grads]
        versions = [g._version for g in grads]
        zero_grad(set_to_none=False)
        for p, g, a, v in zip(model.parameters(), grads, arrays, versions):
            assert p.grad is g and p.grad.numpy() is a
            np.testing.assert_array_equal(a, np.zeros_like(a))
        assert all(g._version == v + 1 for g, v in zip(grads, versions))  # write recorded


def test_zero_grad_detaches_a_gradient_that_requires_grad():
    # as PyTorch's detach_()/requires_grad_(False): the zeros carry no history
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    w.grad = xa.tensor([3.0, 4.0], requires_grad=True)
    array = w.grad.numpy()
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert w.grad.numpy() is array and w.grad.grad_fn is None and not w.grad.requires_grad
    np.testing.assert_array_equal(array, [0.0, 0.0])


def test_duplicate_parameters_get_pytorchs_messages():
    a, b = xa.ones(2, requires_grad=True), xa.ones(2, requires_grad=True)
    # PyTorch warns and then updates a twice per step; xarxa refuses
    with pytest.raises(ValueError, match="SGD: optimizer contains a parameter group with "
                                         r"duplicate parameters \(parameter 2 is parameter 0"):
        optim.SGD([a, b, a], lr=0.1)
    with pytest.raises(ValueError, match="Adam: some parameters appear in more than one "
                                         "parameter group"):
        optim.Adam([{"params": [a]}, {"params": [b, a]}])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({a, b}, lr=0.1)


@pytest.mark.parametrize("cls, kwargs", ALL, ids=[c.__name__ for c, _ in ALL])
def test_update_functions_return_their_buffers_not_copies(cls, kwargs):
    # what an update returns is what it computed: the state's own arrays (returning them
    # costs nothing on the training path) and the scalars it derived
    p = xa.tensor([0.5, -1.0, 2.0], dtype=xa.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    hyper = {k: opt.param_groups[0][k] for k in opt.defaults}
    theta, state = p.numpy().copy(), {}
    for grad in ([0.3, -0.2, 0.1], [0.1, 0.4, -0.3]):
        out = opt._update(theta, np.array(grad), state, **hyper)
        buffers = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        assert buffers and set(buffers) <= set(out)
        for k, v in buffers.items():
            assert out[k] is v, k
    p.grad = xa.tensor([0.3, -0.2, 0.1], dtype=xa.float64)
    opt.step()
    p.grad = xa.tensor([0.1, 0.4, -0.3], dtype=xa.float64)
    opt.step()
    np.testing.assert_array_equal(p.numpy(), theta)      # the same function step() runs
    if cls in (optim.Adam, optim.AdamW):
        beta1, beta2 = kwargs.get("betas", (0.9, 0.999))
        assert (out["bias_correction1"], out["bias_correction2"]) == (1 - beta1 ** 2,
                                                                      1 - beta2 ** 2)


def test_lerp_is_pytorch_s_from_either_end():
    import torch
    from xarxa.optim.optimizer import lerp_
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal(50) * 1e3, rng.standard_normal(50) * 1e-17
    for weight in (0.0, 0.1, 0.5, 0.7, 1.0):
        out = lerp_(start.copy(), end, weight)
        expected = torch.from_numpy(start.copy()).lerp_(torch.from_numpy(end), weight)
        np.testing.assert_allclose(out, expected.numpy(), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(lerp_(start.copy(), end, 1.0), end)  # not start + (end − start)
