"""DistributedDataParallel under `mpiexec -n 2` against one process over the same samples.

Two ranks with batch 32 each must take the steps one process takes with batch 64 (the
mean of the two ranks' mean gradients is the mean gradient of the 64 samples), up to
float32 summation order; every rank must hold identical parameters after every step (the
worker checks it bit for bit). Plus: a model that differs between ranks, and a rank that
raises, end the job non-zero with a message within bounded time.
"""
import time

import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa.nn.parallel import DistributedDataParallel

from distributed._mpi import check, run
from distributed._models import batches, make_model, make_optimizer


def flat(model) -> np.ndarray:
    return np.concatenate([p.numpy().ravel() for p in model.parameters()])


def reference(mode: str, opt_name: str) -> np.ndarray:
    """The 2-rank run's arithmetic in one process: rank r's share is rows 32r … 32r+31."""
    model = make_model()
    opt = make_optimizer(opt_name, model.parameters())
    for x, y in batches():
        opt.zero_grad()
        x, y = xa.tensor(x), xa.tensor(y)
        if mode == "plain":  # one process, batch 64
            loss = F.cross_entropy(model(x), y)
        elif mode == "no_sync":  # each rank: two micro-batches of 16, gradients summed
            loss = sum(F.cross_entropy(model(x[i:i + 16]), y[i:i + 16])
                       for i in range(0, 64, 16)) / 2
        else:  # Siamese: each rank compares its two halves
            loss = sum(((model(x[i:i + 16]) - model(x[i + 16:i + 32])) ** 2).mean()
                       for i in (0, 32)) / 2
        loss.backward()
        opt.step()
    return flat(model)


@pytest.fixture(scope="module")
def two_rank_weights(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    check(run(["train", out], timeout=60))
    return dict(np.load(out / "weights.npz"))


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("mode", ["plain", "no_sync", "siamese"])
def test_two_ranks_equal_one_process(two_rank_weights, mode, opt_name):
    expected = reference(mode, opt_name)
    got = two_rank_weights[f"{mode}_{opt_name}"]
    assert not np.allclose(expected, flat(make_model()))  # the steps moved the weights
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_collectives_two_ranks(tmp_path):
    check(run(["collectives", tmp_path], timeout=60))
    assert (tmp_path / "collectives.ok").exists()


def test_model_that_differs_between_ranks_names_the_parameter(tmp_path):
    result = run(["mismatch", tmp_path], timeout=60)
    assert result.returncode != 0
    assert "parameter '0.weight' of shape (8, 4)" in result.stderr
    assert "(9, 4)" in result.stderr and "rank 1" in result.stderr


def test_a_raising_rank_stops_every_rank(tmp_path):
    start = time.monotonic()
    result = run(["raises", tmp_path], timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode != 0
    assert "rank 1 failed on purpose" in result.stderr
    assert "rank 1 of 2 failed" in result.stderr and "aborting all 2 ranks" in result.stderr
    assert elapsed < 30  # rank 0 would otherwise wait in its Allreduce until killed at 60 s


# -- a world of one process (no mpiexec): DDP is the model itself -------------------------

def test_one_process_ddp_is_the_plain_model():
    plain, wrapped = make_model(), make_model()
    ddp = DistributedDataParallel(wrapped)
    assert list(ddp.state_dict()) == list(plain.state_dict())  # no "module." prefix
    opt_a, opt_b = make_optimizer("adam", plain.parameters()), \
        make_optimizer("adam", wrapped.parameters())
    for x, y in batches():
        for model, opt in ((plain, opt_a), (ddp, opt_b)):
            opt.zero_grad()
            F.cross_entropy(model(xa.tensor(x)), xa.tensor(y)).backward()
            opt.step()
    np.testing.assert_array_equal(flat(wrapped), flat(plain))


def test_ddp_output_is_the_model_output_and_eval_records_nothing():
    model = make_model()
    ddp = DistributedDataParallel(model)
    x = xa.tensor(next(batches())[0])
    np.testing.assert_array_equal(ddp(x).numpy(), model(x).numpy())
    with xa.no_grad():
        assert ddp(x).grad_fn is None


def test_ddp_bad_arguments():
    with pytest.raises(TypeError, match="DistributedDataParallel: expected an nn.Module, got "
                       "list"):
        DistributedDataParallel([])
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        DistributedDataParallel(make_model(), bucket_cap_mb=0)
    with pytest.raises(TypeError, match="Sequential has no loss"):
        DistributedDataParallel(make_model()).loss(None, None)
