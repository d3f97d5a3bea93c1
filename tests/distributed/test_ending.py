"""Every way one rank can end ends the whole `mpiexec -n 2` job in bounded time.

An exception, ``sys.exit`` with any status (0 included: a rank that leaves while the others
wait for it in a collective), KeyboardInterrupt, SIGTERM/SIGINT/SIGHUP and ``os._exit``:
the job exits non-zero within BOUND seconds, and stderr names the rank, where any code of
ours can run (``os._exit`` runs none: there the launcher, Hydra, ends the job). A normal end
of every rank, at different times, still exits 0. See xarxa/distributed/group.py.
"""
import sys
import time

import pytest

from distributed._mpi import HERE, run

WORKER = HERE / "_ending_worker.py"
BOUND = 10  # seconds; a launch takes about one, and the abort itself milliseconds


def launch(how: str, who: int = 1):
    start = time.monotonic()
    result = run([how, who], program=[sys.executable, WORKER], timeout=20)
    return result, time.monotonic() - start


def ended_naming(result, elapsed, rank: int = 1) -> None:
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    assert result.returncode != 0, result
    assert f"rank {rank} of 2" in result.stderr, result.stderr
    assert "done" not in result.stdout, result.stdout


@pytest.mark.parametrize("how", ["raise", "keyboard"])
def test_an_uncaught_exception_aborts_naming_the_rank(how):
    result, elapsed = launch(how)
    ended_naming(result, elapsed)
    assert "aborting all 2 ranks" in result.stderr


@pytest.mark.parametrize("how", ["exit1", "exit0", "exit3"])
def test_sys_exit_mid_training_ends_the_job_naming_the_rank(how):
    result, elapsed = launch(how)
    ended_naming(result, elapsed)
    assert "rank 1 of 2 left the job" in result.stderr and "all_reduce" in result.stderr


def test_a_rank_leaving_while_the_others_compute_is_seen_at_their_next_collective():
    result, elapsed = launch("exit0-computing", who=0)
    ended_naming(result, elapsed, rank=0)
    assert "rank 0 of 2 left the job" in result.stderr


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP"])
def test_a_terminating_signal_aborts_naming_the_rank(how):
    result, elapsed = launch(how)
    ended_naming(result, elapsed)
    assert f"rank 1 of 2 failed ({how})" in result.stderr


def test_sigint_is_a_keyboard_interrupt_that_aborts_naming_the_rank():
    result, elapsed = launch("SIGINT")
    ended_naming(result, elapsed)
    assert "KeyboardInterrupt" in result.stderr


def test_os_exit_nonzero_is_ended_by_the_launcher():
    # No Python code runs on os._exit: Hydra sees a rank end without MPI_Finalize and kills
    # the others at once, exiting with the rank's status. Nothing can name the rank.
    result, elapsed = launch("osexit3")
    assert elapsed < BOUND and result.returncode == 3, result


def test_os_exit_zero_mid_training_is_ended_by_the_launcher_in_bounded_time():
    # Hydra kills the other ranks too (bounded), but it exits 0 and prints nothing: the one
    # way of ending that no in-process code can turn into a failure (see group.py).
    result, elapsed = launch("osexit0")
    assert elapsed < BOUND and "done" not in result.stdout, result


@pytest.mark.parametrize("how", ["normal", "normal-barrier", "normal-destroy", "exit0-late",
                                 "worker"])
def test_a_normal_end_of_every_rank_at_different_times_exits_0(how):
    # "worker": a forked child (DataLoader worker) inherits the hooks; its SIGTERM from
    # the loader's terminate() must kill only itself, never abort the job
    result, elapsed = launch(how)
    assert result.returncode == 0, result
    assert "rank 0 done" in result.stdout and elapsed < BOUND


def test_a_rank_that_ends_with_an_error_after_its_last_collective_fails_the_job():
    result, elapsed = launch("exit3-late")
    assert result.returncode == 3 and elapsed < BOUND, result
    assert "rank 0 done" in result.stdout
