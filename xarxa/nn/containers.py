"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`, `ParameterDict`."""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Iterator

from .module import Module
from ..tensor import Tensor


class Sequential(Module):
    """Modules applied one after another: `Sequential(a, b, c)(x) == c(b(a(x)))`.

    Accepts modules or one OrderedDict of name -> module. Indexing gives a module (an int)
    or a Sequential (a slice); `len`, iteration and `append` work as on a list.

    Example:
        >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(str(name), m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, "
                                    "expected a Module")
                self.add_module(str(i), m)

    def forward(self, x):
        # In training, a BatchNorm1d/2d directly followed by a ReLU (those exact classes, no
        # hooks on either, a Tensor input) runs as one fused op, batch_norm(...,
        # activation="relu"): the same values and gradients with one full-size pass fewer
        # (issue 23). In eval mode every layer runs as itself (export, inspection).
        fuse = None
        for m in self._modules.values():
            if fuse is not None:
                if "_fusable" in type(m).__dict__ and m._hooks is None:
                    x, fuse = fuse._forward_relu(x), None
                    continue
                x, fuse = fuse(x), None
            if ("_fuses_relu" in type(m).__dict__ and m._hooks is None and m.training
                    and isinstance(x, Tensor)):
                fuse = m
                continue
            x = m(x)
        if fuse is not None:
            x = fuse(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        try:
            return items[index][1]
        except (IndexError, TypeError):
            raise IndexError(f"Sequential: index {index!r} is out of range for {len(items)} "
                             "modules") from None

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list's would not be).

    Example:
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    """

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check(self, m) -> Module:
        if not isinstance(m, Module):
            raise TypeError(f"ModuleList: expected a Module, got {type(m).__name__}")
        return m

    def _renumber(self, modules: list) -> None:
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        try:
            return items[index]
        except (IndexError, TypeError):
            raise IndexError(f"ModuleList: index {index!r} is out of range for {len(items)} "
                             "modules") from None

    def __setitem__(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items[index] = self._check(module)
        self._renumber(items)

    def append(self, module: Module) -> "ModuleList":
        self._modules[str(len(self._modules))] = self._check(module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, self._check(module))
        self._renumber(items)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over its modules")


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order.

    Example:
        >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)})
        >>> y = heads["cls"](h)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict: no module named {key!r} (have "
                           f"{list(self._modules)})") from None

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: expected a Module for {key!r}, got "
                            f"{type(module).__name__}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules) -> None:
        """Add (name, module) pairs from a mapping or an iterable of pairs."""
        items = modules.items() if hasattr(modules, "items") else modules
        for pair in items:
            if len(pair) != 2:
                raise ValueError(f"ModuleDict.update: expected (name, module) pairs, got "
                                 f"{pair!r}")
            self[pair[0]] = pair[1]

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it by name")


def _parameter(value, where: str):
    from .parameter import Parameter
    from ..tensor import Tensor
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):  # as PyTorch: a plain tensor is wrapped
        return Parameter(value)
    raise TypeError(f"{where}: expected a Parameter or Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters registered as '0', '1', … (a plain list's would not be)."""

    def __init__(self, values=None):
        super().__init__()
        for v in values or ():
            self.append(v)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, index: int):
        items = list(self._parameters.values())
        try:
            return items[index]
        except (IndexError, TypeError):
            raise IndexError(f"ParameterList: index {index!r} is out of range for "
                             f"{len(items)} parameters") from None

    def __setitem__(self, index: int, value) -> None:
        key = list(self._parameters)[index]
        self._parameters[key] = _parameter(value, "ParameterList")

    def append(self, value) -> "ParameterList":
        self.register_parameter(str(len(self._parameters)), _parameter(value, "ParameterList"))
        return self

    def extend(self, values) -> "ParameterList":
        for v in values:
            self.append(v)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward(); iterate over it")


class ParameterDict(Module):
    """A dict of parameters registered under their names, in insertion order."""

    def __init__(self, parameters=None):
        super().__init__()
        items = parameters.items() if hasattr(parameters, "items") else parameters or ()
        if isinstance(parameters, dict) and not isinstance(parameters, OrderedDict):
            items = sorted(items)  # PyTorch sorts a plain dict's keys (an OrderedDict's not)
        for key, value in items:
            self[key] = value

    def __getitem__(self, key: str):
        try:
            return self._parameters[key]
        except KeyError:
            raise KeyError(f"ParameterDict: no parameter named {key!r} (have "
                           f"{list(self._parameters)})") from None

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {type(key).__name__}")
        self.register_parameter(key, _parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward(); index it by name")
