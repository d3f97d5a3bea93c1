"""Convolutional training steps, xarxa vs PyTorch CPU (issue 3's and issue 9's targets).

    python benchmarks/conv.py                   # every case: time ratio and peak memory
    python benchmarks/conv.py resnet unet       # only the cases whose name contains a word
    python benchmarks/conv.py --profile [name]  # where xarxa's step time goes (cProfile)

Step = zero_grad, forward, cross-entropy loss, backward, SGD step, as DESIGN's benchmark
method says (same process, A B B A interleaving, warm-up, median of per-round ratios;
peak RSS of each library in its own subprocess, after 10 steps). Both models start from
the same weights (the ResNet/DenseNet/FCN/UNet twins are tests/torch_models.py's).

- lenet5: the notes' exam LeNet-5 (tanh, avg-pool) on 1×32×32, batch 128 and 64.
- cnn: conv3×3 1→32, BN, ReLU, max-pool, conv3×3 32→64, BN, ReLU, max-pool, FC 3136→128,
  ReLU, FC 128→10 on 1×28×28, batch 128.
- resnet, densenet, fcn: `xarxa.models`' defaults on 1×28×28, batch 64.
- unet: `UNet(decoder='transpose')` on 1×64×64 canvases, batch 16, per-pixel CE
  (the 64×64 transposed convolutions).
- cnn ×10 graphs: ten forward graphs of the cnn kept alive, one backward through their
  summed loss (what each node saves, ×10).
Targets (issue 9): time ≤ 1.0× and peak memory ≤ 1.0× PyTorch's.
"""
from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import harness  # noqa: E402

# name: (model kind, one input's shape, batch, graphs kept alive per step)
CONFIGS = {
    "lenet5 b128": ("lenet5", (1, 32, 32), 128, 1),
    "lenet5 b64": ("lenet5", (1, 32, 32), 64, 1),
    "cnn b128": ("cnn", (1, 28, 28), 128, 1),
    "resnet b64": ("resnet", (1, 28, 28), 64, 1),
    "densenet b64": ("densenet", (1, 28, 28), 64, 1),
    "fcn b64": ("fcn", (1, 28, 28), 64, 1),
    "unet 64x64 b16": ("unet", (1, 64, 64), 16, 1),
    "cnn b64 x10 graphs": ("cnn", (1, 28, 28), 64, 10),
}


def build(lib, kind):
    """The same architecture in xarxa (`lib` = xarxa.nn) or torch (`lib` = torch.nn)."""
    if kind == "lenet5":
        return lib.Sequential(
            lib.Conv2d(1, 6, 5), lib.Tanh(), lib.AvgPool2d(2),
            lib.Conv2d(6, 16, 5), lib.Tanh(), lib.AvgPool2d(2), lib.Flatten(),
            lib.Linear(400, 120), lib.Tanh(), lib.Linear(120, 84), lib.Tanh(),
            lib.Linear(84, 10))
    if kind == "cnn":
        return lib.Sequential(
            lib.Conv2d(1, 32, 3, padding=1), lib.BatchNorm2d(32), lib.ReLU(),
            lib.MaxPool2d(2), lib.Conv2d(32, 64, 3, padding=1), lib.BatchNorm2d(64),
            lib.ReLU(), lib.MaxPool2d(2), lib.Flatten(), lib.Linear(3136, 128), lib.ReLU(),
            lib.Linear(128, 10))
    if lib.__name__.startswith("torch"):
        import torch_models as T
        return {"resnet": T.ResNet, "densenet": T.DenseNet, "fcn": T.FCN,
                "unet": lambda: T.UNet(decoder="transpose")}[kind]()
    from xarxa import models
    return {"resnet": models.ResNet, "densenet": models.DenseNet, "fcn": models.FCN,
            "unet": lambda: models.UNet(decoder="transpose")}[kind]()


def data(kind, shape, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y_shape = (batch,) + shape[1:] if kind == "unet" else (batch,)
    y = rng.integers(0, 11 if kind == "unet" else 10, y_shape).astype(np.int64)
    return x, y


def _step(model, opt, loss_fn, x, y, graphs):
    if graphs == 1:
        return harness.training_step(model, opt, loss_fn, x, y)

    def step():  # `graphs` forward graphs alive at once, one backward
        opt.zero_grad()
        losses = [loss_fn(model(x), y) for _ in range(graphs)]
        loss = losses[0]
        for other in losses[1:]:
            loss = loss + other
        loss.backward()
        opt.step()
        return loss
    return step


def xarxa_model(kind):
    import xarxa as xa
    from xarxa import nn
    xa.manual_seed(0)
    return build(nn, kind)


def xarxa_step(name, model=None):
    import xarxa as xa
    import xarxa.nn.functional as F
    from xarxa import optim
    kind, shape, batch, graphs = CONFIGS[name]
    model = model or xarxa_model(kind)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x, y = data(kind, shape, batch)
    return _step(model, opt, F.cross_entropy, xa.tensor(x), xa.tensor(y), graphs)


def torch_step(name, state=None):
    import torch
    kind, shape, batch, graphs = CONFIGS[name]
    torch.manual_seed(0)
    model = build(torch.nn, kind)
    if state is not None:  # the same initial weights as xarxa's model
        model.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = data(kind, shape, batch)
    return _step(model, opt, torch.nn.functional.cross_entropy, torch.from_numpy(x),
                 torch.from_numpy(y), graphs)


def profile(name: str) -> None:
    import cProfile
    import pstats
    step = xarxa_step(name)
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(5):
        step()
    prof.disable()
    print(f"--- {name}: 5 steps")
    pstats.Stats(prof).sort_stats("tottime").print_stats(16)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) == 2 and args[0] in ("xarxa", "torch"):  # child: peak memory of one library
        lib, name = args
        step = (xarxa_step if lib == "xarxa" else torch_step)(name)
        for _ in range(10):
            step()
        print(harness.peak_rss_mb())
        return
    names = [n for n in CONFIGS if not args or any(a in n for a in args)]
    if "--profile" in sys.argv:
        for name in names:
            profile(name)
        return
    print(harness.environment())
    for name in names:
        kind = CONFIGS[name][0]
        model = xarxa_model(kind)
        state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        step_x, step_t = xarxa_step(name, model), torch_step(name, state)
        first_x, first_t = float(step_x().item()), float(step_t().item())
        assert abs(first_x - first_t) < 1e-3 * max(1.0, abs(first_t)), \
            f"{name}: first losses differ (xarxa {first_x}, torch {first_t})"
        result = harness.interleaved(step_x, step_t, rounds=8, steps=3, warmup=2)
        mem_x = harness.peak_memory(__file__, "xarxa", name)
        mem_t = harness.peak_memory(__file__, "torch", name)
        print(harness.report(name, result, mem_x, mem_t), flush=True)


if __name__ == "__main__":
    main()
