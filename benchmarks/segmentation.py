"""UNet segmentation on fashion-canvas, in xarxa and in PyTorch (CPU) side by side.

Pixel accuracy, mean and per-class IoU on held-out canvases, seconds per epoch of both
libraries and their ratio.

    python benchmarks/segmentation.py [--quick] [--decoder transpose|nearest|bed_of_nails]
                                      [--train N] [--test N] [--epochs E] [--width W]
                                      [--out DIR] [--data-root DIR] [--seed S]

The task: ``xarxa.datasets.fashion_canvas`` (1 to 3 Fashion-MNIST items on a 64×64 canvas,
a class per pixel: background + 10); ``--train`` canvases of training items, ``--test``
held-out canvases of test items. The model: ``xarxa.models.UNet(decoder=, width=)``; its
PyTorch twin is ``tests/torch_models.py``'s ``UNet`` (the same parameter names), loaded
with xarxa's initial weights. The recipe (both libraries): Adam (lr 1e-3, betas (0.9,
0.999)), batch 32, per-pixel cross-entropy, the same batches in the same order (one
permutation per epoch).

Method (as ``benchmarks/accuracy.py``, DESIGN.md "Benchmark method"): both libraries in
this process at their default thread counts (printed); the library that runs first
alternates every epoch; an epoch's time covers zero_grad, forward, loss, backward and the
optimizer step of every batch (the canvases are rendered once beforehand, the test pass is
not timed); the ratio is the median of the per-epoch ratios (xarxa / torch). Both
libraries' predictions are scored by the same code (``xarxa.apps.train.segmentation_task``:
``predict_masks``, ``mask_scores``). Writes ``segmentation.md`` (the table) and
``segmentation.png`` (test inputs, true masks, xarxa's and PyTorch's predicted masks) in
``--out`` (default ``runs/benchmarks/segmentation-DECODER``).
"""
from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import _common as C  # noqa: E402  (experiments/_common.py: parser, table, finish)
import harness  # noqa: E402  (benchmarks/harness.py: environment, timed_epoch)
from accuracy import _torch_models  # noqa: E402  (tests/torch_models.py, imported once)

LR, BATCH, SHOWN = 1e-3, 32, 6
TARGET_MIOU, TARGET_GAP = 0.75, 0.02   # issue 9: mean IoU ≥ 0.75, within 2 points of torch


class _TorchScores:
    """A PyTorch model as ``predict_masks`` calls a model: ``eval()``, and xarxa input
    tensors in, scores with ``.numpy()`` out (without a graph)."""

    def __init__(self, model):
        self.model = model

    def eval(self):
        self.model.eval()

    def __call__(self, x):
        import torch
        with torch.no_grad():
            return self.model(torch.from_numpy(x.numpy()))


class Side:
    """One library's UNet, Adam and training epoch on the shared, pre-rendered canvases."""

    def __init__(self, lib: str, decoder: str, width: int, seed: int, state=None):
        self.lib = lib
        if lib == "xarxa":
            import xarxa as xa
            import xarxa.nn.functional as F
            from xarxa import optim
            from xarxa.models import UNet
            xa.manual_seed(seed)
            self.model = UNet(decoder=decoder, width=width)
            self.opt = optim.Adam(self.model.parameters(), lr=LR)
            self.loss_fn, self.tensor = F.cross_entropy, xa.tensor
            self.scorer = self.model
        else:
            import torch
            self.model = _torch_models().UNet(decoder=decoder, width=width)
            self.model.load_state_dict(_torch_models().to_torch(state))
            self.opt = torch.optim.Adam(self.model.parameters(), lr=LR)
            self.loss_fn, self.tensor = torch.nn.functional.cross_entropy, torch.from_numpy
            self.scorer = _TorchScores(self.model)

    def epoch(self, images, masks, order) -> tuple[float, list[float]]:
        """(seconds, the loss of every step) of one pass over ``order``."""
        batches = ((self.tensor(images[idx]), self.tensor(masks[idx].astype(np.int64)))
                   for idx in (order[i:i + BATCH] for i in range(0, len(order), BATCH)))
        return harness.timed_epoch(self.model, self.opt, self.loss_fn, batches)


def _pt(delta: float) -> str:
    return f"{100 * delta:+.2f} pt"


