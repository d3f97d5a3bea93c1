"""Import: each ONNX op computed with xarxa's ops, one function per op registered in
`CONVERTERS` by the `converts` decorator, so that a loaded graph differentiates and trains.

A converter gets the running `OnnxModule` (its `training` flag), the node's inputs (Tensors,
None for an omitted optional input) and its attributes (Python values), and returns a tuple
of outputs. Integer and boolean tensors (shape arithmetic: `Shape` → `Gather` → `Concat` →
`Reshape`, PyTorch's way of writing `x.view(x.size(0), -1)`) are computed with NumPy.
Attributes or modes xarxa cannot compute are an `UnsupportedOperatorError` naming the node.
Here: elementwise ops, linear algebra, softmax, reductions; the layers' ops are in
`_convert_nn.py`, the shape and indexing ops in `_convert_shape.py`.
"""
from __future__ import annotations

import functools

import numpy as np

from ..autograd import ops
from ..nn import functional as F
from ..tensor import Tensor
from .errors import UnsupportedOperatorError

CONVERTERS: dict = {}


def converts(*op_types):
    """Register `fn(module, args, attrs)` for these op types; one serving several gets its
    op type as the keyword `op_type`. (`attrs["_outputs"]`: how many outputs the node has.)"""
    def register(fn):
        shared = "op_type" in fn.__code__.co_varnames[:fn.__code__.co_argcount]
        for op_type in op_types:
            CONVERTERS[op_type] = functools.partial(fn, op_type=op_type) if shared else fn
        return fn
    return register


class Unsupported(UnsupportedOperatorError):
    """Raised by a converter; `OnnxModule` adds the node's name."""


def arr(t) -> np.ndarray:
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def ints(t) -> list[int]:
    return [int(v) for v in arr(t).reshape(-1)]


def const(value) -> Tensor:
    return Tensor(np.asarray(value))


def is_float(t) -> bool:
    return isinstance(t, Tensor) and t.dtype.kind == "f"


# -- elementwise ---------------------------------------------------------------------------------

_UNARY = {"Relu": ops.relu, "Sigmoid": ops.sigmoid, "Tanh": ops.tanh, "Exp": ops.exp,
          "Log": ops.log, "Sqrt": ops.sqrt, "Abs": ops.abs, "Neg": ops.neg, "Erf": ops.erf,
          "Reciprocal": ops.reciprocal, "Sin": ops.sin, "Cos": ops.cos, "Tan": ops.tan,
          "Asin": ops.asin, "Acos": ops.acos, "Atan": ops.atan, "Sinh": ops.sinh,
          "Cosh": ops.cosh, "Floor": ops.floor, "Ceil": ops.ceil, "Round": ops.round,
          "Sign": ops.sign, "Softplus": F.softplus}
_NUMPY_UNARY = {"Abs": np.abs, "Neg": np.negative, "Sign": np.sign}


def _unary(op_type):
    def convert(m, args, a):
        x = args[0]
        if not is_float(x) and op_type in _NUMPY_UNARY:
            return (const(_NUMPY_UNARY[op_type](arr(x))),)
        return (_UNARY[op_type](x),)
    return convert


for _name in _UNARY:
    CONVERTERS[_name] = _unary(_name)


@converts("Identity")
def _identity(m, args, a):
    return (args[0],)


@converts("LeakyRelu")
def _leaky_relu(m, args, a):
    return (F.leaky_relu(args[0], a.get("alpha", 0.01)),)


@converts("Elu")
def _elu(m, args, a):
    return (F.elu(args[0], a.get("alpha", 1.0)),)


@converts("Gelu")
def _gelu(m, args, a):
    return (F.gelu(args[0], approximate=a.get("approximate", "none")),)


@converts("HardSigmoid")
def _hard_sigmoid(m, args, a):
    x = args[0]
    return (ops.clamp(x * a.get("alpha", 0.2) + a.get("beta", 0.5), min=0.0, max=1.0),)


_BINARY = {"Add": (ops.add, np.add), "Sub": (ops.sub, np.subtract),
           "Mul": (ops.mul, np.multiply), "Div": (ops.div, None), "Pow": (ops.pow, np.power)}


@converts(*_BINARY)
def _binary(m, args, a, op_type=None):
    x, y = args
    fn, np_fn = _BINARY[op_type]
    if not is_float(x) and not is_float(y):   # shape arithmetic, in ONNX's integer rules
        if op_type == "Div":
            q = np.trunc(arr(x) / arr(y)).astype(np.result_type(arr(x), arr(y)))
            return (const(q),)
        return (const(np_fn(arr(x), arr(y))),)
    if op_type == "Pow" and not is_float(y):
        y = Tensor(arr(y).astype(x.dtype))
    return (fn(x, y),)


@converts("Mod")
def _mod(m, args, a):
    x, y = arr(args[0]), arr(args[1])
    return (const(np.fmod(x, y) if a.get("fmod", 0) else np.mod(x, y)),)


