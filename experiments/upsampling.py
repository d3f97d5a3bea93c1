"""Upsampling in the decoder (notes §1.6.2): a learned transposed convolution, nearest-
neighbour unpooling + conv, bed-of-nails unpooling + conv, and max-unpooling at the
encoder's indices (SegNet), compared on the same segmentation task; and the checkerboard
artefact a strided transposed convolution makes where its kernels overlap unevenly.

    python experiments/upsampling.py [--quick] [--out DIR] [--epochs E] [--subset N]

The task: ``xarxa.datasets.fashion_canvas`` (Fashion-MNIST items on 64×64 canvases, a
class per pixel: background + 10). ``UNet(decoder='transpose' | 'nearest' |
'bed_of_nails')`` and ``SegNet()`` (max-unpooling), all with the same width, trained
with Adam (lr 1e-3) on the same canvases in the same order; scored on held-out canvases
(test items) by pixel accuracy and mean IoU over the 11 classes. Writes
``checkerboard.png`` (what a ConvTranspose2d with all-ones weights makes of a constant
input: kernel 3 / stride 2 overlaps its neighbours on every other row and column, giving
a 1-2-4 pattern; kernels 2 and 4 with stride 2 tile evenly inside the image) and
``upsampling.png`` (training-loss curves).
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
from xarxa import optim  # noqa: E402
from xarxa.data import datasets  # noqa: E402
from xarxa.models import SegNet, UNet  # noqa: E402
from xarxa.apps.train.segmentation_task import mask_scores, predict_masks  # noqa: E402

DECODERS = {"transposed conv (UNet)": lambda w: UNet(decoder="transpose", width=w),
            "nearest + conv (UNet)": lambda w: UNet(decoder="nearest", width=w),
            "bed of nails + conv (UNet)": lambda w: UNet(decoder="bed_of_nails", width=w),
            "max-unpool (SegNet)": lambda w: SegNet(width=w)}


def checkerboard_maps() -> dict[str, np.ndarray]:
    """ConvTranspose2d with all-ones 1-channel weights applied to an all-ones 8×8 input:
    each output pixel counts the kernel copies that cover it."""
    x = xa.ones(1, 1, 8, 8)
    return {f"kernel {k}, stride 2": F.conv_transpose2d(x, xa.ones(1, 1, k, k), stride=2)
            .numpy()[0, 0] for k in (3, 2, 4)}


def checkerboard_figure(maps: dict[str, np.ndarray] | None = None):
    """The three maps side by side, one colour scale: the Figure."""
    from xarxa.plot import _figure
    maps = checkerboard_maps() if maps is None else maps
    fig = _figure(11, 4.0)
    axes = fig.subplots(1, 3)
    for ax, (name, m) in zip(axes, maps.items()):
        im = ax.imshow(m, cmap="viridis", vmin=0, vmax=4)
        ax.set_title(f"{name}: {m.shape[0]}×{m.shape[1]}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.8, label="kernel copies summed")
    fig.suptitle("ConvTranspose2d (all-ones weights) of a constant 8×8 input")
    return fig


def checkerboard(path: str) -> dict[str, np.ndarray]:
    """``checkerboard_figure`` written to ``path`` (PNG); returns the maps."""
    maps = checkerboard_maps()
    checkerboard_figure(maps).savefig(path, dpi=110)
    return maps


def main(argv=None) -> str:
    p = C.parser(__doc__.splitlines()[0], "upsampling")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--subset", type=int, default=1500, help="training canvases (default 1500)")
    p.add_argument("--width", type=int, default=16, help="channels of the first level")
    args = p.parse_args(argv)
    started = time.perf_counter()
    epochs, n_train, n_test, width, batch = args.epochs, args.subset, 500, args.width, 32
    if args.quick:
        epochs, n_train, n_test, width, batch = 1, 16, 8, 4, 8
    os.makedirs(args.out, exist_ok=True)
    maps = checkerboard(os.path.join(args.out, "checkerboard.png"))
    train = datasets.fashion_canvas(train=True, root=args.data_root, n=n_train)
    test = datasets.fashion_canvas(train=False, root=args.data_root, n=n_test)
    curves, rows = {}, []
    for name, make in DECODERS.items():
        xa.manual_seed(args.seed)
        model = make(width)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        rng = np.random.default_rng(args.seed)
        losses, t0 = [], time.perf_counter()
        model.train()
        for _ in range(epochs):
            order = rng.permutation(n_train)
            for i in range(0, n_train, batch):
                x, y = train.__getbatch__(order[i:i + batch])
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                losses.append(float(loss.item()))
        seconds = time.perf_counter() - t0
        curves[name] = losses
        scores = mask_scores(*predict_masks(model, test), num_classes=11)
        acc, miou = scores["pixel_accuracy"], scores["mean_iou"]
        rows.append([name, int(sum(p.numel() for p in model.parameters())), acc, miou,
                     f"{seconds:.0f}"])
        print(f"  {name}: mIoU {miou:.4f}, {seconds:.0f} s", flush=True)
    png = C.plot_curves(curves, os.path.join(args.out, "upsampling.png"),
                        f"Decoders on fashion-canvas, {n_train} canvases, {epochs} epochs",
                        window=max(1, n_train // batch // 4))
    k3 = maps["kernel 3, stride 2"][2:-2, 2:-2]
    text = (f"### Upsampling (notes 1.6.2): fashion-canvas 64×64, {n_train} training / "
            f"{n_test} held-out canvases, {epochs} epoch(s), batch {batch}, Adam lr 1e-3, "
            f"width {width}\n\n"
            + C.table(["decoder", "parameters", "pixel accuracy", "mean IoU (11 classes)",
                       "seconds"], rows)
            + f"\n\nCheckerboard: inside the image a kernel-3 stride-2 transposed convolution "
            f"of a constant input takes the values {sorted(set(k3.ravel().tolist()))} "
            f"(uneven overlap); kernel 2: "
            f"{sorted(set(maps['kernel 2, stride 2'].ravel().tolist()))}."
            f"\n\nfigures: {os.path.join(args.out, 'checkerboard.png')}, {png}")
    return C.finish(args.out, "upsampling", text, started)


if __name__ == "__main__":
    main()
