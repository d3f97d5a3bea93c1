"""The `Function` base class: one differentiable op, its forward and its VJP side by side.

Functions written the PyTorch way (`@staticmethod` forward/backward on Tensors, with
`ctx.saved_tensors`) work too: see `tensor_function.py`.

A subclass implements, on raw arrays::

    def forward(ctx, x, y, **attrs) -> array, or (array, *aux)
    def backward(ctx, grad) -> tuple of input gradients, one per input (None where not needed)

`forward` may return a tuple `(out, *aux)`: `out` is the differentiable result and each
`aux` array (pooling indices, batch statistics) comes back from `apply` as a Tensor without
gradient — `apply` then returns `(out, *aux)` as Tensors. The engine enforces `backward`'s
contract: a tuple with one entry per input, each None or a float array of the input's shape
(or one that broadcasts to it); anything else is an error naming the op.

`ctx` is the graph node itself: `ctx.save_for_backward(...)` keeps arrays for the
backward pass, `ctx.saved` gives them back, `ctx.needs_input_grad[i]` says whether
input i wants a gradient, and `ctx.xp` is the inputs' array namespace (NumPy today,
CuPy tomorrow: ops never import numpy for their math).

Broadcasting is *not* undone in `backward`: an op may return a gradient with the
broadcast shape and the engine reduces it to the input's shape (`engine.unbroadcast`,
the one place this happens).
"""
from __future__ import annotations

import functools
import itertools
from typing import Any, Callable

import numpy as np

from .. import backend

_state = {"grad_enabled": True, "recorder": None}

# In-place writes are numbered by one global counter (the "write epoch"). A node records the
# epoch it was created in; a tensor's version box records the epoch of its storage's last
# in-place write. backward() compares the two only when some write happened after the node
# was made (`_writes[0] > node.epoch`), so a training step that writes nothing between
# forward and backward pays one integer comparison per node.
_writes = [0]


def bump_version(tensor) -> None:
    """Record an in-place write to `tensor`'s storage (PyTorch's `_version += 1`).

    Every in-place write must call it: in-place tensor methods, optimizer updates, writes
    through `.data` or `detach()` (those share the version box), so that `backward()` can
    refuse to use values that changed after the graph saved them.
    """
    box = tensor._version_box
    if box is None:
        box = tensor._version_box = [0, 0, False]
    _writes[0] += 1
    box[0] += 1
    box[1] = _writes[0]
    node = tensor._ctx
    if node is not None:  # the output of a node changed: its backward may have saved it
        node.out_written = tensor._data


def _share_storage_version(result, base, inputs, arrays) -> None:
    """A view op's result (reshape, transpose, basic indexing …) shares its input's storage,
    so it shares the input's version box too: a write through either is seen by both."""
    for t, a in zip(inputs, arrays):
        if (base is a or base is getattr(a, "base", None)) and isinstance(t, Tensor):
            result._version_box = shared_version_box(t)
            return


def shared_version_box(tensor) -> list:
    """`tensor`'s version box, created if needed, for another Tensor sharing its storage.

    The box is [version, epoch of the last write, shared by several Tensors]."""
    box = tensor._version_box
    if box is None:
        box = tensor._version_box = [0, 0, True]
    box[2] = True
    return box


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return _state["grad_enabled"]


class _GradMode:
    """Context manager / decorator that switches graph recording on or off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self):
        self._previous.append(_state["grad_enabled"])
        _state["grad_enabled"] = self.enabled
        return self

    def __exit__(self, *exc):
        _state["grad_enabled"] = self._previous.pop()
        return False

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def no_grad() -> _GradMode:
    """Record no graph and save no array (context manager or decorator).

    Example:
        >>> with xa.no_grad():
        ...     w -= 0.1 * w.grad
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record the graph again inside a `no_grad()` block."""
    return _GradMode(True)


class set_grad_enabled(_GradMode):
    """Switch graph recording on or off (PyTorch's `set_grad_enabled(mode)`): as a function
    call it takes effect at once; as a context manager or decorator, the previous mode comes
    back on exit.

    Example:
        >>> with xa.set_grad_enabled(phase == "train"):
        ...     loss = criterion(model(x), y)
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: expected a bool mode, got "
                            f"{type(mode).__name__}")
        super().__init__(mode)
        self._previous.append(_state["grad_enabled"])  # the mode applies now (torch's)
        _state["grad_enabled"] = mode

    def __enter__(self):
        return self

    def __call__(self, fn: Callable) -> Callable:
        _state["grad_enabled"] = self._previous.pop()  # as a decorator: only inside fn
        return super().__call__(fn)


