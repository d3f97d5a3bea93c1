"""Custom autograd functions written the PyTorch way: `@staticmethod` forward/backward on
*Tensors*, beside xarxa's own array-level `Function` (the fast path of the built-in ops).

    class Exp(xa.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    y = Exp.apply(x)

A `Function` subclass whose `forward` is a staticmethod is routed here by
`Function.__init_subclass__`. As in PyTorch, `forward` runs without recording a graph, its
output becomes one node of the caller's graph whose `ctx` is the node itself, and
`backward` gets one gradient per output and returns one per `forward` argument (None for
non-Tensor arguments or those that need none). Saved tensors are checked by the version
counter like any op's. Not supported (an error says so): several differentiable outputs.

Double backward (`create_graph=True`): as in PyTorch, `backward` then runs with grad mode
on, on the gradient Tensor and the saved tensors — an input as the caller's Tensor (with
its graph), the output as this node's output — so a `backward` written in Tensor ops is
differentiable again; tensors made inside `forward` (which runs untracked) are constants,
as in PyTorch.
"""
from __future__ import annotations

from . import function, version
from .grad_mode import _GradMode, local as _mode


def apply(cls, *args, **kwargs):
    """`cls.apply` for a tensor-level Function: run forward on Tensors, record one node."""
    Tensor = function.Tensor
    ctx = cls()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.non_differentiable = ()
    ctx.materialize_grads = True
    with _GradMode(False):
        if cls.setup_context is not function.Function.setup_context:
            outputs = cls.forward(*args, **kwargs)  # PyTorch 2's form: no ctx in forward
            cls.setup_context(ctx, args, outputs)
        else:
            outputs = cls.forward(ctx, *args, **kwargs)
    several = isinstance(outputs, tuple)
    outs = outputs if several else (outputs,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of "
                            f"Tensors, got {type(o).__name__}")
    record = _mode.grad_enabled and True in ctx.needs_input_grad
    differentiable = [i for i, o in enumerate(outs)
                      if o._data.dtype.kind == "f"
                      and not any(o is nd for nd in ctx.non_differentiable)]
    if record and len(differentiable) > 1:
        raise NotImplementedError(
            f"{cls.__name__}: a custom Function with several differentiable outputs is not "
            "supported; mark the extra outputs with ctx.mark_non_differentiable(...) or split "
            "it into one Function per output")
    results = []
    for i, o in enumerate(outs):
        node = ctx if record and i in differentiable else None
        if node is not None:
            ctx.inputs = args
            ctx.tensor_args = tuple(isinstance(a, Tensor) for a in args)
            ctx.seq = next(function._sequence)
            ctx.epoch = version.now()
            ctx.backward = tensor_backward.__get__(ctx)  # the engine's array-level entry
            ctx.out_shape = o.shape
            ctx.out_id = id(o)  # the output among the saved tensors (Function.graph_saved)
            # a fresh Tensor even if forward returned an input: that input keeps its history
        results.append(Tensor._from_op(o._data, node))
        recorder = _mode.recorder
        if node is not None and recorder is not None:
            recorder.add(results[-1])
    return tuple(results) if several else results[0]


def tensor_backward(ctx, grad):
    """The engine's entry point for a tensor-level node: the user's backward on Tensors,
    its gradients handed back as arrays (the engine then checks them like any op's)."""
    Tensor = function.Tensor
    cls = type(ctx)
    graph = isinstance(grad, Tensor)  # create_graph=True: Tensors in, a graph out
    with _GradMode(graph):
        returned = cls.backward(ctx, grad if graph else Tensor(grad))
    if not isinstance(returned, tuple):
        returned = (returned,)
    n = len(ctx.tensor_args)
    if len(returned) > n and all(g is None for g in returned[n:]):
        returned = returned[:n]  # trailing Nones for extra arguments: accepted, as in PyTorch
    if len(returned) != n:
        raise TypeError(f"{cls.__name__}.backward returned an incorrect number of "
                        f"gradients (expected {n}, got {len(returned)})")
    arrays = []
    for i, (is_tensor, g) in enumerate(zip(ctx.tensor_args, returned)):
        if g is None:
            arrays.append(None)
        elif not is_tensor:
            raise TypeError(f"{cls.__name__}.backward returned a gradient for argument "
                            f"{i}, which is not a Tensor; return None for it")
        elif not isinstance(g, Tensor):
            raise TypeError(f"{cls.__name__}.backward: the gradient for argument {i} must "
                            f"be a Tensor or None, got {type(g).__name__}")
        else:
            arrays.append(g if graph else g._data)
    return tuple(arrays)
