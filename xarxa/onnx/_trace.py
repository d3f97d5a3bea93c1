"""The trace behind `export`: run the model's forward once and write every op it calls as
ONNX nodes, named after the layer that called it.

Every op of xarxa goes through `Function.apply`; while a trace runs in a thread, `apply`
hands that thread's calls to its `Tracer` (other threads run as usual), which names the
inputs, runs the op and asks the op's emitter (`EMITTERS`) for its ONNX nodes. Each layer's
`forward` is wrapped for the trace's duration to keep the stack of layer paths (`stem.0`,
`stages.1.conv2`), which name the nodes.

Tensors are named by identity: the model's inputs, its parameters and buffers (as
initializers, under their `state_dict` names), and every op's outputs. A tensor written in
place inside the graph (`out += identity`) is followed through its graph node. What the
trace cannot follow is refused by name, never exported wrong: an op without an ONNX form,
a result made outside the ops (`argmax`, comparisons), a PyTorch-style custom `Function`.
A tensor met nowhere else (made in `forward` from constants) becomes a constant.
"""
from __future__ import annotations

import contextlib
import sys
import threading

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ._emit import OUTSIDE
from ._graph import GraphBuilder
from .errors import OnnxExporterError

_local = threading.local()
_lock = threading.Lock()
_installed = [0]
_APPLY = Function.__dict__["apply"].__func__
_FROM_OP = Tensor.__dict__["_from_op"].__func__
# functions that make tensors outside the ops on purpose: a number as a constant operand,
# the snapshot an in-place op keeps of its input
_CONSTANT_MAKERS = {"_constant_like", "rebase"}
_NONE = object()


def current() -> "Tracer | None":
    """The trace running in this thread, if any."""
    return getattr(_local, "tracer", None)


def _traced_apply(cls, *inputs, **attrs):
    tracer = getattr(_local, "tracer", None)
    if tracer is None or tracer.depth:
        return _APPLY(cls, *inputs, **attrs)
    return tracer.record(cls, inputs, attrs)


def _traced_from_op(data, ctx):
    t = _FROM_OP(data, ctx)
    tracer = getattr(_local, "tracer", None)
    if tracer is not None and not tracer.depth:
        tracer.made_outside(t, sys._getframe(1))
    return t


@contextlib.contextmanager
def _hooks_installed():
    """`Function.apply` and `Tensor._from_op` routed through the tracer while any thread
    traces (they test a thread-local and go on as before otherwise)."""
    with _lock:
        if not _installed[0]:
            Function.apply = classmethod(_traced_apply)
            Tensor._from_op = staticmethod(_traced_from_op)
        _installed[0] += 1
    try:
        yield
    finally:
        with _lock:
            _installed[0] -= 1
            if not _installed[0]:
                Function.apply = classmethod(_APPLY)
                Tensor._from_op = staticmethod(_FROM_OP)


class Op:
    """One traced call, as an emitter sees it."""

    __slots__ = ("cls", "names", "values", "attrs", "outs", "results", "module", "tracer")

    def __init__(self, cls, names, values, attrs, results, module, tracer):
        self.cls, self.names, self.values, self.attrs = cls, names, values, attrs
        self.results, self.module, self.tracer = results, module, tracer
        self.outs = [r._data for r in results]   # the output arrays


