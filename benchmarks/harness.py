"""The benchmark method of DESIGN.md, in one place, so every ratio means the same thing.

- xarxa and PyTorch run in the same process, steps interleaved A B B A …, after a warm-up;
  the reported ratio is the median of the per-round ratios (xarxa time / torch time).
- Both at their default thread count (printed), both under the same allocator setting.
- Peak memory: each library in its own subprocess, its peak RSS (VmHWM, see peak_rss_mb).
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable


def environment() -> str:
    import numpy as np
    import torch
    import xarxa.backend
    lines = [f"python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__}",
             f"torch threads: {torch.get_num_threads()}, cores: {os.cpu_count()}",
             f"xarxa malloc tuning: {xarxa.backend.allocator_tuned}"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"{var}={os.environ[var]} (set in the environment, left as found)")
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            lines.append(f"{pool['internal_api']} {pool.get('architecture', '')} "
                         f"threads={pool['num_threads']}")
    except ImportError:
        pass
    return "\n".join(lines)


def training_step(model, optimizer, loss_fn, x, y) -> Callable[[], object]:
    """The timed unit, the same for both libraries (their APIs agree): zero_grad, forward,
    loss, backward and the optimizer step."""
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def timed_epoch(model, optimizer, loss_fn, batches) -> tuple[float, list[float]]:
    """(seconds, every step's loss) of one training pass over ``batches``, an iterable of
    (input, target) pairs: zero_grad, forward, loss, backward, step. Making the batches
    (indexing, tensor conversion) is inside the timed loop, as a user's loop has it."""
    model.train()
    losses = []
    start = time.perf_counter()
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return time.perf_counter() - start, losses


def interleaved(step_xarxa: Callable, step_torch: Callable, rounds: int = 21,
                steps: int = 20, warmup: int = 5) -> dict:
    """Median per-round ratio of xarxa's step time to torch's, rounds ordered A B B A …"""
    for _ in range(warmup):
        step_xarxa()
        step_torch()
    ratios, tx, tt = [], [], []
    for r in range(rounds):
        order = [("x", step_xarxa), ("t", step_torch)]
        if r % 2:
            order.reverse()
        times = {}
        for key, step in order:
            start = time.perf_counter()
            for _ in range(steps):
                step()
            times[key] = (time.perf_counter() - start) / steps
        ratios.append(times["x"] / times["t"])
        tx.append(times["x"])
        tt.append(times["t"])
    return {"ratio": statistics.median(ratios), "xarxa_ms": statistics.median(tx) * 1e3,
            "torch_ms": statistics.median(tt) * 1e3}


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB.

    Linux's `ru_maxrss` survives exec: a child forked from a parent that had torch loaded
    reports the parent's peak. VmHWM belongs to the new address space, so it is used when
    /proc is there, `getrusage` elsewhere.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory(script: str, *args: str) -> float:
    """Run `script args` in a fresh interpreter; it must print its peak RSS (MiB) last."""
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def report(name: str, result: dict, mem_x: float | None = None,
           mem_t: float | None = None) -> str:
    line = (f"{name:<32} xarxa {result['xarxa_ms']:8.3f} ms   torch {result['torch_ms']:8.3f} ms"
            f"   ratio {result['ratio']:5.2f}x")
    if mem_x is not None:
        line += f"   peak RSS xarxa {mem_x:6.0f} MiB, torch {mem_t:6.0f} MiB"
    return line
