"""What each rank runs under `mpiexec -n 2` for test_sync_batchnorm.py.

    python _syncbn_worker.py OUT_DIR

Each rank takes its share of one global batch (rank 0 the first 3 samples, rank 1 the
other 5: shares need not be equal), runs two training steps and one evaluation of the
converted network, and writes its outputs, input gradients, parameter gradients and
running statistics to OUT_DIR/rank<r>.npz, for the test to compare with one process.
"""
import sys
from pathlib import Path

import numpy as np

import xarxa as xa
import xarxa.distributed as dist
from xarxa import nn

SPLIT = (0, 3, 8)          # rank 0: samples 0-2, rank 1: samples 3-7


def make_net():
    """Conv, BatchNorm2d, ReLU, conv, BatchNorm2d, flatten, BatchNorm1d, in float64."""
    xa.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Sequential(nn.Conv2d(4, 2, 1), nn.BatchNorm2d(2, momentum=None)),
                        nn.Flatten(), nn.BatchNorm1d(50)).double()
    with xa.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return net


def batch(step):
    rng = np.random.default_rng(step)
    return rng.standard_normal((8, 3, 5, 5)), rng.standard_normal((8, 50))


def main(out: Path) -> None:
    dist.init_process_group()
    rank = dist.get_rank()
    net = nn.SyncBatchNorm.convert_sync_batchnorm(make_net())
    assert sum(isinstance(m, nn.SyncBatchNorm) for m in net.modules()) == 3
    lo, hi = SPLIT[rank], SPLIT[rank + 1]
    results = {}
    for step in range(2):
        x, v = batch(step)
        xs = xa.tensor(x[lo:hi], requires_grad=True)
        y = net(xs)
        (y * xa.tensor(v[lo:hi])).sum().backward()
        results[f"out{step}"], results[f"dx{step}"] = y.numpy(), xs.grad.numpy()
        for name, p in net.named_parameters():
            results[f"grad{step}.{name}"] = p.grad.numpy().copy()
            p.grad = None
    net.eval()
    results["eval"] = net(xa.tensor(batch(2)[0][lo:hi])).numpy()
    for name, b in net.named_buffers():
        results[f"buffer.{name}"] = b.numpy()
    np.savez(out / f"rank{rank}.npz", **results)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
