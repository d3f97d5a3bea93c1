"""Old home of the command line, kept so that `python -m xarxa.cli` and scripts that call
`xarxa.cli.main` still work: the command line is `xarxa.apps.cli` (also `python -m xarxa`)."""
import sys
import warnings

from .apps.cli import main

__all__ = ["main"]

warnings.warn("xarxa.cli moved to xarxa.apps.cli (run `python -m xarxa` or `xarxa`)",
              DeprecationWarning, stacklevel=2)

if __name__ == "__main__":  # pragma: no cover - python -m xarxa.cli
    sys.exit(main())
