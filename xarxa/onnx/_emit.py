"""Export: each xarxa op (`Function` class) written as standard ONNX nodes, one function per
op family, registered in `EMITTERS` by the `emits` decorator.

An emitter gets the graph `g` and the traced call `op` (input names and arrays, the op's
attributes, its output arrays, the innermost layer) and returns one ONNX name per output.
The layers' ops (convolution, pooling, normalisation, upsampling) are in `_emit_nn.py`, the
shape and indexing ops in `_emit_shape.py`.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.ops import activation as A, elementwise as E, indexing as I, linalg as L
from ..autograd.ops import math as M, reduce as R, vector as V
from ._graph import GraphBuilder

EMITTERS: dict = {}
INT64_MIN = -(2 ** 63)


def emits(*classes):
    def register(fn):
        for cls in classes:
            EMITTERS[cls] = fn
        return fn
    return register


def onnx_dtype(dtype) -> int:
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def reshape_to(g: GraphBuilder, x: str, in_shape: tuple, out_shape: tuple) -> str:
    """Reshape written so that it still holds when the leading (batch) size changes: a
    flatten is `Flatten`; dims equal to the input's leading ones are 0 ("copy"), and the
    last other one is -1 ("whatever is left")."""
    in_shape, out_shape = tuple(in_shape), tuple(out_shape)
    if in_shape == out_shape:
        return x
    if 0 not in out_shape and len(out_shape) == 2 and len(in_shape) > 2 and \
            out_shape == (math.prod(in_shape[:1]), math.prod(in_shape[1:])):
        return g.node("Flatten", [x], axis=1)
    target = list(out_shape)
    if 0 not in out_shape and 0 not in in_shape:
        k = 0
        while k < min(len(in_shape), len(out_shape)) and out_shape[k] == in_shape[k]:
            target[k] = 0
            k += 1
        if k < len(target) and -1 not in target:
            target[-1] = -1
    return g.node("Reshape", [x, g.ints(target)])


def unsqueeze(g: GraphBuilder, x: str, axes) -> str:
    return g.node("Unsqueeze", [x, g.ints(axes, "axes")])


# -- activations ---------------------------------------------------------------------------------

def _unary(onnx_op: str):
    def emit(g, op):
        return [g.node(onnx_op, [op.names[0]])]
    return emit


for _cls, _onnx in ((A.ReLU, "Relu"), (A.Sigmoid, "Sigmoid"), (A.Tanh, "Tanh"),
                    (E.Neg, "Neg"), (E.Exp, "Exp"), (E.Log, "Log"), (E.Sqrt, "Sqrt"),
                    (E.Abs, "Abs"), (M.Sin, "Sin"), (M.Cos, "Cos"), (M.Tan, "Tan"),
                    (M.Asin, "Asin"), (M.Acos, "Acos"), (M.Atan, "Atan"), (M.Sinh, "Sinh"),
                    (M.Cosh, "Cosh"), (M.Erf, "Erf"), (M.Reciprocal, "Reciprocal")):
    EMITTERS[_cls] = _unary(_onnx)


@emits(A.Step)
def _step(g, op):
    """H(x) = 1 where x ≥ 0: a comparison cast back to x's type."""
    x = op.values[0]
    ge = g.node("GreaterOrEqual", [op.names[0], g.scalar(0, x)])
    return [g.node("Cast", [ge], to=onnx_dtype(x.dtype))]


@emits(A.LeakyReLU)
def _leaky_relu(g, op):
    return [g.node("LeakyRelu", [op.names[0]], alpha=float(op.attrs["negative_slope"]))]


@emits(A.ELU)
def _elu(g, op):
    return [g.node("Elu", [op.names[0]], alpha=float(op.attrs["alpha"]))]


@emits(A.GELU)
def _gelu(g, op):
    x, xv = op.names[0], op.values[0]
    tanh = op.attrs.get("approximate", "none") == "tanh"
    if g.opset >= 20:
        return [g.node("Gelu", [x], approximate="tanh" if tanh else "none")]
    if tanh:   # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, xv)])])
        t = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), xv)])])
    else:      # ½x(1 + erf(x/√2))
        t = g.node("Erf", [g.node("Div", [x, g.scalar(math.sqrt(2.0), xv)])])
    half = g.node("Mul", [x, g.scalar(0.5, xv)])
    return [g.node("Mul", [half, g.node("Add", [t, g.scalar(1.0, xv)])])]


