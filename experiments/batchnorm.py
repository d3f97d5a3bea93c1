"""Batch normalisation (notes §1.5.2): the same CNN with and without ``BatchNorm2d``, each
at a moderate and a high learning rate — batch norm trains faster and tolerates the
higher rate.

    python experiments/batchnorm.py [--quick] [--out DIR] [--epochs E] [--subset N]

The CNN is ``xarxa.models.CNN`` (conv 3×3 32 + BN + ReLU, max-pool, conv 3×3 64 + BN +
ReLU, max-pool, FC 128, FC 10); "without" drops its two ``BatchNorm2d`` layers and
nothing else (the same seed draws the same convolution and linear weights). SGD with
momentum 0.9, the same batches in the same order for all four runs. Writes
``batchnorm.png`` (training-loss curves) and prints the final training loss and the test
accuracy.
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
from xarxa import nn  # noqa: E402
from xarxa.models import CNN  # noqa: E402


def cnn(batch_norm: bool) -> nn.Module:
    """``models.CNN``, or its layers in the same order without the two BatchNorm2d."""
    model = CNN()
    if batch_norm:
        return model
    keep = [m for m in model.features if not isinstance(m, nn.BatchNorm2d)]
    return nn.Sequential(nn.Sequential(*keep), model.classifier)


def main(argv=None) -> str:
    p = C.parser(__doc__.splitlines()[0], "batchnorm")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--subset", type=int, default=10000, help="training images (default 10000)")
    p.add_argument("--lrs", type=float, nargs=2, default=[0.01, 0.1],
                   help="the two learning rates (default 0.01 0.1)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    epochs, n_train, n_test = args.epochs, args.subset, 10000
    if args.quick:
        epochs, n_train, n_test = 1, 64, 32
    x, y = C.fashion(True, n_train, args.data_root, args.seed)
    x_test, y_test = C.fashion(False, n_test, args.data_root, args.seed)
    curves, rows = {}, []
    steps_per_epoch = -(-len(y) // 64)
    for lr in args.lrs:
        for batch_norm in (False, True):
            xa.manual_seed(args.seed)
            model = cnn(batch_norm)
            name = f"{'with' if batch_norm else 'without'} BN, lr {lr:g}"
            t0 = time.perf_counter()
            losses = C.train_steps(model, x, y, F.cross_entropy, epochs, 64, lr, seed=args.seed)
            seconds = time.perf_counter() - t0
            curves[name] = losses
            out = C.predict(model, x_test)
            acc = float((out.argmax(1) == y_test).mean()) if np.isfinite(out).all() else 0.0
            rows.append([name, float(np.mean(losses[-steps_per_epoch:])), acc,
                         f"{seconds:.0f}"])
            print(f"  {name}: test accuracy {acc:.4f}, {seconds:.0f} s", flush=True)
    styles = {k: ("--" if k.startswith("without") else "-") for k in curves}
    png = C.plot_curves(curves, os.path.join(args.out, "batchnorm.png"),
                        f"CNN with/without batch norm, {len(y)} images, {epochs} epochs",
                        window=max(1, steps_per_epoch // 8), styles=styles)
    text = (f"### Batch norm (notes 1.5.2): CNN, {len(y)} training images, {epochs} epoch(s), "
            f"batch 64, SGD momentum 0.9\n\n"
            + C.table(["run", "train loss (last epoch)", f"test accuracy ({len(y_test)})",
                       "seconds"], rows)
            + "\n\n(a diverged run, loss NaN, is scored 0)\n\nfigure: " + png)
    return C.finish(args.out, "batchnorm", text, started)


if __name__ == "__main__":
    main()
