"""benchmarks/conv.py: the FLOP counter against hand counts, the --quick run (every model,
batch 2: the first losses of xarxa and PyTorch agree, one report line per model and one FLOP
row per model) and the --layers table at batch 2 (xarxa's and torch's gradients of each
ResNet-8 convolution agree before timing). No time is asserted."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "conv.py"


def test_lenet5_macs_and_step_flops_by_hand(load_benchmark):
    import xarxa as xa
    conv = load_benchmark("conv")
    x = xa.tensor(np.zeros((2, 1, 32, 32), np.float32))
    layers = conv.layer_macs(conv.xarxa_model("lenet5"), x)
    per_image = [6 * 1 * 5 * 5 * 28 * 28,      # conv1: 6 maps of 28×28, 1·5·5 taps each
                 16 * 6 * 5 * 5 * 10 * 10,     # conv2: 16 maps of 10×10, 6·5·5 taps each
                 400 * 120, 120 * 84, 84 * 10]  # the three Linear layers
    assert [layer["name"] for layer in layers] == ["0", "3", "7", "9", "11"]
    assert [layer["macs"] for layer in layers] == [2 * m for m in per_image]
    assert layers[0]["in_shape"] == (2, 1, 32, 32) and layers[0]["out_shape"] == (2, 6, 28, 28)
    # forward 2·MACs + backward 4·MACs, less conv1's dx (2·MACs): 2,263,920 per image
    assert conv.step_flops(layers) == 2 * (6 * 416_520 - 2 * 117_600) == 2 * 2_263_920
    assert conv.model_step_flops("lenet5 b64", batch=2) == 2 * 2_263_920
    assert conv.model_step_flops("cnn b64 x10 graphs", batch=1) == \
        10 * conv.model_step_flops("cnn b128", batch=1)     # ten forwards, one backward


def test_transposed_and_grouped_macs_leave_the_model_as_it_was(load_benchmark):
    import xarxa as xa
    from xarxa import nn
    conv = load_benchmark("conv")
    model = nn.Sequential(nn.ConvTranspose2d(4, 3, 2, stride=2), nn.BatchNorm2d(3),
                          nn.Conv2d(3, 6, 3, padding=1, groups=3))
    before = model[1].running_mean.numpy().copy()
    layers = conv.layer_macs(model, xa.randn(1, 4, 5, 5))
    # each of the 4·5·5 inputs scatters a 2×2 kernel into 3 maps: 1200 (= 3·10·10 outputs
    # × 4 channels × 1 tap, stride = kernel); grouped: 6·10·10 outputs × 1 channel × 3·3
    assert [layer["macs"] for layer in layers] == [1200, 5400]
    assert model.training and np.array_equal(model[1].running_mean.numpy(), before)
    assert conv.step_flops([]) == 0


def test_quick_run_reports_every_model_and_its_flops():
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    names = ["lenet5 b128", "lenet5 b64", "cnn b128", "resnet b64", "densenet b64", "fcn b64",
             "unet 64x64 b16", "cnn b64 x10 graphs"]
    reports = [line for line in lines if "ratio" in line]
    assert [line[:32].strip() for line in reports] == names
    assert all("xarxa" in line and "torch" in line and "ms" in line for line in reports)
    start = next(i for i, line in enumerate(lines) if line.startswith("float32 GEMM peak"))
    assert lines[start + 1].split()[:2] == ["model", "GFLOP/step"]
    rows = lines[start + 2:start + 2 + len(names)]
    assert [line[:32].strip() for line in rows] == names
    assert all(float(line[32:].split()[0]) > 0 for line in rows)   # GFLOP per step


def test_layers_quick_table(load_benchmark):
    text = load_benchmark("conv").layer_table(quick=True)
    lines = text.splitlines()
    assert lines[0].startswith("resnet b64: its convolutions at batch 2")
    rows = lines[2:]
    assert [row.split()[0] for row in rows[:-1]] == [
        "stem.0", "stages.0.conv1", "stages.0.conv2", "stages.1.conv1", "stages.1.conv2",
        "stages.1.shortcut", "stages.2.conv1", "stages.2.conv2", "stages.2.shortcut"]
    assert rows[1].split()[1:5] == ["16→16", "3×3", "1", "16×28×28"]
    assert rows[6].split()[1:5] == ["32→64", "3×3", "2", "64×7×7"]
    assert rows[-1].startswith("all convolutions") and rows[-1].count("x") == 2


def test_layers_quick_table_of_another_model(load_benchmark):
    lines = load_benchmark("conv").layer_table(quick=True, name="cnn b128").splitlines()
    assert lines[0].startswith("cnn b128: its convolutions at batch 2")
    rows = lines[2:]
    assert [row.split()[1:5] for row in rows[:-1]] == [
        ["1→32", "3×3", "1", "32×28×28"], ["32→64", "3×3", "1", "64×14×14"]]


def test_im2col_floor_products_and_copies(load_benchmark):
    import xarxa as xa
    from xarxa import nn
    from xarxa.autograd.ops import _conv_kernels
    conv = load_benchmark("conv")
    # the blocked products are the convolution's: every block of output columns is W·block,
    # dW the sum of the blocks' dY·blockᵀ (one random block stands for every block)
    old = _conv_kernels.BLOCK_BYTES
    _conv_kernels.BLOCK_BYTES = 4 * 27 * 5             # 5 columns of 27 rows per block
    try:
        w, block, dy, y, dw = conv.im2col_gemms(3, 4, 3, 3, 12)()
    finally:
        _conv_kernels.BLOCK_BYTES = old
    assert block.shape == (27, 5) and y.shape == (4, 12) and dw.shape == (4, 27)
    parts = [slice(0, 5), slice(5, 10), slice(10, 12)]
    for part in parts:
        assert np.allclose(y[:, part], w @ block[:, :part.stop - part.start], atol=1e-4)
    want = sum(dy[:, p] @ block[:, :p.stop - p.start].T for p in parts)
    assert np.allclose(dw, want, atol=1e-3)
    # window copies: none for a 1×1 stride-1 convolution or a Linear layer, some for 3×3
    x = xa.randn(2, 3, 6, 6)
    pointwise = conv.layer_macs(nn.Sequential(nn.Conv2d(3, 4, 1), nn.Flatten(),
                                              nn.Linear(144, 5)), x)
    gemms, copies = conv.im2col_floor(pointwise, rounds=1, steps=1)
    assert gemms > 0 and copies == 0
    windows = conv.layer_macs(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1),
                                            nn.ConvTranspose2d(4, 2, 2, stride=2)), x)
    assert conv.im2col_floor(windows, rounds=1, steps=1)[1] > 0
