"""`DistributedDataParallel`: one model replica per rank, gradients averaged after backward.

Each rank runs the same model on its own share of every batch (``DistributedSampler``).
At construction rank 0's parameters and buffers are broadcast, so that every replica starts
identical; after each ``backward()`` the gradients are averaged over the ranks, so that
every optimizer step is the same on every rank and the replicas stay identical. Two ranks
with batch 32 thus take the steps one process takes with batch 64 (up to float32 summation
order). The training loop does not change::

    ddp = DistributedDataParallel(model)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in loader:
        opt.zero_grad(); F.cross_entropy(ddp(x), y).backward(); opt.step()

How the averaging is triggered without touching the autograd engine: each forward adds a
zero to its output(s) that comes from a node (`_GradientSync`) created *before* the
wrapped model runs. The engine walks the graph in reverse creation order (``engine.py``:
nodes sorted by ``seq``, newest first), so this node's backward runs after every node of
the model, when every parameter's gradient is complete: that is where the gradients are
packed into a few large buffers (buckets, ``bucket_cap_mb``) and averaged with one
``Allreduce`` each. A second forward before backward (a Siamese pair) chains its node to
the first one's, so that the averaging happens once, after both passes. The extra cost is
one scalar add on the output.

Overlapping the Allreduce with the rest of the backward pass (as PyTorch does) does not pay
here: on a shared-memory machine the collective competes with backward for the same
cores, and MPI progresses a non-blocking collective only inside MPI calls; the measured
share of the Allreduce in a step is in ``benchmarks/RESULTS.md``.

BatchNorm keeps per-rank statistics by default: each rank normalises with its own batch's
mean and variance, and the running statistics of the replicas drift apart (the checkpoint
saves rank 0's). ``broadcast_buffers=True`` copies rank 0's buffers to every rank at each
forward, as PyTorch's default does.
"""
from __future__ import annotations

import contextlib
import weakref

import numpy as np

from .. import distributed as dist
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.version import bump_version
from ..distributed.collectives import all_gather_bytes
from ..tensor import Tensor
from .module import Module

__all__ = ["DistributedDataParallel"]


class _GradientSync(Function):
    """Zero on the forward pass; on the backward pass, average the gradients of ``ddp``.

    Input 0 is a scalar leaf (it only makes the node part of the graph); input 1, when
    present, is the output of the previous forward's node, still waiting for its backward:
    that older node runs later in the same backward pass, and averages for both.
    """

    done = False  # set once its backward has run

    def forward(ctx, anchor, *previous, ddp=None):
        return ctx.xp.zeros((), dtype=anchor.dtype)

    def backward(ctx, grad):
        ctx.done = True  # a later forward must not chain to a node that has run
        if len(ctx.inputs) == 2:
            return None, grad  # the older node (reached through this input) averages
        ctx.attrs["ddp"]._average_gradients()
        return (None,)


class _Bucket:
    """Parameters of one dtype whose gradients travel in one buffer (one Allreduce)."""

    def __init__(self, params: list, dtype, extra: int = 0):
        self.params = params
        self.slices, offset = [], 0
        for p in params:
            self.slices.append(slice(offset, offset + p._data.size))
            offset += p._data.size
        self.flags = slice(offset, offset + extra)  # "has a gradient" flags (bucket 0)
        self.buffer = np.empty(offset + extra, dtype=dtype)


