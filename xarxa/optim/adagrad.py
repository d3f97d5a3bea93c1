"""AdaGrad: a learning rate per coordinate, shrunk by the history of its gradients (notes 1.4.8)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adagrad", "adagrad_update"]


def adagrad_update(param: np.ndarray, grad: np.ndarray, state: dict, *, lr: float,
                   lr_decay: float, weight_decay: float, initial_accumulator_value: float,
                   eps: float, maximize: bool) -> dict:
    """One AdaGrad step on ``param`` and ``state`` (in place); ``state["step"]`` counts steps.

    With g = ∇L (+ weight_decay·θ), k the step (from 1) and diag(G) = ``state["sum"]``
    (G⁰ = initial_accumulator_value at the parameter's first step):
        αₖ = α / (1 + (k − 1)·lr_decay)
        diag(G) ← diag(G) + g ⊙ g
        θ ← θ − αₖ · g / (√diag(G) + ε)

    Returns what the step computed, without copying it: ``{"sum": diag(G), "lr": αₖ}``
    (``sum`` is the buffer in ``state``).
    """
    if "sum" not in state:  # the parameter's first step
        state["step"] = 0
        state["sum"] = np.full(param.shape, initial_accumulator_value, dtype=param.dtype)
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    clr = lr / (1.0 + (state["step"] - 1) * lr_decay)
    state_sum = state["sum"]
    state_sum += g * g
    param -= clr * (g / (np.sqrt(state_sum) + eps))
    return {"sum": state_sum, "lr": clr}


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al., 2011) with PyTorch's conventions.

    The notes' rule, with gᵏ the (mini-batch averaged) gradient::

        Gᵏ = Σ_{τ=1..k} gᵗ (gᵗ)ᵀ,    θᵏ⁺¹ = θᵏ − α (εI + diag(Gᵏ))^(−1/2) ∇L(θᵏ)

    Only the diagonal of G is ever used, so the optimizer keeps diag(G) = Σ g ⊙ g per
    parameter, in ``state[p]["sum"]`` (the outer products g gᵀ are never formed).

    **Where it differs from the notes:** PyTorch (and this class) puts ε *outside* the
    square root, θ ← θ − α g / (√diag(G) + ε), not α g / √(ε + diag(G)). Both only
    guard against a division by zero; with ε = 1e-10 the steps agree to ~1e-10
    relative unless a coordinate's G is tiny. ``lr_decay`` (α/(1 + (k−1)·lr_decay)),
    ``initial_accumulator_value`` (G⁰) and ``weight_decay`` are PyTorch's extras; their
    defaults reproduce the notes' rule.

    **Where it differs from PyTorch:** the accumulators are created at a parameter's
    first step with a gradient, as in every xarxa optimizer, not in the constructor:
    ``state_dict()`` has no entry for a parameter that has not been updated yet (PyTorch
    has one with step 0), and a group added by ``add_param_group`` starts from its own
    ``initial_accumulator_value`` (PyTorch uses the constructor's).

    Args:
        params: tensors or param groups.
        lr: α. lr_decay: the step-size decay above. weight_decay: L2 penalty.
        initial_accumulator_value: the starting value of every entry of diag(G).
        eps: ε. maximize: ascend instead of descend.

    Example:
        >>> opt = Adagrad(model.parameters(), lr=0.3)
    """

    _update = staticmethod(adagrad_update)

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._check_range(group, key, 0.0)
