"""The derivative transforms of `xarxa.func` (`torch.func`'s): `grad`, `grad_and_value`,
`vjp`, `jvp`, `jacrev`, `jacfwd`, `hessian`, all on `xa.autograd.grad`.

A *level* is one application of a transform. It differentiates its own handles on the
inputs, never the caller's tensors: a fresh leaf when the input needs no gradient outside,
otherwise an identity node (`Alias`) on the input, so the caller's graph still reaches it
and nested transforms do not confuse each other's variables (perturbation confusion:
`grad(lambda x: x * grad(lambda y: x * y)(x))` is d(x²)/dx = 2x, not 4x). A level builds
the graph of its gradients (`create_graph=True`) only when something outside it may
differentiate them: grad mode was on when it was called and its outputs reach a tensor
that requires grad and is not one of its own (an enclosing level's input, a parameter the
function closes over). So a top-level `grad(f)(x)` costs one first-order backward, while
`grad(grad(f))` builds exactly the one graph its outer level needs.
"""
from __future__ import annotations

import functools
import weakref

import numpy as np

from ..autograd import enable_grad, engine, is_grad_enabled
from ..autograd.function import Function
from ..autograd.grad import grad as _autograd_grad
from ..autograd.ops import stack
from ..tensor import Tensor
from . import _tree

# ids of the private leaves of levels that have returned (while those leaves live): nothing
# outside their level can differentiate them, so reaching one never calls for a graph
_closed: dict[int, bool] = {}


class Alias(Function):
    """The identity, as a node of its own: a level's handle on an input that its caller
    differentiates too (PyTorch's `AliasBackward0`)."""

    def forward(ctx, x):
        return x.view()

    def backward(ctx, grad):
        return (grad,)  # the same on arrays and on Tensors (create_graph): no formula


class _Level:
    """One application of a transform: its handles on the inputs and what it owns."""

    def __init__(self, name: str):
        self.name = name
        self.outer = is_grad_enabled()  # grad mode of the caller: outside may differentiate
        self.own: list[Tensor] = []     # this level's private leaves (kept alive: ids stay)
        self.own_ids: set[int] = set()

    def private(self, data: np.ndarray) -> Tensor:
        leaf = Tensor(data, requires_grad=True)
        self.own.append(leaf)
        self.own_ids.add(id(leaf))
        return leaf

    def handle(self, x: Tensor, where: str) -> Tensor:
        """What the function sees in place of input `x` (differentiable, see the module
        docstring)."""
        if x._data.dtype.kind != "f":
            raise ValueError(f"{self.name}: {where} must be floating point to be "
                             f"differentiated, got dtype {x._data.dtype}")
        if self.outer and x.requires_grad:
            return Alias.apply(x)
        return self.private(x._data)

    def handles(self, args: list, positions: tuple) -> tuple[list, list]:
        """Replace args[p] (a pytree) by handles for each p; (handles per position, specs)."""
        per_position, specs = [], []
        for p in positions:
            leaves, spec = _tree.flatten(args[p], f"{self.name}: argument {p}")
            hs = [self.handle(t, f"argument {p}") for t in leaves]
            args[p] = _tree.unflatten(spec, hs)
            per_position.append(hs)
            specs.append(spec)
        return per_position, specs

    def reaches_outside(self, tensors) -> bool:
        """Whether the graph of `tensors` reaches a tensor that requires grad and is not
        private to this level or to a level that returned (always False when the caller
        had grad mode off: nothing outside differentiates then)."""
        if not self.outer:
            return False
        stack_, seen = [], set()
        for t in tensors:
            if t.requires_grad:
                if t._ctx is None:
                    if self._outside(t):
                        return True
                else:
                    stack_.append(t._ctx)
        while stack_:
            node = stack_.pop()
            if node in seen:
                continue
            seen.add(node)
            for t, needed in zip(node.inputs, node.needs_input_grad):
                if not needed:
                    continue
                child = t._ctx
                if child is not None and child.seq > node.seq:  # rebased by an in-place op
                    child = engine.node_of(t, node.seq)
                if child is not None:
                    stack_.append(child)
                elif self._outside(t):
                    return True
        return False

    def _outside(self, leaf) -> bool:
        return id(leaf) not in self.own_ids and id(leaf) not in _closed

    def unwrap(self, tree):
        """Values handed back to the caller (outputs, aux): cut from this level's graph,
        unless outside may differentiate them."""
        return _tree.map_tensors(
            tree, lambda t: t if not t.requires_grad or self.reaches_outside([t])
            else t.detach())

    def close(self) -> None:
        for leaf in self.own:
            _closed[id(leaf)] = True
            weakref.finalize(leaf, _closed.pop, id(leaf), None)


