"""`Module`: what every layer builds on (`Parameter`: parameter.py; containers: containers.py).

A `Module` registers what is assigned to it: a `Parameter` becomes a trainable parameter,
a `Module` a child, and `register_buffer` adds a non-trainable tensor (running statistics)
that is saved in the `state_dict`. Names are dotted paths (`features.0.weight`), as in
PyTorch, so that `state_dict` keys of the same architecture match PyTorch's.

Calling a module (`model(x)`) runs `forward` and adds the name of the layer that failed to
the ValueError/TypeError an op raises inside it, in one place (`Module.__call__`): ops check
their inputs, layers do not check them again. Forward and backward hooks (PyTorch's
`register_forward_hook` …) live in `_hooks.py` and cost nothing while none is registered.

Re-assigning a registered name (`m.fc = nn.Linear(…)`, a Parameter, a buffer) replaces it
in its place, as PyTorch does: the order of children, parameters and `state_dict` keys (and
so what a `Sequential` computes) does not change.

`state_dict()` returns Tensors that *share* the parameters' arrays (no copy, as PyTorch
does): copy them (`{k: v.numpy().copy() ...}`) to keep a snapshot that training will not
change. `load_state_dict` copies values *into* the existing arrays, so optimizers that hold
the parameters keep working.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Callable, Iterator

import numpy as np

from ..tensor import Tensor
from . import _hooks as hook_calls, _state
from ._errors import check_input, name_error
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

Window = namedtuple("Window", ["kernel", "stride", "pad_before", "pad_after"])
Window.__doc__ = """What one spatial axis of a layer's output sees of its input, as a
convolution would: a window of `kernel` input units moved by `stride` (below 1 for
upsampling: 1/scale), after `pad_before` units of padding before the first and `pad_after`
after the last.
`receptive_field_step` returns one per spatial axis (H, W)."""


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

    #: the module's hooks (`_hooks.ModuleHooks`), or None: the fast path of `__call__`
    _hooks = None

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: forward() is not implemented")

    def __call__(self, *args, **kwargs):
        """Run `forward` (between the hooks, if any); a ValueError/TypeError raised inside
        gets this layer's name (see `_errors.name_error`). A NumPy array or a list of numbers
        as input is refused here, once for every module, with the fix (`xa.tensor`), instead
        of failing deep inside an op."""
        hooks = self._hooks   # None unless a hook is registered: one test on the hot path
        if hooks is not None:
            args, kwargs, call = hook_calls.before(self, args, kwargs)
        if args and not isinstance(args[0], Tensor):
            check_input(self, args[0])
        try:
            out = self.forward(*args, **kwargs)
        except (ValueError, TypeError) as error:
            name_error(self, error)
            raise
        if hooks is not None:
            out = hook_calls.after(self, args, kwargs, out, call)
        return out

    # -- hooks (PyTorch's; see _hooks.py) ----------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> hook_calls.ModuleHandle:
        """Call `hook(module, args)` before each forward; a non-None result replaces the
        positional inputs (a non-tuple is wrapped). `with_kwargs=True`: `hook(module, args,
        kwargs)` returning None or `(args, kwargs)`. Returns a handle with `.remove()`."""
        return hook_calls.register(self, "forward_pre", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend: bool = False,
                              with_kwargs: bool = False) -> hook_calls.ModuleHandle:
        """Call `hook(module, args, output)` after each forward (`with_kwargs=True`:
        `hook(module, args, kwargs, output)`); a non-None result replaces the output.

        Example:
            >>> acts = {}
            >>> h = model[0].register_forward_hook(lambda m, a, out: acts.update(fc=out))
            >>> model(x); h.remove()
        """
        return hook_calls.register(self, "forward", hook, prepend, with_kwargs)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Call `hook(module, grad_output)` when the gradients of the module's outputs are
        known; a non-None result (a tuple, one per output) replaces them."""
        return hook_calls.register(self, "backward_pre", hook, prepend)

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Call `hook(module, grad_input, grad_output)` once per backward, when the
        gradients of the module's positional inputs are known (tuples of Tensors, None for
        an input that is not a Tensor requiring grad); a non-None result (one per input)
        replaces grad_input. As in PyTorch, the inputs and outputs are then views that must
        not be modified in place."""
        return hook_calls.register(self, "backward", hook, prepend)

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

    def _forget(self, name: str, keep: str = "") -> None:
        """Drop `name` from the instance and from every registry but `keep`: a name
        registered again in the same registry then keeps its place (PyTorch's order)."""
        self.__dict__.pop(name, None)
        for kind in ("_parameters", "_buffers", "_modules"):
            if kind != keep:
                self.__dict__[kind].pop(name, None)
        self.__dict__["_non_persistent"].discard(name)

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, Parameter):
            params = self._registry("_parameters")
            self._forget(name, "_parameters")
            params[name] = value
        elif isinstance(value, Module):
            modules = self._registry("_modules")
            self._forget(name, "_modules")
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
        self._forget(name, "_parameters")
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
        self._forget(name, "_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under `name` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got "
                            f"{type(module).__name__}")
        self._registry("_modules")
        self._forget(name, "_modules")
        self._modules[name] = module

    register_module = add_module   # PyTorch's alias

    def get_submodule(self, target: str) -> "Module":
        """The module at dotted path `target` ('' is self), e.g. 'features.0'."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{module._get_name()} has no attribute `{part}` "
                                     f"(looking for submodule {target!r})")
            module = child
        return module

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

    # -- devices and dtypes (in place: the same Parameter objects, as optimizers hold them) --
    def to(self, *args, **kwargs) -> "Module":
        """PyTorch's `to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)`: the device
        is checked (only the CPU exists in this build: another is a clear error), floating
        parameters and buffers are cast to a floating `dtype` in place. Returns self."""
        from ..devices import parse_to
        from ..dtypes import resolve
        _, dtype, _, _ = parse_to(args, kwargs, "Module.to")
        if dtype is not None:
            dtype = resolve(dtype, "Module.to")
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                                f"desired dtype={dtype}")
            self._cast(dtype, floating_only=True)
        return self

    def type(self, dst_type) -> "Module":
        """Cast *every* parameter and buffer (integer ones too, as PyTorch) to `dst_type`."""
        from ..dtypes import resolve
        return self._cast(resolve(dst_type, "Module.type"), floating_only=False)

    def _cast(self, dtype, floating_only: bool) -> "Module":
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype != dtype and (t._data.dtype.kind == "f" or not floating_only):
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad._data.astype(dtype))
        return self

    def float(self) -> "Module":
        return self._cast(np.dtype(np.float32), floating_only=True)

    def double(self) -> "Module":
        return self._cast(np.dtype(np.float64), floating_only=True)

    def half(self) -> "Module":
        return self._cast(np.dtype(np.float16), floating_only=True)

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        """Refused with the device error: this build runs on the CPU only."""
        from ..devices import check
        check("cuda" if device is None or isinstance(device, int) else device, "Module.cuda")
        return self

    # -- state (written in _state.py) ---------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name, as Tensors sharing the
        arrays (no copy; see the module docstring)."""
        return OrderedDict((k, Tensor(v._data)) for k, v in _state.targets(self).items())

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place: optimizers keep
        working; each write is recorded by the version counter).

        Values may be Tensors or arrays. Between floating types they are cast to each
        target's dtype (float64 weights load into a float32 model, as in PyTorch); a
        different kind (integers into a float parameter, floats into an integer buffer)
        is an error, and so is a shape mismatch; with `strict=True` (the default) so is a
        missing or unexpected key. Nothing is changed unless every check passes.

        Returns:
            (missing_keys, unexpected_keys), like PyTorch.
        """
        return IncompatibleKeys(*_state.load(self, state_dict, strict))

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
