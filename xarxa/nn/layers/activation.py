"""Activation modules (notes §1.1): Heaviside step, sigmoid, tanh, ReLU, softmax with
temperature. Each forward is one op call."""
from __future__ import annotations

from ...autograd import ops
from ...tensor import Tensor
from ..module import Module


class Step(Module):
    """Heaviside step of the perceptron: 1 where x ≥ 0, else 0 (gradient taken as 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.step(x)


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^(−x))."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.tanh(x)


class ReLU(Module):
    """max(0, x)."""

    def forward(self, x: Tensor) -> Tensor:
        return ops.relu(x)


class Softmax(Module):
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

    def forward(self, x: Tensor) -> Tensor:
        return ops.softmax(x, dim=self.dim, temperature=self.temperature)

    def extra_repr(self) -> str:
        extra = f"dim={self.dim}"
        return extra + (f", temperature={self.temperature}" if self.temperature != 1 else "")


class LogSoftmax(Module):
    """log S(x) along `dim`, computed stably."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return ops.log_softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
