"""Adam and AdamW: momentum plus a per-coordinate scale, bias-corrected (notes 1.4.8)."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from .optimizer import Optimizer, lerp_

__all__ = ["Adam", "AdamW", "adam_update", "adamw_update"]


def adam_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
                betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool,
                maximize: bool) -> dict:
    """One Adam step on ``param`` and the buffers in ``state`` (in place).

    With g = ∇L, k = ``state["step"]`` (counted from 1), γ₁, γ₂ = betas,
    v = ``exp_avg``, diag(G) = ``exp_avg_sq`` (both 0 before the first step):
        g ← g + weight_decay·θ                    (L2 penalty in the gradient)
        v ← γ₁·v + (1 − γ₁)·g
        diag(G) ← γ₂·diag(G) + (1 − γ₂)·g ⊙ g      (amsgrad: Ĝ ← max(Ĝ, diag(G)))
        θ ← θ − α/(1 − γ₁ᵏ) · v / (√diag(G) / √(1 − γ₂ᵏ) + ε)

    Returns what the step computed, without copying it: ``{"exp_avg": v, "exp_avg_sq":
    diag(G), "max_exp_avg_sq": Ĝ (None without amsgrad), "bias_correction1": 1 − γ₁ᵏ,
    "bias_correction2": 1 − γ₂ᵏ}``, the arrays being the buffers in ``state``. The
    bias-corrected moments v/(1 − γ₁ᵏ) and diag(G)/(1 − γ₂ᵏ) are never formed: as in
    PyTorch, the corrections are folded into the step size and the denominator.
    """
    return _adam(param, grad, state, lr, betas, eps, weight_decay, amsgrad, maximize, False)


def adamw_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
                 betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool,
                 maximize: bool) -> dict:
    """One AdamW step: θ ← θ·(1 − α·weight_decay) (decoupled decay), then ``adam_update``'s
    step without the L2 term; returns what ``adam_update`` returns."""
    return _adam(param, grad, state, lr, betas, eps, weight_decay, amsgrad, maximize, True)


def _adam(param, grad, state, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled):
    if "exp_avg" not in state:  # the parameter's first step
        state["step"] = 0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    if amsgrad and "max_exp_avg_sq" not in state:
        state["max_exp_avg_sq"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay:
        if decoupled:
            param *= 1.0 - lr * weight_decay
        else:
            g = g + weight_decay * param
    beta1, beta2 = betas
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    lerp_(exp_avg, g, 1.0 - beta1)  # = γ₁ v + (1 − γ₁) g, rounded as PyTorch
    exp_avg_sq *= beta2
    exp_avg_sq += (1.0 - beta2) * (g * g)
    step = state["step"]
    bias_correction1, bias_correction2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
    step_size = lr / bias_correction1
    second, max_exp_avg_sq = exp_avg_sq, None
    if amsgrad:
        second = max_exp_avg_sq = state["max_exp_avg_sq"]
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    denom = np.sqrt(second) / math.sqrt(bias_correction2) + eps
    param -= step_size * (exp_avg / denom)
    return {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "max_exp_avg_sq": max_exp_avg_sq,
            "bias_correction1": bias_correction1, "bias_correction2": bias_correction2}


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), bias-corrected, with PyTorch's conventions.

    Update (``adam_update``), γ₁, γ₂ = ``betas``, v the first moment, G the second::

        vᵏ = γ₁ vᵏ⁻¹ + (1 − γ₁) gᵏ           diag(Gᵏ) = γ₂ diag(Gᵏ⁻¹) + (1 − γ₂) gᵏ ⊙ gᵏ
        v̂ = vᵏ / (1 − γ₁ᵏ)                   Ĝ = diag(Gᵏ) / (1 − γ₂ᵏ)
        θᵏ⁺¹ = θᵏ − α v̂ / (√Ĝ + ε)

    **Where the notes' formula differs** (DESIGN, "Where the notes are wrong or
    loose"): the notes print the step as α (εI + diag G)^(−1/2) ∇L, i.e. with the raw
    gradient where the moving average v belongs (then the first moment would be
    computed and never used), and write v with a minus sign, v = γ₁ v − (1 − γ₁)∇L,
    so their v is minus this one. They also omit the bias correction: v and G start
    at 0, so without dividing by (1 − γᵏ) the first steps are biased toward 0 (by a
    factor 1 − γ₁ = 0.1 on v at k = 1). ε sits outside the square root, as published.
    γ₁, γ₂ ∈ [0, 1).

    Args:
        params: tensors or param groups.
        lr: α. betas: (γ₁, γ₂). eps: ε. weight_decay: L2 penalty added to the gradient
            (use ``AdamW`` for decoupled weight decay). amsgrad: keep the running max of
            diag(G) (Reddi et al.). maximize: ascend instead of descend.

    Example:
        >>> opt = Adam(model.parameters(), lr=1e-3)
    """

    _update = staticmethod(adam_update)

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{type(self).__name__}: invalid betas={betas!r}, expected two "
                             "numbers in [0, 1)")
        group["betas"] = tuple(float(b) for b in betas)
        self._check_range(group, "eps", 0.0)
        self._check_range(group, "weight_decay", 0.0)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as PyTorch's AdamW.

    Before the Adam step the weights shrink, θ ← θ (1 − α·weight_decay), instead of
    adding weight_decay·θ to the gradient: with Adam's per-coordinate scaling an L2
    term in the gradient is rescaled too, so it regularises unevenly; decoupled decay
    does not. Everything else is ``Adam``; the default weight_decay is 1e-2.

    Example:
        >>> opt = AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    _update = staticmethod(adamw_update)

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
