"""Ready-made models: the perceptron, the MLP, LeNet-5 and a small batch-norm CNN.

``build(name, **config)`` makes one by name (what the ``xarxa`` command line uses).
"""
from __future__ import annotations

from .cnn import CNN
from .lenet5 import LeNet5
from .mlp import MLP
from .perceptron import Perceptron, perceptron_rule

__all__ = ["Perceptron", "perceptron_rule", "MLP", "LeNet5", "CNN", "MODELS", "build"]

MODELS = {"perceptron": Perceptron, "mlp": MLP, "lenet5": LeNet5, "cnn": CNN}


def build(name: str, **config):
    """The model called ``name`` (a key of ``MODELS``) built with ``config``.

    Example:
        >>> build("mlp", sizes=[64, 128, 10])
    """
    if name not in MODELS:
        raise ValueError(f"build: unknown model {name!r}, expected one of {sorted(MODELS)}")
    return MODELS[name](**config)
