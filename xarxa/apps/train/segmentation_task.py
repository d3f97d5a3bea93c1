"""``xarxa train --model {unet,segnet} --dataset fashion-canvas``: semantic segmentation
(notes §1.6): a class for every pixel, learned with the per-pixel cross-entropy.

The report: pixel accuracy and the intersection over union of every class and their mean
(``xarxa.metrics.iou`` / ``mean_iou``) on the validation and test canvases, and
``segmentation.png`` (test inputs, their true masks and the predicted masks).
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ... import metrics as M  # noqa: N812
from ...autograd import no_grad
from .. import catalog
from .task_common import batch_of, fit_task, seeded_loaders, write_results

__all__ = ["train", "evaluate", "report", "pixel_accuracy", "predict_masks", "mask_scores",
           "SEGMENTATION"]

SEGMENTATION = "segmentation.png"


def pixel_accuracy(scores: np.ndarray, masks: np.ndarray) -> float:
    """The fraction of pixels whose highest-scoring class is the true one.

    Shape: scores (N, C, H, W); masks (N, H, W) of class indices."""
    return float(np.mean(np.argmax(scores, axis=1) == masks))


def predict_masks(model, dataset, rows=None, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(predicted labels, true masks) of the samples ``rows`` (default: all), uint8
    (N, H, W), in eval mode and without a graph. ``model`` maps a batch of input tensors to
    (B, C, H, W) scores that have ``.numpy()`` (``benchmarks/segmentation.py`` passes a
    PyTorch model wrapped that way, so both libraries are scored by this same code)."""
    rows = np.arange(len(dataset)) if rows is None else np.asarray(rows)
    model.eval()
    pred, true = [], []
    with no_grad():
        for start in range(0, len(rows), batch):
            x, y = batch_of(dataset, rows[start:start + batch])
            pred.append(model(x).numpy().argmax(axis=1).astype(np.uint8))
            true.append(y.numpy().astype(np.uint8))
    return np.concatenate(pred), np.concatenate(true)


def mask_scores(pred: np.ndarray, true: np.ndarray, num_classes: int) -> dict[str, Any]:
    """Pixel accuracy, mean IoU, every class's IoU and pixel count of predicted labels
    ``pred`` against masks ``true`` (both (N, H, W) class indices)."""
    return {"pixel_accuracy": float(np.mean(pred == true)),
            "mean_iou": M.mean_iou(pred, true, num_classes=num_classes),
            "iou": M.iou(pred, true, num_classes=num_classes).tolist(),
            "pixels": np.bincount(true.reshape(-1), minlength=num_classes).tolist()}


def _scores(model, dataset, names) -> dict[str, Any]:
    return mask_scores(*predict_masks(model, dataset), len(names))


def train(config: dict[str, Any], progress=None, verbose: bool = True,
          overwrite: bool = False) -> dict[str, Any]:
    """Train the segmentation network as ``config`` says; write the checkpoint,
    metrics.json, the learning curves and ``segmentation.png``; return the results."""
    loss = catalog.canonical("losses", config["loss"])
    if not catalog.LOSSES[loss].segmentation:
        per_pixel = [n for n, e in catalog.LOSSES.items() if e.segmentation]
        raise ValueError(f"--model {config['model']} learns a class per pixel with --loss "
                         f"{' or '.join(per_pixel)}, not {config['loss']}")

    def loaders(model, train_set, val_set):
        return seeded_loaders(train_set, val_set, int(config["batch_size"]),
                              int(config["seed"]))

    model, task, _, val_set, results = fit_task(
        config, catalog.LOSSES[loss].train(0), loaders, {"pixel_accuracy": pixel_accuracy},
        (SEGMENTATION,), progress, verbose, overwrite)
    results["task"] = "segmentation"
    if len(val_set):
        results["val"] = _scores(model, val_set, task.class_names)
    results["test"] = _scores(model, task.test, task.class_names)
    from .figures import segmentation_plot
    shown = np.arange(min(6, len(task.test)))
    images, masks = task.test.render(shown)
    predicted, _ = predict_masks(model, task.test, shown)
    segmentation_plot(images, masks, predicted, task.class_names,
                      os.path.join(config["out"], SEGMENTATION),
                      title=f"{config['model']} on held-out canvases")
    results["figures"] = [SEGMENTATION]
    return write_results(results)


def evaluate(ckpt: dict, config: dict[str, Any], path: str, data_root=None) -> dict[str, Any]:
    """Pixel accuracy and IoU of a segmentation checkpoint on its test canvases."""
    from .run import restore
    task, model = restore(ckpt, config, path, data_root)
    return {"config": config, "epochs_completed": int(ckpt["epoch"]), "task": "segmentation",
            "class_names": task.class_names,
            "test": _scores(model, task.test, task.class_names)}


def report(results: dict[str, Any]) -> str:
    """Pixel accuracy and mean IoU per split, then the IoU of every class."""
    splits = [s for s in ("val", "test") if s in results]
    lines = [f"{'':<16}" + "".join(f"{s:>12}" for s in splits)]
    for key in ("pixel_accuracy", "mean_iou"):
        lines.append(f"{key.replace('_', ' '):<16}" +
                     "".join(f"{results[s][key]:>12.4f}" for s in splits))
    test = results["test"]
    names = results.get("class_names") or [str(i) for i in range(len(test["iou"]))]
    width = max(16, max(len(n) for n in names) + 2)
    lines += ["", f"{'class':<{width}}{'test IoU':>10}{'pixels':>12}"]
    for name, value, count in zip(names, test["iou"], test["pixels"]):
        lines.append(f"{name:<{width}}{value:>10.3f}{count:>12d}")
    if results.get("figures"):
        lines.append(f"\nfigures: {', '.join(results['figures'])}")
    return "\n".join(lines)
