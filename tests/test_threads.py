"""`set_num_threads`/`get_num_threads` (xarxa/_threads.py): the BLAS threads, through
threadpoolctl when it is installed, else OpenBLAS's own calls; PyTorch's argument checks."""
import sys
import types

import pytest
import torch

import xarxa as xa
from xarxa import _threads


@pytest.fixture
def restore():
    before = xa.get_num_threads()
    yield
    xa.set_num_threads(before)


def test_set_and_get_round_trip(restore):
    xa.set_num_threads(1)
    assert xa.get_num_threads() == 1
    xa.set_num_threads(2)
    assert xa.get_num_threads() == 2


@pytest.mark.parametrize("value", [0, -1, 2.5, "2", True])
def test_bad_counts_are_refused_as_in_pytorch(value):
    with pytest.raises(RuntimeError) as theirs:
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError) as ours:
        xa.set_num_threads(value)
    assert str(ours.value) == str(theirs.value).splitlines()[0]


def test_openblas_path_without_threadpoolctl(monkeypatch, restore):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    assert _threads._openblas() is not None  # NumPy's wheel bundles OpenBLAS
    xa.set_num_threads(1)
    assert _threads._openblas()[0]() == 1 and xa.get_num_threads() == 1


def test_threadpoolctl_is_used_when_installed(monkeypatch):
    calls = []
    fake = types.ModuleType("threadpoolctl")
    fake.threadpool_info = lambda: [{"user_api": "blas", "num_threads": 3},
                                    {"user_api": "openmp", "num_threads": 8}]
    fake.threadpool_limits = lambda limits, user_api: calls.append((limits, user_api))
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    assert xa.get_num_threads() == 3
    xa.set_num_threads(4)
    assert calls == [(4, "blas")]


def test_a_clear_message_when_no_blas_can_be_reached(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    monkeypatch.setattr(_threads, "_openblas", lambda: None)
    with pytest.raises(RuntimeError, match="pip install threadpoolctl"):
        xa.set_num_threads(2)
    with pytest.raises(RuntimeError, match="get_num_threads: cannot reach NumPy's BLAS"):
        xa.get_num_threads()
