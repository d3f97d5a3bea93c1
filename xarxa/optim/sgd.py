"""Gradient descent: plain, with momentum, with Nesterov momentum (notes 1.4.1–1.4.3, 1.4.8).

Whether it is *batch* GD, *mini-batch* GD or *stochastic* GD is decided by the data
loader's ``batch_size`` (the whole set, a few samples, one sample), not here.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..autograd.version import bump_version
from .optimizer import Optimizer

__all__ = ["SGD", "sgd_update"]


def sgd_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
               momentum: float, dampening: float, weight_decay: float, nesterov: bool,
               maximize: bool) -> dict:
    """One SGD step on ``param`` and ``state["momentum_buffer"]`` (in place).

    With g = ∇L (+ weight_decay·θ), λ = momentum, α = lr, b the buffer:
        b ← g on the first step, then b ← λ·b + (1 − dampening)·g
        θ ← θ − α·(g + λ·b)   if nesterov, else   θ ← θ − α·b
    and θ ← θ − α·g without momentum (then ``state`` stays empty).

    Returns what the step computed, without copying it: ``{"momentum_buffer": b}``, the
    buffer in ``state`` (None without momentum).
    """
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    buf = None
    if momentum:
        buf = state.get("momentum_buffer")
        if buf is None:  # PyTorch: b⁰ = g⁰
            buf = state["momentum_buffer"] = np.array(g, dtype=param.dtype, copy=True)
        else:
            buf *= momentum
            buf += (1.0 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    param -= lr * g
    return {"momentum_buffer": buf}


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum; PyTorch's conventions.

    Update (``sgd_update``), α = lr, λ = momentum, b = the momentum buffer:

    * plain: θᵏ⁺¹ = θᵏ − α ∇L(θᵏ)   (the notes' gradient-descent rule);
    * momentum: bᵏ⁺¹ = λ bᵏ + (1 − dampening) ∇L(θᵏ) (b¹ = ∇L(θ⁰)),
      θᵏ⁺¹ = θᵏ − α bᵏ⁺¹;
    * Nesterov: same b, then θᵏ⁺¹ = θᵏ − α (∇L(θᵏ) + λ bᵏ⁺¹);
    * weight_decay adds weight_decay·θ to the gradient (L2 regularisation).

    **Mapping to the notes (1.4.8).** The notes write the velocity with the learning
    rate inside, vᵏ⁺¹ = λ vᵏ − α ∇L, θᵏ⁺¹ = θᵏ + vᵏ⁺¹, and start from v⁰ = 0. With
    dampening 0 and a constant α this is the same sequence of θ: v = −α b (the first
    step b¹ = ∇L(θ⁰) equals λ·0 + ∇L). If α changes during training (a scheduler) the
    two differ: the notes' v keeps the old α in its history, PyTorch's b does not.

    The notes' Nesterov evaluates the gradient at the look-ahead point
    θ̃ᵏ = θᵏ + λ vᵏ and then steps θᵏ⁺¹ = θᵏ + vᵏ⁺¹. PyTorch (Sutskever et al.'s
    reformulation) stores the look-ahead point itself: its parameters are the notes'
    θ̃ = θ + λv, so that the gradient is taken at the stored parameters. Under that
    mapping (and v = −α b) the two produce the same trajectory; the test
    ``tests/optim/test_notes_formulas.py`` checks it step by step.

    Args:
        params: tensors or param groups.
        lr: learning rate α (PyTorch's default, 1e-3).
        momentum: λ ∈ [0, 1).
        dampening: multiplies the new gradient by (1 − dampening) in the buffer.
        weight_decay: L2 penalty coefficient.
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    _update = staticmethod(sgd_update)

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        self._check_range(group, "momentum", 0.0)
        self._check_range(group, "weight_decay", 0.0)
        self._check_range(group, "dampening", 0.0, 1.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening 0, "
                             f"got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _step_group(self, group: dict) -> None:
        if group["momentum"] or group["weight_decay"] or group["maximize"]:
            return super()._step_group(group)
        # plain gradient descent θ ← θ − α·∇L keeps no state: skip the per-parameter
        # bookkeeping (it is most of the step's time on the notes' small networks)
        lr = group["lr"]
        for p, theta, grad in self._grads(group):
            theta -= lr * grad
            bump_version(p)
