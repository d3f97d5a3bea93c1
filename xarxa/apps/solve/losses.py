"""The scalar losses of the notes (§1.3) that `xarxa solve` offers, each the library's own
function from `xarxa.nn.functional` (one place per loss) with the notes' formula to print.

The solver evaluates the loss on ŷ as a node of its own — L and ∂L/∂ŷ from the library
function on a copy of ŷ — and backpropagates ∂L/∂ŷ through the expression's graph, so the
table shows one row "L" for the loss, as the notes' exercise tables do, whatever the number
of ops inside the library's loss.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...inspect.tables import fmt_number as n
from .. import catalog
from ...nn import functional as F


@dataclass(frozen=True)
class ScalarLoss:
    name: str
    formula: str                # the notes' formula, in ŷ (the expression) and y (the target)
    fn: Callable                # fn(ŷ, y, options) -> scalar Tensor
    options: tuple = ()         # the hyper-parameters it reads: delta, margin, gamma
    numbers: Callable = None    # numbers(ŷ, y, options) -> the formula with the values put in


def _huber_numbers(p, y, o):
    d = o["delta"]
    if abs(y - p) < d:
        return f"½({n(y)} − {n(p)})²"
    return f"{n(d)}·(|{n(y)} − {n(p)}| − ½·{n(d)})"


def _call(name):
    return lambda p, y, o: f"{name}(ŷ = {n(p)}, y = {n(y)})"


# catalogue name (xarxa.apps.catalog.LOSSES, those with solve=True) -> the scalar loss; `name`
# is what the printout calls it (the notes' l2, bce)
_LOSSES = {
    "l1": ScalarLoss("l1", "L = |y − ŷ|", lambda p, y, o: F.l1_loss(p, y),
                     numbers=lambda p, y, o: f"|{n(y)} − {n(p)}|"),
    "mse": ScalarLoss("l2", "L = (y − ŷ)²", lambda p, y, o: F.mse_loss(p, y),
                     numbers=lambda p, y, o: f"({n(y)} − {n(p)})²"),
    "huber": ScalarLoss("huber", "L = ½(y − ŷ)² if |y − ŷ| < δ, else δ(|y − ŷ| − ½δ)",
                        lambda p, y, o: F.huber_loss(p, y, delta=o["delta"]), ("delta",),
                        _huber_numbers),
    "hinge": ScalarLoss("hinge", "L = max(0, m − y·ŷ), y = ±1",
                        lambda p, y, o: F.hinge_loss(p, y, margin=o["margin"]), ("margin",),
                        lambda p, y, o: f"max(0, {n(o['margin'])} − {n(y)}·{_f(p)})"),
    "binary_cross_entropy": ScalarLoss(
        "bce", "L = −[y ln ŷ + (1 − y) ln(1 − ŷ)], ŷ a probability",
        lambda p, y, o: F.binary_cross_entropy(p, y), numbers=_call("bce")),
    "binary_cross_entropy_with_logits": ScalarLoss(
        "bce-logits", "L = −[y ln σ(ŷ) + (1 − y) ln(1 − σ(ŷ))]",
        lambda p, y, o: F.binary_cross_entropy_with_logits(p, y), numbers=_call("bce-logits")),
    "focal": ScalarLoss("focal", "L = −(1 − p)^γ ln p, p = σ(ŷ) if y = 1 else 1 − σ(ŷ)",
                        lambda p, y, o: F.sigmoid_focal_loss(p, y, alpha=-1.0,
                                                             gamma=o["gamma"],
                                                             reduction="mean"), ("gamma",),
                        _call("focal")),
}


LOSSES = {name: _LOSSES[name] for name in catalog.names("losses", "solve")}  # its order


def _f(value) -> str:
    text = n(value)
    return f"({text})" if text.startswith("-") else text
