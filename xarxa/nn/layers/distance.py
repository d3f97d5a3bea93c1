"""`PairwiseDistance` and `CosineSimilarity`: PyTorch's modules around
`F.pairwise_distance` and `F.cosine_similarity` (no parameters)."""
from __future__ import annotations

from ..module import Module


class _Comparison(Module):
    """Two inputs in, one reduced output: shown as one unit; its receptive field is,
    conservatively, the whole input (it reduces over a dimension that may be spatial)."""

    counts_as_layer = True
    receptive_field_step = "all"


class PairwiseDistance(_Comparison):
    """‖x1 − x2 + eps‖_p over the last dimension (see `F.pairwise_distance`)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        from ..functional import pairwise_distance
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"


class CosineSimilarity(_Comparison):
    """cos θ between x1 and x2 along `dim` (see `F.cosine_similarity`)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        from ..similarity import cosine_similarity
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"
