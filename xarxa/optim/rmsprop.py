"""RMSprop: AdaGrad with a moving average instead of a growing sum (notes 1.4.8)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .optimizer import Optimizer, lerp_

__all__ = ["RMSprop", "rmsprop_update"]


def rmsprop_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
                   alpha: float, eps: float, weight_decay: float, momentum: float,
                   centered: bool, maximize: bool) -> dict:
    """One RMSprop step on ``param`` and the buffers in ``state`` (all in place).

    With g = ∇L (+ weight_decay·θ), γ = alpha, diag(G) = ``square_avg``:
        diag(G) ← γ·diag(G) + (1 − γ)·g ⊙ g
        centered: ḡ ← γ·ḡ + (1 − γ)·g  and  s = √(diag(G) − ḡ ⊙ ḡ) + ε,
        otherwise s = √diag(G) + ε
        with momentum λ: b ← λ·b + g / s, θ ← θ − α·b;  otherwise θ ← θ − α·g / s
    Buffers start at 0 at the parameter's first step (and when momentum or centered is
    switched on later).

    Returns what the step computed, without copying it: the buffers in ``state``,
    ``{"square_avg": diag(G), "grad_avg": ḡ, "momentum_buffer": b}`` (None where unused).
    """
    if "square_avg" not in state:  # the parameter's first step
        state["step"] = 0
        state["square_avg"] = np.zeros_like(param)
    if momentum > 0 and "momentum_buffer" not in state:
        state["momentum_buffer"] = np.zeros_like(param)
    if centered and "grad_avg" not in state:
        state["grad_avg"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    square_avg = state["square_avg"]
    square_avg *= alpha
    square_avg += (1.0 - alpha) * (g * g)
    grad_avg = buf = None
    if centered:
        grad_avg = state["grad_avg"]
        lerp_(grad_avg, g, 1.0 - alpha)  # ḡ ← γ·ḡ + (1 − γ)·g, rounded as PyTorch
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum > 0:
        buf = state["momentum_buffer"]
        buf *= momentum
        buf += g / avg
        param -= lr * buf
    else:
        param -= lr * (g / avg)
    return {"square_avg": square_avg, "grad_avg": grad_avg, "momentum_buffer": buf}


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture notes) with PyTorch's conventions.

    The notes' rule: Gᵏ = γ Gᵏ⁻¹ + (1 − γ) gᵏ (gᵏ)ᵀ, θᵏ⁺¹ = θᵏ − α (εI +
    diag(Gᵏ))^(−1/2) ∇L. Only diag(G) is kept, in ``state[p]["square_avg"]``; the notes'
    γ is ``alpha`` here (PyTorch's name).

    **Where it differs from the notes:** as in PyTorch, ε sits outside the square root
    (g / (√diag(G) + ε)), and G starts at 0, so the first steps are larger than a
    bias-corrected average would give (Adam corrects that; RMSprop does not).
    ``centered`` (divide by an estimate of the variance instead of the raw second
    moment), ``momentum`` and ``weight_decay`` are PyTorch's extras.

    Args:
        params: tensors or param groups.
        lr: α. alpha: γ, the smoothing constant. eps: ε. weight_decay: L2 penalty.
        momentum: λ for a momentum buffer on the scaled step. centered: see above.
        maximize: ascend instead of descend.

    Example:
        >>> opt = RMSprop(model.parameters(), lr=1e-3, alpha=0.9)
    """

    _update = staticmethod(rmsprop_update)

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        self._check_range(group, "alpha", 0.0, 1.0)
        for key in ("eps", "weight_decay", "momentum"):
            self._check_range(group, key, 0.0)
