"""The notes' figures, regenerated with xarxa (chapter 1).

    python experiments/notes_figures.py --out figures          # the full run (~10 s)
    python experiments/notes_figures.py --quick --out /tmp/f   # a few seconds (tests)

writes into --out:

* ``losses.png`` — Fig. 1.12: L1, L2, Huber (δ = 1), hinge (m = 1) and cross-entropy for
  the target y = 1 against the prediction f(x) (the error is y − f = 1 − f), each
  computed by xarxa's loss function of that name;
* ``activations.png`` — §1.1.2: step, sigmoid, tanh and ReLU with their derivatives, the
  derivatives computed by xarxa's autograd (backward of the sum), not by formula;
* ``batch_vs_minibatch.md`` / ``.json`` / ``.png`` — §1.4.3: full-batch, mini-batch and
  stochastic gradient descent on the same data, model, initial weights and rate, measured:
  time per epoch and per update, peak memory of an epoch (tracemalloc: Python and NumPy
  allocations), updates per epoch, final loss and accuracy on the whole set.

The notes' table ranks SGD "fast": per *update* it is; per *epoch* it runs N updates of
one sample each, and in Python the per-update overhead dominates, so an epoch is the
slowest of the three. The measured table shows both.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc

import numpy as np

import xarxa as xa
import xarxa.nn.functional as F  # noqa: N812
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset

ACTIVATIONS = {"step": F.step, "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu}


def loss_curves(f: np.ndarray) -> dict[str, np.ndarray]:
    """Each loss of Fig. 1.12 at predictions ``f`` for the target y = 1, per element."""
    pred = xa.tensor(f, dtype=xa.float64)
    one = xa.ones_like(pred)
    return {
        "L1 |y − f|": F.l1_loss(pred, one, reduction="none").numpy(),
        "L2 (y − f)²": F.mse_loss(pred, one, reduction="none").numpy(),
        "Huber δ = 1": F.huber_loss(pred, one, reduction="none", delta=1.0).numpy(),
        "hinge max(0, 1 − y·f)": F.hinge_loss(pred, one, margin=1.0, reduction="none").numpy(),
        "cross-entropy −ln σ(f)": F.binary_cross_entropy_with_logits(
            pred, one, reduction="none").numpy(),
    }


def activation_curves(x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (g(x), g'(x)) with g' from autograd: backward of Σ g(x) gives g'(x) per x."""
    out = {}
    for name, fn in ACTIVATIONS.items():
        t = xa.tensor(x, dtype=xa.float64, requires_grad=True)
        y = fn(t)
        y.sum().backward()
        out[name] = (y.detach().numpy().copy(), t.grad.numpy().copy())
    return out


def _figure(width, height, rows=1, cols=1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(rows, cols, i + 1) for i in range(rows * cols)]


