"""`set_num_threads` / `get_num_threads`: how many threads the BLAS library behind NumPy's
matrix products uses — where xarxa's time goes, as PyTorch's intra-op threads are in
PyTorch.

Two ways to reach the library, tried in order:
1. `threadpoolctl` (an optional dependency: `pip install threadpoolctl`), imported only
   when these functions are called; it knows OpenBLAS, MKL and BLIS;
2. OpenBLAS's own `openblas_set_num_threads` / `openblas_get_num_threads` through ctypes,
   in the OpenBLAS that NumPy loaded (NumPy's wheels bundle one, under the symbol prefix
   `scipy_`); found in the process's memory map (Linux).
Where neither works, a RuntimeError says what to install. The setting is process-wide, as
PyTorch's is.
"""
from __future__ import annotations

import ctypes
import functools

_HINT = ("install threadpoolctl (pip install threadpoolctl) to control the threads of "
         "NumPy's BLAS library, or set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / "
         "MKL_NUM_THREADS before starting Python")


def _check(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    return n


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


@functools.lru_cache(maxsize=1)
def _openblas():
    """(get, set) of the OpenBLAS loaded in this process, or None."""
    import numpy  # noqa: F401 - loads its BLAS, if nothing has yet
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_", ""):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    get.restype, get.argtypes = ctypes.c_int, []
                    put.restype, put.argtypes = None, [ctypes.c_int]
                    return get, put
    return None


def _blas_pools(tpc) -> list:
    return [p for p in tpc.threadpool_info() if p.get("user_api") == "blas"]


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS library uses for matrix products."""
    tpc = _threadpoolctl()
    if tpc is not None:
        pools = _blas_pools(tpc)
        if pools:
            return max(p["num_threads"] for p in pools)
    blas = _openblas()
    if blas is not None:
        return int(blas[0]())
    raise RuntimeError(f"get_num_threads: cannot reach NumPy's BLAS library; {_HINT}")


def set_num_threads(n: int) -> None:
    """Use `n` threads in NumPy's BLAS library (PyTorch's `torch.set_num_threads`).

    Example:
        >>> xa.set_num_threads(1)   # one core: e.g. several processes side by side
    """
    n = _check(n)
    tpc = _threadpoolctl()
    if tpc is not None and _blas_pools(tpc):
        tpc.threadpool_limits(limits=n, user_api="blas")  # kept until changed again
        return
    blas = _openblas()
    if blas is not None:
        blas[1](n)
        return
    raise RuntimeError(f"set_num_threads: cannot reach NumPy's BLAS library; {_HINT}")
