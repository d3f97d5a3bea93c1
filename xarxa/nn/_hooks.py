"""Module hooks, PyTorch's: `register_forward_pre_hook`, `register_forward_hook`,
`register_full_backward_pre_hook` and `register_full_backward_hook`.

A module without hooks has `_hooks = None` (a class attribute): `Module.__call__` tests
that once and pays nothing else. The first registration gives the module a `ModuleHooks`;
removing the last hook takes it away again.

Backward hooks need the gradients with respect to the module's inputs and outputs, all of
them at once. Each side (inputs before `forward`, outputs after it) goes through a *gate*
built from two array-level ops, without touching the engine:

- one `BackwardHookJoin` node takes every tensor of that side that requires a gradient
  and returns a scalar token;
- each such tensor is replaced by a `BackwardHookPass` node of (token, tensor): a view of
  the tensor (sharing its version counter, so in-place writes on it are refused as on a
  view, as in PyTorch). Its backward files the incoming gradient with the gate and sends
  a zero to the token.

The join node is older than every pass node, so the engine runs it after all of them:
its backward then holds every gradient of that side (None for one that received none),
calls the hooks, and returns the gradients they chose to the original tensors.
"""
from __future__ import annotations

import warnings
import weakref

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.hooks import RemovableHandle
from ..tensor import Tensor

KINDS = ("forward_pre", "forward", "backward_pre", "backward")


class Entry:
    """One registered hook; compared by identity (the same function may be registered
    twice, and each handle removes its own registration)."""

    __slots__ = ("fn", "with_kwargs")

    def __init__(self, fn, with_kwargs: bool = False):
        self.fn, self.with_kwargs = fn, with_kwargs


class ModuleHooks:
    """The hooks of one module, one list per kind, in calling order."""

    __slots__ = KINDS

    def __init__(self):
        for kind in KINDS:
            setattr(self, kind, [])

    def empty(self) -> bool:
        return not any(getattr(self, kind) for kind in KINDS)


class ModuleHandle(RemovableHandle):
    """`handle.remove()` unregisters the hook; the module's last hook gone, it is back to
    the hook-free fast path."""

    def __init__(self, module, hooks: list, entry: Entry):
        super().__init__(hooks, entry)
        self._module = weakref.ref(module)

    def remove(self) -> None:
        super().remove()
        module = self._module()
        if module is not None and module._hooks is not None and module._hooks.empty():
            object.__setattr__(module, "_hooks", None)

    def __enter__(self) -> "ModuleHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register(module, kind: str, hook, prepend: bool = False,
             with_kwargs: bool = False) -> ModuleHandle:
    if not callable(hook):
        raise TypeError(f"register_{kind}_hook: expected a callable, got "
                        f"{type(hook).__name__}")
    hooks = module._hooks
    if hooks is None:
        hooks = ModuleHooks()
        object.__setattr__(module, "_hooks", hooks)
    entries, entry = getattr(hooks, kind), Entry(hook, with_kwargs)
    if prepend:
        entries.insert(0, entry)
    else:
        entries.append(entry)
    return ModuleHandle(module, entries, entry)


# -- around forward (called by Module.__call__ when the module has hooks) --------------------

