"""Triplet mining (§1.3.8): which (anchor, positive, negative) triplets to train on.

Random triplets are mostly easy (loss 0) once training is under way, so:

* `all_triplets`: every valid triplet of a batch (grows as N³);
* `offline_mining`: over a whole embedded training set, keep the triplets of the chosen
  types (hard / semi-hard / easy);
* `batch_hard`: online, for each anchor the hardest positive (furthest) and the hardest
  negative (closest) in the batch: one triplet per anchor, N·K for K classes of N;
* `batch_semi_hard`: online, for each anchor-positive pair the closest negative that is
  still further than the positive (a semi-hard one); pairs without one are skipped.

Mining selects indices only (no gradient): index the embeddings with them and apply
`triplet_loss`, so that the gradient flows through the selected rows.

Example:
    >>> a, p, n = batch_hard(emb, labels)
    >>> loss = triplet_loss(emb[a], emb[p], emb[n], margin=0.2)
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.losses._common import check_margin
from ..tensor import Tensor
from .distances import check_metric, distance_matrix
from .losses import TRIPLET_TYPES, triplet_types

Triplets = namedtuple("Triplets", ["anchor", "positive", "negative"])


def _labels(labels, n: int | None, op: str) -> np.ndarray:
    t = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
    if t.ndim != 1 or t.dtype.kind not in "iub":
        raise ValueError(f"{op}: labels must be a 1-D array of integer class labels, got "
                         f"shape {t.shape} and dtype {t.dtype}")
    if n is not None and t.shape[0] != n:
        raise ValueError(f"{op}: {n} embeddings but {t.shape[0]} labels")
    return t


def _as_triplets(a, p, n) -> Triplets:
    return Triplets(*(Tensor(np.asarray(i, dtype=np.int64)) for i in (a, p, n)))


def _distances(embeddings, metric: str, squared: bool, op: str) -> np.ndarray:
    """The (N, N) distance matrix the loss will see (squared when `squared`), as an array."""
    check_metric(metric, op)
    emb = embeddings if isinstance(embeddings, Tensor) else Tensor(np.asarray(embeddings))
    if emb.ndim != 2:
        raise ValueError(f"{op}: embeddings must have shape (N, D), got {emb.shape}")
    with no_grad():
        if squared and metric == "euclidean":
            return distance_matrix(emb.detach(), metric="sqeuclidean").numpy()
        d = distance_matrix(emb.detach(), metric=metric).numpy()
    return d * d if squared else d


def _masks(t: np.ndarray):
    same = t[:, None] == t[None, :]
    positive = same & ~np.eye(t.size, dtype=bool)
    return positive, ~same


def all_triplets(labels) -> Triplets:
    """Every (a, p, n) with label[a] = label[p], a ≠ p and label[n] ≠ label[a],
    in lexicographic order."""
    t = _labels(labels, None, "all_triplets")
    positive, negative = _masks(t)
    a, p, n = np.nonzero(positive[:, :, None] & negative[:, None, :])
    return _as_triplets(a, p, n)


def _types(types, op: str) -> list[int]:
    types = [types] if isinstance(types, str) else list(types)
    bad = [k for k in types if k not in TRIPLET_TYPES]
    if bad or not types:
        raise ValueError(f"{op}: types must be among {list(TRIPLET_TYPES)}, got {types}")
    return [TRIPLET_TYPES[k] for k in types]


def offline_mining(embeddings, labels, margin: float = 1.0, types=("semi-hard", "hard"),
                   metric: str = "euclidean", squared: bool = True) -> Triplets:
    """The triplets of the given `types` over a whole embedded set (offline strategy).

    Memory is O(N²) (one anchor at a time), time O(N³) in the worst case: embed the
    training set with `embed` first, then mine every few epochs.

    Shape: embeddings (N, D); labels (N,). Returns Triplets of index tensors.
    """
    op = "offline_mining"
    m = check_margin(margin, op)
    keep = _types(types, op)
    d = _distances(embeddings, metric, squared, op)
    t = _labels(labels, d.shape[0], op)
    positive, negative = _masks(t)
    out = ([], [], [])
    for a in range(t.size):
        p_idx, n_idx = np.nonzero(positive[a])[0], np.nonzero(negative[a])[0]
        kinds = triplet_types(d[a, p_idx][:, None], d[a, n_idx][None, :], m)
        i, j = np.nonzero(np.isin(kinds, keep))
        out[0].append(np.full(i.size, a))
        out[1].append(p_idx[i])
        out[2].append(n_idx[j])
    return _as_triplets(*(np.concatenate(o) if o else np.zeros(0, np.int64) for o in out))


def batch_hard(embeddings, labels, metric: str = "euclidean",
               squared: bool = True) -> Triplets:
    """For each anchor, its furthest positive and closest negative in the batch (online
    batch-hard mining). Anchors without a positive or a negative are skipped; ties go to
    the lower index."""
    op = "batch_hard"
    d = _distances(embeddings, metric, squared, op)
    t = _labels(labels, d.shape[0], op)
    positive, negative = _masks(t)
    anchors = np.nonzero(positive.any(axis=1) & negative.any(axis=1))[0]
    hardest_p = np.where(positive, d, -np.inf)[anchors].argmax(axis=1)
    hardest_n = np.where(negative, d, np.inf)[anchors].argmin(axis=1)
    return _as_triplets(anchors, hardest_p, hardest_n)


def batch_semi_hard(embeddings, labels, margin: float = 1.0, metric: str = "euclidean",
                    squared: bool = True) -> Triplets:
    """For each anchor-positive pair, the closest semi-hard negative
    (d_ap < d_an < d_ap + m) of the batch; pairs without one are skipped."""
    op = "batch_semi_hard"
    m = check_margin(margin, op)
    d = _distances(embeddings, metric, squared, op)
    t = _labels(labels, d.shape[0], op)
    positive, negative = _masks(t)
    a, p = np.nonzero(positive)
    d_ap = d[a, p][:, None]
    d_an = d[a]                                          # (pairs, N)
    semi = negative[a] & (triplet_types(d_ap, d_an, m) == TRIPLET_TYPES["semi-hard"])
    found = semi.any(axis=1)
    n = np.where(semi, d_an, np.inf).argmin(axis=1)
    return _as_triplets(a[found], p[found], n[found])


def embed(model, inputs, batch_size: int = 256) -> Tensor:
    """Run `model` over `inputs` in batches without recording a graph (for offline mining
    and retrieval)."""
    data = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
    if data.ndim == 0 or data.shape[0] == 0:
        raise ValueError(f"embed: expected a non-empty batch of inputs, got shape {data.shape}")
    with no_grad():
        parts = [model(data[i:i + batch_size]).numpy()
                 for i in range(0, data.shape[0], batch_size)]
    return Tensor(np.concatenate(parts))


class TripletMiner:
    """A mining strategy as a callable: `miner(embeddings, labels) -> Triplets`.

    strategy: 'batch-hard', 'batch-semi-hard', 'all', or 'offline' (with `types`).
    """

    STRATEGIES = ("batch-hard", "batch-semi-hard", "all", "offline")

    def __init__(self, strategy: str = "batch-hard", margin: float = 1.0,
                 metric: str = "euclidean", squared: bool = True,
                 types=("semi-hard", "hard")) -> None:
        if strategy not in self.STRATEGIES:
            raise ValueError(f"TripletMiner: strategy must be one of {self.STRATEGIES}, got "
                             f"{strategy!r}")
        check_metric(metric, "TripletMiner")
        self.strategy, self.metric, self.squared = strategy, metric, squared
        self.margin = check_margin(margin, "TripletMiner")
        _types(types, "TripletMiner")
        self.types = types

    def __call__(self, embeddings, labels) -> Triplets:
        kw = dict(metric=self.metric, squared=self.squared)
        if self.strategy == "batch-hard":
            return batch_hard(embeddings, labels, **kw)
        if self.strategy == "batch-semi-hard":
            return batch_semi_hard(embeddings, labels, self.margin, **kw)
        if self.strategy == "all":
            return all_triplets(labels)
        return offline_mining(embeddings, labels, self.margin, self.types, **kw)

    def __repr__(self) -> str:
        return (f"TripletMiner(strategy={self.strategy!r}, margin={self.margin}, "
                f"metric={self.metric!r}, squared={self.squared})")
