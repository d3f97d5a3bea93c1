"""DataLoader(num_workers=2): the same batches in the same order as num_workers=0; a worker
that raises, dies or stalls is an error naming it within seconds, never a hang; workers stop
at the end of the epoch, on garbage collection, and persist when asked."""
import faulthandler
import gc
import os
import random
import signal
import time

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info
from deadline import deadline


def as_plain(batch):
    if isinstance(batch, xa.Tensor):
        return (str(batch.dtype), batch.numpy().tolist())
    if isinstance(batch, dict):
        return {k: as_plain(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(as_plain(b) for b in batch)
    return batch


def epochs(loader, k=2):
    return [[as_plain(b) for b in loader] for _ in range(k)]


class Records(Dataset):
    """Dict samples of arrays, numbers and strings; misbehaves at the index it is told to."""

    def __init__(self, n=9, fail_at=None, how=None):
        self.n, self.fail_at, self.how = n, fail_at, how

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            if self.how == "raise":
                raise ValueError(f"sample {i} is corrupt")
            if self.how == "exit":
                os._exit(7)
            if self.how == "segfault":
                faulthandler.disable()  # no traceback dump from the worker in the test output
                os.kill(os.getpid(), signal.SIGSEGV)
            if self.how == "sleep":
                time.sleep(3)
        return {"x": np.full((2, 2), i, np.float32), "y": i, "name": f"s{i}", "w": i / 4}


def test_workers_give_the_batches_of_one_process():
    ds = TensorDataset(np.arange(40, dtype=np.float32).reshape(20, 2), np.arange(20))
    with deadline(20):
        for kwargs in (dict(batch_size=3, shuffle=True), dict(batch_size=4, drop_last=True),
                       dict(batch_size=None)):
            one = epochs(DataLoader(ds, generator=np.random.default_rng(1), **kwargs))
            two = epochs(DataLoader(ds, num_workers=2, generator=np.random.default_rng(1),
                                    **kwargs))
            assert one == two, kwargs
        # a plain dataset (collated in the workers), a custom collate_fn (a lambda: fork
        # needs no pickling), the global generator under manual_seed
        xa.manual_seed(3)
        one = epochs(DataLoader(Records(), batch_size=2, shuffle=True))
        xa.manual_seed(3)
        two = epochs(DataLoader(Records(), batch_size=2, shuffle=True, num_workers=2,
                                prefetch_factor=1))
        assert one == two and one[0] != one[1]
        collate = lambda samples: [s["name"] for s in samples]  # noqa: E731
        assert epochs(DataLoader(Records(), batch_size=4, collate_fn=collate, num_workers=2)) \
            == epochs(DataLoader(Records(), batch_size=4, collate_fn=collate))


class Shards(IterableDataset):
    """0 … n-1, each worker taking every num_workers-th sample (torch's sharding recipe)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class TorchShards(torch.utils.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_iterable_dataset_in_workers_interleaves_like_torch():
    with deadline(20):
        mine = [b.tolist() for b in DataLoader(Shards(11), batch_size=2, num_workers=2)]
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchShards(11), batch_size=2,
                                                                   num_workers=2)]
    assert mine == theirs
    assert sorted(sum(mine, [])) == list(range(11))


@pytest.mark.parametrize("how, error, message", [
    ("raise", ValueError, r"Caught ValueError in DataLoader worker process 1\.\n"
                          r"Original Traceback(.|\n)*sample 3 is corrupt"),
    ("exit", RuntimeError, r"DataLoader worker 1 \(pid \d+\) exited unexpectedly: it exited "
                           r"with code 7"),
    ("segfault", RuntimeError, r"DataLoader worker 1 \(pid \d+\) exited unexpectedly: it was "
                               r"killed by signal SIGSEGV"),
])
def test_a_failing_worker_is_reported_not_hung(how, error, message):
    # batch 1 = samples [2, 3] goes to worker 1
    loader = DataLoader(Records(fail_at=3, how=how), batch_size=2, num_workers=2)
    start = time.monotonic()
    with deadline(10), pytest.raises(error, match=message):
        list(loader)
    assert time.monotonic() - start < 5


def test_timeout_is_honoured():
    loader = DataLoader(Records(fail_at=0, how="sleep"), batch_size=2, num_workers=2,
                        timeout=0.3)
    start = time.monotonic()
    with deadline(10), pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.3 "
                                                         r"seconds \(worker 0"):
        next(iter(loader))
    assert time.monotonic() - start < 2.5


def test_unsendable_batches_and_failing_init_are_reported():
    with deadline(10):
        loader = DataLoader(Records(), batch_size=2, num_workers=1,
                            collate_fn=lambda samples: object())
        with pytest.raises(TypeError, match=r"Caught TypeError in DataLoader worker process 0"
                                            r"(.|\n)*builtins\.object, which cannot be sent"):
            next(iter(loader))

        def bad_init(worker_id):
            raise KeyError(f"no config for worker {worker_id}")
        with pytest.raises(KeyError, match="no config for worker 0"):
            list(DataLoader(Records(), num_workers=2, worker_init_fn=bad_init))


class WhoLoads(Dataset):
    """Each sample says which worker made it, that worker's init mark, and a random draw."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return (i, info.id, info.num_workers, os.environ.get("XARXA_TEST_INIT", ""),
                random.random(), float(xa.rand(1).item()))


def test_worker_init_fn_round_robin_and_seeds(monkeypatch):
    def init(worker_id):
        os.environ["XARXA_TEST_INIT"] = f"init {worker_id}"   # in the worker process only

    def run():
        loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, worker_init_fn=init,
                            generator=np.random.default_rng(0))
        return [as_plain(b) for b in loader]
    monkeypatch.delenv("XARXA_TEST_INIT", raising=False)
    with deadline(10):
        first, again = run(), run()
    assert "XARXA_TEST_INIT" not in os.environ
    for k, (i, wid, n, mark, draws, xa_draws) in enumerate(first):
        assert i[1] == [2 * k, 2 * k + 1]
        assert wid[1] == [k % 2] * 2 and n[1] == [2, 2] and mark == (f"init {k % 2}",) * 2
    # each worker draws its own numbers; the same generator repeats them
    assert first == again
    assert first[0][4] != first[1][4] and first[0][5] != first[1][5]


