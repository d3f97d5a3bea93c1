"""What each rank runs under `mpiexec -n 2` for tests/distributed (one scenario per launch).

    python _worker.py SCENARIO OUT_DIR

A scenario asserts what every rank can check by itself (identical parameters after each
step, collective results) and writes into OUT_DIR what the test compares with a single
process (rank 0's final weights). A failed assertion raises: the abort-on-exception hook
then stops every rank and mpiexec exits non-zero.
"""
import sys
import time
from pathlib import Path

import numpy as np

import xarxa as xa
import xarxa.distributed as dist
import xarxa.nn.functional as F
from xarxa.nn.parallel import DistributedDataParallel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _models import batches, make_model, make_optimizer  # noqa: E402
from xarxa.autograd.version import bump_version


def flat(model) -> np.ndarray:
    return np.concatenate([p.numpy().ravel() for p in model.parameters()])


def assert_same_on_every_rank(model, what: str) -> None:
    gathered = dist.all_gather([], flat(model))
    for r, values in enumerate(gathered[1:], start=1):
        assert np.array_equal(values, gathered[0]), f"{what}: rank {r} differs from rank 0"


def shard(x, rank: int, size: int):
    """This rank's contiguous share of a global batch."""
    n = len(x) // size
    return xa.tensor(x[rank * n:(rank + 1) * n])


def train(out: Path) -> None:
    """Several steps of SGD with momentum and of Adam, plain, with no_sync accumulation,
    and with two forwards per step (a Siamese pair); rank 0's weights go to OUT_DIR."""
    rank, size = dist.get_rank(), dist.get_world_size()
    results = {}
    for mode in ("plain", "no_sync", "siamese"):
        for opt_name in ("sgd", "adam"):
            model = make_model()
            if rank:  # different weights on rank 1: the construction broadcast fixes them
                for p in model.parameters():
                    p.numpy()[...] = 7.0
                    bump_version(p)
            ddp = DistributedDataParallel(model)
            assert_same_on_every_rank(model, f"{mode}/{opt_name} after construction")
            opt = make_optimizer(opt_name, model.parameters())
            for step, (x, y) in enumerate(batches()):
                opt.zero_grad()
                xs, ys = shard(x, rank, size), shard(y, rank, size)
                if mode == "plain":
                    F.cross_entropy(ddp(xs), ys).backward()
                elif mode == "no_sync":
                    half = len(ys) // 2
                    with ddp.no_sync():
                        F.cross_entropy(ddp(xs[:half]), ys[:half]).backward()
                    F.cross_entropy(ddp(xs[half:]), ys[half:]).backward()
                else:
                    half = len(ys) // 2
                    a, b = ddp(xs[:half]), ddp(xs[half:])
                    ((a - b) ** 2).mean().backward()
                opt.step()
                assert_same_on_every_rank(model, f"{mode}/{opt_name} after step {step + 1}")
            results[f"{mode}_{opt_name}"] = flat(model)
            if rank == 0:
                assert list(ddp.state_dict()) == list(model.state_dict())
    if rank == 0:
        np.savez(out / "weights.npz", **results)


def collectives(out: Path) -> None:
    rank, size = dist.get_rank(), dist.get_world_size()
    assert size == 2 and dist.is_initialized()
    t = xa.tensor([1.0, float(rank), -float(rank)])
    version = t._version
    dist.all_reduce(t)  # sum by default
    assert t.tolist() == [2.0, 1.0, -1.0] and t._version > version
    for op, expected in (("mean", [1.0, 0.5, -0.5]), ("max", [1.0, 1.0, 0.0]),
                         ("min", [1.0, 0.0, -1.0])):
        a = np.array([1.0, rank, -rank], dtype=np.float32)
        assert dist.all_reduce(a, op) is a and a.tolist() == expected, (op, a)
    a = np.arange(6, dtype=np.int64).reshape(2, 3).T * (rank + 1)  # not contiguous
    dist.all_reduce(a, dist.ReduceOp.SUM)
    assert a.tolist() == (np.arange(6).reshape(2, 3).T * 3).tolist()
    b = xa.tensor([[float(rank)] * 2] * 2)
    dist.broadcast(b, src=1)
    assert b.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    gathered = dist.all_gather([], xa.tensor([rank, 10 * rank]))
    assert [g.tolist() for g in gathered] == [[0, 0], [1, 10]]
    into = [np.zeros(2), np.zeros(2)]
    dist.all_gather(into, np.array([rank + 0.5, 2.0]))
    assert [i.tolist() for i in into] == [[0.5, 2.0], [1.5, 2.0]]
    try:
        dist.all_gather([], np.zeros(rank + 1))
    except ValueError as error:  # raised on both ranks: nobody waits
        assert "same shape" in str(error), error
    else:
        raise AssertionError("all_gather accepted different shapes")
    # Buffers (BatchNorm running statistics) come from rank 0 at construction.
    model = xa.nn.Sequential(xa.nn.Linear(3, 4), xa.nn.BatchNorm1d(4))
    model[1].running_mean.numpy()[...] = rank + 1.0
    ddp = DistributedDataParallel(model)
    assert model[1].running_mean.tolist() == [1.0] * 4
    # Per-rank statistics by default; broadcast_buffers=True puts rank 0's back each forward.
    ddp(xa.randn(8, 3) + rank * 10)
    means = dist.all_gather([], model[1].running_mean.numpy().copy())
    assert not np.array_equal(means[0], means[1])
    ddp.broadcast_buffers = True
    ddp(xa.randn(8, 3))
    dist.barrier()
    if rank == 0:
        (out / "collectives.ok").write_text("ok")


def mismatch(out: Path) -> None:
    """Rank 1 builds a wider hidden layer: construction must name the parameter."""
    rank = dist.get_rank()
    model = xa.nn.Sequential(xa.nn.Linear(4, 8 + rank), xa.nn.ReLU(),
                             xa.nn.Linear(8 + rank, 2))
    DistributedDataParallel(model)


def raises(out: Path) -> None:
    """Rank 1 raises in its second step while rank 0 waits in the Allreduce."""
    rank, size = dist.get_rank(), dist.get_world_size()
    model = make_model()
    ddp = DistributedDataParallel(model)
    opt = make_optimizer("sgd", model.parameters())
    for step, (x, y) in enumerate(batches()):
        if rank == 1 and step == 1:
            raise RuntimeError("rank 1 failed on purpose")
        opt.zero_grad()
        F.cross_entropy(ddp(shard(x, rank, size)), shard(y, rank, size)).backward()
        opt.step()
    time.sleep(60)  # never reached by a correct abort


def fit_run(out: Path) -> None:
    """`fit` on a data-parallel model: rank 0 alone prints and writes its checkpoint; the
    history (reduced over the ranks) is the same on both and goes to OUT_DIR."""
    import json
    from _fit_reference import fit_two_moons
    rank = dist.get_rank()
    history = fit_two_moons(out / f"checkpoint-rank{rank}.npz", wrap=True)
    mine = np.array(history.history["loss"] + history.history["val_loss"])
    gathered = dist.all_gather([], mine)
    assert np.array_equal(gathered[0], gathered[1]), gathered
    if rank == 0:
        (out / "history.json").write_text(json.dumps(history.history))


if __name__ == "__main__":
    scenario, out_dir = sys.argv[1], Path(sys.argv[2])
    dist.init_process_group()
    {"train": train, "collectives": collectives, "mismatch": mismatch,
     "raises": raises, "fit": fit_run}[scenario](out_dir)
