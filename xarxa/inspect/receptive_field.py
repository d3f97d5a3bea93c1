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

How a layer changes (r, j, c) is declared by its class (`Module.receptive_field_step`): a
window (kernel F, stride S, padding before P_top) per spatial axis, "same" or "all". A layer
that declares nothing makes `receptive_field` raise, naming it, rather than guess.
`receptive_field` returns a `FieldTable` (a list of rows) whose repr is the table; it
prints nothing itself.

LeNet-5 (conv 5×5, pool 2, conv 5×5, pool 2) gives r = 5, 6, 14, 16; two stacked 3×3
convolutions see 5×5, as one 5×5 does, with 18 weights + 2 biases instead of 25 + 1.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..nn.module import Module
from .summary import sample_shape, trace_units, windows


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


class FieldTable(list):
    """The rows of `receptive_field` (a list of `FieldRow`), shown as a table."""

    def __str__(self) -> str:
        head = f"{'layer':<30}{'output shape':<20}{'field':>10}{'jump':>8}{'start':>10}"
        return "\n".join([head] + [str(row) for row in self])

    __repr__ = __str__


def _num(v: float):
    return int(v) if float(v).is_integer() else v


def _advance(state: list, step: tuple) -> list:
    """(r, j, c) per axis through one window (F, S, P_top, P_bottom) per axis."""
    return [(r + (f - 1) * j, j * s, c + ((f - 1) / 2 - before) * j)
            for (r, j, c), (f, s, before, _) in zip(state, step)]


def receptive_field(model: Module, input_shape) -> FieldTable:
    """Each unit's receptive field, jump and start for one (C, H, W) input (without the
    batch dimension). Prints nothing: the returned table shows itself.

    Raises:
        TypeError: naming the layer, when a layer on the spatial path does not declare how
            it changes the receptive field (`receptive_field_step`).

    Example:
        >>> rows = xa.inspect.receptive_field(lenet, (1, 32, 32))
        >>> [r.receptive_field[0] for r in rows[:4]]
        [5, 6, 14, 16]
    """
    shape = sample_shape(input_shape, "receptive_field")
    if len(shape) != 3:
        raise ValueError(f"receptive_field: expected an input shape (C, H, W) without the "
                         f"batch dimension, got {shape}")
    state = [(1, 1, 0.0), (1, 1, 0.0)]
    flat = False
    rows = FieldTable()
    for call in trace_units(model, shape, "receptive_field"):
        module = call.module
        if not flat:
            step = windows(module, call.input_shape, call.output_shape)
            if step is None:
                raise TypeError(
                    f"receptive_field: layer {call.name!r} ({module._get_name()}) does not "
                    f"declare how it changes the receptive field; give the class "
                    f"{module._get_name()} a receptive_field_step: 'same' (elementwise), "
                    f"'all' (each output sees the whole input) or a method returning one "
                    f"(kernel, stride, pad_before, pad_after) window per spatial axis")
            if step == "all" or len(call.output_shape) < 4:
                flat = True
            elif step != "same":
                state = _advance(state, step)
        if flat:
            row = FieldRow(call.name, type(module).__name__, call.output_shape[1:],
                           shape[1:], None, None)
        else:
            row = FieldRow(call.name, type(module).__name__, call.output_shape[1:],
                           tuple(_num(s[0]) for s in state), tuple(_num(s[1]) for s in state),
                           tuple(_num(s[2]) for s in state))
        rows.append(row)
    return rows
