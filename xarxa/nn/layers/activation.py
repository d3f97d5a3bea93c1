"""Activation modules (notes §1.1): Heaviside step, sigmoid, tanh, ReLU, softmax with
temperature. Each forward is one op call.

They act elementwise (softmax: along one dimension), so they do not count as layers of
their own (`counts_as_layer = False`: they belong to the layer before them) and leave the
receptive field as it is."""
from __future__ import annotations

from ...autograd import ops
from ...tensor import Tensor
from ..module import Module


class _Elementwise(Module):
    """An activation applied to each value on its own: no layer of its own, no change of
    the receptive field."""

    counts_as_layer = False
    receptive_field_step = "same"


class Step(_Elementwise):
    """Heaviside step of the perceptron: 1 where x ≥ 0, else 0 (gradient taken as 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.step(x)


class Sigmoid(_Elementwise):
    """σ(x) = 1 / (1 + e^(−x))."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.sigmoid(x)


class Tanh(_Elementwise):
    """Hyperbolic tangent."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.tanh(x)


class ReLU(_Elementwise):
    """max(0, x)."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.relu(x)


def _along_dim_step(module, input_shape, output_shape):
    """Softmax-like layers: along the channels (or on a non-image) every position sees only
    itself ("same"); along a spatial axis each output sees a whole row or column, which the
    receptive field reports, conservatively, as the whole input ("all")."""
    if len(input_shape) != 4 or module.dim % 4 in (0, 1):
        return "same"
    return "all"


class Softmax(_Elementwise):
    """S_i = e^(x_i/T) / Σ_j e^(x_j/T) along `dim` (notes: softmax with temperature T).

    Shape:
        any shape -> the same shape, summing to 1 along `dim`.

    Example:
        >>> nn.Softmax(dim=1, temperature=2.0)(xa.randn(4, 10))
    """

    def __init__(self, dim: int = -1, temperature: float = 1.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"Softmax: temperature must be positive, got {temperature}")
        self.dim, self.temperature = dim, float(temperature)

    receptive_field_step = _along_dim_step

    def forward(self, x: Tensor) -> Tensor:
        return ops.softmax(x, dim=self.dim, temperature=self.temperature)

    def extra_repr(self) -> str:
        extra = f"dim={self.dim}"
        return extra + (f", temperature={self.temperature}" if self.temperature != 1 else "")


class LogSoftmax(_Elementwise):
    """log S(x) along `dim`, computed stably."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    receptive_field_step = _along_dim_step

    def forward(self, x: Tensor) -> Tensor:
        return ops.log_softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
