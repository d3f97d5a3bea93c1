"""`python -m xarxa ...`: the `xarxa` command (xarxa.apps.cli)."""
import sys

from .apps.cli import main

sys.exit(main())
