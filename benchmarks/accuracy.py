"""Every classifier of ``xarxa.models`` trained on Fashion-MNIST with one fixed recipe, in
xarxa and in PyTorch (CPU) side by side: test accuracy, seconds per epoch and their
ratio, and each library's peak memory.

    python benchmarks/accuracy.py [--quick] [--models mlp lenet5 ...] [--epochs E]
                                  [--subset N] [--no-memory] [--profile MODEL]

The recipe (both libraries): SGD, momentum 0.9, weight decay 5e-4, batch 128, learning
rate 0.05 annealed by a cosine over the epochs (set at the start of each epoch),
cross-entropy; inputs in [0, 1], no augmentation. The PyTorch networks are those of
``tests/torch_models.py`` (the same architectures written in plain torch.nn with the same
parameter names; MLP and CNN are written here), loaded with xarxa's initial weights;
both libraries take the same batches in the same order (one permutation per epoch).

Method (DESIGN.md "Benchmark method"): both libraries in this process at their default
thread counts (printed); per epoch the order alternates (xarxa, torch, torch, xarxa, …)
so that a machine slowing down mid-run penalises neither; an epoch's time covers
zero_grad, forward, loss, backward and the optimizer step of every batch (not the test
pass); the ratio is the median of the per-epoch ratios. Peak memory: each library trains
``--memory-steps`` batches in its own fresh process (``--memory-probe``), which reports
its VmHWM; the data are read there as uint8 and converted per batch, and the other
library is never imported. ``--profile MODEL``: cProfile of one xarxa epoch of MODEL
(on the --subset), its top entries by own time.
"""
from __future__ import annotations

import argparse
import gzip
import math
import os
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import harness  # noqa: E402  (benchmarks/harness.py: environment, timed_epoch)
FASHION = "/usr/share/datasets/fashion-mnist"
ALL = ("mlp", "lenet5", "cnn", "resnet", "densenet", "fcn")
LABELS = {"mlp": "MLP 784-512-256-10", "lenet5": "LeNet-5 (modern)", "cnn": "CNN with BN",
          "resnet": "ResNet-8", "densenet": "DenseNet", "fcn": "FCN"}
TARGETS = {"mlp": 0.89, "lenet5": 0.90, "cnn": 0.92, "resnet": 0.93, "densenet": 0.92,
           "fcn": 0.90}
LR, MOMENTUM, WEIGHT_DECAY, BATCH = 0.05, 0.9, 5e-4, 128


def xarxa_model(name: str):
    from xarxa import models
    return {"mlp": lambda: models.MLP([784, 512, 256, 10]),
            "lenet5": lambda: models.LeNet5(modern=True), "cnn": models.CNN,
            "resnet": models.ResNet, "densenet": models.DenseNet, "fcn": models.FCN}[name]()


def _torch_models():
    """tests/torch_models.py: the networks rewritten in plain torch.nn (imported, not copied)."""
    if os.path.join(ROOT, "tests") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "tests"))
    import torch_models
    return torch_models


def torch_model(name: str):
    """The PyTorch twin of ``xarxa_model(name)`` (same parameter and buffer names)."""
    import torch.nn as tnn
    T = _torch_models()  # noqa: N806
    if name == "mlp":   # xarxa's MLP is Sequential(Flatten, Linear, ReLU, Linear, ReLU, Linear)
        return tnn.Sequential(tnn.Flatten(), tnn.Linear(784, 512), tnn.ReLU(),
                              tnn.Linear(512, 256), tnn.ReLU(), tnn.Linear(256, 10))
    if name == "cnn":
        return _TorchCNN()
    return {"lenet5": T.LeNet5Modern, "resnet": T.ResNet, "densenet": T.DenseNet,
            "fcn": T.FCN}[name]()


def _TorchCNN():  # noqa: N802 (a class defined lazily: torch is imported only when needed)
    import torch.nn as tnn

    class CNN(tnn.Module):
        """xarxa.models.CNN: conv 32 + BN + ReLU, pool, conv 64 + BN + ReLU, pool, FC 128, FC 10."""

        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(1, 32, 3, padding=1), tnn.BatchNorm2d(32), tnn.ReLU(),
                tnn.MaxPool2d(2), tnn.Conv2d(32, 64, 3, padding=1), tnn.BatchNorm2d(64),
                tnn.ReLU(), tnn.MaxPool2d(2))
            self.classifier = tnn.Sequential(tnn.Flatten(), tnn.Linear(3136, 128), tnn.ReLU(),
                                             tnn.Linear(128, 10))

        def forward(self, x):
            return self.classifier(self.features(x))
    return CNN()


