"""Two-parameter losses for ``xarxa landscape``: each shows one thing the notes describe
(1.4.4–1.4.8) when the optimizers of ``xarxa.optim`` walk on it.

Every loss is written with xarxa's ops on two scalar tensors (x, y) — the real engine
computes the gradients the real optimizers use. Each comes with a start point, a view,
a default number of steps and a default learning rate per optimizer, chosen so that the
default picture shows the behaviour named in ``about``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..creation import tensor
from ..nn import functional as F  # noqa: N812
from ..tensor import Tensor

__all__ = ["Surface", "SURFACES"]

@dataclass(frozen=True)
class Surface:
    """A loss of two parameters, where to start and how to look at it: the optimizers the
    picture compares by default, their learning rates and other settings (e.g. momentum's
    λ), chosen so that ``about`` is true of the default picture."""

    name: str
    loss: Callable[[Tensor, Tensor], Tensor]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    steps: int
    lrs: dict[str, float]             # default learning rate per optimizer
    minima: tuple[tuple[float, float], ...]
    labels: tuple[str, str] = ("x", "y")
    about: str = ""
    optimizers: tuple[str, ...] = ("gd", "momentum", "adam")
    settings: dict[str, dict] = field(default_factory=dict)   # optimizer -> its settings


def _quadratic(x, y):
    return 0.5 * x ** 2 + y ** 2


_C = np.sqrt(0.5)


def _ill_conditioned(x, y):
    # a narrow valley along the diagonal: curvature 1 along (1, 1), 50 across it
    u, v = _C * (x + y), _C * (x - y)
    return 0.5 * u ** 2 + 25.0 * v ** 2


def _rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x ** 2) ** 2


def _saddle(x, y):
    # a saddle at the origin (curvatures 2 and −1), minima at (0, ±1)
    return x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2


# The exam's single training pair (x, y) = (2, 2) and ŷ = w·x + b (notes, Fall 2022, ex. 1).
def _exam_l1(w, b):
    return F.l1_loss(w * 2.0 + b, tensor(2.0, dtype=w.dtype))


# The notes' two-layer network with one node and one weight per layer (1.4.4):
# ŷ = tanh(w₂·tanh(w₁·x)), L2 loss on points of a teacher with (w₁, w₂) = (1, 2). tanh is
# odd, so (w₁, w₂) and (−w₁, −w₂) are the same network: two symmetric minima, a saddle at
# the origin (the gradient vanishes there), plateaus where the units saturate.
_NEURON_X = np.linspace(-2.0, 2.0, 9)
_NEURON_Y = np.tanh(2.0 * np.tanh(1.0 * _NEURON_X))


def _one_neuron(w1, w2):
    x, y = tensor(_NEURON_X, dtype=w1.dtype), tensor(_NEURON_Y, dtype=w1.dtype)
    return F.mse_loss((w2 * (w1 * x).tanh()).tanh(), y)


def _lrs(gd, momentum, adaptive, adagrad=None):
    return {"gd": gd, "momentum": momentum, "nesterov": momentum,
            "adagrad": adaptive if adagrad is None else adagrad, "rmsprop": adaptive,
            "adam": adaptive}


SURFACES: dict[str, Surface] = {s.name: s for s in (
    Surface("quadratic", _quadratic, (-4.0, 3.0), (-5.0, 5.0), (-4.0, 4.0), 100,
            _lrs(0.3, 0.1, 0.1, adagrad=1.5), ((0.0, 0.0),),
            about="a round bowl, ½x² + y²: every method reaches the minimum (momentum "
                  "after circling round it)"),
    # GD's factor across the valley is 1 − 50α = −0.9 (a zig-zag that dies slowly), along
    # it 1 − α = 0.962 (a crawl); momentum with the same α and λ = 0.5 has complex roots
    # of modulus √λ ≈ 0.71 across (the zig-zag is gone in a few steps) and 0.92 along.
    Surface("ill-conditioned", _ill_conditioned, (-4.0, -2.5), (-5.0, 3.0), (-4.0, 3.0), 60,
            _lrs(0.038, 0.038, 0.15, adagrad=1.0) | {"adam": 0.3}, ((0.0, 0.0),),
            about="a narrow diagonal valley (curvature 1 along it, 50 across): GD zig-zags "
                  "across it and crawls along it; momentum, with the same α and λ = 0.5, "
                  "damps the zig-zag in a few steps and runs down the valley floor",
            optimizers=("gd", "momentum"),
            settings={"momentum": {"momentum": 0.5}, "nesterov": {"momentum": 0.5}}),
    Surface("rosenbrock", _rosenbrock, (-1.2, 1.0), (-2.0, 2.0), (-1.0, 3.0), 1000,
            {"gd": 1.5e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5,
             "rmsprop": 0.01, "adam": 0.05}, ((1.0, 1.0),),
            about="a curved banana valley, (1 − x)² + 100(y − x²)², minimum at (1, 1)"),
    Surface("saddle", _saddle, (2.0, 1e-3), (-2.5, 2.5), (-1.8, 1.8), 80,
            _lrs(0.1, 0.02, 0.05, adagrad=0.5), ((0.0, 1.0), (0.0, -1.0)),
            about="x² + y⁴/4 − y²/2: a saddle at the origin between minima at (0, ±1); GD "
                  "and momentum linger at the saddle, where the gradient is tiny; AdaGrad "
                  "and Adam, whose steps are divided by the gradient's size, never stop there",
            optimizers=("gd", "momentum", "adagrad", "adam")),
    Surface("exam-l1", _exam_l1, (2.7, 1.0), (0.0, 3.2), (-0.8, 1.5), 8,
            _lrs(0.3, 0.1, 0.3), (),
            labels=("w", "b"),
            about="the Fall-2022 exam: |2 − (2w + b)| from (w, b) = (2.7, 1), α = 0.3: GD "
                  "oscillates between (1.5, 0.4) and (0.9, 0.1) around the valley floor "
                  "2w + b = 2 (every point of it a minimum)",
            optimizers=("gd",)),
    Surface("one-neuron", _one_neuron, (-0.15, 0.1), (-3.0, 3.0), (-4.0, 4.0), 150,
            _lrs(0.5, 0.1, 0.05, adagrad=0.5), ((1.0, 2.0), (-1.0, -2.0)),
            labels=("w1", "w2"),
            about="ŷ = tanh(w2·tanh(w1·x)) (notes 1.4.4): a saddle at the origin, "
                  "symmetric minima at ±(1, 2), plateaus where tanh saturates; from beside "
                  "the saddle GD and Adam go down to −(1, 2), momentum overshoots onto a "
                  "plateau"),
)}
