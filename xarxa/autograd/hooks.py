"""Gradient hooks: `tensor.register_hook(fn)` calls `fn(grad)` when backward computes the
gradient with respect to `tensor`; a hook may return a new gradient that replaces it.

As in PyTorch: a non-leaf's hooks run when its node's gradient is complete, before
`retain_grad()` stores it (so `.grad` shows the hooked value); a leaf's hooks run once per
backward on the summed gradient, before it is accumulated into `.grad`. Hooks run in the
order they were registered; `handle.remove()` unregisters one.

Non-leaf hooks live on the tensor's node (`Function.hooks`); leaf hooks in a table keyed
by the tensor's id (tensors compare elementwise, so they cannot be dict keys by value), its
entries dropped when the tensor is collected. Both cost nothing while no hook is registered.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import function

_leaf_hooks: dict[int, tuple[weakref.ref, list]] = {}


class RemovableHandle:
    """Returned by `register_hook`; `remove()` unregisters the hook (idempotent)."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def register_hook(tensor, hook) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register_hook: expected a callable, got {type(hook).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node = tensor._ctx
    if node is not None:
        if node.hooks is None:
            node.hooks = []
        hooks = node.hooks
    else:
        key = id(tensor)
        entry = _leaf_hooks.get(key)
        if entry is None or entry[0]() is not tensor:
            entry = (weakref.ref(tensor, lambda _, key=key: _leaf_hooks.pop(key, None)), [])
            _leaf_hooks[key] = entry
        hooks = entry[1]
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def leaf_hooks(leaf) -> list | None:
    entry = _leaf_hooks.get(id(leaf))
    if entry is None or entry[0]() is not leaf or not entry[1]:
        return None
    return entry[1]


def run(hooks: list, grad):
    """Call each hook with the gradient (a Tensor); a returned Tensor replaces it. A hook may
    not change the gradient's shape, dtype or device (refused as PyTorch refuses)."""
    Tensor = function.Tensor
    graph = isinstance(grad, Tensor)  # create_graph=True: the gradient is a graph Tensor
    for hook in list(hooks):
        result = hook(grad if graph else Tensor(grad))
        if result is None:
            continue
        name = getattr(hook, "__name__", type(hook).__name__)
        if not isinstance(result, Tensor):
            raise TypeError(f"a gradient hook must return a Tensor or None, got "
                            f"{type(result).__name__}")
        if result.shape != grad.shape:
            raise ValueError(f"hook '{name}' has changed the size of value: it returned a "
                             f"gradient of shape {result.shape}, expected {grad.shape}")
        data = result._data
        held = grad._data if graph else grad
        if data.dtype != held.dtype or type(data) is not type(held):
            raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                               f"{held.dtype} on {_device(held)}, got {data.dtype} on "
                               f"{_device(data)})")
        grad = result if graph else data
    return grad


def _device(array) -> str:
    return "cpu" if isinstance(array, np.ndarray) else type(array).__module__.split(".")[0]
