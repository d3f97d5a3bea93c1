"""Import paths that moved, kept working with a DeprecationWarning naming the new one.

The applications moved under `xarxa/apps/` (the library/applications split): scripts and
notebooks that import `xarxa.train.run` or `xarxa.solve` still run. A finder on
`sys.meta_path` answers for the old names only, by importing the new module and handing
back that same module object (no second copy, nothing imported until asked for).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# old module -> new module (a package's submodules follow it)
MOVED = {
    "xarxa.train.run": "xarxa.apps.train.run",
    "xarxa.train.tasks": "xarxa.apps.train.tasks",
    "xarxa.train.task_common": "xarxa.apps.train.task_common",
    "xarxa.train.segmentation_task": "xarxa.apps.train.segmentation_task",
    "xarxa.train.siamese_task": "xarxa.apps.train.siamese_task",
    "xarxa.train._figures": "xarxa.apps.train.figures",
    "xarxa.solve": "xarxa.apps.solve",
    "xarxa.playground": "xarxa.apps.playground",
    "xarxa.inspect.landscape_cli": "xarxa.apps.landscape",
    "xarxa.inspect.surfaces": "xarxa.apps.surfaces",
}


def new_name(old: str) -> str | None:
    """Where module `old` lives now, or None if it did not move."""
    for prefix, target in MOVED.items():
        if old == prefix or old.startswith(prefix + "."):
            return target + old[len(prefix):]
    return None


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        new = new_name(name)
        if new is None:
            return None
        return importlib.util.spec_from_loader(name, self, is_package=True)

    def create_module(self, spec):
        new = new_name(spec.name)
        warnings.warn(f"{spec.name} moved to {new}; import it from there",
                      DeprecationWarning, stacklevel=3)
        module = importlib.import_module(new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec  # importlib stamped the old name's spec on it


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())  # before the path finder: a stale folder must not win
