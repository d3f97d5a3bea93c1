"""DataLoader's PyTorch arguments: the same refusals as torch (its messages), generators,
iterable and concatenated datasets, and ``torch.utils.data`` reached as ``xarxa.utils.data``."""
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.utils import data as tdata

import xarxa as xa
from xarxa import data as xdata

N = 10
X = np.arange(N * 2, dtype=np.float32).reshape(N, 2)
Y = np.arange(N, dtype=np.int64)


class Stream(xdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class TorchStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class SizedStream(Stream):
    def __len__(self):
        return self.n


class SizedTorchStream(TorchStream):
    def __len__(self):
        return self.n


def _sampler(lib):
    return lib.SequentialSampler(range(N))


# (kwargs for both libraries, given the library's module): each must be refused by both
CONFLICTS = {
    "sampler+shuffle": lambda lib: dict(sampler=_sampler(lib), shuffle=True),
    "batch_sampler+batch_size": lambda lib: dict(batch_sampler=[[0, 1]], batch_size=2),
    "batch_sampler+shuffle": lambda lib: dict(batch_sampler=[[0, 1]], shuffle=True),
    "batch_sampler+sampler": lambda lib: dict(batch_sampler=[[0, 1]], sampler=_sampler(lib)),
    "batch_sampler+drop_last": lambda lib: dict(batch_sampler=[[0, 1]], drop_last=True),
    "batch_size=None+drop_last": lambda lib: dict(batch_size=None, drop_last=True),
    "num_workers<0": lambda lib: dict(num_workers=-1),
    "timeout<0": lambda lib: dict(timeout=-1),
    "prefetch without workers": lambda lib: dict(prefetch_factor=2),
    "persistent without workers": lambda lib: dict(persistent_workers=True),
    "context without workers": lambda lib: dict(multiprocessing_context="fork"),
    "batch_size=0": lambda lib: dict(batch_size=0),
}


@pytest.mark.parametrize("case", list(CONFLICTS))
def test_argument_conflicts_raise_torchs_errors(case):
    with pytest.raises(ValueError) as theirs:
        tdata.DataLoader(range(N), **CONFLICTS[case](tdata))
    message = str(theirs.value)
    with pytest.raises(ValueError, match="^DataLoader: " + re.escape(message)):
        xdata.DataLoader(xdata.TensorDataset(X, Y), **CONFLICTS[case](xdata))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0, 1]),
                                    dict(batch_sampler=[[0, 1]])])
def test_iterable_dataset_conflicts_raise_torchs_errors(kwargs):
    with pytest.raises(ValueError) as theirs:
        tdata.DataLoader(TorchStream(5), **kwargs)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        xdata.DataLoader(Stream(5), **kwargs)


def test_xarxa_options_and_their_errors():
    ds = xdata.TensorDataset(X, Y)
    with pytest.raises(ValueError, match="DataLoader: give seed= or generator=, not both"):
        xdata.DataLoader(ds, seed=0, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="full_batch and batch_sampler"):
        xdata.DataLoader(ds, full_batch=True, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="timeout applies to worker processes"):
        xdata.DataLoader(ds, timeout=1)
    with pytest.raises(ValueError, match="'fork' only"):
        xdata.DataLoader(ds, num_workers=1, multiprocessing_context="spawn")
    with pytest.raises(TypeError, match="DataLoader: generator must be None, a "
                                        "numpy.random.Generator"):
        xdata.DataLoader(ds, shuffle=True, generator=42)
    with pytest.raises(TypeError, match="DataLoader: num_workers must be an integer"):
        xdata.DataLoader(ds, num_workers=1.5)
    # full_batch with a sampler: one batch of the sampler's indices
    (x, y), = xdata.DataLoader(ds, full_batch=True, sampler=[3, 1, 2])
    assert y.tolist() == [3, 1, 2]
    # pin_memory is accepted on the CPU and changes nothing
    plain = [y.tolist() for _, y in xdata.DataLoader(ds, batch_size=4)]
    pinned = xdata.DataLoader(ds, batch_size=4, pin_memory=True, pin_memory_device="",
                              in_order=True)
    assert [y.tolist() for _, y in pinned] == plain and pinned.pin_memory


def test_generator_makes_the_order_reproducible():
    ds = xdata.TensorDataset(X, Y)

    def epochs(loader, k=3):
        return [np.concatenate([y.numpy() for _, y in loader]).tolist() for _ in range(k)]
    a = epochs(xdata.DataLoader(ds, batch_size=3, shuffle=True,
                                generator=np.random.default_rng(7)))
    b = epochs(xdata.DataLoader(ds, batch_size=3, shuffle=True,
                                generator=np.random.default_rng(7)))
    assert a == b and a[0] != a[1] and sorted(a[0]) == list(range(N))
    g = xdata.DataLoader(ds, batch_size=3, shuffle=True,
                         generator=torch.Generator().manual_seed(7))
    h = xdata.DataLoader(ds, batch_size=3, shuffle=True,
                         generator=torch.Generator().manual_seed(7))
    assert epochs(g) == epochs(h)
    # the loader's own generator is untouched by the global one
    rng_loader = xdata.DataLoader(ds, batch_size=3, shuffle=True,
                                  generator=np.random.default_rng(7))
    xa.manual_seed(0)
    assert epochs(rng_loader) == a
    assert "rng" in rng_loader.state_dict()


