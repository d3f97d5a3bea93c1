"""Samplers against torch.utils.data's: deterministic orders equal, random ones checked for
their structure (permutations, lengths) and reproducibility; errors carry torch's words."""
import re

import numpy as np
import pytest
import torch
from torch.utils import data as tdata

import xarxa as xa
from xarxa.data import (BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler,
                        SubsetRandomSampler, TensorDataset, WeightedRandomSampler)
from xarxa.data.distributed import DistributedSampler


@pytest.mark.parametrize("n", [1, 7, 10])
def test_sequential_sampler_is_torchs(n):
    assert list(SequentialSampler(range(n))) == list(tdata.SequentialSampler(range(n)))
    assert len(SequentialSampler(range(n))) == n


@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                (2, 5, False), (2, 5, True), (7, 1, False)])
@pytest.mark.parametrize("inner", ["sequential", "list", "generator"])
def test_batch_sampler_is_torchs(n, size, drop_last, inner):
    """Batches of xarxa's own samplers (sliced from the epoch's order) and of any iterable
    (grouped one by one) equal torch's."""
    mine = {"sequential": SequentialSampler(range(n)), "list": list(range(n))[::-1],
            "generator": (i * i for i in range(n))}[inner]
    theirs = {"sequential": tdata.SequentialSampler(range(n)), "list": list(range(n))[::-1],
              "generator": (i * i for i in range(n))}[inner]
    expected = list(tdata.BatchSampler(theirs, size, drop_last))
    got = list(BatchSampler(mine, size, drop_last))
    assert got == expected and all(type(i) is int for b in got for i in b)
    if inner != "generator":
        assert len(BatchSampler(mine, size, drop_last)) == len(expected)


def permutation_of(seq, universe):
    return sorted(seq) == sorted(universe)


def test_random_sampler_permutations_lengths_and_generator():
    order = list(RandomSampler(range(10), generator=np.random.default_rng(0)))
    assert permutation_of(order, range(10)) and order != list(range(10))
    assert all(type(i) is int for i in order)
    # the same seed gives the same orders, epoch after epoch; epochs differ
    a, b = RandomSampler(range(10), generator=np.random.default_rng(3)), \
        RandomSampler(range(10), generator=np.random.default_rng(3))
    epochs_a, epochs_b = [list(a) for _ in range(3)], [list(b) for _ in range(3)]
    assert epochs_a == epochs_b and epochs_a[0] != epochs_a[1]
    # without a generator: the global one, so manual_seed repeats it
    xa.manual_seed(1)
    first = list(RandomSampler(range(10)))
    xa.manual_seed(1)
    assert list(RandomSampler(range(10))) == first
    # a torch.Generator-like object is accepted and seeds the order
    g = list(RandomSampler(range(10), generator=torch.Generator().manual_seed(5)))
    assert g == list(RandomSampler(range(10), generator=torch.Generator().manual_seed(5)))


@pytest.mark.parametrize("n, k", [(4, 10), (5, 5), (6, 2)])
def test_random_sampler_num_samples_without_replacement_follows_torchs_rule(n, k):
    """Whole permutations one after the other, the last one cut (torch's structure)."""
    mine = list(RandomSampler(range(n), num_samples=k, generator=np.random.default_rng(0)))
    theirs = list(tdata.RandomSampler(range(n), num_samples=k,
                                      generator=torch.Generator().manual_seed(0)))
    assert len(mine) == len(theirs) == len(RandomSampler(range(n), num_samples=k)) == k
    for start in range(0, k - k % n, n):
        assert permutation_of(mine[start:start + n], range(n))
    tail = mine[k - k % n:]
    assert len(set(tail)) == len(tail)


def test_random_sampler_with_replacement():
    draws = list(RandomSampler(range(3), replacement=True, num_samples=300,
                               generator=np.random.default_rng(0)))
    assert len(draws) == 300 and set(draws) == {0, 1, 2}


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0),
                                    dict(num_samples=-2), dict(num_samples=2.5)])
def test_random_sampler_errors_are_torchs(kwargs):
    with pytest.raises((TypeError, ValueError)) as theirs:
        tdata.RandomSampler(range(5), **kwargs)
    with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
        RandomSampler(range(5), **kwargs)


def test_subset_random_sampler():
    indices = [7, 3, 11, 5, 20]
    s = SubsetRandomSampler(indices, generator=np.random.default_rng(0))
    epochs = [list(s) for _ in range(4)]
    assert all(permutation_of(e, indices) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1 and len(s) == len(indices)
    again = SubsetRandomSampler(indices, generator=np.random.default_rng(0))
    assert [list(again) for _ in range(4)] == epochs


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000,
                              generator=np.random.default_rng(0))
    draws = np.array(list(s))
    assert len(s) == 4000 and 0 not in draws
    assert abs((draws == 2).mean() - 0.75) < 0.03
    once = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert permutation_of(once, range(4))
    for kwargs in (dict(weights=[1.0], num_samples=0), dict(weights=[[1.0]], num_samples=1),
                   dict(weights=[1.0], num_samples=1, replacement=1)):
        with pytest.raises(ValueError) as theirs:
            tdata.WeightedRandomSampler(**kwargs)
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            WeightedRandomSampler(**kwargs)
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights must be"):
        WeightedRandomSampler([-1.0, 2.0], 1)


@pytest.mark.parametrize("kwargs", [dict(batch_size=0, drop_last=False),
                                    dict(batch_size=True, drop_last=False),
                                    dict(batch_size=2, drop_last=1)])
def test_batch_sampler_errors_are_torchs(kwargs):
    with pytest.raises(ValueError) as theirs:
        tdata.BatchSampler(range(4), **kwargs)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        BatchSampler(range(4), **kwargs)


class Reversed(Sampler):
    """A user sampler written the PyTorch way."""

    def __init__(self, data_source):
        super().__init__(data_source)
        self.n = len(data_source)

    def __iter__(self):
        return iter(range(self.n - 1, -1, -1))

    def __len__(self):
        return self.n


def test_loader_with_sampler_and_batch_sampler():
    ds = TensorDataset(np.arange(7, dtype=np.float32)[:, None], np.arange(7))
    ys = [y.tolist() for _, y in DataLoader(ds, batch_size=3, sampler=Reversed(ds))]
    assert ys == [[6, 5, 4], [3, 2, 1], [0]]
    batches = [[0, 6], [1], [5, 4, 3]]
    loader = DataLoader(ds, batch_sampler=batches)
    assert [y.tolist() for _, y in loader] == batches and len(loader) == 3
    # a sampler without __len__ works; only len(loader) needs one (as in torch)
    endless = DataLoader(ds, batch_size=2, sampler=iter([1, 2, 3]))
    assert [y.tolist() for _, y in endless] == [[1, 2], [3]]
    # the distributed sampler plugs in the same way
    ys = [y.tolist() for _, y in DataLoader(ds, batch_size=2, sampler=DistributedSampler(
        ds, num_replicas=2, rank=1, shuffle=False))]
    theirs = tdata.DataLoader(range(7), batch_size=2, sampler=tdata.DistributedSampler(
        range(7), num_replicas=2, rank=1, shuffle=False))
    assert ys == [b.tolist() for b in theirs]
    with pytest.raises(NotImplementedError):
        iter(Sampler())
