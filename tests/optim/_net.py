"""The same tiny network in xarxa and in PyTorch, for optimizer parity tests."""
from __future__ import annotations

import numpy as np
import torch

import xarxa as xa
import xarxa.nn.functional as F

_RNG = np.random.default_rng(1234)
SHAPES = {"w1": (5, 3), "b1": (5,), "w2": (2, 5), "b2": (2,)}
INIT = {k: _RNG.normal(0.0, 0.7, size=s).astype(np.float32) for k, s in SHAPES.items()}
# A different batch every step, so that the optimizers see changing gradients.
BATCHES = [(_RNG.normal(size=(8, 3)).astype(np.float32),
            _RNG.normal(size=(8, 2)).astype(np.float32)) for _ in range(20)]


def xarxa_params() -> dict[str, xa.Tensor]:
    return {k: xa.tensor(v, requires_grad=True, name=k) for k, v in INIT.items()}


def torch_params() -> dict[str, torch.Tensor]:
    return {k: torch.tensor(v, requires_grad=True) for k, v in INIT.items()}


def xarxa_loss(p, x, y):
    h = xa.tanh(F.linear(xa.tensor(x), p["w1"], p["b1"]))
    out = F.linear(h, p["w2"], p["b2"])
    return ((out - xa.tensor(y)) ** 2).mean()


def torch_loss(p, x, y):
    h = torch.tanh(torch.nn.functional.linear(torch.tensor(x), p["w1"], p["b1"]))
    out = torch.nn.functional.linear(h, p["w2"], p["b2"])
    return ((out - torch.tensor(y)) ** 2).mean()


def run_both(make_xarxa, make_torch, steps: int = 20, groups=None, before_step=None,
             after_step=None):
    """Train both copies ``steps`` steps; return (xarxa params, torch params) as arrays.

    ``groups``: a function mapping the params dict to the optimizer's params argument.
    ``before_step(lib, params)``: called between backward and step (e.g. clipping).
    ``after_step(lib, opt, k)``: called after each step (e.g. a scheduler).
    """
    groups = groups or (lambda p: list(p.values()))
    px, pt = xarxa_params(), torch_params()
    ox, ot = make_xarxa(groups(px)), make_torch(groups(pt))
    for k in range(steps):
        x, y = BATCHES[k % len(BATCHES)]
        ox.zero_grad()
        xarxa_loss(px, x, y).backward()
        ot.zero_grad()
        torch_loss(pt, x, y).backward()
        if before_step:
            before_step("xarxa", px)
            before_step("torch", pt)
        ox.step()
        ot.step()
        if after_step:
            after_step("xarxa", ox, k)
            after_step("torch", ot, k)
    return ({k: v.numpy() for k, v in px.items()},
            {k: v.detach().numpy() for k, v in pt.items()}, ox, ot)


def assert_same(px, pt, rtol=2e-5, atol=2e-6):
    for k in px:
        np.testing.assert_allclose(px[k], pt[k], rtol=rtol, atol=atol, err_msg=k)