def test_workers_stop_at_the_end_on_gc_and_persist_when_asked():
    ds = TensorDataset(np.zeros((8, 1), np.float32), np.arange(8))
    with deadline(20):
        it = iter(DataLoader(ds, batch_size=2, num_workers=2))
        procs = list(it.pool.procs)
        assert len(list(it)) == 4 and not any(p.is_alive() for p in procs)
        # an epoch left unfinished: its workers stop when the iterator is collected
        it = iter(DataLoader(ds, batch_size=2, num_workers=2))
        next(it)
        procs = list(it.pool.procs)
        del it
        gc.collect()
        assert not any(p.is_alive() for p in procs)
        # persistent workers: the same processes every epoch, until the loader goes
        loader = DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True,
                            shuffle=True, generator=np.random.default_rng(0))
        first = [y.tolist() for _, y in loader]
        procs = list(loader._pool.procs)
        pids = [p.pid for p in procs]
        abandoned = iter(loader)
        next(abandoned)   # left unfinished: its answers must not leak into the next epoch
        second = [y.tolist() for _, y in loader]
        assert [p.pid for p in loader._pool.procs] == pids and all(p.is_alive() for p in procs)
        with pytest.raises(RuntimeError, match="moved on to a newer iter"):
            next(abandoned)
        # the same orders as one process going through the same three epochs
        reference = DataLoader(ds, batch_size=2, shuffle=True,
                               generator=np.random.default_rng(0))
        expected_first = [y.tolist() for _, y in reference]
        next(iter(reference))
        assert first == expected_first and second == [y.tolist() for _, y in reference]
        assert first != second
        del loader, abandoned
        gc.collect()
        assert not any(p.is_alive() for p in procs)
