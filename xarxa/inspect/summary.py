"""`summary(model, input_shape)`: a per-layer table of output shapes and parameter counts,
with the network's depth and width as the notes define them (§1.1.3).

`input_shape` is the shape of ONE sample, without the batch dimension ((1, 32, 32) for
LeNet-5, (784,) for an MNIST MLP): the model runs once on zeros of shape (1, *input_shape),
in eval mode and without a graph, and every *unit* records its input and output shapes. A
unit is a leaf module, or a module with children that declares `counts_as_layer` (a block
with branches such as `ResidualBlock`), shown as one row. `summary` returns a `Summary`;
it prints nothing itself: a REPL shows the returned table once, a script `print`s it.

What counts is declared by each layer class (`Module.counts_as_layer`), not decided here:
- a *layer* computes a new representation (Linear, convolutions, pooling, unpooling,
  blocks: `counts_as_layer = True`). Activations, normalisation, dropout, Flatten and
  Identity (`False`) belong to the layer before them and are listed but not counted. A
  leaf module that does not declare it (a user's new layer) is counted and *flagged*.
- depth = number of layers after the input (the input layer only feeds the data in);
- width = the largest number of units (neurons) in a layer's output, input excluded
  (784-512-512-10 has depth 3 and width 512).
- the notes' stride rule: a layer that slides a window with an integer stride S > 1
  (its `receptive_field_step`: convolutions, pooling) is *flagged* when (N − F + 2P) is
  not divisible by S for the input it receives; its output is then floored (as PyTorch),
  silently dropping the last rows/columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor


@dataclass
class UnitCall:
    """One unit's call, as recorded while the model ran."""
    name: str
    module: Module
    input_shape: tuple
    output_shape: tuple


def is_unit_block(module: Module) -> bool:
    """A module with children shown as one unit: it declares `counts_as_layer`."""
    return bool(module._modules) and module.counts_as_layer is not None


def sample_shape(input_shape, caller: str) -> tuple:
    """`input_shape` as a tuple of positive ints (an int n means (n,))."""
    shape = (input_shape,) if isinstance(input_shape, (int, np.integer)) else input_shape
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if not shape or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                            and n > 0 for n in shape):
        raise TypeError(f"{caller}: input_shape must be a tuple of positive ints (one "
                        f"sample's shape, without the batch dimension), got {input_shape!r}")
    return tuple(int(n) for n in shape)


def trace_units(model: Module, input_shape, caller: str = "summary") -> list[UnitCall]:
    """Run `model` once on zeros (batch of 1) and return its units in execution order."""
    if not isinstance(model, Module):
        raise TypeError(f"{caller}: expected an nn.Module, got {type(model).__name__}")
    shape = sample_shape(input_shape, caller)
    units = []
    for name, m in model.named_modules():
        if any(b == "" or name.startswith(b + ".") for b, u in units if u._modules):
            continue  # inside a block: the block is the unit
        if is_unit_block(m) or not m._modules:
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
    batch = (1,) + shape
    try:
        model.eval()
        with no_grad():
            model(Tensor(np.zeros(batch, dtype=_dtype(model))))
    except (ValueError, TypeError) as error:
        # The most common cause: a shape given with its batch dimension. Say so here, in
        # the tool's own words, with the model's error after it.
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{caller}: input_shape {shape} is the shape of one sample and excludes "
                   f"the batch dimension ({caller} runs the model on a batch of shape "
                   f"{batch}); running {model._get_name()} on it failed: {error}") from error
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


def windows(module: Module, input_shape: tuple, output_shape: tuple):
    """The module's declared `receptive_field_step` for this call: "same", "all", a tuple
    of one (kernel, stride, pad_before, pad_after) window per spatial axis, or None when
    it declares nothing. A malformed declaration is an error naming the layer."""
    step = module.receptive_field_step
    if callable(step):
        step = step(input_shape, output_shape)
    if step is None or step in ("same", "all"):
        return step
    try:
        ok = len(step) == len(input_shape) - 2 and all(len(w) == 4 for w in step)
    except TypeError:
        ok = False
    if not ok:
        raise TypeError(f"{module._get_name()}.receptive_field_step must give 'same', 'all' "
                        f"or one (kernel, stride, pad_before, pad_after) window per spatial "
                        f"axis, got {step!r} for input shape {input_shape}")
    return tuple(tuple(w) for w in step)


def stride_rule_violation(module: Module, input_shape: tuple,
                          output_shape: tuple) -> str | None:
    """A message when (N − F + 2P) is not divisible by S for this input, else None (also
    for layers without a window or with a fractional stride, which the rule is not about)."""
    if len(input_shape) != 4:
        return None
    step = windows(module, input_shape, output_shape)
    if not isinstance(step, tuple):
        return None
    bad = []
    for axis, n, (f, s, before, after) in zip("HW", input_shape[2:], step):
        if float(s).is_integer() and s > 1 and float(f).is_integer():
            rest = n - f + before + after
            if rest % s:
                bad.append(f"{axis}: (N − F + 2P) = {_num(rest)} is not divisible by "
                           f"S = {_num(s)}")
    if not bad:
        return None
    return "; ".join(bad) + "; the output is floored"


def _num(v):
    return int(v) if float(v).is_integer() else v


@dataclass
class Row:
    name: str
    kind: str
    output_shape: tuple
    params: int
    is_layer: bool
    warning: str | None = None


@dataclass(repr=False)
class Summary:
    """What `summary` returns: rows, totals, depth and width, flagged layers. Its repr is
    the table, so a REPL shows it once; `print(summary(...))` in a script."""
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
                lines.append(f"! {r.name}: {r.warning}")
        return "\n".join(lines)

    __repr__ = __str__


def _undeclared(module: Module) -> str:
    name = module._get_name()
    return (f"{name} does not declare counts_as_layer; counted as a layer (set "
            f"counts_as_layer = True or False on the class {name})")


def summary(model: Module, input_shape) -> Summary:
    """The per-layer table of `model` for one input of `input_shape`, which EXCLUDES the
    batch dimension (e.g. (1, 32, 32) or (784,)). Prints nothing: the returned `Summary`
    shows itself (REPL) or is printed (`print(summary(...))`).

    Example:
        >>> s = xa.inspect.summary(lenet, (1, 32, 32))
        >>> s.total_params
        61706
    """
    calls = trace_units(model, input_shape, "summary")
    result = Summary(input_shape=sample_shape(input_shape, "summary"))
    seen: set[int] = set()
    for call in calls:
        params = 0
        for p in call.module.parameters():
            if id(p) not in seen:  # a layer called twice counts its parameters once
                seen.add(id(p))
                params += p.numel()
        declared = call.module.counts_as_layer
        layer = declared is not False   # undeclared: counted, and flagged below
        warnings = [] if declared is not None else [_undeclared(call.module)]
        violation = stride_rule_violation(call.module, call.input_shape, call.output_shape)
        warnings += [violation] if violation else []
        result.rows.append(Row(call.name, type(call.module).__name__, call.output_shape[1:],
                               params, layer, "; ".join(warnings) or None))
        if layer:
            result.depth += 1
            result.width = max(result.width, int(np.prod(call.output_shape[1:])))
    params = list(model.parameters())
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    return result
