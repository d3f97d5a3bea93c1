"""Data-parallel training on MPI: measured on this machine, projected to 2…64 ranks.

    python benchmarks/distributed.py [--steps 30] [--markdown]

Measures, each in fresh processes (synthetic 28×28 images, batch 64 per step in all):

1. throughput of LeNet-5 and the CNN (xarxa.models) in one process with 2 BLAS threads,
   and under ``mpiexec -n 2`` (1 thread each, batch 32 per rank, gradients averaged by
   DistributedDataParallel), with the share of the step spent in the gradient Allreduce;
2. one process with 1 thread and batch 32: the per-rank compute of a data-parallel step;
3. ``Allreduce`` time against message size with 2 ranks, fitted by t = a + b·n.

Then projects the step time and the efficiency at P = 2…64 ranks with the α–β model
(per-rank batch fixed at 32: weak scaling), each rank computing as the 1-thread process:

    T(P) = T_compute(32) + T_allreduce(P, n),  efficiency = T_compute(32) / T(P)
    T_allreduce(P, n) = min(⌈log2 P⌉·(α + n·β),                    recursive doubling
                            2·(P−1)·α + 2·(P−1)/P · n·β)           ring (reduce-scatter
                                                                   + all-gather)
with α = a/2 and β = b from the 2-rank fit (for P = 2 both algorithms cost 2α + nβ ≈
a + b·n), and once more for a network between machines (assumed: 10 Gb/s Ethernet,
α = 30 µs, β = 0.8 ns/B), since shared memory is the best case a cluster never has.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GLOBAL_BATCH = 64
RANKS = (2, 4, 8, 16, 32, 64)
NETWORK = {"alpha": 30e-6, "beta": 0.8e-9}  # assumed 10 Gb/s Ethernet (1.25 GB/s)
MODELS = ("lenet5", "cnn")


# -- workers (run in their own processes) ----------------------------------------------------

def _model(name: str):
    from xarxa.models import CNN, LeNet5
    import xarxa as xa
    xa.manual_seed(0)
    return LeNet5() if name == "lenet5" else CNN(image_size=28)


def worker_step(name: str, batch: int, steps: int) -> None:
    """Time `steps` training steps (after a warm-up); under mpiexec, as a DDP rank."""
    import numpy as np
    import xarxa as xa
    import xarxa.distributed as dist
    import xarxa.nn.functional as F
    from xarxa import optim
    from xarxa.nn.parallel import DistributedDataParallel
    dist.init_process_group()
    model = _model(name)
    wrapped = model
    comm = [0.0]
    if dist.get_world_size() > 1:
        wrapped = DistributedDataParallel(model)
        average = wrapped._average_gradients

        def timed():  # the Allreduce share of the step
            start = time.perf_counter()
            average()
            comm[0] += time.perf_counter() - start
        wrapped._average_gradients = timed
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(dist.get_rank())
    x = xa.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = xa.tensor(rng.integers(0, 10, batch))

    def step():
        opt.zero_grad()
        F.cross_entropy(wrapped(x), y).backward()
        opt.step()
    for _ in range(5):
        step()
    dist.barrier()
    comm[0] = 0.0
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if dist.get_rank() == 0:
        grad_bytes = sum(p.numpy().nbytes for p in model.parameters())
        print(json.dumps({"step": statistics.median(times), "comm": comm[0] / steps,
                          "grad_bytes": grad_bytes}))


def worker_allreduce() -> None:
    """Median Allreduce (sum, float32, in place) time per message size, 2 ranks."""
    import numpy as np
    import xarxa.distributed as dist
    dist.init_process_group()
    out = {}
    for power in range(2, 27, 2):  # 4 B … 64 MiB
        n = 2 ** power
        buf = np.ones(n // 4, dtype=np.float32)
        reps = max(5, min(200, int(2e8 // max(n, 1) // 20)))
        for _ in range(3):
            dist.all_reduce(buf)
        times = []
        for _ in range(reps):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(buf)
            times.append(time.perf_counter() - start)
        out[n] = statistics.median(times)
    if dist.get_rank() == 0:
        print(json.dumps(out))


# -- the driver ------------------------------------------------------------------------------

def _threads(n: int) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": str(n), "OPENBLAS_NUM_THREADS": str(n),
            "MKL_NUM_THREADS": str(n)}


def _run(args: list, threads: int, ranks: int = 0) -> dict:
    cmd = [sys.executable, __file__, *args]
    if ranks:
        cmd = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(ranks), *cmd]
    out = subprocess.run(cmd, env=_threads(threads), capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fit_line(sizes: list[float], times: list[float]) -> tuple[float, float]:
    """Least squares t = a + b·n, weighted by 1/t (every size counts in relative terms)."""
    w = [1 / t for t in times]
    sw = sum(w)
    mx = sum(wi * n for wi, n in zip(w, sizes)) / sw
    my = sum(wi * t for wi, t in zip(w, times)) / sw
    b = sum(wi * (n - mx) * (t - my) for wi, n, t in zip(w, sizes, times)) / \
        sum(wi * (n - mx) ** 2 for wi, n in zip(w, sizes))
    return my - b * mx, b


def allreduce_model(p: int, n: float, alpha: float, beta: float) -> float:
    doubling = math.ceil(math.log2(p)) * (alpha + n * beta)
    ring = 2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta
    return min(doubling, ring)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        if args.worker[0] == "allreduce":
            worker_allreduce()
        else:
            worker_step(args.worker[0], int(args.worker[1]), args.steps)
        return
    import numpy as np
    import xarxa.backend
    print(f"# python {sys.version.split()[0]}, numpy {np.__version__}, cores "
          f"{os.cpu_count()}, xarxa malloc tuning {xarxa.backend.allocator_tuned}")
    steps = ["--steps", str(args.steps), "--worker"]
    measured = {}
    for name in MODELS:
        one = _run([*steps, name, str(GLOBAL_BATCH)], threads=2)
        half = _run([*steps, name, str(GLOBAL_BATCH // 2)], threads=1)
        two = _run([*steps, name, str(GLOBAL_BATCH // 2)], threads=1, ranks=2)
        measured[name] = (one, half, two)
    sizes_times = _run(["--worker", "allreduce"], threads=1, ranks=2)
    sizes = [float(n) for n in sizes_times]
    times = list(sizes_times.values())
    a, b = fit_line(sizes, times)
    alpha, beta = a / 2, b

    print("\n## Throughput, batch 64 per step (images/s; median step)\n")
    print("| model | parameters | 1 process, 2 threads | mpiexec -n 2, 1 thread each "
          "| speed-up | gradient averaging share of the 2-rank step¹ "
          "| 1 process, 1 thread, batch 32 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (one, half, two) in measured.items():
        print(f"| {name} | {one['grad_bytes'] // 4:,} | {GLOBAL_BATCH / one['step']:,.0f} "
              f"({one['step'] * 1e3:.1f} ms) | {GLOBAL_BATCH / two['step']:,.0f} "
              f"({two['step'] * 1e3:.1f} ms) | {one['step'] / two['step']:.2f}× "
              f"| {two['comm'] / two['step']:.1%} ({two['comm'] * 1e3:.2f} ms) "
              f"| {half['step'] * 1e3:.1f} ms |")
    print("\n¹ time inside DDP's averaging: packing the buckets, the Allreduce, waiting for "
          "the slower rank, and unpacking (the most that overlapping it with backward could "
          "save)")

    print("\n## Allreduce (float32 sum, in place), 2 ranks, shared memory\n")
    print("| message | time | bandwidth | fit a + b·n |")
    print("|---:|---:|---:|---:|")
    for n, t in zip(sizes, times):
        size = f"{n / 2**20:g} MiB" if n >= 2**20 else (f"{n / 2**10:g} KiB" if n >= 1024
                                                         else f"{n:g} B")
        print(f"| {size} | {t * 1e6:,.1f} µs | {n / t / 1e9:.2f} GB/s "
              f"| {(a + b * n) * 1e6:,.1f} µs |")
    print(f"\nfit: a = {a * 1e6:.2f} µs, b = {b * 1e9:.3f} ns/B  →  α = a/2 = "
          f"{alpha * 1e6:.2f} µs, β = {beta * 1e9:.3f} ns/B ({1 / beta / 1e9:.1f} GB/s)")

    for label, (al, be) in (("measured shared memory", (alpha, beta)),
                            ("assumed 10 Gb/s Ethernet: α = 30 µs, β = 0.8 ns/B",
                             (NETWORK["alpha"], NETWORK["beta"]))):
        print(f"\n## Projection, batch 32 per rank, α–β model ({label})\n")
        print("| model | gradient | T_compute(32) | "
              + " | ".join(f"P={p}" for p in RANKS) + " |")
        print("|---|---:|---:|" + "---:|" * len(RANKS))
        for name, (_, half, _) in measured.items():
            n, tc = half["grad_bytes"], half["step"]
            cells = []
            for p in RANKS:
                total = tc + allreduce_model(p, n, al, be)
                cells.append(f"{total * 1e3:.1f} ms, {tc / total:.0%}")
            print(f"| {name} | {n / 2**20:.2f} MiB | {tc * 1e3:.1f} ms | "
                  + " | ".join(cells) + " |")
    print("\n(each cell: projected step time, efficiency = T_compute / T; throughput = "
          "32·P·efficiency / T_compute images/s)")


if __name__ == "__main__":
    main()
