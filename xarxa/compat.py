"""PyTorch code unchanged on xarxa: every ``torch…`` and ``torchvision…`` import is xarxa's.

    import xarxa.compat; xarxa.compat.install()    # first, before any `import torch`
    import torch                                    # xarxa
    import torch.nn as nn                           # xarxa.nn
    from torch.utils.data import DataLoader         # xarxa.utils.data.DataLoader
    from torchvision import transforms              # xarxa.vision.transforms

``xarxa run script.py`` (and ``python -m xarxa.run``) does the same for a whole script.
`install` puts a finder first on ``sys.meta_path``, so that it answers before the real
PyTorch, installed or not, can be found: ``torch.X.Y`` is ``xarxa.X.Y`` and
``torchvision.X`` is ``xarxa.vision.X`` (`xarxa_module`).

What a script gets is a thin view of xarxa's module under PyTorch's name (`TorchModule`):
its attributes are xarxa's own objects (``torch.Tensor is xarxa.Tensor``,
``torch.nn.Linear is xarxa.nn.Linear``), setting one sets xarxa's
(``torch.backends.cudnn.benchmark = True``), and what xarxa lacks fails at once, naming
it: ``torch.compile`` raises `MissingName` (an AttributeError), ``import torch.jit`` and
``from torch.nn import Transformer`` raise `MissingModule` (a ModuleNotFoundError), both
`NotInXarxa`, with the message "torch.jit is not implemented in xarxa". Nothing of PyTorch
is ever imported. The view adds one look-up to the first use of a name; after that a
function, class or dtype is found in the view's own dictionary (settings such as
``torch.backends.cudnn.benchmark`` are read from xarxa's module each time).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

__all__ = ["install", "installed", "xarxa_module", "TorchModule", "NotInXarxa", "MissingName",
           "MissingModule", "PACKAGES"]

# PyTorch's two top-level packages and xarxa's counterparts; a submodule follows its package
PACKAGES = {"torch": "xarxa", "torchvision": "xarxa.vision"}
# xarxa's modules that are not PyTorch's: the applications and this bridge
_NOT_PYTORCH = {"apps", "cli", "run", "compat", "__main__"}
# values looked up in xarxa's module at every use, never cached in a view: the settings a
# module may rebind (flags, numbers, names); functions, classes, dtypes … are cached
_SETTING = (bool, int, float, complex, str, bytes, type(None))


class NotInXarxa(Exception):
    """A PyTorch name (``torch.compile``, ``torch.jit``) that xarxa does not implement."""


class MissingName(NotInXarxa, AttributeError):
    """``torch.foo`` where xarxa has no ``foo``: an AttributeError, so ``hasattr`` is False."""


class MissingModule(NotInXarxa, ModuleNotFoundError):
    """``import torch.foo`` where xarxa has no module ``foo``: a ModuleNotFoundError, so
    ``try: import torch.foo except ImportError:`` works as it does without the module."""


def _not_in_xarxa(name: str) -> str:
    return (f"{name} is not implemented in xarxa (here `torch` is xarxa: "
            "its docs/pytorch.md lists what it has)")


def xarxa_module(name: str) -> str | None:
    """xarxa's module name for the dotted module ``name`` (``torch.nn`` -> ``xarxa.nn``,
    ``torchvision.transforms`` -> ``xarxa.vision.transforms``); None when it is not
    PyTorch's."""
    top, dot, rest = name.partition(".")
    if top not in PACKAGES:
        return None
    return PACKAGES[top] + dot + rest