@emits(A.SiLU)
def _silu(g, op):
    return [g.node("Mul", [op.names[0], g.node("Sigmoid", [op.names[0]])])]


@emits(A.Softplus)
def _softplus(g, op):
    """log(1 + e^(βx))/β, and x itself where βx > threshold (PyTorch's)."""
    x, xv, beta = op.names[0], op.values[0], float(op.attrs["beta"])
    z = x if beta == 1.0 else g.node("Mul", [x, g.scalar(beta, xv)])
    soft = g.node("Softplus", [z])
    if beta != 1.0:
        soft = g.node("Div", [soft, g.scalar(beta, xv)])
    above = g.node("Greater", [z, g.scalar(float(op.attrs["threshold"]), xv)])
    return [g.node("Where", [above, x, soft])]


@emits(A.Softmax)
def _softmax(g, op):
    x, t = op.names[0], float(op.attrs.get("temperature", 1.0))
    if t != 1.0:   # the notes' temperature: softmax(x / T)
        x = g.node("Div", [x, g.scalar(t, op.values[0])])
    return [g.node("Softmax", [x], axis=int(op.attrs["dim"]))]


@emits(A.LogSoftmax)
def _log_softmax(g, op):
    return [g.node("LogSoftmax", [op.names[0]], axis=int(op.attrs["dim"]))]


# -- arithmetic --------------------------------------------------------------------------------

for _cls, _onnx in ((E.Add, "Add"), (E.Sub, "Sub"), (E.Mul, "Mul"), (E.Div, "Div"),
                    (E.Pow, "Pow"), (E.Maximum, "Max"), (E.Minimum, "Min"),
                    (L.MatMul, "MatMul")):
    EMITTERS[_cls] = (lambda onnx_op: lambda g, op: [g.node(onnx_op, op.names[:2])])(_onnx)


@emits(E.Where)
def _where(g, op):
    return [g.node("Where", op.names[:3])]


@emits(E.PowScalar)
def _pow_scalar(g, op):
    x, xv, p = op.names[0], op.values[0], op.attrs["exponent"]
    if p == 2:
        return [g.node("Mul", [x, x])]
    return [g.node("Pow", [x, g.scalar(p, xv)])]


@emits(E.Clamp)
def _clamp(g, op):
    xv, lo, hi = op.values[0], op.attrs.get("min"), op.attrs.get("max")
    return [g.node("Clip", [op.names[0], "" if lo is None else g.scalar(lo, xv),
                            "" if hi is None else g.scalar(hi, xv)])]


@emits(E.Cast)
def _cast(g, op):
    return [g.node("Cast", [op.names[0]], to=onnx_dtype(op.outs[0].dtype))]


@emits(I.Contiguous)
def _contiguous(g, op):
    return [op.names[0]]   # a copy in memory order only: the same value


@emits(M.Log1p, M.Expm1, M.Log2, M.Log10, M.Rsqrt, M.Square)
def _composed_math(g, op):
    x, xv, kind = op.names[0], op.values[0], op.cls
    if kind is M.Log1p:
        return [g.node("Log", [g.node("Add", [x, g.scalar(1, xv)])])]
    if kind is M.Expm1:
        return [g.node("Sub", [g.node("Exp", [x]), g.scalar(1, xv)])]
    if kind is M.Rsqrt:
        return [g.node("Reciprocal", [g.node("Sqrt", [x])])]
    if kind is M.Square:
        return [g.node("Mul", [x, x])]
    base = 2.0 if kind is M.Log2 else 10.0
    return [g.node("Div", [g.node("Log", [x]), g.scalar(math.log(base), xv)])]


@emits(M.Rounding)
def _rounding(g, op):
    kind = op.attrs["kind"]
    if kind == "round" and op.attrs.get("decimals", 0):
        raise g.unsupported("round with decimals ≠ 0 has no ONNX form")
    return [g.node(kind.capitalize(), [op.names[0]])]   # Floor, Ceil, Round, Sign


