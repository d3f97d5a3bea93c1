"""Convolutional training steps, xarxa vs PyTorch CPU (issue 3's targets).

    python benchmarks/conv.py               # ratios (xarxa time / torch time) and memory
    python benchmarks/conv.py --profile     # where xarxa's step time goes (cProfile)

Step = zero_grad, forward, cross-entropy loss, backward, SGD step, as DESIGN's benchmark
method says (same process, A B B A interleaving, warm-up, median of per-round ratios;
peak RSS of each library in its own subprocess). Both models start from the same weights.

- LeNet-5 (notes' exam): conv5×5 1→6, tanh, avg-pool 2, conv5×5 6→16, tanh, avg-pool 2,
  FC 400→120, tanh, FC 120→84, tanh, FC 84→10; batch 128 of 1×32×32. Target ≤ 1.2×.
- small CNN: conv3×3 1→32 pad 1, BN, ReLU, max-pool 2, conv3×3 32→64 pad 1, BN, ReLU,
  max-pool 2, FC 3136→128, ReLU, FC 128→10; batch 128 of 1×28×28. Target ≤ 1.4×.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

BATCH = 128
CONFIGS = {"lenet5 b128": ("lenet5", (1, 32, 32)), "cnn b128": ("cnn", (1, 28, 28))}


def build(lib, kind):
    """The same architecture in xarxa (`lib` = xarxa.nn) or torch (`lib` = torch.nn)."""
    if kind == "lenet5":
        return lib.Sequential(
            lib.Conv2d(1, 6, 5), lib.Tanh(), lib.AvgPool2d(2),
            lib.Conv2d(6, 16, 5), lib.Tanh(), lib.AvgPool2d(2), lib.Flatten(),
            lib.Linear(400, 120), lib.Tanh(), lib.Linear(120, 84), lib.Tanh(),
            lib.Linear(84, 10))
    return lib.Sequential(
        lib.Conv2d(1, 32, 3, padding=1), lib.BatchNorm2d(32), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(32, 64, 3, padding=1), lib.BatchNorm2d(64), lib.ReLU(), lib.MaxPool2d(2),
        lib.Flatten(), lib.Linear(3136, 128), lib.ReLU(), lib.Linear(128, 10))


def data(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH,) + shape).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    return x, y


def xarxa_model(kind):
    import xarxa as xa
    from xarxa import nn
    xa.manual_seed(0)
    return build(nn, kind)


def xarxa_step(kind, shape, model=None):
    import xarxa as xa
    import xarxa.nn.functional as F
    from xarxa import optim
    model = model or xarxa_model(kind)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x, y = data(shape)
    x, y = xa.tensor(x), xa.tensor(y)
    return harness.training_step(model, opt, F.cross_entropy, x, y)


def torch_step(kind, shape, state=None):
    import torch
    torch.manual_seed(0)
    model = build(torch.nn, kind)
    if state is not None:  # the same initial weights as xarxa's model
        model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = data(shape)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return harness.training_step(model, opt, torch.nn.functional.cross_entropy, x, y)


def profile(name: str) -> None:
    import cProfile
    import pstats
    kind, shape = CONFIGS[name]
    step = xarxa_step(kind, shape)
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        step()
    prof.disable()
    print(f"--- {name}: 10 steps")
    pstats.Stats(prof).sort_stats("tottime").print_stats(14)


def main() -> None:
    if len(sys.argv) == 3:  # child process: peak memory of one library on one config
        lib, name = sys.argv[1], sys.argv[2]
        kind, shape = CONFIGS[name]
        step = (xarxa_step if lib == "xarxa" else torch_step)(kind, shape)
        for _ in range(20):
            step()
        print(harness.peak_rss_mb())
        return
    if "--profile" in sys.argv:
        for name in CONFIGS:
            profile(name)
        return
    print(harness.environment())
    for name, (kind, shape) in CONFIGS.items():
        model = xarxa_model(kind)
        state = model.state_dict()
        step_x = xarxa_step(kind, shape, model)
        step_t = torch_step(kind, shape, {k: v.numpy().copy() for k, v in state.items()})
        first_x, first_t = float(step_x().item()), float(step_t().item())
        assert abs(first_x - first_t) < 1e-3 * max(1.0, abs(first_t)), \
            f"{name}: first losses differ (xarxa {first_x}, torch {first_t})"
        result = harness.interleaved(step_x, step_t, rounds=8, steps=5, warmup=3)
        mem_x = harness.peak_memory(__file__, "xarxa", name)
        mem_t = harness.peak_memory(__file__, "torch", name)
        print(harness.report(name, result, mem_x, mem_t))


if __name__ == "__main__":
    main()