def read_idx(train: bool, images: bool) -> np.ndarray:
    """The raw IDX arrays (uint8 images (N, 1, 28, 28), labels (N,)), nothing else imported."""
    split = "train" if train else "t10k"
    kind = "images-idx3" if images else "labels-idx1"
    with gzip.open(os.path.join(FASHION, f"{split}-{kind}-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16 if images else 8)
    return raw.reshape(-1, 1, 28, 28) if images else raw.astype(np.int64)


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def memory_probe(lib: str, name: str, steps: int) -> None:
    """Train ``steps`` batches of ``name`` in ``lib`` alone; print this process's peak RSS."""
    x, y = read_idx(True, True), read_idx(True, False)
    if lib == "xarxa":
        import xarxa as xa
        import xarxa.nn.functional as F
        from xarxa import optim
        xa.manual_seed(0)
        model = xarxa_model(name)
        opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
        loss_fn, tensor = F.cross_entropy, xa.tensor
    else:
        import torch
        torch.manual_seed(0)
        model = torch_model(name)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM,
                              weight_decay=WEIGHT_DECAY)
        loss_fn, tensor = torch.nn.functional.cross_entropy, torch.from_numpy
    for s in range(steps):
        idx = slice(s * BATCH, (s + 1) * BATCH)
        opt.zero_grad()
        loss = loss_fn(model(tensor(x[idx].astype(np.float32) / 255)), tensor(y[idx]))
        loss.backward()
        opt.step()
    print(f"{peak_rss_mib():.1f}")


def peak_memory(lib: str, name: str, steps: int) -> float:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-probe", lib,
                          name, "--memory-steps", str(steps)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"memory probe {lib} {name} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


class Side:
    """One library's model, optimizer and training/testing on the shared arrays."""

    def __init__(self, lib: str, name: str, state=None):
        self.lib = lib
        if lib == "xarxa":
            import xarxa as xa
            import xarxa.nn.functional as F
            from xarxa import optim
            xa.manual_seed(0)
            self.model = xarxa_model(name)
            self.opt = optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM,
                                 weight_decay=WEIGHT_DECAY)
            self.loss_fn, self.tensor, self.no_grad = F.cross_entropy, xa.tensor, xa.no_grad
        else:
            import torch
            self.model = torch_model(name)
            self.model.load_state_dict(_torch_models().to_torch(state))
            self.opt = torch.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM,
                                       weight_decay=WEIGHT_DECAY)
            self.loss_fn = torch.nn.functional.cross_entropy
            self.tensor, self.no_grad = torch.from_numpy, torch.no_grad

    def epoch(self, x, y, order, lr) -> tuple[float, float]:
        """(seconds, mean training loss) of one pass over ``order``."""
        for group in self.opt.param_groups:
            group["lr"] = lr
        batches = ((self.tensor(x[idx]), self.tensor(y[idx]))
                   for idx in (order[i:i + BATCH] for i in range(0, len(order), BATCH)))
        seconds, losses = harness.timed_epoch(self.model, self.opt, self.loss_fn, batches)
        return seconds, float(np.mean(losses))

    def accuracy(self, x, y) -> float:
        self.model.eval()
        with self.no_grad():
            hits = sum(int((np.asarray(self.model(self.tensor(x[i:i + 1000])).numpy()).argmax(1)
                            == y[i:i + 1000]).sum()) for i in range(0, len(y), 1000))
        return hits / len(y)


def compare(name: str, data, epochs: int, seed: int) -> dict:
    x, y, x_test, y_test = data
    ours = Side("xarxa", name)
    theirs = Side("torch", name, ours.model.state_dict())
    rng = np.random.default_rng(seed)
    times = {"xarxa": [], "torch": []}
    for e in range(epochs):
        order = rng.permutation(len(y))
        lr = 0.5 * LR * (1 + math.cos(math.pi * e / epochs))
        sides = (ours, theirs) if e % 2 == 0 else (theirs, ours)
        report = []
        for side in sides:
            seconds, loss = side.epoch(x, y, order, lr)
            times[side.lib].append(seconds)
            report.append(f"{side.lib} {seconds:.1f} s loss {loss:.4f}")
        print(f"  {name} epoch {e + 1}/{epochs} (lr {lr:.4f}): {', '.join(report)}", flush=True)
    ratios = [a / b for a, b in zip(times["xarxa"], times["torch"])]
    return {"params": int(sum(p.numel() for p in ours.model.parameters())),
            "acc_x": ours.accuracy(x_test, y_test), "acc_t": theirs.accuracy(x_test, y_test),
            "sec_x": statistics.median(times["xarxa"]), "sec_t": statistics.median(times["torch"]),
            "ratio": statistics.median(ratios)}