def _fname(func) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _positions(argnums, nargs: int, name: str) -> tuple[int, ...]:
    """`argnums` (an int or a tuple of ints, negative from the end) as positions."""
    one = isinstance(argnums, int) and not isinstance(argnums, bool)
    if not one and not (isinstance(argnums, tuple)
                        and all(isinstance(a, int) and not isinstance(a, bool)
                                for a in argnums)):
        raise RuntimeError(f"{name}: argnums must be an int or a tuple of ints, got "
                           f"{argnums!r}")
    nums = (argnums,) if one else argnums
    if not nums:
        raise RuntimeError(f"{name}: argnums must be non-empty")
    for a in nums:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"{name}: got argnums={argnums!r}, but only {nargs} positional "
                               "argument(s)")
    positions = tuple(a % nargs for a in nums)
    if len(set(positions)) != len(positions):
        raise RuntimeError(f"{name}: argnums must be unique, got {argnums!r}")
    return positions


def _split_aux(result, has_aux: bool, name: str):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{name}: with has_aux=True the function must return a tuple "
                           f"(output, aux), got {type(result).__name__}")
    return result


def _grads(outputs, inputs, cotangents, create_graph: bool) -> list:
    """Σ_k cotangent_k · ∂output_k/∂input for each input (zeros where none depends on it);
    a cotangent of None is 1 for a scalar output. The graph is kept: a vjp_fn or a
    Jacobian calls this again on it."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [Tensor(np.zeros_like(t._data)) for t in inputs]
    return list(_autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                               retain_graph=True, create_graph=create_graph,
                               allow_unused=True, materialize_grads=True))


def _regroup(flat: list, per_position: list, specs: list, one: bool):
    """Values for the flattened handles, back in the arguments' shapes: the one argument's
    pytree (an int argnums) or a tuple of them."""
    groups, i = [], 0
    for hs, spec in zip(per_position, specs):
        groups.append(_tree.unflatten(spec, flat[i:i + len(hs)]))
        i += len(hs)
    return groups[0] if one else tuple(groups)


def _check_like(name: str, what: str, given: list, spec, ref: list, ref_spec, ref_what):
    if spec != ref_spec:
        raise RuntimeError(f"{name}: {what} must have the structure of {ref_what}: got "
                           f"{_tree.describe(spec)}, expected {_tree.describe(ref_spec)}")
    for i, (g, r) in enumerate(zip(given, ref)):
        if g.shape != r.shape:
            raise RuntimeError(f"{name}: {what} {i} has shape {tuple(g.shape)}, expected "
                               f"{ref_what}'s shape {tuple(r.shape)}")


def _basis(like: Tensor, i: int) -> Tensor:
    e = np.zeros(like._data.size, like._data.dtype)
    e[i] = 1
    return Tensor(e.reshape(like._data.shape))


# -- grad, grad_and_value ----------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux: bool = False):
    """`func` → a function returning (gradient, value) of `func`'s scalar output with
    respect to the arguments `argnums` (an int or a tuple: the gradient has the same
    structure as the argument(s): a Tensor, or a tuple/list/dict of Tensors). With
    `has_aux=True` `func` returns (output, aux) and the result is (gradient, (value, aux)).
    No `.grad` is read or written."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = f"grad_and_value({_fname(func)})"
        g, value, aux = _grad(func, argnums, has_aux, args, kwargs, name)
        return (g, (value, aux)) if has_aux else (g, value)
    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """`func` → the function computing the gradient of `func`'s scalar output with respect
    to the arguments `argnums` (see `grad_and_value`); with `has_aux=True`, (gradient, aux).
    Composes: `grad(grad(f))(x)` is f''(x) for a scalar x.

    Example:
        >>> xa.func.grad(lambda x: (x ** 3).sum())(xa.tensor([2.0]))   # tensor([12.])
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, _, aux = _grad(func, argnums, has_aux, args, kwargs, f"grad({_fname(func)})")
        return (g, aux) if has_aux else g
    return wrapper


def _grad(func, argnums, has_aux, args, kwargs, name):
    positions = _positions(argnums, len(args), name)
    level = _Level(name)
    args = list(args)
    try:
        with enable_grad():  # a transform differentiates even inside no_grad(), as torch's
            per_position, specs = level.handles(args, positions)
            out, aux = _split_aux(func(*args, **kwargs), has_aux, name)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{name}: expected the function to return a scalar "
                                   f"Tensor, got {type(out).__name__}")
            if out.numel() != 1:
                raise RuntimeError(f"{name}: expected the function to return a scalar "
                                   f"Tensor, got one of shape {tuple(out.shape)} (use vjp "
                                   "or jacrev for a non-scalar output)")
            inputs = [h for hs in per_position for h in hs]
            flat = _grads([out], inputs, [None], level.reaches_outside([out]))
        g = _regroup(flat, per_position, specs, isinstance(argnums, int))
        return g, level.unwrap(out), level.unwrap(aux)
    finally:
        level.close()


# -- vjp, jvp ------------------------------------------------------------------------------
def vjp(func, *primals, has_aux: bool = False):
    """(output, vjp_fn) of `func(*primals)`, where `vjp_fn(cotangents)` (cotangents shaped
    as the output) is the tuple, one per primal, of cotangents · ∂output/∂primal. It may be
    called any number of times. With `has_aux=True`: (output, vjp_fn, aux)."""
    name = f"vjp({_fname(func)})"
    level = _Level(name)
    args = list(primals)
    try:
        with enable_grad():
            per_position, specs = level.handles(args, tuple(range(len(args))))
            out, aux = _split_aux(func(*args), has_aux, name)
            outs, out_spec = _tree.flatten(out, f"{name}: the output")
        reach = level.reaches_outside(outs)
        value, aux = level.unwrap(out), level.unwrap(aux)
    finally:
        level.close()
    inputs = [h for hs in per_position for h in hs]

    def vjp_fn(cotangents):
        cots, cot_spec = _tree.flatten(cotangents, f"{name} vjp_fn: the cotangents")
        _check_like(f"{name} vjp_fn", "cotangent", cots, cot_spec, outs, out_spec,
                    "the output")
        create = is_grad_enabled() and (reach or any(c.requires_grad for c in cots))
        flat = _grads(outs, inputs, cots, create)
        return _regroup(flat, per_position, specs, False)

    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def _transpose(level: _Level, outs: list, inputs: list):
    """The double-VJP trick: g(u) = Jᵀu for private cotangent leaves u, with its graph.
    g is linear in u, so its own VJP, ∂⟨g(u), t⟩/∂u = J t, is the forward-mode product."""
    us = [level.private(np.zeros_like(o._data)) if o.requires_grad else None for o in outs]
    live = [(o, u) for o, u in zip(outs, us) if u is not None]
    gs = _grads([o for o, _ in live], inputs, [u for _, u in live], create_graph=True)
    return gs, us


def _forward(gs: list, us: list, outs: list, tangents: list, create: bool) -> list:
    """J·t for each output from g(u) = Jᵀu (`_transpose`): zeros for an output that
    depends on no input."""
    live = [u for u in us if u is not None]
    products = iter(_grads(gs, live, tangents, create) if live else ())
    return [next(products) if u is not None else Tensor(np.zeros_like(o._data))
            for o, u in zip(outs, us)]


def jvp(func, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False):
    """(output, J·tangents) of `func(*primals)`: forward mode, the derivative of the output
    along `tangents` (shaped as the primals).

    xarxa has reverse mode only, so this is the double-VJP trick: with a private cotangent
    u, g(u) = Jᵀu is computed with its graph (create_graph=True); g is linear in u, and
    differentiating ⟨g(u), t⟩ with respect to u gives J t. That is two reverse passes (the
    second over the backward graph) instead of one forward pass carrying tangents, and
    needs every op on the way to be twice differentiable; it was chosen because it reuses
    each op's one VJP (no second, forward derivative formula per op to write and keep
    right). `strict` is accepted for PyTorch scripts and changes nothing."""
    name = f"jvp({_fname(func)})"
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError(f"{name}: primals and tangents must be tuples (func(*primals) is "
                           f"called), got {type(primals).__name__} and "
                           f"{type(tangents).__name__}")
    level = _Level(name)
    args = list(primals)
    try:
        with enable_grad():
            per_position, specs = level.handles(args, tuple(range(len(args))))
            tans, tan_spec = _tree.flatten(tangents, f"{name}: the tangents")
            inputs = [h for hs in per_position for h in hs]
            _check_like(name, "tangent", tans, tan_spec, inputs, (tuple, specs), "the primals")
            out, aux = _split_aux(func(*args), has_aux, name)
            outs, out_spec = _tree.flatten(out, f"{name}: the output")
            gs, us = _transpose(level, outs, inputs)
            create = level.reaches_outside(gs + tans)
            flat = _forward(gs, us, outs, tans, create)
        result = (level.unwrap(out), _tree.unflatten(out_spec, flat))
        return (*result, level.unwrap(aux)) if has_aux else result
    finally:
        level.close()


# -- Jacobians, Hessian ------------------------------------------------------------------
def _jacobian(func, argnums, has_aux, args, kwargs, name, forward: bool):
    positions = _positions(argnums, len(args), name)
    level = _Level(name)
    args = list(args)
    try:
        with enable_grad():
            per_position, specs = level.handles(args, positions)
            out, aux = _split_aux(func(*args, **kwargs), has_aux, name)
            outs, out_spec = _tree.flatten(out, f"{name}: the output")
            inputs = [h for hs in per_position for h in hs]
            blocks = (_columns if forward else _rows)(level, outs, inputs)
        # blocks[k][i]: ∂outs[k]/∂inputs[i], of shape outs[k].shape + inputs[i].shape
        one = isinstance(argnums, int)
        jac = _tree.unflatten(out_spec, [_regroup(b, per_position, specs, one) for b in blocks])
        return (jac, level.unwrap(aux)) if has_aux else jac
    finally:
        level.close()


def _assemble(pieces: list, o: Tensor, x: Tensor, dim: int) -> Tensor:
    """The block ∂o/∂x from its rows (dim 0) or columns (dim -1), one per element."""
    shape = tuple(o.shape) + tuple(x.shape)
    if not pieces:
        return Tensor(np.zeros(shape, x._data.dtype))
    if len(pieces) == 1:
        return pieces[0].reshape(shape)
    return stack(pieces, dim).reshape(shape)


def _rows(level: _Level, outs: list, inputs: list) -> list:
    """Reverse mode: one VJP per output element (a row of every block)."""
    create = level.reaches_outside(outs)
    blocks = []
    for o in outs:
        rows = [_grads([o], inputs, [_basis(o, r)], create) for r in range(o.numel())]
        blocks.append([_assemble([row[i] for row in rows], o, x, 0)
                       for i, x in enumerate(inputs)])
    return blocks


def _columns(level: _Level, outs: list, inputs: list) -> list:
    """Forward mode: one J·e_j per input element (a column of every block), each by the
    double-VJP trick on the one transposed graph g(u) = Jᵀu."""
    gs, us = _transpose(level, outs, inputs)
    create = level.reaches_outside(gs)
    columns = [[[] for _ in inputs] for _ in outs]  # columns[k][i]: block (k, i)'s
    for i, x in enumerate(inputs):
        for j in range(x.numel()):
            # only g_i = (Jᵀu)_i meets a tangent that is e_j on input i and 0 elsewhere
            for k, col in enumerate(_forward([gs[i]], us, outs, [_basis(x, j)], create)):
                columns[k][i].append(col)
    return [[_assemble(columns[k][i], o, x, -1) for i, x in enumerate(inputs)]
            for k, o in enumerate(outs)]


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """`func` → the function computing the Jacobian of `func`'s output(s) with respect to
    the arguments `argnums`, by reverse mode: one VJP per output element (PyTorch batches
    them with vmap; here they run one after another, so `chunk_size` changes nothing).
    The block for output o and input x has shape o.shape + x.shape; a tuple/dict output
    gives that structure of blocks, a tuple argnums a tuple per output."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, f"jacrev({_fname(func)})",
                         forward=False)
    return wrapper


def jacfwd(func, argnums=0, has_aux: bool = False):
    """`func` → the function computing the Jacobian of `func` (shapes as `jacrev`) by
    forward mode: one column J·e_j per input element, each a reverse pass over the
    transposed graph Jᵀu (see `jvp`). Prefer `jacrev` unless inputs are fewer than
    outputs: here each column costs a reverse pass, plus one for the transposed graph."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, f"jacfwd({_fname(func)})",
                         forward=True)
    return wrapper


def hessian(func, argnums=0):
    """`func` → the function computing the Hessian of `func`'s scalar output with respect
    to the arguments `argnums` (shape x.shape + x.shape).

    PyTorch computes `jacfwd(jacrev(f))`, as its forward mode is cheap. Here forward mode is
    itself two reverse passes (see `jvp`) and would differentiate the gradient's graph once
    more (third order), so this is `jacrev(jacrev(f))`: one gradient with its graph, then
    one reverse pass over it per input element. The Hessian is symmetric, so both give the
    same matrix."""
    return jacrev(jacrev(func, argnums), argnums)
