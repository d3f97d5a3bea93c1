"""LambdaLR, MultiStepLR, LinearLR and OneCycleLR against torch.optim.lr_scheduler: the lr
(and momentum) sequences step by step, state_dict round trips mid-schedule, resuming with
last_epoch, training parity, and their errors."""
import json

import numpy as np
import pytest
import torch

import xarxa as xa
from optim._net import assert_same, run_both
from xarxa import optim
from xarxa.optim import lr_scheduler as xs


class Warmup:
    """A callable object: LambdaLR's state_dict saves its attributes."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


# (scheduler, its kwargs, optimizer, its kwargs, steps). Two param groups each (lr 0.1, 0.05).
CASES = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e), "SGD", {}, 12),
    ("LambdaLR", dict(lr_lambda=[lambda e: 1 / (e + 1), Warmup(4)]), "Adam", {}, 12),
    ("MultiStepLR", dict(milestones=[2, 5, 9], gamma=0.5), "SGD", {}, 14),
    ("MultiStepLR", dict(milestones=[7, 3, 3], gamma=0.1), "Adam", {}, 10),  # unsorted, twice
    ("MultiStepLR", dict(milestones=[0, 4]), "SGD", {}, 6),  # milestone 0: at construction
    ("LinearLR", dict(), "SGD", {}, 8),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=4), "Adam", {}, 8),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=6), "SGD", {}, 9),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=3), "SGD", {}, 5),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=20), "SGD", dict(momentum=0.9), 20),
    ("OneCycleLR", dict(max_lr=[0.2, 0.04], epochs=4, steps_per_epoch=5,
                        anneal_strategy="linear", base_momentum=[0.8, 0.7],
                        max_momentum=(0.9, 0.99)), "SGD", dict(momentum=0.5), 20),
    ("OneCycleLR", dict(max_lr=0.01, total_steps=25, pct_start=0.25, three_phase=True,
                        div_factor=10.0, final_div_factor=100.0), "Adam", {}, 25),
    ("OneCycleLR", dict(max_lr=0.05, total_steps=16, three_phase=True,
                        anneal_strategy="linear"), "AdamW", dict(betas=(0.8, 0.95)), 16),
    ("OneCycleLR", dict(max_lr=0.02, total_steps=12, pct_start=0.0), "RMSprop",
     dict(momentum=0.9), 12),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=10, cycle_momentum=False), "Adadelta", {}, 10),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _groups(lib):
    zeros = xa.zeros if lib == "xarxa" else torch.zeros
    return [{"params": [zeros(2, requires_grad=True)]},
            {"params": [zeros(3, requires_grad=True)], "lr": 0.05}]


def _build(lib, sched_name, kwargs, opt_name, opt_kwargs, **extra):
    omod, smod = (optim, xs) if lib == "xarxa" else (torch.optim, torch.optim.lr_scheduler)
    opt = getattr(omod, opt_name)(_groups(lib), lr=0.1, **opt_kwargs)
    return opt, getattr(smod, sched_name)(opt, **kwargs, **extra)


def _now(opt, sched):
    """What a step set: each group's lr and momentum (or betas[0]), and get_last_lr()."""
    def momentum(g):
        return g["betas"][0] if "betas" in g else g.get("momentum")
    return ([g["lr"] for g in opt.param_groups], [momentum(g) for g in opt.param_groups],
            [float(lr) for lr in sched.get_last_lr()])


def _run(opt, sched, steps):
    seq = [_now(opt, sched)]
    for _ in range(steps):
        opt.step()  # no gradients: nothing moves, but torch sees the order it expects
        sched.step()
        seq.append(_now(opt, sched))
    return seq


def _assert_same_sequence(sx, st):
    assert len(sx) == len(st)
    for k, (x, t) in enumerate(zip(sx, st)):
        np.testing.assert_allclose(x[0], t[0], rtol=1e-12, atol=1e-15, err_msg=f"lr {k}")
        np.testing.assert_allclose(np.asarray(x[1], float), np.asarray(t[1], float),
                                   rtol=1e-12, atol=1e-15, err_msg=f"momentum {k}")
        np.testing.assert_allclose(x[2], t[2], rtol=1e-12, atol=1e-15, err_msg=f"last {k}")


