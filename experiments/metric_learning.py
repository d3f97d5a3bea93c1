"""Metric learning (notes §1.3.8): contrastive loss vs triplet loss, and triplets taken at
random vs mined online (batch-hard, semi-hard) vs mined offline, judged by Recall@1 on
the Fashion-MNIST test set; nearest neighbour on raw pixels is the baseline row.

    python experiments/metric_learning.py [--quick] [--out DIR] [--epochs E] [--subset N]

Every run trains the same ``SiameseNet`` (64-d, L2-normalised embeddings; the same
initial weights) with Adam (lr 1e-3, batch 128) on the same random subset of the
training set, with the losses and miners of ``xarxa train --model siamese`` (its
``MetricLoss`` and ``OfflineTriplets``: margins 1.0 for pairs, 0.2 for triplets; an
offline batch holds 128 triplets mined from a pool of 256 images embedded at the start of
the epoch). Recall@1: each test image queried against the rest of the test set (all
10,000 unless --quick), a hit when its nearest neighbour has its class. Writes
``metric_learning.png`` (training-loss curves).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

import xarxa as xa  # noqa: E402
from xarxa import optim  # noqa: E402
from xarxa.data import TensorDataset  # noqa: E402
from xarxa.models import SiameseNet  # noqa: E402
from xarxa.apps.train.siamese_task import MetricLoss, OfflineTriplets  # noqa: E402

# row name -> (loss, miner) as `xarxa train --model siamese --loss L --miner M` takes them
RUNS = {"contrastive (random pairs)": ("contrastive", "none"),
        "triplet (random triplets)": ("triplet", "none"),
        "triplet + batch-hard": ("triplet", "batch-hard"),
        "triplet + semi-hard": ("triplet", "semi-hard"),
        "triplet + offline mining": ("triplet", "offline")}
MARGINS = {"contrastive": 1.0, "triplet": 0.2}


def recall_at_1(emb: np.ndarray, labels: np.ndarray, chunk: int = 1000) -> float:
    """Leave-one-out Recall@1 (as ``ml.recall_at_k(emb, labels, 1)``, ties to the lower
    index) computed a block of queries at a time, so that 10,000 items need no
    10,000² distance matrix at once."""
    e = emb.reshape(len(emb), -1).astype(np.float64)
    sq = (e * e).sum(1)
    hits = 0
    for s in range(0, len(e), chunk):
        d = sq[s:s + chunk, None] - 2.0 * e[s:s + chunk] @ e.T + sq[None, :]
        d[np.arange(d.shape[0]), np.arange(s, s + d.shape[0])] = np.inf
        hits += int((labels[d.argmin(1)] == labels[s:s + chunk]).sum())
    return hits / len(e)


def embed(model, x: np.ndarray) -> np.ndarray:
    return C.predict(model, x, batch=512)


def main(argv=None) -> str:
    p = C.parser(__doc__.splitlines()[0], "metric_learning")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--subset", type=int, default=12000, help="training images (default 12000)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    epochs, n_train, n_test, batch = args.epochs, args.subset, None, 128
    if args.quick:
        epochs, n_train, n_test, batch = 1, 96, 200, 32
    x, y = C.fashion(True, n_train, args.data_root, args.seed)
    x_test, y_test = C.fashion(False, n_test, args.data_root, args.seed)
    train = TensorDataset(x, y)
    rows = [["raw pixels, nearest neighbour (no training)", "-", recall_at_1(x_test, y_test),
             "-"]]
    print(f"  raw pixels: Recall@1 {rows[0][2]:.4f}", flush=True)
    curves = {}
    for name, (loss, miner) in RUNS.items():
        xa.manual_seed(args.seed)
        model = SiameseNet()
        opt = optim.Adam(model.parameters(), lr=1e-3)
        margin = MARGINS[loss]
        loss_fn = MetricLoss(loss, "in-order" if miner == "offline" else miner, margin,
                             args.seed)
        offline = OfflineTriplets(train, model, batch, margin, args.seed) \
            if miner == "offline" else None
        rng = np.random.default_rng(args.seed)
        losses, t0 = [], time.perf_counter()
        model.train()
        for _ in range(epochs):
            if offline is not None:
                batches = iter(offline)
            else:
                order = rng.permutation(len(y))
                batches = ((xa.tensor(x[order[i:i + batch]]), xa.tensor(y[order[i:i + batch]]))
                           for i in range(0, len(y), batch))
            for xb, yb in batches:
                opt.zero_grad()
                value = loss_fn(model(xb), yb)
                value.backward()
                opt.step()
                losses.append(float(value.item()))
        seconds = time.perf_counter() - t0
        curves[name] = losses
        r1 = recall_at_1(embed(model, x_test), y_test)
        rows.append([name, f"--loss {loss} --miner {miner}", r1, f"{seconds:.0f}"])
        print(f"  {name}: Recall@1 {r1:.4f}, {seconds:.0f} s", flush=True)
    png = C.plot_curves({k: np.asarray(v) / MARGINS[RUNS[k][0]] for k, v in curves.items()},
                        os.path.join(args.out, "metric_learning.png"),
                        f"SiameseNet, {len(y)} images, {epochs} epochs",
                        ylabel="training loss / margin", window=10)
    text = (f"### Metric learning (notes 1.3.8): SiameseNet (64-d, unit norm), {len(y)} "
            f"training images, {epochs} epoch(s), batch {batch}, Adam lr 1e-3; Recall@1 over "
            f"{len(y_test)} test images, each queried against the rest\n\n"
            + C.table(["embedding", "xarxa train flags", "Recall@1", "seconds"], rows)
            + f"\n\nfigure: {png}")
    return C.finish(args.out, "metric_learning", text, started)


if __name__ == "__main__":
    main()
