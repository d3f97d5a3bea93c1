"""Elementwise ops. The notes' node types live here: an addition node *distributes* the
upstream gradient unchanged to every input, a product node *switches* (each input gets the
other's value times the upstream gradient), a max node *routes* it to the selected input.

Broadcasting: backward may return gradients of the broadcast shape; the engine sums them
back to each input's shape (`engine.unbroadcast`).
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ...tensor import Tensor
from ._out import into
from ._util import check_broadcast, constant, floating


def graph_input(t, saved):
    """The graph value of input `t` whose array the op saved, for a `graph_saved` override:
    `t` itself — or, after an in-place form rewrote `t` (`x *= y`, `silu_`: see
    `version.rebase`), whose storage now holds the result while the op saved a copy of the
    old values, a Tensor of that copy on `t`'s node (the second derivative reaches the
    graph, with the values the op saw)."""
    if not isinstance(t, Tensor) or t._data is saved:
        return t
    return Tensor._from_op(saved, t._ctx)


class Add(Function):
    def forward(ctx, x, y):
        return x + y

    # d(x+y) = (g, g): the addition node distributes
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    def forward(ctx, x, y):
        return x - y

    # d(x-y) = (g, -g)
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    # d(xy) = (g·y, g·x): the product node switches
    def backward(ctx, grad):
        x, y = ctx.saved
        return (grad * y if ctx.needs_input_grad[0] else None,
                grad * x if ctx.needs_input_grad[1] else None)

    def graph_saved(ctx):
        """x and y as graph Tensors, also after `x *= y` rewrote x (`graph_input`)."""
        return tuple(graph_input(t, v) for t, v in zip(ctx.inputs, ctx.saved))


class Div(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    # d(x/y) = (g/y, -g·x/y²)
    def backward(ctx, grad):
        x, y = ctx.saved
        dx = grad / y
        return dx, (-dx * x / y if ctx.needs_input_grad[1] else None)

    graph_saved = Mul.graph_saved   # x and y, also after `x /= y`


class Neg(Function):
    def forward(ctx, x):
        return -x

    def backward(ctx, grad):
        return (-grad,)


class PowScalar(Function):
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        return x ** exponent

    # d(x^p) = g·p·x^(p-1); 0 for p = 0 (x^0 = 1 is constant: 0·x^(−1) would be NaN at 0)
    def backward(ctx, grad):
        (x,), p = ctx.saved, ctx.attrs["exponent"]
        if p == 2:
            return (grad * 2 * x,)
        if p == 0:
            return (ctx.xp.zeros_like(grad),)
        return (grad * p * x ** (p - 1),)


class Pow(Function):
    def forward(ctx, x, y):
        out = x ** y
        ctx.save_for_backward(x, y, out)
        return out

    # d(x^y) = (g·y·x^(y-1), g·x^y·ln x); the first is 0 where y = 0 (PyTorch's), the second
    # only defined for x > 0
    def backward(ctx, grad):
        x, y, out = ctx.saved
        xp = ctx.xp
        dx = None
        if ctx.needs_input_grad[0]:
            with xp.errstate(divide="ignore", invalid="ignore"):   # 0^(−1) where y = 0
                dx = xp.where(y == 0, 0, grad * y * x ** (y - 1))
        dy = None
        if ctx.needs_input_grad[1]:
            with xp.errstate(divide="ignore", invalid="ignore"):
                dy = grad * out * xp.where(x > 0, xp.log(xp.where(x > 0, x, 1)), 0)
        return dx, dy


class Exp(Function):
    def forward(ctx, x):
        out = ctx.xp.exp(x)
        ctx.save_for_backward(out)
        return out

    # d(e^x) = g·e^x
    def backward(ctx, grad):
        return (grad * ctx.saved[0],)


class Log(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    # d(ln x) = g/x
    def backward(ctx, grad):
        return (grad / ctx.saved[0],)


class Sqrt(Function):
    def forward(ctx, x):
        out = ctx.xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    # d(√x) = g/(2√x)
    def backward(ctx, grad):
        return (grad / (2 * ctx.saved[0]),)


class Abs(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    # d|x| = g·sign(x); 0 at x = 0 as in PyTorch
    def backward(ctx, grad):
        return (grad * ctx.xp.sign(ctx.saved[0]),)


class Clamp(Function):
    def forward(ctx, x, min=None, max=None):
        inside = None
        xp = ctx.xp
        if min is not None:
            inside = x >= min
        if max is not None:
            inside = (x <= max) if inside is None else inside & (x <= max)
        ctx.save_for_backward(inside)
        return xp.clip(x, min, max).astype(x.dtype, copy=False)

    # the gradient passes where min ≤ x ≤ max (bounds included, as in PyTorch)
    def backward(ctx, grad):
        inside = ctx.saved[0]
        return (grad if inside is None else grad * inside,)


class Maximum(Function):
    def forward(ctx, x, y):
        # the masks of the inputs that get g: a NaN compares false both ways, so both get it
        # (as in PyTorch), and the output is NaN (NumPy's maximum propagates it)
        ctx.save_for_backward(~(x < y), ~(x >= y))
        return ctx.xp.maximum(x, y)

    # a max node routes: all of g to the selected input; on a tie, to the first one
    def backward(ctx, grad):
        to_x, to_y = ctx.saved
        return (grad * to_x if ctx.needs_input_grad[0] else None,
                grad * to_y if ctx.needs_input_grad[1] else None)


class Minimum(Function):
    def forward(ctx, x, y):
        ctx.save_for_backward(~(x > y), ~(x <= y))   # NaN: both inputs get g, as in Maximum
        return ctx.xp.minimum(x, y)

    # routes like Maximum; on a tie, to the first input
    def backward(ctx, grad):
        to_x, to_y = ctx.saved
        return (grad * to_x if ctx.needs_input_grad[0] else None,
                grad * to_y if ctx.needs_input_grad[1] else None)


class Where(Function):
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, x, y)

    # g flows to x where the condition holds, to y elsewhere
    def backward(ctx, grad):
        condition = ctx.saved[0]
        return (None,
                grad * condition if ctx.needs_input_grad[1] else None,
                grad * ~condition if ctx.needs_input_grad[2] else None)


# -- wrappers ------------------------------------------------------------------------------

def _as_dtype(t, dtype):
    """A non-float operand converted to `dtype` (it cannot require a gradient)."""
    return Tensor(t._data.astype(dtype)) if isinstance(t, Tensor) else t.astype(dtype)


def _promote(x, y, true_div: bool):
    """PyTorch's category rule: float ⊕ int/bool takes the float's dtype, and int / int
    is the default float (NumPy would give float64 for both: a silent upcast)."""
    fx, fy = x.dtype.kind == "f", y.dtype.kind == "f"
    if fx and not fy:
        return x, _as_dtype(y, x.dtype)
    if fy and not fx:
        return _as_dtype(x, y.dtype), y
    if true_div and not fx:
        from ...dtypes import get_default_dtype
        return _as_dtype(x, get_default_dtype()), _as_dtype(y, get_default_dtype())
    return x, y


def _dtype(t):
    """The NumPy dtype of a Tensor or array operand (cheaper to compare than Tensor.dtype)."""
    return t._data.dtype if isinstance(t, Tensor) else t.dtype


def _binary(cls, x, y, op):
    if not isinstance(x, Tensor):
        x = constant(x, y)
    if not isinstance(y, Tensor):
        y = constant(y, x)
    xd = _dtype(x)
    if xd is not _dtype(y) or (cls is Div and xd.kind != "f"):
        x, y = _promote(x, y, cls is Div)
    try:
        return cls.apply(x, y)
    except ValueError:
        check_broadcast(op, x, y)  # raises a named error when shapes do not broadcast
        raise


def add(x, y, *, alpha=1, out=None) -> Tensor:
    """x + alpha·y, with NumPy broadcasting (`out=`: see `_out.into`)."""
    if out is not None:
        return into(out, "add", lambda: add(x, y, alpha=alpha), x, y)
    return _binary(Add, x, y if alpha == 1 else mul(y, alpha), "add")


def sub(x, y, *, alpha=1, out=None) -> Tensor:
    """x − alpha·y, with NumPy broadcasting."""
    if out is not None:
        return into(out, "sub", lambda: sub(x, y, alpha=alpha), x, y)
    return _binary(Sub, x, y if alpha == 1 else mul(y, alpha), "sub")


def mul(x, y, *, out=None) -> Tensor:
    """x · y elementwise, with NumPy broadcasting."""
    if out is not None:
        return into(out, "mul", lambda: mul(x, y), x, y)
    return _binary(Mul, x, y, "mul")


def div(x, y, *, out=None) -> Tensor:
    """x / y elementwise, with NumPy broadcasting."""
    if out is not None:
        return into(out, "div", lambda: div(x, y), x, y)
    return _binary(Div, x, y, "div")


def neg(x: Tensor, *, out=None) -> Tensor:
    """−x."""
    if out is not None:
        return into(out, "neg", lambda: neg(x), x)
    return Neg.apply(x)


def pow(x, exponent, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """x ** exponent; a Python-number exponent is a constant of the op."""
    if out is not None:
        return into(out, "pow", lambda: pow(x, exponent), x, exponent)
    if isinstance(x, Tensor) and isinstance(exponent, (int, float)) \
            and not isinstance(exponent, bool):
        if isinstance(exponent, float):
            x = floating(x)
        return PowScalar.apply(x, exponent=exponent)
    return _binary(Pow, x, exponent, "pow")


def exp(x: Tensor, *, out=None) -> Tensor:
    """e^x elementwise."""
    if out is not None:
        return into(out, "exp", lambda: exp(x), x)
    return Exp.apply(floating(x))


def log(x: Tensor, *, out=None) -> Tensor:
    """Natural logarithm elementwise."""
    if out is not None:
        return into(out, "log", lambda: log(x), x)
    return Log.apply(floating(x))


def sqrt(x: Tensor, *, out=None) -> Tensor:
    """Square root elementwise."""
    if out is not None:
        return into(out, "sqrt", lambda: sqrt(x), x)
    return Sqrt.apply(floating(x))


def abs(x: Tensor, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """|x| elementwise (gradient sign(x), 0 at 0)."""
    if out is not None:
        return into(out, "abs", lambda: abs(x), x)
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit x to [min, max]; either bound may be None."""
    if out is not None:
        return into(out, "clamp", lambda: clamp(x, min, max), x)
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: min ({min}) must not exceed max ({max})")
    if isinstance(min, float) or isinstance(max, float):
        x = floating(x)
    return Clamp.apply(x, min=min, max=max)