class TorchModule(types.ModuleType):
    """xarxa's module ``target`` under PyTorch's ``name`` (see the module docstring)."""

    def __init__(self, name: str, target: types.ModuleType):
        super().__init__(name, target.__doc__)
        package = hasattr(target, "__path__")
        own = self.__dict__
        own["__xarxa__"] = target
        own["__spec__"] = importlib.util.spec_from_loader(name, _FINDER, is_package=package)
        own["__loader__"] = _FINDER
        own["__package__"] = name if package else name.rpartition(".")[0]
        own["__file__"] = getattr(target, "__file__", None)
        if package:
            own["__path__"] = []  # a package for the import system; the finder finds its parts

    def __getattr__(self, attr: str):
        target = self.__dict__["__xarxa__"]
        try:
            value = getattr(target, attr)
        except AttributeError:
            if attr.startswith("__") and attr.endswith("__"):
                raise  # a protocol probe (copy, pickle, inspect ...): not a PyTorch name
            value = _submodule(self, attr)
        if isinstance(value, types.ModuleType) and value.__name__.startswith("xarxa"):
            value = _view(f"{self.__name__}.{attr}", value)
        if not isinstance(value, _SETTING):
            self.__dict__[attr] = value
        return value

    def __setattr__(self, attr: str, value) -> None:
        if (attr.startswith("__") and attr.endswith("__")) or isinstance(value, TorchModule):
            self.__dict__[attr] = value  # the import system's records, a submodule's view
            return
        setattr(self.__dict__["__xarxa__"], attr, value)
        self.__dict__.pop(attr, None)

    def __delattr__(self, attr: str) -> None:
        if attr in self.__dict__:
            del self.__dict__[attr]
        else:
            delattr(self.__dict__["__xarxa__"], attr)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.__dict__["__xarxa__"])) | set(self.__dict__) - {"__xarxa__"})

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}: xarxa's {self.__dict__['__xarxa__'].__name__!r}>"


def _view(name: str, target: types.ModuleType) -> TorchModule:
    """The one view of ``target`` named ``name`` (registered in ``sys.modules``)."""
    view = sys.modules.get(name)
    if isinstance(view, TorchModule) and view.__dict__["__xarxa__"] is target:
        return view
    view = TorchModule(name, target)
    sys.modules[name] = view
    return view


def _submodule(view: TorchModule, attr: str) -> types.ModuleType:
    """xarxa's module behind ``view.attr`` where it is a submodule not imported yet (as
    PyTorch loads some lazily); otherwise `MissingName`."""
    target = view.__dict__["__xarxa__"]
    if hasattr(target, "__path__") and _spec(f"{target.__name__}.{attr}") is not None:
        return importlib.import_module(f"{target.__name__}.{attr}")
    raise MissingName(_not_in_xarxa(f"{view.__name__}.{attr}"), name=attr, obj=view)


def _spec(module: str):
    """xarxa's ``module``'s spec; None if there is no such module, or it is not PyTorch's."""
    parent, _, leaf = module.rpartition(".")
    if parent == "xarxa" and leaf in _NOT_PYTORCH:
        return None
    try:
        return importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a parent is missing, or is a module and not a package
        return None


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers for ``torch…`` and ``torchvision…`` before any other finder."""

    def find_spec(self, fullname, path=None, target=None):
        name = xarxa_module(fullname)
        if name is None:
            return None
        spec = _spec(name)
        if spec is None:
            # name=None: `from torch import foo` must show this message, not be swallowed
            # into "cannot import name 'foo'" (importlib skips errors named after the module)
            raise MissingModule(_not_in_xarxa(fullname))
        return importlib.util.spec_from_loader(
            fullname, self, is_package=spec.submodule_search_locations is not None)

    def create_module(self, spec):
        return _view(spec.name, importlib.import_module(xarxa_module(spec.name)))

    def exec_module(self, module):
        pass  # xarxa's module is imported (and run) by create_module


_FINDER = _Finder()


def installed() -> bool:
    """Whether `install` has run in this process."""
    return any(f is _FINDER for f in sys.meta_path)


def install() -> None:
    """Make every later ``import torch…``/``torchvision…`` give xarxa (idempotent).

    Raises:
        RuntimeError: if the real PyTorch or torchvision is already imported: the
            program would mix PyTorch's objects with xarxa's. Call it first (in a
            notebook, in the first cell of a fresh kernel).
    """
    loaded = sorted(name for name in PACKAGES
                    if sys.modules.get(name) is not None
                    and not isinstance(sys.modules[name], TorchModule))
    if loaded:
        raise RuntimeError(f"xarxa.compat.install: {' and '.join(loaded)} is already imported "
                           "in this process, so its names would mix PyTorch's objects with "
                           "xarxa's; call install() before any `import torch` (in a notebook: "
                           "restart the kernel and run it in the first cell)")
    if not installed():
        sys.meta_path.insert(0, _FINDER)  # first: the path finder would find real PyTorch