@pytest.mark.parametrize("name, kwargs, opt_name, opt_kwargs, steps", CASES, ids=IDS)
def test_sequence_matches_torch(name, kwargs, opt_name, opt_kwargs, steps):
    sx = _run(*_build("xarxa", name, kwargs, opt_name, opt_kwargs), steps)
    st = _run(*_build("torch", name, kwargs, opt_name, opt_kwargs), steps)
    _assert_same_sequence(sx, st)
    assert len({tuple(s[0]) for s in sx}) > 1  # the schedule did change the lr
    if name == "OneCycleLR" and kwargs.get("cycle_momentum", True):
        assert len({tuple(s[1]) for s in sx}) > 2  # and the momentum


@pytest.mark.parametrize("name, kwargs, opt_name, opt_kwargs, steps", CASES, ids=IDS)
def test_state_dict_round_trip_mid_schedule(name, kwargs, opt_name, opt_kwargs, steps):
    opt, sched = _build("xarxa", name, kwargs, opt_name, opt_kwargs)
    whole = _run(opt, sched, steps)
    opt, sched = _build("xarxa", name, kwargs, opt_name, opt_kwargs)
    half = steps // 2
    _run(opt, sched, half)
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    _run(opt, sched, 2)  # the saved state must not follow the scheduler
    assert json.loads(json.dumps(saved)) == saved  # plain data: it survives JSON as it is
    # a fresh optimizer and scheduler, built as for a new run, then loaded
    opt2, sched2 = _build("xarxa", name, kwargs, opt_name, opt_kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    assert sched2.last_epoch == half and sched2.get_last_lr() == whole[half][2]
    _assert_same_sequence(_run(opt2, sched2, steps - half)[1:], whole[half + 1:])


@pytest.mark.parametrize("name, kwargs, opt_name, opt_kwargs, steps", CASES, ids=IDS)
def test_resuming_with_last_epoch_matches_torch(name, kwargs, opt_name, opt_kwargs, steps):
    # PyTorch's resume: load the optimizer (its groups carry initial_lr, OneCycleLR's
    # max_lr ...), then build the scheduler with last_epoch = the steps already taken;
    # construction makes one more step
    seqs = {}
    for lib in ("xarxa", "torch"):
        opt, sched = _build(lib, name, kwargs, opt_name, opt_kwargs)
        _run(opt, sched, 3)
        opt2 = _build(lib, name, kwargs, opt_name, opt_kwargs)[0]
        opt2.load_state_dict(opt.state_dict())
        smod = xs if lib == "xarxa" else torch.optim.lr_scheduler
        sched2 = getattr(smod, name)(opt2, **kwargs, last_epoch=3)
        assert sched2.last_epoch == 4
        seqs[lib] = _run(opt2, sched2, steps - 4)
    _assert_same_sequence(seqs["xarxa"], seqs["torch"])


@pytest.mark.parametrize("name, kwargs", [
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.5)),
    ("LinearLR", dict(start_factor=0.2, total_iters=7)),
    ("LinearLR", dict(start_factor=0.9, end_factor=0.3, total_iters=4)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e) ** 2))])
def test_chained_values_equal_the_closed_form(name, kwargs):
    opt, sched = _build("xarxa", name, kwargs, "SGD", {})
    for _ in range(12):
        opt.step()
        sched.step()
        np.testing.assert_allclose(sched.get_last_lr(), sched.closed_form_lr(), rtol=1e-12)


@pytest.mark.parametrize("sched_kwargs, opt_name, opt_kwargs", [
    (dict(max_lr=0.2, total_steps=20), "SGD", dict(momentum=0.9, nesterov=True)),
    (dict(max_lr=0.05, total_steps=20, three_phase=True), "Adam", dict(amsgrad=True)),
    (dict(max_lr=[0.03, 0.01], total_steps=20, anneal_strategy="linear"), "AdamW", {}),
])
def test_one_cycle_training_matches_torch(sched_kwargs, opt_name, opt_kwargs):
    # the momentum cycling acts on the weights through SGD's buffer and Adam's betas[0]
    scheds = {}

    def make(lib):
        def build(params):
            mod = optim if lib == "xarxa" else torch.optim
            smod = xs if lib == "xarxa" else torch.optim.lr_scheduler
            opt = getattr(mod, opt_name)(params, lr=0.01, **opt_kwargs)
            scheds[lib] = smod.OneCycleLR(opt, **sched_kwargs)
            return opt
        return build
    px, pt, ox, ot = run_both(make("xarxa"), make("torch"),
                              after_step=lambda lib, opt, k: scheds[lib].step(),
                              groups=lambda p: [{"params": [p["w1"], p["b1"]]},
                                                {"params": [p["w2"], p["b2"]]}])
    assert_same(px, pt)
    assert [g["lr"] for g in ox.param_groups] == pytest.approx(
        [g["lr"] for g in ot.param_groups], rel=1e-12)


