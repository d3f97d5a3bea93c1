"""The process group: which MPI world this process belongs to, and how it stops.

A *rank* is one process of a job started by ``mpiexec -n N``: ranks 0 … N-1 run the same
script, each on its own share of the data, and talk only through MPI collectives. Without
``mpiexec`` the world is one process (rank 0 of 1) and nothing imports MPI at all.

MPI is the transport (``mpi4py``, the optional ``distributed`` extra); xarxa adds no
networking of its own. Only buffer-based MPI calls are used (never mpi4py's pickle-based
lower-case methods: DESIGN principle 7, no unpickling).

A rank that ends must not leave the others waiting forever inside a collective (MPI would:
they spin until killed). In a world of more than one rank, every way a rank can end ends
the job, with a line on stderr naming the rank:

* an uncaught exception (KeyboardInterrupt, i.e. SIGINT, included) prints its traceback,
  then *aborts the communicator*: ``mpiexec`` stops every rank at once and exits non-zero.
  ``abort()`` does the same for a rank that ends on purpose with an error status (the
  ``xarxa`` command line uses it). SIGTERM and SIGHUP abort likewise (when the script has
  not set its own handler), at the next Python instruction of the main thread; a child
  forked from the rank (a DataLoader worker) keeps their default action.
* ``sys.exit`` (any status) and the end of the script run no excepthook: an exit handler
  sends every other rank a *departure notice* (how many collectives this rank completed),
  then waits for the others to leave too. A rank waiting in a collective that the departed
  rank never joined reads the notice and aborts the job naming it; a rank still computing
  reads it at its next collective (so the bound is the time to the next collective: one
  step in data-parallel training). When every rank ends normally, at whatever times, the
  notices cross, nobody is waiting for anybody, and the job exits with the ranks' status.
* ``os._exit`` and SIGKILL run no code at all. MPICH's launcher (Hydra) sees the process
  end without ``MPI_Finalize`` and kills the other ranks within a second; it exits with the
  rank's status, or 128+signal with a "BAD TERMINATION" banner naming the PID (not the
  rank). ``os._exit(0)`` mid-run is the one gap: the job ends at once but exits 0 with no
  message; only a supervisor process outside the rank could tell it from success.

The notices travel on a communicator of their own, so they never match a collective, and
only xarxa's collectives (``xarxa.distributed``, DDP, ``fit``) watch for them: a rank
blocked in the script's own mpi4py call is not woken.
"""
from __future__ import annotations

import atexit
import os
import signal
import sys

import numpy as np

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "get_rank", "get_world_size", "barrier", "abort", "launched"]

INSTALL_HINT = ("install the extra: pip install 'xarxa[distributed]' (mpi4py and the mpich "
                "wheel, whose mpiexec lands in the virtual environment's bin/)")

# Environment variables that MPI launchers set in every process they start (MPICH/Hydra and
# Intel MPI: PMI_*; Open MPI: OMPI_*; PMIx-based launchers: PMIX_*; MVAPICH: MV2_*).
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                       "MV2_COMM_WORLD_SIZE")


_LEFT = 7  # the tag of a departure notice (on the world's control communicator)
_SIGNALS = (signal.SIGTERM, signal.SIGHUP)  # each aborts the job naming the rank
_mask_before_fork: set = set()  # the forking thread's signal mask, restored after fork


class _World:
    """The initialised group: an MPI communicator, or None for a world of one process.

    With more than one rank: ``control``, a second communicator for departure notices;
    ``calls``, the number of collectives this rank has started on ``comm``; ``departed``,
    {rank: collectives it completed} for every rank whose notice has arrived; ``notice``,
    the receive posted for the next notice; ``pid``, the rank's process (a child forked
    from it, such as a DataLoader worker, inherits the hooks but must never call MPI)."""

    def __init__(self, comm, rank: int, size: int):
        self.comm, self.rank, self.size = comm, rank, size
        self.pid = os.getpid()
        self.control = self.notice = None
        self.calls, self.departed = 0, {}
        self.notice_buf = np.zeros(1, dtype=np.int64)

    def post_notice(self) -> None:
        self.notice = self.control.Irecv(self.notice_buf, source=mpi().ANY_SOURCE, tag=_LEFT)


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
        _world.control = MPI.COMM_WORLD.Dup()
        _world.post_notice()
        _install_abort_on_exception()
        _install_abort_on_signals()
        # Registered after mpi4py's import, so it runs before MPI is finalised.
        atexit.register(_leave_at_exit)


