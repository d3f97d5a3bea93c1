"""Second order: one Hessian-vector product of a network's loss, xarxa vs PyTorch CPU.

    python benchmarks/second_order.py            # ratios (xarxa time / torch time), memory
    python benchmarks/second_order.py --quick    # one small round each (CI smoke test)

The timed unit, the same in both libraries: forward, loss, gradients with
`create_graph=True`, ⟨gradients, v⟩, and its gradient — Pearlmutter's H·v (PyTorch:
double backward). The first H·v of both libraries is compared before timing.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from conv import build, data  # noqa: E402

CONFIGS = {  # name: (model kind, input shape, batch)
    "mlp 784-512-512-10 relu b128": ("mlp", (784,), 128),
    "lenet5 b64": ("lenet5", (1, 32, 32), 64),
    "resnet b32": ("resnet", (1, 28, 28), 32),
}


def model_of(lib, kind):
    if kind == "mlp":
        return lib.Sequential(lib.Linear(784, 512), lib.ReLU(), lib.Linear(512, 512),
                              lib.ReLU(), lib.Linear(512, 10))
    return build(lib, kind)


def hvp_step(lib, model, x, y, vs):
    """A function computing H·v of the cross-entropy loss with respect to the parameters."""
    params = [p for p in model.parameters()]
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(x), y)
        grads = lib.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs))
        return lib.autograd.grad(dot, params)
    return step


def setup(lib_name, name, state=None):
    kind, shape, batch = CONFIGS[name]
    x, y = data(kind if kind != "mlp" else "cnn", shape, batch)
    if lib_name == "xarxa":
        import xarxa as lib
        from xarxa import nn
        lib.manual_seed(0)
        model = model_of(nn, kind)
    else:
        import torch as lib
        lib.manual_seed(0)
        model = model_of(lib.nn, kind)
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()}, strict=False)
    rng = np.random.default_rng(1)
    vs = [lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
          for p in model.parameters()]
    return model, hvp_step(lib, model, lib.tensor(x), lib.tensor(y), vs)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) == 2 and args[0] in ("xarxa", "torch"):  # child: peak memory of one library
        lib, name = args
        state = None
        if lib == "torch":
            xmodel, _ = setup("xarxa", name)
            state = {k: v.numpy().copy() for k, v in xmodel.state_dict().items()}
        _, step = setup(lib, name, state)
        for _ in range(3):
            step()
        print(harness.peak_rss_mb())
        return
    quick = "--quick" in sys.argv
    names = [n for n in CONFIGS if not args or any(a in n for a in args)]
    if quick:
        names = names[:1]
    print(harness.environment())
    for name in names:
        model, step_x = setup("xarxa", name)
        state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        _, step_t = setup("torch", name, state)
        hx = np.concatenate([h.numpy().ravel() for h in step_x()])
        ht = np.concatenate([h.numpy().ravel() for h in step_t()])
        error = np.abs(hx - ht).max() / max(np.abs(ht).max(), 1e-12)
        assert error < 1e-3, f"{name}: H·v differs from torch's (relative {error:.2e})"
        rounds, steps = (1, 1) if quick else (6, 2)
        result = harness.interleaved(step_x, step_t, rounds=rounds, steps=steps,
                                     warmup=1 if quick else 2)
        mem = () if quick else (harness.peak_memory(__file__, "xarxa", name),
                                harness.peak_memory(__file__, "torch", name))
        print(harness.report(f"H·v {name}", result, *mem) +
              f"   max |Δ|/max|Hv| {error:.1e}", flush=True)


if __name__ == "__main__":
    main()
