"""`Embedding`: a learned table of vectors, one row per index (word, item, class)."""
from __future__ import annotations

import numpy as np

from ...autograd.ops.embedding import embedding, padding_index
from ...dtypes import resolve
from ...tensor import Tensor
from ..init import normal_
from ..module import Module, Parameter
from ._weights import check_device


class Embedding(Module):
    """Looks up row i of `weight` (num_embeddings, embedding_dim) for every index i.

    Arguments as PyTorch's, in its order: `padding_idx` (that row starts at zero and gets
    no gradient), `max_norm`/`norm_type` (rows looked up are rescaled to at most max_norm, in
    place), `scale_grad_by_freq`; `sparse=True` is not supported. The weights start
    N(0, 1), as PyTorch's.

    Shape:
        integer indices (*) -> (*, embedding_dim)

    Example:
        >>> emb = nn.Embedding(10, 3, padding_idx=0)
        >>> emb(xa.tensor([[1, 2, 0], [4, 3, 9]])).shape
        (2, 3, 3)
    """

    counts_as_layer = True           # it computes a new representation of its input
    receptive_field_step = "same"    # each output position sees its own index only

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, device=None, dtype=None):
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding: num_embeddings and embedding_dim must be positive, "
                             f"got {num_embeddings} and {embedding_dim}")
        padding_idx = padding_index(padding_idx, num_embeddings, "Embedding")
        if sparse:
            raise NotImplementedError("Embedding: sparse gradients are not supported; use "
                                      "sparse=False")
        check_device(device, "Embedding")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=resolve(dtype, "Embedding")),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(f"Embedding: _weight of shape {tuple(_weight.shape)} does not "
                                 f"match (num_embeddings, embedding_dim) = {shape}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1) weights (xarxa's generator), the padding row zero."""
        normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose table is `embeddings` (2-D; shared, not copied, as PyTorch),
        frozen (no gradient) unless `freeze=False`."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: embeddings must be a 2-D Tensor, got "
                             + (f"shape {embeddings.shape}" if isinstance(embeddings, Tensor)
                                else type(embeddings).__name__))
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, x: Tensor) -> Tensor:
        return embedding(x, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s
