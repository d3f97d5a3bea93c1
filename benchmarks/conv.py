"""Convolutional training steps, xarxa vs PyTorch CPU (issue 3's, 9's and 23's targets).

    python benchmarks/conv.py                   # every case: time ratio and peak memory,
                                                #   then the FLOP table (GFLOP/s vs GEMM peak)
    python benchmarks/conv.py resnet unet       # only the cases whose name contains a word
    python benchmarks/conv.py --quick [name]    # smoke test: batch 2, 1 round of 1 step,
                                                #   no peak memory (the times mean nothing)
    python benchmarks/conv.py --layers          # ResNet-8's convolutions one by one (b64)
    python benchmarks/conv.py --layers cnn fcn  # the same for other models
    python benchmarks/conv.py --layers --quick  # the same table at batch 2, one step
    python benchmarks/conv.py --profile [name]  # where xarxa's step time goes (cProfile)

Step = zero_grad, forward, cross-entropy loss, backward, SGD step, as DESIGN's benchmark
method says (same process, A B B A interleaving in 8 rounds of 20 steps, warm-up, median of
per-round ratios;
peak RSS of each library in its own subprocess, after 10 steps). Both models start from
the same weights (the ResNet/DenseNet/FCN/UNet twins are tests/torch_models.py's).

- lenet5: the notes' exam LeNet-5 (tanh, avg-pool) on 1×32×32, batch 128 and 64.
- cnn: conv3×3 1→32, BN, ReLU, max-pool, conv3×3 32→64, BN, ReLU, max-pool, FC 3136→128,
  ReLU, FC 128→10 on 1×28×28, batch 128.
- resnet, densenet, fcn: `xarxa.models`' defaults on 1×28×28, batch 64.
- unet: `UNet(decoder='transpose')` on 1×64×64 canvases, batch 16, per-pixel CE
  (the 64×64 transposed convolutions).
- cnn ×10 graphs: ten forward graphs of the cnn kept alive, one backward through their
  summed loss (what each node saves, ×10).
Targets (issue 9): time ≤ 1.0× and peak memory ≤ 1.0× PyTorch's.

FLOP table (issue 23), after the model lines: the FLOPs of one training step, counted from
the Conv2d/ConvTranspose2d/Linear layers a forward runs (`layer_macs`, `step_flops`: forward
2·MACs, backward dx + dW 4·MACs, less the first layer's dx; biases, normalisation,
activations and pooling are not counted), divided by each library's median step time, and
as a fraction of the machine's float32 GEMM peak (NumPy's BLAS, best of a few 2048³
products; torch's mm peak printed for reference). Its last columns are the step's **im2col
floor** (`im2col_floor`): the time of only its matrix products (forward, dW, dx, per layer,
over cache-sized blocks of window columns as xarxa's kernels run them; Linear layers too)
and of its window copies (two per convolution with windows, by xarxa's `column_blocks`),
each timed alone in NumPy on random arrays of the layers' shapes; "floor/torch" is their
sum over torch's whole step: what is left of torch's time for everything else (batch norm,
activations, pooling, the loss, the optimizer, the engine) if xarxa's convolutions cost
nothing but their products and one window copy each way.

--layers: each convolution of ResNet-8 (`xarxa.models.ResNet()` on 1×28×28, batch 64) alone,
forward + backward (dW, and dx except for the stem, whose input is the data) in xarxa and
torch on the same weights, input and output gradient (checked equal first; each library
gets them in its own memory order, as a network hands them over: CHWN for xarxa but the
stem's data input, NCHW for torch), A B B A medians; and "GEMMs": the time of only the
matrix products an im2col convolution of that shape needs (W @ cols, dY @ colsᵀ, Wᵀ @ dY,
`im2col_gemms`: on cache-sized blocks of columns, as xarxa's kernels run them), a floor
for xarxa's im2col: where it exceeds torch's time, no rewrite of the copies around those
products can match torch on that layer. (Until 2026-12-08 this column timed whole-matrix
products, out of cache: 1.2–1.6× slower than the blocks for the 16-channel layers.)
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from math import prod

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import harness  # noqa: E402

# name: (model kind, one input's shape, batch, graphs kept alive per step)
CONFIGS = {
    "lenet5 b128": ("lenet5", (1, 32, 32), 128, 1),
    "lenet5 b64": ("lenet5", (1, 32, 32), 64, 1),
    "cnn b128": ("cnn", (1, 28, 28), 128, 1),
    "resnet b64": ("resnet", (1, 28, 28), 64, 1),
    "densenet b64": ("densenet", (1, 28, 28), 64, 1),
    "fcn b64": ("fcn", (1, 28, 28), 64, 1),
    "unet 64x64 b16": ("unet", (1, 64, 64), 16, 1),
    "cnn b64 x10 graphs": ("cnn", (1, 28, 28), 64, 10),
}
QUICK_BATCH = 2     # --quick: every model at this batch


def build(lib, kind):
    """The same architecture in xarxa (`lib` = xarxa.nn) or torch (`lib` = torch.nn)."""
    if kind == "lenet5":
        return lib.Sequential(
            lib.Conv2d(1, 6, 5), lib.Tanh(), lib.AvgPool2d(2),
            lib.Conv2d(6, 16, 5), lib.Tanh(), lib.AvgPool2d(2), lib.Flatten(),
            lib.Linear(400, 120), lib.Tanh(), lib.Linear(120, 84), lib.Tanh(),
            lib.Linear(84, 10))
    if kind == "cnn":
        return lib.Sequential(
            lib.Conv2d(1, 32, 3, padding=1), lib.BatchNorm2d(32), lib.ReLU(),
            lib.MaxPool2d(2), lib.Conv2d(32, 64, 3, padding=1), lib.BatchNorm2d(64),
            lib.ReLU(), lib.MaxPool2d(2), lib.Flatten(), lib.Linear(3136, 128), lib.ReLU(),
            lib.Linear(128, 10))
    if lib.__name__.startswith("torch"):
        import torch_models as T
        return {"resnet": T.ResNet, "densenet": T.DenseNet, "fcn": T.FCN,
                "unet": lambda: T.UNet(decoder="transpose")}[kind]()
    from xarxa import models
    return {"resnet": models.ResNet, "densenet": models.DenseNet, "fcn": models.FCN,
            "unet": lambda: models.UNet(decoder="transpose")}[kind]()


def data(kind, shape, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y_shape = (batch,) + shape[1:] if kind == "unet" else (batch,)
    y = rng.integers(0, 11 if kind == "unet" else 10, y_shape).astype(np.int64)
    return x, y


def _step(model, opt, loss_fn, x, y, graphs):
    if graphs == 1:
        return harness.training_step(model, opt, loss_fn, x, y)

    def step():  # `graphs` forward graphs alive at once, one backward
        opt.zero_grad()
        losses = [loss_fn(model(x), y) for _ in range(graphs)]
        loss = losses[0]
        for other in losses[1:]:
            loss = loss + other
        loss.backward()
        opt.step()
        return loss
    return step


def xarxa_model(kind):
    import xarxa as xa
    from xarxa import nn
    xa.manual_seed(0)
    return build(nn, kind)


def xarxa_step(name, model=None, batch=None):
    """`name`'s training step in xarxa (`batch` replaces the configured batch size)."""
    import xarxa as xa
    import xarxa.nn.functional as F
    from xarxa import optim
    kind, shape, size, graphs = CONFIGS[name]
    model = model or xarxa_model(kind)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x, y = data(kind, shape, batch or size)
    return _step(model, opt, F.cross_entropy, xa.tensor(x), xa.tensor(y), graphs)


