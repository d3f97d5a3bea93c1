"""default_collate / default_convert against torch.utils.data's on nested samples: the same
containers, tensor dtypes, shapes and values; the same refusals."""
import collections
import re

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate
from torch.utils.data import default_convert as torch_convert

import xarxa as xa
from xarxa.data import DataLoader, Dataset, default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def to_xarxa(x):
    """A sample written with torch tensors, as the same sample with xarxa tensors."""
    if isinstance(x, torch.Tensor):
        return xa.Tensor(x.numpy())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(to_xarxa(v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(to_xarxa(v) for v in x)
    if isinstance(x, dict):
        return type(x)((k, to_xarxa(v)) for k, v in x.items())
    return x


def assert_same(mine, theirs, where="batch"):
    """Same container types all the way down; tensors with torch's dtype, shape, values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, xa.Tensor), f"{where}: {type(mine).__name__} is no Tensor"
        assert str(mine.dtype) == str(theirs.dtype), where
        assert tuple(mine.shape) == tuple(theirs.shape), where
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
        return
    assert type(mine) is type(theirs), f"{where}: {type(mine)} vs {type(theirs)}"
    if isinstance(theirs, dict):
        assert list(mine) == list(theirs), where
        for k in theirs:
            assert_same(mine[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(mine) == len(theirs), where
        for i, (m, t) in enumerate(zip(mine, theirs)):
            assert_same(m, t, f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(mine, theirs)
    else:
        assert mine == theirs, where


def samples(kind):
    rng = np.random.default_rng(0)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    return {
        "floats": [1.5, 2.0, -3.25],
        "ints": [1, 2, 3],
        "bools": [True, False, True],
        "int then float": [1, 2.5, 3],
        "float then int": [1.5, 2, 3],
        "numpy scalars": [np.float32(1.5), np.float32(2.5)],
        "numpy f64 scalars": [np.float64(1.5), np.float64(2.5)],
        "numpy int32 scalars": [np.int32(4), np.int32(5)],
        "strings": ["a", "bc"],
        "arrays": [f32(2, 3), f32(2, 3)],
        "uint8 arrays": [np.arange(4, dtype=np.uint8), np.arange(4, dtype=np.uint8)],
        "0-d arrays": [np.array(1.5), np.array(2.5)],
        "tensors": [torch.randn(3, 2, generator=torch.Generator().manual_seed(0)),
                    torch.ones(3, 2)],
        "int tensors": [torch.tensor([1, 2]), torch.tensor([3, 4])],
        "(input, target) tuples": [(f32(1, 2, 2), 3), (f32(1, 2, 2), 7)],
        "lists": [[1, 2.5, "x"], [3, 4.5, "y"]],
        "dicts": [{"image": f32(2), "label": 1, "meta": {"id": "a", "w": 0.5}},
                  {"image": f32(2), "label": 0, "meta": {"id": "b", "w": 1.5}}],
        "ordered dicts": [collections.OrderedDict(a=1, b=np.zeros(2)),
                          collections.OrderedDict(a=2, b=np.ones(2))],
        "namedtuples": [Point(1.0, np.zeros(3, np.float32)), Point(2.0, np.ones(3, np.float32))],
        "nested": [((torch.ones(2), [1, {"k": 2.0}]), "s"),
                   ((torch.zeros(2), [3, {"k": 4.0}]), "t")],
    }[kind]


KINDS = ["floats", "ints", "bools", "int then float", "float then int", "numpy scalars",
         "numpy f64 scalars", "numpy int32 scalars", "strings", "arrays", "uint8 arrays",
         "0-d arrays", "tensors", "int tensors", "(input, target) tuples", "lists", "dicts",
         "ordered dicts", "namedtuples", "nested"]


@pytest.mark.parametrize("kind", KINDS)
def test_default_collate_is_torchs(kind):
    batch = samples(kind)
    assert_same(default_collate(to_xarxa(batch)), torch_collate(batch), kind)


@pytest.mark.parametrize("kind", KINDS)
def test_default_convert_is_torchs(kind):
    for sample in samples(kind):
        assert_same(default_convert(to_xarxa(sample)), torch_convert(sample), kind)


@pytest.mark.parametrize("batch", [[None, None], [np.array(["a"]), np.array(["b"])],
                                   [object(), object()]], ids=["None", "str array", "object"])
def test_default_collate_refuses_what_torch_refuses(batch):
    with pytest.raises(TypeError) as theirs:
        torch_collate(batch)
    with pytest.raises(TypeError, match=re.escape(str(theirs.value))):
        default_collate(batch)


def test_default_collate_unequal_sizes_say_what_differs():
    with pytest.raises(RuntimeError, match="equal size"):
        torch_collate([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"default_collate: each element in list of batch "
                                         r"should be of equal size, got lengths \[1, 2\]"):
        default_collate([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"default_collate: stack expects each array to be "
                                         r"equal size, but got shape \(2,\) at entry 0 and "
                                         r"\(3,\) at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])


class Records(Dataset):
    """A map-style dataset of dict samples with Python numbers (no batch fast path)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "y": i, "w": i / 2, "name": f"r{i}"}


def test_loader_batches_are_torchs():
    mine = list(DataLoader(Records(), batch_size=2))
    theirs = list(torch.utils.data.DataLoader(Records(), batch_size=2))
    assert len(mine) == len(theirs) == 3
    for m, t in zip(mine, theirs):
        assert_same(m, t)
    # batch_size=None: samples one by one through default_convert
    mine = list(DataLoader(Records(), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Records(), batch_size=None))
    for m, t in zip(mine, theirs):
        assert_same(m, t)
