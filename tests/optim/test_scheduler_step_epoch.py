"""`scheduler.step(epoch)`, deprecated but still accepted by PyTorch 2.13: the same learning
rates and last_epoch as torch.optim.lr_scheduler for every schedule (closed form where the
schedule has one), the same UserWarning, and ReduceLROnPlateau.step(metrics, epoch)."""
import warnings

import pytest
import torch

import xarxa as xa
from xarxa import optim
from xarxa.optim import lr_scheduler as xs

# (scheduler, its kwargs); epochs given to step() (None: a plain step), jumping both ways
CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.1)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (e + 1))),
    ("LinearLR", dict(start_factor=0.25, total_iters=4)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=20)),
]
EPOCHS = [None, 4, None, 2, 9, None, 0, 7]


def _run(lib, name, kwargs):
    omod, smod = (optim, xs) if lib == "xarxa" else (torch.optim, torch.optim.lr_scheduler)
    zeros = xa.zeros if lib == "xarxa" else torch.zeros
    opt = omod.SGD([{"params": [zeros(2, requires_grad=True)]},
                    {"params": [zeros(3, requires_grad=True)], "lr": 0.05}], lr=0.1,
                   momentum=0.9)
    sched = getattr(smod, name)(opt, **kwargs)
    seen = []
    for epoch in EPOCHS:
        opt.step()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step() if epoch is None else sched.step(epoch)
        said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        seen.append((sched.last_epoch, [g["lr"] for g in opt.param_groups],
                     any("epoch parameter in `scheduler.step()`" in m for m in said)))
    return seen


@pytest.mark.parametrize("name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_step_with_an_epoch_matches_torch(name, kwargs):
    ours, theirs = _run("xarxa", name, kwargs), _run("torch", name, kwargs)
    for (e, lrs, warned), (te, tlrs, twarned), epoch in zip(ours, theirs, EPOCHS):
        assert e == te, f"last_epoch after step({epoch})"
        assert lrs == pytest.approx(tlrs, rel=1e-12), f"lr after step({epoch})"
        assert warned == twarned == (epoch is not None)


def test_plateau_step_with_an_epoch_matches_torch():
    results = []
    for omod, smod, zeros in ((optim, xs, xa.zeros),
                              (torch.optim, torch.optim.lr_scheduler, torch.zeros)):
        opt = omod.SGD([zeros(2, requires_grad=True)], lr=0.1)
        sched = smod.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        seen = []
        for metric, epoch in zip([1.0, 1.0, 1.0, 0.5, 0.7, 0.7, 0.7], [None, 5, None, 2,
                                                                      None, 11, None]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched.step(metric) if epoch is None else sched.step(metric, epoch)
            seen.append((sched.last_epoch, opt.param_groups[0]["lr"]))
        results.append(seen)
    assert results[0] == results[1]
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
        sched.step(0.1, 3)


def test_a_refused_jump_changes_nothing():
    opt = optim.SGD([xa.zeros(2, requires_grad=True)], lr=0.1)
    sched = xs.OneCycleLR(opt, max_lr=0.3, total_steps=5)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="total_steps=5"):
        sched.step(9)
    assert sched.last_epoch == 0 and opt.param_groups[0]["lr"] == pytest.approx(0.012)
