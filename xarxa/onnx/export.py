"""`export`: a xarxa model as an ONNX file, with `torch.onnx.export`'s signature.

The model runs once on the example inputs, in evaluation mode (`_trace.py` writes each op as
ONNX nodes named after its layer); its parameters and buffers become initializers under
their `state_dict` names (each marked parameter/buffer/constant in its doc_string, which
`load` reads back); shapes are inferred so that viewers show them; `onnx.checker` checks the
result before it is written.
"""
from __future__ import annotations

import inspect
import os

import numpy as np

from ..autograd import enable_grad
from ..nn.module import Module
from ..tensor import Tensor
from . import _emit_nn, _emit_shape  # noqa: F401  (register their emitters)
from ._emit import EMITTERS, onnx_dtype
from ._graph import BUFFER, CONSTANT, PARAMETER, GraphBuilder
from ._trace import Tracer, current
from .errors import OnnxExporterError, UnsupportedOperatorError, require_onnx

__all__ = ["export", "is_in_onnx_export", "DEFAULT_OPSET", "MIN_OPSET"]

DEFAULT_OPSET = 17
MIN_OPSET = 17   # LayerNormalization; every other op emitted exists since 13
# torch.onnx.export's options that change nothing here (one exporter, nothing to fold)
_ACCEPTED = {"do_constant_folding", "operator_export_type", "custom_opsets",
             "export_modules_as_functions", "autograd_inlining", "external_data", "report",
             "optimize", "verify", "profile", "dump_exported_program", "artifacts_dir",
             "custom_translation_table"}


def is_in_onnx_export() -> bool:
    """True while `export` traces a model in this thread (PyTorch's name)."""
    return current() is not None


def _as_inputs(args, kwargs):
    if isinstance(args, (Tensor, np.ndarray)):
        args = (args,)
    args = list(args)
    if args and isinstance(args[-1], dict) and kwargs is None:   # torch: trailing kwargs
        kwargs = args.pop()

    def as_tensor(v):
        return Tensor(v) if isinstance(v, np.ndarray) else v
    return [as_tensor(a) for a in args], {k: as_tensor(v) for k, v in (kwargs or {}).items()}


def _tensors_in(value) -> list:
    """The Tensors in an argument: itself, or those inside its lists, tuples and dicts."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors_in(v)]
    return []


def _replace(value, table: dict):
    """`value` with each Tensor whose id is in `table` replaced, containers rebuilt."""
    if isinstance(value, Tensor):
        return table.get(id(value), value)
    if isinstance(value, (list, tuple)):
        items = [_replace(v, table) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        return {k: _replace(v, table) for k, v in value.items()}
    return value


def _default_names(model, args, kwargs) -> list[str]:
    """Forward's parameter names (`x`), numbered inside a list argument (`xs_0`)."""
    try:
        params = [p.name for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) < len(args):
        params = ["input"] if len(args) == 1 else [f"input_{i}" for i in range(len(args))]
    names = []
    for base, value in [*zip(params, args), *kwargs.items()]:
        found = _tensors_in(value)
        names += [base] if isinstance(value, Tensor) else \
            [f"{base}_{i}" for i in range(len(found))]
    return names


def _axes(dynamic_axes, name: str) -> dict[int, str]:
    spec = (dynamic_axes or {}).get(name, {})
    if isinstance(spec, dict):
        return {int(k): str(v) for k, v in spec.items()}
    return {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}


def _value_info(helper, name, array, axes):
    shape = [axes.get(i, n) for i, n in enumerate(np.shape(array))]
    return helper.make_tensor_value_info(name, onnx_dtype(np.asarray(array).dtype), shape)


