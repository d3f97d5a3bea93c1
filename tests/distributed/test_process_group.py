"""The process group without mpiexec (a world of one process, no MPI imported), the
install hint when mpi4py is missing, and the collectives' argument errors. The
collectives across two ranks are checked in test_ddp.py::test_collectives_two_ranks."""
import os
import subprocess
import sys

import numpy as np
import pytest

import xarxa as xa
import xarxa.distributed as dist
from xarxa.distributed import group


def test_without_mpiexec_a_world_of_one_process_and_no_mpi_import():
    code = ("import sys, xarxa, xarxa.nn.parallel, xarxa.data; import xarxa.distributed as d; "
            "d.init_process_group(); print(d.get_rank(), d.get_world_size(), "
            "'mpi4py' in sys.modules)")
    env = {k: v for k, v in os.environ.items()
           if k not in group._LAUNCHER_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.split() == ["0", "1", "False"]


def test_collectives_in_a_world_of_one_leave_values_alone():
    dist.init_process_group()
    t = xa.tensor([1.0, -2.0])
    for op in ("sum", "mean", "max", "min", dist.ReduceOp.AVG):
        assert dist.all_reduce(t, op) is t and t.tolist() == [1.0, -2.0]
    assert dist.broadcast(t, src=0) is t and t.tolist() == [1.0, -2.0]
    gathered = dist.all_gather([], t)
    assert len(gathered) == 1 and gathered[0].tolist() == [1.0, -2.0]
    assert gathered[0].numpy() is not t.numpy()  # a copy, not the same array
    dist.barrier()
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1


def test_collective_argument_errors():
    dist.init_process_group()
    with pytest.raises(ValueError, match="all_reduce: op must be one of 'sum', 'mean', 'max', "
                       "'min', got 'prod'"):
        dist.all_reduce(np.zeros(2), "prod")
    with pytest.raises(TypeError, match="all_reduce: the mean needs a floating array, got "
                       "dtype int64"):
        dist.all_reduce(np.zeros(2, dtype=np.int64), "mean")
    with pytest.raises(TypeError, match="all_reduce: expected a Tensor or a NumPy array .* "
                       "got list"):
        dist.all_reduce([1.0, 2.0])
    with pytest.raises(ValueError, match=r"broadcast: src must be a rank in \[0, 0\], got 1"):
        dist.broadcast(np.zeros(2), src=1)
    with pytest.raises(ValueError, match="all_gather: tensor_list must be empty or hold one "
                       "entry per rank"):
        dist.all_gather([np.zeros(2), np.zeros(2)], np.zeros(2))
    with pytest.raises(ValueError, match="init_process_group: xarxa's only backend is 'mpi'"):
        dist.init_process_group("nccl")


def test_uninitialised_group_says_what_to_call(monkeypatch):
    monkeypatch.setattr(group, "_world", None)
    with pytest.raises(RuntimeError, match=r"call xarxa.distributed.init_process_group\(\)"):
        dist.get_rank()


def test_missing_mpi4py_under_mpiexec_gives_the_install_hint(monkeypatch):
    monkeypatch.setattr(group, "_world", None)
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if not installed
    with pytest.raises(ImportError, match=r"mpi4py is not installed; install the extra: pip "
                       r"install 'xarxa\[distributed\]'"):
        dist.init_process_group()
    assert not dist.is_initialized()
