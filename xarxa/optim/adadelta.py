"""Adadelta: RMSprop whose step size comes from a moving average of past steps (Zeiler, 2012)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adadelta", "adadelta_update"]


def adadelta_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
                    rho: float, eps: float, weight_decay: float, maximize: bool) -> dict:
    """One Adadelta step on ``param`` and the buffers in ``state`` (in place).

    With g = ∇L (+ weight_decay·θ), γ = rho, diag(G) = ``square_avg``, diag(D) =
    ``acc_delta`` (both 0 before the parameter's first step):
        diag(G) ← γ·diag(G) + (1 − γ)·g ⊙ g
        Δ = √(diag(D) + ε) / √(diag(G) + ε) ⊙ g
        diag(D) ← γ·diag(D) + (1 − γ)·Δ ⊙ Δ
        θ ← θ − α·Δ

    Returns what the step computed, without copying it: ``{"square_avg": diag(G),
    "acc_delta": diag(D), "delta": Δ}`` (the first two are the buffers in ``state``).
    """
    if "square_avg" not in state:  # the parameter's first step
        state["step"] = 0
        state["square_avg"] = np.zeros_like(param)
        state["acc_delta"] = np.zeros_like(param)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
    square_avg *= rho
    square_avg += (1.0 - rho) * (g * g)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta *= rho
    acc_delta += (1.0 - rho) * (delta * delta)  # the unscaled step: α is applied after
    param -= lr * delta
    return {"square_avg": square_avg, "acc_delta": acc_delta, "delta": delta}


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method"), PyTorch's way.

    In the notes' notation (RMSprop's γ and diag(G), ``adadelta_update``), with diag(D)
    a second moving average, of the squared steps::

        diag(Gᵏ) = γ diag(Gᵏ⁻¹) + (1 − γ) gᵏ ⊙ gᵏ
        Δᵏ = (εI + diag(Dᵏ⁻¹))^(1/2) (εI + diag(Gᵏ))^(−1/2) gᵏ
        diag(Dᵏ) = γ diag(Dᵏ⁻¹) + (1 − γ) Δᵏ ⊙ Δᵏ
        θᵏ⁺¹ = θᵏ − α Δᵏ

    RMSprop's step is α (εI + diag G)^(−1/2) g; Adadelta replaces the constant α by
    RMS[Δ] = √(diag(D) + ε), the root mean square of its own recent steps, so that the
    step has the units of θ (Zeiler's argument) and no learning rate needs tuning.

    **The published algorithm** (Zeiler's Algorithm 1, decay ρ = γ here) is exactly
    the above with α = 1: E[g²]ₜ = ρE[g²]ₜ₋₁ + (1 − ρ)gₜ², Δxₜ = −RMS[Δx]ₜ₋₁/RMS[g]ₜ·gₜ,
    E[Δx²]ₜ = ρE[Δx²]ₜ₋₁ + (1 − ρ)Δxₜ², xₜ₊₁ = xₜ + Δxₜ, with RMS[y] = √(E[y²] + ε).
    Both ε sit *inside* the square roots (unlike PyTorch's Adagrad and RMSprop), and
    both averages start at 0, so the first steps are about √ε/RMS[g]·g: tiny.

    **How PyTorch applies lr** (and this class): the paper has no learning rate; PyTorch
    multiplies the step by ``lr`` only when applying it, θ ← θ − lr·Δ, while diag(D)
    accumulates the *unscaled* Δ. lr = 1.0 (the default) is the paper; another lr
    (or a scheduler) rescales every step without changing the statistics.
    ``weight_decay`` (an L2 term added to g) and ``maximize`` are PyTorch's extras.

    **Where it differs from PyTorch:** as every xarxa optimizer, the buffers are made at a
    parameter's first step with a gradient; ``step`` counts as an int, not a tensor.

    Args:
        params: tensors or param groups.
        lr: α, the factor applied to each step (1.0: Zeiler's algorithm).
        rho: γ (Zeiler's ρ), the decay of both moving averages, in [0, 1].
        eps: ε, inside both square roots. weight_decay: L2 penalty.
        maximize: ascend instead of descend.

    Example:
        >>> opt = Adadelta(model.parameters())  # lr=1.0, rho=0.9, eps=1e-6
    """

    _update = staticmethod(adadelta_update)

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, *, maximize: bool = False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        self._check_range(group, "rho", 0.0, 1.0)
        for key in ("eps", "weight_decay"):
            self._check_range(group, key, 0.0)