def destroy_process_group() -> None:
    """Leave the group (MPI itself is finalised when the process exits).

    With more than one rank this waits until every rank leaves too (here or at its exit);
    a rank that is waiting for this one in a collective aborts the job instead."""
    global _world
    w, _world = _world, None
    if w is not None and w.control is not None:
        _leave(w)
    if w is not None and w.comm is not None:
        w.comm.Free()


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
        complete(w.comm.Ibarrier(), "barrier")


def abort(exit_code: int = 1, reason: str | None = None) -> None:
    """Stop every rank now with ``exit_code`` (returns only in a world of one process).

    What a rank must do instead of exiting alone with an error: the other ranks would
    wait for it forever inside their next collective.
    """
    w = _world
    if w is None or w.comm is None or w.size == 1 or os.getpid() != w.pid:
        return
    reason = f" ({reason})" if reason else ""
    print(f"xarxa.distributed: rank {w.rank} of {w.size} failed{reason}; aborting all "
          f"{w.size} ranks", file=sys.stderr, flush=True)
    sys.stdout.flush()
    w.comm.Abort(int(exit_code) or 1)


def complete(request, what: str) -> None:
    """Wait for ``request``, the collective ``what`` just started on ``world().comm``; abort
    the job if a rank that never joined it has left (it would wait forever)."""
    w = world()
    w.calls += 1
    if w.control is None:  # mpiexec -n 1: nobody else can leave
        request.Wait()
        return
    MPI = mpi()  # noqa: N806
    status = MPI.Status()
    while True:
        for rank, completed in w.departed.items():
            if completed < w.calls:  # it left before this collective
                _abort_for_departed(w, rank, what)
        if MPI.Request.Waitany([request, w.notice], status) == 0:
            return
        # A notice; the departed rank may still have joined this collective (its data can
        # arrive after the notice, which travels on another communicator): compare counts.
        w.departed[status.Get_source()] = int(w.notice_buf[0])
        w.post_notice()


def _abort_for_departed(w: _World, rank: int, what: str) -> None:
    print(f"xarxa.distributed: rank {rank} of {w.size} left the job (its script exited) "
          f"while rank {w.rank} waited for it in {what}; aborting all {w.size} ranks",
          file=sys.stderr, flush=True)
    sys.stdout.flush()
    w.comm.Abort(1)


def _leave(w: _World) -> None:
    """Send every other rank a departure notice, wait until all have left, collect theirs.

    Each rank sends one notice to each other rank before entering the exit barrier, so once
    the barrier completes every notice addressed to this rank is on its way."""
    MPI = mpi()  # noqa: N806
    sent = np.array([w.calls], dtype=np.int64)
    requests = [w.control.Isend(sent, dest=r, tag=_LEFT) for r in range(w.size) if r != w.rank]
    w.control.Ibarrier().Wait()
    missing = w.size - 1 - len(w.departed)
    if missing:
        w.notice.Wait()
        missing -= 1
    else:
        w.notice.Cancel()
        w.notice.Wait()
    for _ in range(missing):
        w.control.Recv(np.zeros(1, dtype=np.int64), source=MPI.ANY_SOURCE, tag=_LEFT)
    MPI.Request.Waitall(requests)
    w.control.Free()
    w.control = w.notice = None


def _leave_at_exit() -> None:
    w = _world
    if w is not None and w.control is not None and os.getpid() == w.pid:
        _leave(w)


def _install_abort_on_signals() -> None:
    """SIGTERM and SIGHUP (which would kill the rank silently, the launcher naming only its
    PID) abort every rank naming this one; a handler the script set stays."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    installed = False
    for number in _SIGNALS:
        if signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _abort_on_signal)
            installed = True
    if installed:
        # A forked child (a DataLoader worker, which its loader stops with SIGTERM) must die
        # of the signal at once, as without xarxa. CPython forgets a signal that arrives
        # while fork() is finishing in the child, so the signals stay blocked until the
        # child has its default actions back (a pending one then kills it).
        os.register_at_fork(before=_block_signals, after_in_parent=_unblock_signals,
                            after_in_child=_default_signals_in_child)


def _block_signals() -> None:
    global _mask_before_fork
    _mask_before_fork = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)


def _unblock_signals() -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, _mask_before_fork)


def _default_signals_in_child() -> None:
    for number in _SIGNALS:
        if signal.getsignal(number) is _abort_on_signal:
            signal.signal(number, signal.SIG_DFL)
    _unblock_signals()


def _abort_on_signal(number, frame) -> None:
    abort(128 + number, signal.Signals(number).name)
    # Still here: the group was destroyed, or this is a forked child that got the signal
    # before its default action was back: die of the signal as before.
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)


def _install_abort_on_exception() -> None:
    """An uncaught exception prints its traceback as usual, then aborts every rank."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        abort(1, f"uncaught {kind.__name__}")

    sys.excepthook = hook
