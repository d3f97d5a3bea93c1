"""``python -m xarxa.run script.py [arg ...]``: `xarxa run` without the console script, e.g.
``mpiexec -n 2 python -m xarxa.run train.py``. The work is in ``xarxa.apps.run``; like
``xarxa/cli.py`` this module only hands over to the application (``import xarxa`` never
loads it)."""
import sys

from .apps.run import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover - python -m xarxa.run
    sys.exit(main())
