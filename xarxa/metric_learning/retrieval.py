"""Retrieval metrics for embeddings: Recall@k."""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .distances import _DIRECT_LIMIT, check_metric, distance_matrix

_BLOCK = 1024   # queries per distance block: 1024 × N distances at a time, not N × N


def _array(x, dtype_kinds: str, op: str, name: str) -> np.ndarray:
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in dtype_kinds:
        raise TypeError(f"{op}: {name} has dtype {a.dtype}")
    return a


def recall_at_k(embeddings, labels, k: int | Sequence[int] = 1, query=None,
                query_labels=None, metric: str = "euclidean"):
    """Recall@k: the fraction of queries with at least one item of their class among their
    k nearest neighbours in the gallery.

    Without `query`, every gallery item is a query against the others (leave-one-out:
    an item never retrieves itself). Queries whose class has no other item in the gallery
    cannot be answered and are left out. Ties in distance go to the lower gallery index.

    Shape:
        embeddings: (N, D) gallery; labels: (N,). query: (Q, D); query_labels: (Q,).
    Returns:
        a float for an int `k`, or a dict {k: recall} for a sequence of k.

    Example:
        >>> recall_at_k([[0.0], [0.1], [5.0], [5.2]], [0, 0, 1, 1], k=1)   # 1.0
    """
    op = "recall_at_k"
    check_metric(metric, op)
    ks = [k] if isinstance(k, numbers.Integral) else list(k)
    gallery = embeddings if isinstance(embeddings, Tensor) else Tensor(np.asarray(embeddings))
    g_labels = _array(labels, "iub", op, "labels")
    if gallery.ndim != 2 or g_labels.shape != gallery.shape[:1]:
        raise ValueError(f"{op}: embeddings must be (N, D) with labels (N,), got "
                         f"{gallery.shape} and {g_labels.shape}")
    leave_one_out = query is None
    if leave_one_out:
        q, q_labels = gallery, g_labels
    else:
        q = query if isinstance(query, Tensor) else Tensor(np.asarray(query))
        if query_labels is None:
            raise ValueError(f"{op}: query_labels are needed with query")
        q_labels = _array(query_labels, "iub", op, "query_labels")
        if q.ndim != 2 or q_labels.shape != q.shape[:1]:
            raise ValueError(f"{op}: query must be (Q, D) with query_labels (Q,), got "
                             f"{q.shape} and {q_labels.shape}")
    available = gallery.shape[0] - (1 if leave_one_out else 0)
    bad = [i for i in ks if isinstance(i, bool) or not isinstance(i, numbers.Integral)
           or not 1 <= i <= available]
    if bad:
        raise ValueError(f"{op}: k must be an integer in [1, {available}], got {bad[0]!r}")
    hits, answerable = [], []
    for rows in _blocks(q.shape[0], gallery.shape[0] * gallery.shape[1]):
        with no_grad():
            d = distance_matrix(q[rows.start:rows.stop].detach(), gallery.detach(),
                                metric=metric).numpy().copy()
        relevant = q_labels[rows, None] == g_labels[None, :]
        if leave_one_out:               # an item never retrieves itself
            own = np.arange(d.shape[0])
            d[own, own + rows.start] = np.inf
            relevant[own, own + rows.start] = False
        answerable.append(relevant.any(axis=1))
        hits.append(_hits(d, relevant, ks))
    answerable = np.concatenate(answerable)
    if not answerable.any():
        raise ValueError(f"{op}: no query has a relevant item in the gallery")
    hits = np.concatenate(hits)[answerable]
    result = {i: float(hits[:, j].mean()) for j, i in enumerate(ks)}
    return result[ks[0]] if isinstance(k, numbers.Integral) else result


def _blocks(n_queries: int, gallery_size: int) -> list[slice]:
    """Query rows in blocks of at least _BLOCK rows, so that distances take O(_BLOCK·N)
    memory. A block is also never so small that ``distance_matrix`` would switch from its
    GEMM form to explicit differences where the whole matrix would not: each distance is
    computed as it would be in one Q × N matrix, so results do not depend on blocking."""
    rows = max(_BLOCK, _DIRECT_LIMIT // max(gallery_size, 1) + 1)
    edges = np.linspace(0, n_queries, max(1, n_queries // rows) + 1).astype(np.int64)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _hits(d: np.ndarray, relevant: np.ndarray, ks: list[int]) -> np.ndarray:
    """hits[q, j]: whether the ks[j] nearest gallery items of query q (distance ascending,
    ties to the lower gallery index, NaN last, as a stable argsort orders them) hold a
    relevant one. Found without sorting: for the k-th smallest distance t, the k nearest are
    those closer than t and the first (by index) of those at t (np.partition: O(N) a row)."""
    part = np.partition(d, [k - 1 for k in ks], axis=1)
    is_nan = np.isnan(d)
    out = np.empty((len(d), len(ks)), dtype=bool)
    for j, k in enumerate(ks):
        t = part[:, k - 1:k]
        t_nan = np.isnan(t)
        closer = (d < t) | (t_nan & ~is_nan)               # NaN sorts after every number
        tied = (d == t) | (t_nan & is_nan)
        room = k - closer.sum(axis=1)                       # ≥ 1 places left for ties at t
        hit = (relevant & closer).any(axis=1)
        rel_tied = relevant & tied
        few = tied.sum(axis=1) <= room                      # every tie fits: no index order
        hit |= few & rel_tied.any(axis=1)
        many = np.flatnonzero(~few & ~hit)                  # the first `room` ties by index
        if many.size:
            first = np.cumsum(tied[many], axis=1) <= room[many, None]
            hit[many] = (rel_tied[many] & first).any(axis=1)
        out[:, j] = hit
    return out