def main(argv=None) -> dict:
    from xarxa.data import datasets
    from xarxa.models.unet import DECODERS
    from xarxa.apps.train.figures import segmentation_plot
    from xarxa.apps.train.segmentation_task import mask_scores, predict_masks

    p = C.parser(__doc__.splitlines()[0], "segmentation")
    default_out = os.path.join("runs", "benchmarks", "segmentation-DECODER")
    p.set_defaults(out=default_out)     # one directory per decoder (named after it below)
    p.add_argument("--decoder", choices=DECODERS, default="transpose",
                   help="the UNet's upsampling (default: %(default)s)")
    p.add_argument("--train", type=int, default=10000, help="training canvases (%(default)s)")
    p.add_argument("--test", type=int, default=1000, help="held-out canvases (%(default)s)")
    p.add_argument("--epochs", type=int, default=5, help="(%(default)s)")
    p.add_argument("--width", type=int, default=16, help="channels of the first level")
    args = p.parse_args(argv)
    if args.out == default_out:
        args.out = default_out.replace("DECODER", args.decoder)
    if args.quick:
        args.train, args.test, args.width, args.epochs = 64, 32, 4, 1
    started = time.perf_counter()
    print(harness.environment())
    train = datasets.fashion_canvas(train=True, root=args.data_root, n=args.train)
    test = datasets.fashion_canvas(train=False, root=args.data_root, n=args.test)
    images, masks = train.render(np.arange(len(train)))
    masks = masks.astype(np.uint8)           # 11 classes: a quarter of int64's memory
    print(f"UNet(decoder={args.decoder!r}, width={args.width}): {len(train)} training / "
          f"{len(test)} held-out canvases {train.size}×{train.size}, {args.epochs} epoch(s), "
          f"batch {BATCH}, Adam lr {LR}, per-pixel cross-entropy (canvases rendered in "
          f"{time.perf_counter() - started:.1f} s)", flush=True)

    ours = Side("xarxa", args.decoder, args.width, args.seed)
    theirs = Side("torch", args.decoder, args.width, args.seed, ours.model.state_dict())
    rng = np.random.default_rng(args.seed)
    times, losses = {"xarxa": [], "torch": []}, {"xarxa": [], "torch": []}
    steps = -(-len(train) // BATCH)
    for e in range(args.epochs):
        order = rng.permutation(len(train))
        report = []
        for side in (ours, theirs) if e % 2 == 0 else (theirs, ours):
            seconds, step_losses = side.epoch(images, masks, order)
            times[side.lib].append(seconds)
            losses[side.lib] += step_losses
            report.append(f"{side.lib} {seconds:.1f} s ({1e3 * seconds / steps:.0f} ms/step) "
                          f"loss {np.mean(step_losses):.4f}")
        print(f"  epoch {e + 1}/{args.epochs}: {', '.join(report)}", flush=True)
    first = {lib: v[0] for lib, v in losses.items()}
    print(f"  first-step loss: xarxa {first['xarxa']:.6f}, torch {first['torch']:.6f}",
          flush=True)

    scores, predicted = {}, {}
    for side in (ours, theirs):
        pred, true = predict_masks(side.scorer, test)
        scores[side.lib], predicted[side.lib] = mask_scores(pred, true, len(test.classes)), pred
    ratio = statistics.median(a / b for a, b in zip(times["xarxa"], times["torch"]))
    sec = {lib: statistics.median(t) for lib, t in times.items()}

    x, t = scores["xarxa"], scores["torch"]
    rows = [[lib, s["pixel_accuracy"], s["mean_iou"], *s["iou"], f"{sec[lib]:.1f}"]
            for lib, s in scores.items()]
    rows.append(["xarxa − torch", _pt(x["pixel_accuracy"] - t["pixel_accuracy"]),
                 _pt(x["mean_iou"] - t["mean_iou"]),
                 *(_pt(a - b) for a, b in zip(x["iou"], t["iou"])), f"{ratio:.2f}×"])
    gap = x["mean_iou"] - t["mean_iou"]
    met = {"mIoU": x["mean_iou"] >= TARGET_MIOU, "gap": abs(gap) <= TARGET_GAP}
    shown = np.arange(min(SHOWN, len(test)))
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "segmentation.png")
    segmentation_plot(*test.render(shown), {"xarxa": predicted["xarxa"][shown],
                                            "PyTorch": predicted["torch"][shown]},
                      test.classes, png, title=f"UNet ({args.decoder}) on held-out canvases")
    text = (f"### UNet (decoder '{args.decoder}', width {args.width}) on fashion-canvas 64×64: "
            f"{len(train)} training / {len(test)} held-out canvases, {args.epochs} epoch(s), "
            f"batch {BATCH}, Adam lr {LR}\n\n"
            + C.table(["library", "pixel accuracy", "mean IoU",
                       *(f"IoU {name}" for name in test.classes), "s/epoch"], rows)
            + f"\n\ns/epoch: median over epochs; ratio: median of the per-epoch ratios. "
            f"First-step loss: xarxa {first['xarxa']:.6f}, torch {first['torch']:.6f}.\n"
            f"Targets: xarxa mean IoU ≥ {TARGET_MIOU}: {x['mean_iou']:.4f} "
            f"({'met' if met['mIoU'] else 'missed'}); within {100 * TARGET_GAP:.0f} points of "
            f"torch: {_pt(gap)} ({'met' if met['gap'] else 'missed'}).\n\nfigure: {png}")
    return {"text": C.finish(args.out, "segmentation", text, started), "first_loss": first,
            "scores": scores, "seconds": times, "ratio": ratio, "losses": losses, "png": png,
            "met": met}


if __name__ == "__main__":
    main()
