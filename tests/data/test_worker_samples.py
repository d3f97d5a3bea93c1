"""What a sample is does not depend on num_workers: a StopIteration raised by a dataset
ends the loop as PyTorch's does, and samples keep their types (OrderedDict, defaultdict,
IntEnum, named tuples, custom mappings) through the workers' pickle-free wire, exactly as
torch's DataLoader gives them; a type that cannot cross is an error naming it."""
import collections
import collections.abc
import enum
import sys
import types
import typing

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.data import DataLoader
from deadline import deadline


def describe(o):
    """Type and value of a batch, all the way down, the same for xarxa and torch."""
    if isinstance(o, torch.Tensor):
        return ("tensor", str(o.dtype), o.tolist())
    if isinstance(o, xa.Tensor):
        return ("tensor", str(o.dtype), o.numpy().tolist())
    if isinstance(o, enum.Enum):
        return (type(o), o.value)
    if isinstance(o, collections.abc.Mapping):
        state = describe(vars(o)) if hasattr(o, "__dict__") else None
        return (type(o), getattr(o, "default_factory", None), state,
                [(describe(k), describe(v)) for k, v in o.items()])
    if isinstance(o, (list, tuple)):
        return (type(o), [describe(v) for v in o])
    return (type(o), o)


# --- 1. StopIteration in __getitem__ --------------------------------------------------

class StopsAt:
    """0 … 7, but __getitem__(bad) raises StopIteration."""

    def __init__(self, bad):
        self.bad = bad

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.bad:
            raise StopIteration(f"no sample {i}")
        return i


def loop_then_rest(loader):
    """What a for loop over iter(loader) sees, then what the same iterator gives after."""
    it = iter(loader)
    first = [describe(b) for b in it]
    return first, [describe(b) for b in it]


@pytest.mark.parametrize("bad", [0, 5])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_stop_iteration_in_getitem_ends_the_loop_whatever_num_workers(bad, batch_size):
    # PyTorch, with and without workers: the loop ends at the batch whose sample raised
    # (the batches before it delivered), and the iterator goes on with the next batch.
    expected = loop_then_rest(torch.utils.data.DataLoader(StopsAt(bad), batch_size=batch_size))
    with deadline(30):
        assert loop_then_rest(torch.utils.data.DataLoader(
            StopsAt(bad), batch_size=batch_size, num_workers=2)) == expected
        for workers in (0, 2):
            assert loop_then_rest(DataLoader(StopsAt(bad), batch_size=batch_size,
                                             num_workers=workers)) == expected, workers


def test_stop_iteration_with_persistent_workers_leaves_the_pool_usable():
    expected = [[describe(b) for b in DataLoader(StopsAt(3), batch_size=2)]] * 2
    assert expected[0] == [describe(torch.tensor([0, 1]))]
    with deadline(20):
        loader = DataLoader(StopsAt(3), batch_size=2, num_workers=2, persistent_workers=True)
        assert [[describe(b) for b in loader] for _ in range(2)] == expected
        pool = loader._pool
        assert pool.alive and all(p.is_alive() for p in pool.procs)
        pool.shutdown()


# --- 2. sample types through the wire -------------------------------------------------

class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


Point = collections.namedtuple("Point", "x y")


class Pair(typing.NamedTuple):
    a: int
    b: np.ndarray


class FrozenMap(collections.abc.Mapping):
    """A read-only mapping whose data lives in an attribute."""

    def __init__(self, data):
        self._data = dict(data)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class TaggedDict(dict):
    """A dict subclass with an attribute of its own."""

    def __init__(self, *args, tag="t", **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag


class Typed:
    """Samples of every kind that must keep its type, nested."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        a = np.full(2, i, np.float32)
        return {
            "ordered": collections.OrderedDict([("b", a), (Color.RED, i), ("a", [i, 0.5])]),
            "default": collections.defaultdict(list, {"x": a}),
            "counts": collections.defaultdict(int, {"n": i}),
            "color": Color(1 + i % 2),
            "point": Point(a, Pair(i, a)),
            "frozen": FrozenMap({"x": a, "c": Color.GREEN}),
            "tagged": TaggedDict(x=a, tag=f"u{i}"),
            "list": [Color.RED, Point(i, "s")],
            "name": np.str_(f"s{i}"),  # a NumPy string, not a str
        }


@pytest.mark.parametrize("batch_size", [None, 2])
def test_sample_types_come_out_of_workers_as_from_torch(batch_size):
    with deadline(30):
        expected = [describe(b) for b in torch.utils.data.DataLoader(
            Typed(), batch_size=batch_size, num_workers=2)]
        for workers in (0, 2):
            got = list(DataLoader(Typed(), batch_size=batch_size, num_workers=workers))
            assert [describe(b) for b in got] == expected, workers
    # the defaultdict still makes its defaults; the OrderedDict keeps its order
    assert got[0]["default"]["new"] == [] and got[0]["counts"]["new"] == 0
    assert list(got[0]["ordered"]) == ["b", Color.RED, "a"]


# --- 3. what cannot cross is an error naming it ----------------------------------------

class Text(str):
    pass


class Items(list):
    pass


class Slotted(collections.abc.Mapping):
    __slots__ = ("_data",)

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def local_namedtuple():
    Local = collections.namedtuple("Local", "x")
    return Local(1)


def worker_only_namedtuple():
    """A namedtuple of a module that only the worker has imported."""
    module = sys.modules.setdefault("xarxa_worker_only", types.ModuleType("xarxa_worker_only"))
    if not hasattr(module, "Late"):
        module.Late = collections.namedtuple("Late", "x", module="xarxa_worker_only")
    return module.Late(1)


class One:
    def __init__(self, make):
        self.make = make

    def __len__(self):
        return 1

    def __getitem__(self, i):
        return self.make()


@pytest.mark.parametrize("make, message", [
    (lambda: Text("a"), r"test_worker_samples\.Text\b"),
    (lambda: Items([1]), r"test_worker_samples\.Items\b"),
    (lambda: np.ma.masked_array([1, 2], mask=[0, 1]), r"numpy\.ma\.(\w+\.)?MaskedArray"),
    (lambda: xa.nn.Parameter(xa.zeros(2)), r"Parameter\b"),
    (lambda: Slotted({"x": 1}), r"test_worker_samples\.Slotted\b(.|\n)*__slots__"),
    (lambda: collections.defaultdict(lambda: 0), r"defaultdict(.|\n)*<lambda>"),
    (local_namedtuple, r"test_worker_samples\.Local\b(.|\n)*not found under that name"),
    (worker_only_namedtuple, r"xarxa_worker_only\.Late(.|\n)*main process"),
], ids=["str-subclass", "list-subclass", "masked-array", "parameter", "slots-mapping",
        "lambda-factory", "local-namedtuple", "class-of-the-worker-only"])
def test_a_type_that_cannot_cross_is_an_error_naming_it(make, message):
    with deadline(20):
        with pytest.raises(TypeError, match=message):
            list(DataLoader(One(make), batch_size=None, num_workers=1))
    assert "xarxa_worker_only" not in sys.modules  # imported by the worker only