def inference_mode(mode: bool = True) -> _GradMode:
    """`no_grad()` under PyTorch's name for inference (`inference_mode(False)` records)."""
    if not isinstance(mode, bool):
        raise TypeError(f"inference_mode: expected a bool mode, got {type(mode).__name__}")
    return _GradMode(not mode)


class Function:
    """One node of the computational graph (and the op that made it)."""

    # Defaults live on the class, so that creating a node costs no __init__ call
    # (one node per op: this is on the hot path of every small network).
    saved: tuple = ()
    freed = False
    out_ref = None  # weakref to the output, set only by retain_grad() or record()
    out_written = None  # the output's array, set when it is written in place (bump_version)
    epoch = 0  # the write epoch when the node was made (see `_writes`)
    rebased_input = None  # for an in-place op in the graph: its input as it was before
    hooks = None  # gradient hooks of the output tensor (hooks.register_hook)
    attrs: dict = {}

    # -- to be implemented by subclasses ------------------------------------------------
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers for subclasses (the ctx API, PyTorch's names) -----------------------------
    def save_for_backward(ctx, *values) -> None:
        """Keep arrays (array-level ops) or Tensors (PyTorch-style functions) for backward."""
        ctx.saved = values

    @property
    def saved_tensors(ctx) -> tuple:
        return ctx.saved

    non_differentiable: tuple = ()
    materialize_grads = True

    def mark_non_differentiable(ctx, *outputs) -> None:
        """These outputs of a PyTorch-style forward get no gradient (indices, masks)."""
        ctx.non_differentiable = outputs

    def mark_dirty(ctx, *tensors) -> None:
        """Accepted for PyTorch scripts: forward's outputs are always new Tensors here."""

    def set_materialize_grads(ctx, value: bool) -> None:
        ctx.materialize_grads = bool(value)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        """PyTorch 2's split form: override it (as a staticmethod) and write `forward`
        without `ctx`; this default marks the classic form `forward(ctx, *args)`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # PyTorch-style functions (staticmethod forward on Tensors) get their own apply
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            from . import tensor_function
            cls.apply = classmethod(tensor_function.apply)

    @property
    def name(self) -> str:
        return type(self).__name__

    # -- graph construction -------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run the op on Tensors (or raw arrays, treated as constants) and record it."""
        ctx = cls()
        try:  # the common case: every input is a Tensor
            arrays = [t._data for t in inputs]
            needs = [t.requires_grad for t in inputs]
        except AttributeError:  # some inputs are constants (raw arrays)
            arrays = [t._data if isinstance(t, Tensor) else t for t in inputs]
            needs = [isinstance(t, Tensor) and t.requires_grad for t in inputs]
        first = arrays[0]
        ctx.xp = np if type(first) is np.ndarray else backend.namespace(first)
        out = ctx.forward(*arrays, **attrs)
        if type(out) is tuple:  # (out, *aux): auxiliary outputs carry no gradient
            out, aux = out[0], out[1:]
        else:
            aux = None
        if not (_state["grad_enabled"] and True in needs):
            result = Tensor._from_op(out, None)
        else:
            ctx.inputs = inputs
            ctx.needs_input_grad = needs
            ctx.attrs = attrs
            ctx.seq = next(_sequence)
            ctx.epoch = _writes[0]
            result = Tensor._from_op(out, ctx)
            recorder = _state["recorder"]
            if recorder is not None:
                recorder.add(result)
        if type(out) is np.ndarray and out.base is not None:
            _share_storage_version(result, out.base, inputs, arrays)
        if aux is None:
            return result
        return (result, *(Tensor._from_op(a, None) for a in aux))

    def __repr__(self) -> str:
        return f"<{self.name} node>"


# Creation order of graph nodes: a node is always created after its inputs' nodes, so
# sorting by it (descending) is a valid reverse topological order for backward.
_sequence = itertools.count()

Tensor: Any = None  # xarxa.tensor.Tensor, bound there at import (the tensor <-> autograd cycle)


def set_recorder(recorder) -> Any:
    previous = _state["recorder"]
    _state["recorder"] = recorder
    return previous
