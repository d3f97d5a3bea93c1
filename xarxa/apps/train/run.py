"""A complete training run, as ``xarxa train`` does it: data, model, fit, report, files.

``train_run(config)`` writes into ``config["out"]``:

* ``checkpoint.npz`` — the resumable training state after the last complete epoch,
  with the configuration needed to rebuild the model (``xarxa evaluate``);
* ``metrics.json`` — configuration, per-epoch history, final train/val/test loss,
  accuracy, per-class precision/recall and confusion matrix, wall time;
* ``learning_curves.png`` — loss and accuracy per epoch, train vs validation;
* ``decision_boundary.png`` — for 2-D inputs (xor, moons, spirals …): the regions the
  trained classifier assigns to each class, over the training points;
* ``model.onnx`` — with ``xarxa train --export-onnx`` (``export_onnx``): the trained model
  as ONNX, for ONNX Runtime, PyTorch or Netron (``xarxa view``).

The validation set is ``val_split`` of the training set, held out by the seed (notes
1.4.6): it is scored every epoch; the test set only once, in the final report. A
directory that already holds a checkpoint is never silently reused: continue it
(``resume``) or replace it (``overwrite=True``).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import time
from typing import Any

import numpy as np

from ... import metrics as M  # noqa: N812
from ...data import DataLoader, val_split
from ...random import manual_seed
from ...train import _distributed
from ...train.callbacks import Callback, ModelCheckpoint, naming_the_file
from ...train.loop import METRICS, evaluation_pass, fit
from .. import catalog
from .tasks import (MODEL_OPTIONS, check_loss, default_dataset, defaults, load_task,
                    make_loss, make_optimizer, model_config, model_options, runner)

__all__ = ["train_run", "evaluate_checkpoint", "resolve_config", "resume_config",
           "format_report", "export_onnx"]

CHECKPOINT, METRICS_FILE, CURVES = "checkpoint.npz", "metrics.json", "learning_curves.png"
BOUNDARY, ONNX_FILE = "decision_boundary.png", "model.onnx"
_HYPER = ("loss", "optimizer", "lr", "momentum", "weight_decay", "nesterov", "batch_size",
          "epochs", "hidden", "activation", "val_split")
# What a resumed run takes from its checkpoint and may not change: the model (with its
# MODEL_OPTIONS, e.g. --decoder), its data (the seed draws the weights and the validation
# split) and the optimizer, whose state (learning rate included) is restored from the file
# and would silently win.
_FIXED_ON_RESUME = ("model", "dataset", "subset", "seed", "val_split", "hidden", "activation",
                    *MODEL_OPTIONS, "optimizer", "lr", "momentum", "weight_decay", "nesterov")


def resolve_config(**given: Any) -> dict[str, Any]:
    """Fill every hyper-parameter left as None with the dataset/model default; refuse an
    option the model does not take (``MODEL_OPTIONS``, ``TASK_OPTIONS``: --decoder,
    --miner, --margin), before any data is loaded."""
    config = {"model": catalog.DEFAULT_MODEL, "seed": 0, "out": None, "data_root": None}
    config.update({k: v for k, v in given.items() if v is not None})
    for key, kind in (("model", "models"), ("dataset", "datasets"), ("loss", "losses"),
                      ("optimizer", "optimizers"), ("activation", "activations")):
        if config.get(key) is not None:  # an old spelling (a saved run's) becomes today's
            config[key] = catalog.canonical(kind, config[key])
    config.setdefault("dataset", default_dataset(config["model"]))
    config.update(model_options(config["model"], config))  # saved with the config: resume
    base = defaults(config["dataset"], config["model"], config.get("optimizer"))
    for key in _HYPER:
        if config.get(key) is None:
            config[key] = base[key]
    if config["out"] is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        config["out"] = os.path.join("runs", f"{config['model']}-{config['dataset']}-{stamp}")
    return config


def _build(config: dict[str, Any], task):
    from ...models import build
    manual_seed(int(config["seed"]))  # the same seed gives the same weights and batches
    cfg = model_config(config["model"], task.input_shape, task.num_classes,
                       list(config["hidden"]), config["activation"], task.name,
                       **{k: config.get(k) for k in MODEL_OPTIONS})
    return build(config["model"], **cfg), cfg


#: Up to this many epochs the learning curves also draw every batch (a few epoch points
#: alone would not show the curve).
BATCH_CURVES_UP_TO = 10


class BatchCurves(Callback):
    """Each training batch's loss and accuracy as ``fit`` computes them (train mode, before
    the batch's update), and its position in epochs: the per-batch learning curves.

    Pass ``metrics={"accuracy": curves.accuracy}`` to ``fit`` (the accuracy it reports,
    recorded on the way) and the object as a callback."""

    def __init__(self):
        self.values: dict[str, list[float]] = {"loss": [], "accuracy": [], "epoch": []}
        self._accuracy = float("nan")

    def accuracy(self, out, target) -> float:
        self._accuracy = float(METRICS["accuracy"](out, target))
        return self._accuracy

    def on_batch_end(self, state, batch: int, loss: float) -> None:
        n = len(state.train_loader) if hasattr(state.train_loader, "__len__") else batch
        self.values["loss"].append(float(loss))
        self.values["accuracy"].append(self._accuracy)
        self.values["epoch"].append(state.epoch + batch / max(n, 1))


def _scores(model, loss_fn, dataset, num_classes: int) -> dict[str, Any]:
    out, target, loss = evaluation_pass(model, DataLoader(dataset, batch_size=512), loss_fn)
    result = {"loss": loss, "accuracy": float(M.accuracy(out, target))}
    # Class indices: argmax of scores, or the perceptron's 0/1 output. (Two float columns
    # would otherwise read as the notes' thresholded binary probabilities.)
    out = out.argmax(axis=1) if out.ndim == 2 else (out.reshape(-1) >= 0.5).astype(np.int64)
    kw = {"num_classes": num_classes}
    result["precision"] = M.precision(out, target, **kw).tolist()
    result["recall"] = M.recall(out, target, **kw).tolist()
    result["confusion_matrix"] = M.confusion_matrix(out, target, **kw).tolist()
    return result


def _flags(config: dict[str, Any], keys) -> str:
    """``--key value`` for each key, as they are typed on the command line."""
    def shown(v):
        return ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
    return " ".join(f"--{k.replace('_', '-')} {shown(config.get(k))}" for k in keys)


def _train_config(ckpt: Any, path: str, who: str) -> dict[str, Any]:
    """The ``xarxa train`` configuration saved in ``ckpt``, checked to be complete."""
    extra = ckpt.get("extra") if isinstance(ckpt, dict) else None
    config = extra.get("config") if isinstance(extra, dict) else None
    if not isinstance(config, dict):
        raise ValueError(f"{who}: {path} is not a checkpoint written by `xarxa train` (it has "
                         "no configuration to rebuild the model from)")
    missing = [k for k in ("model", "epoch") if k not in ckpt]
    missing += [f"config.{k}" for k in ("model", "dataset", "loss") if k not in config]
    missing += [] if isinstance(extra.get("model_config"), dict) else ["model_config"]
    if missing:
        raise ValueError(f"{who}: {path} is an incomplete checkpoint (it lacks "
                         f"{', '.join(missing)})")
    return config


def resume_config(path: str, given: dict[str, Any]) -> dict[str, Any]:
    """The configuration to continue the run saved in ``path``: the saved one, with the
    options of ``given`` that are set (not None). Options that define the model, its data
    or its optimizer (``_FIXED_ON_RESUME``) must agree with the saved ones."""
    from ...serialization import load
    saved = _train_config(load(path), path, "--resume")
    # A checkpoint written before a model option existed was built with its default.
    saved = {**saved, **model_options(saved["model"], saved)}
    clash = [k for k in _FIXED_ON_RESUME
             if given.get(k) is not None and k in saved and given[k] != saved[k]]
    if clash:
        raise ValueError(f"--resume: {path} was trained with {_flags(saved, clash)}, this run "
                         f"asks for {_flags(given, clash)}; leave these options out (they "
                         "are restored from the checkpoint) or start a new run")
    config = {**saved, **{k: v for k, v in given.items() if v is not None}}
    config.update(resume=path, out=given.get("out") or os.path.dirname(os.path.abspath(path)))
    return config


def _prepare_out(out: str, resume: str | None, overwrite: bool) -> None:
    """Check that ``out`` can be (or is) a directory and holds no checkpoint this run
    would replace unasked; with ``overwrite``, remove the previous run's files."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out {out} is a file, not a directory")
    parent = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(parent):  # the first existing ancestor must be a directory
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"--out {out}: cannot create the directory, {parent} is a file")
    ckpt = os.path.join(out, CHECKPOINT)
    if not os.path.exists(ckpt) or (resume and os.path.exists(resume)
                                    and os.path.samefile(resume, ckpt)):
        return
    if not overwrite:
        raise ValueError(f"--out {out} already holds a checkpoint; continue that run with "
                         f"--resume {ckpt}, replace it with --overwrite, or choose another "
                         "--out")
    for name in (CHECKPOINT, METRICS_FILE, CURVES, BOUNDARY):  # start over: no stale file
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))


