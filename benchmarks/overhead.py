"""Per-op overhead: one training step of small and mid-size MLPs, xarxa vs PyTorch CPU.

    python benchmarks/overhead.py            # ratios (xarxa time / torch time) and memory

Step = zero_grad, forward, loss, backward, optimizer step (SGD), as DESIGN's benchmark
method says. Targets (issue 2): 2-16-16-1 ≤ 0.5x, 784-512-512-10 ≤ 1.0x.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

CONFIGS = {
    "mlp 2-16-16-1 tanh mse b32": ([2, 16, 16, 1], "tanh", "mse", 32),
    "mlp 784-512-512-10 relu ce b128": ([784, 512, 512, 10], "relu", "ce", 128),
}


def data(sizes, loss, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    if loss == "mse":
        y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    else:
        y = rng.integers(0, sizes[-1], batch).astype(np.int64)
    return x, y


def xarxa_step(sizes, act, loss, batch):
    import xarxa as xa
    from xarxa import nn, optim
    import xarxa.nn.functional as F
    xa.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh() if act == "tanh" else nn.ReLU())
    model = nn.Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x, y = data(sizes, loss, batch)
    x, y = xa.tensor(x), xa.tensor(y)
    loss_fn = F.mse_loss if loss == "mse" else F.cross_entropy
    return harness.training_step(model, opt, loss_fn, x, y)


def torch_step(sizes, act, loss, batch):
    import torch
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh() if act == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = data(sizes, loss, batch)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.functional.mse_loss if loss == "mse" else \
        torch.nn.functional.cross_entropy
    return harness.training_step(model, opt, loss_fn, x, y)


def main() -> None:
    if len(sys.argv) == 3:  # child process: peak memory of one library on one config
        lib, name = sys.argv[1], sys.argv[2]
        step = (xarxa_step if lib == "xarxa" else torch_step)(*CONFIGS[name])
        for _ in range(50):
            step()
        print(harness.peak_rss_mb())
        return
    print(harness.environment())
    for name, cfg in CONFIGS.items():
        small = cfg[0][1] < 100
        result = harness.interleaved(xarxa_step(*cfg), torch_step(*cfg),
                                     steps=200 if small else 10)
        mem_x = harness.peak_memory(__file__, "xarxa", name)
        mem_t = harness.peak_memory(__file__, "torch", name)
        print(harness.report(name, result, mem_x, mem_t))


if __name__ == "__main__":
    main()
