"""The degradation problem (notes §1.7): a deeper plain network trains *worse* than a
shallower one — its training loss, not only its test loss, stays higher — while the same
deep network with residual connections does not.

    python experiments/degradation.py [--quick] [--out DIR] [--epochs E] [--subset N]

Four networks, ``xarxa.models.ResNet`` with ``blocks_per_stage`` n = 1 (8 weighted
layers, 7 of them convolutions) and n = 5 (32 layers), each with (``residual=True``) and
without (``residual=False``, the "plain" network) skip connections, all trained with the
same recipe (SGD, momentum 0.9, the same batches in the same order) on a random subset of
the Fashion-MNIST training set. Writes ``degradation.png`` (training-loss curves) and
prints the final training loss (mean of the last epoch), training and test accuracy.
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
from xarxa.models import ResNet  # noqa: E402


def main(argv=None) -> str:
    p = C.parser(__doc__.splitlines()[0], "degradation")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--subset", type=int, default=3000, help="training images (default 3000)")
    p.add_argument("--depths", type=int, nargs=2, default=[1, 5],
                   help="blocks per stage of the shallow and the deep network (default 1 5)")
    p.add_argument("--lr", type=float, default=0.05)
    args = p.parse_args(argv)
    started = time.perf_counter()
    epochs, n_train, n_test, width = args.epochs, args.subset, 2000, 16
    if args.quick:
        epochs, n_train, n_test, width = 1, 96, 64, 4
    x, y = C.fashion(True, n_train, args.data_root, args.seed)
    x_test, y_test = C.fashion(False, n_test, args.data_root, args.seed)
    curves, rows = {}, []
    steps_per_epoch = -(-len(y) // 64)
    for n in args.depths:
        for residual in (False, True):
            xa.manual_seed(args.seed)
            model = ResNet(blocks_per_stage=n, width=width, residual=residual)
            name = f"{'ResNet' if residual else 'plain'}-{model.depth}"
            t0 = time.perf_counter()
            losses = C.train_steps(model, x, y, F.cross_entropy, epochs, 64, args.lr,
                                   seed=args.seed)
            seconds = time.perf_counter() - t0
            curves[name] = losses
            train_acc = float((C.predict(model, x).argmax(1) == y).mean())
            test_acc = float((C.predict(model, x_test).argmax(1) == y_test).mean())
            rows.append([name, model.depth, float(np.mean(losses[-steps_per_epoch:])),
                         train_acc, test_acc, f"{seconds:.0f}"])
            print(f"  {name}: last-epoch loss {rows[-1][2]:.4f}, {seconds:.0f} s", flush=True)
    styles = {k: ("--" if k.startswith("plain") else "-") for k in curves}
    png = C.plot_curves(curves, os.path.join(args.out, "degradation.png"),
                        f"Plain vs residual, {len(y)} Fashion-MNIST images, {epochs} epochs "
                        f"(width {width})", window=max(1, steps_per_epoch // 4), styles=styles)
    text = (f"### Degradation (notes 1.7): {len(y)} training images, {epochs} epoch(s), "
            f"batch 64, SGD lr {args.lr} momentum 0.9, width {width}\n\n"
            + C.table(["network", "weighted layers", "train loss (last epoch)",
                       "train accuracy", f"test accuracy ({len(y_test)})", "seconds"], rows)
            + f"\n\nfigure: {png}")
    return C.finish(args.out, "degradation", text, started)


if __name__ == "__main__":
    main()
