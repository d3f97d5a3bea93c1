"""The process group: which MPI world this process belongs to, and how it stops.

A *rank* is one process of a job started by ``mpiexec -n N``: ranks 0 … N-1 run the same
script, each on its own share of the data, and talk only through MPI collectives. Without
``mpiexec`` the world is one process (rank 0 of 1) and nothing imports MPI at all.

MPI is the transport (``mpi4py``, the optional ``distributed`` extra); xarxa adds no
networking of its own. Only buffer-based MPI calls are used (never mpi4py's pickle-based
lower-case methods: DESIGN principle 7, no unpickling).

A rank that raises must not leave the others waiting forever inside a collective (MPI
would: they spin until killed). In a world of more than one rank, an uncaught exception
prints its traceback and then *aborts the communicator*: ``mpiexec`` stops every rank at
once and exits non-zero. ``abort()`` does the same for a rank that ends on purpose with an
error status (the ``xarxa`` command line uses it).
"""
from __future__ import annotations

import os
import sys

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "get_rank", "get_world_size", "barrier", "abort", "launched"]

INSTALL_HINT = ("install the extra: pip install 'xarxa[distributed]' (mpi4py and the mpich "
                "wheel, whose mpiexec lands in the virtual environment's bin/)")

# Environment variables that MPI launchers set in every process they start (MPICH/Hydra and
# Intel MPI: PMI_*; Open MPI: OMPI_*; PMIx-based launchers: PMIX_*; MVAPICH: MV2_*).
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                       "MV2_COMM_WORLD_SIZE")


class _World:
    """The initialised group: an MPI communicator, or None for a world of one process."""

    def __init__(self, comm, rank: int, size: int):
        self.comm, self.rank, self.size = comm, rank, size


_world: _World | None = None


def launched() -> bool:
    """True when this process was started by an MPI launcher (``mpiexec``, ``srun`` …)."""
    return any(v in os.environ for v in _LAUNCHER_VARIABLES)


def mpi():
    """The ``mpi4py.MPI`` module, or an ImportError saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(f"xarxa.distributed: mpi4py is not installed; {INSTALL_HINT}") \
            from error
    return MPI


def is_available() -> bool:
    """True when the ``distributed`` extra (mpi4py) is installed."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def init_process_group(backend: str | None = None) -> None:
    """Join the MPI world this process was launched in (idempotent).

    Under ``mpiexec -n N`` every rank calls it and gets its rank and the world size N;
    without a launcher it makes a world of one process without importing MPI, so the
    same script runs everywhere. ``backend`` is accepted for PyTorch's signature: only
    ``"mpi"`` (or None) exists here.

    Example:
        >>> import xarxa.distributed as dist
        >>> dist.init_process_group()
        >>> dist.get_rank(), dist.get_world_size()
        (0, 1)
    """
    global _world
    if backend not in (None, "mpi"):
        raise ValueError(f"init_process_group: xarxa's only backend is 'mpi' (through "
                         f"mpi4py), got backend={backend!r}")
    if _world is not None:
        return
    if not launched():
        _world = _World(None, 0, 1)
        return
    MPI = mpi()  # noqa: N806 - mpi4py's name
    # A duplicate of COMM_WORLD: xarxa's messages never match a user's own MPI calls.
    comm = MPI.COMM_WORLD.Dup()
    _world = _World(comm, comm.Get_rank(), comm.Get_size())
    if _world.size > 1:
        _install_abort_on_exception()


def destroy_process_group() -> None:
    """Leave the group (MPI itself is finalised when the process exits)."""
    global _world
    if _world is not None and _world.comm is not None:
        _world.comm.Free()
    _world = None


def is_initialized() -> bool:
    return _world is not None


def world() -> _World:
    """The initialised world, or a RuntimeError saying to initialise it."""
    if _world is None:
        raise RuntimeError("xarxa.distributed: the process group is not initialised; call "
                           "xarxa.distributed.init_process_group() first")
    return _world


def get_rank() -> int:
    """This process's rank, 0 … world size − 1 (rank 0 prints and writes files)."""
    return world().rank


def get_world_size() -> int:
    """The number of ranks (processes) in the job."""
    return world().size


def barrier() -> None:
    """Wait until every rank has called ``barrier()``."""
    w = world()
    if w.comm is not None:
        w.comm.Barrier()


def abort(exit_code: int = 1, reason: str | None = None) -> None:
    """Stop every rank now with ``exit_code`` (returns only in a world of one process).

    What a rank must do instead of exiting alone with an error: the other ranks would
    wait for it forever inside their next collective.
    """
    w = _world
    if w is None or w.comm is None or w.size == 1:
        return
    reason = f" ({reason})" if reason else ""
    print(f"xarxa.distributed: rank {w.rank} of {w.size} failed{reason}; aborting all "
          f"{w.size} ranks", file=sys.stderr, flush=True)
    sys.stdout.flush()
    w.comm.Abort(int(exit_code) or 1)


def _install_abort_on_exception() -> None:
    """An uncaught exception prints its traceback as usual, then aborts every rank."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        abort(1, f"uncaught {kind.__name__}")

    sys.excepthook = hook