def _save(fig, path):
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_losses(path: str | None, points: int = 601):
    f = np.linspace(-2.0, 3.0, points)
    fig, (ax,) = _figure(6.5, 4.5)
    for name, values in loss_curves(f).items():
        ax.plot(f, values, label=name, linewidth=1.8)
    ax.axvline(1.0, color="0.5", linewidth=0.8, linestyle=":", label="f = y (no error)")
    ax.set_ylim(-0.1, 4.0)
    ax.set_xlabel("prediction f(x) for the target y = 1   (error y − f = 1 − f)")
    ax.set_ylabel("loss")
    ax.set_title("Fig. 1.12: loss comparison (y = 1, m = 1, δ = 1)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path)


def plot_activations(path: str | None, points: int = 801):
    x = np.linspace(-5.0, 5.0, points)
    fig, axes = _figure(12.0, 3.4, 1, 4)
    for ax, (name, (g, dg)) in zip(axes, activation_curves(x).items()):
        ax.plot(x, g, label=f"{name}(x)", linewidth=1.8)
        ax.plot(x, dg, label=f"{name}′(x)", linewidth=1.4, linestyle="--")
        if name == "step":
            ax.annotate("δ(x) at 0:\nno useful\ngradient", (0.0, 0.5), xytext=(0.4, 0.45),
                        fontsize=8)
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.set_ylabel(f"{name}(x) and its derivative")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("§1.1.2: activations and their derivatives (the dashed lines computed by "
                 "autograd)")
    return _save(fig, path)


# -- §1.4.3: batch vs mini-batch vs stochastic gradient descent -------------------------------
def _data(quick: bool):
    ds = xa.datasets.digits(train=True)
    x, y = ds.arrays[0], ds.arrays[1]
    n = 256 if quick else len(x)
    return x[:n].reshape(n, -1).astype(np.float32), y[:n]


def _epoch(model, opt, loader) -> int:
    updates = 0
    for xb, yb in loader:
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
        updates += 1
    return updates


def batch_comparison(quick: bool = False, lr: float = 0.05, seed: int = 0) -> list[dict]:
    """Train the same MLP from the same weights with batch sizes N, 32 and 1 (same rate)
    and measure each; returns one row per method."""
    x, y = _data(quick)
    n = len(x)
    epochs = 3 if quick else 10
    everything = (xa.tensor(x), xa.tensor(y))
    rows = []
    for method, batch in (("batch GD", n), ("mini-batch GD (32)", 32), ("SGD (1)", 1)):
        xa.manual_seed(seed)
        model = nn.Sequential(nn.Linear(x.shape[1], 32), nn.ReLU(), nn.Linear(32, 10))
        opt = optim.SGD(model.parameters(), lr=lr)
        loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True)
        # peak memory of one epoch, measured apart: tracemalloc slows Python down
        tracemalloc.start()
        updates = _epoch(model, opt, loader)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        curve, seconds = [], []
        with xa.no_grad():
            curve.append(float(F.cross_entropy(model(everything[0]), everything[1]).item()))
        for _ in range(epochs - 1):
            start = time.perf_counter()
            _epoch(model, opt, loader)
            seconds.append(time.perf_counter() - start)
            with xa.no_grad():
                curve.append(float(F.cross_entropy(model(everything[0]),
                                                   everything[1]).item()))
        with xa.no_grad():
            accuracy = float((model(everything[0]).numpy().argmax(1) == y).mean())
        per_epoch = float(np.median(seconds))  # the median: the machine is shared
        rows.append({"method": method, "batch_size": batch, "samples": n, "epochs": epochs,
                     "updates_per_epoch": updates, "seconds_per_epoch": per_epoch,
                     "ms_per_update": 1e3 * per_epoch / updates, "peak_memory_kib": peak / 1024,
                     "final_loss": curve[-1], "final_accuracy": accuracy,
                     "loss_per_epoch": curve})
    return rows


def batch_table(rows: list[dict]) -> str:
    head = ("| method | updates/epoch | time/epoch (s) | time/update (ms) | peak memory (KiB) "
            "| final loss | final accuracy |")
    lines = [head, "|" + "---|" * 7]
    for r in rows:
        lines.append(f"| {r['method']} | {r['updates_per_epoch']} | "
                     f"{r['seconds_per_epoch']:.3f} | {r['ms_per_update']:.3f} | "
                     f"{r['peak_memory_kib']:.0f} | {r['final_loss']:.4f} | "
                     f"{r['final_accuracy']:.3f} |")
    r = rows[0]
    lines.append(f"\n{r['samples']} digits, MLP 64-32-10, SGD α = {0.05}, {r['epochs']} epochs "
                 "from the same initial weights; time: the median epoch of epochs 2…; memory: "
                 "the peak of epoch 1.")
    threads = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
               if k in os.environ}
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    # a busy machine stalls BLAS's threads on the large full-batch products: say how busy
    lines.append(f"{os.cpu_count()} CPUs, load average {load}"
                 + (f", {threads}" if threads else ", default BLAS threads") + ".")
    return "\n".join(lines)


def plot_batches(rows: list[dict], path: str | None):
    fig, (ax,) = _figure(6.0, 4.0)
    for r in rows:
        ax.plot(range(1, len(r["loss_per_epoch"]) + 1), r["loss_per_epoch"], "-o",
                markersize=3, label=f"{r['method']}: {r['updates_per_epoch']} updates/epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss on the whole set")
    ax.set_title("§1.4.3: the same data, model and rate")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="figures", help="output directory")
    parser.add_argument("--quick", action="store_true",
                        help="a small subset and 3 epochs (seconds): for tests")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    plot_losses(os.path.join(args.out, "losses.png"))
    plot_activations(os.path.join(args.out, "activations.png"))
    rows = batch_comparison(quick=args.quick)
    table = batch_table(rows)
    with open(os.path.join(args.out, "batch_vs_minibatch.md"), "w", encoding="utf-8") as f:
        f.write(table + "\n")
    with open(os.path.join(args.out, "batch_vs_minibatch.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
    plot_batches(rows, os.path.join(args.out, "batch_vs_minibatch.png"))
    print(table)
    print(f"\nwrote {args.out}/: losses.png, activations.png, batch_vs_minibatch.md/.json/.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