def profile(name: str, data) -> str:
    """cProfile of one xarxa epoch of ``name``: the top entries by own time."""
    import cProfile
    import io
    import pstats
    x, y = data[:2]
    side = Side("xarxa", name)
    order = np.random.default_rng(0).permutation(len(y))
    prof = cProfile.Profile()
    prof.enable()
    seconds, _ = side.epoch(x, y, order, LR)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(18)
    return f"one xarxa epoch of {name} on {len(y)} images: {seconds:.1f} s under cProfile\n" \
        + out.getvalue()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="1,000 training / 1,000 test images, 1 epoch, 3 memory steps")
    p.add_argument("--models", nargs="+", default=list(ALL), choices=ALL)
    p.add_argument("--epochs", type=int, default=None, help="default 10 (--quick: 1)")
    p.add_argument("--subset", type=int, default=None,
                   help="first N training images (default all 60,000)")
    p.add_argument("--test-subset", type=int, default=None, help="first N test images")
    p.add_argument("--memory-steps", type=int, default=None, help="default 50 (--quick: 5)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    p.add_argument("--profile", choices=ALL, default=None,
                   help="only profile one xarxa epoch of this model (on --subset)")
    p.add_argument("--memory-probe", nargs=2, metavar=("LIB", "MODEL"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    steps = args.memory_steps or (3 if args.quick else 50)
    if args.memory_probe:
        return memory_probe(*args.memory_probe, steps)
    epochs = args.epochs or (1 if args.quick else 10)
    n_train = args.subset or (1000 if args.quick else None)
    n_test = args.test_subset or (1000 if args.quick else None)
    x, y = read_idx(True, True)[:n_train], read_idx(True, False)[:n_train]
    x_test, y_test = read_idx(False, True)[:n_test], read_idx(False, False)[:n_test]
    data = (x.astype(np.float32) / 255, y, x_test.astype(np.float32) / 255, y_test)
    print(harness.environment())
    if args.profile:
        print(profile(args.profile, data))
        return
    print(f"{len(y)} training / {len(y_test)} test images, {epochs} epoch(s), batch {BATCH}, "
          f"SGD lr {LR} (cosine) momentum {MOMENTUM} weight decay {WEIGHT_DECAY}", flush=True)
    rows = []
    for name in args.models:
        r = compare(name, data, epochs, seed=0)
        if not args.no_memory:
            r["mem_x"], r["mem_t"] = peak_memory("xarxa", name, steps), peak_memory("torch", name,
                                                                                      steps)
        rows.append((name, r))
        print(f"  {name}: acc xarxa {r['acc_x']:.4f} torch {r['acc_t']:.4f}, "
              f"s/epoch {r['sec_x']:.1f} vs {r['sec_t']:.1f} ({r['ratio']:.2f}x)", flush=True)
    head = ("| model | params | xarxa acc | torch acc | Δ (pt) | target | xarxa s/epoch | "
            "torch s/epoch | time ratio | xarxa peak MiB | torch peak MiB | memory ratio |")
    lines = [head, "|---|" + "---:|" * 11]
    for name, r in rows:
        mem = (f"{r['mem_x']:.0f} | {r['mem_t']:.0f} | {r['mem_x'] / r['mem_t']:.2f}"
               if "mem_x" in r else "- | - | -")
        lines.append(f"| {LABELS[name]} | {r['params']:,} | {r['acc_x']:.4f} | {r['acc_t']:.4f} "
                     f"| {100 * (r['acc_x'] - r['acc_t']):+.2f} | {TARGETS[name]:.2f} | "
                     f"{r['sec_x']:.1f} | {r['sec_t']:.1f} | {r['ratio']:.2f} | {mem} |")
    print(f"\n(peak memory: {steps} training steps of batch {BATCH} in a fresh process per "
          f"library)\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
