"""``xarxa run``: a PyTorch program, unedited, on xarxa.

    xarxa run train.py --epochs 3             # a script, with its own arguments
    xarxa run -m mypackage.train --epochs 3   # a module, as `python -m`
    xarxa run pytest -q tests/                # a console script found on PATH
    mpiexec -n 2 python -m xarxa.run train.py # the same without the console script

Every ``torch…`` and ``torchvision…`` import of the program, and of what it imports, is
xarxa's (`xarxa.compat.install`), even where PyTorch is installed. The program runs as
``python script.py`` would run it: as ``__main__``, with ``sys.argv`` = the script and
every argument after it (options included, so ``--help`` is the script's), the script's
folder first on ``sys.path`` (the working directory for ``-m``), NumPy's default error
handling, and its exit status. An uncaught exception prints its traceback from the
script's first frame through ``sys.excepthook`` (under ``mpiexec``, xarxa's process group
turns that into stopping every rank) and exits 1.
"""
from __future__ import annotations

import argparse
import os
import runpy
import shutil
import sys
from typing import Sequence

import numpy as np

from .. import compat

USAGE = """\
usage: xarxa run script.py [arg ...]
       xarxa run -m module [arg ...]
       python -m xarxa.run script.py [arg ...]     (also under mpiexec)

Run a PyTorch program unedited: every torch... and torchvision... import is xarxa's.
The arguments after the script or module are the program's own.
"""

# NumPy's error handling as found at import, before the command line's np.errstate
_NUMPY_ERRSTATE = np.geterr()


def add_parser(sub) -> None:
    """Add the ``run`` subcommand to an argparse subparsers object: every argument after
    ``run`` is kept as it is (options too) for `main` to read."""
    p = sub.add_parser("run", help="run a PyTorch script unedited: its torch and torchvision "
                       "imports are xarxa", add_help=False, prefix_chars="\0")
    p.add_argument("argv", nargs=argparse.REMAINDER)  # REMAINDER: '--' is kept too


def run(args) -> int:
    """The ``run`` subcommand of ``xarxa``."""
    with np.errstate(**_NUMPY_ERRSTATE):  # the program gets NumPy's defaults
        return main(args.argv)


def _find_script(name: str) -> str:
    """``name`` itself, or a Python console script of that name on PATH (``pytest``)."""
    if os.path.exists(name) or os.sep in name:
        return name
    found = shutil.which(name)
    if found:
        with open(found, "rb") as f:
            first = f.readline(200)
        if first.startswith(b"#!") and b"python" in first:
            return found
    raise FileNotFoundError(f"can't open file {name!r}: no such file, and no Python console "
                            "script of that name on PATH")


def _trimmed(tb):
    """``tb`` from the program's first frame on (without this runner's and runpy's)."""
    skip = {__file__, runpy.__file__, "<frozen runpy>"}
    while tb is not None and tb.tb_frame.f_code.co_filename in skip:
        tb = tb.tb_next
    return tb


def _execute(start, argv: list[str]) -> int:
    sys.argv = argv
    compat.install()
    try:
        start()
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - reported as Python reports it, below
        tb = _trimmed(error.__traceback__)
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program that ``argv`` names (see `USAGE`); return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, end="", file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    try:
        if argv[0] == "-m":
            if len(argv) < 2:
                raise ValueError("-m expects a module name, as in `xarxa run -m pytest`")
            module, args = argv[1], argv[2:]
            sys.path[0] = os.getcwd()  # as `python -m`
            return _execute(lambda: runpy.run_module(module, run_name="__main__",
                                                     alter_sys=True), [module, *args])
        if argv[0].startswith("-"):
            raise ValueError(f"unknown option {argv[0]!r}: give a script (or -m module), "
                             "then its own arguments")
        script = _find_script(argv[0])
        sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py`
        return _execute(lambda: runpy.run_path(script, run_name="__main__"),
                        [argv[0], *argv[1:]])
    except (ValueError, OSError, ImportError) as error:
        print(f"xarxa run: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover - python -m xarxa.apps.run
    sys.exit(main())
