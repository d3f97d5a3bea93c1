"""`Flatten`: joins dimensions, e.g. a CNN's (N, C, H, W) maps into (N, C·H·W) for the FC
stage."""
from __future__ import annotations

from ...autograd import ops
from ...tensor import Tensor
from ..module import Module


class Flatten(Module):
    """Flatten dimensions start_dim..end_dim (by default all but the batch dimension).

    Shape:
        (N, *) -> (N, prod(*))
    """

    counts_as_layer = False          # it only reshapes for the next layer
    receptive_field_step = "all"     # what follows mixes every position

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