def test_lambda_lr_saves_callable_objects_as_torch_does():
    warm = {"xarxa": Warmup(5), "torch": Warmup(5)}
    states = {}
    for lib, opt in (("xarxa", optim.SGD(_groups("xarxa"), lr=0.1)),
                     ("torch", torch.optim.SGD(_groups("torch"), lr=0.1))):
        smod = xs if lib == "xarxa" else torch.optim.lr_scheduler
        states[lib] = smod.LambdaLR(opt, [lambda e: 0.5, warm[lib]]).state_dict()
    assert states["xarxa"]["lr_lambdas"] == states["torch"]["lr_lambdas"] == [None, {"n": 5}]
    other = Warmup(2)
    sched = xs.LambdaLR(optim.SGD(_groups("xarxa"), lr=0.1), [lambda e: 0.5, other])
    sched.load_state_dict(states["xarxa"])
    assert other.n == 5  # the object's attributes come back; the lambda stays the loader's
    with pytest.raises(ValueError, match="LambdaLR.load_state_dict: the state has 2 "
                                         "lr_lambdas, this scheduler 1"):
        xs.LambdaLR(optim.SGD([xa.zeros(2, requires_grad=True)]), Warmup(3)).load_state_dict(
            states["xarxa"])


def test_one_cycle_refuses_a_step_past_its_end_and_changes_nothing():
    for lib in ("xarxa", "torch"):
        opt, sched = _build(lib, "OneCycleLR", dict(max_lr=0.1, total_steps=4), "SGD", {})
        _run(opt, sched, 4)  # steps 1..4: allowed, as in PyTorch
        with pytest.raises(ValueError, match=r"(?i)tried to step 5 times"):
            sched.step()
    assert sched.last_epoch == 5  # PyTorch counts the refused step
    opt, sched = _build("xarxa", "OneCycleLR", dict(max_lr=0.1, total_steps=4), "SGD", {})
    _run(opt, sched, 4)
    lrs = sched.get_last_lr()
    with pytest.raises(ValueError, match=r"OneCycleLR: tried to step 5 times, but the "
                                         r"schedule has total_steps=4"):
        sched.step()
    assert sched.last_epoch == 4 and sched.get_last_lr() == lrs  # xarxa: unchanged


def test_one_cycle_zero_length_phase_is_a_clear_error():
    # pct_start·total_steps = 1: the warm-up phase starts and ends at step 0 (PyTorch:
    # ZeroDivisionError while constructing)
    with pytest.raises(ZeroDivisionError):
        _build("torch", "OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=0.1), "SGD",
               {})
    with pytest.raises(ValueError, match=r"OneCycleLR: step 0 falls in phase 1 of the "
                                         r"schedule, which has zero length"):
        _build("xarxa", "OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=0.1), "SGD",
               {})


