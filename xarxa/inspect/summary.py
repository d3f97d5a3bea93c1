"""`summary(model, input_shape)`: a per-layer table of output shapes and parameter counts,
with the network's depth and width as the notes define them (§1.1.3).

The model runs once on zeros of shape (1, *input_shape), in eval mode and without a graph;
every *unit* records its input and output shapes. A unit is a leaf module, or a block with
branches (`ResidualBlock`, `DenseBlock`), which is shown as one row.

Conventions (the notes' words made precise):
- a *layer* is a unit that computes a new representation: Linear, convolutions, pooling,
  unpooling and blocks. Activations, normalisation, dropout, Flatten and Identity belong
  to the layer before them and are listed but not counted.
- depth = number of layers after the input (the input layer only feeds the data in);
- width = the largest number of units (neurons) in a layer's output, input excluded
  (784-512-512-10 has depth 3 and width 512).
- the notes' stride rule: a convolution or pooling layer is *flagged* when (N − F + 2P) is
  not divisible by S for the input it receives; its output is then floored (as PyTorch),
  silently dropping the last rows/columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd.function import no_grad
from ..nn import layers as L
from ..nn.module import Module
from ..tensor import Tensor

BLOCKS = (L.ResidualBlock, L.DenseBlock)
NOT_LAYERS = (L.Step, L.Sigmoid, L.Tanh, L.ReLU, L.Softmax, L.LogSoftmax, L.Identity,
              L.Flatten, L.Dropout, L.BatchNorm1d, L.BatchNorm2d)


@dataclass
class UnitCall:
    """One unit's call, as recorded while the model ran."""
    name: str
    module: Module
    input_shape: tuple
    output_shape: tuple


def trace_units(model: Module, input_shape) -> list[UnitCall]:
    """Run `model` once on zeros (batch of 1) and return its units in execution order."""
    units = []
    for name, m in model.named_modules():
        if any(b == "" or name.startswith(b + ".") for b, u in units if u._modules):
            continue  # inside a block: the block is the unit
        if isinstance(m, BLOCKS) or not m._modules:
            units.append((name, m))
    calls: list[UnitCall] = []

    def wrap(name, m):
        forward = m.forward

        def recorded(x, *args, **kwargs):
            out = forward(x, *args, **kwargs)
            first = out[0] if isinstance(out, tuple) else out
            calls.append(UnitCall(name or type(m).__name__, m, tuple(x.shape),
                                  tuple(first.shape)))
            return out
        object.__setattr__(m, "forward", recorded)

    modes = [(m, m.training) for m in model.modules()]
    for name, m in units:
        wrap(name, m)
    try:
        model.eval()
        shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
        with no_grad():
            model(Tensor(np.zeros((1,) + shape, dtype=_dtype(model))))
    finally:
        for _, m in units:
            m.__dict__.pop("forward", None)
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return calls


def _dtype(model: Module):
    for p in model.parameters():
        return p.dtype
    return np.float32


def is_layer(module: Module) -> bool:
    return not isinstance(module, NOT_LAYERS)


def stride_rule_violation(module: Module, input_shape: tuple) -> str | None:
    """A message when (N − F + 2P) is not divisible by S for this input, else None."""
    if isinstance(module, L.Conv2d):
        pt, pb, pl, pr = module.padding_for(*input_shape[2:])
        pads = (pt + pb, pl + pr)
    elif isinstance(module, (L.MaxPool2d, L.AvgPool2d)):
        pads = (2 * module.padding[0], 2 * module.padding[1])
    else:
        return None
    bad = []
    for axis, n, f, p, s in zip("HW", input_shape[2:], module.kernel_size, pads,
                                module.stride):
        if (n - f + p) % s:
            bad.append(f"{axis}: (N − F + 2P) = {n - f + p} is not divisible by S = {s}")
    return "; ".join(bad) or None


@dataclass
class Row:
    name: str
    kind: str
    output_shape: tuple
    params: int
    is_layer: bool
    warning: str | None = None


@dataclass
class Summary:
    """The data `summary` prints: rows, totals, depth and width, flagged layers."""
    input_shape: tuple
    rows: list[Row] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    depth: int = 0
    width: int = 0

    @property
    def flagged(self) -> list[str]:
        return [r.name for r in self.rows if r.warning]

    def __str__(self) -> str:
        head = f"{'layer':<28}{'output shape':<22}{'params':>12}"
        lines = [head, "-" * len(head),
                 f"{'input':<28}{str(self.input_shape):<22}{0:>12,}"]
        for r in self.rows:
            mark = "" if r.is_layer else "  "
            label = f"{mark}{r.name} ({r.kind})"
            lines.append(f"{label:<28}{str(r.output_shape):<22}{r.params:>12,}"
                         + (" !" if r.warning else ""))
        lines.append("-" * len(head))
        lines.append(f"total parameters: {self.total_params:,} "
                     f"(trainable {self.trainable_params:,})")
        lines.append(f"depth: {self.depth} layers after the input; width: {self.width} "
                     "units in the widest layer")
        for r in self.rows:
            if r.warning:
                lines.append(f"! {r.name}: {r.warning}; the output is floored")
        return "\n".join(lines)


def summary(model: Module, input_shape, print_table: bool = True) -> Summary:
    """Print and return the per-layer table of `model` for one input of `input_shape`
    (without the batch dimension, e.g. (1, 32, 32) or (784,)).

    Example:
        >>> s = xa.inspect.summary(lenet, (1, 32, 32))
        >>> s.total_params
        61706
    """
    calls = trace_units(model, input_shape)
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    result = Summary(input_shape=shape)
    seen: set[int] = set()
    for call in calls:
        params = 0
        for p in call.module.parameters():
            if id(p) not in seen:  # a layer called twice counts its parameters once
                seen.add(id(p))
                params += p.numel()
        layer = is_layer(call.module)
        result.rows.append(Row(call.name, type(call.module).__name__, call.output_shape[1:],
                               params, layer,
                               stride_rule_violation(call.module, call.input_shape)))
        if layer:
            result.depth += 1
            result.width = max(result.width, int(np.prod(call.output_shape[1:])))
    params = list(model.parameters())
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    if print_table:
        print(result)
    return result
