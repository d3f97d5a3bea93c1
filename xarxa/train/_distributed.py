"""What ``fit`` and ``xarxa train`` do differently under ``mpiexec -n N`` (N > 1).

A run is data-parallel when its model is a ``DistributedDataParallel``: each rank trains
on its share of the data (a ``DistributedSampler``, whose epoch ``fit`` sets), and

* only rank 0 shows the progress bar, prints, and writes the checkpoint, metrics and
  plots; every rank still runs the callbacks, so their decisions stay the same;
* the epoch's numbers (loss, metrics, validation) are sample-weighted means over all
  ranks' samples (exact for the loss and accuracy), the same on every rank, so that
  early stopping and schedulers decide alike everywhere;
* a stop request (Ctrl-C, a callback) is shared after each batch, so that every rank ends
  at the same batch instead of waiting forever for one that stopped;
* BatchNorm keeps per-rank statistics: each rank normalises with its own batch, and the
  checkpoint holds rank 0's running statistics.

Without ``mpiexec``, or with a model that is not wrapped (each rank training its own model,
a hyper-parameter sweep), nothing here changes anything.
"""
from __future__ import annotations

import numpy as np

from .. import distributed as dist
from ..data import DataLoader, DistributedSampler, Subset
from ..nn.parallel import DistributedDataParallel

__all__ = ["world_of", "check_sharded", "set_epoch", "mean_over_ranks", "any_rank",
           "evaluate_over_ranks", "data_parallel", "shard_loaders"]


def world_of(model) -> tuple[int, int]:
    """(rank, number of ranks) of a data-parallel model; (0, 1) for any other."""
    if isinstance(model, DistributedDataParallel):
        return model.rank, model.world_size
    return 0, 1


def check_sharded(loader, size: int, fn: str = "fit") -> None:
    """A data-parallel run whose training loader gives every rank all the data is a mistake
    (N times the epoch): refuse it, with the fix."""
    if size > 1 and isinstance(loader, DataLoader) and \
            not isinstance(loader.sampler, DistributedSampler):
        raise ValueError(f"{fn}: the model is a DistributedDataParallel over {size} ranks, but "
                         "the training loader gives every rank the whole dataset; pass "
                         "DataLoader(dataset, batch_size=…, sampler=DistributedSampler("
                         "dataset)) so that each rank trains on its share")


def set_epoch(loader, epoch: int) -> None:
    """Tell the loader's ``DistributedSampler`` (if any) which epoch's order to draw."""
    sampler = getattr(loader, "sampler", None)
    if hasattr(sampler, "set_epoch"):
        sampler.set_epoch(epoch)


def mean_over_ranks(means: dict[str, float], n: int, size: int) -> dict[str, float]:
    """Each value a mean over this rank's ``n`` samples -> the mean over every rank's."""
    if size == 1:
        return means
    sums = np.array([v * n for v in means.values()] + [n], dtype=np.float64)
    dist.all_reduce(sums, "sum")
    return {k: float(s / sums[-1]) for k, s in zip(means, sums[:-1])}


def any_rank(flag: bool, size: int) -> bool:
    """True on every rank if it is true on any (one tiny Allreduce)."""
    if size == 1:
        return flag
    value = np.array([1 if flag else 0], dtype=np.int64)
    dist.all_reduce(value, "max")
    return bool(value[0])


def evaluate_over_ranks(model, loss_fn, loader, fns: dict, size: int) -> dict[str, float]:
    """``evaluate`` on this rank's share of the validation set, averaged over the ranks."""
    from .loop import evaluation_pass
    out, target, loss = evaluation_pass(model, loader, loss_fn)
    scores = {"loss": loss, **{k: float(fn(out, target)) for k, fn in fns.items()}}
    return mean_over_ranks(scores, len(target), size)


def data_parallel(model):
    """(model, rank, size): under ``mpiexec -n N`` (N > 1) the model wrapped in a
    ``DistributedDataParallel``; otherwise the model itself, rank 0 of 1."""
    dist.init_process_group()
    size = dist.get_world_size()
    if size == 1:
        return model, 0, 1
    return DistributedDataParallel(model), dist.get_rank(), size


def shard_loaders(train_set, val_set, batch_size: int, seed: int, rank: int, size: int):
    """(training loader, validation loader or None) of ``xarxa train`` for this rank.

    Training: a ``DistributedSampler`` of ``batch_size / size`` samples per step
    (``batch_size`` is the global batch) whose order comes from ``seed`` and the epoch, so
    that one process and N ranks take the same steps over the same samples. Validation:
    every ``size``-th sample, unpadded, so that the reduced scores are exact (a validation
    set smaller than the world is scored whole on every rank)."""
    if batch_size % size:
        raise ValueError(f"--batch-size {batch_size} does not split over {size} ranks (it is "
                         f"the global batch: each rank takes batch_size / {size} samples per "
                         f"step); use a multiple of {size}")
    sampler = DistributedSampler(train_set, size, rank, shuffle=True, seed=seed)
    train_loader = DataLoader(train_set, batch_size=batch_size // size, sampler=sampler)
    share = val_set
    if 1 < size <= len(val_set):
        share = Subset(val_set, np.arange(rank, len(val_set), size))
    return train_loader, DataLoader(share, batch_size=512) if len(share) else None