@emits(L.Linear)
def _linear(g, op):
    """y = x·Wᵀ + b: Gemm for a batch of vectors, MatMul (+ Add) for more dimensions."""
    x, w, b = op.names[0], op.names[1], op.names[2] if len(op.names) > 2 else ""
    if op.values[0].ndim == 2:
        return [g.node("Gemm", [x, w] + ([b] if b else []), transB=1)]
    y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    return [g.node("Add", [y, b]) if b else y]


# -- reductions --------------------------------------------------------------------------------

@emits(R.Sum, R.Mean)
def _sum_mean(g, op):
    kind = "ReduceSum" if op.cls is R.Sum else "ReduceMean"
    return [g.reduce(kind, op.names[0], op.attrs.get("axes"), op.attrs.get("keepdim", False))]


@emits(R.MaxReduce)
def _max_reduce(g, op):
    kind = "ReduceMax" if op.attrs.get("largest", True) else "ReduceMin"
    return [g.reduce(kind, op.names[0], op.attrs.get("dim"), op.attrs.get("keepdim", False))]


@emits(R.Var)
def _var(g, op):
    """Σ(x − x̄)²/(n − correction), its square root for std."""
    x, xv, a = op.names[0], op.values[0], op.attrs
    axes = a.get("axes")
    n = xv.size if axes is None else math.prod(
        xv.shape[d] for d in (axes if isinstance(axes, (tuple, list)) else (axes,)))
    centered = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    total = g.reduce("ReduceSum", g.node("Mul", [centered, centered]), axes, a["keepdim"])
    out = g.node("Div", [total, g.scalar(max(n - a["correction"], 0), xv)])
    return [g.node("Sqrt", [out]) if a.get("sqrt") else out]


@emits(V.Norm)
def _norm(g, op):
    x, p, a = op.names[0], op.attrs["p"], op.attrs
    if p == 2:
        return [g.reduce("ReduceL2", x, a["axes"], a["keepdim"])]
    if p == 1:
        return [g.reduce("ReduceL1", x, a["axes"], a["keepdim"])]
    if math.isinf(p):
        kind = "ReduceMax" if p > 0 else "ReduceMin"
        return [g.reduce(kind, g.node("Abs", [x]), a["axes"], a["keepdim"])]
    powered = g.node("Pow", [g.node("Abs", [x]), g.scalar(p, op.values[0])])
    total = g.reduce("ReduceSum", powered, a["axes"], a["keepdim"])
    return [g.node("Pow", [total, g.scalar(1.0 / p, op.values[0])])]


# -- results made outside the ops: comparisons, logical not, argmax ----------------------------
# (`Tensor._from_op` called by these functions; the tracer finds them by name and reads
# their arguments from the caller's frame)

_COMPARISONS = {np.equal: "Equal", np.not_equal: "Equal", np.greater: "Greater",
                np.greater_equal: "GreaterOrEqual", np.less: "Less",
                np.less_equal: "LessOrEqual", np.logical_and: "And", np.logical_or: "Or"}


def _compare_outside(g, tracer, local, out):
    fn, x, other = local.get("fn"), local.get("self"), local.get("other")
    if fn not in _COMPARISONS or x is None:
        return None
    a = tracer.name_of(x)
    if isinstance(other, np.ndarray) and other.dtype == x.dtype:
        b = tracer.array_name(other, "other")
    else:
        b = g.const(np.asarray(other, dtype=x.dtype), what="other")
    y = g.node(_COMPARISONS[fn], [a, b])
    return g.node("Not", [y]) if fn is np.not_equal else y


def _invert_outside(g, tracer, local, out):
    return g.node("Not", [tracer.name_of(local["self"])]) if "self" in local else None


def _arg_outside(g, tracer, local, out, kind):
    x = local.get("x")
    if x is None:
        return None
    name = tracer.name_of(x)
    if local.get("dim") is None:
        return g.node(kind, [g.node("Reshape", [name, g.ints([-1])])], axis=0, keepdims=0)
    axis = int(local.get("d", local["dim"])) % max(x.ndim, 1)
    return g.node(kind, [name], axis=axis, keepdims=int(bool(local.get("keepdim"))))


OUTSIDE = {"_compare": _compare_outside, "__invert__": _invert_outside,
           "argmax": lambda g, t, loc, out: _arg_outside(g, t, loc, out, "ArgMax"),
           "argmin": lambda g, t, loc, out: _arg_outside(g, t, loc, out, "ArgMin")}