def _buckets(params: list, cap_bytes: float) -> list[_Bucket]:
    """Greedy buckets of at most ``cap_bytes`` (a larger parameter gets its own), per dtype,
    in reverse registration order (the order backward finishes the gradients); bucket 0
    also carries one flag per parameter."""
    groups: list[tuple[np.dtype, list]] = []
    size = 0.0
    for p in reversed(params):
        nbytes = p._data.nbytes
        if not groups or groups[-1][0] != p.dtype or size + nbytes > cap_bytes:
            groups.append((p.dtype, []))
            size = 0.0
        groups[-1][1].append(p)
        size += nbytes
    return [_Bucket(ps, dtype, len(params) if i == 0 else 0)
            for i, (dtype, ps) in enumerate(groups)]


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` over the ranks of the MPI world.

    Args:
        module: the model (every rank builds the same architecture; rank 0's weights win).
        broadcast_buffers: copy rank 0's buffers (BatchNorm running statistics) to every
            rank at each training forward. Default False: per-rank statistics (see the
            module docstring; PyTorch's default is True).
        bucket_cap_mb: the largest gradient message, in MiB (PyTorch's default, 25).

    ``ddp.module`` is the wrapped model; ``ddp.state_dict()`` is the model's own (no
    ``module.`` prefix), so checkpoints load into a plain model. The process group is
    initialised if it is not yet (a world of one process without ``mpiexec``). A model
    whose parameter names, shapes or dtypes differ between ranks is a ValueError, on
    every rank, naming the first parameter that differs.

    Example:
        >>> ddp = DistributedDataParallel(model)
        >>> with ddp.no_sync():                  # accumulate without communicating
        ...     F.mse_loss(ddp(x1), y1).backward()
        >>> F.mse_loss(ddp(x2), y2).backward()   # averages the accumulated gradients
    """

    def __init__(self, module: Module, broadcast_buffers: bool = False,
                 bucket_cap_mb: float = 25.0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got "
                            f"{type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got "
                             f"{bucket_cap_mb!r}")
        dist.init_process_group()
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self._check_same_model()
        self._broadcast_state(module.parameters())
        self._broadcast_state(module.buffers())
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._buckets = _buckets(self._params, bucket_cap_mb * 2**20)
        self._anchors: dict = {}  # dtype -> the scalar leaf every sync node hangs from
        self._last_sync = None  # weakref to the latest sync node's output

    # -- forward -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self.training and self.world_size > 1:
            self._broadcast_state(self.module.buffers())
        sync = self.require_backward_grad_sync and is_grad_enabled() and self._params
        z = self._sync_node(self._params[0].dtype) if sync else None  # before the model
        out = self.module(*args, **kwargs)
        return out if z is None else _add_to_outputs(out, z)

    def loss(self, *args, **kwargs):
        """The wrapped model's own ``loss(x, y)`` (the perceptron's criterion), averaged
        across ranks on backward like the forward's output."""
        if not hasattr(self.module, "loss"):
            raise TypeError(f"DistributedDataParallel: {type(self.module).__name__} has no "
                            "loss(x, y) method")
        sync = self.require_backward_grad_sync and is_grad_enabled() and self._params
        z = self._sync_node(self._params[0].dtype) if sync else None
        out = self.module.loss(*args, **kwargs)
        return out if z is None else _add_to_outputs(out, z)

    def _sync_node(self, dtype) -> Tensor:
        anchor = self._anchors.get(dtype)
        if anchor is None:
            anchor = self._anchors[dtype] = Tensor(np.zeros((), dtype=dtype),
                                                   requires_grad=True)
        previous = self._last_sync() if self._last_sync is not None else None
        if previous is not None and not previous._ctx.freed and not previous._ctx.done:
            z = _GradientSync.apply(anchor, previous, ddp=self)
        else:
            z = _GradientSync.apply(anchor, ddp=self)
        self._last_sync = weakref.ref(z)
        return z

    @contextlib.contextmanager
    def no_sync(self):
        """Forwards inside this block skip the gradient averaging of their backward:
        gradients accumulate locally, and the first backward of a forward outside the
        block averages everything accumulated (PyTorch's gradient accumulation)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # -- the averaging -------------------------------------------------------------------
    def _average_gradients(self) -> None:
        """Average every parameter's gradient over the ranks, one Allreduce per bucket.

        A parameter without a gradient counts as zeros; it gets the average if any rank
        had a gradient for it and stays None if none had (as in a single process)."""
        if self.world_size == 1:
            return
        for i, bucket in enumerate(self._buckets):
            buf = bucket.buffer
            for p, s in zip(bucket.params, bucket.slices):
                if p._grad is None:
                    buf[s] = 0
                else:
                    buf[s] = p._grad._data.reshape(-1)
            if i == 0:
                buf[bucket.flags] = [p._grad is not None for p in self._params]
            dist.all_reduce(buf, "sum")
        flags = self._buckets[0].buffer[self._buckets[0].flags]
        had = {id(p) for p, f in zip(self._params, flags) if f > 0}
        for bucket in self._buckets:
            for p, s in zip(bucket.params, bucket.slices):
                if id(p) not in had:
                    continue
                mean = bucket.buffer[s].reshape(p.shape)
                if p._grad is None:
                    p._grad = Tensor(mean / self.world_size)
                else:
                    np.divide(mean, self.world_size, out=p._grad._data)
                    bump_version(p._grad)

    # -- construction --------------------------------------------------------------------
    def _check_same_model(self) -> None:
        """Every rank compares every rank's list of (name, shape, dtype): all raise alike."""
        def lines(named):
            return [f"{kind} {name!r} of shape {tuple(t.shape)} and dtype {t.dtype}"
                    for kind, (name, t) in named]
        mine = lines([("parameter", nt) for nt in self.module.named_parameters()]
                     + [("buffer", nt) for nt in self.module.named_buffers()])
        ranks = [b.decode().split("\n") if b else []
                 for b in all_gather_bytes("\n".join(mine).encode())]
        for r, theirs in enumerate(ranks[1:], start=1):
            for i in range(max(len(ranks[0]), len(theirs))):
                a = ranks[0][i] if i < len(ranks[0]) else "nothing"
                b = theirs[i] if i < len(theirs) else "nothing"
                if a != b:
                    raise ValueError(
                        f"DistributedDataParallel: the model differs between ranks: entry "
                        f"{i} is {a} on rank 0 but {b} on rank {r}; every rank must build "
                        "the same model")

    def _broadcast_state(self, tensors) -> None:
        """Rank 0's values into every rank's tensors, in place."""
        if self.world_size == 1:
            return
        for t in tensors:
            dist.broadcast(t, src=0)

    # -- the wrapped model's state -------------------------------------------------------
    def state_dict(self):
        """The wrapped model's ``state_dict`` (no ``module.`` prefix)."""
        return self.module.state_dict()

    def load_state_dict(self, state_dict, strict: bool = True):
        return self.module.load_state_dict(state_dict, strict=strict)

    def extra_repr(self) -> str:
        return f"rank {self.rank} of {self.world_size}"


def _add_to_outputs(out, z: Tensor):
    """``out + z`` for each floating output that requires a gradient (z is zero)."""
    if isinstance(out, Tensor):
        if not (out.requires_grad and out.dtype.kind == "f"):
            return out
        return out + (z if z.dtype == out.dtype else z.to(out.dtype))
    if isinstance(out, (tuple, list)):
        return type(out)(_add_to_outputs(o, z) for o in out)
    if isinstance(out, dict):
        return {k: _add_to_outputs(v, z) for k, v in out.items()}
    return out
