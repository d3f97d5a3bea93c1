"""``xarxa train --model siamese``: metric learning on an image dataset (notes §1.3.8).

One embedding network (``SiameseNet``) is trained so that images of a class lie close
together. Every batch, a miner picks (anchor, positive, negative) triplets among the
batch's embeddings (``--miner``):

* ``none``: a random positive and a random negative for each anchor (mostly easy
  triplets once training is under way: the notes' reason to mine);
* ``batch-hard``: each anchor's furthest positive and closest negative (online). With
  the notes' squared distances a collapsed embedding (every image on one point, loss = m)
  has zero gradient, and batch-hard from random weights can fall into it: on 9,000
  images it stayed at loss m for two epochs, where semi-hard reached Recall@1 0.85;
* ``semi-hard`` (the default): for each anchor–positive pair the closest negative still
  further than the positive (online, FaceNet's choice);
* ``offline``: at the start of each epoch the whole training set is embedded with the
  current weights; each batch then takes ``batch_size`` triplets at random among the
  semi-hard and hard ones of a pool of ``OFFLINE_POOL`` random training images, judged by
  those epoch-start embeddings (mining the whole set at once costs O(N³)).

``--loss triplet`` scores each triplet by max(0, m + d²(a, p) − d²(a, n)); ``--loss
contrastive`` scores its two pairs, (a, p) as positive and (a, n) as negative, by
y·d² + (1 − y)·max²(0, m − d). The margin m is ``--margin`` (default 0.2 for triplets,
1.0 for pairs, on the unit-norm embeddings). The miners judge triplets by the triplet
loss's squared distances and that margin.

The report: Recall@1 and Recall@5 on the validation and test sets (each image queried
against the rest of its set), ``embeddings.png`` (the test embeddings projected on their
two principal components, coloured by class) and ``retrieval.png`` (queries and their five
nearest test images).
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ... import metric_learning as ml
from ...autograd import no_grad
from ...autograd.ops import cat
from ...tensor import Tensor
from .task_common import batch_of, fit_task, seeded_loaders, write_results
from .tasks import MINERS

__all__ = ["train", "evaluate", "report", "MetricLoss", "OfflineTriplets", "OFFLINE_POOL",
           "EMBEDDINGS", "RETRIEVAL"]

EMBEDDINGS, RETRIEVAL = "embeddings.png", "retrieval.png"
OFFLINE_POOL = 256
_MARGINS = {"triplet": 0.2, "contrastive": 1.0}
_STRATEGY = {"batch-hard": "batch-hard", "semi-hard": "batch-semi-hard"}


def _random_triplets(rng: np.random.Generator, labels: np.ndarray) -> ml.Triplets:
    """For each anchor with a positive and a negative in the batch, one of each at random."""
    same = labels[:, None] == labels[None, :]
    positive, negative = same & ~np.eye(labels.size, dtype=bool), ~same
    anchors = np.nonzero(positive.any(axis=1) & negative.any(axis=1))[0]
    draw = rng.random((2, labels.size, labels.size))
    p = np.where(positive, draw[0], -1.0)[anchors].argmax(axis=1)
    n = np.where(negative, draw[1], -1.0)[anchors].argmax(axis=1)
    return ml.Triplets(*(Tensor(i.astype(np.int64)) for i in (anchors, p, n)))


class MetricLoss:
    """``loss(embeddings, labels)``: the mean loss of the triplets ``miner`` picks among a
    batch's embeddings (zero, with zero gradients, when it finds none).

    ``miner='in-order'`` takes the batch as it comes from ``OfflineTriplets``: the first
    third anchors, then their positives, then their negatives.
    """

    def __init__(self, loss: str, miner: str, margin: float, seed: int = 0):
        if loss not in _MARGINS:
            raise ValueError(f"MetricLoss: loss must be one of {list(_MARGINS)}, got {loss!r}")
        if miner not in (*MINERS, "in-order"):
            raise ValueError(f"MetricLoss: miner must be one of {MINERS}, got {miner!r}")
        self.loss, self.miner, self.margin = loss, miner, float(margin)
        self.rng = np.random.default_rng([seed, 7])
        self.pick = (ml.TripletMiner(_STRATEGY[miner], margin=self.margin)
                     if miner in _STRATEGY else None)

    def triplets(self, embeddings: Tensor, labels) -> ml.Triplets:
        t = labels.numpy() if isinstance(labels, Tensor) else np.asarray(labels)
        if self.miner == "in-order":
            b = len(t) // 3
            return ml.Triplets(*(Tensor(np.arange(i * b, (i + 1) * b)) for i in range(3)))
        if self.pick is not None:
            return self.pick(embeddings, t)
        return _random_triplets(self.rng, t)

    def __call__(self, embeddings: Tensor, labels) -> Tensor:
        a, p, n = self.triplets(embeddings, labels)
        if a.shape[0] == 0:   # no usable triplet in this batch: nothing to learn from it
            return (embeddings * 0.0).sum()
        ea, ep, en = embeddings[a], embeddings[p], embeddings[n]
        if self.loss == "triplet":
            return ml.triplet_loss(ea, ep, en, margin=self.margin)
        target = np.concatenate([np.ones(a.shape[0]), np.zeros(a.shape[0])])
        return ml.contrastive_loss(cat([ea, ea], dim=0), cat([ep, en], dim=0), target,
                                   margin=self.margin)


class OfflineTriplets:
    """Batches of offline-mined triplets (notes §1.3.8, "estrategia fuera de línea").

    Each pass first embeds the whole ``dataset`` with ``model`` (eval mode, no graph).
    Each of its ``len(self)`` batches then draws a pool of ``pool`` random samples, mines
    their semi-hard and hard triplets from those embeddings (``offline_mining``) and takes
    ``batch_size`` of them at random (every valid triplet of the pool if none is semi-hard
    or hard). It yields ``(x, y)``: the anchors', positives' and negatives' images
    stacked, 3·B of them, and their labels (``MetricLoss(miner='in-order')`` reads them).
    The draws come from ``seed`` and the pass number (``state_dict``), so a resumed run
    takes the same batches.
    """

    def __init__(self, dataset, model, batch_size: int, margin: float, seed: int = 0,
                 pool: int = OFFLINE_POOL):
        self.dataset, self.model, self.batch_size = dataset, model, int(batch_size)
        self.margin, self.seed, self.pool = float(margin), int(seed), int(pool)
        self.passes = 0

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def _embed_all(self) -> tuple[np.ndarray, np.ndarray]:
        was_training = self.model.training
        self.model.eval()
        parts, labels = [], []
        try:
            with no_grad():
                for start in range(0, len(self.dataset), 512):
                    x, y = batch_of(self.dataset, np.arange(start, min(start + 512,
                                                                          len(self.dataset))))
                    parts.append(self.model(x).numpy())
                    labels.append(y.numpy())
        finally:
            self.model.train(was_training)
        return np.concatenate(parts), np.concatenate(labels)

    def __iter__(self):
        rng = np.random.default_rng([self.seed, self.passes])
        self.passes += 1
        emb, labels = self._embed_all()
        size = min(self.pool, len(labels))
        for _ in range(len(self)):
            pool = rng.choice(len(labels), size, replace=False)
            found = ml.offline_mining(emb[pool], labels[pool], self.margin,
                                      types=("semi-hard", "hard"))
            if found.anchor.shape[0] == 0:
                found = ml.all_triplets(labels[pool])
            if found.anchor.shape[0] == 0:
                continue   # a pool of one class: no triplet at all
            pick = rng.choice(found.anchor.shape[0], min(self.batch_size,
                                                         found.anchor.shape[0]), replace=False)
            rows = np.concatenate([pool[t.numpy()[pick]] for t in found])
            yield batch_of(self.dataset, rows)

    def state_dict(self) -> dict:
        return {"passes": self.passes}

    def load_state_dict(self, state: dict) -> None:
        self.passes = int(state["passes"])


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    """--miner and --margin, filled in (and kept in the configuration that is saved)."""
    miner = config.get("miner") or "semi-hard"
    if miner not in MINERS:
        raise ValueError(f"--miner must be one of {', '.join(MINERS)}, got {miner!r}")
    margin = config.get("margin")
    margin = _MARGINS[config["loss"]] if margin is None else float(margin)
    if not margin > 0:
        raise ValueError(f"--margin must be positive, got {margin}")
    config.update(miner=miner, margin=margin)
    return config


def _embed(model, dataset) -> tuple[np.ndarray, np.ndarray]:
    x, y = batch_of(dataset, np.arange(len(dataset)))
    model.eval()
    return ml.embed(model, x, batch_size=512).numpy(), y.numpy()


def _recalls(emb: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Recall@1 and @5, each image queried against the others ({} when no class has two
    images: no query could be answered)."""
    ks = [k for k in (1, 5) if k < len(labels)]
    if not ks or np.bincount(labels).max() < 2:
        return {}
    found = ml.recall_at_k(emb, labels, k=ks)
    return {f"recall@{k}": found[k] for k in ks}


