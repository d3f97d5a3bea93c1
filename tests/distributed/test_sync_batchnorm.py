"""nn.SyncBatchNorm: under `mpiexec -n 2`, two ranks holding unequal shares of a batch get
exactly what one process computes with BatchNorm on the whole batch (outputs, input
gradients, parameter gradients summed over the ranks, running statistics, evaluation);
in one process it is BatchNorm (as torch.nn.SyncBatchNorm falls back to F.batch_norm);
convert_sync_batchnorm swaps every BatchNorm1d/2d, keeping parameters and statistics."""
import sys

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

from distributed._mpi import HERE, check, run
from distributed._syncbn_worker import batch, make_net


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("syncbn")
    check(run([out], program=[sys.executable, str(HERE / "_syncbn_worker.py")], timeout=60))
    return [dict(np.load(out / f"rank{r}.npz")) for r in (0, 1)]


def test_two_ranks_equal_one_process_on_the_whole_batch(ranks):
    net = make_net()                                  # plain BatchNorm, one process
    for step in range(2):
        x, v = batch(step)
        xx = xa.tensor(x, requires_grad=True)
        out = net(xx)
        (out * xa.tensor(v)).sum().backward()
        np.testing.assert_allclose(np.concatenate([r[f"out{step}"] for r in ranks]),
                                   out.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.concatenate([r[f"dx{step}"] for r in ranks]),
                                   xx.grad.numpy(), rtol=1e-9, atol=1e-12)
        for name, p in net.named_parameters():   # each rank's share; DDP would add them
            np.testing.assert_allclose(sum(r[f"grad{step}.{name}"] for r in ranks),
                                       p.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
            p.grad = None
    net.eval()
    np.testing.assert_allclose(np.concatenate([r["eval"] for r in ranks]),
                               net(xa.tensor(batch(2)[0])).numpy(), rtol=1e-10, atol=1e-12)
    for name, b in net.named_buffers():          # running statistics: the whole batch's
        for r in ranks:
            np.testing.assert_allclose(r[f"buffer.{name}"], b.numpy(), rtol=1e-10,
                                       err_msg=name)


def test_one_process_is_batch_norm_as_in_torch():
    x = np.random.default_rng(0).standard_normal((6, 3, 4, 4)).astype(np.float32)
    ours, theirs = nn.SyncBatchNorm(3, momentum=0.3), torch.nn.SyncBatchNorm(3, momentum=0.3)
    xx, tx = xa.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xx), theirs(tx)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    v = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(),
                               rtol=1e-5)
    assert repr(ours) == repr(theirs)


def test_convert_sync_batchnorm_keeps_parameters_statistics_and_mode():
    net = make_net()
    net[3][1].eval()
    bn = net[1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert converted is net
    kinds = [type(m).__name__ for m in converted.modules()]
    tnet = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Conv2d(4, 2, 1),
                                                                    torch.nn.BatchNorm2d(2)),
                               torch.nn.Flatten(), torch.nn.BatchNorm1d(50))
    assert kinds == [type(m).__name__ for m in
                     torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet).modules()]
    sync = converted[1]
    assert sync.weight is bn.weight and sync.running_var is bn.running_var
    assert (sync.momentum, converted[3][1].momentum) == (0.1, None)
    assert not converted[3][1].training and sync.training
    root = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(5, affine=False))
    assert isinstance(root, nn.SyncBatchNorm) and root.weight is None
    with pytest.raises(NotImplementedError, match="SyncBatchNorm: only the world group"):
        nn.SyncBatchNorm(3, process_group=object())
    with pytest.raises(ValueError, match=r"expected a at least 2-D \(N, C, \*\) input"):
        nn.SyncBatchNorm(3)(xa.zeros(3))
