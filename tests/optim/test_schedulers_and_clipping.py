"""Learning-rate schedulers and gradient clipping against PyTorch (same tiny net, 20 steps)."""
import math

import numpy as np
import pytest
import torch

import xarxa as xa
from optim._net import assert_same, run_both
from xarxa import optim
from xarxa.nn.utils import clip_grad_norm_, clip_grad_value_
from xarxa.optim import lr_scheduler as xs

SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1, gamma=0.9)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=6)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
]


def _with_scheduler(name, kwargs, opt_name="SGD", opt_kwargs=None):
    opt_kwargs = opt_kwargs or dict(lr=0.1, momentum=0.9)
    scheds = {}

    def make(lib):
        def build(params):
            mod = optim if lib == "xarxa" else torch.optim
            smod = xs if lib == "xarxa" else torch.optim.lr_scheduler
            opt = getattr(mod, opt_name)(params, **opt_kwargs)
            scheds[lib] = getattr(smod, name)(opt, **kwargs)
            return opt
        return build

    lrs = {"xarxa": [], "torch": []}

    def after(lib, opt, k):
        scheds[lib].step()
        lrs[lib].append([g["lr"] for g in opt.param_groups])
    px, pt, _, _ = run_both(make("xarxa"), make("torch"), after_step=after,
                            groups=lambda p: [{"params": [p["w1"], p["b1"]]},
                                              {"params": [p["w2"], p["b2"]], "lr": 0.05}])
    return px, pt, lrs, scheds


@pytest.mark.parametrize("name, kwargs", SCHEDULERS, ids=[n + str(k) for n, k in SCHEDULERS])
def test_scheduler_matches_torch(name, kwargs):
    px, pt, lrs, scheds = _with_scheduler(name, kwargs)
    np.testing.assert_allclose(lrs["xarxa"], lrs["torch"], rtol=1e-12, atol=1e-15)
    assert_same(px, pt)
    # Alone on its optimizer, the chained values equal the closed form.
    np.testing.assert_allclose(scheds["xarxa"].get_last_lr(),
                               scheds["xarxa"].closed_form_lr(), rtol=1e-12)


def test_scheduler_with_adam():
    px, pt, lrs, _ = _with_scheduler("CosineAnnealingLR", dict(T_max=4), "Adam", dict(lr=0.02))
    np.testing.assert_allclose(lrs["xarxa"], lrs["torch"], rtol=1e-12)
    assert_same(px, pt)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(mode="max", factor=0.5, patience=1),
    dict(patience=0, threshold=0.2, threshold_mode="abs", cooldown=2),
    dict(factor=0.3, patience=1, threshold=0.05, min_lr=[0.02, 0.001], eps=1e-4),
])
def test_reduce_on_plateau_matches_torch(kwargs):
    # A metric with plateaus, improvements below the threshold and a late drop.
    metrics = [1.0, 0.9, 0.95, 0.95, 0.94, 0.899, 0.8, 0.85, 0.85, 0.85, 0.85, 0.5, 0.6,
               0.6, 0.6, 0.6, 0.6, 0.6]
    lrs = {}
    for lib, mod, zeros in (("xarxa", optim, xa.zeros), ("torch", torch.optim, torch.zeros)):
        opt = mod.SGD([{"params": [zeros(2, requires_grad=True)]},
                       {"params": [zeros(2, requires_grad=True)], "lr": 0.01}], lr=0.1)
        smod = xs if mod is optim else torch.optim.lr_scheduler
        sched = smod.ReduceLROnPlateau(opt, **kwargs)
        lrs[lib] = []
        for m in metrics:
            sched.step(m)
            lrs[lib].append(sched.get_last_lr())
    np.testing.assert_allclose(lrs["xarxa"], lrs["torch"], rtol=1e-12)


def test_scheduler_state_dict_round_trip():
    w = xa.zeros(3, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = xs.ReduceLROnPlateau(opt, patience=1)
    for m in (3.0, 2.0, 2.5):
        sched.step(m)
    state = sched.state_dict()
    assert "optimizer" not in state and state["best"] == 2.0
    opt2 = optim.SGD([xa.zeros(3, requires_grad=True)], lr=1.0)
    sched2 = xs.ReduceLROnPlateau(opt2, patience=1)
    sched2.load_state_dict(state)
    sched.step(2.5)
    sched2.step(2.5)
    assert opt.param_groups[0]["lr"] == opt2.param_groups[0]["lr"] == pytest.approx(0.1)


@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (0.3, 1.0),
                                                 (0.05, math.inf), (0.2, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    totals = {}

    def clip(lib, params):
        fn = clip_grad_norm_ if lib == "xarxa" else torch.nn.utils.clip_grad_norm_
        totals.setdefault(lib, []).append(float(fn(list(params.values()), max_norm,
                                                   norm_type=norm_type)))
    px, pt, _, _ = run_both(lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                            before_step=clip)
    np.testing.assert_allclose(totals["xarxa"], totals["torch"], rtol=1e-5)
    assert_same(px, pt)


@pytest.mark.parametrize("clip_value", [0.01, 0.1, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    def clip(lib, params):
        fn = clip_grad_value_ if lib == "xarxa" else torch.nn.utils.clip_grad_value_
        fn(list(params.values()), clip_value)
    px, pt, _, _ = run_both(lambda p: optim.Adam(p, lr=0.01),
                            lambda p: torch.optim.Adam(p, lr=0.01), before_step=clip)
    assert_same(px, pt)


def test_clipping_keeps_dtype_and_skips_missing_grads():
    a = xa.tensor([3.0, 4.0], requires_grad=True)
    b = xa.tensor([1.0], requires_grad=True)  # no gradient: skipped
    a.grad = xa.tensor([3.0, 4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert a.grad.dtype == np.float32 and b.grad is None
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    a.grad = xa.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
