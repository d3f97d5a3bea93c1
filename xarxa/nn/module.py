"""`Module` and `Parameter`: what every layer builds on (containers: `containers.py`).

A `Module` registers what is assigned to it: a `Parameter` becomes a trainable parameter,
a `Module` a child, and `register_buffer` adds a non-trainable tensor (running statistics)
that is saved in the `state_dict`. Names are dotted paths (`features.0.weight`), as in
PyTorch, so that `state_dict` keys of the same architecture match PyTorch's.

Calling a module (`model(x)`) runs `forward` and adds the name of the layer that failed to
the ValueError/TypeError an op raises inside it, in one place (`Module.__call__`): ops check
their inputs, layers do not check them again.

`state_dict()` returns Tensors that *share* the parameters' arrays (no copy, as PyTorch
does): copy them (`{k: v.numpy().copy() ...}`) to keep a snapshot that training will not
change. `load_state_dict` copies values *into* the existing arrays, so optimizers that hold
the parameters keep working.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Callable, Iterator

import numpy as np

from ..autograd.function import no_grad
from ..tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

Window = namedtuple("Window", ["kernel", "stride", "pad_before", "pad_after"])
Window.__doc__ = """What one spatial axis of a layer's output sees of its input, as a
convolution would: a window of `kernel` input units moved by `stride` (below 1 for upsampling: 1/scale),
after `pad_before` units of padding before the first and `pad_after` after the last.
`receptive_field_step` returns one per spatial axis (H, W)."""


class Parameter(Tensor):
    """A Tensor that a `Module` registers as trainable (requires_grad=True by default).

    `Parameter(t)` shares `t`'s array; lists and numbers become float32 like `xa.tensor`.

    Example:
        >>> w = nn.Parameter(xa.randn(3, 2))
        >>> w.requires_grad
        True
    """

    def __init__(self, data=None, requires_grad: bool = True, name: str | None = None):
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        elif isinstance(data, np.ndarray):
            array = data
        else:
            from ..creation import tensor
            array = tensor(data)._data
        super().__init__(array, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):  # pragma: no cover - pickling is not supported
        raise TypeError("Parameter: pickling is not supported; use xa.save / state_dict")


class Module:
    """Base class of every layer and model: subclass it and write `forward`.

    Example:
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(2, 1)
        ...     def forward(self, x):
        ...         return self.fc(x).sigmoid()
    """

    training: bool

    # -- what the inspection tools read (`xarxa.inspect`; README: "Adding a layer") ---------
    #: True for a layer that computes a new representation (Linear, convolutions, pooling,
    #: blocks): `inspect.summary` counts it for depth and width. False for one that belongs
    #: to the layer before it (activations, normalisation, dropout, Flatten). None: not
    #: declared; summary counts it and flags it. A module *with children* that declares it
    #: is shown as one unit (a block); one that does not (a container, a model) is looked
    #: into.
    counts_as_layer: bool | None = None
    #: How the layer changes the receptive field (`inspect.receptive_field`): "same" (every
    #: output unit sees what the input unit at its position sees: elementwise layers),
    #: "all" (every output unit sees the whole input: Flatten, Linear), or a method
    #: `receptive_field_step(input_shape, output_shape)` returning one `Window` per spatial
    #: axis (H, W) (or "same"/"all"). None: not declared; receptive_field raises, naming the
    #: layer, rather than guess.
    receptive_field_step = None

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward() is not implemented")

    def __call__(self, *args, **kwargs):
        """Run `forward`; a ValueError/TypeError raised inside gets this layer's name (see
        `_name_error`). A NumPy array or a list of numbers as input is refused here, once for
        every module, with the fix (`xa.tensor`), instead of failing deep inside an op."""
        if args and not isinstance(args[0], Tensor):
            _check_input(self, args[0])
        try:
            return self.forward(*args, **kwargs)
        except (ValueError, TypeError) as error:
            _name_error(self, error)
            raise

    def _label(self) -> str:
        """The layer's one-line description used in error messages: `Conv2d(1, 6, …)`."""
        try:
            extra = self.extra_repr()
        except Exception:   # a broken extra_repr must not hide the error being reported
            extra = ""
        return f"{self._get_name()}({extra})" if extra and "\n" not in extra \
            else self._get_name()

    # -- registration ----------------------------------------------------------------------
    def _registry(self, kind: str) -> OrderedDict:
        registry = self.__dict__.get(kind)
        if registry is None:
            raise AttributeError(f"{type(self).__name__}: cannot assign a parameter, buffer "
                                 "or module before Module.__init__() is called (call "
                                 "super().__init__() first)")
        return registry

    def _forget(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for kind in ("_parameters", "_buffers", "_modules"):
            self.__dict__[kind].pop(name, None)
        self.__dict__["_non_persistent"].discard(name)

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Parameter):
            params = self._registry("_parameters")
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            modules = self._registry("_modules")
            self._forget(name)
            modules[name] = value
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} "
                                f"to parameter {name!r} (a Parameter or None expected)")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} "
                                f"to child module {name!r} (a Module or None expected)")
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} "
                                f"to buffer {name!r} (a Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for kind in ("_parameters", "_buffers", "_modules"):
            registry = d.get(kind)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if any(name in self.__dict__.get(k, ()) for k in ("_parameters", "_buffers",
                                                           "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, e.g. `bias=False`) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got "
                            f"{type(param).__name__}")
        self._registry("_parameters")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Add a non-trainable tensor (e.g. running statistics), saved in the state_dict
        unless `persistent=False`."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        if "." in name or not name:
            raise KeyError(f"register_buffer: invalid buffer name {name!r}")
        self._registry("_buffers")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under `name` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got "
                            f"{type(module).__name__}")
        self._registry("_modules")
        self._forget(name)
        self._modules[name] = module

    # -- traversal -------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """(dotted name, module) for this module and every descendant (pre-order), each
        once unless `remove_duplicate=False` (a shared module under each of its names)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, kind: str, recurse: bool):
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for prefix, module in modules:
            for name, t in module.__dict__[kind].items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{prefix}.{name}" if prefix else name), t

    def named_parameters(self, recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once."""
        return self._named_members("_parameters", recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse):
            yield p

    def named_buffers(self, recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse):
            yield b

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call `fn` on every child (recursively), then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ---------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active, batch-norm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter (`.grad = None`, or zeros)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.detach().zero_()  # same array, in-place write recorded

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, dtype) -> "Module":
        """Cast every floating parameter and buffer to `dtype`, in place (same objects)."""
        from ..dtypes import resolve
        dtype = resolve(dtype, "Module.to")
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f" and t._data.dtype != dtype:
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad._data.astype(dtype))
        return self

    def float(self) -> "Module":
        return self.to(np.float32)

    def double(self) -> "Module":
        return self.to(np.float64)

    # -- state -----------------------------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name, as Tensors sharing the
        arrays (no copy; see the module docstring)."""
        return OrderedDict((k, Tensor(v._data)) for k, v in self._state_targets().items())

    def _state_targets(self) -> "OrderedDict[str, Tensor]":
        # like PyTorch, a shared module appears under each of its names
        out: OrderedDict[str, Tensor] = OrderedDict()
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = prefix + "." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers.

        Values may be Tensors or arrays. Between floating types they are cast to each
        target's dtype (float64 weights load into a float32 model, as in PyTorch); a
        different kind (integers into a float parameter, floats into an integer buffer)
        is an error, and so is a shape mismatch; with `strict=True` (the default) so is a
        missing or unexpected key. Nothing is changed unless every check passes.

        Returns:
            (missing_keys, unexpected_keys), like PyTorch.
        """
        targets = self._state_targets()
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        for key, target in targets.items():
            if key in state_dict:
                value = _array(state_dict[key])
                if value.shape != target.shape:
                    problems.append(f"size mismatch for {key!r}: the checkpoint has shape "
                                    f"{value.shape}, the model expects {target.shape}")
                elif (value.dtype.kind == "f") != (target.dtype.kind == "f"):
                    problems.append(f"dtype mismatch for {key!r}: the checkpoint has "
                                    f"{value.dtype}, the model expects {target.dtype}")
        if problems:
            raise ValueError(f"load_state_dict: cannot load into {type(self).__name__}: "
                             + "; ".join(problems))
        with no_grad():
            for key, target in targets.items():
                if key in state_dict:
                    np.copyto(target._data, _array(state_dict[key]), casting="unsafe")
        return IncompatibleKeys(missing, unexpected)

    # -- representation --------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The layer's settings, shown inside its repr (override in subclasses)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        if not self._modules and len(lines) <= 1:
            return f"{self._get_name()}({extra})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _check_input(module: Module, x) -> None:
    """Refuse a NumPy array or a (nested) list/tuple of numbers as a module's input: ops
    need Tensors, and without this the error would be an AttributeError deep inside one."""
    if isinstance(x, (np.ndarray, np.generic)):
        what = f"a NumPy array of shape {x.shape} and dtype {x.dtype}"
        first = next(module.parameters(), None)
        if first is not None and x.dtype.kind == "f" and x.dtype != first.dtype:
            fix = f"xa.tensor(x, dtype=xa.{first.dtype})"   # the model's own dtype
        else:
            fix = "xa.tensor(x) (a copy) or xa.from_numpy(x) (sharing its memory)"
    elif isinstance(x, (list, tuple)) and _all_numbers(x):
        what, fix = f"a {type(x).__name__} of numbers", "xa.tensor(x)"
    else:
        return   # anything else (a Tensor subclass, a list of Tensors…) is forward's business
    error = TypeError(f"expected a Tensor as input, got {what}; convert it with {fix}")
    _name_error(module, error)
    raise error


def _all_numbers(items) -> bool:
    return len(items) > 0 and all(
        _all_numbers(v) if isinstance(v, (list, tuple)) else
        isinstance(v, (int, float, np.number)) for v in items)


def _name_error(module: Module, error: Exception) -> None:
    """Put the name of the layer that raised `error` in front of its message, once.

    The innermost module whose forward raised it labels it (`Conv2d(1, 6, …): conv2d: …`);
    each enclosing module then only extends the path to it (`… at LeNet5.features.0: …`),
    so nested modules do not stack prefixes. The exception object is kept (same type,
    same traceback); only its message changes.
    """
    state = error.__dict__.get("_xarxa_layer")
    if state is None:   # raised by an op, or by this module's own check
        message, own = str(error), module._get_name() + ": "
        if message.startswith(own):   # the module named itself already: do not repeat it
            message = message[len(own):]
        state = error._xarxa_layer = {"module": module, "label": module._label(), "path": "",
                                      "message": message}
    else:
        inner = state["module"]
        if inner is None:
            return   # the chain of modules was lost (see below): keep the last message
        name = next((n for n, m in module.named_modules() if m is inner and n), None)
        if name is None:   # called through a module that is not registered here
            state["module"] = None
            return
        state["module"], state["path"] = module, name + ("." + state["path"] if state["path"]
                                                         else "")
    where = f" at {module._get_name()}.{state['path']}" if state["path"] else ""
    error.args = (f"{state['label']}{where}: {state['message']}",)


def _array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)
