"""Batch normalisation layers (notes §1.5.2): BN(x) = γ·(x − μ)/√(σ² + ε) + β per channel,
with μ, σ² of the batch in training and running averages of them in evaluation; and layer
normalisation (PyTorch's LayerNorm): the same over each sample's trailing dimensions."""
from __future__ import annotations

import numpy as np

from ...autograd.ops.norm import batch_norm, layer_norm
from ...dtypes import resolve
from ...tensor import Tensor
from ..module import Module, Parameter
from ._weights import check_device
from ...autograd.version import bump_version


def _affine_parameters(layer: Module, shape: tuple, weight: bool, bias: bool, dtype) -> None:
    """γ (`weight`, ones) and β (`bias`, zeros) of `shape`, or None placeholders."""
    if weight:
        layer.weight = Parameter(np.ones(shape, dtype=dtype))
    else:
        layer.register_parameter("weight", None)
    if bias:
        layer.bias = Parameter(np.zeros(shape, dtype=dtype))
    else:
        layer.register_parameter("bias", None)


class _BatchNorm(Module):
    _ranks: tuple = ()
    _layout = ""
    counts_as_layer = False          # it belongs to the layer before it
    receptive_field_step = "same"    # per channel, position by position

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        name = type(self).__name__
        if num_features <= 0:
            raise ValueError(f"{name}: num_features must be positive, got {num_features}")
        check_device(device, name)
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = resolve(dtype, name)
        _affine_parameters(self, (self.num_features,), affine, affine and bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0
            for t in (self.running_mean, self.running_var, self.num_batches_tracked):
                bump_version(t)

    def forward(self, x: Tensor) -> Tensor:
        # The op checks the type, dtype and the statistics' shapes; the rank (1d vs 2d) and
        # num_features are this layer's own contract (the op cannot know num_features when
        # there is neither γ, β nor running statistics). Module.__call__ adds the name.
        if x.ndim not in self._ranks:
            raise ValueError(f"expected a {self._layout} input, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"expected {self.num_features} channels (dim 1), got "
                             f"{x.shape[1]} (input shape {x.shape})")
        use_batch = self.training or not self.track_running_stats
        momentum = self.momentum
        if self.training and self.track_running_stats:   # counted before the op, as PyTorch
            self.num_batches_tracked._data += 1
            bump_version(self.num_batches_tracked)
            if momentum is None:  # cumulative average, as PyTorch's momentum=None
                momentum = 1.0 / float(self.num_batches_tracked._data)
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_batch, momentum or 0.0, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features (after a Linear layer) or of (N, C, L) sequences.

    Shape:
        (N, C) or (N, C, L) -> the same shape.
    """

    _ranks, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of feature maps, one (γ, β) pair per channel.

    Shape:
        (N, C, H, W) -> the same shape.
    """

    _ranks, _layout = (4,), "4-D (N, C, H, W)"


class LayerNorm(Module):
    """y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² of each sample over its last
    `len(normalized_shape)` dimensions (the same in training and evaluation).

    Args:
        normalized_shape: an int or the trailing shape to normalise over.
        elementwise_affine: learn γ (ones) and β (zeros) of that shape; `bias=False`: γ only.

    Shape:
        (*, *normalized_shape) -> the same shape.

    Example:
        >>> nn.LayerNorm(16)(xa.randn(4, 10, 16)).shape
        (4, 10, 16)
    """

    counts_as_layer = False          # it belongs to the layer before it

    def receptive_field_step(self, input_shape: tuple, output_shape: tuple):
        """On feature maps (N, C, H, W) the trailing dimensions always include W, so each
        output depends on (at least) its whole row, through the statistics: reported, like
        softmax along a spatial axis, as the whole input ("all"); elsewhere "same"."""
        return "all" if len(input_shape) == 4 else "same"

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else \
            tuple(normalized_shape)
        if not shape or not all(isinstance(n, (int, np.integer)) and n > 0 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a "
                             f"non-empty sequence of them, got {normalized_shape!r}")
        check_device(device, "LayerNorm")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = float(eps), elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine,
                           elementwise_affine and bias, resolve(dtype, "LayerNorm"))

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
