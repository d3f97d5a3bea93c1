"""Collectives on Tensors and NumPy arrays, in place, as ``torch.distributed`` names them.

Every rank must call the same collectives in the same order with arrays of the same shape
and dtype. In a world of one process each is a no-op (``all_reduce`` with ``"mean"``
leaves the values as they are).

Each is MPI's non-blocking form, waited for by ``group.complete``: the wait also watches
for a rank that left the job, which a blocking call would wait for forever.
"""
from __future__ import annotations

import numpy as np

from ..autograd.version import bump_version
from ..tensor import Tensor
from .group import complete, mpi, world

__all__ = ["ReduceOp", "all_reduce", "broadcast", "all_gather"]


class ReduceOp:
    """Reduction names accepted by ``all_reduce`` (the strings work too)."""
    SUM = "sum"
    MEAN = "mean"
    AVG = "mean"  # PyTorch's name for the mean
    MAX = "max"
    MIN = "min"


_OPS = {"sum": "SUM", "mean": "SUM", "avg": "SUM", "max": "MAX", "min": "MIN"}


def _array(x, fn: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{fn}: expected a Tensor or a NumPy array (changed in place), got "
                    f"{type(x).__name__}")


def _contiguous(a: np.ndarray, fn: str) -> np.ndarray:
    if not a.flags.writeable:
        raise ValueError(f"{fn}: the array is read-only; pass a writable copy")
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _done(x, a: np.ndarray, work: np.ndarray):
    """Copy the result back if MPI worked on a contiguous copy; record the write."""
    if work is not a:
        a[...] = work
    if isinstance(x, Tensor):
        bump_version(x)
    return x


def all_reduce(tensor, op: str = "sum"):
    """Reduce ``tensor`` over all ranks, in place: ``"sum"``, ``"mean"``, ``"max"``, ``"min"``.

    Returns ``tensor`` (a Tensor or an ndarray, now holding the same values on every rank).

    Example:
        >>> loss_sum = np.array([3.5, 64.0])       # this rank's loss sum and sample count
        >>> dist.all_reduce(loss_sum, "sum")       # totals over every rank
    """
    key = op.lower() if isinstance(op, str) else op
    if key not in _OPS:
        raise ValueError(f"all_reduce: op must be one of 'sum', 'mean', 'max', 'min', got "
                         f"{op!r}")
    a = _array(tensor, "all_reduce")
    mean = key in ("mean", "avg")
    if mean and a.dtype.kind not in "fc":
        raise TypeError(f"all_reduce: the mean needs a floating array, got dtype {a.dtype}; "
                        "reduce with 'sum' and divide")
    w = world()
    if w.size == 1:
        return tensor
    work = _contiguous(a, "all_reduce")
    MPI = mpi()  # noqa: N806
    complete(w.comm.Iallreduce(MPI.IN_PLACE, work, op=getattr(MPI, _OPS[key])), "all_reduce")
    if mean:
        work /= w.size
    return _done(tensor, a, work)


def broadcast(tensor, src: int = 0):
    """Overwrite ``tensor`` on every rank with rank ``src``'s values, in place."""
    a = _array(tensor, "broadcast")
    w = world()
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) \
            or not 0 <= src < w.size:
        raise ValueError(f"broadcast: src must be a rank in [0, {w.size - 1}], got {src!r}")
    if w.size == 1:
        return tensor
    work = _contiguous(a, "broadcast")
    complete(w.comm.Ibcast(work, root=int(src)), "broadcast")
    return _done(tensor, a, work)


def all_gather(tensor_list: list, tensor) -> list:
    """Fill ``tensor_list`` with every rank's ``tensor``, in rank order (PyTorch's signature).

    ``tensor_list`` is either empty (new Tensors, or arrays for an array input, are
    appended) or holds one Tensor/array per rank of ``tensor``'s shape, written in place.
    Every rank's ``tensor`` must have the same shape and dtype (checked: a mismatch is a
    ValueError on every rank naming the shapes). Returns ``tensor_list``.
    """
    a = _array(tensor, "all_gather")
    w = world()
    if not isinstance(tensor_list, list):
        raise TypeError(f"all_gather: tensor_list must be a list, got "
                        f"{type(tensor_list).__name__}")
    if tensor_list and len(tensor_list) != w.size:
        raise ValueError(f"all_gather: tensor_list must be empty or hold one entry per rank "
                         f"({w.size}), got {len(tensor_list)}")
    if w.size == 1:
        gathered = a[None].copy()
    else:
        _check_same_signature(a, w)
        gathered = np.empty((w.size, *a.shape), dtype=a.dtype)
        mine = np.ascontiguousarray(a)  # held until the non-blocking call completes
        complete(w.comm.Iallgather(mine, gathered), "all_gather")
    if not tensor_list:
        wrap = Tensor if isinstance(tensor, Tensor) else (lambda x: x)
        tensor_list.extend(wrap(g) for g in gathered)
        return tensor_list
    for i, (target, values) in enumerate(zip(tensor_list, gathered)):
        out = _array(target, "all_gather")
        if out.shape != values.shape:
            raise ValueError(f"all_gather: tensor_list[{i}] has shape {out.shape}, expected "
                             f"{values.shape}")
        out[...] = values
        if isinstance(target, Tensor):
            bump_version(target)
    return tensor_list


def _check_same_signature(a: np.ndarray, w) -> None:
    """Every rank's (dtype, shape), compared on every rank (so that all raise together)."""
    mine = f"{a.dtype.str} {a.shape}".encode()
    signatures = all_gather_bytes(mine)
    if any(s != signatures[0] for s in signatures):
        shown = ", ".join(f"rank {r}: {s.decode()}" for r, s in enumerate(signatures))
        raise ValueError(f"all_gather: every rank must pass the same shape and dtype, got "
                         f"{shown}")


def all_gather_bytes(data: bytes) -> list[bytes]:
    """Every rank's ``data`` (of any length), in rank order, through buffer-based MPI calls
    (``Allgather`` of the lengths, then ``Allgatherv``): never pickle."""
    w = world()
    if w.size == 1:
        return [bytes(data)]
    lengths = np.empty(w.size, dtype=np.int64)
    length = np.array([len(data)], dtype=np.int64)  # held until the call completes
    complete(w.comm.Iallgather(length, lengths), "all_gather")
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    mine = np.frombuffer(data, dtype=np.uint8).copy()
    complete(w.comm.Iallgatherv(mine, [out, lengths.tolist(), offsets.tolist(), mpi().BYTE]),
             "all_gather")
    return [out[o:o + n].tobytes() for o, n in zip(offsets, lengths)]
