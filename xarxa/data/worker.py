"""Worker processes of ``DataLoader(num_workers=k)``: batches loaded in parallel.

Design (why it is safe):

- Workers are *forked* (the ``fork`` start method): they inherit the dataset,
  ``collate_fn`` and ``worker_init_fn`` as they are, so nothing — not even a lambda —
  has to be pickled. Platforms without ``fork`` get a clear error.
- Each worker has its own pipe. Batch k goes to worker ``k mod k_active`` and the main
  process reads the answers in the same order, so the batches come out in exactly the
  order of ``num_workers=0``; at most ``prefetch_factor`` batches per worker are asked
  for ahead. Messages go through ``_wire`` (JSON header + raw array bytes, no pickle).
- Every wait polls its pipe in short slices and checks between them that the worker is
  still alive: a worker that dies (``os._exit``, a signal, the OOM killer) is reported
  as a RuntimeError naming it, its pid and its exit code or signal — never a hang.
  ``timeout=`` bounds each batch's wait. An exception in a worker is re-raised in the
  main process with its type and the worker's traceback, as PyTorch does. A
  StopIteration from the dataset ends the caller's loop at that batch and leaves the
  iterator and its workers going, as with ``num_workers=0`` (PyTorch's behaviour).
- Workers stop when the epoch ends (or at once on an error), when the loader or
  iterator is garbage collected (``weakref.finalize``), at interpreter exit, and by
  themselves when the main process disappears (end of file on the pipe, parent pid
  check). ``persistent_workers=True`` keeps one pool for the loader's lifetime.
- Seeds: each worker seeds ``random``, NumPy's legacy global generator and xarxa's
  global generator with ``base_seed + worker_id`` before ``worker_init_fn`` runs, so
  that random augmentations differ between workers and repeat from run to run.
"""
from __future__ import annotations

import builtins
import collections
import multiprocessing
import os
import random
import signal
import sys
import time
import traceback
import warnings
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..random import manual_seed
from . import _wire
from .fetch import fetch, stream

__all__ = ["WorkerInfo", "get_worker_info"]