def _make_out(out: str) -> None:
    """Create ``out`` and check that a file can be created in it, by creating one: failing
    at the first checkpoint would waste an epoch, and permission bits do not tell (root
    ignores them; a read-only mount, a kernel file system or a quota do not show in them)."""
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as error:
        raise ValueError(f"--out {out}: cannot create the directory ({error.strerror})") \
            from None
    try:
        tempfile.NamedTemporaryFile(dir=out, prefix=".xarxa-probe-").close()
    except OSError as error:
        raise ValueError(f"--out {out}: cannot write into the directory "
                         f"({error.strerror or error})") from None


def train_run(config: dict[str, Any], progress: bool | None = None,
              verbose: bool = True, overwrite: bool = False) -> dict[str, Any]:
    """Train as ``config`` says (see ``resolve_config``); return the metrics.json content.

    ``config["out"]`` must not hold a checkpoint, unless ``config["resume"]`` is that
    checkpoint or ``overwrite`` is true (its files are then replaced).
    """
    config = resolve_config(**config)
    check_loss(config["model"], config["loss"])
    if runner(config["model"]) is not None:  # metric learning, segmentation: their own run
        return runner(config["model"]).train(config, progress, verbose, overwrite)
    task = load_task(config["dataset"], config["model"], config["data_root"],
                     config.get("subset"))
    model, model_cfg = _build(config, task)
    model, rank, size = _distributed.data_parallel(model)  # under mpiexec -n N: a replica
    loss_fn = make_loss(config["loss"], task.num_classes)
    optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"],
                               config["momentum"], config["weight_decay"], config["nesterov"])
    # The validation part, drawn by the seed, is the same on every run (and on resume).
    train_set, val_set = val_split(task.train, float(config["val_split"]),
                                   seed=int(config["seed"]))
    # Each rank its share (one rank: everything); --batch-size is the global batch and the
    # order comes from the seed and the epoch, so 1 and N ranks take the same steps.
    train_loader, val_loader = _distributed.shard_loaders(
        train_set, val_set, int(config["batch_size"]), int(config["seed"]), rank, size)
    if rank == 0:  # under mpiexec only rank 0 writes (and clears) the output directory
        _prepare_out(config["out"], config.get("resume"), overwrite)  # all else is checked
        _make_out(config["out"])
    saved = {"config": config, "model_config": model_cfg, "class_names": task.class_names,
             "num_classes": task.num_classes}
    checkpoint = ModelCheckpoint(os.path.join(config["out"], CHECKPOINT), extra=saved)
    curves = BatchCurves()
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, train_loader, val_loader,
                  epochs=int(config["epochs"]), metrics={"accuracy": curves.accuracy},
                  callbacks=[curves, checkpoint], progress=progress, verbose=verbose,
                  resume=config.get("resume"))
    seconds = time.perf_counter() - start
    if rank:  # rank 0 scores, reports and writes (its weights are the checkpoint's)
        return {"config": config, "interrupted": history.interrupted, "rank": rank}
    splits = {"train": train_set, **({"val": val_set} if len(val_set) else {}),
              "test": task.test}
    results = {
        "config": config, "model_config": model_cfg,
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "epochs_completed": len(history), "interrupted": history.interrupted,
        "train_seconds": seconds, "history": history.history,
        "sizes": {name: len(ds) for name, ds in splits.items()},
        **{name: _scores(model, loss_fn, ds, task.num_classes) for name, ds in splits.items()},
        "class_names": task.class_names, **({"ranks": size} if size > 1 else {}),
    }
    _write_json(os.path.join(config["out"], METRICS_FILE), results)
    if len(history):
        from ...plot import learning_curves
        val = (f"val = {len(val_set)} samples held out of the training set" if len(val_set)
               else "no validation set")
        few = len(history) <= BATCH_CURVES_UP_TO and curves.values["loss"]
        with naming_the_file(os.path.join(config["out"], CURVES)):
            learning_curves(history, os.path.join(config["out"], CURVES),
                            title=f"{config['model']} on {config['dataset']} ({val})",
                            batches=curves.values if few else None)
        if task.input_shape == (2,):  # points in the plane: the classifier's regions (1.1)
            from ...plot import decision_boundary
            with naming_the_file(os.path.join(config["out"], BOUNDARY)):
                decision_boundary(model, *task.train.arrays[:2],
                                  os.path.join(config["out"], BOUNDARY),
                                  title=f"{config['model']} on {config['dataset']} "
                                  "(training set)", class_names=task.class_names)
    return results


