"""Activation modules (notes §1.1): Heaviside step, sigmoid, tanh, ReLU, softmax with
temperature, and PyTorch's ReLU6, Hardtanh, LeakyReLU, ELU, GELU, SiLU, Softplus. Each
forward is one op call.

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
    """max(0, x); `inplace=True` overwrites the input (see `F.relu`)."""

    _fusable = True   # after a BatchNorm in nn.Sequential: one fused op (this exact class)

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return ops.relu(x, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardtanh(_Elementwise):
    """x limited to [min_val, max_val] (see `F.hardtanh`)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = float(min_val), float(max_val), inplace

    def forward(self, x: Tensor) -> Tensor:
        return ops.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """min(max(0, x), 6): MobileNet's activation; `inplace=True` overwrites the input."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(_Elementwise):
    """x where x > 0, else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: Tensor) -> Tensor:
        return ops.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class ELU(_Elementwise):
    """x where x > 0, else α(eˣ − 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Tensor) -> Tensor:
        return ops.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(_Elementwise):
    """x·Φ(x), Φ the standard normal CDF (`approximate='tanh'`: its tanh approximation)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return ops.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Elementwise):
    """x·σ(x) (swish)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return ops.silu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(_Elementwise):
    """(1/β)·log(1 + e^(βx)), a smooth ReLU; x itself where βx > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        if beta == 0:
            raise ValueError("Softplus: beta must be non-zero, got 0")
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return ops.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


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
