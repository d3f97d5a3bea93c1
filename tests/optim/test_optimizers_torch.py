"""Every optimizer and option against torch.optim: same tiny net, 20 steps, same weights."""
import numpy as np
import pytest
import torch

import xarxa as xa
from optim._net import INIT, assert_same, run_both  # tests/ is on sys.path
from xarxa import optim

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.5, nesterov=True, weight_decay=0.05, maximize=True)),
    ("Adadelta", dict()),  # Zeiler's algorithm: lr = 1
    ("Adadelta", dict(lr=0.5, rho=0.95, eps=1e-4)),
    ("Adadelta", dict(lr=2.0, rho=0.5, weight_decay=0.05)),
    ("Adadelta", dict(lr=1.0, rho=0.0, eps=1e-3)),  # rho = 0: no memory at all
    ("Adadelta", dict(lr=0.3, rho=1.0, eps=1e-2)),  # rho = 1: the averages never move
    ("Adadelta", dict(lr=1.5, eps=1e-5, weight_decay=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.02, initial_accumulator_value=0.5, eps=1e-3, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.002, momentum=0.5, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True)),  # ḡ's lerp from the far end
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.003, amsgrad=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9))),  # v's lerp weight 0.7 ≥ 0.5
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, betas=(0.5, 0.9))),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch(name, kwargs):
    px, pt, _, _ = run_both(lambda p: getattr(optim, name)(p, **kwargs),
                            lambda p: getattr(torch.optim, name)(p, **kwargs))
    assert_same(px, pt)
    assert not np.allclose(px["w1"], INIT["w1"])  # it did move


@pytest.mark.parametrize("name", ["SGD", "Adadelta", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_param_groups_with_their_own_options(name):
    def groups(p):
        return [{"params": [p["w1"], p["b1"]]},
                {"params": [p["w2"], p["b2"]], "lr": 0.003, "weight_decay": 0.02}]
    extra = {"momentum": 0.9} if name == "SGD" else {}
    px, pt, ox, _ = run_both(lambda p: getattr(optim, name)(p, lr=0.02, **extra),
                             lambda p: getattr(torch.optim, name)(p, lr=0.02, **extra),
                             groups=groups)
    assert_same(px, pt)
    assert ox.param_groups[1]["lr"] == 0.003 and ox.param_groups[0]["lr"] == 0.02


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                          ("Adagrad", dict(lr=0.1)),
                                          ("Adadelta", dict(rho=0.8)),
                                          ("RMSprop", dict(lr=0.01, centered=True)),
                                          ("Adam", dict(lr=0.01, amsgrad=True))])
def test_state_dict_layout_matches_torch(name, kwargs):
    _, _, ox, ot = run_both(lambda p: getattr(optim, name)(p, **kwargs),
                            lambda p: getattr(torch.optim, name)(p, **kwargs), steps=3)
    sx, st = ox.state_dict(), ot.state_dict()
    assert sx["state"].keys() == st["state"].keys()
    for i in st["state"]:
        assert sx["state"][i].keys() == st["state"][i].keys()
        for k, v in st["state"][i].items():
            np.testing.assert_allclose(np.asarray(sx["state"][i][k]), v.numpy(), rtol=1e-5,
                                       atol=1e-7)
    assert [g["params"] for g in sx["param_groups"]] == [g["params"] for g in st["param_groups"]]


@pytest.mark.parametrize("name, kwargs, added", [
    ("SGD", dict(lr=0.05, momentum=0.9), dict(lr=0.01, nesterov=True)),
    ("SGD", dict(lr=0.05), dict(lr=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.2), dict(lr=0.05, lr_decay=0.01)),
    ("Adadelta", dict(lr=0.5), dict(lr=2.0, rho=0.7, weight_decay=0.01)),
    ("Adadelta", dict(rho=0.95, eps=1e-4), dict()),
    ("RMSprop", dict(lr=0.01), dict(momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.01), dict(lr=0.003, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01), dict(betas=(0.8, 0.99))),
])
def test_add_param_group_then_step_matches_torch(name, kwargs, added):
    # the second layer joins after 5 steps (fine-tuning), with options of its own; its
    # state starts then (Adagrad used to raise KeyError: its state was made eagerly)
    params = {}

    def make(lib, module):
        def first_layer_only(p):  # p: the params dict (groups=identity below)
            params[lib] = p
            return getattr(module, name)([p["w1"], p["b1"]], **kwargs)
        return first_layer_only

    def add_group(lib, opt, k):
        if k == 4:
            opt.add_param_group({"params": [params[lib]["w2"], params[lib]["b2"]], **added})
    px, pt, ox, _ = run_both(make("xarxa", optim), make("torch", torch.optim),
                             groups=lambda p: p, after_step=add_group)
    assert_same(px, pt)
    assert len(ox.param_groups) == 2 and not np.allclose(px["w2"], INIT["w2"])


def test_adam_with_beta1_zero_keeps_a_tiny_gradient_as_torch():
    # γ₁ = 0: v is the gradient itself; v + 1·(g − v) would lose a g tiny next to the old v
    grads = [np.array([5.0, 3.0]), np.array([1e-19, -3.0])]
    px = xa.tensor([1.0, 2.0], dtype=xa.float64, requires_grad=True)
    pt = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ox = optim.Adam([px], lr=0.1, betas=(0.0, 0.0))
    ot = torch.optim.Adam([pt], lr=0.1, betas=(0.0, 0.0))
    for g in grads:
        px.grad, pt.grad = xa.tensor(g), torch.from_numpy(g.copy())
        ox.step()
        ot.step()
    np.testing.assert_array_equal(ox.state[px]["exp_avg"], grads[-1])
    np.testing.assert_array_equal(ot.state[pt]["exp_avg"].numpy(), grads[-1])
    np.testing.assert_allclose(px.numpy(), pt.detach().numpy(), rtol=1e-15)
