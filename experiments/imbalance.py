"""Class imbalance (notes §1.3.6): Fashion-MNIST with some classes cut to 5 % of their
training images, trained with plain cross-entropy, class-weighted cross-entropy and the
focal loss; per-class recall on the (balanced) test set.

    python experiments/imbalance.py [--quick] [--out DIR] [--epochs E] [--rare 2 4 6]

The rare classes (default 2 pullover, 4 coat, 6 shirt: the three the network most
confuses with each other) keep 5 % of their training images, the others all. The same
MLP (784-256-10, ReLU; the same initial weights) is trained on the same batches with

* plain cross-entropy;
* weighted cross-entropy, ``weight=xarxa.nn.functional.class_weights(y, 10,
  'balanced')`` (α_k = N / (C·n_k): a rare class weighs 20× a full one);
* the focal loss ``F.focal_loss(gamma=2)`` (no α).

Writes ``imbalance.png`` (test recall per class, one bar per loss) and prints the
per-class recall table, the rare classes' mean recall and the overall accuracy.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

import xarxa as xa  # noqa: E402
import xarxa.nn.functional as F  # noqa: E402
from xarxa.models import MLP  # noqa: E402

NAMES = ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
         "bag", "boot"]


def cut(x: np.ndarray, y: np.ndarray, rare, keep: float, seed: int):
    """All images of the common classes and a random ``keep`` fraction of the rare ones."""
    rng = np.random.default_rng(seed)
    mask = np.ones(len(y), dtype=bool)
    for k in rare:
        idx = np.nonzero(y == k)[0]
        drop = rng.permutation(idx)[max(1, round(keep * len(idx))):]
        mask[drop] = False
    return x[mask], y[mask]


def figure(recalls: dict[str, np.ndarray], rare, title: str):
    """Test recall per class, one bar per loss (rare classes starred): the Figure."""
    from xarxa.plot import _figure
    fig = _figure(9, 4.4)
    ax = fig.add_subplot()
    width = 0.8 / len(recalls)
    for i, (name, r) in enumerate(recalls.items()):
        ax.bar(np.arange(10) + (i - (len(recalls) - 1) / 2) * width, r, width, label=name)
    ax.set_xticks(np.arange(10),
                  [f"{n}*" if k in rare else n for k, n in enumerate(NAMES)], rotation=30)
    ax.set(xlabel="class (* rare in training)", ylabel="test recall", ylim=(0, 1.05),
           title=title)
    ax.legend(loc="lower right")
    return fig


def plot(recalls: dict[str, np.ndarray], rare, path: str, title: str) -> str:
    """``figure`` written to ``path`` (PNG); returns ``path``."""
    fig = figure(recalls, rare, title)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def main(argv=None) -> str:
    p = C.parser(__doc__.splitlines()[0], "imbalance")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--rare", type=int, nargs="+", default=[2, 4, 6],
                   help="the classes cut to 5%% (default 2 4 6)")
    p.add_argument("--keep", type=float, default=0.05, help="fraction kept (default 0.05)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    epochs, n_train, n_test = args.epochs, None, None
    if args.quick:
        epochs, n_train, n_test = 1, 2000, 500
    x, y = C.fashion(True, n_train, args.data_root, args.seed)
    x, y = cut(x, y, args.rare, args.keep, args.seed)
    x_test, y_test = C.fashion(False, n_test, args.data_root, args.seed)
    alpha = F.class_weights(xa.tensor(y), 10, method="balanced")
    losses = {"cross-entropy": F.cross_entropy,
              "weighted cross-entropy": lambda out, t: F.cross_entropy(out, t, weight=alpha),
              "focal loss (γ = 2)": lambda out, t: F.focal_loss(out, t, gamma=2.0)}
    recalls, rows = {}, []
    for name, loss_fn in losses.items():
        xa.manual_seed(args.seed)
        model = MLP([784, 256, 10])
        C.train_steps(model, x, y, loss_fn, epochs, 64, 0.05, seed=args.seed)
        pred = C.predict(model, x_test).argmax(1)
        r = np.array([(pred[y_test == k] == k).mean() if (y_test == k).any() else np.nan
                      for k in range(10)])
        recalls[name] = r
        rows.append([name, *[float(v) for v in r], float(np.nanmean(r[args.rare])),
                     float((pred == y_test).mean())])
        print(f"  {name}: rare-class recall {rows[-1][-2]:.4f}", flush=True)
    counts = np.bincount(y, minlength=10)
    png = plot(recalls, args.rare, os.path.join(args.out, "imbalance.png"),
               f"MLP, classes {args.rare} cut to {args.keep:.0%} ({len(y)} images), "
               f"{epochs} epochs")
    text = (f"### Class imbalance (notes 1.3.6): MLP 784-256-10, classes {args.rare} cut to "
            f"{args.keep:.0%} ({len(y)} training images; per class "
            f"{', '.join(str(int(c)) for c in counts)}), {epochs} epoch(s), batch 64, SGD "
            f"lr 0.05 momentum 0.9; recall per class on {len(y_test)} test images "
            f"(* = rare)\n\n"
            + C.table(["loss", *[f"{n}*" if k in args.rare else n
                                 for k, n in enumerate(NAMES)],
                       "rare mean", "accuracy"], rows)
            + f"\n\nfigure: {png}")
    return C.finish(args.out, "imbalance", text, started)


if __name__ == "__main__":
    main()
