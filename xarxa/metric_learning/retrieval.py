"""Retrieval metrics for embeddings: Recall@k."""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

from ..autograd.function import no_grad
from ..tensor import Tensor
from .distances import check_metric, distance_matrix


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
    with no_grad():
        d = distance_matrix(q.detach(), gallery.detach(), metric=metric).numpy().copy()
    relevant = q_labels[:, None] == g_labels[None, :]
    if leave_one_out:
        np.fill_diagonal(d, np.inf)
        np.fill_diagonal(relevant, False)
    answerable = relevant.any(axis=1)
    if not answerable.any():
        raise ValueError(f"{op}: no query has a relevant item in the gallery")
    order = np.argsort(d, axis=1, kind="stable")[:, :max(ks)]
    hits = np.take_along_axis(relevant, order, axis=1)[answerable]
    result = {i: float(hits[:, :i].any(axis=1).mean()) for i in ks}
    return result[ks[0]] if isinstance(k, numbers.Integral) else result
