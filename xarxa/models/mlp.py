"""The multilayer perceptron (notes 1.1–1.2): Linear layers with a non-linearity between."""
from __future__ import annotations

import math

from typing import Sequence

from .. import nn
from .facts import ModelFacts

__all__ = ["MLP", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class MLP(ModelFacts, nn.Sequential):
    """``sizes = [d_in, h_1, …, h_k, d_out]``: Flatten, then Linear + activation per
    hidden layer and a final Linear with no activation (logits for cross-entropy).

    Its depth, as the notes count it, is len(sizes) − 1 layers after the input; its
    width is max(sizes[1:]). Inputs (N, C, H, W) are flattened to (N, C·H·W).

    Args:
        sizes: layer widths, input first, output last (at least two).
        activation: ``'relu'``, ``'tanh'`` or ``'sigmoid'``.
        dropout: dropout probability after each hidden activation (0 for none).
        init: weight initialisation of every Linear (``'pytorch'``, ``'xavier'``,
            ``'he'``, ``'notes'``).

    Example:
        >>> model = MLP([64, 128, 10])          # digits: 8×8 pixels -> 10 classes
        >>> sum(p.numel() for p in model.parameters())
        9610
    """

    @classmethod
    def config_for(cls, name, shape, num_classes, hidden, activation, dataset) -> dict:
        """Flattened inputs, the given hidden sizes and activation (models/facts.py)."""
        return {"sizes": [int(math.prod(shape)), *hidden, num_classes],
                "activation": activation}

    def __init__(self, sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0,
                 init: str = "pytorch"):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: sizes must list at least an input and an output width, "
                             f"all positive, got {list(sizes)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: activation must be one of {sorted(ACTIVATIONS)}, got "
                             f"{activation!r}")
        layers: list[nn.Module] = [nn.Flatten()]
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b, init=init))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
                if dropout:
                    layers.append(nn.Dropout(dropout))
        super().__init__(*layers)
        self.sizes, self.activation = sizes, activation