def before(module, args: tuple, kwargs: dict):
    """Forward pre-hooks (may replace the inputs), then the backward gate on the inputs.
    Returns (args, kwargs, the call's backward state or None)."""
    hooks = module._hooks
    for e in list(hooks.forward_pre):
        if e.with_kwargs:
            result = e.fn(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        else:
            result = e.fn(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    call = None
    if (hooks.backward or hooks.backward_pre) and is_grad_enabled():
        call = BackwardCall(module, list(hooks.backward), list(hooks.backward_pre))
        args = call.gate_inputs(args)
    return args, kwargs, call


def after(module, args: tuple, kwargs: dict, output, call):
    """Forward hooks (may replace the output), then the backward gate on the outputs."""
    for e in list(module._hooks.forward) if module._hooks is not None else ():
        result = e.fn(module, args, kwargs, output) if e.with_kwargs else \
            e.fn(module, args, output)
        if result is not None:
            output = result
    if call is not None:
        output = call.gate_outputs(output)
    return output


# -- backward hooks ----------------------------------------------------------------------------

class BackwardCall:
    """One call of a module with backward hooks: the gradients of its outputs, filed when
    the output gate opens, wait there for the input gate (PyTorch's BackwardHook)."""

    def __init__(self, module, hooks: list, pre_hooks: list):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.inputs_gated = False
        self.like = ()

    def gate_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        # PyTorch gives every Tensor input a gradient (zeros where none arrived, or where it
        # needs none) and None to the other arguments: remember their shapes and dtypes
        self.like = [(a.shape, a.dtype) if isinstance(a, Tensor) else None for a in args]
        args, self.inputs_gated = gate(args, self._on_input_grads)
        return args

    def gate_outputs(self, output):
        if isinstance(output, tuple):
            return gate(output, self._on_output_grads)[0]
        if isinstance(output, Tensor):
            return gate((output,), self._on_output_grads)[0][0]
        return output   # a list, a dict …: not gated (PyTorch neither)

    def _on_output_grads(self, grads: tuple) -> tuple:
        for e in self.pre_hooks:
            result = e.fn(self.module, grads)
            if result is not None:
                _check_count(result, grads, "Backward pre hook", "grad_output")
                grads = tuple(result)
        self.grad_outputs = grads
        if not self.inputs_gated:   # no input requires grad: call the hooks from here
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          UserWarning, stacklevel=2)
            nothing = (None,) * self.n_inputs
            for e in self.hooks:
                result = e.fn(self.module, nothing, grads)
                if result is not None and any(r is not None for r in result):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return grads

    def _on_input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:   # the gradient did not come through the outputs
            return grads
        grads = tuple(Tensor(np.zeros(*like)) if g is None and like is not None else g
                      for g, like in zip(grads, self.like))
        for e in self.hooks:
            result = e.fn(self.module, grads, self.grad_outputs)
            if result is not None:
                _check_count(result, grads, "Backward hook", "grad_input")
                grads = tuple(result)
        self.grad_outputs = None
        return grads


def _check_count(result, expected: tuple, what: str, name: str) -> None:
    if not isinstance(result, (tuple, list)) or len(result) != len(expected):
        got = len(result) if isinstance(result, (tuple, list)) else type(result).__name__
        raise RuntimeError(f"{what} returned an invalid number of {name}, got {got}, but "
                           f"expected {len(expected)}")


def gate(values: tuple, callback) -> tuple[tuple, bool]:
    """Route every Tensor of `values` that requires a gradient through one gate (see the
    module docstring). In backward, `callback(grads)` gets one gradient Tensor (or None)
    per position of `values` and returns those to pass on. Returns (values, gated?)."""
    slots = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad
             and v.dtype.kind == "f"]
    if not slots or not is_grad_enabled():
        return values, False
    state = _GateState(len(values), slots, callback)
    token = BackwardHookJoin.apply(*(values[i] for i in slots), state=state)
    out = list(values)
    for k, i in enumerate(slots):
        out[i] = BackwardHookPass.apply(token, values[i], state=state, slot=k)
    return tuple(out), True


class _GateState:
    __slots__ = ("size", "slots", "callback", "received")

    def __init__(self, size: int, slots: list, callback):
        self.size, self.slots, self.callback = size, slots, callback
        self.received = [None] * len(slots)


class BackwardHookJoin(Function):
    def forward(ctx, *arrays, state=None):
        return ctx.xp.zeros((), dtype=arrays[0].dtype)

    # every pass node has filed its gradient: hand them to the hooks, return their choice
    def backward(ctx, grad):
        state = ctx.attrs["state"]
        grads = [None] * state.size
        for k, i in enumerate(state.slots):
            g = state.received[k]
            grads[i] = None if g is None else Tensor(g)
        state.received = [None] * len(state.slots)   # ready for another backward
        chosen = state.callback(tuple(grads))
        return tuple(_array(chosen[i]) for i in state.slots)


class BackwardHookPass(Function):
    def forward(ctx, token, x, state=None, slot=0):
        return x[...]   # a view: same storage and version counter as x

    # identity for x, but through the join: file g, send a zero to the token
    def backward(ctx, grad):
        ctx.attrs["state"].received[ctx.attrs["slot"]] = grad
        return ctx.xp.zeros((), dtype=grad.dtype), None


def _array(g):
    if g is None or not isinstance(g, Tensor):
        return g   # None, or whatever the hook returned (the engine names a wrong one)
    return g._data
