"""Distances between embeddings: all pairs (a matrix) or row by row, differentiable.

Metrics: 'euclidean' ‖x − y‖₂, 'sqeuclidean' ‖x − y‖₂², 'l1' ‖x − y‖₁ and 'cosine'
1 − cos(x, y). The Euclidean distance is √ of the squared one with a zero gradient at
distance 0 (the one point where √ has none), so that identical embeddings, such as an
anchor against itself, never produce NaN.
"""
from __future__ import annotations

import numpy as np

from ..autograd.ops import abs as _abs
from ..autograd.ops import sqrt, where
from ..tensor import Tensor

METRICS = ("euclidean", "sqeuclidean", "l1", "cosine")

# Above this many elements in the (N, M, D) difference tensor, squared Euclidean distances
# use ‖x‖² + ‖y‖² − 2·x·yᵀ (one GEMM, O(N·M) memory) instead of explicit differences.
_DIRECT_LIMIT = 1 << 20


def _check(x, op: str, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x))
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating tensor, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{op}: {name} must have shape (N, D), got {x.shape}")
    return x


def check_metric(metric: str, op: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"{op}: metric must be one of {', '.join(map(repr, METRICS))}, "
                         f"got {metric!r}")


def safe_sqrt(sq: Tensor) -> Tensor:
    """√sq with gradient 0 (not ∞·0 = NaN) where sq = 0."""
    positive = (sq > 0)._data
    return where(positive, sqrt(where(positive, sq, 1.0)), 0.0)


def _unit_rows(x: Tensor, eps: float) -> Tensor:
    return x / safe_sqrt((x * x).sum(dim=-1, keepdim=True)).clamp(min=eps)


def distance_matrix(x, y=None, metric: str = "euclidean", eps: float = 1e-8) -> Tensor:
    """D[i, j] = d(x_i, y_j) for every pair of rows (y defaults to x).

    Shape:
        x: (N, D), y: (M, D); output (N, M).

    Example:
        >>> distance_matrix(xa.tensor([[0.0, 0.0], [3.0, 4.0]]))   # [[0, 5], [5, 0]]
    """
    op = "distance_matrix"
    check_metric(metric, op)
    same = y is None
    x = _check(x, op, "x")
    y = x if same else _check(y, op, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"{op}: x and y must have the same feature size, got {x.shape} and "
                         f"{y.shape}")
    if metric == "cosine":
        return 1.0 - _unit_rows(x, eps) @ _unit_rows(y, eps).T
    if metric == "l1":
        return _abs(x.unsqueeze(1) - y.unsqueeze(0)).sum(dim=-1)
    if x.shape[0] * y.shape[0] * x.shape[1] <= _DIRECT_LIMIT:
        diff = x.unsqueeze(1) - y.unsqueeze(0)
        sq = (diff * diff).sum(dim=-1)
    else:
        sq = ((x * x).sum(dim=1, keepdim=True) + (y * y).sum(dim=1).reshape(1, -1)
              - 2.0 * (x @ y.T)).clamp(min=0.0)          # round-off can dip below 0
        if same:                                          # d(x_i, x_i) = 0 exactly
            sq = sq * (1.0 - np.eye(x.shape[0], dtype=x.dtype))
    return sq if metric == "sqeuclidean" else safe_sqrt(sq)


def paired_distance(x, y, metric: str = "euclidean", eps: float = 1e-8) -> Tensor:
    """d(x_i, y_i) row by row (PyTorch's `pairwise_distance` with ε = 0, for p = 2 / 1).

    Shape:
        x, y: (N, D) or (D,); output (N,) or ().
    """
    op = "paired_distance"
    check_metric(metric, op)
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    y = y if isinstance(y, Tensor) else Tensor(np.asarray(y))
    if x.shape != y.shape or x.ndim not in (1, 2):
        raise ValueError(f"{op}: x and y must share a shape (N, D) or (D,), got {x.shape} "
                         f"and {y.shape}")
    if x.dtype.kind != "f" or y.dtype.kind != "f":
        raise TypeError(f"{op}: x and y must be floating, got {x.dtype} and {y.dtype}")
    if metric == "cosine":
        return 1.0 - (_unit_rows(x, eps) * _unit_rows(y, eps)).sum(dim=-1)
    diff = x - y
    if metric == "l1":
        return _abs(diff).sum(dim=-1)
    sq = (diff * diff).sum(dim=-1)
    return sq if metric == "sqeuclidean" else safe_sqrt(sq)


def squared_and_plain(x, y, metric: str) -> tuple[Tensor, Tensor]:
    """(d², d) row by row; for 'euclidean' d² is computed directly (no √ then square)."""
    if metric == "euclidean":
        sq = paired_distance(x, y, "sqeuclidean")
        return sq, safe_sqrt(sq)
    d = paired_distance(x, y, metric)
    return d * d, d