def torch_step(name, state=None, batch=None):
    import torch
    kind, shape, size, graphs = CONFIGS[name]
    torch.manual_seed(0)
    model = build(torch.nn, kind)
    if state is not None:  # the same initial weights as xarxa's model
        model.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = data(kind, shape, batch or size)
    return _step(model, opt, torch.nn.functional.cross_entropy, torch.from_numpy(x),
                 torch.from_numpy(y), graphs)


# -- FLOPs ---------------------------------------------------------------------------------
def layer_macs(model, x) -> list[dict]:
    """The Conv2d, ConvTranspose2d and Linear layers one forward of `x` runs, in call order:
    {'name', 'module', 'in_shape', 'out_shape', 'macs'}, MACs (multiply–adds, bias not
    counted) for the whole batch. The forward runs in eval mode under no_grad, so the
    model's BatchNorm statistics are left as they were.

    A Conv2d output element costs C_in/G·FH·FW MACs; a ConvTranspose2d input element
    scatters C_out/G·FH·FW of them (the same count seen from the other side); a Linear
    output element costs in_features.
    """
    import xarxa as xa
    from xarxa import nn

    names = {id(m): n for n, m in model.named_modules()}
    found = []

    def record(module, args, out):
        if isinstance(module, nn.Linear):
            macs = out.numel() * module.in_features
        elif isinstance(module, nn.Conv2d):
            macs = out.numel() * module.in_channels // module.groups * prod(module.kernel_size)
        else:                                      # ConvTranspose2d
            macs = args[0].numel() * module.out_channels // module.groups \
                * prod(module.kernel_size)
        found.append({"name": names[id(module)], "module": module,
                      "in_shape": tuple(args[0].shape), "out_shape": tuple(out.shape),
                      "macs": int(macs)})

    handles = [m.register_forward_hook(record) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    training = model.training
    try:
        model.eval()
        with xa.no_grad():
            model(x)
    finally:
        model.train(training)
        for handle in handles:
            handle.remove()
    return found


def step_flops(layers: list[dict]) -> int:
    """FLOPs of one training step from `layer_macs`' list: the forward 2·MACs per layer,
    the backward 4·MACs (dx and dW, 2·MACs each), except the first layer's dx (its input
    is the data, which needs no gradient)."""
    total = sum(layer["macs"] for layer in layers)
    return 6 * total - 2 * layers[0]["macs"] if layers else 0


def model_layers(name: str, batch: int | None = None) -> list[dict]:
    """`layer_macs` of `name`'s model (a fresh one) on its configured input."""
    import xarxa as xa
    kind, shape, size, _ = CONFIGS[name]
    x, _ = data(kind, shape, batch or size)
    return layer_macs(xarxa_model(kind), xa.tensor(x))


def model_step_flops(name: str, batch: int | None = None) -> int:
    """FLOPs of `name`'s training step (×graphs for the cnn ×10 case), on a fresh model."""
    return CONFIGS[name][3] * step_flops(model_layers(name, batch))


def model_floor(name: str, batch: int | None = None, quick: bool = False) -> tuple:
    """`im2col_floor` of `name`'s step (×graphs), in ms: (GEMMs, window copies)."""
    if not quick:
        time.sleep(0.5)   # torch's idle threads spin for a while after its last step
    gemms, copies = im2col_floor(model_layers(name, batch), *((1, 1) if quick else (7, 5)))
    graphs = CONFIGS[name][3]
    return gemms * graphs, copies * graphs


def gemm_peak(n: int = 2048, repeats: int = 5) -> dict:
    """GFLOP/s of the best of `repeats` float32 n×n @ n×n products (2n³ FLOPs each), with
    NumPy (its BLAS at its default threads) and with torch.mm, after one warm-up each."""
    import torch
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty((n, n), np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tout = torch.empty(n, n)
    peaks = {}
    for lib, product in (("numpy", lambda: np.matmul(a, b, out=out)),
                         ("torch", lambda: torch.mm(ta, tb, out=tout))):
        product()
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            product()
            best = min(best, time.perf_counter() - start)
        peaks[lib] = 2 * n ** 3 / best / 1e9
    return peaks


def flop_table(rows: list[tuple], peaks: dict, n: int) -> str:
    """The second table: per model, GFLOP per step, and each library's GFLOP/s as a share
    of NumPy's GEMM peak; then the im2col floor of the step (`model_floor`: its products
    and window copies alone, as xarxa runs them) against torch's whole step. `rows` =
    (name, FLOPs per step, (GEMMs ms, copies ms), harness.interleaved's result)."""
    lines = [f"float32 GEMM peak ({n}×{n} @ {n}×{n}, best of 5): NumPy "
             f"{peaks['numpy']:.1f} GFLOP/s, torch.mm {peaks['torch']:.1f} GFLOP/s",
             f"{'model':<32} {'GFLOP/step':>10}   {'xarxa GFLOP/s':>13} {'of peak':>7}"
             f"   {'torch GFLOP/s':>13} {'of peak':>7}   {'GEMMs ms':>8} {'copies ms':>9}"
             f" {'floor/torch':>11}"]
    for name, flops, (gemms, copies), result in rows:
        rate_x = flops / result["xarxa_ms"] / 1e6
        rate_t = flops / result["torch_ms"] / 1e6
        lines.append(f"{name:<32} {flops / 1e9:10.3f}   {rate_x:13.1f} "
                     f"{rate_x / peaks['numpy']:7.0%}   {rate_t:13.1f} "
                     f"{rate_t / peaks['numpy']:7.0%}   {gemms:8.1f} {copies:9.1f} "
                     f"{(gemms + copies) / result['torch_ms']:10.2f}x")
    return "\n".join(lines)


# -- one layer at a time -------------------------------------------------------------------
def median_time(fn, rounds: int, steps: int, warmup: int, best: bool = False) -> float:
    """Median (`best`: minimum) over `rounds` of the mean time of `steps` calls, in s."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - start) / steps)
    return min(times) if best else statistics.median(times)


def im2col_gemms(c: int, k: int, fh: int, fw: int, m: int, groups: int = 1,
                 dx: bool = True):
    """The matrix products of an im2col convolution C → K, FH×FW kernel, M = N·Ho·Wo output
    positions, as xarxa's kernels run them: over blocks of about `BLOCK_BYTES` of window
    columns, each block in cache (one reused random block stands for them all), by xarxa's
    own `grouped_mm`: forward W (K × C/G·FH·FW) @ cols (C·FH·FW × B), dW = Σ dY·colsᵀ and
    (`dx`) Wᵀ @ dY, per group; random float32 arrays. Returns a function running them once
    (and returning W, the block, dY, the output and dW, for the tests).
    (Whole-matrix products, out of cache, are slower: the table of 2026-12-07 timed those.)"""
    from xarxa.autograd.ops._conv_kernels import BLOCK_BYTES, grouped_mm
    rng = np.random.default_rng(0)
    rows = c * fh * fw
    width = max(1, min(m, BLOCK_BYTES // (rows * 4)))
    w = rng.standard_normal((k, rows // groups)).astype(np.float32)
    cols = rng.standard_normal((rows, width)).astype(np.float32)
    dy = rng.standard_normal((k, m)).astype(np.float32)
    y = np.empty((k, m), np.float32)
    parts = [slice(i, min(i + width, m)) for i in range(0, m, width)]

    def run():
        dw = None
        for part in parts:
            block = cols[:, :part.stop - part.start]
            grouped_mm(w, block, groups, out=y[:, part])
            prod = grouped_mm(dy[:, part], block, groups, tb=True)
            dw = prod if dw is None else np.add(dw, prod, out=dw)
            if dx:
                grouped_mm(w, dy[:, part], groups, ta=True)
        return w, cols, dy, y, dw
    return run


def window_copies(c: int, fh: int, fw: int, stride: tuple, out_hw: tuple, n: int):
    """The window copies of an im2col convolution: C channels, FH×FW kernel, `stride`,
    `out_hw` output positions per image, by xarxa's own `column_blocks` of a random float32
    input stored CHWN, run through once. Returns a function doing it."""
    from xarxa.autograd.ops._conv_kernels import column_blocks
    (sh, sw), (ho, wo) = stride, out_hw
    x = np.random.default_rng(0).standard_normal(
        (c, (ho - 1) * sh + fh, (wo - 1) * sw + fw, n)).astype(np.float32)
    x = x.transpose(3, 0, 1, 2)                  # logical (N, C, H, W), stored CHWN

    def run():
        for _ in column_blocks(np, x, fh, fw, sh, sw, ho, wo):
            pass
    return run


def im2col_floor(layers: list[dict], rounds: int = 5, steps: int = 5) -> tuple:
    """(GEMMs, window copies) in ms, the best of `rounds` (a floor, so the least disturbed
    round): the time of only the matrix products of every layer of
    `layer_macs`' list (`im2col_gemms`: forward, dW and dx but the first layer's; a Linear
    layer as a 1×1 convolution of its batch) and of two window copies per convolution (the
    forward's windows and one window matrix for the backward, which both of its gradients
    need at least once; none for a 1×1 stride-1 kernel, whose windows are its input), each
    timed alone in NumPy: the floor of xarxa's im2col for that step (the products as its
    kernels run them, one copy of the windows each way, nothing else)."""
    from xarxa import nn
    gemms = copies = 0.0
    for i, layer in enumerate(layers):
        module, (n, *_) = layer["module"], layer["in_shape"]
        if isinstance(module, nn.Linear):
            work = im2col_gemms(module.in_features, module.out_features, 1, 1, n, dx=i > 0)
            gemms += median_time(work, rounds, steps, 1, best=True)
            continue
        fh, fw = module.kernel_size
        transposed = isinstance(module, nn.ConvTranspose2d)
        # a transposed convolution is its conv's backward: the same products, C and K
        # swapped, over its input's positions; its windows are those of its output side
        small, big = (layer["in_shape"], layer["out_shape"]) if transposed else \
            (layer["out_shape"], layer["in_shape"])
        c, k = big[1], small[1]
        work = im2col_gemms(c, k, fh, fw, n * small[2] * small[3], module.groups, dx=i > 0)
        gemms += median_time(work, rounds, steps, 1, best=True)
        if (fh, fw, *module.stride) != (1, 1, 1, 1):
            copy = window_copies(c, fh, fw, module.stride, small[2:], n)
            copies += 2 * median_time(copy, rounds, steps, 1, best=True)
    return gemms * 1e3, copies * 1e3


def conv_pair(layer: dict, first: bool):
    """xarxa's and torch's forward + backward of one Conv2d of `layer_macs`' list, on the
    same weight, input and output gradient (dx too unless `first`), each stored in its
    library's memory order; each returns its gradients as arrays. torch pads asymmetric
    ('same', stride 2) convolutions with F.pad, as tests/torch_models.py's twins do."""
    import torch
    import xarxa as xa
    import xarxa.nn.functional as F
    from xarxa.autograd.ops._layout import to_chwn
    module = layer["module"]
    rng = np.random.default_rng(1)
    x = rng.standard_normal(layer["in_shape"]).astype(np.float32)
    g = rng.standard_normal(layer["out_shape"]).astype(np.float32)
    w = module.weight.numpy().copy()
    b = None if module.bias is None else module.bias.numpy().copy()
    top, bottom, left, right = module.padding_for(*layer["in_shape"][2:])
    args = (module.stride, module.padding, module.dilation, module.groups)

    # as inside a network: a layer's input (but the data) and its output gradient reach a
    # xarxa convolution stored CHWN, the previous layers' memory order (ops/_layout.py),
    # and torch's in its own NCHW
    xx = xa.tensor(x if first else to_chwn(np, x), requires_grad=not first)
    wx, gx = xa.tensor(w, requires_grad=True), xa.tensor(to_chwn(np, g))
    bx = None if b is None else xa.tensor(b, requires_grad=True)
    wanted_x = [t for t in (wx, bx, None if first else xx) if t is not None]

    def step_xarxa():
        grads = xa.autograd.grad(F.conv2d(xx, wx, bx, *args), wanted_x, gx)
        return [t.numpy() for t in grads]

    xt, wt, gt = torch.tensor(x, requires_grad=not first), \
        torch.tensor(w, requires_grad=True), torch.tensor(g)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    wanted_t = [t for t in (wt, bt, None if first else xt) if t is not None]
    symmetric = top == bottom and left == right
    pad_t = (top, left) if symmetric else 0

    def step_torch():
        h = xt if symmetric else torch.nn.functional.pad(xt, (left, right, top, bottom))
        y = torch.nn.functional.conv2d(h, wt, bt, module.stride, pad_t, module.dilation,
                                       module.groups)
        return [t.numpy() for t in torch.autograd.grad(y, wanted_t, gt)]
    return step_xarxa, step_torch


