"""What the non-classifier runs of ``xarxa train`` (``siamese_task``, ``segmentation_task``)
share with ``run.py``: build the model, train it with ``fit`` (checkpoint, resume, progress,
learning curves) and write ``metrics.json``. Each task brings its loss, its loaders and
its final scores and figures."""
from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from ...data import DataLoader, val_split
from ...tensor import Tensor
from ...train.callbacks import ModelCheckpoint
from ...train.loop import fit
from .run import (CHECKPOINT, CURVES, METRICS_FILE, _build, _make_out, _prepare_out,
                  _write_json)
from .tasks import load_task, make_optimizer

__all__ = ["fit_task", "write_results", "seeded_loaders", "batch_of"]


def batch_of(dataset, indices) -> tuple:
    """(inputs, targets) of the samples of ``dataset`` at ``indices``, as one batch."""
    indices = np.asarray(indices, dtype=np.int64)
    if hasattr(dataset, "__getbatch__"):   # the dataset gathers whole batches itself
        x, y = dataset.__getbatch__(indices)
        return x, y
    samples = [dataset[int(i)] for i in indices]
    return tuple(Tensor(np.stack([s[j].numpy() for s in samples])) for j in range(2))


def seeded_loaders(train_set, val_set, batch_size: int, seed: int):
    """A shuffling training loader whose order comes from ``seed`` and the epoch (so that
    a resumed run takes the same batches), and a validation loader (None if no set)."""
    from ...data import DistributedSampler
    sampler = DistributedSampler(train_set, 1, 0, shuffle=True, seed=seed)
    train = DataLoader(train_set, batch_size=batch_size, sampler=sampler)
    return train, (DataLoader(val_set, batch_size=256) if len(val_set) else None)


def fit_task(config: dict[str, Any], loss_fn: Callable,
             make_loaders: Callable, metrics, figures: tuple[str, ...],
             progress, verbose: bool, overwrite: bool):
    """Train ``config["model"]`` on its dataset with ``loss_fn``; return (model, task,
    train set, validation set, results so far). ``make_loaders(model, train_set, val_set)``
    gives the (training, validation) loaders; ``figures`` are the task's PNG names, removed
    with the rest of a previous run by ``overwrite``."""
    from ... import distributed as dist
    dist.init_process_group()   # a world of one without mpiexec
    if dist.get_world_size() > 1:   # every rank would train alone and write the same files
        raise ValueError(f"--model {config['model']} trains in one process: run it without "
                         "mpiexec")
    task = load_task(config["dataset"], config["model"], config["data_root"],
                     config.get("subset"))
    model, model_cfg = _build(config, task)
    optimizer = make_optimizer(config["optimizer"], model.parameters(), config["lr"],
                               config["momentum"], config["weight_decay"], config["nesterov"])
    train_set, val_set = val_split(task.train, float(config["val_split"]),
                                   seed=int(config["seed"]))
    train_loader, val_loader = make_loaders(model, train_set, val_set)
    out = config["out"]
    _prepare_out(out, config.get("resume"), overwrite)
    _make_out(out)  # refused now if no file can be written there, not after an epoch
    if overwrite or not config.get("resume"):   # a new run: no figure of an old one stays
        for name in figures:
            if os.path.exists(os.path.join(out, name)):
                os.remove(os.path.join(out, name))
    saved = {"config": config, "model_config": model_cfg, "class_names": task.class_names,
             "num_classes": task.num_classes}
    checkpoint = ModelCheckpoint(os.path.join(out, CHECKPOINT), extra=saved)
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, train_loader, val_loader,
                  epochs=int(config["epochs"]), metrics=metrics, callbacks=[checkpoint],
                  progress=progress, verbose=verbose, resume=config.get("resume"))
    results = {
        "config": config, "model_config": model_cfg,
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "epochs_completed": len(history), "interrupted": history.interrupted,
        "train_seconds": time.perf_counter() - start, "history": history.history,
        "sizes": {"train": len(train_set), "val": len(val_set), "test": len(task.test)},
        "class_names": task.class_names,
    }
    if len(history):
        from ...plot import learning_curves
        val = (f"val = {len(val_set)} samples held out of the training set" if len(val_set)
               else "no validation set")
        learning_curves(history, os.path.join(out, CURVES),
                        title=f"{config['model']} on {config['dataset']} ({val})")
    return model, task, train_set, val_set, results


def write_results(results: dict[str, Any]) -> dict[str, Any]:
    """Write ``metrics.json`` into the run's directory; return the results."""
    _write_json(os.path.join(results["config"]["out"], METRICS_FILE), results)
    return results