def test_one_cycle_stores_its_values_in_the_groups_as_torch():
    gx = _build("xarxa", "OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=10), "Adam", {})
    gt = _build("torch", "OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=10), "Adam", {})
    for x, t in zip(gx[0].param_groups, gt[0].param_groups):
        for key in ("lr", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert x[key] == pytest.approx(t[key], rel=1e-15), key
        assert x["betas"] == pytest.approx(t["betas"])


def test_import_paths_as_in_torch():
    import importlib
    from xarxa.optim.lr_scheduler import LambdaLR, OneCycleLR  # noqa: F401
    module = importlib.import_module("xarxa.optim.lr_scheduler")
    assert xa.optim.lr_scheduler is module and xa.optim.lr_scheduler.StepLR is xs.StepLR
    assert set(xs.__all__) <= set(dir(torch.optim.lr_scheduler))
    assert all(isinstance(getattr(xs, n), type) for n in xs.__all__)


@pytest.mark.parametrize("make, error, match", [
    (lambda o: xs.LambdaLR(o, [lambda e: 1.0]), ValueError,
     r"LambdaLR: expected 2 lr_lambda values \(one per param group\), got 1"),
    (lambda o: xs.LambdaLR(o, 0.5), TypeError, "LambdaLR: lr_lambda must be a function"),
    (lambda o: xs.MultiStepLR(o, [3, 2.5]), ValueError,
     r"MultiStepLR: milestones must be epochs \(integers >= 0\), got \[3, 2.5\]"),
    (lambda o: xs.MultiStepLR(o, [-1]), ValueError, "MultiStepLR: milestones"),
    (lambda o: xs.LinearLR(o, start_factor=0.0), ValueError,
     r"LinearLR: start_factor must lie in \(0, 1\], got 0.0"),
    (lambda o: xs.LinearLR(o, end_factor=1.5), ValueError, "LinearLR: end_factor"),
    (lambda o: xs.LinearLR(o, total_iters=0), ValueError,
     "LinearLR: total_iters must be a positive integer, got 0"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1), ValueError,
     "OneCycleLR: give total_steps, or both epochs and steps_per_epoch"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, epochs=3), ValueError, "steps_per_epoch"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, total_steps=2.5), ValueError,
     "OneCycleLR: total_steps must be a positive integer, got 2.5"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=0), ValueError,
     "OneCycleLR: steps_per_epoch must be a positive integer, got 0"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, total_steps=9, pct_start=1.5), ValueError,
     r"OneCycleLR: pct_start must be a number in \[0, 1\], got 1.5"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, total_steps=9, anneal_strategy="exp"),
     ValueError, "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'exp'"),
    (lambda o: xs.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=9), ValueError,
     r"OneCycleLR: expected 2 max_lr values \(one per param group\), got 3"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, total_steps=9, base_momentum=[0.8]), ValueError,
     "OneCycleLR: expected 2 base_momentum values"),
    (lambda o: xs.OneCycleLR(o, max_lr=0.1, total_steps=9, last_epoch=2), KeyError,
     "OneCycleLR: param_groups\\[0\\] has no 'max_lr', 'min_lr', 'max_momentum', "
     "'base_momentum'; resuming with last_epoch >= 0"),
    (lambda o: xs.LinearLR(o, last_epoch=-2), ValueError,
     "LinearLR: last_epoch must be an integer >= -1"),
    (lambda o: xs.MultiStepLR(o, [2], last_epoch=4), KeyError,
     "MultiStepLR: param_groups\\[1\\] has no 'initial_lr'"),
    (lambda o: xs.OneCycleLR(torch.optim.SGD([torch.zeros(1)]), max_lr=0.1, total_steps=9),
     TypeError, "OneCycleLR: expected an xarxa Optimizer, got SGD"),
    (lambda o: xs.LambdaLR([o], lambda e: 1.0), TypeError,
     "LambdaLR: expected an xarxa Optimizer, got list"),
])
def test_bad_arguments(make, error, match):
    opt = optim.SGD(_groups("xarxa"), lr=0.1)
    opt.param_groups[0]["initial_lr"] = 0.1  # so that only the named key is missing
    with pytest.raises(error, match=match):
        make(opt)


@pytest.mark.parametrize("opt_name", ["Adadelta", "Adagrad"])
def test_one_cycle_momentum_needs_an_optimizer_with_momentum(opt_name):
    opt = getattr(optim, opt_name)(_groups("xarxa"))
    with pytest.raises(ValueError, match=f"OneCycleLR: cycle_momentum=True needs an optimizer "
                                         f"with momentum or betas .*; {opt_name} has neither: "
                                         "pass cycle_momentum=False"):
        xs.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    xs.OneCycleLR(opt, max_lr=0.1, total_steps=5, cycle_momentum=False)


def test_loading_another_optimizers_state_names_it_despite_one_cycle_keys():
    a = optim.SGD(_groups("xarxa"), lr=0.1, momentum=0.9)
    xs.OneCycleLR(a, max_lr=0.1, total_steps=5)
    with pytest.raises(ValueError, match=r"saved by another optimizer \(SGD\), not by Adam"):
        optim.Adam(_groups("xarxa")).load_state_dict(a.state_dict())
