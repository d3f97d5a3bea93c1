"""`python -m xarxa ...`: the `xarxa` command (xarxa.apps.cli)."""
import sys

from .apps.cli import main

if __name__ == "__main__":  # importing this module (e.g. to list the package) runs nothing
    sys.exit(main())
