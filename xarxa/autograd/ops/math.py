"""Elementary functions PyTorch's tutorials start with (sin cos tan asin acos atan atan2 sinh
cosh erf log1p expm1 log2 log10 reciprocal rsqrt square; floor ceil round sign, whose
gradient is 0 as in PyTorch), `meshgrid`, and the comparison functions `eq ne lt le gt ge`
(not differentiable: they give bool tensors, computed by the Tensor operators).

Float-valued functions of integer tensors give the default float dtype (PyTorch's rule).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..function import Function
from ._out import into
from ...tensor import Tensor
from ._erf import erf_array
from ._util import check_broadcast, constant, floating


# -- smooth unary functions: forward and VJP side by side ------------------------------------

class Sin(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    # d sin x = g·cos x
    def backward(ctx, grad):
        return (grad * ctx.xp.cos(ctx.saved[0]),)


class Cos(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    # d cos x = −g·sin x
    def backward(ctx, grad):
        return (-grad * ctx.xp.sin(ctx.saved[0]),)


class Tan(Function):
    def forward(ctx, x):
        out = ctx.xp.tan(x)
        ctx.save_for_backward(out)
        return out

    # d tan x = g·(1 + tan²x)
    def backward(ctx, grad):
        out = ctx.saved[0]
        return (grad * (1 + out * out),)


class Asin(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arcsin(x)

    # d asin x = g/√(1 − x²)
    def backward(ctx, grad):
        x = ctx.saved[0]
        return (grad / ctx.xp.sqrt(1 - x * x),)


class Acos(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arccos(x)

    # d acos x = −g/√(1 − x²)
    def backward(ctx, grad):
        x = ctx.saved[0]
        return (-grad / ctx.xp.sqrt(1 - x * x),)


class Atan(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    # d atan x = g/(1 + x²)
    def backward(ctx, grad):
        x = ctx.saved[0]
        return (grad / (1 + x * x),)


class Atan2(Function):
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return ctx.xp.arctan2(y, x)

    # d atan2(y, x) = (g·x/(x² + y²), −g·y/(x² + y²))
    def backward(ctx, grad):
        y, x = ctx.saved
        scale = grad / (x * x + y * y)
        return (scale * x if ctx.needs_input_grad[0] else None,
                -scale * y if ctx.needs_input_grad[1] else None)


class Sinh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sinh(x)

    # d sinh x = g·cosh x
    def backward(ctx, grad):
        return (grad * ctx.xp.cosh(ctx.saved[0]),)


class Cosh(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cosh(x)

    # d cosh x = g·sinh x
    def backward(ctx, grad):
        return (grad * ctx.xp.sinh(ctx.saved[0]),)


class Erf(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(ctx.xp, x)

    # d erf x = g·(2/√π)·e^(−x²)
    def backward(ctx, grad):
        x = ctx.saved[0]
        return (grad * (2 / math.sqrt(math.pi)) * ctx.xp.exp(-x * x),)


class Log1p(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    # d ln(1 + x) = g/(1 + x)
    def backward(ctx, grad):
        return (grad / (1 + ctx.saved[0]),)


class Expm1(Function):
    def forward(ctx, x):
        out = ctx.xp.expm1(x)
        ctx.save_for_backward(out)
        return out

    # d (eˣ − 1) = g·eˣ = g·(out + 1)
    def backward(ctx, grad):
        return (grad * (ctx.saved[0] + 1),)


class Log2(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log2(x)

    # d log₂ x = g/(x·ln 2)
    def backward(ctx, grad):
        return (grad / (ctx.saved[0] * math.log(2)),)


class Log10(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log10(x)

    # d log₁₀ x = g/(x·ln 10)
    def backward(ctx, grad):
        return (grad / (ctx.saved[0] * math.log(10)),)


class Reciprocal(Function):
    def forward(ctx, x):
        out = 1 / x
        ctx.save_for_backward(out)
        return out

    # d (1/x) = −g/x² = −g·out²
    def backward(ctx, grad):
        out = ctx.saved[0]
        return (-grad * out * out,)


class Rsqrt(Function):
    def forward(ctx, x):
        out = 1 / ctx.xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    # d x^(−1/2) = −g·x^(−3/2)/2 = −g·out³/2
    def backward(ctx, grad):
        out = ctx.saved[0]
        return (-0.5 * grad * out * out * out,)


class Square(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    # d x² = 2g·x
    def backward(ctx, grad):
        return (2 * grad * ctx.saved[0],)


class Rounding(Function):
    """floor, ceil, round and sign: piecewise constant, so their gradient is 0 everywhere
    (PyTorch's choice, also at the jumps); one node class, named after the function."""

    def forward(ctx, x, kind, decimals=0):
        xp = ctx.xp
        if kind == "round":
            return xp.round(x, decimals)
        return {"floor": xp.floor, "ceil": xp.ceil, "sign": xp.sign}[kind](x)

    def backward(ctx, grad):
        return (ctx.xp.zeros_like(grad),)

    @property
    def label(self) -> str:
        return self.attrs.get("kind", "rounding").capitalize()


# -- wrappers --------------------------------------------------------------------------------

def _float_unary(cls, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{cls.__name__.lower()}: expected a Tensor, got {type(x).__name__}")
    return cls.apply(floating(x))


def sin(x: Tensor, *, out=None) -> Tensor:
    """sin x elementwise."""
    if out is not None:
        return into(out, "sin", lambda: sin(x), x)
    return _float_unary(Sin, x)


def cos(x: Tensor, *, out=None) -> Tensor:
    """cos x elementwise."""
    if out is not None:
        return into(out, "cos", lambda: cos(x), x)
    return _float_unary(Cos, x)


def tan(x: Tensor, *, out=None) -> Tensor:
    """tan x elementwise."""
    if out is not None:
        return into(out, "tan", lambda: tan(x), x)
    return _float_unary(Tan, x)


def asin(x: Tensor, *, out=None) -> Tensor:
    """arcsin x elementwise (NaN outside [−1, 1], as in PyTorch)."""
    if out is not None:
        return into(out, "asin", lambda: asin(x), x)
    return _float_unary(Asin, x)


def acos(x: Tensor, *, out=None) -> Tensor:
    """arccos x elementwise (NaN outside [−1, 1])."""
    if out is not None:
        return into(out, "acos", lambda: acos(x), x)
    return _float_unary(Acos, x)


def atan(x: Tensor, *, out=None) -> Tensor:
    """arctan x elementwise."""
    if out is not None:
        return into(out, "atan", lambda: atan(x), x)
    return _float_unary(Atan, x)


def atan2(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """The angle of the point (other, input): arctan(input/other) in the right quadrant,
    elementwise with broadcasting (PyTorch's argument order: y first)."""
    if out is not None:
        return into(out, "atan2", lambda: atan2(input, other), input, other)
    from .elementwise import _promote
    y = floating(input)
    x = other if isinstance(other, Tensor) else Tensor(constant(other, y))
    x = floating(x)
    if y.dtype != x.dtype:
        y, x = _promote(y, x, False)
    check_broadcast("atan2", y, x)
    return Atan2.apply(y, x)


def sinh(x: Tensor, *, out=None) -> Tensor:
    """Hyperbolic sine elementwise."""
    if out is not None:
        return into(out, "sinh", lambda: sinh(x), x)
    return _float_unary(Sinh, x)


def cosh(x: Tensor, *, out=None) -> Tensor:
    """Hyperbolic cosine elementwise."""
    if out is not None:
        return into(out, "cosh", lambda: cosh(x), x)
    return _float_unary(Cosh, x)


def erf(x: Tensor, *, out=None) -> Tensor:
    """The error function (2/√π)∫₀ˣ e^(−t²) dt elementwise."""
    if out is not None:
        return into(out, "erf", lambda: erf(x), x)
    return _float_unary(Erf, x)


def log1p(x: Tensor, *, out=None) -> Tensor:
    """ln(1 + x), accurate for small x."""
    if out is not None:
        return into(out, "log1p", lambda: log1p(x), x)
    return _float_unary(Log1p, x)


def expm1(x: Tensor, *, out=None) -> Tensor:
    """eˣ − 1, accurate for small x."""
    if out is not None:
        return into(out, "expm1", lambda: expm1(x), x)
    return _float_unary(Expm1, x)


def log2(x: Tensor, *, out=None) -> Tensor:
    """Base-2 logarithm elementwise."""
    if out is not None:
        return into(out, "log2", lambda: log2(x), x)
    return _float_unary(Log2, x)


def log10(x: Tensor, *, out=None) -> Tensor:
    """Base-10 logarithm elementwise."""
    if out is not None:
        return into(out, "log10", lambda: log10(x), x)
    return _float_unary(Log10, x)


def reciprocal(x: Tensor, *, out=None) -> Tensor:
    """1/x elementwise."""
    if out is not None:
        return into(out, "reciprocal", lambda: reciprocal(x), x)
    return _float_unary(Reciprocal, x)


def rsqrt(x: Tensor, *, out=None) -> Tensor:
    """1/√x elementwise."""
    if out is not None:
        return into(out, "rsqrt", lambda: rsqrt(x), x)
    return _float_unary(Rsqrt, x)


def square(x: Tensor, *, out=None) -> Tensor:
    """x² elementwise (integer tensors stay integer; bools become int64, as in PyTorch)."""
    if out is not None:
        return into(out, "square", lambda: square(x), x)
    if x.dtype.kind == "b":
        x = Tensor(x._data.astype("int64"))
    return Square.apply(x)


def _rounding(x: Tensor, kind: str, decimals: int = 0) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{kind}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind == "b" or (x.dtype.kind in "iu" and kind != "sign" and decimals >= 0):
        return Tensor(x._data.copy())  # already whole numbers (PyTorch returns a copy)
    return Rounding.apply(x, kind=kind, decimals=decimals)


def floor(x: Tensor, *, out=None) -> Tensor:
    """The largest integer ≤ x, elementwise (gradient 0)."""
    if out is not None:
        return into(out, "floor", lambda: floor(x), x)
    return _rounding(x, "floor")


def ceil(x: Tensor, *, out=None) -> Tensor:
    """The smallest integer ≥ x, elementwise (gradient 0)."""
    if out is not None:
        return into(out, "ceil", lambda: ceil(x), x)
    return _rounding(x, "ceil")


def round(x: Tensor, decimals: int = 0, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """x rounded to `decimals` places, halves to even as in PyTorch (gradient 0)."""
    if out is not None:
        return into(out, "round", lambda: round(x, decimals), x)
    return _rounding(x, "round", decimals)


def sign(x: Tensor, *, out=None) -> Tensor:
    """−1, 0 or 1 by the sign of x (gradient 0)."""
    if out is not None:
        return into(out, "sign", lambda: sign(x), x)
    return _rounding(x, "sign")


# -- grids -----------------------------------------------------------------------------------

def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors (PyTorch's `meshgrid`): with `indexing='ij'` output
    k varies along dimension k; with 'xy' (NumPy's default) the first two dimensions swap.
    Differentiable (each output is a broadcast view of its input). Without `indexing`, 'ij'
    with PyTorch's warning."""
    from .shape import expand, reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise ValueError("meshgrid: expected at least one tensor")
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            got = f"shape {t.shape}" if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"meshgrid: expected 0-D or 1-D tensors, got {got}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0  # input 0 varies along dim 1, input 1 along dim 0
    sizes = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        sizes[axis] = t.numel()
    out = []
    for t, axis in zip(tensors, axes):
        view = [1] * len(tensors)
        view[axis] = -1
        out.append(expand(reshape(t, *view), *sizes))
    return tuple(out)


# -- comparisons (functions; the methods and operators are Tensor's) --------------------------

def _compare(op: str, input, other):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as first argument, got "
                        f"{type(input).__name__}")
    if isinstance(other, (Tensor, bool, int, float, np.number, np.bool_)):
        return getattr(input, f"__{op}__")(other)
    raise TypeError(f"{op}: expected a Tensor or a number as second argument, got "
                    f"{type(other).__name__}")


def eq(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """input == other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "eq", lambda: eq(input, other), input, other)
    return _compare("eq", input, other)


def ne(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002
    """input != other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "ne", lambda: ne(input, other), input, other)
    return _compare("ne", input, other)


def lt(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002
    """input < other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "lt", lambda: lt(input, other), input, other)
    return _compare("lt", input, other)


def le(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002
    """input <= other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "le", lambda: le(input, other), input, other)
    return _compare("le", input, other)


def gt(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002
    """input > other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "gt", lambda: gt(input, other), input, other)
    return _compare("gt", input, other)


def ge(input: Tensor, other, *, out=None) -> Tensor:  # noqa: A002
    """input >= other elementwise (a bool tensor)."""
    if out is not None:
        return into(out, "ge", lambda: ge(input, other), input, other)
    return _compare("ge", input, other)


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """PyTorch's Heaviside function: 0 where input < 0, `values` where input == 0 and 1 where
    input > 0 (the two broadcast; one dtype for both; no gradient, as in PyTorch). The notes'
    step, 1 at 0 with gradient 0 (the perceptron's activation), is `F.step`."""
    if out is not None:
        return into(out, "heaviside", lambda: heaviside(input, values), input, values)
    op = "heaviside"
    if not isinstance(input, Tensor) or not isinstance(values, Tensor):
        raise TypeError(f"{op}: expected Tensors for input and values, got "
                        f"{type(input).__name__} and {type(values).__name__}")
    if input.dtype != values.dtype:
        raise TypeError(f"{op}: input and values must have the same dtype, got "
                        f"{input.dtype} and {values.dtype}")
    x, v = input._data, values._data
    check_broadcast(op, x, v)
    return Tensor(np.where(x > 0, 1, np.where(x == 0, v, 0)).astype(x.dtype, copy=False))
