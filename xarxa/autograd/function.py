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

import itertools
from typing import Any

import numpy as np

from .. import backend

from . import names, version
from .grad_mode import local as _mode
# Older import paths of the grad-mode names (they live in grad_mode.py now)
from .grad_mode import (_GradMode, enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        no_grad, set_grad_enabled, set_recorder)


class Function:
    """One node of the computational graph (and the op that made it)."""

    # Defaults live on the class, so that creating a node costs no __init__ call
    # (one node per op: this is on the hot path of every small network).
    saved: tuple = ()
    freed = False
    out_ref = None  # weakref to the output, set only by retain_grad() or record()
    watched = ()  # (VersionBox, array) of outputs aliased or written (version.watch)
    epoch = 0  # the write epoch when the node was made (version.now())
    rebased_input = None  # for an in-place op in the graph: its input as it was before
    hooks = None  # gradient hooks of the output tensor (hooks.register_hook)
    out_id = None  # id() of the output's array (or Tensor) while the node was made
    xp = np  # the array namespace of backward (tensor_xp under create_graph=True)
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

    def graph_saved(ctx) -> tuple:
        """The saved values as the graph's Tensors, for a backward that is itself
        differentiated (`create_graph=True`, see `tensor_xp`): an input's array is that
        input Tensor, the output's array is the output (a Tensor of this node), integer and
        boolean arrays (indices, masks) stay constants. A float array that is neither input
        nor output is derived from the inputs: taking it as a constant would give a wrong
        second derivative, so it is refused — such an op overrides `graph_saved` and
        rebuilds it from `ctx.inputs` with differentiable ops."""
        inputs = {id(t._data if isinstance(t, Tensor) else t): t for t in ctx.inputs}
        result = []
        for v in ctx.saved:
            if id(v) == ctx.out_id:
                v = Tensor._from_op(v._data if isinstance(v, Tensor) else v, ctx)
            elif id(v) in inputs:
                v = inputs[id(v)]
            elif isinstance(v, (np.ndarray, np.floating)) and v.dtype.kind == "f":
                raise NotImplementedError(
                    f"{ctx.label}: double backward (create_graph=True) is not supported: "
                    "the op saved a value derived from its inputs and does not rebuild it "
                    "in the graph (Function.graph_saved)")
            result.append(v)
        return tuple(result)

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
    def label(self) -> str:
        """xarxa's name of the node, its op's (`'Mul'`): what `inspect` tables and
        drawings and error messages show. A subclass may refine it (`Rounding`)."""
        return type(self).__name__

    @property
    def name(self) -> "names.NodeName":
        """The label (a str, `'Mul'`); called, PyTorch's name: `grad_fn.name()` is
        `'MulBackward0'` (the table in `names.py`)."""
        return names.NodeName(self.label, self)

    @property
    def next_functions(self) -> tuple:
        """PyTorch's `((node, 0), …)` per input: its node, an `AccumulateGrad` for a leaf
        that requires grad, or None (see `names.next_functions`)."""
        return names.next_functions(self)

    @property
    def metadata(self) -> dict:
        """A dict for the user's own notes on this node (PyTorch's `grad_fn.metadata`)."""
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self._metadata = {}
        return meta

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
        if not (_mode.grad_enabled and True in needs):
            result = Tensor._from_op(out, None)
        else:
            ctx.inputs = inputs
            ctx.needs_input_grad = needs
            ctx.attrs = attrs
            ctx.seq = next(_sequence)
            ctx.epoch = version._clock[0]
            ctx.out_id = id(out)  # recognises the output among the saved values (graph_saved)
            result = Tensor._from_op(out, ctx)
            recorder = _mode.recorder
            if recorder is not None:
                recorder.add(result)
        if type(out) is np.ndarray and out.base is not None:
            version.share_view(result, out.base, inputs, arrays)
        if aux is None:
            return result
        # No op saves the aux arrays it returns (pooling indices, batch statistics), so
        # writing them in place cannot change a gradient: they need no version box.
        return (result, *(Tensor._from_op(a, None) for a in aux))

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"  # PyTorch's


# Creation order of graph nodes: a node is always created after its inputs' nodes, so
# sorting by it (descending) is a valid reverse topological order for backward. Safe under
# threads: `next()` on an itertools.count is one C call, atomic under the GIL.
_sequence = itertools.count()

Tensor: Any = None  # xarxa.tensor.Tensor, bound there at import (the tensor <-> autograd cycle)

