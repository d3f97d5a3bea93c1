"""`load`: an ONNX file as a xarxa `nn.Module` (`OnnxModule`) that computes its graph with
xarxa's ops, node after node, so that it runs, differentiates and trains.

Initializers become Parameters, buffers or constants. A file written by `xa.onnx.export`
says which in each initializer's doc_string. For any other file: a floating initializer
consumed as a weight (the kernel or bias of Conv/ConvTranspose/Gemm, a MatMul operand, the
scale or bias of a normalisation, an embedding table read by Gather, a non-scalar added to
or multiplied with an activation) is a Parameter; BatchNormalization's running mean and
variance are buffers; the rest (shapes, scalars, axes) are constants. Names keep their
dots as submodules, so `state_dict()` has the file's names: a network exported from
xarxa loads back with the `state_dict` keys it had.
"""
from __future__ import annotations

import os
import re

import numpy as np

from .. import nn
from ..tensor import Tensor
from . import _convert_nn, _convert_shape  # noqa: F401  (register their converters)
from ._convert import CONVERTERS, Unsupported
from ._graph import BUFFER, CONSTANT, PARAMETER
from .errors import UnsupportedOperatorError, require_onnx

__all__ = ["load", "OnnxModule"]

# op type -> input positions that hold weights (see the module docstring)
_WEIGHT_SLOTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (0, 1, 2), "MatMul": (0, 1),
                 "BatchNormalization": (1, 2), "LayerNormalization": (1, 2),
                 "InstanceNormalization": (1, 2), "Gather": (0,), "PRelu": (1,),
                 "Add": (0, 1), "Sub": (0, 1), "Mul": (0, 1)}
_ELEMENTWISE = ("Add", "Sub", "Mul")
_RUNNING_STATS = {"BatchNormalization": (3, 4)}
MIN_OPSET = 13


def load(f) -> "OnnxModule":
    """An ONNX model (a path, a binary file, bytes or an `onnx.ModelProto`) as an
    `OnnxModule`. A node xarxa cannot compute is an `UnsupportedOperatorError` naming it.

    Example:
        >>> net = xa.onnx.load("resnet18.onnx")        # e.g. written by torch.onnx.export
        >>> net(xa.randn(1, 3, 224, 224)).shape
        (1, 1000)
        >>> opt = xa.optim.SGD(net.parameters(), lr=0.01)   # and fine-tune it
    """
    onnx = require_onnx()
    if isinstance(f, (bytes, bytearray)):
        proto = onnx.load_from_string(bytes(f))
    elif isinstance(f, (str, os.PathLike)) or hasattr(f, "read"):
        proto = onnx.load(f)
    elif isinstance(f, onnx.ModelProto):
        proto = f
    else:
        raise TypeError(f"onnx.load: expected a path, a file, bytes or a ModelProto, got "
                        f"{type(f).__name__}")
    return OnnxModule(proto)


def _kinds(graph, arrays: dict) -> dict[str, str]:
    """Each initializer's kind: the doc_string `export` wrote, else by how it is used."""
    weight, stats = set(), set()
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name not in arrays:
                continue
            if i in _WEIGHT_SLOTS.get(node.op_type, ()) and arrays[name].dtype.kind == "f" \
                    and (node.op_type not in _ELEMENTWISE or arrays[name].size > 1):
                weight.add(name)
            if i in _RUNNING_STATS.get(node.op_type, ()):
                stats.add(name)
    kinds = {}
    for init in graph.initializer:
        if init.doc_string in (PARAMETER, BUFFER, CONSTANT):
            kinds[init.name] = init.doc_string
        else:
            kinds[init.name] = PARAMETER if init.name in weight else \
                BUFFER if init.name in stats else CONSTANT
    return kinds


def _attrs(node, helper, numpy_helper) -> dict:
    out = {}
    for attr in node.attribute:
        value = helper.get_attribute_value(attr)
        if isinstance(value, bytes):
            value = value.decode()
        elif hasattr(value, "raw_data") or hasattr(value, "float_data"):
            value = numpy_helper.to_array(value)
        elif isinstance(value, list):
            value = [v.decode() if isinstance(v, bytes) else v for v in value]
        out[attr.name] = value
    return out


class _Scope(nn.Module):
    """Holds the parameters and buffers whose ONNX names share one dotted prefix."""


def _part(name: str) -> str:
    part = re.sub(r"\W", "_", name) or "_"
    return part + "_" if hasattr(nn.Module, part) else part


