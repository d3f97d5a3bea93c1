"""`xa.autograd.grad`: gradients of outputs with respect to chosen inputs, returned rather
than accumulated into `.grad` (PyTorch's `torch.autograd.grad`).

It runs the ordinary engine with a `Capture`: the engine then hands each leaf gradient to
the capture instead of `.grad` (leaves not asked for are skipped) and offers it the
gradient of every node it walks (the non-leaf inputs' gradients). Tensor hooks run as in
`backward()`; `retain_grad()` tensors keep their `.grad` untouched, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from . import engine, function


class Capture:
    """The gradients `engine.backward` gives to the requested tensors, summed."""

    def __init__(self, inputs):
        self.slots = {}   # id(leaf input) -> position
        self.nodes = {}   # graph node of a non-leaf input -> position
        for i, t in enumerate(inputs):
            if t._ctx is None:
                self.slots[id(t)] = i
            else:
                self.nodes[t._ctx] = i
        self.grads = [None] * len(inputs)

    def _add(self, i: int, g) -> None:
        if self.grads[i] is not None:
            self.grads[i] = self.grads[i] + g
        else:  # an array is copied (the walk may hand it on); a Tensor is never written to.
            # In its own memory order: a C-ordered copy of a CHWN-stored convolution gradient
            # is a transposing copy, 7× slower (5.3 vs 0.76 ms for 12 MiB)
            self.grads[i] = g if isinstance(g, function.Tensor) else g.copy(order="K")

    def leaf(self, leaf, g, handed, Tensor) -> None:  # engine._accumulate's signature
        i = self.slots.get(id(leaf))
        if i is not None:
            self._add(i, g)

    def node(self, node, g) -> None:
        self._add(self.nodes[node], g)


def _as_tuple(x, name: str) -> tuple:
    Tensor = function.Tensor
    items = (x,) if isinstance(x, Tensor) else tuple(x)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: {name} must be Tensors, got "
                            f"{type(t).__name__}")
    return items


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False):
    """The gradients of `outputs` (weighted by `grad_outputs`) with respect to `inputs`, as
    a tuple of Tensors; no `.grad` attribute is read or written.

    Args:
        outputs: a Tensor or a sequence of Tensors (scalars, unless grad_outputs is given).
        inputs: a Tensor or a sequence of Tensors that require grad (leaves or not).
        grad_outputs: the upstream gradient of each output (None: 1 for a scalar output).
        retain_graph: keep the graph for another backward (default: create_graph, False).
        create_graph: return gradients that are Tensors of a graph, differentiable again
            (gradient penalties, Hessian-vector products, MAML); `grad_outputs` that carry
            a graph are part of it (the double-VJP trick of `xarxa.func.jvp`).
        allow_unused: an input the outputs do not depend on gives None instead of an error
            (a zero tensor with materialize_grads=True).

    Example:
        >>> (dw,) = xa.autograd.grad(loss, [w])      # w.grad stays as it was
    """
    Tensor = function.Tensor
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if not inputs:
        raise ValueError("autograd.grad: expected at least one input")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) \
            else tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad (set "
                               "requires_grad=True on it)")
    retain = bool(retain_graph) if retain_graph is not None else create_graph
    capture = Capture(inputs)
    for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"autograd.grad: element {k} of tensors does not require "
                               "grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"autograd.grad: grad can be implicitly created only for "
                                   f"scalar outputs; output {k} has shape {out.shape}, "
                                   "pass grad_outputs")
            g = np.ones_like(out._data)
        else:
            given = g
            g = g._data if isinstance(g, Tensor) else np.asarray(g)
            if g.shape != out.shape:
                raise ValueError(f"autograd.grad: grad_outputs[{k}] has shape {g.shape}, "
                                 f"expected the output's shape {out.shape}")
            g = g.astype(out.dtype, copy=False)
            if create_graph and isinstance(given, Tensor):  # keep its graph (cast in it)
                g = given if given._data is g else given.to(out._data.dtype)
        if create_graph and not isinstance(g, Tensor):
            g = Tensor(g)
        # every output but the last shares the graph with the next: keep it until the end
        last = k == len(outputs) - 1
        engine.backward(out, g, retain_graph=retain or not last, capture=capture,
                        create_graph=create_graph)
    result = []
    for i, (t, g) in enumerate(zip(inputs, capture.grads)):
        if g is None:
            if not allow_unused and not materialize_grads:
                raise RuntimeError(f"autograd.grad: input {i} (shape {t.shape}) appears to "
                                   "not have been used in the graph; set allow_unused=True "
                                   "if this is the desired behavior")
            result.append(Tensor(np.zeros_like(t._data)) if materialize_grads else None)
        elif isinstance(g, Tensor):
            result.append(g if g._data.dtype == t._data.dtype else g.to(t._data.dtype))
        else:
            result.append(Tensor(g.astype(t.dtype, copy=False)))
    return tuple(result)
