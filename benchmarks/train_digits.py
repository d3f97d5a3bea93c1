"""Time `xarxa train` with no arguments (the README's "run it" command) on the digits.

Target (issue 5): >= 95 % test accuracy in < 30 s wall time on 2 cores, start-up,
imports, evaluation and file writing included. Each run is a fresh process in a fresh
temporary directory, exactly as a user would type it; prints every run and the median.

    python benchmarks/train_digits.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def command() -> list[str]:
    # The installed console script if there is one next to this Python, else the module.
    script = os.path.join(os.path.dirname(sys.executable), "xarxa")
    return [script, "train"] if os.path.exists(script) else [sys.executable, "-m",
                                                             "xarxa.apps.cli", "train"]


def one_run() -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        subprocess.run(command(), cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        (run,) = os.listdir(os.path.join(cwd, "runs"))
        with open(os.path.join(cwd, "runs", run, "metrics.json")) as f:
            metrics = json.load(f)
    return wall, metrics["train_seconds"], metrics["test"]["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"command: {' '.join(command())}  (cores: {os.cpu_count()}, python "
          f"{sys.version.split()[0]})")
    walls, accs = [], []
    for i in range(args.runs):
        wall, fit_s, acc = one_run()
        walls.append(wall)
        accs.append(acc)
        print(f"run {i + 1}: {wall:6.2f} s wall ({fit_s:.2f} s in fit), test accuracy "
              f"{acc:.4f}")
    ok = statistics.median(walls) < 30 and min(accs) >= 0.95
    print(f"median {statistics.median(walls):.2f} s, test accuracy {min(accs):.4f} (min) — "
          f"target < 30 s and >= 0.95: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