def maximum(x, y, *, out=None) -> Tensor:
    """Elementwise max; the gradient goes to the larger input (to x on a tie). A NaN in
    either input gives NaN (PyTorch's), and both inputs get the gradient there."""
    if out is not None:
        return into(out, "maximum", lambda: maximum(x, y), x, y)
    return _binary(Maximum, x, y, "maximum")


def minimum(x, y, *, out=None) -> Tensor:
    """Elementwise min; the gradient goes to the smaller input (to x on a tie). NaN wins, as
    in `maximum`."""
    if out is not None:
        return into(out, "minimum", lambda: minimum(x, y), x, y)
    return _binary(Minimum, x, y, "minimum")


def where(condition, x, y, *, out=None) -> Tensor:
    """Pick x where `condition` is true and y elsewhere (broadcasting all three)."""
    if out is not None:
        return into(out, "where", lambda: where(condition, x, y), x, y)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):  # two Python numbers
        from ...creation import tensor
        x = tensor(x)  # PyTorch's dtype: float32 for floats, int64 for ints
    if not isinstance(x, Tensor):
        x = constant(x, y)
    if not isinstance(y, Tensor):
        y = constant(y, x)
    if _dtype(x) is not _dtype(y):
        x, y = _promote(x, y, False)
    return Where.apply(cond, x, y)


class Cast(Function):
    def forward(ctx, x, dtype, copy=False):
        ctx.save_for_backward(x.dtype)
        return x.astype(dtype, copy=copy)

    # the gradient is cast back to the input's dtype (only float -> float is tracked)
    def backward(ctx, grad):
        return (grad.astype(ctx.saved[0]),)


def cast(x: Tensor, dtype, copy: bool = False) -> Tensor:
    """x converted to `dtype`; differentiable between floating types."""
    if dtype.kind != "f" and x.requires_grad:
        from ..function import no_grad
        with no_grad():
            return Cast.apply(x, dtype=dtype, copy=copy)
    return Cast.apply(x, dtype=dtype, copy=copy)