_POLL_S = 0.05  # how often a waiting main process checks that its worker lives


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process (PyTorch's fields)."""
    id: int
    num_workers: int
    seed: int
    dataset: Any


_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a ``DataLoader`` worker: its ``id``, ``num_workers``, ``seed`` and its copy
    of the ``dataset`` (to shard an ``IterableDataset``); ``None`` in the main process."""
    return _info


@dataclass
class Spec:
    """What every worker of a loader needs (inherited through fork, never pickled)."""
    dataset: Any
    iterable: bool
    auto_collation: bool
    batch_size: int | None
    drop_last: bool
    collate_fn: Any
    worker_init_fn: Any
    num_workers: int


def _error_header(where: str) -> dict:
    exc_type, exc, _ = sys.exc_info()
    return {"kind": "error", "type": [exc_type.__module__, exc_type.__qualname__],
            "where": where, "text": "".join(traceback.format_exc())}


def _worker_loop(conn, inherited, spec: Spec, worker_id: int, seed: int) -> None:
    """The body of worker ``worker_id``: answer requests until told to stop."""
    global _info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    for other in inherited:  # the main process's ends: only it may hold them
        other.close()
    parent = os.getppid()
    _info = WorkerInfo(worker_id, spec.num_workers, seed, spec.dataset)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    manual_seed(seed)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None  # a failed worker_init_fn is the answer to every request
    try:
        if spec.worker_init_fn is not None:
            spec.worker_init_fn(worker_id)
    except Exception:
        init_error = _error_header(where)
    epoch, batches = None, None
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:
                    return  # the main process is gone
                continue
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not raw:
            return  # the stop message
        header, index = _wire.loads(raw, conn)
        answer = {"epoch": header["epoch"], "task": header["task"], "kind": "batch"}
        if init_error is not None:
            message = _wire.dumps(dict(answer, **init_error))
        else:
            try:
                if spec.iterable:
                    if header["epoch"] != epoch:  # a new epoch: a new pass over the stream
                        epoch = header["epoch"]
                        batches = stream(iter(spec.dataset), spec.auto_collation,
                                         spec.batch_size, spec.drop_last, spec.collate_fn)
                    batch = next(batches, _END)
                    if batch is _END:
                        answer["kind"], batch = "end", None
                else:
                    batch = fetch(spec.dataset, index, spec.auto_collation, spec.collate_fn)
                message = _wire.dumps(answer, batch)
            except Exception:
                message = _wire.dumps(dict(answer, **_error_header(where)))
        try:
            _wire.write(conn, message)
        except OSError:
            return


_END = object()


def _shutdown(procs: list, conns: list, graceful: bool) -> None:
    """Stop the workers: a stop message and closed pipes, up to a second's grace when
    ``graceful``, then SIGTERM, then SIGKILL."""
    for conn in conns:
        try:
            conn.send_bytes(b"")
        except (OSError, ValueError):
            pass
        conn.close()
    deadline = time.monotonic() + (1.0 if graceful else 0.0)
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(1.0)
        if p.is_alive():
            p.kill()
            p.join()


def _rebuild_exception(header: dict) -> BaseException:
    """The worker's exception, of its type when that type is a builtin or is defined in a
    module the main process has imported (RuntimeError otherwise), with its traceback."""
    module, qualname = header["type"]
    text = f"Caught {qualname.split('.')[-1]} {header['where']}.\nOriginal {header['text']}"
    cls = sys.modules.get(module, builtins if module == "builtins" else None)
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        return RuntimeError(text)
    if cls is KeyError:  # KeyError shows the repr of its argument: keep the text readable
        return KeyError(_Text(text))
    try:
        return cls(text)
    except Exception:
        return RuntimeError(text)


def _stops(header: dict) -> bool:
    """Whether a worker's error is a StopIteration from the dataset or collate_fn. As in
    PyTorch and with num_workers=0, it ends the caller's loop at that batch, and the
    iterator then goes on with the next batch: no failure of the pool."""
    return header["type"] == ["builtins", "StopIteration"]


class _Text(str):
    def __repr__(self) -> str:
        return str(self)


class WorkerPool:
    """``spec.num_workers`` forked worker processes and their pipes."""

    def __init__(self, spec: Spec, base_seed: int, context=None):
        if context is None:
            if "fork" not in multiprocessing.get_all_start_methods():
                raise RuntimeError("DataLoader: num_workers > 0 needs the 'fork' start method "
                                   "(Linux, macOS), which this platform lacks; use "
                                   "num_workers=0")
            context = multiprocessing.get_context("fork")
        self.procs, self.conns = [], []
        self.epoch = 0
        for w in range(spec.num_workers):
            parent_end, child_end = context.Pipe()
            self.conns.append(parent_end)
            p = context.Process(target=_worker_loop, name=f"xarxa DataLoader worker {w}",
                                args=(child_end, list(self.conns), spec, w, base_seed + w),
                                daemon=True)
            with warnings.catch_warnings():
                # Python ≥ 3.12 warns that forking a process with threads (OpenBLAS's) may
                # deadlock; OpenBLAS resets its threads at fork, and workers only index
                # arrays. PyTorch forks its workers the same way.
                warnings.filterwarnings("ignore", category=DeprecationWarning,
                                        message=r".*fork\(\) may lead to deadlocks")
                p.start()
            child_end.close()
            self.procs.append(p)
        self._finalizer = weakref.finalize(self, _shutdown, self.procs, self.conns, True)

    @property
    def alive(self) -> bool:
        return self._finalizer.alive

    def shutdown(self, graceful: bool = True) -> None:
        if self._finalizer.alive:
            self._finalizer.detach()
            _shutdown(self.procs, self.conns, graceful)

    def send(self, worker_id: int, header: dict, index=None) -> None:
        try:
            _wire.send(self.conns[worker_id], header, index)
        except OSError:
            raise self._died(worker_id) from None

    def _died(self, worker_id: int) -> RuntimeError:
        p = self.procs[worker_id]
        p.join(0.5)  # let a dying worker finish dying, to read its exit code
        code = p.exitcode
        if code is None:
            how = "closed its pipe"
        elif code < 0:
            how = f"was killed by signal {signal.Signals(-code).name}"
        else:
            how = f"exited with code {code}"
        self.shutdown(graceful=False)
        return RuntimeError(f"DataLoader worker {worker_id} (pid {p.pid}) exited unexpectedly: "
                            f"it {how}")

    def receive(self, worker_id: int, epoch: int, task: int, timeout: float) -> tuple:
        """(header, batch) of task ``task`` of ``epoch`` from worker ``worker_id``, skipping
        answers to an abandoned epoch; raises if the worker died, failed or timed out."""
        conn, proc = self.conns[worker_id], self.procs[worker_id]
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            wait = _POLL_S if deadline is None else max(0.0, min(_POLL_S,
                                                                 deadline - time.monotonic()))
            try:
                ready = conn.poll(wait)
            except (EOFError, OSError):
                ready = True
            if ready:
                try:
                    header, batch = _wire.recv(conn)
                except (EOFError, OSError):
                    raise self._died(worker_id) from None
                except Exception:  # a batch this process cannot rebuild (a class it lacks)
                    self.shutdown(graceful=False)
                    raise
                current = (header["epoch"], header["task"]) == (epoch, task)
                if header["kind"] == "error" and current and not _stops(header):
                    self.shutdown(graceful=False)
                    raise _rebuild_exception(header)
                if current:
                    return header, batch
                continue  # the answer to a request of an epoch left unfinished
            if not proc.is_alive() and not conn.poll(0):
                raise self._died(worker_id)
            if deadline is not None and time.monotonic() >= deadline:
                self.shutdown(graceful=False)
                raise RuntimeError(f"DataLoader timed out after {timeout} seconds (worker "
                                   f"{worker_id} sent no batch)")


class WorkerIterator:
    """One epoch over a pool: requests batches ahead, returns them in order."""

    def __init__(self, pool: WorkerPool, index_batches, prefetch_factor: int, timeout: float,
                 persistent: bool):
        pool.epoch += 1  # answers to any earlier, unfinished epoch are now stale
        self.pool, self.epoch, self.timeout, self.persistent = pool, pool.epoch, timeout, \
            persistent
        self.indices = None if index_batches is None else iter(index_batches)
        self.active = [True] * len(pool.procs)
        self.pending: collections.deque = collections.deque()  # (task, worker) in order
        self.next_task, self.cursor, self.exhausted = 0, 0, False
        for _ in range(prefetch_factor * len(pool.procs)):
            self._request()

    def _request(self) -> None:
        """Ask the next active worker, in turn, for the next batch."""
        n = len(self.active)
        if self.exhausted or not any(self.active):
            return
        while not self.active[self.cursor % n]:
            self.cursor += 1
        worker = self.cursor % n
        header = {"epoch": self.epoch, "task": self.next_task}
        index = None
        if self.indices is not None:
            index = next(self.indices, _END)
            if index is _END:
                self.exhausted = True
                return
        self.pool.send(worker, header, index)
        self.pending.append((self.next_task, worker))
        self.next_task += 1
        self.cursor += 1

    def __iter__(self):
        return self

    def __next__(self):
        if self.pool.epoch != self.epoch:
            raise RuntimeError("DataLoader: this iterator's persistent workers have moved on "
                               "to a newer iter(loader); use the newer iterator")
        if self.pending and not self.pool.alive:
            raise RuntimeError("DataLoader: this iterator's workers were shut down after an "
                               "error; start a new epoch with iter(loader)")
        while self.pending:
            task, worker = self.pending.popleft()
            header, batch = self.pool.receive(worker, self.epoch, task, self.timeout)
            if header["kind"] == "end":  # that worker's share of the stream is done
                self.active[worker] = False
                self._request()
                continue
            self._request()
            if header["kind"] == "error":  # a StopIteration: receive() raised the others
                raise _rebuild_exception(header)
            return batch
        if not self.persistent:
            self.pool.shutdown()
        raise StopIteration
