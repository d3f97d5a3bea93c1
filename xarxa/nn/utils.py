"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_`` and ``clip_grad_value_``.

Call between ``loss.backward()`` and ``optimizer.step()``; both modify the ``.grad`` of
each parameter in place and skip parameters without a gradient.
"""
from __future__ import annotations

import math
import numbers
from typing import Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters, fn: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: expected Tensors, got {type(p).__name__}")
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Rescale all gradients together so that their joint norm is at most ``max_norm``.

    The total norm is that of every gradient concatenated into one vector (the
    ``norm_type``-norm; ``inf`` for the max-abs norm). If it exceeds ``max_norm``,
    every gradient is multiplied by max_norm / (total + 1e-6), PyTorch's formula; the
    direction of the update is kept, only its length shrinks.

    Returns:
        The total norm before clipping, as a 0-d float32 Tensor.

    Example:
        >>> loss.backward()
        >>> clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> opt.step()
    """
    fn = "clip_grad_norm_"
    norm_type = float(norm_type)
    if not (norm_type > 0 or math.isinf(norm_type)):
        raise ValueError(f"{fn}: norm_type must be > 0 or inf, got {norm_type}")
    params = _with_grads(parameters, fn)
    if not params:
        return Tensor(np.array(0.0, dtype=np.float32))
    grads = [p.grad.numpy() for p in params]
    # The norm of per-tensor norms equals the norm of the concatenation, as in PyTorch.
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        norms = np.array([np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads])
        total = float(np.sum(norms) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"{fn}: the total norm of order {norm_type} of the gradients is "
                           f"non-finite ({total}); set error_if_nonfinite=False to clip anyway")
    coef = min(float(max_norm) / (total + 1e-6), 1.0)
    if coef < 1.0 or not math.isfinite(total):
        for p in params:
            g = p.grad.numpy()
            p.grad = Tensor((g * coef).astype(g.dtype, copy=False))
    return Tensor(np.array(total, dtype=np.float32))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value].

    Unlike norm clipping this can change the update's direction.

    Example:
        >>> clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    fn = "clip_grad_value_"
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"{fn}: clip_value must be a number, got {clip_value!r}")
    v = float(clip_value)
    for p in _with_grads(parameters, fn):
        g = p.grad.numpy()
        p.grad = Tensor(np.clip(g, -v, v).astype(g.dtype, copy=False))