def _outputs(out) -> list:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return list(out)
    raise TypeError(f"onnx.export: the model must return a Tensor or a tuple of Tensors, got "
                    f"{type(out).__name__}")


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=False, dynamic_shapes=None,
           export_params=True, keep_initializers_as_inputs=False, dynamic_axes=None,
           training=None, **options):
    """Write `model` run on `args` as an ONNX graph to `f` (a path or a binary file; None
    writes nothing) and return the `onnx.ModelProto`.

    The arguments are `torch.onnx.export`'s: `input_names`/`output_names` name the graph's
    inputs and outputs (default: forward's parameter names, `output`); `dynamic_axes` maps a
    name to the axes that may change size (`{"x": {0: "batch"}}` or `{"x": [0]}`) — without it
    every size is the example's, as in PyTorch; `opset_version` defaults to 17.
    `export_params=False` makes the parameters graph inputs instead of initializers.
    `dynamo` and PyTorch's other exporter options are accepted and change nothing: there is
    one exporter, a trace of the ops. The model is traced in evaluation mode (dropout off,
    batch norm on its running statistics) and put back in the mode it was in.

    Every node is named after the layer that made it (`features.0`, or `stem.0/Pad` where a
    layer made several), as `xa.inspect.summary` and Netron show them. An op with no ONNX
    form is an `UnsupportedOperatorError` naming it and its layer.

    Example:
        >>> model = xa.models.LeNet5().eval()
        >>> xa.onnx.export(model, xa.randn(1, 1, 32, 32), "lenet5.onnx", input_names=["x"],
        ...                output_names=["logits"], dynamic_axes={"x": {0: "batch"}})
    """
    onnx = require_onnx()
    from onnx import helper, numpy_helper
    unknown = sorted(set(options) - _ACCEPTED)
    if unknown:
        raise TypeError(f"onnx.export: unexpected keyword argument(s) {unknown}")
    if not isinstance(model, Module):
        raise TypeError(f"onnx.export: expected an nn.Module, got {type(model).__name__}")
    if dynamic_shapes is not None:
        raise NotImplementedError("onnx.export: dynamic_shapes (torch.export's) is not "
                                  "supported; use dynamic_axes")
    if training is not None and "EVAL" not in str(training).upper() and training is not False:
        raise NotImplementedError(f"onnx.export: only evaluation-mode graphs are exported, "
                                  f"got training={training!r}")
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"onnx.export: opset_version must be between {MIN_OPSET} and "
                         f"{onnx.defs.onnx_opset_version()}, got {opset_version}")
    args, kwargs = _as_inputs(args, kwargs)
    tensors = _tensors_in([args, kwargs])
    names = list(input_names) if input_names is not None else \
        _default_names(model, args, kwargs)
    if len(names) != len(tensors) or len(set(names)) != len(names):
        raise ValueError(f"onnx.export: {len(tensors)} tensor input(s) but input_names "
                         f"{names}; give one distinct name per tensor input")

    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        g, results, out_names = _trace(model, opset, args, kwargs, tensors, names, output_names)
        # the same trace on other input values: a constant that changes was computed from
        # the input outside the ops (np.argsort in sort, ...), the export would be wrong
        g2, _, _ = _trace(model, opset, *_perturbed(args, kwargs, tensors), names,
                          output_names)
        _check_same(g, g2)
    finally:
        for m, mode in modes.items():
            m.training = mode

    unknown = sorted(set(dynamic_axes or {}) - set(names) - set(out_names))
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {unknown}, which are neither "
                         f"inputs {names} nor outputs {out_names}")
    inits, graph_inputs = [], [_value_info(helper, n, t._data, _axes(dynamic_axes, n))
                               for n, t in zip(names, tensors)]
    for name, (array, kind) in g.initializers.items():
        if export_params or kind == CONSTANT:
            tensor = numpy_helper.from_array(np.asarray(array, order="C"), name)
            tensor.doc_string = kind
            inits.append(tensor)
        if (not export_params and kind != CONSTANT) or keep_initializers_as_inputs:
            graph_inputs.append(_value_info(helper, name, array, {}))
    outputs = [helper.make_tensor_value_info(n, onnx_dtype(r.dtype), None)
               for n, r in zip(out_names, results)]
    graph = helper.make_graph(g.nodes_proto(helper), type(model).__name__, graph_inputs,
                              outputs, inits)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="xarxa",
                              producer_version=_version(),
                              ir_version=helper.find_min_ir_version_for(opsets))
    proto.doc_string = f"{type(model).__module__}.{type(model).__qualname__}"
    _shapes(onnx, proto, results, out_names, dynamic_axes, any(
        _axes(dynamic_axes, n) for n in names))
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        printer = getattr(onnx, "printer", None)
        print(printer.to_text(proto.graph) if printer else helper.printable_graph(proto.graph))
    if f is not None:
        data = proto.SerializeToString()
        if isinstance(f, (str, os.PathLike)):
            from ..io.atomic import atomic_write
            atomic_write(os.fspath(f), lambda handle: handle.write(data))
        else:
            f.write(data)
    return proto


def _trace(model, opset, args, kwargs, tensors, names, output_names):
    """One run of the model under a tracer: the graph, the results, the output names."""
    g = GraphBuilder(opset)
    tracer = Tracer(model, g, EMITTERS)
    for kind, members in ((PARAMETER, model.named_parameters()),
                          (BUFFER, model.named_buffers())):
        for name, t in members:
            tracer.declare(t, (lambda n, t, k: lambda: g.initializer(n, t._data, k))(
                name, t, kind))
    traced = {}
    for name, t in zip(names, tensors):
        copy = Tensor(t._data, requires_grad=t.dtype.kind == "f")  # every op gets a node
        g.used.add(name)
        tracer.bind(copy, name)
        traced[id(t)] = copy
    args, kwargs = _replace(args, traced), _replace(kwargs, traced)
    try:
        with tracer.running(), enable_grad():
            results = _outputs(model(*args, **kwargs))
        out_names = _name_outputs(g, tracer, results, output_names, names)
    except UnsupportedOperatorError as error:   # the layer's label added on the way out: drop
        raise UnsupportedOperatorError(getattr(error, "onnx_message", str(error))) from None
    _prune(g, out_names)
    return g, results, out_names