def layer_table(quick: bool = False, name: str = "resnet b64") -> str:
    """--layers: the convolutions of one model of CONFIGS (ResNet-8 by default) one at a
    time (see the module docstring)."""
    import xarxa as xa
    from xarxa import nn
    kind, shape, batch, _ = CONFIGS[name]
    batch = QUICK_BATCH if quick else batch
    rounds, steps, warmup = (1, 1, 1) if quick else (11, 20, 3)   # 20-step rounds: see main()
    x, _ = data(kind, shape, batch)
    convs = [layer for layer in layer_macs(xarxa_model(kind), xa.tensor(x))
             if isinstance(layer["module"], nn.Conv2d)]
    lines = [f"{name}: its convolutions at batch {batch}, forward + backward (dW; dx except "
             "the first), medians of A B B A rounds; GEMMs = NumPy's im2col products only",
             f"{'layer':<20} {'C→K':>7} {'kernel':>6} {'stride':>6} {'output':>9} "
             f"{'xarxa ms':>9} {'torch ms':>9} {'ratio':>6} {'MFLOP':>8} {'xa GF/s':>8} "
             f"{'th GF/s':>8} {'GEMMs ms':>9} {'GEMMs/torch':>11}"]
    totals = np.zeros(3)
    for i, layer in enumerate(convs):
        module, first = layer["module"], i == 0
        step_x, step_t = conv_pair(layer, first)
        for got, want in zip(step_x(), step_t()):    # the same gradients, to float32
            scale = max(1.0, float(np.abs(want).max()))
            assert np.abs(got - want).max() < 1e-3 * scale, f"{layer['name']}: gradients differ"
        result = harness.interleaved(step_x, step_t, rounds, steps, warmup)
        n, k, ho, wo = layer["out_shape"]
        fh, fw = module.kernel_size
        gemms = im2col_gemms(module.in_channels, k, fh, fw, n * ho * wo, module.groups,
                             dx=not first)
        gemm_ms = median_time(gemms, rounds, steps, warmup) * 1e3
        flops = (4 if first else 6) * layer["macs"]
        totals += (result["xarxa_ms"], result["torch_ms"], gemm_ms)
        lines.append(
            f"{layer['name']:<20} {f'{module.in_channels}→{k}':>7} {f'{fh}×{fw}':>6} "
            f"{module.stride[0]:>6} {f'{k}×{ho}×{wo}':>9} {result['xarxa_ms']:9.3f} "
            f"{result['torch_ms']:9.3f} {result['ratio']:5.2f}x {flops / 1e6:8.1f} "
            f"{flops / result['xarxa_ms'] / 1e6:8.1f} {flops / result['torch_ms'] / 1e6:8.1f} "
            f"{gemm_ms:9.3f} {gemm_ms / result['torch_ms']:10.2f}x")
    lines.append(f"{'all convolutions':<20} {'':>30} {totals[0]:9.3f} {totals[1]:9.3f} "
                 f"{totals[0] / totals[1]:5.2f}x {'':>26} {totals[2]:9.3f} "
                 f"{totals[2] / totals[1]:10.2f}x")
    return "\n".join(lines)


