"""Rosenblatt's perceptron and its learning rule (notes 1.1)."""
from __future__ import annotations

import math

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..autograd.ops import step
from ..tensor import Tensor
from ..autograd.version import bump_version
from .facts import ModelFacts

__all__ = ["Perceptron", "perceptron_rule"]


class Perceptron(ModelFacts, nn.Module):
    """ŷ = H(w·x + b): one linear unit and a Heaviside step (1 where w·x + b ≥ 0).

    The step has zero gradient, so a perceptron does not learn by backpropagating
    a loss through its output. It learns by the classic perceptron rule, for each
    sample (x, y) with y ∈ {0, 1}::

        w ← w + η (y − ŷ) x,    b ← b + η (y − ŷ)

    which ``perceptron_rule`` applies directly. ``loss(x, y)`` is the perceptron
    criterion mean((ŷ − y)·(w·x + b)) (≥ 0, zero when every sample is right): its
    gradient is mean((ŷ − y)·x), so one SGD step with learning rate η on a batch of
    one sample *is* the rule above, and on a batch of B samples the rule averaged
    over the batch. That is how ``fit`` and ``xarxa train --model perceptron`` train
    it. Weights start at zero, as in the classic algorithm.

    Shape:
        input (N, in_features) or (N, ...) flattened; output (N,) of 0.0 / 1.0.

    Example:
        >>> p = Perceptron(2)
        >>> x, y = xa.datasets.logic_gate("and")
        >>> for _ in range(10): perceptron_rule(p, xa.tensor(x), xa.tensor(y), lr=1.0)
        >>> p(xa.tensor(x)).tolist()
        [0.0, 0.0, 0.0, 1.0]
    """

    # facts for xarxa train (models/facts.py): the perceptron rule, not a loss
    rule = "perceptron"
    recipes = {"*": dict(optimizer="sgd", lr=1.0, momentum=0.0, batch_size=1, epochs=20,
                         loss="perceptron")}
    summary_dataset = "and"

    @classmethod
    def config_for(cls, name, shape, num_classes, hidden, activation, dataset) -> dict:
        if num_classes != 2:
            raise ValueError(f"the perceptron is a binary classifier; {dataset} has "
                             f"{num_classes} classes (try --dataset and, or, xor, moons)")
        return {"in_features": int(math.prod(shape))}

    def __init__(self, in_features: int):
        super().__init__()
        self.in_features = int(in_features)
        self.linear = nn.Linear(self.in_features, 1)
        with no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()

    def decision_function(self, x: Tensor) -> Tensor:
        """The pre-activation w·x + b, shape (N,)."""
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Perceptron: expected input (N, {self.in_features}), got "
                             f"{tuple(x.shape)}")
        return self.linear(x).reshape(-1)

    def forward(self, x: Tensor) -> Tensor:
        return step(self.decision_function(x))

    def loss(self, x: Tensor, y: Tensor) -> Tensor:
        """The perceptron criterion, whose SGD step is the perceptron rule."""
        z = self.decision_function(x)
        error = step(z.detach()) - Tensor(np.asarray(y.numpy() if isinstance(y, Tensor)
                                                     else y, dtype=z.dtype).reshape(-1))
        return (error * z).mean()


def perceptron_rule(model: Perceptron, x: Tensor, y: Tensor, lr: float = 1.0) -> int:
    """Apply the classic rule sample by sample, in order; return how many were wrong.

    `x` and `y` may be Tensors or arrays (the rule works on the arrays directly)."""
    if not isinstance(model, Perceptron):
        raise TypeError(f"perceptron_rule: expected a Perceptron, got {type(model).__name__}")
    xs = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
    xs = xs.reshape(xs.shape[0], -1) if xs.ndim else xs
    ys = np.asarray(y.numpy() if isinstance(y, Tensor) else y).reshape(-1)
    if xs.ndim != 2 or xs.shape[1] != model.in_features or len(xs) != len(ys):
        raise ValueError(f"perceptron_rule: expected x of shape (N, {model.in_features}) and "
                         f"y of N labels, got x {xs.shape} and y {ys.shape}")
    w, b = model.linear.weight.numpy(), model.linear.bias.numpy()
    mistakes = 0
    for xi, yi in zip(xs, ys):
        y_hat = 1.0 if float(w[0] @ xi + b[0]) >= 0 else 0.0
        if y_hat != yi:
            mistakes += 1
            w[0] += lr * (yi - y_hat) * xi
            b[0] += lr * (yi - y_hat)
    if mistakes:   # the arrays were written in place: autograd must know (version counter)
        bump_version(model.linear.weight)
        bump_version(model.linear.bias)
    return mistakes
