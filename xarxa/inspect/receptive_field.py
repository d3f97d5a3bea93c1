"""`receptive_field(model, input_shape)`: the region of the input that each layer's units
see (notes §1.6.1), with the jump and start of every layer.

Per spatial axis, through a layer of kernel F, stride S and padding P (padding before the
first row, `P_top`):

    jump   j_out = j_in · S                 (input pixels between neighbouring units)
    field  r_out = r_in + (F − 1) · j_in    (receptive field size, in input pixels)
    start  c_out = c_in + ((F − 1)/2 − P_top) · j_in
                                            (centre of the first unit's field; input pixel
                                             centres are 0, 1, 2, …; it may be negative
                                             when padding reaches outside the image)

starting from r = 1, j = 1, c = 0 at the input. Upsampling by s divides the jump by s
(nearest, bed-of-nails and max-unpooling leave r unchanged; a transposed convolution adds
(⌈F/S⌉ − 1)·j_in, the most input units one output can see). Activations, normalisation
and dropout leave all three unchanged. After `Flatten`/`Linear` every unit sees the whole
input: r is the input size and j, c are None. Through a `ResidualBlock` the field is that of
its main path (the 1×1 shortcut sees less); through a `DenseBlock` that of all its
convolutions in a row (its last feature maps see the most).

LeNet-5 (conv 5×5, pool 2, conv 5×5, pool 2) gives r = 5, 6, 14, 16; two stacked 3×3
convolutions see 5×5, as one 5×5 does, with 18 weights + 2 biases instead of 25 + 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..nn import layers as L
from ..nn.module import Module
from .summary import trace_units


@dataclass
class FieldRow:
    """One unit's receptive field, jump and start, per axis (H, W)."""
    name: str
    kind: str
    output_shape: tuple
    receptive_field: tuple
    jump: tuple | None
    start: tuple | None

    def __str__(self) -> str:
        def show(v):
            if v is None:
                return "-"
            return str(v[0]) if v[0] == v[1] else f"{v[0]}×{v[1]}"
        return (f"{self.name + ' (' + self.kind + ')':<30}{str(self.output_shape):<20}"
                f"{show(self.receptive_field):>10}{show(self.jump):>8}{show(self.start):>10}")


def _num(v: float):
    return int(v) if float(v).is_integer() else v


def _conv_like(state, kernel, stride, pad_before):
    r, j, c = state
    return (r + (kernel - 1) * j, j * stride, c + ((kernel - 1) / 2 - pad_before) * j)


def _step(module: Module, state_hw: list, in_shape: tuple, out_shape: tuple) -> list:
    """Advance [(r, j, c) for H, (r, j, c) for W] through one primitive layer."""
    if isinstance(module, L.Conv2d):
        pt, _, pl, _ = module.padding_for(*in_shape[2:])
        return [_conv_like(s, f, st, p) for s, f, st, p in
                zip(state_hw, module.kernel_size, module.stride, (pt, pl))]
    if isinstance(module, (L.MaxPool2d, L.AvgPool2d)):
        return [_conv_like(s, f, st, p) for s, f, st, p in
                zip(state_hw, module.kernel_size, module.stride, module.padding)]
    if isinstance(module, L.AdaptiveAvgPool2d):  # cells of ⌈N/out⌉ inputs at most
        out = []
        for s, n, o in zip(state_hw, in_shape[2:], out_shape[2:]):
            f = math.ceil(n / o)
            out.append(_conv_like(s, f, n / o, 0))
        return out
    if isinstance(module, L.ConvTranspose2d):
        out = []
        for (r, j, c), f, st, p in zip(state_hw, module.kernel_size, module.stride,
                                       module.padding):
            lo, hi = math.ceil((p - f + 1) / st), math.floor(p / st)  # inputs of output 0
            out.append((r + (math.ceil(f / st) - 1) * j, j / st, c + (lo + hi) / 2 * j))
        return out
    if isinstance(module, (L.Upsample, L.BedOfNailsUnpool, L.MaxUnpool2d)):
        factors = (out_shape[2] / in_shape[2], out_shape[3] / in_shape[3])
        return [(r, j / f, c) for (r, j, c), f in zip(state_hw, factors)]
    return state_hw


def _primitives(module: Module):
    """The layers on a block's longest path, in order (the block itself otherwise)."""
    if isinstance(module, L.ResidualBlock):
        return [module.conv1, module.conv2]
    if isinstance(module, L.DenseBlock):
        return list(module.convs)
    return [module]


def receptive_field(model: Module, input_shape, print_table: bool = True) -> list[FieldRow]:
    """Each unit's receptive field, jump and start for one (C, H, W) input.

    Example:
        >>> rows = xa.inspect.receptive_field(lenet, (1, 32, 32))
        >>> [r.receptive_field[0] for r in rows[:4]]
        [5, 6, 14, 16]
    """
    shape = tuple(input_shape)
    if len(shape) != 3:
        raise ValueError(f"receptive_field: expected an input shape (C, H, W), got {shape}")
    state = [(1, 1, 0.0), (1, 1, 0.0)]
    flat = False
    rows: list[FieldRow] = []
    for call in trace_units(model, shape):
        module = call.module
        if isinstance(module, (L.Flatten, L.Linear)) or len(call.output_shape) < 4:
            flat = True
        if not flat:
            in_shape = call.input_shape
            for prim in _primitives(module):
                out_shape = call.output_shape if prim is module else \
                    in_shape[:2] + tuple(-(-n // s) for n, s in zip(in_shape[2:], prim.stride))
                state = _step(prim, state, in_shape, out_shape)
                in_shape = out_shape
        if flat:
            row = FieldRow(call.name, type(module).__name__, call.output_shape[1:],
                           shape[1:], None, None)
        else:
            row = FieldRow(call.name, type(module).__name__, call.output_shape[1:],
                           tuple(_num(s[0]) for s in state), tuple(_num(s[1]) for s in state),
                           tuple(_num(s[2]) for s in state))
        rows.append(row)
    if print_table:
        print(f"{'layer':<30}{'output shape':<20}{'field':>10}{'jump':>8}{'start':>10}")
        for row in rows:
            print(row)
    return rows