def profile(name: str) -> None:
    import cProfile
    import pstats
    step = xarxa_step(name)
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(5):
        step()
    prof.disable()
    print(f"--- {name}: 5 steps")
    pstats.Stats(prof).sort_stats("tottime").print_stats(16)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) == 2 and args[0] in ("xarxa", "torch"):  # child: peak memory of one library
        lib, name = args
        step = (xarxa_step if lib == "xarxa" else torch_step)(name)
        for _ in range(10):
            step()
        print(harness.peak_rss_mb())
        return
    quick = "--quick" in sys.argv
    names = [n for n in CONFIGS if not args or any(a in n for a in args)]
    if "--profile" in sys.argv:
        for name in names:
            profile(name)
        return
    print(harness.environment())
    if "--layers" in sys.argv:
        for name in (names if args else ["resnet b64"]):
            print(layer_table(quick, name), flush=True)
        return
    batch = QUICK_BATCH if quick else None
    if quick:
        print(f"--quick: batch {QUICK_BATCH}, 1 round of 1 step, no peak memory "
              "(a smoke test: these times are no measurement)")
    rows = []
    for name in names:
        kind = CONFIGS[name][0]
        model = xarxa_model(kind)
        state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        step_x, step_t = xarxa_step(name, model, batch), torch_step(name, state, batch)
        first_x, first_t = float(step_x().item()), float(step_t().item())
        assert abs(first_x - first_t) < 1e-3 * max(1.0, abs(first_t)), \
            f"{name}: first losses differ (xarxa {first_x}, torch {first_t})"
        if quick:
            result = harness.interleaved(step_x, step_t, rounds=1, steps=1, warmup=1)
            mem_x = mem_t = None
        else:
            # rounds of 20 steps, as harness's default: with 3-step rounds each library's
            # first steps after the other's (slower for both, more for torch) weighed a
            # third of every round, and ResNet-8 read 1.32× where 20-step rounds and the
            # accuracy protocol's epochs read 1.6× (RESULTS.md, 2026-12-08)
            result = harness.interleaved(step_x, step_t, rounds=8, steps=20, warmup=2)
            mem_x = harness.peak_memory(__file__, "xarxa", name)
            mem_t = harness.peak_memory(__file__, "torch", name)
        print(harness.report(name, result, mem_x, mem_t), flush=True)
        rows.append((name, model_step_flops(name, batch), model_floor(name, batch, quick),
                     result))
    n = 256 if quick else 2048    # --quick: a small product, only to run the code
    print(flop_table(rows, gemm_peak(n), n))


if __name__ == "__main__":
    main()