_COMPARE = {"Equal": np.equal, "Greater": np.greater, "GreaterOrEqual": np.greater_equal,
            "Less": np.less, "LessOrEqual": np.less_equal, "And": np.logical_and,
            "Or": np.logical_or, "Xor": np.logical_xor}


@converts(*_COMPARE)
def _compare(m, args, a, op_type=None):
    return (const(_COMPARE[op_type](arr(args[0]), arr(args[1]))),)


@converts("ArgMax", "ArgMin")
def _arg(m, args, a, op_type=None):
    x = arr(args[0])
    axis, keep = int(a.get("axis", 0)), bool(a.get("keepdims", 1))
    fn = np.argmax if op_type == "ArgMax" else np.argmin
    if a.get("select_last_index", 0):
        flipped = np.flip(x, axis)
        return (const(x.shape[axis] - 1 - fn(flipped, axis=axis, keepdims=keep)),)
    return (const(fn(x, axis=axis, keepdims=keep).astype(np.int64)),)


@converts("Not")
def _not(m, args, a):
    return (const(np.logical_not(arr(args[0]))),)


@converts("Max", "Min")
def _max_min(m, args, a, op_type=None):
    fn = ops.maximum if op_type == "Max" else ops.minimum
    out = args[0]
    for other in args[1:]:
        out = fn(out, other) if is_float(out) or is_float(other) else \
            const((np.maximum if op_type == "Max" else np.minimum)(arr(out), arr(other)))
    return (out,)


@converts("Where")
def _where(m, args, a):
    cond, x, y = args
    if not is_float(x) and not is_float(y):
        return (const(np.where(arr(cond), arr(x), arr(y))),)
    return (ops.where(cond, x, y),)


@converts("Clip")
def _clip(m, args, a):
    x = args[0]
    lo = None if len(args) < 2 or args[1] is None else float(arr(args[1]))
    hi = None if len(args) < 3 or args[2] is None else float(arr(args[2]))
    if lo is None and hi is None:
        return (x,)
    return (ops.clamp(x, min=lo, max=hi),)


@converts("Cast")
def _cast(m, args, a):
    from onnx import helper
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(a["to"]))
    x = args[0]
    if not is_float(x) or dtype.kind != "f":
        return (const(arr(x).astype(dtype)),)
    return (ops.cast(x, dtype),)


# -- linear algebra, softmax ------------------------------------------------------------------

@converts("MatMul")
def _matmul(m, args, a):
    return (ops.matmul(args[0], args[1]),)


@converts("Gemm")
def _gemm(m, args, a):
    """αA'B' + βC, A' = Aᵀ if transA, B' = Bᵀ if transB; PyTorch's Linear is the case
    α = β = 1, transB = 1: F.linear."""
    x, w = args[0], args[1]
    c = args[2] if len(args) > 2 else None
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if a.get("transA", 0):
        x = ops.transpose(x, 0, 1)
    if alpha == 1.0 and beta == 1.0 and a.get("transB", 0) and \
            (c is None or tuple(c.shape) == (w.shape[0],)):
        return (F.linear(x, w, c),)
    y = ops.matmul(x, ops.transpose(w, 0, 1) if a.get("transB", 0) else w)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return (y,)


@converts("Softmax", "LogSoftmax")
def _softmax(m, args, a, op_type=None):
    fn = ops.softmax if op_type == "Softmax" else ops.log_softmax
    return (fn(args[0], dim=int(a.get("axis", -1))),)


# -- reductions -------------------------------------------------------------------------------

def _reduce_axes(args, a, ndim):
    axes = a.get("axes")
    if len(args) > 1 and args[1] is not None:
        axes = ints(args[1])
    if not axes:
        return None
    return tuple(sorted(int(d) % ndim for d in axes))


@converts("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2",
          "ReduceSumSquare")
def _reduce(m, args, a, op_type=None):
    x, keep = args[0], bool(a.get("keepdims", 1))
    axes = _reduce_axes(args, a, max(x.ndim, 1))
    if axes is None and a.get("noop_with_empty_axes", 0):
        return (x,)
    if op_type in ("ReduceMax", "ReduceMin"):
        fn = ops.max if op_type == "ReduceMax" else ops.min
        out = x
        for d in sorted(axes if axes is not None else range(x.ndim), reverse=True):
            out = fn(out, dim=d, keepdim=True)[0]
        if not keep:
            out = out.reshape([n for i, n in enumerate(out.shape)
                               if axes is not None and i not in axes])
        return (out,)
    if op_type == "ReduceL1":
        x, op_type = ops.abs(x), "ReduceSum"
    elif op_type in ("ReduceL2", "ReduceSumSquare"):
        x = x * x
    fn = ops.mean if op_type == "ReduceMean" else ops.sum
    out = fn(x, dim=axes, keepdim=keep)
    return (ops.sqrt(out) if op_type == "ReduceL2" else out,)


@converts("Dropout")
def _dropout(m, args, a):
    p = float(arr(args[1])) if len(args) > 1 and args[1] is not None else a.get("ratio", 0.5)
    return (F.dropout(args[0], p, training=m.training),)
