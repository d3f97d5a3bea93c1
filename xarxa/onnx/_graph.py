"""The ONNX graph an export builds: nodes, initializers and unique names, written with the
`onnx` package's helpers only when the graph is complete (`GraphBuilder.nodes_proto`).

Emitters (`_emit.py`) add nodes through `node(...)` and constants through `const(...)`;
helpers whose ONNX form changed between opsets (the reductions' axes, attributes until
opset 18 and inputs after) live here, once.
"""
from __future__ import annotations

import numpy as np

from .errors import UnsupportedOperatorError

# initializer kinds, written into each initializer's doc_string so that `load` can tell a
# Parameter from a buffer or a constant without guessing
PARAMETER, BUFFER, CONSTANT = "parameter", "buffer", "constant"


class GraphBuilder:
    """Nodes in the order they were emitted, each tagged with the layer path (scope) that
    emitted it; initializers by name; every tensor name used once."""

    def __init__(self, opset: int):
        self.opset = opset
        self.nodes: list[list] = []   # [op_type, inputs, outputs, attrs, scope]
        self.initializers: dict[str, tuple[np.ndarray, str]] = {}
        self.used: set[str] = set()
        self.scope = ""               # the layer path of the op being emitted
        self.op = "?"                 # its name and its layer's type, for error messages
        self.layer = "the model"
        self._consts: dict[tuple, str] = {}

    # -- names --------------------------------------------------------------------------------
    def fresh(self, base: str) -> str:
        """`base`, or `base_1`, `base_2` … the first one not used yet (and now used)."""
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def _base(self, what: str) -> str:
        return f"{self.scope}.{what}" if self.scope else what

    # -- nodes and constants -------------------------------------------------------------------
    def node(self, op_type: str, inputs, outputs: int = 1, **attrs):
        """Add one node; return its output name (or the list of them when outputs > 1)."""
        names = [self.fresh(self._base(op_type.lower() + ("" if i == 0 else f"_out{i}")))
                 for i in range(outputs)]
        self.nodes.append([op_type, [n or "" for n in inputs], names,
                           {k: v for k, v in attrs.items() if v is not None}, self.scope])
        return names[0] if outputs == 1 else names

    def initializer(self, name: str, array: np.ndarray, kind: str) -> str:
        self.used.add(name)
        self.initializers[name] = (np.asarray(array), kind)
        return name

    def const(self, value, dtype=None, what: str = "const") -> str:
        """A constant initializer holding `value` (small ones shared by identical value)."""
        array = np.asarray(value, dtype=dtype)
        if array.dtype == np.float64 and dtype is None:
            array = array.astype(np.float32)
        key = None
        if array.size <= 16:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self._consts:
                return self._consts[key]
        name = self.initializer(self.fresh(self._base(what)), array, CONSTANT)
        if key is not None:
            self._consts[key] = name
        return name

    def ints(self, values, what: str = "shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), what=what)

    def scalar(self, value, like: np.ndarray, what: str = "const") -> str:
        """A 0-d constant of `like`'s dtype (ONNX operands must agree in type)."""
        return self.const(np.asarray(value, dtype=like.dtype), what=what)

    # -- opset-dependent forms -------------------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """ReduceSum/Mean/Max/Min/L1/L2 over `axes` (None: all): axes are an input from opset
        13 (ReduceSum) or 18 (the others), an attribute before."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        axes = [int(a) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes, "axes")], keepdims=keep)
        return self.node(op_type, [x], axes=axes, keepdims=keep)

    def unsupported(self, what: str, op: str | None = None) -> UnsupportedOperatorError:
        """The error for an op with no ONNX form, naming it and the layer it was met in."""
        where = f"in layer '{self.scope}' ({self.layer})" if self.scope else \
            f"in {self.layer}.forward"
        error = UnsupportedOperatorError(f"onnx.export: {op or self.op} {where}: {what}")
        error.onnx_message = error.args[0]   # kept whatever the layers add on the way out
        return error

    # -- the graph as protobufs --------------------------------------------------------------------
    def nodes_proto(self, helper) -> list:
        """NodeProtos named after their layer: a layer that emitted one node gives it its
        path (`features.0`), one that emitted several gives `path/OpType`, numbered."""
        per_scope: dict[str, int] = {}
        for op_type, _, _, _, scope in self.nodes:
            per_scope[scope] = per_scope.get(scope, 0) + 1
        taken: set[str] = set()
        out = []
        for op_type, inputs, outputs, attrs, scope in self.nodes:
            if scope and per_scope[scope] == 1:
                base = scope
            else:
                base = f"{scope}/{op_type}" if scope else op_type
            name, k = base, 0
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            taken.add(name)
            out.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))
        return out
