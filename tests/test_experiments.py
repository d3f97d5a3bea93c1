"""The notes' experiments (experiments/*.py): each --quick run finishes, writes a non-empty
PNG and prints its table with the rows it promises; their helpers agree with the library."""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPERIMENTS = os.path.join(ROOT, "experiments")
FASHION = os.path.join(os.environ.get("XARXA_DATA", "/usr/share/datasets"), "fashion-mnist")

needs_fashion = pytest.mark.skipif(
    not any(os.path.exists(p) for p in (FASHION, "/usr/share/datasets/fashion-mnist")),
    reason="the Fashion-MNIST IDX files are not installed")

# script -> (PNGs it writes, table rows that must appear: the first cell of each)
CASES = {
    "degradation": (["degradation.png"], ["plain-8", "ResNet-8", "plain-32", "ResNet-32"]),
    "batchnorm": (["batchnorm.png"], ["without BN, lr 0.01", "with BN, lr 0.01",
                                      "without BN, lr 0.1", "with BN, lr 0.1"]),
    "upsampling": (["checkerboard.png", "upsampling.png"],
                   ["transposed conv (UNet)", "nearest + conv (UNet)",
                    "bed of nails + conv (UNet)", "max-unpool (SegNet)"]),
    "metric_learning": (["metric_learning.png"],
                        ["raw pixels, nearest neighbour (no training)",
                         "contrastive (random pairs)", "triplet (random triplets)",
                         "triplet + batch-hard", "triplet + semi-hard",
                         "triplet + offline mining"]),
    "imbalance": (["imbalance.png"], ["cross-entropy", "weighted cross-entropy",
                                      "focal loss (γ = 2)"]),
}


def _rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown table in ``text``, as lists of cells."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


@needs_fashion
@pytest.mark.parametrize("name", list(CASES))
def test_quick_run_writes_png_and_table(name, tmp_path):
    pngs, rows = CASES[name]
    tmp_path = tmp_path / "out"                   # not there yet: the script makes it
    done = subprocess.run([sys.executable, os.path.join(EXPERIMENTS, f"{name}.py"), "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    for png in pngs:
        path = tmp_path / png
        assert path.exists() and path.stat().st_size > 1000, png
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = _rows(done.stdout)
    assert [r[0] for r in table] == rows
    assert len({len(r) for r in table}) == 1          # every row has every column
    assert (tmp_path / f"{name}.md").read_text().strip() in done.stdout.strip() + "\n"


def _load(name):
    sys.path.insert(0, EXPERIMENTS)
    try:
        import importlib
        return importlib.import_module(name)
    finally:
        sys.path.remove(EXPERIMENTS)


def test_chunked_recall_at_1_agrees_with_recall_at_k():
    from xarxa.metric_learning import recall_at_k
    ml = _load("metric_learning")
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(300, 5)).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    emb[labels == 1] += 1.5                      # some structure: a recall away from chance
    assert ml.recall_at_1(emb, labels, chunk=64) == pytest.approx(
        recall_at_k(emb, labels, k=1), abs=1e-12)


def test_imbalance_cut_keeps_five_percent_of_the_rare_classes():
    imbalance = _load("imbalance")
    y = np.repeat(np.arange(10), 200)
    x = np.arange(len(y))
    xs, ys = imbalance.cut(x, y, [2, 6], 0.05, seed=0)
    counts = np.bincount(ys, minlength=10)
    assert counts[2] == counts[6] == 10
    assert all(counts[k] == 200 for k in range(10) if k not in (2, 6))
    assert np.array_equal(y[xs], ys)             # the images keep their own labels


def test_checkerboard_counts_overlapping_kernels(tmp_path):
    """A ConvTranspose2d with all-ones weights of an all-ones input counts, at each output
    pixel, the kernel copies covering it: 1, 2 or 4 for kernel 3, stride 2 (PyTorch's
    conv_transpose2d gives the same map)."""
    torch = pytest.importorskip("torch")
    upsampling = _load("upsampling")
    maps = upsampling.checkerboard(str(tmp_path / "c.png"))
    want = torch.nn.functional.conv_transpose2d(torch.ones(1, 1, 8, 8), torch.ones(1, 1, 3, 3),
                                                stride=2)[0, 0].numpy()
    np.testing.assert_allclose(maps["kernel 3, stride 2"], want)
    assert set(np.unique(want[2:-2, 2:-2])) == {1.0, 2.0, 4.0}
    assert (tmp_path / "c.png").stat().st_size > 1000