class OnnxModule(nn.Module):
    """An ONNX graph computed with xarxa's ops (see `load`).

    `forward(*inputs)` takes the graph's inputs in order (Tensors or arrays) and returns its
    output, or a tuple of them. `train()` makes dropout drop and batch normalisation use and
    update batch statistics, as the layers the graph came from did; `eval()` (the state
    after `load`) computes what the file computes.

    Attributes:
        input_names, output_names: the graph's.
        opset: the default domain's opset version.
    """

    def __init__(self, proto):
        super().__init__()
        onnx = require_onnx()
        from onnx import helper, numpy_helper
        graph = proto.graph
        opsets = {o.domain: o.version for o in proto.opset_import}
        self.opset = opsets.get("", opsets.get("ai.onnx", 0))
        if self.opset < MIN_OPSET:
            raise UnsupportedOperatorError(
                f"onnx.load: opset {self.opset} is older than {MIN_OPSET}; convert the model "
                f"first (onnx.version_converter.convert_version(model, {MIN_OPSET}))")
        del onnx
        arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        kinds = _kinds(graph, arrays)
        slots: dict[str, tuple] = {}
        constants: dict[str, Tensor] = {}
        for name, array in arrays.items():
            if kinds[name] == CONSTANT:
                constants[name] = Tensor(np.array(array))
            else:
                slots[name] = self._place(name, np.array(array), kinds[name])
        nodes = []
        for node in graph.node:
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedOperatorError(f"onnx.load: node '{node.name}' is "
                                               f"{node.domain}.{node.op_type}, outside the "
                                               "standard ONNX domain")
            attrs = _attrs(node, helper, numpy_helper)
            if node.op_type == "Constant":
                constants[node.output[0]] = Tensor(np.array(_constant(attrs)))
                continue
            if node.op_type not in CONVERTERS:
                raise UnsupportedOperatorError(f"onnx.load: node '{node.name or node.output[0]}'"
                                               f" is a {node.op_type}, which xarxa cannot "
                                               "compute")
            attrs["_outputs"] = len([o for o in node.output if o])
            nodes.append((node.op_type, node.name or node.output[0], list(node.input),
                          list(node.output), attrs))
        self._slots, self._constants, self._nodes = slots, constants, nodes
        self.input_names = [i.name for i in graph.input if i.name not in arrays]
        self.output_names = [o.name for o in graph.output]
        self.eval()

    def _place(self, name: str, array: np.ndarray, kind: str) -> tuple:
        """Register an initializer under its dotted name (submodules for the prefixes)."""
        *path, leaf = [_part(p) for p in name.split(".")] or ["_"]
        owner = self
        for part in path:
            child = owner._modules.get(part)
            if child is None:
                while part in owner._parameters or part in owner._buffers:
                    part += "_"
                child = _Scope()
                owner.add_module(part, child)
            owner = child
        while leaf in owner._modules or leaf in owner._parameters or leaf in owner._buffers:
            leaf += "_"
        if kind == PARAMETER and array.dtype.kind == "f":
            owner.register_parameter(leaf, nn.Parameter(Tensor(array)))
        else:
            owner.register_buffer(leaf, Tensor(array))
        return owner, leaf

    def forward(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise ValueError(f"OnnxModule: the graph takes {len(self.input_names)} input(s) "
                             f"{self.input_names}, got {len(inputs)}")
        env: dict = dict(self._constants)
        for name, (owner, leaf) in self._slots.items():
            env[name] = getattr(owner, leaf)
        for name, x in zip(self.input_names, inputs):
            env[name] = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
        for op_type, name, ins, outs, attrs in self._nodes:
            missing = [i for i in ins if i and i not in env]
            if missing:
                raise ValueError(f"onnx.load: node '{name}' ({op_type}) reads {missing}, which "
                                 "no earlier node makes (the graph is not in order)")
            try:
                results = CONVERTERS[op_type](self, [env[i] if i else None for i in ins], attrs)
            except Unsupported as error:
                raise UnsupportedOperatorError(f"onnx.load: node '{name}' ({op_type}): "
                                               f"{error} is not supported") from None
            for out, value in zip(outs, results):
                if out:
                    env[out] = value
        results = tuple(env[n] for n in self.output_names)
        return results[0] if len(results) == 1 else results

    def extra_repr(self) -> str:
        ops = sorted({n[0] for n in self._nodes})
        return (f"inputs={self.input_names}, outputs={self.output_names}, opset={self.opset}, "
                f"{len(self._nodes)} nodes: {', '.join(ops)}")


def _constant(attrs) -> np.ndarray:
    for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
        if key in attrs:
            value = attrs[key]
            if key in ("value_float", "value_floats"):
                return np.asarray(value, dtype=np.float32)
            if key in ("value_int", "value_ints"):
                return np.asarray(value, dtype=np.int64)
            return np.asarray(value)
    raise Unsupported(f"Constant with {sorted(attrs)}")
