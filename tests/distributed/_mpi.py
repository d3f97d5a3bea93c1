"""Launch a worker script under `mpiexec -n N`, from pytest, with a hard time limit.

`mpiexec` is the one in the running interpreter's environment (the mpich wheel of the
`distributed` extra puts it next to `python` in the venv's bin/), never a system one.
On time-out the whole process group (mpiexec and every rank) is killed.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_worker.py"


def mpiexec() -> str:
    """The venv's mpiexec; the tests of this directory skip, saying why, without the extra."""
    pytest.importorskip("mpi4py", reason="the distributed extra is not installed: "
                        "pip install -e '.[test]' (or '.[distributed]')")
    path = Path(sys.executable).parent / "mpiexec"
    if not path.exists():
        pytest.fail(f"mpi4py is installed but {path} is missing: install the mpich wheel "
                    "(pip install mpich) into this environment")
    return str(path)


def run(args, n: int = 2, timeout: float = 60, program: list | None = None, cwd=None,
        env: dict | None = None) -> subprocess.CompletedProcess:
    """`mpiexec -n n python _worker.py *args` (or `program *args`): the completed process.

    One BLAS thread per rank (the machine has 2 cores); the time limit kills every rank."""
    program = program or [sys.executable, str(WORKER)]
    cmd = [mpiexec(), "-n", str(n), *map(str, program), *map(str, args)]
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", **(env or {})}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} did not end within {timeout} s\nstdout:\n{out}\n"
                    f"stderr:\n{err}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def xarxa_command() -> list:
    """The `xarxa` console script of this environment (what a user runs under mpiexec)."""
    return [Path(sys.executable).parent / "xarxa"]


def check(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (f"{' '.join(result.args)} exited with "
                                    f"{result.returncode}\nstdout:\n{result.stdout}\n"
                                    f"stderr:\n{result.stderr}")
    return result
