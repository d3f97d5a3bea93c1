"""Embedding lookup (PyTorch's `F.embedding`): row i of a weight table for each index i.

The forward is an indexing (a gather); its VJP scatters the output gradient back onto the
rows that were looked up, adding where a row was used several times. That scatter is linear
in the gradient with constant indices: a `linear_map` whose transpose is the lookup itself,
so the one backward also serves `create_graph=True`.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ..function import Function
from ._linear import linear_map
from ..grad_mode import no_grad
from ..version import bump_version
from ...tensor import Tensor


class Embedding(Function):
    def forward(ctx, weight, indices=None, padding_idx=None, scale_grad_by_freq=False):
        ctx.num_embeddings = weight.shape[0]
        return weight[indices]

    # dW[i] = Σ over the positions p where indices[p] = i of g[p]  (÷ the count of i with
    # scale_grad_by_freq); the padding row gets no gradient
    def backward(ctx, grad):
        a = ctx.attrs
        flat = a["indices"].reshape(-1)
        g = grad.reshape(flat.size, -1)
        n, pad = ctx.num_embeddings, a["padding_idx"]
        if a["scale_grad_by_freq"]:  # the counts are constants of the indices
            counts = backend.namespace(flat).bincount(flat, minlength=n)
            g = g / counts[flat][:, None].astype(g.dtype)
        return (linear_map(g, lambda r: _scatter_rows(r, flat, n, pad),
                           lambda d: _lookup_rows(d, flat, pad), "EmbeddingBackward"),)


def _scatter_rows(rows, flat, n, pad):
    """The (n, dim) table with row flat[p] += rows[p] for every p, the padding row zero."""
    xp = backend.namespace(rows)
    dw = xp.zeros((n, rows.shape[1]), dtype=rows.dtype)
    xp.add.at(dw, flat, rows)
    if pad is not None:
        dw[pad] = 0
    return dw


def _lookup_rows(d, flat, pad):
    """The transpose of `_scatter_rows`: the rows d[flat] (the forward's lookup), zero where
    the padding row is read."""
    rows = d[flat]
    if pad is not None:
        rows[flat == pad] = 0
    return rows


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up row `input[...]` of `weight` (num_embeddings, embedding_dim) for every index:
    the output has shape (*input.shape, embedding_dim).

    Args:
        padding_idx: this row gets no gradient (it stays what it is, zeros for nn.Embedding).
        max_norm: rows looked up whose `norm_type`-norm exceeds it are rescaled to it, in
            place, before the lookup (as PyTorch does).
        scale_grad_by_freq: divide each row's gradient by how often it occurs in `input`.

    Example:
        >>> w = xa.randn(10, 3, requires_grad=True)
        >>> xa.embedding(xa.tensor([[1, 2], [4, 1]]), w).shape
        (2, 2, 3)
    """
    op = "embedding"
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected Tensors for input and weight, got "
                        f"{type(input).__name__} and {type(weight).__name__}")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{op}: input must hold integer indices (int64 or int32), got dtype "
                        f"{input.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")
    if weight.dtype.kind != "f":
        raise TypeError(f"{op}: weight must be floating, got dtype {weight.dtype}")
    if sparse:
        raise NotImplementedError(f"{op}: sparse gradients are not supported; use "
                                  "sparse=False (the gradient is a dense array)")
    n = weight.shape[0]
    indices = input._data
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(f"{op}: index {int(bad)} is out of range for a table of {n} rows "
                         f"(expected 0 ≤ index < {n})")
    padding_idx = padding_index(padding_idx, n, op)
    if max_norm is not None:
        _renorm(weight, indices, float(max_norm), float(norm_type))
    return Embedding.apply(weight, indices=indices, padding_idx=padding_idx,
                           scale_grad_by_freq=bool(scale_grad_by_freq))


def padding_index(padding_idx: int | None, num_embeddings: int, op: str) -> int | None:
    """`padding_idx` checked against the table's rows and made non-negative (None stays None):
    the one check of it, made by `embedding` and by `nn.Embedding` when it is built."""
    if padding_idx is None:
        return None
    n = num_embeddings
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise TypeError(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -n <= padding_idx < n:
        raise ValueError(f"{op}: padding_idx must be within the {n} rows "
                         f"(-{n} ≤ padding_idx < {n}), got {padding_idx}")
    return int(padding_idx) % n


def _renorm(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the rows looked up whose norm exceeds max_norm (PyTorch's
    embedding_renorm_: by max_norm / (norm + 1e-7)); the write is recorded as such."""
    data = weight._data
    xp = np if type(data) is np.ndarray else backend.namespace(data)
    rows = xp.unique(indices)
    with no_grad():
        norms = (xp.abs(data[rows]) ** norm_type).sum(axis=1) ** (1 / norm_type)
        over = norms > max_norm
        if over.any():
            scale = (max_norm / (norms[over] + 1e-7)).astype(data.dtype)
            data[rows[over]] *= scale[:, None]
            bump_version(weight)