def test_iterable_dataset_batches_like_torch():
    for kwargs in (dict(batch_size=4), dict(batch_size=4, drop_last=True),
                   dict(batch_size=None)):
        mine = [b.tolist() if isinstance(b, xa.Tensor) else b
                for b in xdata.DataLoader(Stream(10), **kwargs)]
        theirs = [b.tolist() if isinstance(b, torch.Tensor) else b
                  for b in tdata.DataLoader(TorchStream(10), **kwargs)]
        assert mine == theirs
        assert len(xdata.DataLoader(SizedStream(10), **kwargs)) == \
            len(tdata.DataLoader(SizedTorchStream(10), **kwargs))
    with pytest.raises(TypeError):
        len(tdata.DataLoader(TorchStream(3)))
    with pytest.raises(TypeError, match="IterableDataset without __len__"):
        len(xdata.DataLoader(Stream(3)))
    with pytest.raises(TypeError, match="IterableDataset"):
        Stream(3)[0]
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, xdata.ChainDataset) and list(chained) == [0, 1, 0, 1, 2]


def test_concat_dataset_is_torchs():
    a = xdata.TensorDataset(X[:3], Y[:3])
    b = xdata.TensorDataset(X[3:8], Y[3:8])
    both = a + b
    theirs = tdata.ConcatDataset([range(3), range(3, 8)])
    assert isinstance(both, xdata.ConcatDataset) and len(both) == len(theirs) == 8
    assert both.cumulative_sizes == theirs.cumulative_sizes
    for i in [0, 2, 3, 7, -1, -8]:
        assert both[i][1].item() == theirs[i]
    with pytest.raises(IndexError, match="ConcatDataset: index 8 is out of range"):
        both[8]
    ys = np.concatenate([y.numpy() for _, y in xdata.DataLoader(both, batch_size=3)])
    assert ys.tolist() == list(range(8))
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        xdata.ConcatDataset([])
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        xdata.ConcatDataset([Stream(2)])


def test_random_split_takes_a_generator():
    ds = xdata.TensorDataset(X, Y)
    one = xdata.random_split(ds, [0.7, 0.3], generator=np.random.default_rng(4))
    two = xdata.random_split(ds, [0.7, 0.3], generator=np.random.default_rng(4))
    assert [p.indices.tolist() for p in one] == [p.indices.tolist() for p in two]
    tg = xdata.random_split(ds, [7, 3], torch.Generator().manual_seed(1))  # positional, as torch
    assert sorted(np.concatenate([p.indices for p in tg]).tolist()) == list(range(N))
    with pytest.raises(ValueError, match="random_split: give generator= or seed=, not both"):
        xdata.random_split(ds, [7, 3], generator=np.random.default_rng(0), seed=0)


def test_subset_follows_torchs_getitems_protocol():
    """A dataset with PyTorch's __getitems__ (a list of samples) gets collated."""
    class Batched(xdata.Dataset):
        calls = 0

        def __len__(self):
            return 6

        def __getitem__(self, i):
            return float(i)

        def __getitems__(self, indices):
            Batched.calls += 1
            return [float(i) for i in indices]

    batches = list(xdata.DataLoader(xdata.Subset(Batched(), [5, 4, 3]), batch_size=2))
    assert [b.tolist() for b in batches] == [[5.0, 4.0], [3.0]] and Batched.calls == 2
    assert batches[0].dtype == np.float64


def test_import_xarxa_as_torch_reaches_utils_data():
    code = ("import xarxa as torch, numpy as np\n"
            "ds = torch.utils.data.TensorDataset(np.zeros((4, 2), np.float32), np.arange(4))\n"
            "loader = torch.utils.data.DataLoader(ds, batch_size=2)\n"
            "from xarxa.utils.data import DataLoader, TensorDataset, random_split\n"
            "from xarxa.utils.data.sampler import SubsetRandomSampler\n"
            "from xarxa.utils.data.dataloader import default_collate, get_worker_info\n"
            "from xarxa.utils.data.distributed import DistributedSampler\n"
            "assert DataLoader is torch.data.DataLoader is torch.utils.data.DataLoader\n"
            "print(len(loader), [y.tolist() for _, y in loader])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2 [[0, 1], [2, 3]]"