class Tracer:
    def __init__(self, model, graph: GraphBuilder, emitters: dict):
        self.model, self.g, self.emitters = model, graph, emitters
        self.depth = 0
        self.names: dict[int, tuple[str, int]] = {}   # id(tensor) -> (name, version)
        self.by_ctx: dict[int, str] = {}               # id(graph node) -> name
        self.by_array: dict[int, str] = {}             # id(array) -> name
        self.global_indices: dict[int, str] = {}       # id(index tensor) -> MaxPool's
        self.pending: dict[int, object] = {}           # id(tensor) -> fn making its name
        self.pending_arrays: dict[int, Tensor] = {}    # id(array) -> its declared tensor
        self.outside: dict[int, str] = {}              # id(tensor) -> what made it
        self.keep: list = []                           # every tensor named: ids stay unique
        self.scopes: list[tuple[str, object]] = [("", model)]

    # -- names -------------------------------------------------------------------------------------
    def bind(self, t: Tensor, name: str) -> None:
        self.keep.append(t)
        self.names[id(t)] = (name, t._version)
        self.by_array[id(t._data)] = name
        if t._ctx is not None:
            self.by_ctx[id(t._ctx)] = name

    def lazy(self, t: Tensor, make) -> None:
        """Name `t` by calling `make()` the first time something uses it."""
        self.keep.append(t)
        self.pending[id(t)] = make

    def declare(self, t: Tensor, make) -> None:
        """A parameter or buffer: named (its initializer made) when first used, as a tensor
        or as the array an op got (batch norm's running statistics)."""
        self.lazy(t, make)
        self.pending_arrays[id(t._data)] = t

    def name_of(self, t) -> str:
        if t is None:
            return ""
        if not isinstance(t, Tensor):   # a raw array (a tensor's, or a constant) or a number
            return self.array_name(t, "const") if isinstance(t, np.ndarray) else \
                self.g.const(np.asarray(t))
        key = id(t)
        if key in self.pending:
            self.bind(t, self.pending.pop(key)())
        entry = self.names.get(key)
        if entry is not None and entry[1] == t._version:
            return entry[0]
        if t._ctx is not None:
            name = self.by_ctx.get(id(t._ctx))
            if name is not None:
                return name
            self._here()
            raise self.g.unsupported("a custom Function has no ONNX form", f"op {t._ctx.name}")
        if entry is not None:
            raise OnnxExporterError(
                f"onnx.export: a tensor was written in place outside the graph in "
                f"'{self.g.scope or 'forward'}' (e.g. x += y on a tensor that needs no "
                "gradient); the trace cannot follow it: write it out of place (x = x + y)")
        if key in self.outside:
            self._here()
            raise self.g.unsupported("its result is made outside the ops, with no ONNX form",
                                     self.outside[key])
        alias = self.by_array.get(id(t._data))
        if alias is not None:   # .detach() / .data of a traced tensor: the same values
            return alias
        return self.g.const(t._data)   # made in forward from constants

    def array_name(self, array, what: str) -> str:
        """The name of a raw array an op got as an attribute (indices, masks, running
        statistics): the tensor or buffer it belongs to, else a constant."""
        if id(array) in self.pending_arrays:
            return self.name_of(self.pending_arrays.pop(id(array)))
        name = self.by_array.get(id(array))
        return name if name is not None else self.g.const(np.asarray(array), what=what)

    def made_outside(self, t: Tensor, frame) -> None:
        """`t` was made by `Tensor._from_op` outside an op: a comparison, `~`, argmax are
        written as their ONNX nodes; anything else is refused if the graph uses it."""
        what = frame.f_code.co_name
        if what in _CONSTANT_MAKERS:
            return
        self.keep.append(t)
        emit = OUTSIDE.get(what)
        if emit is not None:
            self._here()
            self.g.op = what.strip("_")
            name = emit(self.g, self, frame.f_locals, t._data)
            if name:
                self.bind(t, name)
                return
        if what == "_compare" and frame.f_back is not None:
            what = frame.f_back.f_code.co_name
        self.outside[id(t)] = what.strip("_") or "an operation"

    # -- ops -------------------------------------------------------------------------------------
    def record(self, cls, inputs, attrs):
        module = self._here()
        self.g.op = f"op {cls.__name__}"
        names = [self.name_of(t) for t in inputs]   # now: an in-place op changes them next
        self.depth += 1
        try:
            result = _APPLY(cls, *inputs, **attrs)
        finally:
            self.depth -= 1
        outs = result if isinstance(result, tuple) else (result,)
        self._here()   # the op may have run layers' code (hooks): back to its own
        emitter = self.emitters.get(cls)
        if emitter is None:
            raise self.g.unsupported("no ONNX form in xarxa's exporter")
        values = [t._data if isinstance(t, Tensor) else t for t in inputs]
        op = Op(cls, names, values, attrs, outs, module, self)
        for t, name in zip(outs, emitter(self.g, op)):
            if name:
                self.bind(t, name)
        return result

    def _here(self):
        """Point the graph at the innermost layer running now (names nodes and errors)."""
        scope, module = self.scopes[-1]
        self.g.scope, self.g.layer = scope, type(module).__name__
        return module

    # -- the run -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def running(self):
        """Inside: this thread's ops are traced and every layer keeps the scope stack."""
        wrapped = []   # (module, its own instance attribute `forward`, if it had one)
        for path, module in self.model.named_modules():
            if path:
                wrapped.append((module, module.__dict__.get("forward", _NONE)))
                object.__setattr__(module, "forward", self._scoped(path, module))
        _local.tracer = self
        try:
            with _hooks_installed():
                yield self
        finally:
            _local.tracer = None
            for module, own in wrapped:
                if own is _NONE:
                    module.__dict__.pop("forward", None)
                else:
                    module.__dict__["forward"] = own

    def _scoped(self, path: str, module):
        forward = module.forward

        def scoped_forward(*args, **kwargs):
            self.scopes.append((path, module))
            try:
                return forward(*args, **kwargs)
            finally:
                self.scopes.pop()
        return scoped_forward