def restore(ckpt: dict, config: dict[str, Any], path: str, data_root=None):
    """The task and the model a checkpoint describes, with its weights loaded (for
    ``xarxa evaluate`` of every kind of run); a mismatch is a ValueError naming ``path``."""
    from ...models import build
    task = load_task(config["dataset"], config["model"], data_root or config.get("data_root"),
                     config.get("subset"))
    try:
        model = build(config["model"], **ckpt["extra"]["model_config"])
        model.load_state_dict(ckpt["model"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"evaluate: {path}: the saved weights do not fit the "
                         f"{config['model']} the checkpoint describes ({error})") from None
    return task, model


def evaluate_checkpoint(path: str, data_root: str | None = None) -> dict[str, Any]:
    """Rebuild the model saved in a ``xarxa train`` checkpoint and score its test set."""
    from ...serialization import load
    ckpt = load(path)
    config = _train_config(ckpt, path, "evaluate")
    if runner(config["model"]) is not None:
        return runner(config["model"]).evaluate(ckpt, config, path, data_root)
    task, model = restore(ckpt, config, path, data_root)
    loss_fn = make_loss(config["loss"], task.num_classes)
    return {"config": config, "epochs_completed": int(ckpt["epoch"]),
            "class_names": task.class_names,
            "test": _scores(model, loss_fn, task.test, task.num_classes)}


def export_onnx(path: str, target: str | None = None) -> str:
    """Write the model of the ``xarxa train`` checkpoint ``path`` as ONNX to ``target``
    (default: ``model.onnx`` beside it), for a batch of any size; return ``target``."""
    from ... import onnx
    from ...creation import zeros
    from ...models import build
    from ...serialization import load
    from .tasks import image_spec
    ckpt = load(path)
    config = _train_config(ckpt, path, "export-onnx")
    model = build(config["model"], **ckpt["extra"]["model_config"])
    model.load_state_dict(ckpt["model"])
    shape, _ = image_spec(config["dataset"], config["model"])
    target = target or os.path.join(os.path.dirname(os.path.abspath(path)), ONNX_FILE)
    with naming_the_file(target):
        onnx.export(model, zeros(2, *shape), target, input_names=["input"],
                    output_names=["output"],
                    dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return target


def _write_json(path: str, obj: Any) -> None:
    def clean(v):  # JSON has no NaN: write null
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            return clean(v.item())
        return v
    tmp = path + ".tmp"
    with naming_the_file(path):
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(clean(obj), f, indent=2)
            os.replace(tmp, path)
        except BaseException:  # a full disk: leave no half-written file taking space
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


def format_report(results: dict[str, Any]) -> str:
    """The final table: loss and accuracy per split, precision/recall per class."""
    if runner(results["config"]["model"]) is not None:
        return runner(results["config"]["model"]).report(results)
    splits = [s for s in ("train", "val", "test") if s in results]
    lines = ["The trained weights scored in eval mode on each whole set (the epoch lines' "
             "train numbers",
             "are means over the epoch's batches in train mode, taken while the weights "
             "changed):",
             f"{'':<12}" + "".join(f"{s:>12}" for s in splits)]
    for key in ("loss", "accuracy"):
        lines.append(f"{key:<12}" + "".join(f"{results[s][key]:>12.4f}" for s in splits))
    test = results["test"]
    names = results.get("class_names") or [str(i) for i in range(len(test["precision"]))]
    width = max(12, max(len(n) for n in names) + 2)
    lines += ["", f"{'class':<{width}}{'precision':>11}{'recall':>9}{'support':>9}"]
    support = np.asarray(test["confusion_matrix"]).sum(axis=1)
    for name, p, r, n in zip(names, test["precision"], test["recall"], support):
        lines.append(f"{name:<{width}}{p:>11.3f}{r:>9.3f}{int(n):>9d}")
    lines.append(f"{'macro avg':<{width}}{np.mean(test['precision']):>11.3f}"
                 f"{np.mean(test['recall']):>9.3f}{int(support.sum()):>9d}")
    return "\n".join(lines)
