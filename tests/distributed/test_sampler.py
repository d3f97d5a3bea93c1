"""DistributedSampler partitions and pads exactly like torch.utils.data.DistributedSampler
(no MPI needed: the number of ranks and the rank are given)."""
import numpy as np
import pytest
import torch.utils.data as tud

import xarxa as xa
from xarxa.data import DataLoader, DistributedSampler, TensorDataset

CASES = [(n, ranks, drop_last) for n in (1, 2, 5, 10, 11, 64, 67)
         for ranks in (1, 2, 3, 4, 8) for drop_last in (False, True)
         if not (drop_last and n < ranks)]  # PyTorch's drop_last needs one sample per rank


def torch_indices(n, ranks, rank, drop_last):
    return list(tud.DistributedSampler(range(n), num_replicas=ranks, rank=rank,
                                       shuffle=False, drop_last=drop_last))


@pytest.mark.parametrize("n, ranks, drop_last", CASES)
def test_partition_and_padding_match_torch(n, ranks, drop_last):
    for rank in range(ranks):
        expected = torch_indices(n, ranks, rank, drop_last)
        plain = DistributedSampler(range(n), ranks, rank, shuffle=False, drop_last=drop_last)
        assert list(plain) == expected and len(plain) == len(expected)
        # Shuffled, the same partition is applied to the epoch's permutation (NumPy's
        # generator, not torch.randperm): position i of torch's order maps to perm[i].
        shuffled = DistributedSampler(range(n), ranks, rank, shuffle=True, seed=3,
                                      drop_last=drop_last)
        shuffled.set_epoch(2)
        perm = shuffled.order()
        assert sorted(perm.tolist()) == list(range(n))
        assert list(shuffled) == perm[expected].tolist()


def test_every_sample_once_per_epoch_and_a_new_order_each_epoch():
    n, ranks = 103, 4
    samplers = [DistributedSampler(range(n), ranks, r, seed=7) for r in range(ranks)]
    epochs = []
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        shares = [list(s) for s in samplers]
        assert len({len(s) for s in shares}) == 1  # equal shares: ranks step together
        seen = sum(shares, [])
        assert set(seen) == set(range(n)) and len(seen) == 104  # one padded repeat
        epochs.append(shares)
    assert epochs[0] != epochs[1] != epochs[2]
    # A new sampler (a resumed run) draws epoch 1's order from the seed and the epoch alone.
    again = DistributedSampler(range(n), ranks, 2, seed=7)
    again.set_epoch(1)
    assert list(again) == epochs[1][2]


def test_one_process_world_by_default():
    sampler = DistributedSampler(range(10), shuffle=False)  # no mpiexec: rank 0 of 1
    assert (sampler.num_replicas, sampler.rank) == (1, 0)
    assert list(sampler) == list(range(10))


def test_dataloader_uses_the_sampler():
    ds = TensorDataset(xa.tensor(np.arange(10.0)), xa.tensor(np.arange(10)))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 3, 1, shuffle=False))
    assert len(loader) == 2
    assert [y.tolist() for _, y in loader] == [[1, 4], [7, 0]]  # padded with sample 0


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"invalid rank 3, rank should be in the interval "
                       r"\[0, 2\]"):
        DistributedSampler(range(5), num_replicas=3, rank=3)
    with pytest.raises(ValueError, match="num_replicas must be at least 1, got 0"):
        DistributedSampler(range(5), num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="num_replicas must be an integer, got 2.0"):
        DistributedSampler(range(5), num_replicas=2.0, rank=0)
    with pytest.raises(TypeError, match="dataset must have __len__, got int"):
        DistributedSampler(5, 1, 0)
    ds = TensorDataset(xa.tensor(np.arange(4.0)))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=DistributedSampler(ds, 1, 0))
