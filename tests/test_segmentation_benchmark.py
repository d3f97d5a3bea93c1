"""benchmarks/segmentation.py --quick end to end: xarxa's UNet and its PyTorch twin start
from the same weights on the same batch (their first-step losses agree), both are scored,
the table has both rows and the differences, and the mask figure is written."""
import math
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

FASHION = os.path.join(os.environ.get("XARXA_DATA", "/usr/share/datasets"), "fashion-mnist")
needs_fashion = pytest.mark.skipif(
    not any(os.path.exists(p) for p in (FASHION, "/usr/share/datasets/fashion-mnist")),
    reason="the Fashion-MNIST IDX files are not installed")


@needs_fashion
def test_quick_run_matches_torch_and_writes_table_and_figure(load_benchmark, tmp_path, capsys):
    out = tmp_path / "out"
    result = load_benchmark("segmentation").main(["--quick", "--out", str(out)])
    first = result["first_loss"]
    # the same initial weights and the same first batch: the same loss, to float32 rounding;
    # near ln(11) (an untrained network's per-pixel cross-entropy over 11 classes)
    assert first["xarxa"] == pytest.approx(first["torch"], rel=1e-4)
    assert abs(first["xarxa"] - math.log(11)) < 1.0
    assert len(result["losses"]["xarxa"]) == len(result["losses"]["torch"]) == 2  # 64 / 32
    printed = capsys.readouterr().out
    assert "epoch 1/1: xarxa" in printed and "first-step loss" in printed
    lines = [line for line in result["text"].splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[:3] == ["library", "pixel accuracy", "mean IoU"] and len(header) == 3 + 11 + 1
    assert header[3] == "IoU background"
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["xarxa", "torch",
                                                                 "xarxa − torch"]
    for lib in ("xarxa", "torch"):
        scores = result["scores"][lib]
        assert len(scores["iou"]) == 11 and sum(scores["pixels"]) == 32 * 64 * 64
        assert 0.0 <= scores["mean_iou"] <= 1.0
    assert (out / "segmentation.md").read_text().startswith("### UNet (decoder 'transpose'")
    png = out / "segmentation.png"
    assert png.stat().st_size > 1000
    import matplotlib.image
    height, width = matplotlib.image.imread(str(png)).shape[:2]
    # four columns (input, true mask, xarxa, PyTorch): 10.4 × 15 in; three would be 7.8 × 15
    assert width / height > 0.6


def test_torch_scorer_feeds_predict_masks(load_benchmark):
    """The adapter scores a torch model through xarxa's predict_masks: its labels are the
    argmax of the torch model's own output, in eval mode."""
    import xarxa as xa
    from xarxa.apps.train.segmentation_task import predict_masks

    class Canvases:
        def __init__(self, x):
            self.x = x

        def __len__(self):
            return len(self.x)

        def __getbatch__(self, idx):
            return xa.tensor(self.x[idx]), xa.tensor(np.zeros((len(idx), 4, 4), np.int64))

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.BatchNorm2d(3))
    x = np.random.default_rng(0).standard_normal((5, 1, 4, 4)).astype(np.float32)
    scorer = load_benchmark("segmentation")._TorchScores(model)
    pred, _ = predict_masks(scorer, Canvases(x), batch=2)
    assert not model.training
    with torch.no_grad():
        want = model(torch.from_numpy(x)).argmax(1).numpy()
    np.testing.assert_array_equal(pred, want)