def _perturbed(args, kwargs, tensors):
    """The inputs with other values of the same kind: floats scaled and shifted a little
    (signs kept), integers and booleans shuffled (the same values, still in range)."""
    rng = np.random.default_rng(12345)
    new = {}
    for t in tensors:
        a = t._data
        if a.dtype.kind == "f":
            b = a * rng.uniform(0.5, 1.5, a.shape) + rng.uniform(0.0, 0.1, a.shape)
        else:
            b = rng.permutation(a.reshape(-1)).reshape(a.shape)
        new[id(t)] = Tensor(np.asarray(b, dtype=a.dtype))
    return _replace(args, new), _replace(kwargs, new), [new[id(t)] for t in tensors]


def _check_same(g, other) -> None:
    """Refuse a trace that depends on the input's values: another path through forward, or
    a constant computed from the input outside the ops."""
    for mine, theirs in zip(g.nodes, other.nodes):
        if mine[:3] != theirs[:3]:
            raise OnnxExporterError(
                f"onnx.export: the model takes another path for other input values (at "
                f"{mine[0]} in '{mine[4] or 'forward'}' vs {theirs[0]} in "
                f"'{theirs[4] or 'forward'}'): Python control flow on tensor values cannot "
                "be exported")
    if len(g.nodes) != len(other.nodes):
        raise OnnxExporterError("onnx.export: the model takes another path for other input "
                                "values: Python control flow on tensor values cannot be "
                                "exported")
    for name, (array, kind) in g.initializers.items():
        if kind == CONSTANT and not np.array_equal(array, other.initializers[name][0],
                                                   equal_nan=array.dtype.kind == "f"):
            op, *_, scope = next(n for n in g.nodes if name in n[1])
            raise UnsupportedOperatorError(
                f"onnx.export: op {op} in {f'layer {scope!r}' if scope else 'forward'} reads "
                "values computed from the input outside the ops (as sort and topk compute "
                "their order in NumPy), or drawn at random: they would be frozen into the "
                "file; no ONNX form")


def _name_outputs(g, tracer, results, output_names, input_names) -> list[str]:
    """Give the model's outputs their graph names: the node that makes one is renamed;
    an input, an initializer or a repeated output goes through an Identity."""
    wanted = list(output_names) if output_names is not None else \
        (["output"] if len(results) == 1 else [f"output_{i}" for i in range(len(results))])
    if len(wanted) != len(results) or len(set(wanted)) != len(wanted):
        raise ValueError(f"onnx.export: the model returns {len(results)} output(s) but "
                         f"output_names is {wanted}; give one distinct name per output")
    g.scope, g.op = "", "output"
    made = {out: node for node in g.nodes for out in node[2]}
    taken = set(input_names) | set(g.initializers)
    clash = sorted(taken & set(wanted))
    if clash:
        raise ValueError(f"onnx.export: output name(s) {clash} are already inputs or "
                         "parameters")
    renamed = set()
    for result, want in zip(results, wanted):
        name = tracer.name_of(result)
        if name in made and name not in renamed:
            for node in g.nodes:
                node[1] = [want if n == name else n for n in node[1]]
                node[2] = [want if n == name else n for n in node[2]]
            made[want] = made.pop(name)
            renamed.add(want)
            tracer_rename(tracer, name, want)
        else:
            g.nodes.append(["Identity", [tracer_rename(tracer, name, name)], [want], {}, ""])
        g.used.add(want)
    return wanted


def _prune(g, outputs) -> None:
    """Drop the nodes and initializers no output depends on (a comparison made for an `if`,
    a shape computed and not used)."""
    needed, kept = set(outputs), []
    for node in reversed(g.nodes):
        if any(out in needed for out in node[2]):
            kept.append(node)
            needed.update(i for i in node[1] if i)
    g.nodes = kept[::-1]
    g.initializers = {k: v for k, v in g.initializers.items() if k in needed}


def tracer_rename(tracer, old: str, new: str) -> str:
    """Later look-ups of `old` (a result returned twice) find `new`."""
    for key, (name, version) in list(tracer.names.items()):
        if name == old:
            tracer.names[key] = (new, version)
    for table in (tracer.by_ctx, tracer.by_array):
        for key, name in list(table.items()):
            if name == old:
                table[key] = new
    return new


def _shapes(onnx, proto, results, out_names, dynamic_axes, dynamic_inputs: bool) -> None:
    """Shapes on every edge (what Netron shows), inferred by onnx; the outputs' from the
    trace when nothing is dynamic, else the inferred ones, named as `dynamic_axes` says."""
    inferred = onnx.shape_inference.infer_shapes(proto)
    del proto.graph.value_info[:]
    proto.graph.value_info.extend(inferred.graph.value_info)
    found = {o.name: o for o in inferred.graph.output}
    for output, name, result in zip(proto.graph.output, out_names, results):
        dims = output.type.tensor_type.shape
        axes = _axes(dynamic_axes, name)
        source = found.get(name)
        if dynamic_inputs and source is not None and source.type.tensor_type.HasField("shape"):
            dims.CopyFrom(source.type.tensor_type.shape)
        else:
            dims.Clear()
            for n in result.shape:
                dims.dim.add().dim_value = int(n)
        for i, label in axes.items():
            if i < len(dims.dim):
                dims.dim[i].Clear()
                dims.dim[i].dim_param = label


def _version() -> str:
    from .. import __version__
    return __version__
