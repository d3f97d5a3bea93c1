"""`xarxa train` with the networks of notes 1.3.8 and 1.5–1.7, end to end on a few real
Fashion-MNIST images (/usr/share/datasets/fashion-mnist, which CI installs) and canvases:
one short epoch each, the report, metrics.json, the figures, evaluate and resume."""
import json

import numpy as np
import pytest

from xarxa import metrics as M
from xarxa.apps.cli import main
from pictures import assert_picture


def run(args, capsys):
    rc = main(["train", "--no-progress", *args])
    printed = capsys.readouterr()
    return rc, printed.out, printed.err


@pytest.mark.parametrize("model, parameters", [
    ("resnet", 77_754), ("plainnet", 75_002), ("densenet", 75_274), ("fcn", 101_866),
    ("lenet5-modern", 61_728)])
def test_classifiers(model, parameters, tmp_path, capsys):
    out = tmp_path / model
    rc, printed, _ = run(["--model", model, "--dataset", "fashion-mnist", "--subset", "40",
                          "--epochs", "1", "--batch-size", "20", "--out", str(out)], capsys)
    assert rc == 0
    assert f"{model} on fashion-mnist: {parameters:,} parameters" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["parameters"] == parameters and metrics["config"]["subset"] == 40
    assert metrics["sizes"] == {"train": 36, "val": 4, "test": 40}
    assert sum(np.sum(metrics["test"]["confusion_matrix"], axis=1)) == 40
    assert_picture(out / "learning_curves.png", min_bytes=5000, min_std=0.05)
    assert (out / "checkpoint.npz").exists()


def test_siamese_triplet_batch_hard_reports_recall_and_draws(tmp_path, capsys):
    out = tmp_path / "siamese"
    rc, printed, _ = run(["--model", "siamese", "--miner", "batch-hard", "--subset", "150",
                          "--epochs", "1", "--batch-size", "50", "--out", str(out)], capsys)
    assert rc == 0
    assert "recall@1" in printed and "recall@5" in printed and "embeddings.png" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    config = metrics["config"]
    assert (config["dataset"], config["loss"], config["miner"], config["margin"]) == \
        ("fashion-mnist", "triplet", "batch-hard", 0.2)
    for split in ("val", "test"):
        assert 0 <= metrics[split]["recall@1"] <= metrics[split]["recall@5"] <= 1
    assert metrics["test"]["recall@1"] > 0.3   # one epoch on 135 images: far above 0.1
    for name in ("embeddings.png", "retrieval.png", "learning_curves.png"):
        assert_picture(out / name, min_bytes=5000, min_std=0.05)
    assert main(["evaluate", "--checkpoint", str(out / "checkpoint.npz")]) == 0
    evaluated = capsys.readouterr().out
    assert f"{metrics['test']['recall@1']:.4f}" in evaluated


def test_siamese_contrastive_offline_resumes(tmp_path, capsys):
    out = tmp_path / "offline"
    args = ["--model", "siamese", "--loss", "contrastive", "--miner", "offline",
            "--subset", "90", "--batch-size", "30", "--out", str(out)]
    assert run([*args, "--epochs", "1"], capsys)[0] == 0
    first = json.loads((out / "metrics.json").read_text())
    assert (first["config"]["miner"], first["config"]["margin"]) == ("offline", 1.0)
    rc, printed, _ = run(["--resume", str(out / "checkpoint.npz"), "--epochs", "2",
                          "--no-progress"], capsys)
    assert rc == 0
    second = json.loads((out / "metrics.json").read_text())
    assert second["epochs_completed"] == 2
    assert second["history"]["loss"][0] == first["history"]["loss"][0]
    rc, _, err = run(["--resume", str(out / "checkpoint.npz"), "--epochs", "3", "--subset",
                      "60"], capsys)   # other data: not a continuation
    assert rc == 2 and "was trained with --subset 90" in err


@pytest.mark.parametrize("model", ["unet", "segnet"])
def test_segmentation(model, tmp_path, capsys):
    out = tmp_path / model
    # no --dataset: a segmentation network trains on fashion-canvas
    rc, printed, _ = run(["--model", model, "--subset", "10", "--epochs", "1",
                          "--batch-size", "5", "--out", str(out)], capsys)
    assert rc == 0
    assert "pixel accuracy" in printed and "mean iou" in printed and "Ankle boot" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == "fashion-canvas"
    assert metrics["sizes"] == {"train": 9, "val": 1, "test": 10}
    test = metrics["test"]
    assert len(test["iou"]) == 11 and sum(test["pixels"]) == 10 * 64 * 64
    present = [i for i, v in enumerate(test["iou"]) if v > 0]
    assert test["mean_iou"] <= max(test["iou"]) and 0 <= test["pixel_accuracy"] <= 1
    assert set(present) <= set(range(11))
    assert_picture(out / "segmentation.png", min_bytes=5000, min_std=0.05)
    assert main(["evaluate", "--checkpoint", str(out / "checkpoint.npz")]) == 0
    assert f"{test['mean_iou']:.4f}" in capsys.readouterr().out


def test_mean_iou_reported_is_the_metric_of_the_predictions(tmp_path, capsys):
    from xarxa.apps.train.run import train_run
    from xarxa.apps.train.segmentation_task import predict_masks
    from xarxa.models import build
    from xarxa.serialization import load
    import xarxa as xa
    out = tmp_path / "u"
    results = train_run({"model": "unet", "subset": 6, "epochs": 1, "batch_size": 3,
                         "out": str(out)}, progress=False, verbose=False)
    ckpt = load(str(out / "checkpoint.npz"))
    model = build("unet", **ckpt["extra"]["model_config"])
    model.load_state_dict(ckpt["model"])
    pred, true = predict_masks(model, xa.datasets.fashion_canvas(train=False, n=6))
    assert results["test"]["mean_iou"] == pytest.approx(M.mean_iou(pred, true, 11))
    assert results["test"]["pixel_accuracy"] == pytest.approx(np.mean(pred == true))


@pytest.mark.parametrize("args, message", [
    (["--model", "unet", "--dataset", "fashion-mnist"],
     "unet segments images: it needs per-pixel masks, which fashion-mnist has not"),
    (["--model", "mlp", "--dataset", "fashion-canvas"],
     "fashion-canvas is a segmentation dataset"),
    (["--model", "resnet", "--loss", "triplet"],
     "--loss triplet compares embeddings, only for --model siamese"),
    (["--model", "siamese", "--loss", "cross-entropy"],
     "--model siamese learns embeddings: use --loss contrastive or triplet"),
    (["--model", "segnet", "--loss", "focal"], "learns a class per pixel with --loss"),
    (["--model", "resnet", "--subset", "0"], "--subset must be a positive number"),
    (["--model", "siamese", "--margin", "-1", "--subset", "20"], "--margin must be positive"),
])
def test_wrong_combinations_are_one_line(args, message, tmp_path, capsys):
    rc, _, err = run([*args, "--epochs", "1", "--out", str(tmp_path / "x")], capsys)
    assert rc == 2 and message in err and err.count("\n") == 1