def train(config: dict[str, Any], progress=None, verbose: bool = True,
          overwrite: bool = False) -> dict[str, Any]:
    """Train the Siamese network as ``config`` says; write the checkpoint, metrics.json,
    the learning curves and the two figures; return the results."""
    config = _settings(config)
    seed, batch = int(config["seed"]), int(config["batch_size"])

    def loaders(model, train_set, val_set):
        if config["miner"] != "offline":
            return seeded_loaders(train_set, val_set, batch, seed)
        return (OfflineTriplets(train_set, model, batch, config["margin"], seed),
                OfflineTriplets(val_set, model, batch, config["margin"], seed + 1)
                if len(val_set) else None)

    miner = "in-order" if config["miner"] == "offline" else config["miner"]
    loss_fn = MetricLoss(config["loss"], miner, config["margin"], seed)
    model, task, _, val_set, results = fit_task(
        config, loss_fn, loaders, None, (EMBEDDINGS, RETRIEVAL), progress, verbose, overwrite)
    results["task"] = "siamese"
    if len(val_set) > 1:
        results["val"] = _recalls(*_embed(model, val_set))
    emb, labels = _embed(model, task.test)
    results["test"] = _recalls(emb, labels)
    from .figures import embedding_plot, retrieval_plot
    out = config["out"]
    title = f"{config['model']} ({config['loss']}, miner {config['miner']})"
    embedding_plot(emb, labels, task.class_names, os.path.join(out, EMBEDDINGS),
                   title=f"{title}: test embeddings")
    x_test = batch_of(task.test, np.arange(len(task.test)))[0].numpy()
    retrieval_plot(x_test, emb, labels, task.class_names, os.path.join(out, RETRIEVAL),
                   title=f"{title}: queries and their nearest test images")
    results["figures"] = [EMBEDDINGS, RETRIEVAL]
    return write_results(results)


def evaluate(ckpt: dict, config: dict[str, Any], path: str, data_root=None) -> dict[str, Any]:
    """Recall@1/@5 of a ``xarxa train --model siamese`` checkpoint on its test set."""
    from .run import restore
    task, model = restore(ckpt, config, path, data_root)
    return {"config": config, "epochs_completed": int(ckpt["epoch"]), "task": "siamese",
            "class_names": task.class_names, "test": _recalls(*_embed(model, task.test))}


def report(results: dict[str, Any]) -> str:
    """Recall@k per split, and the figures written."""
    splits = [s for s in ("val", "test") if results.get(s)]
    keys = list(results["test"]) if results.get("test") else []
    lines = [f"{'':<12}" + "".join(f"{s:>12}" for s in splits)]
    lines += [f"{k:<12}" + "".join(f"{results[s].get(k, float('nan')):>12.4f}"
                                   for s in splits) for k in keys]
    lines.append("(each image queried against the rest of its split)")
    if results.get("figures"):
        lines.append(f"figures: {', '.join(results['figures'])}")
    return "\n".join(lines)
