"""What the notes' experiments share: the command line (--quick, --out), Fashion-MNIST as
arrays, a training loop that records every step's loss, scoring, Markdown tables and
curve figures. Each experiment script is then only its question and its settings."""
from __future__ import annotations

import argparse
import os
import time
from typing import Callable, Sequence

import numpy as np

import xarxa as xa
from xarxa import optim
from xarxa.data import datasets


def parser(description: str, name: str) -> argparse.ArgumentParser:
    """--quick (seconds: tiny subsets, one epoch), --out DIR, --data-root, --seed."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="a seconds-long smoke run on tiny subsets (1 epoch)")
    p.add_argument("--out", default=os.path.join("runs", "experiments", name),
                   help="directory for the PNG(s) and the table (default: %(default)s)")
    p.add_argument("--data-root", default=None, help="where the Fashion-MNIST IDX files are")
    p.add_argument("--seed", type=int, default=0)
    return p


def fashion(train: bool, n: int | None, root=None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images (N, 1, 28, 28) float32 in [0, 1] and labels (N,) int64; ``n``:
    a class-stratified-by-chance random subset of that many (drawn from ``seed``)."""
    ds = datasets.fashion_mnist(root=root, train=train)
    x, y = ds.arrays[0], ds.arrays[1].astype(np.int64)
    if n is not None and n < len(y):
        keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:n])
        x, y = x[keep], y[keep]
    return x, y


def train_steps(model, x: np.ndarray, y: np.ndarray, loss_fn: Callable, epochs: int,
                batch_size: int, lr: float, momentum: float = 0.9, weight_decay: float = 0.0,
                seed: int = 0) -> list[float]:
    """SGD over shuffled minibatches (the order drawn from ``seed``); the loss of every
    step, in order (NaN steps kept: a diverging run shows as such)."""
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    rng = np.random.default_rng(seed)
    losses = []
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xa.tensor(x[idx])), xa.tensor(y[idx]))
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
    return losses


def predict(model, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """Model outputs (eval mode, no graph), concatenated."""
    model.eval()
    with xa.no_grad():
        out = np.concatenate([model(xa.tensor(x[i:i + batch])).numpy()
                              for i in range(0, len(x), batch)])
    model.train()
    return out


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over ``window`` steps (the first ones over what there is)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) < 2:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def curves_figure(curves: dict[str, Sequence[float]], title: str,
                  ylabel: str = "training loss", xlabel: str = "step", window: int = 20,
                  styles: dict[str, str] | None = None):
    """One line per curve (running mean over ``window`` steps): the matplotlib Figure."""
    from xarxa.plot import _figure
    fig = _figure(7, 4.5)
    ax = fig.add_subplot()
    for name, values in curves.items():
        ax.plot(smooth(values, window), (styles or {}).get(name, "-"), label=name)
    ax.set(title=title, xlabel=xlabel + (f" (running mean over {window})"
                                         if window > 1 else ""), ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_curves(curves: dict[str, Sequence[float]], path: str, title: str,
                ylabel: str = "training loss", xlabel: str = "step", window: int = 20,
                styles: dict[str, str] | None = None) -> str:
    """``curves_figure`` written to ``path`` (PNG); returns ``path``."""
    fig = curves_figure(curves, title, ylabel, xlabel, window, styles)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A Markdown table; floats with 4 decimals."""
    def cell(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def finish(out: str, name: str, text: str, started: float) -> str:
    """Print the table (and the time it took) and save it as ``out/name.md``."""
    text = f"{text}\n\n({time.perf_counter() - started:.0f} s)"
    print(text)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{name}.md"), "w") as f:
        f.write(text + "\n")
    return text
