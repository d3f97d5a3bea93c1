"""What each rank runs for test_ending.py: one rank ends, in one way, mid-"training".

    python _ending_worker.py HOW WHO

Every rank runs STEPS steps of one gradient Allreduce each (what DDP does per step). Rank
WHO ends in way HOW at step 2, while the other rank waits for it in that step's Allreduce
(or, with HOW ending in "-late", after the last step while the others still work; with
"-computing", the other rank first computes for a second, so the notice arrives before
its next collective). "normal" and "worker" (a forked child terminated) end nobody.
"""
import os
import signal
import sys
import time

import numpy as np

import xarxa.distributed as dist

STEPS = 4


def end(how: str) -> None:
    kind = how.split("-")[0]
    if kind == "raise":
        raise RuntimeError("rank failed on purpose")
    if kind == "keyboard":
        raise KeyboardInterrupt
    if kind.startswith("exit"):
        sys.exit(int(kind[4:]))
    if kind.startswith("osexit"):
        os._exit(int(kind[6:]))
    if kind in ("SIGTERM", "SIGINT", "SIGHUP"):
        os.kill(os.getpid(), getattr(signal, kind))
        time.sleep(5)  # the handler runs here, at the latest
        return
    if kind == "normal":
        return
    if kind == "worker":  # a forked child (a DataLoader worker) stopped with SIGTERM
        import multiprocessing
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
        child.start()
        child.terminate()
        child.join(10)
        assert child.exitcode == -signal.SIGTERM, child.exitcode
        return
    raise SystemExit(f"unknown way of ending {how!r}")  # pragma: no cover


def main(how: str, who: int) -> None:
    # SIGHUP's action as a job started from a terminal has it: under `nohup` (a CI script
    # run in the background) it is inherited ignored, xarxa rightly leaves an ignored
    # signal alone, and the SIGHUP case would test nothing
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    dist.init_process_group()
    rank = dist.get_rank()
    grad = np.ones(1000, dtype=np.float32)
    for step in range(STEPS):
        if rank == who and step == 2 and not how.endswith("-late"):
            end(how)
        if rank != who and step == 2 and how.endswith("-computing"):
            time.sleep(1.0)  # busy elsewhere when the other rank leaves
        dist.all_reduce(grad, "mean")
    if rank == who and how.endswith("-late"):
        end(how)
    if rank == 0:
        time.sleep(0.5)  # rank 0 finishes later (it writes the files): the others wait
    if how == "normal-barrier":
        dist.barrier()
    if how == "normal-destroy":  # PyTorch's way to end: leave the group explicitly
        dist.destroy_process_group()
    print(f"rank {rank} done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
