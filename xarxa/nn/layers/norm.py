"""Batch normalisation layers (notes §1.5.2): BN(x) = γ·(x − μ)/√(σ² + ε) + β per channel,
with μ, σ² of the batch in training and running averages of them in evaluation; and layer
normalisation (PyTorch's LayerNorm): the same over each sample's trailing dimensions."""
from __future__ import annotations

import numpy as np

from ... import distributed as dist
from ...autograd.ops.norm import batch_norm, layer_norm
from ...dtypes import resolve
from ...tensor import Tensor
from ..module import Module, Parameter
from .._errors import name_error
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
        return self._normalise(x)

    def _forward_relu(self, x: Tensor) -> Tensor:
        """relu(self(x)) as one fused op (`batch_norm(..., activation="relu")`): what
        `nn.Sequential` calls for this layer followed by an `nn.ReLU`, neither with hooks."""
        try:
            return self._normalise(x, "relu")
        except (ValueError, TypeError) as error:
            name_error(self, error)
            raise

    def _normalise(self, x: Tensor, activation: str | None = None) -> Tensor:
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
                          use_batch, momentum or 0.0, self.eps, reduce=self._reduce(),
                          activation=activation)

    def _reduce(self):
        """How batch statistics are summed across processes: not at all (SyncBatchNorm's
        differs)."""
        return None

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
    _fuses_relu = True   # in nn.Sequential, with an nn.ReLU after it (this exact class)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of feature maps, one (γ, β) pair per channel.

    Shape:
        (N, C, H, W) -> the same shape.
    """

    _ranks, _layout = (4,), "4-D (N, C, H, W)"
    _fuses_relu = True


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation whose training statistics are those of the whole batch spread
    over the processes of a data-parallel job (MPI ranks under ``mpiexec``): each rank's
    per-channel sums are added up across ranks (``xarxa.distributed`` collectives) in the
    forward pass and again in the backward pass, so every rank normalises its share with
    the global mean and variance and gets its part of the global input gradient, as if one
    process had seen the whole batch. γ's and β's gradients are each rank's own (DDP
    averages them with the others).

    Without a process group of more than one rank (no ``mpiexec``, or
    ``init_process_group`` not called), and in evaluation mode, it is ``BatchNorm``: the
    same choice as PyTorch's, which falls back to ``F.batch_norm`` when there is nothing to
    synchronise. Every rank must call it the same number of times (it is a collective).
    Only the world group exists (``process_group=None``).

    Shape:
        (N, C, *) -> the same shape (at least 2-D, like BatchNorm1d/2d).

    Example:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d
        >>> model = DistributedDataParallel(model)
    """

    _ranks, _layout = (2, 3, 4, 5), "at least 2-D (N, C, *)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)
        if process_group is not None:
            raise NotImplementedError("SyncBatchNorm: only the world group exists "
                                      "(process_group=None)")
        self.process_group = process_group

    def _reduce(self):
        """The sum over ranks, or None where there is nothing to synchronise."""
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return None
        return _sum_over_ranks

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm holding the same
        parameters (the same Parameter objects, so optimizers keep them), running
        statistics and mode; returns the new root if ``module`` itself is one."""
        out = module
        if isinstance(module, (BatchNorm1d, BatchNorm2d)):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(out, name, getattr(module, name))
            out.train(module.training)
        for name, child in list(module._modules.items()):
            if child is not None:
                setattr(out, name, cls.convert_sync_batchnorm(child, process_group))
        return out


def _sum_over_ranks(a):
    """The sum over every rank of a float64 array (a new array)."""
    total = np.array(a, dtype=np.float64)
    dist.all_reduce(total, "sum")
    return total


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
