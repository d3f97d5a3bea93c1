"""`Linear`: the fully connected layer h = W x + b of the MLP (notes §1.1.3)."""
from __future__ import annotations

from ...autograd.ops import linear
from ...tensor import Tensor
from ..init import init_layer
from ..module import Module
from ._weights import add_weight_and_bias


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features): row i holds the weights of
    neuron i, as in the notes' W^(l).

    Args:
        in_features, out_features, bias, device, dtype: as PyTorch's (positionally too).
        init: keyword-only, 'pytorch' (default, U(±1/√in) as PyTorch), 'xavier', 'he' or
            'notes' (see `nn.init.init_layer`).

    Shape:
        (*, in_features) -> (*, out_features)

    Example:
        >>> fc = nn.Linear(784, 512)
        >>> fc(xa.randn(32, 784)).shape
        (32, 512)
    """

    counts_as_layer = True
    receptive_field_step = "all"     # every output unit sees every input unit

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None, *, init: str = "pytorch"):
        super().__init__()
        if in_features <= 0 or out_features <= 0:
            raise ValueError(f"Linear: in_features and out_features must be positive, got "
                             f"{in_features} and {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init = init
        add_weight_and_bias(self, (self.out_features, self.in_features), self.out_features,
                            bias, dtype, "Linear", device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_layer(self.weight, self.bias, self.init, "Linear")

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)   # the op checks the shapes and dtypes

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. an identity shortcut)."""

    counts_as_layer = False
    receptive_field_step = "same"

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
