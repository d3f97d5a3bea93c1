"""Batch norm + ReLU, fused vs composed, at ResNet-8's shapes (batch 64, training mode,
forward + backward, float32), interleaved: relu(batch_norm(x)) against
batch_norm(x, activation="relu"). Median of 7 rounds of 20 steps each.

    python benchmarks/bn_relu_fused.py
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import xarxa as xa  # noqa: E402
from xarxa.autograd.ops import relu  # noqa: E402
from xarxa.autograd.ops.norm import batch_norm  # noqa: E402

SHAPES = [(64, 16, 28, 28), (64, 32, 14, 14), (64, 64, 7, 7)]


def run(shape, fused: bool, rng, reps: int = 20) -> float:
    """Median milliseconds of one training step of BN + ReLU at `shape`."""
    c = shape[1]
    x = xa.tensor(rng.standard_normal(shape).astype("float32"), requires_grad=True)
    w = xa.tensor(np.ones(c, "float32"), requires_grad=True)
    b = xa.tensor(np.zeros(c, "float32"), requires_grad=True)
    running_mean, running_var = xa.tensor(np.zeros(c, "float32")), xa.tensor(np.ones(c, "float32"))
    g = xa.tensor(rng.standard_normal(shape).astype("float32"))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        if fused:
            y = batch_norm(x, running_mean, running_var, w, b, True, activation="relu")
        else:
            y = relu(batch_norm(x, running_mean, running_var, w, b, True))
        y.backward(g)
        times.append(time.perf_counter() - start)
        x.grad = w.grad = b.grad = None
    return float(np.median(times)) * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    for shape in SHAPES:
        composed, fused = [], []
        for _ in range(7):
            composed.append(run(shape, False, rng))
            fused.append(run(shape, True, rng))
        ratio = np.median(np.array(fused) / np.array(composed))
        print(f"{shape}  composed {np.median(composed):.3f} ms  fused {np.median(fused):.3f} ms"
              f"  ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
