"""Data-parallel training on MPI: the process group and its collectives.

The names are ``torch.distributed``'s::

    import xarxa.distributed as dist
    from xarxa.nn.parallel import DistributedDataParallel
    from xarxa.data import DataLoader, DistributedSampler

    dist.init_process_group()                  # under mpiexec: this rank of the MPI world
    model = DistributedDataParallel(model)     # same weights everywhere, gradients averaged
    loader = DataLoader(train, batch_size=32, sampler=DistributedSampler(train))

and ``OMP_NUM_THREADS=1 mpiexec -n 4 python train.py`` runs four ranks. Without
``mpiexec`` the world has one rank and everything above still works.

MPI comes from the optional extra ``pip install 'xarxa[distributed]'`` (mpi4py and the
mpich wheel, which puts ``mpiexec`` in the virtual environment's ``bin/``). Importing this
package imports NumPy only; mpi4py is imported when a launched process initialises the
group, and its absence is then an ImportError saying how to install it.
"""
from .collectives import ReduceOp, all_gather, all_reduce, broadcast
from .group import (abort, barrier, destroy_process_group, get_rank, get_world_size,
                    init_process_group, is_available, is_initialized, launched)

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "get_rank", "get_world_size", "barrier", "broadcast", "all_reduce", "all_gather",
           "ReduceOp", "abort", "launched"]
