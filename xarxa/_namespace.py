"""How a public namespace (`xarxa`, `xarxa.nn`, `xarxa.nn.functional`, `xarxa.optim`) shows
its surface and retires names: `dir()` lists `__all__` (the names PyTorch has there, plus the
notes' own, each justified in tests/test_namespaces.py), and a name that moved elsewhere
still resolves for a while, through the module's `__getattr__` (PEP 562), with a
`DeprecationWarning` that names its new path.

    __getattr__, __dir__ = _namespace.surface(__name__, __all__, MOVED)

where `MOVED` maps an old name to its new path, `"xarxa.nn.functional.gelu"`, or to
`(path, advice)` when the advice is not the path itself (`("xarxa.autograd.ops.view",
"Tensor.view")`). Moved names are in neither `__all__` nor `dir()`.
"""
from __future__ import annotations

import importlib
import sys
import warnings

__all__ = ["surface"]


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def surface(module: str, public: list[str], moved: dict):
    """The `__getattr__` and `__dir__` of namespace `module` (see the module docstring)."""

    def __getattr__(name: str):
        target = moved.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        path, advice = target if isinstance(target, tuple) else (target, None)
        hint = f"{advice} (or {path})" if advice else path
        warnings.warn(f"{module}.{name} is deprecated and will be removed; use {hint}",
                      DeprecationWarning, stacklevel=2)
        return _resolve(path)

    def __dir__() -> list[str]:
        dunder = [n for n in vars(sys.modules[module]) if n.startswith("__")]
        return sorted({*public, *dunder})

    return __getattr__, __dir__
